#!/bin/sh
# Every example in the docs (docs/*.md, README.md) and the man pages (docs/man/*) is a test:
#  - every policy element an example shows passes `vtierctl policy check` (this tree's schema and
#    templates, a 64 GiB guest) -- the syntax cannot drift from what vtier accepts again;
#  - every `vtierctl VERB ...` line names a real verb and only options that verb has
#    (`vtierctl VERB --help`), synopsis lines included;
#  - every example that only needs this tree's fixtures (tests/data/...) is run, and must succeed.
# Needs: VTIER_BUILDDIR (a built tree with ./run), VTIER_SRCDIR (default: this checkout), python3.
set -u
srcdir=${VTIER_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${VTIER_BUILDDIR:-}
if [ -z "$builddir" ] || [ ! -x "$builddir/vtierctl" ] || [ ! -x "$builddir/run" ]; then
	echo "FAIL: VTIER_BUILDDIR must name a built tree (vtierctl and ./run)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
command -v python3 >/dev/null || {
	echo "FAIL: python3 missing (Debian package python3)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
}
export VTIER_FORBID_REAL_DAMON=1
exec python3 - "$srcdir" "$builddir" <<'PY'
import glob, os, re, shlex, subprocess, sys

src, build = sys.argv[1], sys.argv[2]
ctl = [os.path.join(build, "run"), os.path.join(build, "vtierctl")]
passed = failed = 0

def ok(what):
    global passed
    passed += 1
    print("ok: " + what)

def notok(what, why):
    global failed
    failed += 1
    print("FAIL: %s: %s" % (what, why.strip()[:400]))

def untroff(t):
    return (t.replace("\\-", "-").replace("\\(aq", "'").replace("\\(dq", '"')
             .replace("\\e", "\\"))

def chunks_of(path):
    """(line, text) of every example block: man .EX/.EE, markdown fences and indented code."""
    text = open(path).read()
    if path.endswith((".5", ".8")):
        for m in re.finditer(r"^\.EX\n(.*?)^\.EE", text, re.S | re.M):
            yield text[:m.start()].count("\n") + 2, untroff(m.group(1))
        return
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            yield i + 2, "\n".join(lines[i + 1:j])
            i = j + 1
        elif lines[i].startswith("    ") and (i == 0 or not lines[i - 1].strip()):
            j = i
            while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
                j += 1
            yield i + 1, "\n".join(l[4:] for l in lines[i:j])
            i = j
        else:
            i += 1

files = (sorted(glob.glob(os.path.join(src, "docs", "*.md"))) + [os.path.join(src, "README.md")]
         + sorted(glob.glob(os.path.join(src, "docs", "man", "*.[58]"))))
policies, commands = [], []
for path in files:
    rel = os.path.relpath(path, src)
    for line, chunk in chunks_of(path):
        joined = re.sub(r"\\\n\s*", " ", chunk)
        for m in re.finditer(r"<(?:[a-z]+:)?policy\b[^>]*?(?:/>|>.*?</(?:[a-z]+:)?policy>)",
                             joined, re.S):
            policies.append(("%s:%d" % (rel, line), m.group(0)))
        for l in joined.split("\n"):
            m = re.search(r"(?:^|\s|\|\s*)(?:\./run\s+)?(?:\S*/)?vtierctl\s+(.*)$", l)
            if m and not l.lstrip().startswith("#"):
                commands.append(("%s:%d" % (rel, line), m.group(1).strip(), l))

env = dict(os.environ, VTIER_POLICY_DIR=os.path.join(src, "policies"))
def vtierctl(args, stdin=None, cwd=None):
    return subprocess.run(ctl + args, input=stdin, capture_output=True, text=True, env=env,
                          cwd=cwd or src)

# policies: placeholders (NAME, MODE...) belong to synopses, not examples
for where, xml in policies:
    if re.search(r'"[A-Z]+"', xml):
        continue
    r = vtierctl(["policy", "check", "--memory=64GiB", "-"], stdin=xml)
    if r.returncode == 0:
        ok("%s: policy %s" % (where, " ".join(xml.split())[:60]))
    else:
        notok("%s: policy %s" % (where, " ".join(xml.split())), r.stderr)

helps = {}
def options_of(words):
    """The long options of `vtierctl WORDS --help` (policy check/templates have their own)."""
    key = " ".join(words)
    if key not in helps:
        r = vtierctl(words + ["--help"])
        helps[key] = set(re.findall(r"--[a-z][a-z0-9-]*", r.stdout)) if r.returncode == 0 else None
    return helps[key]

verbs = set(re.findall(r"^  ([a-z]+) ", vtierctl(["help"]).stdout, re.M))
for where, cmd, line in commands:
    verb = cmd.split()[0] if cmd.split() else ""
    if verb.startswith("--") or verb == "VERB":
        continue
    if verb not in verbs:
        notok("%s: vtierctl %s" % (where, cmd), "no verb \"%s\"" % verb)
        continue
    words = cmd.split()
    known = options_of(words[:2] if verb == "policy" and len(words) > 1
                       and words[1] in ("check", "templates") else [verb])
    used = set(re.findall(r"(?<![\w/=-])--[a-z][a-z0-9-]*", cmd)) - {"--help"}
    missing = sorted(o for o in used if known is None or o not in known)
    if missing:
        notok("%s: vtierctl %s" % (where, cmd), "options not in `vtierctl %s --help`: %s"
              % (verb, ", ".join(missing)))
        continue
    ok("%s: vtierctl %s (options)" % (where, cmd[:60]))
    # runnable: every file it names is one of this tree's fixtures
    if "tests/data/" not in cmd or "[" in cmd or "|" in cmd.replace("'", ""):
        continue
    # README's examples run in a build directory one level below the checkout
    cwd = os.path.join(src, "tests") if "../tests/data" in cmd else src
    args = shlex.split(cmd)
    r = vtierctl(args, cwd=cwd)
    if r.returncode == 0 and r.stdout:
        ok("%s: vtierctl %s (ran)" % (where, cmd[:60]))
    else:
        notok("%s: vtierctl %s" % (where, cmd), r.stderr or "no output")

print("%d passed, %d failed, 0 skipped" % (passed, failed))
sys.exit(1 if failed else 0)
PY
