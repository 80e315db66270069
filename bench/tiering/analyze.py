#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""analyze.py OUTDIR TARGET_PCT -- the tiering benchmark's figures (bench/tiering/README.md).

Reads OUTDIR/KERNEL/VARIANT.{place,loop,info} as tests/kernel/controller-loop-guest.sh wrote them
and writes OUTDIR/results.md (one markdown table per kernel), OUTDIR/results.tsv (one row per
run, for the CI suite's checks) and OUTDIR/KERNEL-share.dat (share over time, one column per
variant, for gnuplot)."""
import os
import sys

VARIANTS = {
    "none": "(1) no tiering",
    "numa": "(2) NUMA-balancing tiering (numa_balancing=2, demotion on)",
    "static": "vtier ratio today: static 32 MiB/s caps, hot PULL + cold PUSH (no loop)",
    "kernel": "(5) vtier ratio, tuner=kernel (user_input goal, DAMON's tuner)",
    "vtier": "(6) vtier ratio, the controller",
}


def read_place(path):
    rows = []
    for line in open(path):
        f = line.split()
        if len(f) != 5:
            continue
        try:
            rows.append(tuple(float(x) for x in f))
        except ValueError:
            continue
    return rows


def read_loop(path):
    steps, cpu = [], {}
    if not os.path.exists(path):
        return steps, cpu
    for line in open(path):
        f = line.split()
        if not f:
            continue
        if f[0] == "step":
            kv = dict(x.split("=", 1) for x in f[3:] if "=" in x and not x.startswith("reason"))
            steps.append((float(f[1]), float(kv.get("applied_up", 0)),
                          float(kv.get("applied_down", 0))))
        elif f[0] == "cpu":
            cpu = dict(x.split("=", 1) for x in f[1:])
    return steps, cpu


def read_info(path):
    info = {}
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.strip().partition(" ")
            info[k] = v
    return info


def figures(rows, steps, target, secs):
    share = [(t, 100.0 * a0 / (a0 + a1) if a0 + a1 else 0.0, h0, h0 + h1)
             for t, h0, h1, a0, a1 in rows]
    fig = {"samples": len(share)}
    if not share:
        return fig, share
    settle = None
    for i in range(len(share)):
        if all(abs(s - target) <= 2 for _, s, _, _ in share[i:]):
            settle = share[i][0]
            break
    fig["settle"] = settle
    fig["over"] = max(0.0, max(s for _, s, _, _ in share) - target)
    after = [s for t, s, _, _ in share if settle is not None and t >= settle]
    fig["osc"] = (max(after) - min(after)) if after else None
    t, s, h0, hot = share[-1]
    fig["share_end"] = s
    fig["hot_end"] = 100.0 * h0 / hot if hot else 0.0
    fig["hot90"] = next((t for t, _, h0, hot in share if hot and h0 >= 0.9 * hot), None)
    if settle is not None:
        span = max(share[-1][0] - settle, 1.0) / 60.0
        if steps:
            moved = sum(u + d for t, u, d in steps if t >= settle)
        else:
            moved = sum(abs(b[3] - a[3]) for a, b in zip(rows, rows[1:]) if b[0] >= settle)
        fig["mib_min"] = moved / span
    # the last 30 s: what a settled guest costs
    t_end = share[-1][0]
    if steps:
        moved = sum(u + d for t, u, d in steps if t >= t_end - 30)
    else:
        moved = sum(abs(b[3] - a[3]) for a, b in zip(rows, rows[1:]) if b[0] >= t_end - 30)
    fig["mib_min_end"] = moved / 0.5
    return fig, share


def fmt(v, unit="", nd=1):
    if v is None:
        return "never" if unit == " s" else "-"
    return f"{v:.{nd}f}{unit}"


def main():
    out, target = sys.argv[1], float(sys.argv[2])
    md, tsv = [], ["kernel\tvariant\tsettle_s\tover_pt\tosc_pt\tshare_end\thot_end\thot90_s\t"
                   "mib_min\tmib_min_end\tkdamond_s\tloop_s\thint_faults"]
    for kernel in sorted(d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d))):
        kdir = os.path.join(out, kernel)
        runs = [v for v in VARIANTS if os.path.exists(os.path.join(kdir, v + ".place"))]
        if not runs:
            continue
        info0 = read_info(os.path.join(kdir, runs[0] + ".info"))
        md.append(f"### {info0.get('kernel', kernel)}: 512 MiB workload (128 MiB hot) on the "
                  f"slow node, target {target:g}%\n")
        md.append("| variant | settle ±2 pt | overshoot | oscillation after | share at end | "
                  "hot set in fast at end | hot ≥ 90% fast | MiB/min after settling | "
                  "MiB/min, last 30 s | kdamond CPU s | loop CPU s | hint faults |")
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        series = {}
        for v in runs:
            rows = read_place(os.path.join(kdir, v + ".place"))
            steps, cpu = read_loop(os.path.join(kdir, v + ".loop"))
            info = read_info(os.path.join(kdir, v + ".info"))
            fig, share = figures(rows, steps, target, 0)
            series[v] = share
            md.append(f"| {VARIANTS[v]} | {fmt(fig.get('settle'), ' s')} | "
                      f"{fmt(fig.get('over'), ' pt')} | {fmt(fig.get('osc'), ' pt')} | "
                      f"{fmt(fig.get('share_end'), '%')} | {fmt(fig.get('hot_end'), '%')} | "
                      f"{fmt(fig.get('hot90'), ' s')} | {fmt(fig.get('mib_min'))} | "
                      f"{fmt(fig.get('mib_min_end'))} | "
                      f"{cpu.get('kdamond_s', '-')} | {cpu.get('loop_s', '-')} | "
                      f"{info.get('hint_faults', '-')} |")
            tsv.append("\t".join(str(x) for x in (
                kernel, v, fmt(fig.get("settle")), fmt(fig.get("over")), fmt(fig.get("osc")),
                fmt(fig.get("share_end")), fmt(fig.get("hot_end")), fmt(fig.get("hot90")),
                fmt(fig.get("mib_min")), fmt(fig.get("mib_min_end")), cpu.get("kdamond_s", "-"), cpu.get("loop_s", "-"),
                info.get("hint_faults", "-"))))
        md.append("")
        with open(os.path.join(out, f"{kernel}-share.dat"), "w") as f:
            f.write("# " + " ".join(f"t_{v} share_{v}" for v in runs) + "\n")
            n = max(len(s) for s in series.values())
            for i in range(n):
                cols = []
                for v in runs:
                    s = series[v]
                    cols += [f"{s[i][0]:.1f}", f"{s[i][1]:.2f}"] if i < len(s) else ["?", "?"]
                f.write(" ".join(cols) + "\n")
        with open(os.path.join(out, f"{kernel}-variants.txt"), "w") as f:
            f.write("\n".join(f"{v}\t{VARIANTS[v]}" for v in runs) + "\n")
    open(os.path.join(out, "results.md"), "w").write("\n".join(md) + "\n")
    open(os.path.join(out, "results.tsv"), "w").write("\n".join(tsv) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
