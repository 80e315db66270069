# damon-read.bash — sourced inside the lab VM by the guest scripts that read DAMON's sysfs while a
# kdamond runs (vtierd-guest.sh, soak-guest.sh, faults-guest.sh, tests/e2e/e2e-guest.sh).
#
#   snooze SECONDS           sleep without a fork (a fork costs tens of ms under TCG, docs/lab.md)
#   damon_read FILE [PAUSE]  FILE's value. DAMON's sysfs answers a read with EBUSY while another
#                            holder of its lock runs (vtierd's commits and status updates, the
#                            refresh_ms worker): pid_show() and state_show() take the lock with
#                            mutex_trylock (docs/damon.md), and CI saw a memcg_path read come back
#                            empty. So the read is tried 40 times, PAUSE seconds apart (default
#                            0.05); after that the last try's error goes to stderr, status 1.

exec {sleepfd}<> <(:)
snooze() { read -rt "$1" -u "$sleepfd" || :; }

damon_read() { # FILE [PAUSE]
	local v
	for _ in $(seq 40); do
		v=$(cat "$1" 2>/dev/null) && { echo "$v"; return 0; }
		snooze "${2:-0.05}"
	done
	cat "$1"
}
