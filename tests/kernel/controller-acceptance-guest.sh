#!/bin/bash
# controller-acceptance-guest.sh BUILDDIR [PCT [PCT2]] — inside a lab guest only (tests/kernel/lab):
# the controller issue's acceptance. vtierd runs with its default configuration (no config file);
# a 512 MiB workload (128 MiB hot) in cgroup /tier/work is populated on the slow node; then
#   vtierctl attach work --pid PID --policy FILE
# with FILE = <vtier:policy mode="ratio"><fast ratio="PCT%"/></vtier:policy> (PCT 40), and the
# workload's placement is sampled every second for up to $ACCEPT_SECONDS (120) s, until the share
# has stayed within PCT +- 3 points for $ACCEPT_HOLD_SECONDS (30) s. Then the policy changes (the
# same attach with ratio PCT2%, default 60; "-" skips it) and the placement is sampled for up to
# $ACCEPT_RETARGET_SECONDS (60) s, until the share has stayed within PCT2 +- 3 points 15 s. Checks (TAP): vtierd started, the attaches worked, the share
# settled at PCT +- 3 points and stayed for the hold, then moved to PCT2 +- 3 points within the
# second bound and stayed there to its end. Last, the same guest is attached with a hot-split
# policy ($ACCEPT_HOTSPLIT, 50%; "-" skips it): the hot set's fast fraction must come to it +- 7
# points within $ACCEPT_HOTSPLIT_SECONDS (120) s and stay $ACCEPT_HOTSPLIT_HOLD_SECONDS (15) s
# (vtierd's loop on a hot-split pair).
# damon_stat (enabled by 6.18/7.3 at boot) is turned off first, as an administrator would: with
# the default configuration vtierd refuses to run next to it.
# Files in $LAB_OUT: accept.place and accept-retarget.place (seconds hot@0 hot@1 all@0 all@1),
# accept-hotsplit.place, vtierd.log, status.txt, explain.txt, explain-retarget.txt,
# explain-hotsplit.txt, explain-trace.txt.
set -uo pipefail
b=${1:?BUILDDIR}
pct=${2:-40}
pct2=${3:-60}
secs=${ACCEPT_SECONDS:-120}
hold=${ACCEPT_HOLD_SECONDS:-30}
secs2=${ACCEPT_RETARGET_SECONDS:-60}
out=${LAB_OUT:-/tmp}
. "$(dirname "$0")/vtierd-guest-lib.bash"
vtierd_guest_prelude controller-acceptance-guest
vtierd_guest_workload work 512 128
wpid=$(sed -n 's/.*pid=\([0-9]*\) .*/\1/p' /tmp/work.wl)
[ -n "$wpid" ] && ok "workload populated on node1 (pid $wpid)" || notok "workload populated"

vtierd_guest_start "$out/vtierd.log"
if timeout 5 "$b/vtierctl" status >/dev/null 2>&1; then
	ok "vtierd answers (default configuration)"
else
	notok "vtierd answers" "$(tail -3 "$out/vtierd.log" | tr '\n' ' ')"
fi
# attach_policy MODE PCT LABEL: `vtierctl attach work` with <policy mode=MODE><fast ratio=PCT%>
attach_policy() {
	printf '<vtier:policy xmlns:vtier="https://vtier.dev/xmlns/policy/1.0" mode="%s"><vtier:fast ratio="%s%%"/></vtier:policy>\n' \
		"$1" "$2" >/tmp/policy.xml
	if vctl attach work --pid "$wpid" --policy /tmp/policy.xml >/tmp/attach.out 2>&1; then
		ok "$3"
	else
		notok "$3" "$(cat /tmp/attach.out)"
	fi
}
# settle FILE PCT [hot [TOL]]: "SETTLE LAST HELD" — the first sample from which the share (with
# "hot": the hot set's fast fraction) stays within PCT +- TOL (3) points to the end (-1: not at
# the end), its value at the end, how long it has stayed there
settle() {
	awk -v p="$2" -v hot="${3:-}" -v tol="${4:-3}" 'NF == 5 {
		f = hot == "hot" ? $2 : $4; s = hot == "hot" ? $3 : $5
		if (f + s > 0) { t[n] = $1; v[n++] = 100 * f / (f + s) } }
		END { st = -1; for (i = n - 1; i >= 0; i--) { if (v[i] < p - tol || v[i] > p + tol) break; st = t[i] }
		      printf "%s %.2f %d\n", st, (n ? v[n - 1] : -1), (st == -1 ? 0 : t[n - 1] - st) }' "$1"
}
# sample FILE PCT SECONDS HOLD [hot [TOL]]: the placement every second for SECONDS s into FILE,
# stopped early once settle's value has stayed within PCT +- TOL points for HOLD s (HOLD 0: never)
sample() {
	local file=$1 p=$2 max=$3 hold_s=$4 kind=${5:-} tol=${6:-3} pl st la held
	"$b/tests/kernel/lab-placement" --info /tmp/work.wl --interval 1 --samples "$max" >"$file" 2>&1 &
	pl=$!
	pids+=($pl)
	while kill -0 $pl 2>/dev/null; do
		sleep 2
		read -r st la held < <(settle "$file" "$p" "$kind" "$tol")
		if [ "$hold_s" -gt 0 ] && [ "$st" != -1 ] && [ "$held" -ge "$hold_s" ]; then
			kill $pl 2>/dev/null
			break
		fi
	done
	wait $pl 2>/dev/null
}
# the controller's view, every second for 6 s (explain: state, budgets, reason)
explain_trace() {
	for _ in $(seq 6); do
		echo "== $SECONDS" >>"$out/explain-trace.txt"
		vctl explain work 2>&1 | grep -E "controller|promotes|demotes|holds" >>"$out/explain-trace.txt"
		sleep 1
	done
}

