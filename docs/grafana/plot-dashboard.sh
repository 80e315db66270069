#!/bin/sh
# Draws the main panels of docs/grafana/vtier.json with gnuplot (Debian's gnuplot-nox; Grafana is
# not packaged by Debian), from one of two inputs:
#
#   docs/grafana/plot-dashboard.sh --metrics SERIES [OUT.png [TITLE]]
#     SERIES is a series of /metrics scrapes, as the lab soak records it in $LAB_OUT/metrics.series:
#     repeated blocks of a line "# t=EPOCH_SECONDS.MICRO" followed by one scrape's text
#     (Prometheus text format 0.0.4), e.g. recorded by hand from a running vtierd with
#         while :; do echo "# t=$(date +%s.%6N)"; curl -s http://127.0.0.1:9848/metrics; sleep 1; done >SERIES
#     One line per domain in each panel, as the dashboard's queries return them:
#       fast share vs target  vtier_guest_fast_share_ratio (solid),
#                             vtier_guest_target_fast_share_ratio (dashed)
#       fast and slow bytes   sum by (domain, tier) (vtier_guest_memory_bytes): fast solid, slow dashed
#       migration rate        the increase of vtier_guest_migrated_bytes_total per direction between
#                             two scrapes over their interval (rate()): up solid, down dashed
#       budget per window     vtier_guest_budget_bytes by direction: up solid, down dashed
#       controller state      vtier_guest_controller_state == 1 (a state timeline; domains are drawn
#                             slightly apart so that lines in the same state stay visible)
#     Time is seconds since the first scrape. OUT.png defaults to metrics-dashboard.png in the
#     current folder (docs/grafana/vtier-dashboard.png is drawn from a real lab series).
#
#   docs/grafana/plot-dashboard.sh [TRACE [OUT.png [TARGET [TITLE]]]]
#     One controller trace recorded in the lab (tests/data/controller/*.trace, written by
#     tests/kernel/lab-damon-loop --trace), one guest; each panel plots what the dashboard's PromQL
#     would return for the same run:
#       fast share vs target  vtier_guest_fast_share_ratio, vtier_guest_target_fast_share_ratio
#       fast and slow bytes   sum by (domain, tier) (vtier_guest_memory_bytes)
#       migration rate        rate(vtier_guest_migrated_bytes_total[...]) by direction
#       budget per window     vtier_guest_budget_bytes by direction
#       controller state      vtier_guest_controller_state == 1 (a state timeline)
#     The trace's columns: t_ms elapsed_ms fast slow hot_fast hot_slow applied_up applied_down up
#     down state. The target is not in the trace: it is the run's policy (TARGET, default 0.5). A
#     step's applied_* is what moved since the previous step, drawn over that interval (as rate()
#     looks back); its budget is for the next window (1 = parked, drawn as 0).
set -eu
here=$(dirname "$0")
command -v gnuplot >/dev/null || { echo "plot-dashboard: needs gnuplot (apt-get install gnuplot-nox)" >&2; exit 1; }
states="static ramping holding exchanging capped blind kernel error"

