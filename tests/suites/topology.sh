#!/bin/bash
# Topology and sampler on real things: `vtierctl topology/sampler` on every fixture and on this
# machine's own tree (read-only), and inside the kernel lab (tests/kernel/lab) on real 7.3, 6.18 and
# 6.12 kernels with a DRAM node and a CPU-less node, with and without ACPI HMAT. In the lab, every
# node's ranges are recomputed here, independently, from the guest's memory blocks and /proc/iomem
# and compared with what vtier reports; node1 must span the lab's 1 GiB at 0x40000000.
#
# Needs: python3 (comparisons), and for the lab part what tests/kernel/lab needs (root,
# qemu-system-x86, qemu-system-common's virtiofsd, busybox-static, cached or downloadable kernels).
# Environment: VTIER_BUILDDIR, VTIER_SRCDIR (set by ./quickstart.sh check).
set -uo pipefail

build=${VTIER_BUILDDIR:?VTIER_BUILDDIR must be set}
src=${VTIER_SRCDIR:?VTIER_SRCDIR must be set}
vtierctl="$build/vtierctl"
fixtures="$src/tests/data/sysfs"
lab=${VTIER_LAB:-$src/tests/kernel/lab}
pass=0 fail=0 skip=0
work=$(mktemp -d "$build/topology-suite.XXXXXX")
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

