#!/bin/bash
# tests/faults/lib.sh — sourced by the host-side fault tests (tests/faults/*.sh) and by
# tests/suites/soak.sh: a dry-run vtierd (--dry-run, --connect none unless told) on a sysroot made
# of the AMD Turin + CXL fixture (tests/data/sysfs/amd-turin-cxl: node0 DRAM, node1 CXL) with fake
# workloads (a /proc/PID/cgroup and a cgroup with memory.numa_stat each), its control socket and
# its state file (dry-run-state.json, beside the socket) in the test's own folder.
#
# A test sources this file, calls fl_setup, then fl_start_vtierd, and reports with fl_ok/fl_fail
# and one fl_row per fault (the matrix line tests/suites/faults.sh prints). Environment:
# VTIER_SRCDIR, VTIER_BUILDDIR (a built tree: vtierd, vtierctl, virt-hooks/vtier-hook).
set -uo pipefail

FL_SRC=${VTIER_SRCDIR:?VTIER_SRCDIR must point at the source tree}
FL_BUILD=${VTIER_BUILDDIR:?VTIER_BUILDDIR must point at a built tree}
FL_VTIERD=${FL_VTIERD:-$FL_BUILD/vtierd}
FL_CTL=$FL_BUILD/vtierctl
FL_HOOK=$FL_BUILD/virt-hooks/vtier-hook
FL_FIXTURE=$FL_SRC/tests/data/sysfs/amd-turin-cxl
export VTIER_POLICY_DIR=$FL_SRC/policies
export VTIER_FORBID_REAL_DAMON=1
# a sanitizer build (quickstart.sh check): the fast unwinder (the slow one makes a storm of ASan
# hook runs take minutes), the tree's suppressions
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=10}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$FL_SRC/tests/lsan.supp}
FL_NS=https://vtier.dev/xmlns/policy/1.0
fl_passed=0 fl_failed=0
fl_vtierd_pid=
FL_ROWS=${FL_ROWS:-/dev/null}

fl_note() { echo "# $*"; }
fl_ok() { echo "ok - $*"; fl_passed=$((fl_passed + 1)); }
fl_fail() { echo "not ok - $*"; fl_failed=$((fl_failed + 1)); }
fl_check() { # DESCRIPTION COMMAND...: the command's success is the check
	local what=$1
	shift
	if "$@"; then fl_ok "$what"; else fl_fail "$what"; fi
}
# One row of the fault matrix: FAULT | WHAT THE USER SEES | OTHER GUESTS UNDISTURBED? | RESULT
fl_row() { printf '%s | %s | %s | %s\n' "$1" "$2" "$3" "$4" >>"$FL_ROWS"; }
fl_now_ms() { echo $(($(date +%s%N) / 1000000)); }

# fl_setup NAME: the test's folder ($FL_WORK) with the sysroot ($FL_ROOT) and a vtierd.conf.
fl_setup() {
	FL_WORK=$(mktemp -d "${TMPDIR:-/tmp}/vtier-$1.XXXXXX")
	FL_ROOT=$FL_WORK/root
	FL_RUN=$FL_WORK/run
	mkdir -p "$FL_ROOT/sys/fs/cgroup" "$FL_ROOT/proc" "$FL_RUN"
	local d
	for d in devices kernel bus; do ln -s "$FL_FIXTURE/sys/$d" "$FL_ROOT/sys/$d"; done
	for d in iomem sys; do ln -s "$FL_FIXTURE/proc/$d" "$FL_ROOT/proc/$d"; done
	echo "cpu memory" >"$FL_ROOT/sys/fs/cgroup/cgroup.controllers"
	printf '[daemon]\ninterval_ms=%s\n[metrics]\nlisten=off\n' "${FL_INTERVAL_MS:-200}" \
		>"$FL_WORK/vtierd.conf"
	export VTIER_CONTROL_SOCKET=$FL_RUN/control
	FL_STATE=$FL_RUN/dry-run-state.json
	FL_LOG=$FL_WORK/vtierd.log
	trap fl_cleanup EXIT
}

fl_cleanup() {
	[ -n "$fl_vtierd_pid" ] && kill -KILL "$fl_vtierd_pid" 2>/dev/null && wait "$fl_vtierd_pid" 2>/dev/null
	[ -n "${FL_CLEANUP_EXTRA:-}" ] && eval "$FL_CLEANUP_EXTRA"
	if [ "${VTIER_FAULTS_KEEP:-0}" = 1 ]; then echo "# kept $FL_WORK"; else rm -rf "$FL_WORK"; fi
}

# fl_workload NAME PID FAST_MIB SLOW_MIB: a fake process in cgroup /vtier.slice/NAME.scope.
fl_workload() {
	local cg=$FL_ROOT/sys/fs/cgroup/vtier.slice/$1.scope
	mkdir -p "$FL_ROOT/proc/$2" "$cg"
	echo "0::/vtier.slice/$1.scope" >"$FL_ROOT/proc/$2/cgroup"
	echo "cpu memory" >"$cg/cgroup.controllers"
	printf 'anon N0=%d N1=%d\nfile N0=0 N1=0\n' $(($3 << 20)) $(($4 << 20)) >"$cg/memory.numa_stat"
}

