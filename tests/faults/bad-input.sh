#!/bin/bash
# Faults: malformed input to a running vtierd (dry run, fixture sysroot) while it tiers w0:
# control-socket requests that are not protocol (a python client speaks to the socket itself),
# malformed policies given to attach, a broken template followed by `vtierctl reload`, and
# hostile hook input through the real hook binary. Each must get an answer that says what was
# wrong, and change nothing else: w0 keeps its slot and schemes, vtierd keeps serving.
# The parsers themselves are fuzzed in-process (tests/fuzz/, tests/suites/fuzz-control.sh,
# fuzz-domain-xml.sh, fuzz-qmp.sh) and tests/suites/vtierd-libvirt.sh sends hostile names and
# stdin through libvirt's hook path; this test adds the running daemon's side of the same
# inputs. Ends with "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"
fl_setup badinput
cp -r "$FL_SRC/policies" "$FL_WORK/policies"
export VTIER_POLICY_DIR=$FL_WORK/policies
fl_workload w0 1000 100 412
fl_workload w1 1001 100 412
fl_start_vtierd || { fl_fail "start vtierd"; fl_finish; }
fl_attach w0 1000 >/dev/null
fl_check "attach w0 (ratio 50%)" [ $? = 0 ]
fl_settle 1
w0=$(fl_guest w0)
fl_note "before: w0 $w0"

# ---- control requests ----
python3 - "$VTIER_CONTROL_SOCKET" >"$FL_WORK/control.out" 2>&1 <<-'PY'
	import json, socket, sys, time
	path = sys.argv[1]
	cases = [
	    ("not JSON", b"hello vtierd\n"),
	    ("a JSON array", b"[1, 2, 3]\n"),
	    ("no version", b'{"id": 1, "cmd": "ping"}\n'),
	    ("version 2", b'{"v": 2, "id": 2, "cmd": "ping"}\n'),
	    ("unknown command", b'{"v": 1, "id": 3, "cmd": "format-disk"}\n'),
	    ("unknown member", b'{"v": 1, "id": 4, "cmd": "ping", "sudo": true}\n'),
	    ("pid as a string", b'{"v": 1, "id": 5, "cmd": "attach", "args": {"name": "x", "pid": "1"}}\n'),
	    ("pid and qmp", b'{"v": 1, "id": 6, "cmd": "attach", "args": {"name": "x", "pid": 1, "qmp": "/q"}}\n'),
	    ("negative pid", b'{"v": 1, "id": 7, "cmd": "attach", "args": {"name": "x", "pid": -5}}\n'),
	    ("name of 2000 bytes", b'{"v": 1, "id": 8, "cmd": "detach", "args": {"name": "' + b"n" * 2000 + b'"}}\n'),
	    ("escaped NUL in a name", b'{"v": 1, "id": 9, "cmd": "explain", "args": {"name": "a\\u0000b"}}\n'),
	    ("invalid UTF-8", b'{"v": 1, "id": 10, "cmd": "explain", "args": {"name": "\xff\xfe"}}\n'),
	    ("nested 200 levels", b'{"v": 1, "id": 11, "cmd": "ping", "args": ' + b"[" * 200 + b"]" * 200 + b"}\n"),
	    ("detach of a libvirt-less unknown guest", b'{"v": 1, "id": 12, "cmd": "detach", "args": {"name": "w9"}}\n'),
	    ("attach of a pid with no process", b'{"v": 1, "id": 13, "cmd": "attach", "args": {"name": "ghost", "pid": 424242}}\n'),
	    ("hook without a name", b'{"v": 1, "id": 14, "cmd": "hook", "args": {"operation": "started"}}\n'),
	]
	bad = 0
	s = socket.socket(socket.AF_UNIX)
	s.settimeout(5)
	s.connect(path)
	f = s.makefile("rb")
	for label, line in cases:
	    s.sendall(line)
	    reply = f.readline()
	    try:
	        r = json.loads(reply)
	        good = r.get("ok") is False and r["error"]["code"] and r["error"]["message"]
	        print("%s: %s: %s" % (label, r["error"]["code"], r["error"]["message"][:110]))
	    except Exception as e:
	        good = False
	        print("%s: no error reply (%r): %s" % (label, reply[:100], e))
	    bad += not good
	# the same connection still serves after all of them
	s.sendall(b'{"v": 1, "id": 99, "cmd": "ping"}\n')
	r = json.loads(f.readline())
	print("ping after them: ok=%s id=%s" % (r.get("ok"), r.get("id")))
	bad += not (r.get("ok") and r.get("id") == 99)
	# a line over the 64 KiB limit: an error reply, then the connection is closed
	s2 = socket.socket(socket.AF_UNIX)
	s2.settimeout(10)
	s2.connect(path)
	try:
	    s2.sendall(b'{"v": 1, "cmd": "ping", "x": "' + b"y" * 70000)
	except OSError:
	    pass
	reply = s2.makefile("rb").readline()
	print("70000 bytes without a newline: %s" % reply[:120].decode(errors="replace").strip())
	bad += b"longer than" not in reply
	print("BAD %d" % bad)
PY
sed 's/^/#   /' "$FL_WORK/control.out"
fl_check "16 malformed requests on one connection: each answered with an error code and message, the connection still serves; an overlong line refused" \
	grep -qx 'BAD 0' "$FL_WORK/control.out"