ok() { echo "ok: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
skipped() { echo "skip: $*"; skip=$((skip + 1)); }

command -v python3 >/dev/null || { echo "python3 missing (Debian package python3)"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# check_json FILE: the document parses and has the members a consumer relies on.
check_json() {
	python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
t, s = d["topology"], d["sampler"]
assert t["nodes"] and all("ranges" in n and "role" in n for n in t["nodes"]), "nodes"
assert s["kind"] in ("none", "ibs", "pebs") and s["reason"], "sampler"
EOF
}

fixture_runs() {
	local f name
	for f in "$fixtures"/*/; do
		name=$(basename "$f")
		[ -e "$f/README" ] || [ -e "$f/README.md" ] || { ko "fixture $name has no README"; continue; }
		if [ ! -d "$f/sys/devices/system/node" ]; then
			# a partial tree of another part (cgroups, /run): a clear error, never a crash
			local rc=0
			"$vtierctl" topology --sysroot "$f" >"$work/$name.txt" 2>&1 || rc=$?
			if [ "$rc" -eq 1 ] && grep -q '/sys/devices/system/node' "$work/$name.txt"; then
				ok "vtierctl topology --sysroot $name (no NUMA tree): exit 1 naming it"
			else
				ko "vtierctl topology --sysroot $name (no NUMA tree): exit $rc:"; cat "$work/$name.txt"
			fi
			continue
		fi
		if "$vtierctl" topology --sysroot "$f" >"$work/$name.txt" 2>&1 &&
			"$vtierctl" topology --sysroot "$f" --json >"$work/$name.json" 2>&1 &&
			check_json "$work/$name.json" &&
			"$vtierctl" sampler --sysroot "$f" --json >/dev/null 2>&1; then
			ok "vtierctl topology/sampler --sysroot $name"
		else
			ko "vtierctl on fixture $name:"; cat "$work/$name.txt"
		fi
	done
}

# A broken tree is a clear error (exit 1, the file named), never a crash.
broken_tree() {
	local root="$work/broken" out rc
	cp -a "$fixtures/amd-turin-cxl" "$root"
	echo "garbage" >"$root/sys/devices/system/node/node1/distance"
	out=$("$vtierctl" topology --sysroot "$root" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && grep -q '/sys/devices/system/node/node1/distance: "garbage"' <<<"$out"; then
		ok "malformed tree: exit 1 naming the file"
	else
		ko "malformed tree gave rc=$rc: $out"
	fi
}

real_machine() {
	if "$vtierctl" topology >"$work/real.txt" 2>&1 && "$vtierctl" topology --json >"$work/real.json" &&
		check_json "$work/real.json"; then
		ok "this machine's own tree (read-only)"
		sed 's/^/    /' "$work/real.txt"
	else
		ko "vtierctl topology on this machine:"; cat "$work/real.txt"
	fi
}

# In the guest: vtier's view, plus the raw facts to recompute it from.
guest_script='set -e
"$1" topology --json >"$LAB_OUT/topology.json"
"$1" topology >"$LAB_OUT/topology.txt"
cat /proc/iomem >"$LAB_OUT/iomem"
cat /sys/devices/system/memory/block_size_bytes >"$LAB_OUT/block_size"
for n in /sys/devices/system/node/node[0-9]*; do
	for m in "$n"/memory[0-9]*; do
		[ -e "$m" ] || continue
		b=${m##*/memory}
		echo "${n##*/node} $b $(cat /sys/devices/system/memory/memory$b/state)"
	done
done >"$LAB_OUT/blocks"
ls /sys/devices/virtual/memory_tiering/ >"$LAB_OUT/tiers" 2>&1 || true'

# compare DIR HMAT: recompute ranges from blocks ∩ System RAM and compare with vtier's JSON.
compare_lab() {
	python3 - "$1" "$2" <<'EOF'
import json, re, sys
d, hmat = sys.argv[1], sys.argv[2] == "1"
topo = json.load(open(d + "/topology.json"))["topology"]
bs = int(open(d + "/block_size").read().strip(), 16)
ram = []
for line in open(d + "/iomem"):
    m = re.match(r"\s*([0-9a-f]+)-([0-9a-f]+) : System RAM", line)
    if m:
        ram.append((int(m.group(1), 16), int(m.group(2), 16) + 1))
blocks = {}
for line in open(d + "/blocks"):
    nid, b, state = line.split()
    if state == "online":
        blocks.setdefault(int(nid), []).append(int(b))
def merge(rs):
    out = []
    for s, e in sorted(rs):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
errors = []
for node in topo["nodes"]:
    spans = merge((b * bs, (b + 1) * bs) for b in blocks.get(node["id"], []))
    want = merge((max(s, rs), min(e, re_)) for s, e in spans for rs, re_ in ram
                 if max(s, rs) < min(e, re_))
    got = [(r["start"], r["end"]) for r in node["ranges"]]
    if got != want:
        errors.append("node %d: vtier %s, blocks x iomem %s" % (node["id"], got, want))
n1 = [n for n in topo["nodes"] if n["id"] == 1][0]
span1 = merge((b * bs, (b + 1) * bs) for b in blocks[1])
if span1 != [(0x40000000, 0x80000000)]:
    errors.append("node1 blocks span %s, the lab puts 1 GiB at 0x40000000" % span1)
if n1["role"] != "slow" or not n1["cpuless"] or topo["fast_nodes"] != [0]:
    errors.append("classification: node1 %s, fast %s" % (n1["role"], topo["fast_nodes"]))
shared = [p for p in topo["problems"] if "same kernel memory tier" in p["summary"]]
if hmat and (shared or topo["basis"] != "memory-tiers"):
    errors.append("with HMAT: basis %s, problems %s" % (topo["basis"], topo["problems"]))
if not hmat and (not shared or "HMAT" not in shared[0]["fix"]):
    errors.append("without HMAT the shared tier must be reported: %s" % topo["problems"])
print("\n".join(errors) if errors else "node ranges match blocks x System RAM; node1 %s" %
      [(hex(s), hex(e - 1)) for s, e in [(r["start"], r["end"]) for r in n1["ranges"]]])
sys.exit(1 if errors else 0)
EOF
}

lab_run() {
	local kernel=$1 hmat=$2 out="$work/lab-$1-$2" opts=() rc
	mkdir -p "$out"
	[ "$hmat" = 1 ] || opts+=(--no-hmat)
	"$lab" "${opts[@]}" --quiet --timeout 120 --out "$out" --output "$out/console" \
		--env "ASAN_OPTIONS=$ASAN_OPTIONS" "$kernel" -- bash -c "$guest_script" lab "$vtierctl"
	rc=$?
	if [ $rc -ne 0 ]; then
		ko "lab $kernel hmat=$hmat: exit $rc"; tail -20 "$out/console" 2>/dev/null
		return
	fi
	if compare_lab "$out" "$hmat" >"$out/compare" 2>&1; then
		ok "lab $kernel hmat=$hmat: $(cat "$out/compare")"
	else
		ko "lab $kernel hmat=$hmat: $(cat "$out/compare")"; cat "$out/topology.txt"
	fi
}

lab_runs() {
	if [ ! -x "$lab" ]; then
		skipped "kernel lab: $lab is not in this tree"
		return
	fi
	if ! command -v qemu-system-x86_64 >/dev/null; then
		skipped "kernel lab: qemu-system-x86_64 missing (Debian package qemu-system-x86)"
		return
	fi
	lab_run 7.3 1
	lab_run 7.3 0
	lab_run 6.18 1
	lab_run 6.12 1
}

fixture_runs
broken_tree
real_machine
lab_runs
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
