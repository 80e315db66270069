#!/usr/bin/env python3
# region-detect-guest.py BUILDDIR [MIN_NR_REGIONS...] — inside a lab guest only (tests/kernel/lab):
# how soon DAMON's regions show a hot set that moved, for each nr_regions/min given (default
# "10 100"). No migration: a raw paddr kdamond (vtierd's intervals, its two target regions with a
# page left out where the nodes meet) with two `stat` schemes, one for regions accessed at least
# once per aggregation (what the closed loop's PULL walks on 6.18 and 6.12) and one for every
# region (to count them). The benchmark's moving workload (512 MiB, 128 MiB hot) lies on node 1;
# after WARM seconds its hot set moves to the last 128 MiB. Every second the script reads the hot
# scheme's tried regions and prints how much of the new and of the old hot set (their page frames,
# from /proc/PID/pagemap) lies in regions DAMON calls hot, and how many regions there are.
# Run: flock /tmp/vtier-lab.lock tests/kernel/lab --timeout 400 6.18 -- \
#        "$PWD/tests/kernel/region-detect-guest.py" "$PWD/_build/dev" 10 100
# Environment: REGION_WARM (s, 30), REGION_AFTER (s, 40).
import bisect, glob, os, signal, struct, subprocess, sys, time

if not os.environ.get("LAB_KERNEL") or not os.path.exists("/run/lab/cmd"):
    sys.exit("region-detect: refusing to run outside a lab guest (tests/kernel/lab)")
build = sys.argv[1]
mins = [int(a) for a in sys.argv[2:]] or [10, 100]
warm = float(os.environ.get("REGION_WARM", "30"))
after = int(os.environ.get("REGION_AFTER", "40"))
MIB = 1 << 20
PAGE = 4096
admin = "/sys/kernel/mm/damon/admin/kdamonds"