# fl_start_vtierd [EXTRA ARGS]: vtierd in the background, waits until it answers status.
fl_start_vtierd() {
	# FL_WRAP: a command vtierd runs under (valgrind ...), split into words
	# shellcheck disable=SC2086
	${FL_WRAP:-} "$FL_VTIERD" ${FL_DEBUG---debug} --dry-run --foreground --sysroot "$FL_ROOT" \
		--connect "${FL_CONNECT:-none}" -c "$FL_WORK/vtierd.conf" "$@" >>"$FL_LOG" 2>&1 &
	fl_vtierd_pid=$!
	local i
	for i in $(seq 1 $((${FL_START_SECONDS:-10} * 20))); do
		"$FL_CTL" status --json >/dev/null 2>&1 && return 0
		kill -0 "$fl_vtierd_pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "# vtierd did not answer; its log:"
	tail -20 "$FL_LOG" | sed 's/^/#   /'
	return 1
}

# fl_stop_vtierd: SIGTERM, returns its exit status.
fl_stop_vtierd() {
	local rc
	kill -TERM "$fl_vtierd_pid" 2>/dev/null
	wait "$fl_vtierd_pid"
	rc=$?
	fl_vtierd_pid=
	return $rc
}

fl_kill9() { kill -KILL "$fl_vtierd_pid"; wait "$fl_vtierd_pid" 2>/dev/null; fl_vtierd_pid=; }

# fl_attach NAME PID [POLICY-XML]
fl_attach() {
	if [ -n "${3:-}" ]; then
		echo "$3" >"$FL_WORK/policy-$1.xml"
		"$FL_CTL" attach "$1" --pid "$2" --policy "$FL_WORK/policy-$1.xml"
	else
		"$FL_CTL" attach "$1" --pid "$2"
	fi
}

# fl_settle: waits for the reconciles an event started (the debounce is 50 ms) and one interval.
fl_settle() { sleep "${1:-0.5}"; }

# fl_guest NAME: one line, "state=.. mode=.. share=.. target=.. slot=.. first=.. n=.. schemes=..":
# the guest's tiering as status and dump show it (its schemes: action and memcg of each of its
# scheme indices in the applied model). Two equal lines: the guest's tiering did not change.
fl_guest() {
	"$FL_CTL" dump >"$FL_WORK/dump.json" 2>"$FL_WORK/dump.err" || { echo "dump-failed"; return 1; }
	python3 - "$FL_WORK/dump.json" "$1" <<-'PY'
		import json, sys
		d = json.load(open(sys.argv[1]))
		name = sys.argv[2]
		snap = d.get("snapshot", {})
		g = [x for x in snap.get("guests", []) if x["name"] == name]
		plan = d.get("plan") or {}
		p = [x for x in plan.get("guests", []) if x["name"] == name]
		slots = plan.get("slots", [])
		slot = [str(i) for i, o in enumerate(slots) if o == "guest:" + name]
		if not g:
		    print("absent")
		    sys.exit(0)
		g = g[0]
		p = p[0] if p else {}
		first, n = p.get("first_scheme", -1), p.get("n_schemes", 0)
		schemes = []
		try:
		    k = plan["model"]["kdamonds"][0]["context"]["schemes"]
		    for s in k[first:first + n] if first >= 0 else []:
		        filt = [f.get("memcg_path") for f in s.get("filters", []) if f.get("memcg_path")]
		        schemes.append("%s:%s" % (s.get("action"), ",".join(filt)))
		except (KeyError, IndexError, TypeError):
		    schemes = ["?"]
		print("state=%s mode=%s share=%s target=%s slot=%s first=%s n=%s schemes=%s" % (
		    g.get("state"), g.get("mode"), g.get("share_bp"), g.get("target_share_bp"),
		    ",".join(slot) or "-", first, n, ";".join(schemes) or "-"))
	PY
}

# fl_status_field NAME FIELD: one field of a guest in `vtierctl status --json`.
fl_status_field() {
	"$FL_CTL" status --json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
for g in d.get("guests", []):
    if g["name"] == sys.argv[1]:
        v = g.get(sys.argv[2])
        print("" if v is None else v)
' "$1" "$2"
}

# fl_log_has TEXT: vtierd's log (debug lines aside) has TEXT.
fl_log_has() { grep -v ' debug: ' "$FL_LOG" | grep -F -- "$1" >/dev/null; }
fl_log_line() { grep -v ' debug: ' "$FL_LOG" | grep -F -- "$1" | head -1 | sed 's/^vtierd: //'; }
fl_fds() { ls "/proc/$fl_vtierd_pid/fd" 2>/dev/null | wc -l; }
fl_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$fl_vtierd_pid/status" 2>/dev/null; }

# fl_sanitizer_clean: no sanitizer report, critical or GLib warning-with-stack in the log.
fl_sanitizer_clean() { ! grep -qE 'runtime error|Sanitizer|CRITICAL|LeakSanitizer' "$FL_LOG"; }

fl_finish() {
	echo "$fl_passed passed, $fl_failed failed, 0 skipped"
	[ "$fl_failed" -eq 0 ]
	exit $?
}
