#!/bin/bash
# bench/tiering/guest.sh BUILDDIR NAME MODE [options...] — inside a lab guest only
# (tests/kernel/lab): one run of the tiering benchmark (bench/tiering/README.md).
#
# Workloads ($BENCH_WORKLOAD):
#   single  lab-workload in cgroup /tier/work, $BENCH_SIZE_MIB (512) MiB populated on node1 (the
#           CPU-less "CXL" node), policy reset, its first $BENCH_HOT_MIB (128) MiB kept hot (from
#           $BENCH_HOT_AT_MIB (0) MiB on: run.sh --hot-at);
#   moving  the same, and halfway through the run the hot set moves to the last 128 MiB
#           (lab-workload --move-hot-to, SIGUSR1): NAME.place samples the first hot set,
#           NAME.place2 the second; "move_at S" in NAME.info (seconds on NAME.place's clock);
#   three   three lab-workloads of 256 MiB (64 MiB hot) in /tier/w1..w3, all on node1, attached
#           to vtierd with ratio policies of different targets and priorities (80% prio 90, 60%
#           prio 50, 50% prio 50) and [host] fast_reserve leaving $BENCH_FAST_MIB (400) MiB of
#           the fast node to them: NAME.numa has every guest's fast/slow MiB each second.
# MODE (what tiers it for $BENCH_SECONDS (60) s while lab-placement samples its pages every s):
#   none    nothing (NUMA balancing off, no DAMON): the no-tiering baseline;
#   numa    the kernel's NUMA-balancing tiering: kernel.numa_balancing=2, demotion on;
#   loop    tests/kernel/lab-damon-loop with the given options (vtier's plans and controller);
#   damon   the given DAMON model (`vtierctl damon apply`, bench/tiering/mtier-model.sh writes
#           it): DAMON's own tiering recipe, no vtier control;
#   vtierd  vtierd itself (--connect none) with the workload attached by pid under the policy
#           given as the first option (a file): vtier's planner and seat.
# Files in $LAB_OUT: NAME.place (seconds hot@0 hot@1 all@0 all@1, MiB), NAME.loop (the loop's
# steps and/or "cpu kdamond_s=S loop_s=S"), NAME.info (kernel, options, hint faults, move_at),
# NAME.log (vtierd's or vtierctl's log).
set -uo pipefail
b=${1:?BUILDDIR}
name=${2:?NAME}
mode=${3:?MODE}
shift 3
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=${LAB_OUT:-/tmp}
workload=${BENCH_WORKLOAD:-single}
size=${BENCH_SIZE_MIB:-512}
hot=${BENCH_HOT_MIB:-128}
secs=${BENCH_SECONDS:-60}
fast_mib=${BENCH_FAST_MIB:-400}
trace=${BENCH_TRACE:-0}
damon_reader=${BENCH_DAMON_READER:-0}
hot_at=${BENCH_HOT_AT_MIB:-0} # single, moving: where the (first) hot set starts

if [ -z "${LAB_KERNEL:-}" ] || [ ! -f /run/lab/cmd ]; then
	echo "bench/tiering/guest.sh: refusing to run outside a lab guest" >&2
	exit 2
