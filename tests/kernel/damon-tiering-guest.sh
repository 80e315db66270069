#!/bin/bash
# damon-tiering-guest.sh BUILDDIR KERNEL [HELPERDIR] — inside a lab guest only (tests/kernel/lab):
# the tiering proof of the DAMON driver. A workload in cgroup /work populates 512 MiB on node1
# (the CPU-less "CXL" node) and keeps 128 MiB of it hot; a neighbour in cgroup /other keeps 64 MiB
# on node1, all of it hot. `vtierctl damon apply` installs one PULL scheme (migrate_hot -> node0,
# memcg filter /work, 64 MiB per 1 s window; the driver stages the start: a pattern nothing
# matches for the first window, 6.12's being unlimited, then the real one by commit). Checks, one TAP line each: >= 90% of the hot set on node0 within 60 s (the curve,
# seconds -> MiB per node, goes to $LAB_OUT/curve-KERNEL.txt); no page of the neighbour moved;
# the workload's cold pages mostly stayed; DAMON still saw hot memory at the end (a stat scheme
# read back through the driver). HELPERDIR holds lab-workload and lab-placement (default BUILDDIR).
set -uo pipefail
b=${1:?BUILDDIR}
kernel=${2:?KERNEL}
h=${3:-$b}
out=${LAB_OUT:-/tmp}
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $1: $2"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else notok "$2" "$3"; fi; }

if [ -z "${LAB_KERNEL:-}" ] && [ ! -f /run/lab/cmd ]; then
	echo "damon-tiering-guest: refusing to run outside a lab guest" >&2
	exit 2
fi
sysctl -qw kernel.numa_balancing=0
cg=/sys/fs/cgroup
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/work $cg/other
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT
(echo $BASHPID >$cg/work/cgroup.procs && exec "$h/tests/kernel/lab-workload" --node 1 --size 512 \
	--hot 128 --info /tmp/wl) >/dev/null &
pids+=($!)
(echo $BASHPID >$cg/other/cgroup.procs && exec "$h/tests/kernel/lab-workload" --node 1 --size 64 \
	--hot 64 --info /tmp/other) >/dev/null &
pids+=($!)
for _ in $(seq 600); do [ -f /tmp/wl ] && [ -f /tmp/other ] && break; sleep 0.1; done
cat /tmp/wl /tmp/other | sed 's/^/# /'