fl_check "w0 undisturbed by the malformed requests" [ "$(fl_guest w0)" = "$w0" ]
control_seen=$(grep -m1 '^#   \|^pid and qmp' "$FL_WORK/control.out" | head -1)
control_seen=$(grep -m1 '^pid and qmp' "$FL_WORK/control.out")

# ---- malformed policies ----
bad=0
policies=(
	"not xml at all <<<"
	"<vtier:policy xmlns:vtier='$FL_NS' mode='warp-speed'/>"
	"<vtier:policy xmlns:vtier='$FL_NS' mode='ratio'><vtier:fast ratio='150%'/></vtier:policy>"
	"<!DOCTYPE p [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><vtier:policy xmlns:vtier='$FL_NS' mode='ratio'>&x;</vtier:policy>"
	"<vtier:policy xmlns:vtier='$FL_NS' mode='ratio' template='../../../etc/passwd'/>"
	"<vtier:policy xmlns:vtier='$FL_NS' mode='ratio'>$(head -c 40000 /dev/zero | tr '\0' ' ')<vtier:fast ratio='1e400%'/></vtier:policy>"
)
for p in "${policies[@]}"; do
	out=$(fl_attach w1 1001 "$p" 2>&1)
	rc=$?
	echo "#   policy ${p:0:60}...: exit $rc: ${out:0:150}"
	if [ $rc != 1 ] || [[ "$out" != *w1* ]]; then bad=$((bad + 1)); fi
done
policy_seen=$(fl_attach w1 1001 "${policies[1]}" 2>&1)
fl_check "${#policies[@]} malformed policies: each attach refused, naming the guest ($bad were not)" [ $bad = 0 ]
fl_check "no malformed policy attached w1" [ "$(fl_guest w1)" = absent ]
fl_check "the entity was not expanded (no passwd text in the log)" eval '! grep -q "root:x:0" "$FL_LOG"'
echo '<vtier:policy xmlns:vtier="https://vtier.dev/xmlns/policy/1.0" mode="ratio"><broken' \
	>"$FL_WORK/policies/broken.xml"
out=$("$FL_CTL" reload 2>&1)
rc=$?
echo "#   reload with a broken template: exit $rc: ${out:0:200}"
fl_settle 0.5
# a broken template does not stop the others: vtierd says so (log, status) and refuses the
# guests that name it
reload_seen=$(fl_log_line "policy template broken is not used")
fl_note "log: $reload_seen"
fl_check "reload with a broken template: the log names it and its file" \
	eval '[[ "$reload_seen" == *broken.xml* ]]'
fl_check "reload with a broken template: vtierctl status warns about it" \
	eval '"$FL_CTL" status 2>&1 | grep "policy template broken is not used" >/dev/null'
out=$("$FL_CTL" attach w1 --pid 1001 --template broken 2>&1)
fl_note "attach w1 --template broken: $out"
fl_check "a guest naming the broken template is refused with the template's error" \
	eval '[ $? = 0 ] && [[ "$out" == *broken* ]] && [ "$(fl_guest w1)" = absent ]'
rm -f "$FL_WORK/policies/broken.xml"
fl_check "w0 undisturbed by the malformed policies and the refused reload" [ "$(fl_guest w0)" = "$w0" ]

# ---- hostile hook input ----
hbad=""
head -c 3M /dev/urandom >"$FL_WORK/random.in"
printf '<domain><name>x</name><memory>%s</memory>' "$(head -c 100000 /dev/zero | tr '\0' 9)" >"$FL_WORK/bignum.in"
printf '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><domain><name>&d;</name></domain>' >"$FL_WORK/entities.in"
for input in random bignum entities; do
	for op in prepare started stopped; do
		t0=$(fl_now_ms)
		"$FL_HOOK" "hostile-$input" "$op" begin - <"$FL_WORK/$input.in" >"$FL_WORK/hook.out" 2>>"$FL_WORK/hook.err"
		rc=$? t=$(($(fl_now_ms) - t0))
		{ [ $rc = 0 ] && [ $t -lt 1100 ] && [ ! -s "$FL_WORK/hook.out" ]; } ||
			hbad="$hbad [$input/$op: exit $rc, $t ms]"
	done
done
fl_note "hook stderr: $(sort -u "$FL_WORK/hook.err" | head -3 | tr '\n' ' ' | cut -c1-300)"
fl_check "hostile hook input (3 MiB random, a 100000-digit size, nested entities): exit 0 within 1 s, nothing on stdout$hbad" \
	[ -z "$hbad" ]
fl_check "w0 undisturbed by the hostile hook input" [ "$(fl_guest w0)" = "$w0" ]
fl_check "vtierd exits 0 on SIGTERM, no sanitizer report" eval 'fl_stop_vtierd && fl_sanitizer_clean'
res=$([ $fl_failed = 0 ] && echo PASS || echo FAIL)
fl_row "malformed control requests (16 kinds + 70 KB line)" "error reply per request, e.g. \"${control_seen:0:120}\"" \
	"yes: w0 same slot/schemes; the connection keeps serving" "$res"
fl_row "malformed policies (6 kinds) and a broken template + reload" \
	"vtierctl: \"${policy_seen:0:110}\"; reload: \"${reload_seen:0:100}\"" "yes: w0 same slot/schemes" "$res"
fl_row "hostile hook input (random, huge numbers, entities)" "hook exit 0, stderr: \"$(sort -u "$FL_WORK/hook.err" | head -1 | cut -c1-100)\"" \
	"yes: w0 same slot/schemes" "$res"
fl_finish