fi
cg=/sys/fs/cgroup
pids=()
vtierd_pid=
place=
rm -f /tmp/ready
cleanup() {
	[ -n "$vtierd_pid" ] && kill "$vtierd_pid" 2>/dev/null
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	[ "$mode" = damon ] && "$b/vtierctl" damon stop >/dev/null 2>&1
}
trap cleanup EXIT
export VTIER_POLICY_DIR=$src/policies
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# CPU seconds (utime + stime) of the processes whose comm starts with $1, or of pid $2
cpu_of() {
	local total=0 f
	for f in /proc/[0-9]*/stat; do
		[ -n "${2:-}" ] && [ "$f" != "/proc/$2/stat" ] && continue
		total=$(awk -v pre="$1" -v t="$total" '{
			c = $0; sub(/^[0-9]+ \(/, "", c); comm = substr(c, 1, index(c, ") ") - 1)
			sub(/^.*\) /, "", c); split(c, f, " ")
			if (pre == "" || index(comm, pre) == 1) t += f[12] + f[13]
			printf "%d", t }' "$f" 2>/dev/null || echo "$total")
	done
	awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

nb=0
[ "$mode" = numa ] && nb=2
sysctl -qw kernel.numa_balancing="$nb"
[ "$nb" = 2 ] && echo true >/sys/kernel/mm/numa/demotion_enabled 2>/dev/null
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/tier
echo +memory >$cg/tier/cgroup.subtree_control

start_workload() { # CGROUP SIZE HOT INFO [lab-workload options...]
	local c=$1 s=$2 h=$3 info=$4
	shift 4
	mkdir -p "$cg/tier/$c"
	rm -f "$info" "$info.moved"
	(echo $BASHPID >"$cg/tier/$c/cgroup.procs" &&
		exec "$b/tests/kernel/lab-workload" --node 1 --size "$s" --hot "$h" --info "$info" "$@") \
		>/dev/null 2>"$info.err" &
	pids+=($!)
}
wait_info() { # FILE...
	local f
	for f in "$@"; do
		for _ in $(seq 900); do [ -f "$f" ] && break; sleep 0.1; done
		[ -f "$f" ] || { echo "bench/tiering/guest.sh: $f: the workload did not populate in 90 s" >&2; exit 1; }
	done
}
field() { sed -n "s/.* $2=\\([^ ]*\\).*/\\1/p" "$1"; } # INFO KEY

if [ "$workload" = three ]; then
	for g in w1 w2 w3; do start_workload $g 256 64 /tmp/$g; done
	wait_info /tmp/w1 /tmp/w2 /tmp/w3
else
	move=()
	[ "$workload" = moving ] && move=(--move-hot-to $((size - hot)))
	start_workload work "$size" "$hot" /tmp/wl --hot-at "$hot_at" "${move[@]}"
	wait_info /tmp/wl
fi
{
	echo "kernel $LAB_RELEASE"
	echo "mode $mode"
	echo "workload $workload"
	echo "numa_balancing $nb"
	echo "options $*"
	cat /tmp/wl /tmp/w1 /tmp/w2 /tmp/w3 2>/dev/null
} >"$out/$name.info"
hint0=$(awk '$1 == "numa_hint_faults" { print $2 }' /proc/vmstat)

# the samplers, from t0 = now
t0=
start_sampling() {
	t0=$(now)
	if [ "$workload" = three ]; then
		sample_three >"$out/$name.numa" &
		pids+=($!)
		return
	fi
	"$b/tests/kernel/lab-placement" --info /tmp/wl --interval 1 --samples "$secs" \
		>"$out/$name.place" 2>&1 &
	place=$!
	pids+=("$place")
	if [ "$workload" = moving ]; then
		local s e
		s=$(field /tmp/wl start) e=$(field /tmp/wl end)
		"$b/tests/kernel/lab-placement" --pid "$(field /tmp/wl pid)" --range "$s-$e" \
			--hot "$(printf '0x%x-0x%x' $((s + (size - hot) * 1048576)) $((e)))" \
			--interval 1 --samples "$secs" >"$out/$name.place2" 2>&1 &
		pids+=($!)
		# halfway: move the hot set; lab-workload writes /tmp/wl.moved when it has moved, and
		# that file's time is the move's (taking the time here after the kill was 6-10 s late
		# under load: every fork is slow in TCG)
		(sleep $((secs / 2)) && kill -USR1 "$(field /tmp/wl pid)") &
		pids+=($!)
	fi
}
# every second: seconds w1_fast w1_slow w2_fast w2_slow w3_fast w3_slow (MiB, memory.numa_stat anon)
sample_three() {
	local line
	for _ in $(seq "$secs"); do
		line=$(since "$t0")
		for g in w1 w2 w3; do
			line="$line $(awk '$1 == "anon" { for (i = 2; i <= NF; i++) { split($i, kv, "=");
				v[kv[1]] = kv[2] } printf "%.1f %.1f", v["N0"] / 1048576, v["N1"] / 1048576 }' \
				"$cg/tier/$g/memory.numa_stat")"
		done
		echo "$line"
		sleep 1
	done
}

rc=0
case "$mode" in
none | numa)
	start_sampling
	sleep "$secs"
	: >"$out/$name.loop"
	;;
loop)
	"$b/tests/kernel/lab-damon-loop" --memcg /tier/work --seconds "$secs" \
		--trace "$out/$name.trace" --ready /tmp/ready "$@" >"$out/$name.loop" 2>&1 &
	loop=$!
	pids+=("$loop")
	for _ in $(seq 300); do
		[ -f /tmp/ready ] && break
		kill -0 $loop 2>/dev/null || break
		sleep 0.1
	done
	start_sampling
	wait $loop
	rc=$?
	kill "$place" 2>/dev/null
	;;
