#!/bin/bash
# demo-guest.sh BUILDDIR SRCDIR FIRST SECOND — inside a lab guest only (tests/kernel/lab): the live
# part of `./quickstart.sh demo` (tests/demo.sh runs it). vtierd runs with its default
# configuration; a 512 MiB workload (128 MiB hot) in cgroup /tier/work is populated on the slow
# node ("CXL", node1); `vtierctl top` runs in the background and its frames are this script's
# output, which the lab streams to the host as it comes. Then:
#   vtierctl attach work --pid PID --policy FILE      (ratio FIRST%, e.g. 40)
# until the workload's fast share (its pages on node0, from move_pages) sits within +-3 points
# of FIRST for $DEMO_HOLD seconds, or $DEMO_PHASE_MAX seconds passed; then the same attach with
# ratio SECOND% (an attach of a name already attached replaces its policy), until the same for
# SECOND or $DEMO_SECOND_MAX seconds; then vtierd's /metrics lines for the guest.
# damon_stat (enabled by 7.3 at boot) is turned off first, as an administrator would: with the
# default configuration vtierd refuses to run next to it.
# Files in $LAB_OUT: placement.txt (lab-placement: seconds hot@0 hot@1 all@0 all@1, seconds from
# the first attach), events.txt (seconds target_pct what), top.jsonl (vtierd's snapshots, one
# per second), metrics.txt, status.txt, explain.txt, vtierd.log, result.txt (key=value).
set -uo pipefail
b=${1:?BUILDDIR}
src=${2:?SRCDIR}
first=${3:-40}
second=${4:-70}
hold=${DEMO_HOLD:-6}
phase_max=${DEMO_PHASE_MAX:-90}
second_max=${DEMO_SECOND_MAX:-$phase_max}
top_interval=${DEMO_TOP_INTERVAL:-2}
out=${LAB_OUT:?}

if [ -z "${LAB_KERNEL:-}" ] || [ ! -f /run/lab/cmd ]; then
	echo "demo-guest: refusing to run outside a lab guest" >&2
	exit 2
fi
say() { printf '\n==> [%3ds] %s\n' "$SECONDS" "$*"; }
die() { say "demo failed: $*"; exit 1; }
cg=/sys/fs/cgroup
pids=()
cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
}
trap cleanup EXIT
export VTIER_POLICY_DIR=$src/policies
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp}
vctl() { timeout 20 "$b/vtierctl" "$@"; }

say "lab: Linux $LAB_RELEASE, node0 ${LAB_DRAM_MB} MiB with the CPUs (DRAM), node1 ${LAB_CXL_MB} MiB CPU-less in a lower memory tier (CXL)"
sysctl -qw kernel.numa_balancing=0 # the kernel's own tiering would move the hot set by itself
if [ -f /sys/module/damon_stat/parameters/enabled ]; then
	echo N >/sys/module/damon_stat/parameters/enabled
fi
ip link set lo up 2>/dev/null || busybox ip link set lo up # /metrics on 127.0.0.1
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/tier/work
echo +memory >$cg/tier/cgroup.subtree_control

say "workload: 512 MiB in cgroup /tier/work, populated on node1 (CXL); it writes its first 128 MiB in a loop"
(echo $BASHPID >$cg/tier/work/cgroup.procs &&
	exec "$b/tests/kernel/lab-workload" --node 1 --size 512 --hot 128 --info /tmp/wl) >/dev/null &
