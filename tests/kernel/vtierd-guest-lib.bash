# vtierd-guest-lib.bash — sourced inside the lab VM by the guest scripts that run vtierd for real
# against lab-workload processes in memory cgroups (controller-acceptance-guest.sh,
# controller-retarget-guest.sh, hot-measure-guest.sh). The caller sets b (the build tree).
#
#   ok TEXT / notok TEXT [WHY]   TAP lines, counted in n; notok sets failed=1
#   vtierd_guest_prelude NAME    refuses to run outside a lab guest (exit 2); kills what pids
#                                holds at exit; puts the tree's policies where the build's vtierd
#                                looks for them; NUMA balancing and damon_stat off; the memory
#                                controller for /sys/fs/cgroup/tier/*; defines vctl (vtierctl, 20 s)
#   vtierd_guest_workload NAME SIZE-MIB HOT-MIB
#                                a lab-workload in tier/NAME populated on node 1; its --info file
#                                is /tmp/NAME.wl (pid= ...); waits up to 60 s for it
#   vtierd_guest_start LOG       vtierd --foreground --debug (its default configuration), waits up
#                                to 40 s for its control socket

n=0 failed=0
cg=/sys/fs/cgroup
pids=()
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $1${2:+: $2}"; }

vtierd_guest_prelude() { # NAME
	local datadir top
	if [ -z "${LAB_KERNEL:-}" ] || [ ! -f /run/lab/cmd ]; then
		echo "$1: refusing to run outside a lab guest" >&2
		exit 2
	fi
	trap '[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
	# vtierd and vtierctl run from the build tree: the policy schema and templates they look
	# for under the configured data directory come from the source tree
	datadir=$(strings "$b/vtierd" | sed -n 's|^\(/.*\)/policies$|\1|p' | head -1)
	if [ -n "$datadir" ] && [ ! -e "$datadir/policies" ]; then
		top=${datadir%/share/vtier}
		mount -t tmpfs tmpfs "$top/share" 2>/dev/null || mount -t tmpfs tmpfs "$top"
		mkdir -p "$datadir"
		ln -s "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/policies" "$datadir/policies"
	fi
	sysctl -qw kernel.numa_balancing=0
	[ -f /sys/module/damon_stat/parameters/enabled ] &&
		echo N >/sys/module/damon_stat/parameters/enabled
	echo +memory >$cg/cgroup.subtree_control
	mkdir -p $cg/tier
	echo +memory >$cg/tier/cgroup.subtree_control
}

vctl() { timeout 20 "$b/vtierctl" "$@"; }

vtierd_guest_workload() { # NAME SIZE-MIB HOT-MIB
	mkdir -p "$cg/tier/$1"
	rm -f "/tmp/$1.wl"
	(echo $BASHPID >"$cg/tier/$1/cgroup.procs" &&
		exec "$b/tests/kernel/lab-workload" --node 1 --size "$2" --hot "$3" --info "/tmp/$1.wl") \
		>/dev/null &
	pids+=($!)
	for _ in $(seq 600); do [ -f "/tmp/$1.wl" ] && break; sleep 0.1; done
}

vtierd_guest_start() { # LOG
	local end=$((SECONDS + 40))
	"$b/vtierd" --foreground --debug >"$1" 2>&1 &
	pids+=($!)
	while [ $SECONDS -lt $end ]; do
		timeout 3 "$b/vtierctl" status >/dev/null 2>&1 && break
		sleep 0.5
	done
}