damon)
	# the model: kernel's node ranges from the memory blocks
	"$here/mtier-model.sh" "$@" >/tmp/model.json || exit 2
	cp /tmp/model.json "$out/$name.model.json"
	"$b/vtierctl" damon --disable-damon-stat apply /tmp/model.json >"$out/$name.log" 2>&1
	rc=$?
	start_sampling
	# no `vtierctl damon status` meanwhile: its tried-regions update waits for the scheme to be
	# applied, which a starved scheme never is (the write hangs in D state)
	sleep "$secs"
	echo "cpu kdamond_s=$(cpu_of kdamond) loop_s=-" >"$out/$name.loop"
	"$b/vtierctl" damon stop >>"$out/$name.log" 2>&1
	;;
vtierd)
	cat >/tmp/vtierd.conf <<EOF
[daemon]
interval_ms=1000
[damon]
disable_damon_stat=true
EOF
	if [ "$workload" = three ]; then
		node0=$(awk '/MemTotal/ { print $4 }' /sys/devices/system/node/node0/meminfo)
		reserve=$((node0 - fast_mib * 1024))
		printf '[host]\nfast_reserve=%dKiB\n' "$reserve" >>/tmp/vtierd.conf
		echo "fast_mib $fast_mib node0_kib $node0 fast_reserve_kib $reserve" >>"$out/$name.info"
	fi
	mkdir -p /run/vtier
	# each log line stamped with its wall time (NAME.info's t0 is the start of sampling), without
	# a fork per line
	"$b/vtierd" --foreground --debug --config /tmp/vtierd.conf --connect none \
		> >(while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done \
			>"$out/$name.log") 2>&1 &
	vtierd_pid=$!
	for _ in $(seq 120); do
		grep -q "running (configuration" "$out/$name.log" && break
		kill -0 $vtierd_pid 2>/dev/null || break
		sleep 0.5
	done
	policy=()
	if [ "$workload" = three ]; then
		policy=(w1 80 90 w2 60 50 w3 50 50)
	else
		policy=(work "$1" -)
	fi
	start_sampling
	echo "t0 $t0" >>"$out/$name.info"
	if [ "$trace" = 1 ]; then
		# vtierd's view once a second (seconds from the start of sampling, then the status
		# JSON on one line), for diagnosis; each fork costs the lab CPU, hence opt-in
		(
			while kill -0 $vtierd_pid 2>/dev/null; do
				printf '%s ' "$(since "$t0")"
				"$b/vtierctl" status --json 2>/dev/null | tr -d '\n'
				echo
				sleep 1
			done
		) >"$out/$name.trace" &
		pids+=($!)
	fi
	if [ "$damon_reader" = 1 ]; then
		# a fault: someone else reading vtierd's kdamond (docs/faults.md)
		python3 "$here/damon-reader.py" "$secs" "$t0" >"$out/$name.damon" 2>&1 &
		pids+=($!)
	fi
	set -- "${policy[@]}"
	while [ $# -ge 3 ]; do
		g=$1 pol=$2 prio=$3
		shift 3
		if [ "$prio" != - ]; then
			printf '<vtier:policy xmlns:vtier="https://vtier.dev/xmlns/policy/1.0" mode="ratio">%s%s%s</vtier:policy>\n' \
				"<vtier:fast ratio=\"$pol%\"/>" '<vtier:migration max-rate="32MiB/s"/>' \
				"<vtier:priority value=\"$prio\"/>" >"/tmp/$g.xml"
			echo "guest $g ratio $pol priority $prio" >>"$out/$name.info"
			pol=/tmp/$g.xml
		fi
		info=/tmp/$g
		[ "$g" = work ] && info=/tmp/wl
		# its own file: appended to vtierd's log over virtiofs, a failure's message was lost
		timeout 30 "$b/vtierctl" attach "$g" --pid "$(field "$info" pid)" --policy "$pol" \
			>>"$out/$name.attach" 2>&1 || { rc=1; echo "attach $g failed: $(tail -1 "$out/$name.attach")" >>"$out/$name.info"; }
	done
	sleep "$secs"
	timeout 20 "$b/vtierctl" status >"$out/$name.status" 2>&1
	echo "cpu kdamond_s=$(cpu_of kdamond) loop_s=$(cpu_of "" "$vtierd_pid")" >"$out/$name.loop"
	;;
*)
	echo "bench/tiering/guest.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
[ -n "$place" ] && wait "$place" 2>/dev/null
hint1=$(awk '$1 == "numa_hint_faults" { print $2 }' /proc/vmstat)
{
	echo "hint_faults $((hint1 - hint0))"
	[ -f /tmp/wl.moved ] &&
		awk -v a="$t0" -v b="$(stat -c %.9Y /tmp/wl.moved)" 'BEGIN { printf "move_at %.1f\n", b - a }'
	echo "exit $rc"
} >>"$out/$name.info"
exit $rc
