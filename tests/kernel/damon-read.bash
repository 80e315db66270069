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
#   damon_tree ADMIN [OPT..] the configuration under ADMIN, one sorted `path:value` line per file
#                            (stats, tried regions and effective quotas aside; OPT: more grep
#                            options, e.g. --exclude-dir=quotas). A file read that meets the lock
#                            fails and grep exits 2: the whole read is tried again, up to 20 times
#                            0.25 s apart; after that the errors stay in the output, where a
#                            comparison shows them (CI saw a tree read failing for 3 s).

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

damon_tree() { # ADMIN [GREP-OPTION...]
	local admin=$1 out
	shift
	for _ in $(seq 20); do
		out=$(grep -r --exclude-dir=stats --exclude-dir=tried_regions \
			--exclude=effective_bytes "$@" '' "$admin" 2>&1) && break
		snooze 0.25
	done
	printf '%s\n' "$out" | sort
}