pids+=($!)
for _ in $(seq 600); do [ -f /tmp/wl ] && break; sleep 0.1; done
[ -f /tmp/wl ] || die "lab-workload did not start"
read -r wl </tmp/wl
wpid=${wl#*pid=}
wpid=${wpid%% *}
echo "$wl"

say "vtierd --foreground (default configuration; log in $out/vtierd.log)"
"$b/vtierd" --foreground >"$out/vtierd.log" 2>&1 &
vtierd_pid=$!
pids+=("$vtierd_pid")
end=$((SECONDS + 40))
until timeout 3 "$b/vtierctl" status >/dev/null 2>&1; do
	kill -0 $vtierd_pid 2>/dev/null || die "vtierd exited: $(tail -3 "$out/vtierd.log")"
	[ $SECONDS -lt $end ] || die "vtierd does not answer: $(tail -3 "$out/vtierd.log")"
	sleep 0.5
done

policy() { # PCT FILE
	printf '<vtier:policy xmlns:vtier="https://vtier.dev/xmlns/policy/1.0" mode="ratio"><vtier:fast ratio="%s%%"/></vtier:policy>\n' \
		"$1" >"$2"
}
policy "$first" /tmp/first.xml
policy "$second" /tmp/second.xml

# The share from lab-placement's last sample (all@0 / (all@0 + all@1), tenths of a point), with
# bash builtins only: forks cost tens of ms under TCG.
share10=-1
last_share() {
	local line="" a0 a1
	while IFS= read -r l; do line=$l; done <"$out/placement.txt"
	read -r _ _ _ a0 a1 <<<"$line"
	[[ ${a1:-} =~ ^[0-9]+\.[0-9]$ ]] || return 1
	a0=${a0/./} a1=${a1/./}
	a0=$((10#$a0)) a1=$((10#$a1))
	[ $((a0 + a1)) -gt 0 ] || return 1
	share10=$((1000 * a0 / (a0 + a1)))
}
rel() { # seconds since the first attach, one decimal
	local now=$EPOCHREALTIME
	local d=$(((${now/./} - ${t0/./}) / 100000))
	printf '%d.%d' $((d / 10)) $((d % 10))
}
event() { echo "$(rel) $1 $2" >>"$out/events.txt"; }

# Waits until the share is within +-3 points of PCT for $hold s, at most MAX s. Prints the phase
# result as key=value lines into result.txt with PREFIX.
settle() { # PREFIX PCT MAX
	local prefix=$1 pct=$2 max=$3 start=$SECONDS in_since=-1 reached=-1
	while [ $((SECONDS - start)) -lt "$max" ]; do
		sleep 1
		last_share || continue
		if [ $share10 -ge $((pct * 10 - 30)) ] && [ $share10 -le $((pct * 10 + 30)) ]; then
			[ $in_since -ge 0 ] || in_since=$SECONDS
			[ $reached -ge 0 ] || { reached=$((SECONDS - start)); event "$pct" "reached_$prefix"; }
			[ $((SECONDS - in_since)) -lt "$hold" ] || break
		else
			in_since=-1
		fi
	done
	printf '%s_target=%s\n%s_reached_s=%s\n%s_share=%d.%d\n%s_seconds=%s\n' "$prefix" "$pct" \
		"$prefix" "$reached" "$prefix" $((share10 / 10)) $((share10 % 10)) "$prefix" \
		$((SECONDS - start)) >>"$out/result.txt"
	if [ $reached -ge 0 ]; then
		say "fast share $((share10 / 10)).$((share10 % 10))% (target $pct%): within +-3 points after ${reached}s"
	else
		say "fast share $((share10 / 10)).$((share10 % 10))% after ${max}s: not yet within +-3 points of $pct%"
	fi
}

: >"$out/events.txt"
: >"$out/result.txt"
"$b/tests/kernel/lab-placement" --info /tmp/wl --interval 1 \
	--samples $((phase_max + second_max + 30)) >"$out/placement.txt" 2>&1 &
pids+=($!)
t0=$EPOCHREALTIME
echo "t0_unix=$t0" >>"$out/result.txt"
# vtierd's own view for the plot, once a second (a request that meets vtierd busy in its first
# apply times out and ends top: start it again)
(while :; do "$b/vtierctl" top --json --interval 1 2>/dev/null; sleep 1; done) >"$out/top.jsonl" &
json_pid=$!
say "vtierctl attach work --pid $wpid --policy first.xml   (ratio $first%: $first% of the workload's memory in DRAM)"
cat /tmp/first.xml
vctl attach work --pid "$wpid" --policy /tmp/first.xml || die "vtierctl attach failed"
event "$first" attach
say "vtierctl top --interval $top_interval   (frames follow; FAST = node0, SLOW = node1, | = target)"
# through a pipe, not the serial terminal: frames follow one another instead of redrawing
"$b/vtierctl" top --interval "$top_interval" > >(cat) &
top_pid=$!
pids+=("$top_pid")
settle first "$first" "$phase_max"

say "vtierctl attach work --pid $wpid --policy second.xml   (the same guest, now ratio $second%)"
vctl attach work --pid "$wpid" --policy /tmp/second.xml || die "the second vtierctl attach failed"
event "$second" attach
settle second "$second" "$second_max"
kill $top_pid 2>/dev/null
wait $top_pid 2>/dev/null
pkill -P $json_pid 2>/dev/null
kill $json_pid 2>/dev/null
event "$second" end

vctl status >"$out/status.txt" 2>&1
vctl explain work >"$out/explain.txt" 2>&1
say "curl -s http://127.0.0.1:9848/metrics | grep 'domain=\"work\"'   (all of it: metrics.txt)"
if curl -sS --max-time 10 http://127.0.0.1:9848/metrics >"$out/metrics.txt" 2>"$out/curl.err"; then
	grep 'domain="work"' "$out/metrics.txt"
	echo "metrics_lines=$(grep -c 'domain="work"' "$out/metrics.txt")" >>"$out/result.txt"
else
	echo "curl: $(cat "$out/curl.err")"
	echo "metrics_lines=0" >>"$out/result.txt"
fi
say "vtierctl explain work"
cat "$out/explain.txt"
kill $vtierd_pid 2>/dev/null
wait $vtierd_pid 2>/dev/null
echo "vtierd_exit=$?" >>"$out/result.txt"
exit 0