def put(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def get(path):
    with open(path) as f:
        return f.read().strip()


def node_range(n):
    block = int(get("/sys/devices/system/memory/block_size_bytes"), 16)
    ids = sorted(int(p.rsplit("memory", 1)[1])
                 for p in glob.glob(f"/sys/devices/system/node/node{n}/memory[0-9]*"))
    return ids[0] * block, (ids[-1] + 1) * block


def frames(pid, vstart, vend):
    """Sorted page frame numbers of [vstart, vend) of PID."""
    out = []
    with open(f"/proc/{pid}/pagemap", "rb") as f:
        f.seek(vstart // PAGE * 8)
        data = f.read((vend - vstart) // PAGE * 8)
    for (e,) in struct.iter_unpack("<Q", data):
        if e >> 63:
            out.append(e & ((1 << 55) - 1))
    out.sort()
    return out


def covered(pfns, regions):
    """MiB of the frames @pfns that lie in @regions ([start, end) byte pairs)."""
    n = 0
    for s, e in regions:
        n += bisect.bisect_left(pfns, e // PAGE) - bisect.bisect_left(pfns, (s + PAGE - 1) // PAGE)
    return n * PAGE / MIB


def info(path):
    return dict(kv.split("=", 1) for kv in get(path).split()[1:])


def run(min_regions):
    subprocess.run(["sysctl", "-qw", "kernel.numa_balancing=0"], check=False)
    stat = "/sys/module/damon_stat/parameters/enabled"
    if os.path.exists(stat) and get(stat) == "Y":
        put(stat, "N")  # it holds DAMON (tests/kernel/lab-damon-hotcheck)
    for p in glob.glob("/tmp/rd-wl*"):
        os.unlink(p)
    wl = subprocess.Popen([f"{build}/tests/kernel/lab-workload", "--node", "1", "--size", "512",
                           "--hot", "128", "--move-hot-to", "384", "--info", "/tmp/rd-wl"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(900):
        if os.path.exists("/tmp/rd-wl"):
            break
        time.sleep(0.1)
    w = info("/tmp/rd-wl")
    start, hot_s = int(w["start"], 16), int(w["hot_start"], 16)
    old = frames(wl.pid, hot_s, hot_s + 128 * MIB)
    new = frames(wl.pid, start + 384 * MIB, start + 512 * MIB)
    (s0, e0), (s1, e1) = node_range(0), node_range(1)
    put(f"{admin}/nr_kdamonds", 1)
    c = f"{admin}/0/contexts"
    put(f"{c}/nr_contexts", 1)
    c += "/0"
    put(f"{c}/operations", "paddr")
    put(f"{c}/monitoring_attrs/intervals/sample_us", 5000)
    put(f"{c}/monitoring_attrs/intervals/aggr_us", 100000)
    put(f"{c}/monitoring_attrs/intervals/update_us", 1000000)
    put(f"{c}/monitoring_attrs/nr_regions/min", min_regions)
    put(f"{c}/monitoring_attrs/nr_regions/max", 1000)
    put(f"{c}/targets/nr_targets", 1)
    put(f"{c}/targets/0/regions/nr_regions", 2)
    for i, (s, e) in enumerate(((s0, e0 - PAGE), (s1 + PAGE, e1))):
        put(f"{c}/targets/0/regions/{i}/start", s)
        put(f"{c}/targets/0/regions/{i}/end", e)
    put(f"{c}/schemes/nr_schemes", 2)
    for i, lo in enumerate((1, 0)):
        s = f"{c}/schemes/{i}"
        put(f"{s}/action", "stat")
        put(f"{s}/access_pattern/sz/min", PAGE)
        put(f"{s}/access_pattern/sz/max", e1)
        put(f"{s}/access_pattern/nr_accesses/min", lo)
        put(f"{s}/access_pattern/nr_accesses/max", 4294967295)
        put(f"{s}/access_pattern/age/min", 0)
        put(f"{s}/access_pattern/age/max", 4294967295)
    k = f"{admin}/0"
    put(f"{k}/state", "on")
    t0 = time.monotonic()
    moved_at = None
    first = {}
    try:
        while True:
            time.sleep(1)
            t = time.monotonic() - t0
            if moved_at is None and t >= warm:
                wl.send_signal(signal.SIGUSR1)
                moved_at = time.monotonic() - t0
            put(f"{k}/state", "update_schemes_tried_regions")
            hot = []
            for d in glob.glob(f"{c}/schemes/0/tried_regions/[0-9]*"):
                hot.append((int(get(f"{d}/start")), int(get(f"{d}/end"))))
            nr = len(glob.glob(f"{c}/schemes/1/tried_regions/[0-9]*"))
            hot1 = [(max(s, s1), min(e, e1)) for s, e in hot if e > s1 and s < e1]
            n_new, n_old = covered(new, hot1), covered(old, hot1)
            big = max((e - s for s, e in hot1), default=0) / MIB
            since = max(t - moved_at, 0.0) if moved_at is not None else t - warm
            print(f"min {min_regions} t {since:+6.1f} s: regions {nr:4d}, hot on node1 "
                  f"{sum(e - s for s, e in hot1) / MIB:6.1f} MiB in {len(hot1):3d} (largest "
                  f"{big:5.1f}), new hot set in them {n_new:5.1f} MiB, old {n_old:5.1f} MiB",
                  flush=True)
            if moved_at is not None:
                for mark in (32, 64, 96, 115):
                    if n_new >= mark and mark not in first:
                        first[mark] = since
                if since >= after:
                    break
    finally:
        for path, value in ((f"{k}/state", "off"), (f"{admin}/nr_kdamonds", 0)):
            try:
                put(path, value)
            except OSError:
                pass
        wl.terminate()
        wl.wait()
    print(f"min {min_regions}: the new hot set in DAMON's hot regions: " +
          ", ".join(f"{m} MiB at {first[m]:.1f} s" if m in first else f"{m} MiB never"
                    for m in (32, 64, 96, 115)), flush=True)


for m in mins:
    run(m)
