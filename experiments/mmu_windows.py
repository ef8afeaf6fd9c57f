#!/usr/bin/env python3
"""Where a run's minimum mutator utilization comes from: the worst windows of a trace, which
cycle and phase they fall in, and what the pacer asked of them.

    cargo run --release -p gclox-experiments --bin step_trace -- binary_trees_17.lox t.json
    python3 experiments/mmu_windows.py t.json [--window-ms 10] [--worst 12] [--cycles]

Reads the Chrome trace JSON gclox writes (`step_trace`, or `gclox --trace`, whose writer
thread can stall steps). Prints MMU at 1/10/100 ms twice: from the recorded wall times, and
from a *work model* that load on a shared machine cannot move: every mutator slice costs its
instructions times the run's median ns per instruction, every collector step a fixed cost
plus its work units times the median ns per unit of its kind (mark, mark termination,
sweep), both fitted on the run itself; gaps between events keep their length up to 5 µs.
Then the worst windows (by the work model), each with its cycle, the heap against the
cycle's goal, and the work by phase; `--cycles` adds one line per cycle.
"""

import argparse
import bisect
import json
import statistics

STEP_KINDS = ("mark", "mark termination", "sweep", "full collection")


def load(path):
    events, cycles = [], {}
    for line in open(path):
        if '"ph":"X"' not in line:
            continue
        e = json.loads(line.rstrip().rstrip(","))
        name, a = e["name"], e["args"]
        if e["cat"] == "gc.cycle":
            cycles[int(name.split()[1])] = a
        elif name == "mutator":
            events.append((e["ts"], e["dur"], "mutator", 0, 0, a["instructions"]))
        elif name in STEP_KINDS:
            events.append((e["ts"], e["dur"], name, int(a["cycle"]), a["heap_live"], a["work"]))
    events.sort()
    return events, cycles


def fit(events):
    """Median cost per instruction; per step kind, a fixed cost and a cost per work unit."""
    per_instr = statistics.median(d / n for _, d, k, _, _, n in events if k == "mutator" and n >= 256)
    costs = {}
    for kind in STEP_KINDS:
        steps = [(w, d) for _, d, k, _, _, w in events if k == kind]
        if not steps:
            continue
        small = [d for w, d in steps if w <= 64] or [min(d for _, d in steps)]
        fixed = statistics.median(small)
        big = [(d - fixed) / w for w, d in steps if w >= 128]
        costs[kind] = (fixed, statistics.median(big) if big else 0.0)
    return per_instr, costs


def timeline(events, model):
    """Collector spans (start, end, event) in µs, wall or modelled."""
    if not model:
        return [(t, t + d, e) for e in events for t, d in [(e[0], e[1])] if e[2] != "mutator"]
    per_instr, costs = model
    spans, now, prev_end = [], 0.0, 0.0
    for e in events:
        t, d, kind, _, _, n = e
        now += min(max(t - prev_end, 0.0), 5.0)
        prev_end = t + d
        if kind == "mutator":
            now += n * per_instr
        else:
            fixed, unit = costs[kind]
            cost = fixed + n * unit
            spans.append((now, now + cost, e))
            now += cost
    return spans


class Busy:
    def __init__(self, spans):
        self.spans = spans
        self.starts = [s[0] for s in spans]
        self.ends = [s[1] for s in spans]
        self.pref = [0.0]
        for s in spans:
            self.pref.append(self.pref[-1] + s[1] - s[0])

    def at(self, t0, t1):
        i = bisect.bisect_right(self.ends, t0)
        j = bisect.bisect_left(self.starts, t1)
        if j <= i:
            return 0.0, i, j
        b = self.pref[j] - self.pref[i]
        b -= max(0.0, t0 - self.spans[i][0]) + max(0.0, self.spans[j - 1][1] - t1)
        return b, i, j

    def windows(self, w, run):
        """(collector share, start, i, j) of every candidate window (exact: see mmu.rs)."""
        out = []
        for s in self.spans:
            for t0 in (s[0], s[1] - w):
                t0 = min(max(t0, 0.0), max(run - w, 0.0))
                b, i, j = self.at(t0, t0 + w)
                out.append((b / w, t0, i, j))
        return out


def mmu(busy, run, w):
    if w > run:
        return None
    return 1.0 - max((x[0] for x in busy.windows(w, run)), default=0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace")
    ap.add_argument("--window-ms", type=float, default=10.0)
    ap.add_argument("--worst", type=int, default=12)
    ap.add_argument("--cycles", action="store_true")
    a = ap.parse_args()
    events, cycles = load(a.trace)
    model = fit(events)
    per_instr, costs = model
    print(f"model: {per_instr * 1000:.2f} ns/instruction; " + ", ".join(
        f"{k} {f:.2f} µs + {u * 1000:.1f} ns/unit" for k, (f, u) in costs.items()))
    for name, m in (("wall", None), ("work model", model)):
        spans = timeline(events, m)
        run = spans[-1][1] if m else max(e[0] + e[1] for e in events)
        busy = Busy(spans)
        vals = [mmu(busy, run, w * 1000.0) for w in (1, 10, 100)]
        share = busy.pref[-1] / run
        print(f"{name}: run {run / 1e6:.2f} s, collector {share * 100:.1f} %, MMU 1/10/100 ms " +
              " / ".join("n/a" if v is None else f"{v * 100:.1f} %" for v in vals))
    w = a.window_ms * 1000.0
    print(f"\nworst {a.window_ms:g} ms windows (work model):")
    seen = []
    for share, t0, i, j in sorted(busy.windows(w, run), reverse=True):
        if any(abs(t0 - s) < w for s in seen):
            continue
        seen.append(t0)
        inside = [s[2] for s in busy.spans[i:j]]
        by = {}
        for e in inside:
            k = by.setdefault(e[2], [0, 0])
            k[0] += 1
            k[1] += e[5]
        n = inside[0][3]
        c = cycles.get(n, {})
        goal = c.get("goal", 0) / 1e6
        print(f"{share * 100:5.1f} % at {t0 / 1000:8.1f} ms: cycle {n} (of {len(cycles)}), heap "
              f"{inside[0][4] / 1e6:.1f}->{inside[-1][4] / 1e6:.1f} MB, goal {goal:.1f}, cycle start "
              f"{c.get('heap_start', 0) / 1e6:.1f}; " +
              ", ".join(f"{k} {v[0]} steps {v[1]} units ({v[1] / v[0]:.0f}/step)" for k, v in by.items()))
        if len(seen) >= a.worst:
            break
    if a.cycles:
        print("\n| cycle | start MB | goal MB | mark end MB | mark end / goal | mark steps | full-budget % | sweep steps |")
        print("|---|---|---|---|---|---|---|---|")
        per = {}
        for e in events:
            if e[2] != "mutator":
                per.setdefault(e[3], []).append(e)
        for n in sorted(cycles):
            c, steps = cycles[n], per.get(n, [])
            mark = [e for e in steps if e[2] != "sweep"]
            full = sum(1 for e in mark if e[5] >= 1024)
            print(f"| {n} | {c['heap_start'] / 1e6:.1f} | {c['goal'] / 1e6:.1f} | {c['heap_mark_end'] / 1e6:.1f} | "
                  f"{c['heap_mark_end'] / max(c['goal'], 1):.3f} | {len(mark)} | {100 * full / max(len(mark), 1):.0f} | {len(steps) - len(mark)} |")


if __name__ == "__main__":
    main()
