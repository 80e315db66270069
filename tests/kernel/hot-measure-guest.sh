#!/bin/bash
# hot-measure-guest.sh BUILDDIR — inside a lab guest only (tests/kernel/lab): checks that the
# planner's hot stat schemes measure one guest's hot bytes per node (docs/planner.md, "Hot memory
# per node"). Two workloads populated on the slow node: /tier/work (512 MiB, 128 MiB hot), the
# guest vtierd tiers (ratio 40%, tuner=vtier), and /tier/other (256 MiB, 64 MiB hot), which its
# memcg filter must leave out. Every second for $HOT_SECONDS (40) s it records, per hot stat
# scheme of group 0 (schemes 2 = fast node, 3 = slow node), stats/sz_ops_filter_passed,
# stats/nr_snapshots (0 where the kernel lacks it) and stats/sz_tried, and the workloads'
# placement. Output in $LAB_OUT: hot.trace ("t passed_fast snaps_fast tried_fast passed_slow
# snaps_slow tried_slow"), work.place, other.place, status.txt, explain.txt, vtierd.log.
# Needs a kernel with stats/nr_snapshots (7.3; elsewhere the plan has no hot stat schemes).
# Checks (TAP): vtierd attached the guest; after 20 s, the measure (growth of passed over growth
# of snapshots) summed over both nodes is 128 MiB
# +-35% (not the 192 MiB hot in both memcgs); status shows it (vtierctl status --json).
# Run: flock /tmp/vtier-lab.lock tests/kernel/lab --out DIR --timeout 300 7.3 -- \
#        "$PWD/tests/kernel/hot-measure-guest.sh" "$PWD/_build/dev"   (~4 min under TCG)
set -uo pipefail
b=${1:?BUILDDIR}
secs=${HOT_SECONDS:-40}
out=${LAB_OUT:-/tmp}
. "$(dirname "$0")/vtierd-guest-lib.bash"
vtierd_guest_prelude hot-measure-guest
vtierd_guest_workload work 512 128
vtierd_guest_workload other 256 64
wpid=$(sed -n 's/.*pid=\([0-9]*\) .*/\1/p' /tmp/work.wl)
[ -n "$wpid" ] && [ -f /tmp/other.wl ] && ok "workloads populated on node1" || notok "workloads populated"

vtierd_guest_start "$out/vtierd.log"
printf '<vtier:policy xmlns:vtier="https://vtier.dev/xmlns/policy/1.0" mode="ratio"><vtier:fast ratio="40%%"/></vtier:policy>\n' >/tmp/policy.xml
if vctl attach work --pid "$wpid" --policy /tmp/policy.xml >/tmp/attach.out 2>&1; then
	ok "vtierctl attach work (ratio 40%, tuner=vtier)"
else
	notok "vtierctl attach" "$(cat /tmp/attach.out)"
fi
"$b/tests/kernel/lab-placement" --info /tmp/work.wl --interval 1 --samples "$secs" >"$out/work.place" 2>&1 &
pids+=($!)
"$b/tests/kernel/lab-placement" --info /tmp/other.wl --interval 1 --samples "$secs" >"$out/other.place" 2>&1 &
pids+=($!)
sd=/sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes
# builtins only in the loop (a fork costs ~0.1 s under TCG): read, EPOCHREALTIME, printf
rd() { local v=0; [ -r "$1" ] && read -r v <"$1"; printf ' %s' "${v:-0}"; }
t0=$EPOCHREALTIME
end=$((SECONDS + secs))
while [ $SECONDS -lt $end ]; do
	now=$EPOCHREALTIME
	{
		printf '%d.%02d' $(((${now/./} - ${t0/./}) / 1000000)) \
			$((((${now/./} - ${t0/./}) / 10000) % 100))
		for s in 2 3; do
			rd $sd/$s/stats/sz_ops_filter_passed
			rd $sd/$s/stats/nr_snapshots
			rd $sd/$s/stats/sz_tried
		done
		echo
	} >>"$out/hot.trace"
	sleep 1
done
vctl status --json >"$out/status.json" 2>&1
vctl status >"$out/status.txt" 2>&1
vctl explain work >"$out/explain.txt" 2>&1
# the measure from t=20 s to the end: (growth of passed) / (growth of snapshots), fast + slow
read -r hot_mib per_s < <(awk '{ t[NR] = $1; for (i = 2; i <= NF; i++) v[NR, i] = $i }
	END { a = 0; for (r = 1; r <= NR; r++) if (t[r] >= 20) { a = r; break }
	      if (!a || NR - a < 3) { print -1, -1; exit }
	      h = 0; sn = 0
	      for (k = 0; k < 2; k++) {
		p = 2 + 3 * k; dp = v[NR, p] - v[a, p]; ds = v[NR, p + 1] - v[a, p + 1]
		if (ds <= 0) { print -1, 0; exit }
		h += dp / ds; sn = ds / (t[NR] - t[a]) }
	      printf "%.1f %.1f\n", h / 1048576, sn }' "$out/hot.trace")
echo "# hot bytes measured (fast + slow, t >= 20 s): $hot_mib MiB; applications/s: $per_s"
if awk -v h="$hot_mib" 'BEGIN { exit !(h >= 128 * 0.65 && h <= 128 * 1.35) }'; then
	ok "the guest's hot bytes measure 128 MiB +-35% ($hot_mib MiB), not the 192 MiB of both"
else
	notok "the guest's hot bytes measure 128 MiB +-35%" "$hot_mib MiB"
fi
if grep '"hot_bytes"' "$out/status.json" >/dev/null; then
	ok "status shows hot bytes: $(grep -o '"hot_bytes" *: *[0-9]*' "$out/status.json" | tr '\n' ' ')"
else
	notok "status shows hot bytes"
fi
echo "1..$n"
exit $failed
