#!/bin/bash
# controller-acceptance-guest.sh BUILDDIR [PCT] — inside a lab guest only (tests/kernel/lab): the
# controller issue's acceptance. vtierd runs with its default configuration (no config file);
# a 512 MiB workload (128 MiB hot) in cgroup /tier/work is populated on the slow node; then
#   vtierctl attach work --pid PID --policy FILE
# with FILE = <vtier:policy mode="ratio"><fast ratio="PCT%"/></vtier:policy> (PCT 40), and the
# workload's placement is sampled every second for $ACCEPT_SECONDS (120) s. Checks (TAP): vtierd
# started, the attach worked, the share settled at PCT +- 3 points within the time and stayed.
# damon_stat (enabled by 6.18/7.3 at boot) is turned off first, as an administrator would: with
# the default configuration vtierd refuses to run next to it.
# Files in $LAB_OUT: accept.place (seconds hot@0 hot@1 all@0 all@1), vtierd.log, status.txt.
set -uo pipefail
b=${1:?BUILDDIR}
pct=${2:-40}
secs=${ACCEPT_SECONDS:-120}
out=${LAB_OUT:-/tmp}
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $1${2:+: $2}"; }

if [ -z "${LAB_KERNEL:-}" ] || [ ! -f /run/lab/cmd ]; then
	echo "controller-acceptance-guest: refusing to run outside a lab guest" >&2
	exit 2
fi
cg=/sys/fs/cgroup
pids=()
cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
}
trap cleanup EXIT
# vtierd and vtierctl run from the build tree: the policy schema and templates they look for
# under the configured data directory come from the source tree
datadir=$(strings "$b/vtierd" | sed -n 's|^\(/.*\)/policies$|\1|p' | head -1)
if [ -n "$datadir" ] && [ ! -e "$datadir/policies" ]; then
	top=${datadir%/share/vtier}
	mount -t tmpfs tmpfs "$top/share" 2>/dev/null || mount -t tmpfs tmpfs "$top"
	mkdir -p "$datadir"
	ln -s "$(cd "$(dirname "$0")/../.." && pwd)/policies" "$datadir/policies"
fi
vctl() { timeout 20 "$b/vtierctl" "$@"; }
sysctl -qw kernel.numa_balancing=0
[ -f /sys/module/damon_stat/parameters/enabled ] &&
	echo N >/sys/module/damon_stat/parameters/enabled
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/tier/work
echo +memory >$cg/tier/cgroup.subtree_control
(echo $BASHPID >$cg/tier/work/cgroup.procs &&
	exec "$b/tests/kernel/lab-workload" --node 1 --size 512 --hot 128 --info /tmp/wl) >/dev/null &
pids+=($!)
for _ in $(seq 600); do [ -f /tmp/wl ] && break; sleep 0.1; done
wpid=$(sed -n 's/.*pid=\([0-9]*\) .*/\1/p' /tmp/wl)
[ -n "$wpid" ] && ok "workload populated on node1 (pid $wpid)" || notok "workload populated"

"$b/vtierd" --foreground --debug >"$out/vtierd.log" 2>&1 &
pids+=($!)
end=$((SECONDS + 40))
while [ $SECONDS -lt $end ]; do
	timeout 3 "$b/vtierctl" status >/dev/null 2>&1 && break
	sleep 0.5
done
if timeout 5 "$b/vtierctl" status >/dev/null 2>&1; then
	ok "vtierd answers (default configuration)"
else
	notok "vtierd answers" "$(tail -3 "$out/vtierd.log" | tr '\n' ' ')"
fi
printf '<vtier:policy xmlns:vtier="https://vtier.dev/xmlns/policy/1.0" mode="ratio"><vtier:fast ratio="%s%%"/></vtier:policy>\n' \
	"$pct" >/tmp/policy.xml
"$b/tests/kernel/lab-placement" --info /tmp/wl --interval 1 --samples "$secs" >"$out/accept.place" 2>&1 &
place=$!
pids+=($place)
if vctl attach work --pid "$wpid" --policy /tmp/policy.xml >/tmp/attach.out 2>&1; then
	ok "vtierctl attach work --pid $wpid --policy (ratio $pct%)"
else
	notok "vtierctl attach" "$(cat /tmp/attach.out)"
fi
# the controller's view, every second for 30 s (explain: state, budgets, reason)
for i in $(seq 6); do
	echo "== $SECONDS" >>"$out/explain-trace.txt"
	vctl explain work 2>&1 | grep -E "controller|promotes|demotes|holds" >>"$out/explain-trace.txt"
	sleep 1
done
vctl status >"$out/status-30s.txt" 2>&1
wait $place
vctl status >"$out/status.txt" 2>&1
vctl explain work >"$out/explain.txt" 2>&1
# settle: the first sample from which the share stays within +-3 points to the end
read -r settle last < <(awk -v p="$pct" 'NF == 5 && $4 + $5 > 0 {
	s = 100 * $4 / ($4 + $5); t[n] = $1; v[n++] = s }
	END { st = -1; for (i = n - 1; i >= 0; i--) { if (v[i] < p - 3 || v[i] > p + 3) break; st = t[i] }
	      printf "%s %.2f\n", st, (n ? v[n - 1] : -1) }' "$out/accept.place")
echo "# share at the end: $last%, settled (+-3 points) from ${settle} s"
if [ "$settle" != -1 ] && awk -v s="$settle" -v l="$secs" 'BEGIN { exit !(s <= l) }'; then
	ok "the share settled at $pct% +- 3 points within $secs s (from $settle s; $last% at the end)"
else
	notok "the share settled at $pct% +- 3 points within $secs s" "$last% at the end"
fi
echo "1..$n"
exit $failed