block=$((16#$(cat /sys/devices/system/memory/block_size_bytes)))
blocks=$(ls -d /sys/devices/system/node/node1/memory[0-9]* | sed 's/.*memory//' | sort -n)
start=$(($(echo "$blocks" | head -n 1) * block))
end=$((($(echo "$blocks" | tail -n 1) + 1) * block))

# model.json: PULL hot pages of /work from node1 to node0, 64 MiB per window
model() { # NR_ACCESSES_MIN SZ_MIN
	cat <<EOF
{"kdamonds": [{"context": {"operations": "paddr",
  "monitoring_attrs": {"intervals": {"sample_us": 5000, "aggr_us": 100000, "update_us": 1000000}},
  "targets": [{"regions": [{"start": $start, "end": $end}]}],
  "schemes": [{"action": "migrate_hot", "target_nid": 0,
    "access_pattern": {"sz": {"min": $2, "max": "18446744073709551615"},
                       "nr_accesses": {"min": $1, "max": "18446744073709551615"},
                       "age": {"min": 0, "max": "18446744073709551615"}},
    "quotas": {"bytes": 67108864, "reset_interval_ms": 1000},
    "filters": [{"type": "memcg", "memcg_path": "/work", "matching": true, "allow": true}]}]}}]}
EOF
}
model 1 4096 >/tmp/model.json
# one apply: on 6.12 the driver stages the start itself (damon-writer.h: the pattern matches
# nothing for the first quota window, 6.12's being unlimited, then the real one by commit, ~1.2 s
# later); 6.18 and later keep the first window's quota and start the real pattern at once. The
# curve starts first; it is shifted to the moment the real pattern reached the tree (6.12: sz/min
# back to 4096, right before the commit; otherwise: the kdamond on), seen by polling that file
# (the apply itself takes ~10 s more: claim and probe)
expect_staged=0
[ "$kernel" = 6.12 ] && expect_staged=1
"$h/tests/kernel/lab-placement" --info /tmp/wl --interval 1 --samples 60 --until-hot 0:90 \
	>/tmp/curve &
placement=$!
t0=$(date +%s.%N)
szmin=/sys/kernel/mm/damon/admin/kdamonds/0/contexts/0/schemes/0/access_pattern/sz/min
(
	staged=0
	for _ in $(seq 1200); do
		if [ $expect_staged = 0 ]; then
			# (the probe's scratch kdamond runs a `stat` scheme: not this one)
			if [ "$(cat /sys/kernel/mm/damon/admin/kdamonds/0/state 2>/dev/null)" = on ] &&
				[ "$(cat ${szmin%/access_pattern/sz/min}/action 2>/dev/null)" = migrate_hot ]; then
				echo "$(date +%s.%N) $(cat $szmin)" >/tmp/commit-time
				break
			fi
			sleep 0.05
			continue
		fi
		v=$(cat $szmin 2>/dev/null)
		[ -n "$v" ] && [ "$v" != 0 ] && [ "$v" != 4096 ] && staged=$v
		if [ "$staged" != 0 ] && [ "$v" = 4096 ]; then
			echo "$(date +%s.%N) $staged" >/tmp/commit-time
			break
		fi
		sleep 0.05
	done
) &
poller=$!
$b/vtierctl damon --disable-damon-stat apply /tmp/model.json >/tmp/apply.out 2>&1
rc=$?
wait $poller
read -r tc staged_sz </tmp/commit-time 2>/dev/null
shift_s=$(awk -v a="$t0" -v b="${tc:-$(date +%s.%N)}" 'BEGIN { printf "%.2f", b - a }')
if [ $expect_staged = 1 ]; then
	grep -q '^kdamond 0: on ' /tmp/apply.out && grep -q '^staged start of 1 kdamond' /tmp/apply.out &&
		[ "${staged_sz:-0}" = $((end - start + 1)) ]
	check $(( rc | $? )) "vtierctl damon apply: the PULL started staged by the driver (sz/min ${staged_sz:-?} = span + 1, then 4096 and commit)" "$(cat /tmp/apply.out)"
else
	grep -q '^kdamond 0: on ' /tmp/apply.out && ! grep -q '^staged start' /tmp/apply.out &&
		[ "${staged_sz:-0}" = 4096 ]
	check $(( rc | $? )) "vtierctl damon apply: the PULL started at once, not staged ($kernel keeps the first quota window; sz/min ${staged_sz:-?} when on)" "$(cat /tmp/apply.out)"
fi
sed 's/^/# /' /tmp/apply.out
wait $placement
rc=$?
{
	echo "# seconds(since commit) node0_hot_mib node1_hot_mib node0_total_mib node1_total_mib"
	awk -v d="$shift_s" '{ $1 = sprintf("%.1f", $1 - d); print }' /tmp/curve
} >"$out/curve-$kernel.txt"
sed 's/^/# curve /' "$out/curve-$kernel.txt"
last=$(tail -n 1 /tmp/curve)
secs=$(awk -v d="$shift_s" '{ printf "%.0f", $1 - d }' <<<"$last")
check $rc ">= 90% of the 128 MiB hot set on node0 within 60 s (${secs}s; last: $last)" "$last"
read -r _ n0hot n1hot n0all n1all <<<"$last"
cold_moved=$(awk -v a="$n0all" -v h="$n0hot" 'BEGIN { printf "%.1f", a - h }')
# (on 7.3 DAMON merges the workload's cold pages with the neighbour's hot ones into regions judged
# hot as a whole, and the memcg filter passes the workload's pages in them: 0.7-40.7 MiB at the
# 90% point in the runs docs/lab-tiering.md records; 6.18 and 6.12: 0-1.5 MiB. The check is that
# most cold pages stay, not none: a sixth of them at most)
[ "$(awk -v c="$cold_moved" 'BEGIN { print (c <= 64) ? 0 : 1 }')" = 0 ]
check $? "the workload's cold pages stayed on node1 (${cold_moved} MiB of 384 moved)" "$last"
other=$("$h/tests/kernel/lab-placement" --info /tmp/other --samples 1)
read -r _ _ _ o0 _ <<<"$other"
[ "$o0" = "0.0" ]
check $? "no page of the neighbour cgroup moved (node0: ${o0} MiB)" "$other"
$b/vtierctl damon status | sed 's/^/# /'
$b/vtierctl damon stop >/dev/null 2>&1
check $? "vtierctl damon stop" ""
# DAMON must still see the hot set at the end (under TCG without pti=on it goes blind and every
# result is void): a `stat` scheme over node0 for regions accessed at least once per aggregation,
# through the driver's read-back; its sz_tried over 30 aggregations (3 s) is the hot MiB it saw.
# (lab-damon-hotcheck reads tried_regions/total_bytes right after update_schemes_tried_bytes,
# which on 6.12 often reads 0 while sz_tried grows, so the driver's stats are used here.)
n0blocks=$(ls -d /sys/devices/system/node/node0/memory[0-9]* | sed 's/.*memory//' | sort -n)
n0start=$(($(echo "$n0blocks" | head -n 1) * block))
n0end=$((($(echo "$n0blocks" | tail -n 1) + 1) * block))
cat >/tmp/stat.json <<END
{"kdamonds": [{"context": {"operations": "paddr",
  "monitoring_attrs": {"intervals": {"sample_us": 5000, "aggr_us": 100000, "update_us": 1000000}},
  "targets": [{"regions": [{"start": $n0start, "end": $n0end}]}],
  "schemes": [{"action": "stat",
    "access_pattern": {"sz": {"min": 4096, "max": "18446744073709551615"},
                       "nr_accesses": {"min": 1, "max": "18446744073709551615"},
                       "age": {"min": 0, "max": "18446744073709551615"}}}]}}]}
END
$b/vtierctl damon apply /tmp/stat.json >/dev/null && sleep 3 &&
	$b/vtierctl damon --json status >/tmp/status.json
sz=$(sed -nE 's/.*"sz_tried" : ([0-9]+).*/\1/p' /tmp/status.json | head -n 1)
$b/vtierctl damon stop >/dev/null 2>&1
seen=$(awk -v b="${sz:-0}" 'BEGIN { printf "%.1f", b / 30 / 1048576 }')
[ "$(awk -v s="$seen" 'BEGIN { print (s >= 32) ? 0 : 1 }')" = 0 ]
check $? "DAMON still sees the hot set on node0 at the end (${seen} MiB per aggregation)" \
	"$(cat /tmp/status.json)"
echo "1..$n"
exit $failed
