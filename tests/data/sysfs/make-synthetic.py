#!/usr/bin/env python3
# Writes the synthetic fixture trees under tests/data/sysfs/ (the ones whose README says
# "synthetic"). Real captures (lab-qemu) are not made here. Run from this directory:
#   python3 make-synthetic.py
# Each tree holds only the files vtier reads: /sys/devices/system/{node,memory},
# /sys/devices/virtual/memory_tiering, /sys/bus/event_source/devices, /proc/iomem and
# /proc/sys/kernel/perf_event_max_sample_rate, laid out and formatted as the kernel does.
import os
import shutil

GIB = 1 << 30


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def idlist(ids):
    ids = sorted(ids)
    out, i = [], 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        out.append(str(ids[i]) if i == j else "%d-%d" % (ids[i], ids[j]))
        i = j + 1
    return ",".join(out)


def meminfo(nid, total_kb, free_kb):
    used = total_kb - free_kb
    lines = [("MemTotal", total_kb), ("MemFree", free_kb), ("MemUsed", used),
             ("SwapCached", 0), ("Active", used // 2), ("Inactive", used // 4),
             ("FilePages", used // 4), ("AnonPages", used // 2)]
    return "".join("Node %d %-15s %8d kB\n" % (nid, k + ":", v) for k, v in lines)


def machine(name, block, nodes, iomem, tiers, pmus, distances, numa_balancing=0,
            demotion=False):
    """nodes: list of dicts id, cpus, total_kb, free_kb, blocks (list of (first, last)),
    offline (set of block numbers). tiers: {tier: [nodes]}. pmus: {dir: {relpath: text}}."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    readme = os.path.join(root, "README")
    keep = open(readme).read() if os.path.exists(readme) else None
    shutil.rmtree(root, ignore_errors=True)
    if keep is not None:
        write(root, "README", keep)
    nd = "sys/devices/system/node/"
    md = "sys/devices/system/memory/"
    ids = [n["id"] for n in nodes]
    write(root, nd + "online", idlist(ids) + "\n")
    write(root, nd + "possible", idlist(ids) + "\n")
    write(root, nd + "has_cpu", idlist([n["id"] for n in nodes if n["cpus"]]) + "\n")
    write(root, nd + "has_memory", idlist([n["id"] for n in nodes if n["total_kb"]]) + "\n")
    write(root, nd + "has_normal_memory",
          idlist([n["id"] for n in nodes if n["total_kb"] and not n.get("movable")]) + "\n")
    write(root, md + "block_size_bytes", "%x\n" % block)
    write(root, md + "auto_online_blocks", "online\n")
    for i, n in enumerate(nodes):
        d = nd + "node%d/" % n["id"]
        write(root, d + "cpulist", idlist(n["cpus"]) + "\n")
        write(root, d + "distance", " ".join(str(x) for x in distances[i]) + "\n")
        write(root, d + "meminfo", meminfo(n["id"], n["total_kb"], n["free_kb"]))
        for first, last in n["blocks"]:
            for b in range(first, last + 1):
                state = "offline" if b in n.get("offline", ()) else "online"
                write(root, md + "memory%d/state" % b, state + "\n")
                os.symlink("../../memory/memory%d" % b, os.path.join(root, d + "memory%d" % b))
    for tier, tnodes in tiers.items():
        write(root, "sys/devices/virtual/memory_tiering/memory_tier%d/nodelist" % tier,
              idlist(tnodes) + "\n")
    for pmu, files in pmus.items():
        for rel, text in files.items():
            write(root, "sys/bus/event_source/devices/%s/%s" % (pmu, rel), text)
    write(root, "proc/iomem", iomem)
    write(root, "proc/sys/kernel/perf_event_max_sample_rate", "100000\n")
    write(root, "proc/sys/kernel/numa_balancing", "%d\n" % numa_balancing)
    write(root, "sys/kernel/mm/numa/demotion_enabled", "true\n" if demotion else "false\n")


SOFT_PMUS = {"breakpoint": {"type": "5\n"}, "software": {"type": "1\n"},
             "tracepoint": {"type": "2\n"}, "kprobe": {"type": "6\n"}, "uprobe": {"type": "7\n"},
             "msr": {"type": "9\n"}, "power": {"type": "8\n"}}

AMD_PMUS = dict(SOFT_PMUS)
AMD_PMUS.update({
    "cpu": {"type": "4\n", "caps/max_precise": "2\n"},
    "ibs_fetch": {"type": "10\n", "format/rand_en": "config:57\n",
                  "format/l3missonly": "config:59\n", "caps/zen4_ibs_extensions": "1\n"},
    "ibs_op": {"type": "11\n", "format/cnt_ctl": "config:19\n",
               "format/l3missonly": "config:16\n", "format/ldlat": "config1:0-11\n",
               "caps/zen4_ibs_extensions": "1\n", "caps/ldlat": "1\n",
               "caps/dtlb_pgsize": "1\n"},
    "amd_l3": {"type": "12\n"}, "amd_df": {"type": "13\n"}, "amd_umc_0": {"type": "14\n"},
})


def intel_pmus(model, precise="3"):
    p = dict(SOFT_PMUS)
    p.update({
        "cpu": {"type": "4\n", "caps/pmu_name": model + "\n", "caps/max_precise": precise + "\n",
                "caps/branches": "32\n", "format/event": "config:0-7\n",
                "format/umask": "config:8-15\n"},
        "cstate_core": {"type": "15\n"}, "intel_pt": {"type": "10\n"},
        "uncore_imc_0": {"type": "16\n"},
    })
    return p


LOW_IOMEM = """00000000-00000fff : Reserved
00001000-0009ffff : System RAM
000a0000-000fffff : Reserved
  000a0000-000dffff : PCI Bus 0000:00
  000f0000-000fffff : System ROM
00100000-%s : System RAM
  01000000-0220bb07 : Kernel code
  02400000-02e09fff : Kernel rodata
  03000000-0327c13f : Kernel data
  03b34000-03c57fff : Kernel bss
%s-7fffffff : Reserved
  %s-7fffffff : ACPI Tables
80000000-fdffffff : PCI Bus 0000:00
  e0000000-efffffff : PCI ECAM 0000 [bus 00-ff]
fec00000-fec003ff : IOAPIC 0
fee00000-fee00fff : Local APIC
"""


def low_iomem(ram_end):
    nxt = "%08x" % (ram_end + 1)
    return LOW_IOMEM % ("%08x" % ram_end, nxt, nxt)


def turin():
    # 1 socket EPYC 9005 (64 cores, SMT), 768 GiB DRAM; 256 GiB CXL Type-3 expander onlined by
    # dax kmem (SPM), so it sits in memory_tier22 (the kernel's default dax adistance).
    block = 2 * GIB
    cxl = 0x10000000000
    iomem = low_iomem(0x75ffffff) + (
        "100000000-c07fffffff : System RAM\n"
        "c080000000-fcffffffff : PCI Bus 0000:00\n"
        "fd00000000-ffffffffff : Reserved\n"
        "%x-%x : CXL Window 0\n"
        "  %x-%x : region0\n"
        "    %x-%x : dax0.0\n"
        "      %x-%x : System RAM (kmem)\n") % ((cxl, cxl + 256 * GIB - 1) * 4)
    nodes = [
        dict(id=0, cpus=list(range(0, 128)), total_kb=790396928, free_kb=741203456,
             blocks=[(0, 0), (2, 384)]),
        dict(id=1, cpus=[], total_kb=268435456, free_kb=268173312, movable=True,
             blocks=[(cxl // block, cxl // block + 127)]),
    ]
    machine("amd-turin-cxl", block, nodes, iomem, {4: [0], 22: [1]}, AMD_PMUS,
            [[10, 50], [50, 10]])


def spr_2s():
    # 2 sockets Xeon 8480+ (56 cores, SMT), 512 GiB DRAM per socket, one 128 GiB CXL expander
    # per socket (nodes 2 and 3, dax kmem), one CXL block of node 3 offlined by the admin.
    block = 2 * GIB
    c2, c3 = 0x10000000000, 0x12000000000
    iomem = low_iomem(0x5fffffff) + (
        "100000000-7fffffffff : System RAM\n"
        "8000000000-ffffffffff : System RAM\n")
    for i, base in enumerate((c2, c3)):
        end = base + 128 * GIB - 1
        iomem += ("%x-%x : CXL Window %d\n  %x-%x : region%d\n    %x-%x : dax%d.0\n"
                  "      %x-%x : System RAM (kmem)\n") % (base, end, i, base, end, i, base,
                                                           end, i, base, end)
    s0 = list(range(0, 56)) + list(range(112, 168))
    s1 = list(range(56, 112)) + list(range(168, 224))
    nodes = [
        dict(id=0, cpus=s0, total_kb=526385152, free_kb=498073600, blocks=[(0, 0), (2, 255)]),
        dict(id=1, cpus=s1, total_kb=528482304, free_kb=511705088, blocks=[(256, 511)]),
        dict(id=2, cpus=[], total_kb=134217728, free_kb=134086656, movable=True,
             blocks=[(512, 575)]),
        dict(id=3, cpus=[], total_kb=132120576, free_kb=131989504, movable=True,
             blocks=[(576, 639)], offline={639}),
    ]
    dist = [[10, 21, 14, 24], [21, 10, 24, 14], [14, 24, 10, 26], [24, 14, 26, 10]]
    machine("intel-spr-2s-cxl", block, nodes, iomem, {4: [0, 1], 22: [2, 3]},
            intel_pmus("sapphire_rapids"), dist, numa_balancing=1, demotion=True)


def icx_dram_only():
    # 2 sockets Xeon 8380 (40 cores, SMT), 256 GiB DRAM per socket, no CXL: nothing to tier.
    block = 2 * GIB
    iomem = low_iomem(0x6fffffff) + "100000000-80ffffffff : System RAM\n"
    s0 = list(range(0, 40)) + list(range(80, 120))
    s1 = list(range(40, 80)) + list(range(120, 160))
    nodes = [
        dict(id=0, cpus=s0, total_kb=262557696, free_kb=250000000, blocks=[(0, 0), (2, 128)]),
        dict(id=1, cpus=s1, total_kb=264241152, free_kb=259000000, blocks=[(129, 257)]),
    ]
    machine("intel-icx-2s-dram", block, nodes, iomem, {4: [0, 1]}, intel_pmus("icelake"),
            [[10, 20], [20, 10]], numa_balancing=1)


def genoa_cxl_in_dram_tier():
    # 1 socket EPYC 9004 (32 cores, SMT), 384 GiB DRAM; 128 GiB CXL that firmware hands to the
    # OS as ordinary memory (no EFI_MEMORY_SP, no HMAT entry): node1 joins memory_tier4.
    block = 2 * GIB
    cxl = 0x6080000000
    iomem = low_iomem(0x75ffffff) + (
        "100000000-607fffffff : System RAM\n"
        "%x-%x : System RAM\n") % (cxl, cxl + 128 * GIB - 1)
    nodes = [
        dict(id=0, cpus=list(range(0, 64)), total_kb=394264576, free_kb=380000000,
             blocks=[(0, 0), (2, 192)]),
        dict(id=1, cpus=[], total_kb=134217728, free_kb=133955584,
             blocks=[(cxl // block, cxl // block + 63)]),
    ]
    machine("amd-genoa-cxl-dram-tier", block, nodes, iomem, {4: [0, 1]}, AMD_PMUS,
            [[10, 32], [32, 10]])


if __name__ == "__main__":
    turin()
    spr_2s()
    icx_dram_only()
    genoa_cxl_in_dram_tier()
