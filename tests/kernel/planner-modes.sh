#!/bin/bash
# planner-modes.sh SRCDIR BUILDDIR — a lab guest script: for every tiering mode, `vtierctl plan`
# plans one guest (a workload in cgroup /work with 128 MiB on node1, 32 MiB of it hot, standing in
# for a QEMU process) on this real kernel, the plan's shell script is applied, every file it wrote
# must read back the value written, and the guest's schemes must actually run (nr_tried > 0 within
# 25 s; with intervals auto-tuning too: the check that would catch the DAMON starvation bug). Prints "ok NAME", "not ok NAME: WHY"
# or "skip NAME: WHY" lines for tests/suites/planner-lab.sh; a mode this kernel cannot run must be refused.
set -uo pipefail
src=${1:?SRCDIR} b=${2:?BUILDDIR}
k=${LAB_KERNEL:?}
a=/sys/kernel/mm/damon/admin/kdamonds

sysctl -qw kernel.numa_balancing=0
f=/sys/module/damon_stat/parameters/enabled
if [ -f $f ]; then echo N >$f; fi
cg=/sys/fs/cgroup
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/work
# A fresh workload for every case (earlier cases move its hot set): 128 MiB on node1, 32 MiB hot
# (small: populating it under TCG is most of a case's time, and a case only needs its schemes to run),
# and what libvirt would leave for vtier: its pid file (the memcg comes from /proc/PID/cgroup).
wl=
start_workload() {
	rm -f /tmp/wl
	(echo $BASHPID >$cg/work/cgroup.procs && exec "$b/tests/kernel/lab-workload" --node 1 --size 128 --hot 32 --info /tmp/wl) >/dev/null &
	wl=$!
	for _ in $(seq 600); do [ -f /tmp/wl ] && break; sleep 0.1; done
	mkdir -p /run/libvirt/qemu
	echo $wl >/run/libvirt/qemu/vm.pid
}
stop_workload() {
	kill $wl 2>/dev/null
	wait $wl 2>/dev/null
}
printf '[damon]\nvaddr_kdamond=true\n' >/tmp/vaddr.conf
printf '[damon]\nintervals_autotune=true\n' >/tmp/autotune.conf

stop_all() {
	for s in $a/[0-9]*/state; do
		[ -f "$s" ] && [ "$(cat "$s")" = on ] && echo off >"$s"
	done
}

domain() { # MODE TUNER -> domain XML on stdout
	local fast='<vtier:fast ratio="60%"/>'
	[ "$1" = allowance ] && fast='<vtier:fast size="128MiB"/>'
	cat <<XML
<domain type='kvm'><name>vm</name><uuid>6f1c0e1a-0000-4000-8000-00000000a1b0</uuid>
<metadata><vtier:policy xmlns:vtier="https://vtier.dev/xmlns/policy/1.0" mode="$1">$fast
<vtier:migration max-rate="64MiB/s" tuner="$2"/></vtier:policy></metadata>
<memory unit='MiB'>512</memory></domain>
XML
}

# Every file the script wrote must read back the last value written to it (the writer's staged
# start writes some files twice; state excepted).
read_back() { # SCRIPT -> prints the first mismatch, returns 1 on one
	local line value path
	declare -A last=()
	while IFS= read -r line; do
		case "$line" in
		"echo "*" > "*) value=${line#echo }; value=${value% > *} ;;
		"printf '%s\n' '"*) value=${line#printf \'%s\\n\' \'}; value=${value%\' > *} ;;
		*) continue ;;
		esac
		path=${line##* > }
		case "$path" in */state) continue ;; esac
		last[$path]=$value
	done <"$1"
	# read with the shell's own read: a `cat` per file costs ~0.1 s of fork and exec under TCG
	for path in "${!last[@]}"; do
		IFS= read -r value <"$path"
		if [ "$value" != "${last[$path]}" ]; then
			echo "$path holds \"$value\", the plan wrote \"${last[$path]}\""
			return 1
		fi
	done
	echo "${#last[@]} files"
}