attach_policy ratio "$pct" "vtierctl attach work --pid $wpid --policy (ratio $pct%)"
explain_trace &
pids+=($!)
sample "$out/accept.place" "$pct" "$secs" "$hold"
vctl status >"$out/status.txt" 2>&1
vctl explain work >"$out/explain.txt" 2>&1
read -r st last held < <(settle "$out/accept.place" "$pct")
echo "# share at the end: $last%, settled (+-3 points) from ${st} s, held ${held} s"
if [ "$st" != -1 ] && [ "$held" -ge "$hold" ]; then
	ok "the share settled at $pct% +- 3 points within $secs s and stayed $hold s (from $st s; $last% at the end)"
else
	notok "the share settled at $pct% +- 3 points within $secs s and stayed $hold s" \
		"$last% at the end, held ${held} s"
fi
if [ "$pct2" != - ]; then
	# a policy change: the guest settled at PCT must follow (docs/controller.md)
	attach_policy ratio "$pct2" "vtierctl attach work again with ratio $pct2%"
	explain_trace &
	pids+=($!)
	sample "$out/accept-retarget.place" "$pct2" "$secs2" 15
	vctl status >"$out/status-retarget.txt" 2>&1
	vctl explain work >"$out/explain-retarget.txt" 2>&1
	read -r st last held < <(settle "$out/accept-retarget.place" "$pct2")
	echo "# after the change to $pct2%: share at the end $last%, within +-3 points from ${st} s"
	if [ "$st" != -1 ] && [ "$held" -ge 10 ]; then
		ok "the share moved from $pct% to $pct2% +- 3 points within $secs2 s (from $st s; $last% at the end)"
	else
		notok "the share moved from $pct% to $pct2% +- 3 points within $secs2 s" \
			"$last% at the end"
	fi
fi
hs=${ACCEPT_HOTSPLIT:-50}
secs3=${ACCEPT_HOTSPLIT_SECONDS:-120}
hold3=${ACCEPT_HOTSPLIT_HOLD_SECONDS:-15}
if [ "$hs" != - ]; then
	# the same guest switched to hot-split HS%: vtierd's loop on the pair's hot bytes must bring
	# the hot set's fast fraction to HS% (PUSH `migrate_hot` of hot pages to the slow node) within
	# the pair's dead-band (5% of its hot memory) + 2 points, and hold it (docs/controller.md)
	attach_policy hot-split "$hs" "vtierctl attach work again with hot-split $hs%"
	explain_trace &
	pids+=($!)
	sample "$out/accept-hotsplit.place" "$hs" "$secs3" "$hold3" hot 7
	vctl status >"$out/status-hotsplit.txt" 2>&1
	vctl explain work >"$out/explain-hotsplit.txt" 2>&1
	read -r st last held < <(settle "$out/accept-hotsplit.place" "$hs" hot 7)
	state=$(vctl status --json 2>/dev/null | tr -d ' \n' | grep -o '"control_state":"[a-z]*"' | head -1)
	echo "# hot-split $hs%: hot set fast at the end $last%, within +-7 points from ${st} s, held ${held} s; $state"
	grep -E "controller" "$out/explain-hotsplit.txt" | head -2 | sed 's/^/# /'
	if [ "$st" != -1 ] && [ "$held" -ge "$hold3" ]; then
		ok "hot-split $hs%: the hot set's fast fraction reached $hs% +- 7 points within $secs3 s and stayed $hold3 s (from $st s; $last% at the end)"
	else
		notok "hot-split $hs%: the hot set's fast fraction at $hs% +- 7 points within $secs3 s" \
			"$last% at the end; $(grep -m1 controller "$out/explain-hotsplit.txt")"
	fi
fi
echo "1..$n"
exit $failed