# series_to_data SERIES DIR: DIR/domains (one name a line, in order of first appearance) and
# DIR/N.dat for the Nth domain, one line per scrape: t share target fast slow up_rate down_rate
# up_budget down_budget state ("?" where the scrape has no value).
series_to_data() {
	awk -v dir="$2" -v states="$states" '
	function labels(s, L,   i, n, eq, key, val, c) {
		split("", L)
		i = 1
		n = length(s)
		while (i <= n) {
			eq = index(substr(s, i), "=")
			if (eq == 0)
				break
			key = substr(s, i, eq - 1)
			i += eq + 1 # past =" 
			val = ""
			while (i <= n) {
				c = substr(s, i, 1)
				if (c == "\\") {
					c = substr(s, i + 1, 1)
					val = val (c == "n" ? " " : c)
					i += 2
					continue
				}
				i++
				if (c == "\"")
					break
				val = val c
			}
			L[key] = val
			if (substr(s, i, 1) == ",")
				i++
		}
	}
	function v(a, d) { return (d in a) ? a[d] : "?" }
	function flush(   d, k, up, down, dt) {
		if (t == "")
			return
		if (t0 == "")
			t0 = t
		for (d in seen) {
			k = idx[d]
			up = down = "?"
			dt = t - pt[d]
			if ((d in pt) && dt > 0) {
				if ((d in mu) && (d in pmu))
					up = (mu[d] >= pmu[d] ? mu[d] - pmu[d] : mu[d]) / dt
				if ((d in md) && (d in pmd))
					down = (md[d] >= pmd[d] ? md[d] - pmd[d] : md[d]) / dt
			}
			printf "%.3f %s %s %s %s %s %s %s %s %s\n", t - t0, v(sh, d), v(tg, d),
				v(fb, d), v(sb, d), up, down, v(bu, d), v(bd, d), v(st, d) >(dir "/" k ".dat")
			pt[d] = t
			if (d in mu) pmu[d] = mu[d]; else delete pmu[d]
			if (d in md) pmd[d] = md[d]; else delete pmd[d]
		}
		split("", seen); split("", sh); split("", tg); split("", fb); split("", sb)
		split("", mu); split("", md); split("", bu); split("", bd); split("", st)
	}
	BEGIN { n = split(states, S, " "); for (i = 1; i <= n; i++) state_no[S[i]] = i }
	/^# t=/ { flush(); t = substr($2, 3) + 0; next }
	/^#/ || !/^vtier_guest_/ { next }
	{
		name = $0
		sub(/[{ ].*/, "", name)
		if (name !~ /^vtier_guest_(fast_share_ratio|target_fast_share_ratio|memory_bytes|migrated_bytes_total|budget_bytes|controller_state)$/)
			next
		if (!match($0, /\} [^}]*$/))
			next
		value = substr($0, RSTART + 2) + 0
		labels(substr($0, length(name) + 2, RSTART - length(name) - 2), L)
		d = L["domain"]
		if (!(d in idx)) {
			idx[d] = ++domains
			print d >(dir "/domains")
		}
		seen[d] = 1
		if (name == "vtier_guest_fast_share_ratio") sh[d] = value
		else if (name == "vtier_guest_target_fast_share_ratio") tg[d] = value
		else if (name == "vtier_guest_memory_bytes" && L["tier"] == "fast") fb[d] += value
		else if (name == "vtier_guest_memory_bytes" && L["tier"] == "slow") sb[d] += value
		else if (name == "vtier_guest_migrated_bytes_total" && L["direction"] == "up") mu[d] = value
		else if (name == "vtier_guest_migrated_bytes_total" && L["direction"] == "down") md[d] = value
		else if (name == "vtier_guest_budget_bytes" && L["direction"] == "up") bu[d] = value
		else if (name == "vtier_guest_budget_bytes" && L["direction"] == "down") bd[d] = value
		else if (name == "vtier_guest_controller_state" && value == 1) st[d] = state_no[L["state"]] + 0
	}
	END { flush() }' "$1"
}

# plot_each DIR USING STYLE [notitle]: one plot element per domain, in the domain's colour, titled
# with its name (escaped for a gnuplot string) unless told notitle; OFF in USING is the domain's
# small offset (0, 0.05, ... 0.35).
plot_each() {
	k=0 sep=""
	while IFS= read -r name; do
		k=$((k + 1))
		title=$(printf '%s' "$name" | sed 's/\\/\\\\/g; s/"/\\"/g')
		using=$(printf '%s' "$2" | sed "s/OFF/0.$(printf '%02d' $(((k - 1) % 8 * 5)))/")
		if [ "${4:-}" = notitle ]; then
			printf '%s"%s/%s.dat" using %s %s lc %s notitle' "$sep" "$1" "$k" "$using" "$3" "$k"
		else
			printf '%s"%s/%s.dat" using %s %s lc %s title "%s"' "$sep" "$1" "$k" "$using" "$3" "$k" "$title"
		fi
		sep=", "
	done <"$1/domains"
}

plot_metrics() { # SERIES OUT TITLE
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	series_to_data "$1" "$tmp"
	[ -s "$tmp/domains" ] || { echo "plot-dashboard: no vtier_guest_* series in $1" >&2; exit 1; }
	n=$(wc -l <"$tmp/domains")
	# the using expressions are gnuplot's, in single quotes on purpose
	# shellcheck disable=SC2016
	gnuplot <<GP
set terminal pngcairo size 900,1250 font "DejaVu Sans,9" noenhanced
set output "$2"
set datafile missing "?"
MiB = 1048576.0
set grid lc rgb "#dddddd"
set key outside right top
set xrange [0:*]
set autoscale xfixmax
set lmargin 11
set multiplot layout 5,1 title "vtier dashboard panels, drawn from /metrics scrapes: $(printf '%s' "$3" | sed 's/\\/\\\\/g; s/"/\\"/g') ($n domains)"

set title "Fast share (solid) vs target (dashed)"
set ylabel "fast share"
set format y "%.0f%%"
set yrange [0:100]
plot $(plot_each "$tmp" '1:(100*$2)' 'with lines lw 2'), $(plot_each "$tmp" '1:(100*$3)' 'with lines dt 2 lw 1.5' notitle)

set title "Fast (solid) and slow (dashed) memory"
set ylabel "MiB"
set format y "%.0f"
set yrange [0:*]
plot $(plot_each "$tmp" '1:($4/MiB)' 'with lines lw 2'), $(plot_each "$tmp" '1:($5/MiB)' 'with lines dt 2 lw 1.5' notitle)

set title "Migration rate: up = slow to fast (solid), down = fast to slow (dashed)"
set ylabel "MiB/s"
set format y "%g"
plot $(plot_each "$tmp" '1:($6/MiB)' 'with fsteps lw 2'), $(plot_each "$tmp" '1:($7/MiB)' 'with fsteps dt 2 lw 1.5' notitle)

set title "Budget per charge window: up (solid), down (dashed)"
set ylabel "MiB"
budget(b) = (b <= 1 ? 0 : b/MiB)
plot $(plot_each "$tmp" '1:(budget($8))' 'with steps lw 2'), $(plot_each "$tmp" '1:(budget($9))' 'with steps dt 2 lw 1.5' notitle)

set title "Controller state"
set xlabel "seconds since the first scrape"
set ylabel ""
set yrange [0.5:8.5]
set ytics ("static" 1, "ramping" 2, "holding" 3, "exchanging" 4, "capped" 5, "blind" 6, "kernel" 7, "error" 8)
set format y "%g"
plot $(plot_each "$tmp" '1:($10 + OFF)' 'with steps lw 2')
unset multiplot
GP
	echo "plot-dashboard: wrote $2 from $1 ($n domains)"
}

