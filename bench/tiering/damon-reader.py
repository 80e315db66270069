#!/usr/bin/env python3
# damon-reader.py SECONDS T0 — inside a lab guest only, started by bench/tiering/guest.sh under
# `run.sh --damon-reader`: a fault, someone else reading vtierd's kdamond the way `damo report`
# does. Once a second for SECONDS it writes `update_schemes_tried_regions` to kdamond 0's `state`
# (the command holds DAMON's sysfs lock until the kdamond has answered it, and vtierd's own reads
# and writes of `state` get EBUSY meanwhile: docs/faults.md) and prints one JSON line: the time
# since T0 (the benchmark's clock, epoch seconds), the command's errno if it failed, and each
# scheme's action, access pattern, quota, stats and filters, with scheme 0's tried regions on
# node 1 as [start MiB, end MiB, nr_accesses, age].
import glob
import json
import os
import sys
import time

if not os.environ.get("LAB_KERNEL") or not os.path.exists("/run/lab/cmd"):
    sys.exit("damon-reader: refusing to run outside a lab guest (tests/kernel/lab)")
k = "/sys/kernel/mm/damon/admin/kdamonds/0"
c = k + "/contexts/0"
secs, t0 = int(sys.argv[1]), float(sys.argv[2])


def get(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError as e:
        return "E%d" % e.errno


def node_range(n):
    block = int(get("/sys/devices/system/memory/block_size_bytes"), 16)
    ids = sorted(int(p.rsplit("memory", 1)[1])
                 for p in glob.glob(f"/sys/devices/system/node/node{n}/memory[0-9]*"))
    return ids[0] * block, (ids[-1] + 1) * block


def filters(s):
    out = []
    for kind in ("core_filters", "ops_filters", "filters"):
        for fd in sorted(glob.glob(f"{s}/{kind}/[0-9]*")):
            t = get(fd + "/type")
            if t == "addr":
                t += "[%d,%d)" % (int(get(fd + "/addr_start")) >> 20,
                                  int(get(fd + "/addr_end")) >> 20)
            out.append(kind[0] + ":" + t + ("+" if get(fd + "/matching") == "Y" else "-") +
                       ("A" if get(fd + "/allow") == "Y" else "R"))
    return out


s1, e1 = node_range(1)
for _ in range(secs):
    time.sleep(1)
    if get(k + "/state") != "on":
        continue
    d = {"t": round(time.time() - t0, 1), "schemes": []}
    try:
        with open(k + "/state", "w") as f:
            f.write("update_schemes_tried_regions")
    except OSError as e:
        d["errno"] = e.errno
    nr = get(c + "/schemes/nr_schemes")
    for i in range(int(nr) if nr.isdigit() else 0):
        s = f"{c}/schemes/{i}"
        x = {"action": get(s + "/action"),
             "nr_accesses": [get(s + "/access_pattern/nr_accesses/min"),
                             get(s + "/access_pattern/nr_accesses/max")],
             "age_min": get(s + "/access_pattern/age/min"), "quota_bytes": get(s + "/quotas/bytes"),
             "filters": filters(s)}
        for st in ("nr_tried", "sz_tried", "sz_applied", "qt_exceeds", "sz_ops_filter_passed"):
            x[st] = get(f"{s}/stats/{st}")
        if i == 0:
            regions = []
            for rd in glob.glob(s + "/tried_regions/[0-9]*"):
                a, b = int(get(rd + "/start")), int(get(rd + "/end"))
                if b > s1 and a < e1:
                    regions.append([a >> 20, b >> 20, int(get(rd + "/nr_accesses")),
                                    int(get(rd + "/age"))])
            x["tried_regions_node1"] = sorted(regions)
        d["schemes"].append(x)
    print(json.dumps(d), flush=True)
