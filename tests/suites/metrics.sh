#!/bin/bash
# The Prometheus side against Prometheus's own tools: `promtool check metrics` on the renderer's
# goldens (tests/data/metrics/) and on 500 synthetic guests, `promtool check rules` and
# `promtool test rules` on docs/prometheus/vtier-alerts.yml, the Grafana dashboard is valid JSON
# whose every queried metric the renderer writes, and a real scrape of the endpoint (bench-metrics
# serve) checked by promtool. When vtierd serves /metrics itself (--dry-run --connect), its scrape
# with libvirt's test driver guest "test" is checked too.
#
# Needs: promtool (quickstart.sh extracts it from Debian's prometheus package into
# $VTIER_TOOLS_DIR), python3, curl. Environment: VTIER_BUILDDIR, VTIER_SRCDIR.
set -uo pipefail

build=${VTIER_BUILDDIR:?VTIER_BUILDDIR must be set}
src=${VTIER_SRCDIR:?VTIER_SRCDIR must be set}
tools=${VTIER_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vtier/tools}
export PATH="$PATH:$tools"
pass=0 fail=0 skip=0
work=$(mktemp -d "$build/metrics-suite.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

ok() { echo "ok: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
skipped() { echo "skip: $*"; skip=$((skip + 1)); }

for tool in promtool python3 curl; do
	command -v "$tool" >/dev/null || {
		echo "$tool missing (./quickstart.sh check installs it)"
		echo "0 passed, 1 failed, 0 skipped"
		exit 1
	}
done

# promtool_metrics NAME FILE: promtool check metrics, lint included, prints its complaints.
promtool_metrics() {
	local out
	if out=$(promtool check metrics <"$2" 2>&1) && [ -z "$out" ]; then
		ok "promtool check metrics: $1"
	else
		ko "promtool check metrics: $1"; echo "$out" | head -20
	fi
}

# Every sample name the renderer can write (the goldens cover every family).
cat "$src"/tests/data/metrics/*.prom | grep -v '^#' | sed -E 's/[{ ].*//' | sort -u >"$work/names"

# check_names WHAT FILE: every vtier_* identifier in FILE is a sample name of the renderer.
check_names() {
	local missing
	missing=$(grep -oE '\bvtier_[a-z0-9_]+' "$2" | sort -u | comm -23 - "$work/names")
	if [ -z "$missing" ]; then
		ok "$1 queries only metrics the renderer writes ($(grep -oE '\bvtier_[a-z0-9_]+' "$2" | sort -u | wc -l) names)"
	else
		ko "$1 queries metrics the renderer does not write:"; echo "$missing" | sed 's/^/  /'
	fi
}

goldens() {
	local f
	for f in "$src"/tests/data/metrics/*.prom; do
		promtool_metrics "$(basename "$f")" "$f"
	done
	if "$build/bench/bench-metrics" render 500 >"$work/500.prom"; then
		promtool_metrics "500 synthetic guests" "$work/500.prom"
	else
		ko "bench-metrics render 500"
	fi
}

rules() {
	local out
	if out=$(promtool check rules "$src/docs/prometheus/vtier-alerts.yml" 2>&1); then
		ok "promtool check rules: $(echo "$out" | grep -o 'SUCCESS.*')"
	else
		ko "promtool check rules"; echo "$out"
	fi
	if out=$(cd "$src/tests/data/prometheus" && promtool test rules vtier-alerts-test.yml 2>&1); then
		ok "promtool test rules: every alert fires on host a and not on host b"
	else
		ko "promtool test rules"; echo "$out" | tail -30
	fi
	check_names "alert rules" "$src/docs/prometheus/vtier-alerts.yml"
}

dashboard() {
	local d="$src/docs/grafana/vtier.json"
	if python3 - "$d" "$work/exprs" <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1]))
assert d["title"] and d["uid"] and d["panels"], "title, uid, panels"
exprs = []
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("expr", "query", "definition") and isinstance(v, str):
                exprs.append(v)
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(d)
assert len(exprs) >= 10, "too few queries: %d" % len(exprs)
ids = [p["id"] for p in d["panels"]]
assert len(ids) == len(set(ids)), "duplicate panel ids"
open(sys.argv[2], "w").write("\n".join(exprs) + "\n")
EOF
		ok "docs/grafana/vtier.json is a dashboard ($(wc -l <"$work/exprs") queries)"
		check_names "Grafana dashboard" "$work/exprs"
	else
		ko "docs/grafana/vtier.json is not valid dashboard JSON"
	fi
	# the README's picture: its panels drawn from the lab soak's /metrics series
	local series="$src/tests/data/metrics/lab-7.3-soak.series" out
	if ! command -v gnuplot >/dev/null; then
		skipped "the dashboard picture from /metrics series: gnuplot missing"
	elif out=$(sh "$src/docs/grafana/plot-dashboard.sh" --metrics "$series" "$work/dash.png" t 2>&1) &&
		[ -s "$work/dash.png" ] && [[ "$out" == *"(2 domains)"* ]]; then
		ok "plot-dashboard.sh --metrics draws the lab soak's series ($out)"
	else
		ko "plot-dashboard.sh --metrics on $series: $out"
	fi
}

scrape_checks() { # NAME URL
	local headers="$work/headers" body="$work/scrape.prom" code
	code=$(curl -s -m 10 -D "$headers" -o "$body" -w '%{http_code}' "$2")
	if [ "$code" = 200 ] && grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$headers"; then
		ok "$1: GET /metrics is 200 text/plain; version=0.0.4"
	else
		ko "$1: GET /metrics answered $code"; cat "$headers"
	fi
	promtool_metrics "$1 scrape" "$body"
	code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "${2%/metrics}/")
	[ "$code" = 404 ] && ok "$1: GET / is 404" || ko "$1: GET / answered $code"
	code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST "$2")
	[ "$code" = 405 ] && ok "$1: POST /metrics is 405" || ko "$1: POST /metrics answered $code"
}

endpoint() {
	local url="" i
	"$build/bench/bench-metrics" serve 100 127.0.0.1:0 120 >"$work/serve.out" 2>&1 &
	pids+=($!)
	for i in $(seq 50); do
		url=$(head -n1 "$work/serve.out" 2>/dev/null)
		[[ $url == http* ]] && break
		sleep 0.1
	done
	[[ $url == http* ]] || { ko "bench-metrics serve did not start: $(cat "$work/serve.out")"; return; }
	scrape_checks "bench-metrics serve (100 guests)" "$url"
}

# vtierd itself, as issue 12's acceptance says.
vtierd_scrape() {
	local port conf body="$work/vtierd.prom" i rc=1
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	conf="$work/vtierd.conf"
	printf '[metrics]\nlisten=127.0.0.1:%s\n[daemon]\ncontrol_socket=%s\n' "$port" "$work/control" >"$conf"
	# a copy: vtierd writes its state file below the sysroot's /run
	cp -a "$src/tests/data/sysfs/amd-genoa-cxl-dram-tier" "$work/sysroot"
	"$build/vtierd" --dry-run --foreground --config "$conf" \
		--sysroot "$work/sysroot" --connect test:///default \
		--policy-dir "$src/policies" \
		>"$work/vtierd.log" 2>&1 &
	pids+=($!)
	for i in $(seq 100); do
		curl -s -m 5 -o "$body" "http://127.0.0.1:$port/metrics" && grep -q '^vtier_guest_info' "$body" && { rc=0; break; }
		sleep 0.1
	done
	if [ $rc -ne 0 ]; then
		ko "vtierd --dry-run serves no /metrics with guests on 127.0.0.1:$port"; tail -20 "$work/vtierd.log"
		return
	fi
	scrape_checks "vtierd --dry-run" "http://127.0.0.1:$port/metrics"
	grep -q '^vtier_guest_info{domain="test"' "$body" &&
		ok "vtierd: libvirt's test guest is domain=\"test\"" ||
		ko "vtierd: no vtier_guest_info{domain=\"test\"} in its scrape"
	# the issue's families, the list tests/unit/test-metrics.c checks the renderer against
	local f n=0 missing="" families="$src/tests/data/metrics/issue-families.txt"
	while read -r f; do
		case $f in '' | '#'*) continue ;; esac
		n=$((n + 1))
		grep -q "^# TYPE $f " "$body" || missing+=" $f"
	done <"$families"
	if [ "$n" -lt 18 ]; then
		ko "vtierd: $families lists $n families, not the issue's 18"
	elif [ -z "$missing" ]; then
		ok "vtierd: the issue's $n families are there"
	else
		ko "vtierd: missing$missing"
	fi
}

goldens
rules
dashboard
endpoint
vtierd_scrape
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
