#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""analyze.py OUTDIR TARGET_PCT [MOVING_TARGET_PCT] -- the tiering benchmark's figures (bench/tiering/README.md).

Reads what bench/tiering/guest.sh wrote: OUTDIR/KERNEL/VARIANT.{place,loop,info} (workload
"single"), OUTDIR/KERNEL/moving/VARIANT.{place,place2,loop,info} (the hot set that moves) and
OUTDIR/KERNEL/three/arbiter.{numa,info} (three guests under vtierd's arbiter). Writes
OUTDIR/results.md (markdown tables per kernel), OUTDIR/results.tsv (one row per single-workload
run, for the CI suite's checks; its first 13 columns never move) and, for gnuplot,
OUTDIR/KERNEL-share.dat (share over time, one column pair per variant) with
OUTDIR/KERNEL-share-variants.txt, OUTDIR/KERNEL-moving.dat with OUTDIR/KERNEL-moving-variants.txt (the
moved hot set's fraction in fast memory) and OUTDIR/KERNEL-three.dat (each guest's fast MiB)."""
import os
import sys

VARIANTS = {
    "none": "(1) no tiering",
    "numa": "(2) NUMA-balancing tiering (numa_balancing=2, demotion on)",
    "mtier": "(3) DAMON's tiering recipe as documented (mtier.c / damo mem_tier.sh)",
    "mtier-fixed": "(3') the same recipe, starvation avoided (apply_interval_us 0)",
    "confa": "(4) the seed's Configuration A: hot-split, kernel goals (vtierd)",
    "static": "vtier ratio today: static 32 MiB/s caps, hot PULL + cold PUSH (no loop)",
    "kernel": "(5) vtier ratio, tuner=kernel (user_input goal, DAMON's tuner)",
    "vtierdk": "(5') vtier ratio, tuner=kernel inside vtierd (user_input fed by vtierd)",
    "vtier": "(6) vtier ratio, the controller",
    "vtierd": "(6') vtier ratio, the controller inside vtierd",
    "hotsplit": "(7) vtier hot-split in vtierd, tuner=vtier (the controller on the pair's hot split)",
}
# the kernel's own tiering: what vtier is compared with ("the best kernel variant")
KERNEL_VARIANTS = ("numa", "mtier", "mtier-fixed", "confa")


def read_rows(path, width):
    rows = []
    if not os.path.exists(path):
        return rows
    for line in open(path):
        f = line.split()
        if len(f) != width:
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
                          float(kv.get("applied_down", 0)), float(kv.get("fast", "nan"))))
        elif f[0] == "cpu":
            cpu = dict(x.split("=", 1) for x in f[1:] if "=" in x)
    return steps, cpu


def read_info(path):
    info = {}
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.strip().partition(" ")
            info.setdefault(k, v)
    return info


def interp(rows, t, col):
    if t <= rows[0][0]:
        return rows[0][col]
    for a, b in zip(rows, rows[1:]):
        if a[0] <= t <= b[0]:
            return a[col] + (b[col] - a[col]) * (t - a[0]) / ((b[0] - a[0]) or 1.0)
    return rows[-1][col]


def align(rows, steps):
    """Steps on the placement's clock. The loop's clock starts when the program does, the
    placement's after the loop's first apply: the offset is the one that best matches the
    loop's measured fast MiB to the placement's (all@0)."""
    pts = [(t, fast) for t, _, _, fast in steps if fast == fast]
    if len(pts) < 5 or not rows:
        return steps, 0.0
    best = None
    for i in range(0, 201):
        d = i * 0.1
        m = [abs(fast - interp(rows, t - d, 3)) for t, fast in pts
             if rows[0][0] <= t - d <= rows[-1][0]]
        if len(m) >= 5:
            cost = sum(m) / len(m)
            if best is None or cost < best[0] - 1e-9:
                best = (cost, d)
    d = best[1] if best else 0.0
    return [(t - d, u, dn, fast) for t, u, dn, fast in steps], d


def moved_between(rows, steps, t_from, t_to=None):
    """MiB migrated in (t_from, t_to]: the loop's sz_applied, or the placement's changes. A step
    or sample interval that ends at t_from is before it: the move into the band at the settling
    sample is the approach, not what a settled guest costs."""
    if steps:
        return sum(u + d for t, u, d, _ in steps if t > t_from and (t_to is None or t <= t_to))
    return sum(abs(b[3] - a[3]) for a, b in zip(rows, rows[1:])
               if a[0] >= t_from and (t_to is None or b[0] <= t_to))


def figures(rows, steps, target):
    steps, offset = align(rows, steps)
    share = [(t, 100.0 * a0 / (a0 + a1) if a0 + a1 else 0.0, h0, h0 + h1)
             for t, h0, h1, a0, a1 in rows]
    fig = {"samples": len(share), "offset": offset}
    if not share:
        return fig, share
    fig["length"] = share[-1][0]
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
    held = None  # from when the hot set stays >= 90% fast to the end
    for t, _, h0, hot in reversed(share):
        if not hot or h0 < 0.9 * hot:
            break
        held = t
    fig["hot90_held"] = held
    if settle is not None:
        span = max(share[-1][0] - settle, 1.0) / 60.0
        fig["mib_min"] = moved_between(rows, steps, settle) / span
    # the last 30 s: what a settled guest costs
    fig["mib_min_end"] = moved_between(rows, steps, share[-1][0] - 30) / 0.5
    return fig, share


def fmt(v, unit="", nd=1):
    if v is None:
        return "never" if unit == " s" else "-"
    return f"{v:.{nd}f}{unit}"


def never(length):
    return f"never (>{length:.0f} s)" if length is not None else "no kernel variant ran"


def fmt_time(v, length):
    return never(length) if v is None else f"{v:.1f} s"


def best_kernel(figs, key):
    """(variant, seconds) of the kernel variant that got there first, or (None, longest run)."""
    got = [(f[key], v) for v, f in figs.items() if v in KERNEL_VARIANTS and f.get(key) is not None]
    if got:
        t, v = min(got)
        return v, t
    runs = [f.get("length") for v, f in figs.items() if v in KERNEL_VARIANTS and f.get("length")]
    return None, (max(runs) if runs else None)


def ratio(v, best):
    """The row's time over the best kernel variant's, or why there is no ratio."""
    bv, bt = best
    if bv is None:
        return "kernel: " + never(bt) if bt is not None else "no kernel variant ran"
    if v is None:
        return "-"
    return f"{v / bt:.2f}× ({bv} {bt:.1f} s)"


def single_table(kernel, kdir, target, md, tsv, out):
    runs = [v for v in VARIANTS if os.path.exists(os.path.join(kdir, v + ".place"))]
    if not runs:
        return
    info0 = read_info(os.path.join(kdir, runs[0] + ".info"))
    figs, series, cpus, infos = {}, {}, {}, {}
    for v in runs:
        rows = read_rows(os.path.join(kdir, v + ".place"), 5)
        steps, cpus[v] = read_loop(os.path.join(kdir, v + ".loop"))
        infos[v] = read_info(os.path.join(kdir, v + ".info"))
        figs[v], series[v] = figures(rows, steps, target)
    b90, bsettle = best_kernel(figs, "hot90"), best_kernel(figs, "settle")
    # a variant that crossed 90% and lost it again did not keep the hot set fast: the time from
    # which it stays there to the end has its own best kernel variant
    bheld = best_kernel(figs, "hot90_held")
    md.append(f"### {info0.get('kernel', kernel)}: 512 MiB workload (128 MiB hot) on the "
              f"slow node, target {target:g}%\n")
    md.append("| variant | settle ±2 pt | settle × best kernel | overshoot | oscillation after | "
              "share at end | hot set in fast at end | hot ≥ 90% fast | hot ≥ 90% × best kernel "
              "| hot ≥ 90% to the end from | to the end × best kernel | MiB/min after settling | MiB/min, last 30 s | "
              "kdamond CPU s | loop CPU s | hint faults |")
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for v in runs:
        fig, cpu, info = figs[v], cpus[v], infos[v]
        length = fig.get("length")
        if not fig.get("samples"):
            md.append(f"| {VARIANTS[v]} | no samples (exit {info.get('exit', '?')}) |" + " |" * 14)
            continue
        md.append(f"| {VARIANTS[v]} | {fmt_time(fig.get('settle'), length)} | "
                  f"{ratio(fig.get('settle'), bsettle)} | "
                  f"{fmt(fig.get('over'), ' pt')} | {fmt(fig.get('osc'), ' pt')} | "
                  f"{fmt(fig.get('share_end'), '%')} | {fmt(fig.get('hot_end'), '%')} | "
                  f"{fmt_time(fig.get('hot90'), length)} | {ratio(fig.get('hot90'), b90)} | "
                  f"{fmt_time(fig.get('hot90_held'), length)} | {ratio(fig.get('hot90_held'), bheld)} | "
                  f"{fmt(fig.get('mib_min'))} | {fmt(fig.get('mib_min_end'))} | "
                  f"{cpu.get('kdamond_s', '-')} | {cpu.get('loop_s', '-')} | "
                  f"{info.get('hint_faults', '-')} |")
        tsv.append("\t".join(str(x) for x in (
            kernel, v, fmt(fig.get("settle")), fmt(fig.get("over")), fmt(fig.get("osc")),
            fmt(fig.get("share_end")), fmt(fig.get("hot_end")), fmt(fig.get("hot90")),
            fmt(fig.get("mib_min")), fmt(fig.get("mib_min_end")), cpu.get("kdamond_s", "-"),
            cpu.get("loop_s", "-"), info.get("hint_faults", "-"),
            ratio(fig.get("hot90"), b90), ratio(fig.get("settle"), bsettle),
            fmt(fig.get("hot90_held")), ratio(fig.get("hot90_held"), bheld))))
    md.append("")
    md.append(f"Best kernel variant ({', '.join(KERNEL_VARIANTS)}) in this run: hot set ≥ 90% "
              f"fast: {b90[0] + ' ' + fmt(b90[1], ' s') if b90[0] else never(b90[1])}; settled "
              f"±2 points: {bsettle[0] + ' ' + fmt(bsettle[1], ' s') if bsettle[0] else never(bsettle[1])}; "
              f"hot set ≥ 90% fast to the end: {bheld[0] + ' ' + fmt(bheld[1], ' s') if bheld[0] else never(bheld[1])}."
              " Where no kernel variant got there, no ratio is given.\n")
    write_dat(os.path.join(out, f"{kernel}-share.dat"), {v: [(t, s) for t, s, _, _ in series[v]]
                                                         for v in runs if series[v]})
    with open(os.path.join(out, f"{kernel}-share-variants.txt"), "w") as f:
        f.write("".join(f"{v}\t{VARIANTS[v]}\n" for v in runs if series[v]))


def write_dat(path, series):
    with open(path, "w") as f:
        f.write("# " + " ".join(f"t_{v} y_{v}" for v in series) + "\n")
        n = max((len(s) for s in series.values()), default=0)
        for i in range(n):
            cols = []
            for s in series.values():
                cols += [f"{s[i][0]:.1f}", f"{s[i][1]:.2f}"] if i < len(s) else ["?", "?"]
            f.write(" ".join(cols) + "\n")


def at(rows, t):
    """The last sample at or before t (the first one if none)."""
    before = [r for r in rows if r[0] <= t]
    return before[-1] if before else rows[0]


def pct(h0, h1):
    return 100.0 * h0 / (h0 + h1) if h0 + h1 else 0.0


def moving_table(kernel, mdir, target, md, out):
    runs = [v for v in VARIANTS if os.path.exists(os.path.join(mdir, v + ".place2"))]
    if not runs:
        return
    figs, series, lines = {}, {}, []
    for v in runs:
        old = read_rows(os.path.join(mdir, v + ".place"), 5)
        new = read_rows(os.path.join(mdir, v + ".place2"), 5)
        steps, _ = read_loop(os.path.join(mdir, v + ".loop"))
        steps, _ = align(old, steps)
        info = read_info(os.path.join(mdir, v + ".info"))
        move = float(info["move_at"]) if "move_at" in info else None
        if not old or not new or move is None:
            lines.append(f"| {VARIANTS[v]} | no move or no samples (exit {info.get('exit', '?')}) |"
                         + " |" * 9)
            continue
        series[v] = [(t, pct(h0, h1)) for t, h0, h1, _, _ in new]
        o_at, n_at, o_end, n_end = at(old, move), at(new, move), old[-1], new[-1]
        after = [(t - move, h0, h1) for t, h0, h1, _, _ in new if t >= move]
        t90 = next((t for t, h0, h1 in after if h0 + h1 and h0 >= 0.9 * (h0 + h1)), None)
        length = new[-1][0] - move
        figs[v] = {"hot90": t90, "length": length}
        mib = moved_between(old, steps, move)
        lines.append((v, f"{move:.1f} s", f"{pct(o_at[1], o_at[2]):.1f}%",
                      f"{pct(n_at[1], n_at[2]):.1f}%", fmt_time(t90, length),
                      f"{pct(n_end[1], n_end[2]):.1f}%", f"{pct(o_end[1], o_end[2]):.1f}%",
                      f"{pct(o_end[3], o_end[4]):.1f}%", f"{mib / max(length, 1.0) * 60:.1f}"))
    b90 = best_kernel(figs, "hot90")
    md.append(f"### {kernel}: the hot set moves halfway (128 MiB hot → the last 128 MiB of 512), "
              f"share target {target:g}%\n")
    md.append("| variant | moved at | old hot set fast at the move | new hot set fast at the move "
              "| new hot ≥ 90% fast, after the move | × best kernel | new hot set fast at end | "
              "old hot set fast at end | share at end | MiB/min after the move |")
    md.append("|---|---|---|---|---|---|---|---|---|---|")
    for line in lines:
        if isinstance(line, str):
            md.append(line)
            continue
        v = line[0]
        md.append("| " + " | ".join((VARIANTS[v],) + line[1:5] +
                                    (ratio(figs[v]["hot90"], b90),) + line[5:]) + " |")
    md.append("")
    md.append(f"Best kernel variant after the move: "
              f"{b90[0] + ' ' + fmt(b90[1], ' s') if b90[0] else never(b90[1])}.\n")
    if series:
        write_dat(os.path.join(out, f"{kernel}-moving.dat"), series)
        with open(os.path.join(out, f"{kernel}-moving-variants.txt"), "w") as f:
            f.write("".join(f"{v}\t{VARIANTS[v]}\n" for v in series))


def grants(capacity, guests):
    """vtier's arbiter (docs/controller.md): priority first, then in proportion to the targets."""
    left, out = capacity, {}
    for prio in sorted({g["prio"] for g in guests.values()}, reverse=True):
        level = {n: g["want"] for n, g in guests.items() if g["prio"] == prio}
        want = sum(level.values())
        for n, w in level.items():
            out[n] = w if want <= left else left * w / want
        left -= min(want, left)
    return out


def three_table(kernel, tdir, md, out):
    rows = read_rows(os.path.join(tdir, "arbiter.numa"), 7)
    info = {}
    guests = {}
    path = os.path.join(tdir, "arbiter.info")
    if not os.path.exists(path):
        return
    for line in open(path):
        f = line.split()
        if f and f[0] == "guest":
            guests[f[1]] = {"ratio": float(f[3]), "prio": int(f[5])}
        elif f and f[0] == "fast_mib":
            info = dict(zip(f[::2], f[1::2]))
    md.append(f"### {kernel}: three guests share a fast node that cannot hold them "
              f"(vtierd's arbiter)\n")
    if not rows or sorted(guests) != ["w1", "w2", "w3"] or "fast_mib" not in info:
        md.append("No samples (see three/arbiter.output and arbiter.log).\n")
        return
    cap = float(info["fast_mib"])
    names = ["w1", "w2", "w3"]
    for i, n in enumerate(names):
        mem = rows[-1][1 + 2 * i] + rows[-1][2 + 2 * i]
        guests[n]["mem"] = mem
        guests[n]["want"] = mem * guests[n]["ratio"] / 100.0
    g = grants(cap, guests)
    total = [sum(r[1 + 2 * i] for i in range(3)) for r in rows]
    over = max(0.0, max(total) - cap)
    md.append(f"Fast memory for the guests: {cap:.0f} MiB (node0 less `[host] fast_reserve`); "
              f"they want {sum(x['want'] for x in guests.values()):.1f} MiB. Highest sum of "
              f"their fast memory: {max(total):.1f} MiB (over the capacity by {over:.1f} MiB), "
              f"{total[-1]:.1f} MiB at the end ({rows[-1][0]:.0f} s).\n")
    md.append("| guest | priority | target | wants | arbiter's grant | fast at end | "
              "end − grant | within ±2 pt of its grant from |")
    md.append("|---|---|---|---|---|---|---|---|")
    for i, n in enumerate(names):
        x = guests[n]
        tol = max(0.02 * x["mem"], 2.0)
        fast = [(r[0], r[1 + 2 * i]) for r in rows]
        settle = None
        for j in range(len(fast)):
            if all(abs(f - g[n]) <= tol for _, f in fast[j:]):
                settle = fast[j][0]
                break
        md.append(f"| {n} | {x['prio']} | {x['ratio']:g}% | {x['want']:.1f} MiB | "
                  f"{g[n]:.1f} MiB | {fast[-1][1]:.1f} MiB | {fast[-1][1] - g[n]:+.1f} MiB | "
                  f"{fmt_time(settle, rows[-1][0])} |")
    md.append("")
    write_dat(os.path.join(out, f"{kernel}-three.dat"),
              {**{n: [(r[0], r[1 + 2 * i]) for r in rows] for i, n in enumerate(names)},
               "sum": [(r[0], t) for r, t in zip(rows, total)]})
    with open(os.path.join(out, f"{kernel}-three-variants.txt"), "w") as f:
        f.write("".join(f"{n}\t{n} (priority {guests[n]['prio']}, {guests[n]['ratio']:g}%, "
                        f"grant {g[n]:.0f} MiB)\n" for n in names))
        f.write("sum\tthe three together\n")


def main():
    out, target = sys.argv[1], float(sys.argv[2])
    moving_target = float(sys.argv[3]) if len(sys.argv) > 3 else 25.0
    md = []
    tsv = ["kernel\tvariant\tsettle_s\tover_pt\tosc_pt\tshare_end\thot_end\thot90_s\t"
           "mib_min\tmib_min_end\tkdamond_s\tloop_s\thint_faults\thot90_vs_kernel\t"
           "settle_vs_kernel\thot90_held_s\thot90_held_vs_kernel"]
    for kernel in sorted(d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d))):
        kdir = os.path.join(out, kernel)
        single_table(kernel, kdir, target, md, tsv, out)
        moving_table(kernel, os.path.join(kdir, "moving"), moving_target, md, out)
        three_table(kernel, os.path.join(kdir, "three"), md, out)
    open(os.path.join(out, "results.md"), "w").write("\n".join(md) + "\n")
    open(os.path.join(out, "results.tsv"), "w").write("\n".join(tsv) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