# Sum of nr_tried of the guest's schemes ("# guest vm: MODE, ..., kdamond K schemes A-B").
tried() { # K A B
	local s n sum=0
	echo update_schemes_stats >$a/$1/state 2>/dev/null || return 1
	for ((s = $2; s <= $3; s++)); do
		read -r n <$a/$1/contexts/0/schemes/$s/stats/nr_tried
		sum=$((sum + n))
	done
	echo $sum
}

# MODE[+VARIANT]: tuner=kernel goals, or intervals auto-tuning (the starvation check). DAMON's
# kernel tuner starts at ~1 byte per window and doubles (~19 s before a page moves, lab.md), so
# kernel-tuner cases get 60 s to show a tried region.
for case in ratio ratio+kernel ratio+autotune allowance allowance+kernel hot-split interleave \
	pin-fast pin-slow monitor; do
	mode=${case%%+*} variant=${case#$mode} variant=${variant#+} tuner=vtier conf=() wait=25
	[ "$mode" = interleave ] && conf=(--config /tmp/vaddr.conf)
	[ "$variant" = autotune ] && conf=(--config /tmp/autotune.conf)
	[ "$variant" = kernel ] && tuner=kernel wait=60
	domain "$mode" $tuner >/tmp/vm.xml
	t0=$SECONDS
	stop_all
	start_workload
	echo "# $case: workload up after $((SECONDS - t0)) s"
	if ! "$b/vtierctl" plan --policy-dir "$src/policies" --kernel-features "$k" "${conf[@]}" \
		--domain /tmp/vm.xml >/tmp/plan.sh 2>/tmp/plan.err; then
		echo "not ok $case plan: $(tr '\n' ' ' </tmp/plan.err)"
		stop_workload
		continue
	fi
	refused=$(grep '^# refused: ' /tmp/plan.sh | head -n 1)
	# The planner must refuse exactly the modes this kernel cannot run (docs/planner.md):
	# hot-split needs node_eligible_mem_bp (7.2+), interleave needs dests (6.17+), the kernel
	# tuner of allowance needs node_memcg goals (6.19+). Refusing anything else is a failure.
	case "$k:$case" in
	6.12:hot-split | 6.18:hot-split | 6.12:interleave | 6.12:allowance+kernel | 6.18:allowance+kernel)
		expect_refusal=1 ;;
	*) expect_refusal=0 ;;
	esac
	if [ -n "$refused" ] || [ "$expect_refusal" = 1 ]; then
		if [ -n "$refused" ] && [ "$expect_refusal" = 1 ]; then
			echo "ok $case refused as this kernel requires: ${refused#\# refused: }"
		elif [ -n "$refused" ]; then
			echo "not ok $case refused on a kernel that can run it: ${refused#\# refused: }"
		else
			echo "not ok $case planned although kernel $k lacks what it needs"
		fi
		stop_workload
		continue
	fi
	stop_all
	if ! sh /tmp/plan.sh 2>/tmp/apply.err; then
		echo "not ok $case apply: $(tr '\n' ' ' </tmp/apply.err)"
		stop_workload
		continue
	fi
	echo "ok $case on"
	if why=$(read_back /tmp/plan.sh); then
		echo "ok $case read-back ($why)"
	else
		echo "not ok $case read-back: $why"
	fi
	set -- $(sed -n 's/^# guest vm: [a-z-]*, .*kdamond \([0-9]*\) schemes \([0-9]*\)-\([0-9]*\)$/\1 \2 \3/p' /tmp/plan.sh)
	n=0
	for _ in $(seq $wait); do
		sleep 1
		n=$(tried "$1" "$2" "$3") || n=0
		[ "$n" -gt 0 ] && break
	done
	if [ "$n" -gt 0 ]; then
		echo "ok $case schemes-run (nr_tried $n)"
	else
		echo "not ok $case schemes-run: nr_tried of kdamond $1 schemes $2-$3 stayed 0 for $wait s"
	fi
	stop_all
	stop_workload
	echo "# $case: $((SECONDS - t0)) s"
done
exit 0