if [ "${1:-}" = --metrics ]; then
	[ -r "${2:-}" ] || { echo "plot-dashboard: cannot read the series ${2:-(none given)}" >&2; exit 1; }
	plot_metrics "$2" "${3:-metrics-dashboard.png}" "${4:-$(basename "$2")}"
	exit 0
fi

trace=${1:-$here/../../tests/data/controller/lab-7.3-ratio50.trace}
out=${2:-$here/vtier-dashboard.png}
target=${3:-0.5}
title=${4:-$(basename "$trace" .trace)}
[ -r "$trace" ] || { echo "plot-dashboard: cannot read $trace" >&2; exit 1; }

gnuplot <<GP
set terminal pngcairo size 900,1000 font "DejaVu Sans,9" noenhanced
set output "$out"
set datafile commentschars "#"
MiB = 1048576.0
set grid lc rgb "#dddddd"
set key top right opaque box lc rgb "#bbbbbb"
set xrange [0:*]
set autoscale xfixmax
set lmargin 11
set rmargin 3
set multiplot layout 4,1 title "vtier dashboard panels, drawn from lab trace $title (1 s steps)"

set title "Fast share vs target"
set ylabel "fast share"
set format y "%.0f%%"
set yrange [0:70]
plot "$trace" using (\$1/1000):(100.0*\$3/(\$3+\$4)) with linespoints pt 7 ps 0.4 lw 2 lc rgb "#1f77b4" title "measured (vtier_guest_fast_share_ratio)", \
     $target*100 with lines dt 2 lw 2 lc rgb "#d62728" title "target (vtier_guest_target_fast_share_ratio)"

set title "Fast and slow memory"
set ylabel "MiB"
set format y "%.0f"
set yrange [0:*]
plot "$trace" using (\$1/1000):(\$3/MiB) with lines lw 2 lc rgb "#2ca02c" title "fast (node0, DRAM)", \
     "" using (\$1/1000):(\$4/MiB) with lines lw 2 lc rgb "#9467bd" title "slow (node1, CPU-less CXL)"

set title "Migration rate (up = slow to fast, down = fast to slow) and budget per 1 s window"
set ylabel "MiB/s"
set yrange [0:*]
budget(b) = (b <= 1 ? 0 : b/MiB)
plot "$trace" using (\$1/1000):(\$7/MiB/(\$2 > 0 ? \$2/1000.0 : 1)) with fsteps lw 2 lc rgb "#ff7f0e" title "up: migrated", \
     "" using (\$1/1000):(\$8/MiB/(\$2 > 0 ? \$2/1000.0 : 1)) with fsteps lw 2 lc rgb "#17becf" title "down: migrated", \
     "" using (\$1/1000):(budget(\$9)) with steps dt 2 lw 1.5 lc rgb "#ff7f0e" title "up: budget", \
     "" using (\$1/1000):(budget(\$10)) with steps dt 2 lw 1.5 lc rgb "#17becf" title "down: budget"

set title "Controller state"
unset key
set ylabel ""
set xlabel "seconds since the controller started"
states = "static ramping holding exchanging capped blind kernel error"
state(s) = sum [i=1:words(states)] (word(states, i) eq s ? i : 0)
set yrange [0.5:words(states) + 0.5]
set ytics ("static" 1, "ramping" 2, "holding" 3, "exchanging" 4, "capped" 5, "blind" 6, "kernel" 7, "error" 8)
set format y "%g"
plot "$trace" using (\$1/1000):(state(strcol(11))) with steps lw 2 lc rgb "#8c564b" notitle, \
     "" using (\$1/1000):(state(strcol(11))) with points pt 7 ps 0.5 lc rgb "#8c564b" notitle
unset multiplot
GP
echo "plot-dashboard: wrote $out from $trace"
