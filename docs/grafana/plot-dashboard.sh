#!/bin/sh
# Draws the main panels of docs/grafana/vtier.json from one controller trace recorded in the lab
# (tests/data/controller/*.trace, written by tests/kernel/lab-damon-loop --trace), with gnuplot
# (Debian's gnuplot-nox; Grafana is not packaged by Debian). Each panel plots what the dashboard's
# PromQL would return for the same run:
#   fast share vs target  vtier_guest_fast_share_ratio, vtier_guest_target_fast_share_ratio
#   fast and slow bytes   sum by (domain, tier) (vtier_guest_memory_bytes)
#   migration rate        rate(vtier_guest_migrated_bytes_total[...]) by direction
#   budget per window     vtier_guest_budget_bytes by direction
#   controller state      vtier_guest_controller_state == 1 (a state timeline)
# The trace's columns: t_ms elapsed_ms fast slow hot_fast hot_slow applied_up applied_down up down
# state. The target is not in the trace: it is the run's policy (TARGET, default 0.5). A step's
# applied_* is what moved since the previous step, drawn over that interval (as rate() looks back);
# its budget is for the next window (1 = parked, drawn as 0).
#
# Usage: docs/grafana/plot-dashboard.sh [TRACE [OUT.png [TARGET [TITLE]]]]
set -eu
here=$(dirname "$0")
trace=${1:-$here/../../tests/data/controller/lab-7.3-ratio50.trace}
out=${2:-$here/vtier-dashboard.png}
target=${3:-0.5}
title=${4:-$(basename "$trace" .trace)}
[ -r "$trace" ] || { echo "plot-dashboard: cannot read $trace" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "plot-dashboard: needs gnuplot (apt-get install gnuplot-nox)" >&2; exit 1; }

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
