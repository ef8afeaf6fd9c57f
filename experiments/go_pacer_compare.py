#!/usr/bin/env python3
"""Side by side with Go: heap goals, trigger points and cycle counts of gclox's go119 pacer
against Go's own pacer, on programs with the same live-heap shape.

    python3 experiments/go_pacer_compare.py [--gclox target/release/gclox] [--go go] [--procs 2]

Builds the Go twins in experiments/go-pacer/ (a steady churn over a fixed live list; binary
trees), runs each with GODEBUG=gctrace=1,gcpacertrace=1 and gclox's Lox programs with
--gctrace --gcpacertrace, at GOGC 50, 100, 200, 400 and with a memory limit, and compares
cycle by cycle after the first three. Both print Go 1.19's pacer end line,

    pacer: U% CPU (G exp.) for H+S+G B work (E B exp.) in T B -> L B (∆goal D, cons/mark C)

from which the trigger point is T (heap when the cycle was triggered) and the goal L − D.
Byte figures are each runtime's own: Go counts its size classes (a 104-byte node is 112),
gclox its exact object footprints (104), so the Go programs hold and allocate node counts
scaled by 104/112 where the shape allows (the churn); binary trees have a fixed shape, so
their Go byte figures are converted to gclox's node size (× 104/112) before comparing: both
then count the same nodes.

Prints a markdown table: per run the cycle counts, and over the cycles after the third the
median and largest relative difference of goal and trigger, and the share of cycles within
10 %. The last column runs the Go program a second time and compares Go with itself the same
way: the noise floor, below which no agreement with Go can be expected.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

from workload_params import with_params

HERE = os.path.dirname(os.path.abspath(__file__))
GO_DIR = os.path.join(HERE, "go-pacer")
WORKLOADS = os.path.join(HERE, "workloads")

END = re.compile(
    r"^pacer: -?\d+% CPU \(-?\d+ exp\.\) for \d+\+\d+\+\d+ B work \(\d+ B exp\.\) "
    r"in (\d+) B -> (\d+) B \(∆goal (-?\d+), cons/mark [^)]*\)"
)
GC = re.compile(r"^gc \d+ @")

# gclox's steady churn (steady_churn.lox at these sizes) and its Go twin's node counts.
LIVE, CHURN = 200_000, 2_000_000
GO_NODE, LOX_NODE = 112, 104


def cycles(text):
    """(trigger, goal) of every cycle, and the number of gc lines."""
    out = []
    for line in text.splitlines():
        m = END.match(line)
        if m:
            trigger, live, delta = int(m[1]), int(m[2]), int(m[3])
            out.append((trigger, live - delta))
    return out, sum(1 for l in text.splitlines() if GC.match(l))


def run(cmd, env=None):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-2000:]}")
    return p.stderr


def go_run(binary, args, gogc, limit, procs, scale=1.0):
    """Go's cycles; `scale` converts its byte figures to gclox's node size."""
    env = dict(os.environ, GODEBUG="gctrace=1,gcpacertrace=1", GOGC=str(gogc), GOMAXPROCS=str(procs))
    if limit:
        env["GOMEMLIMIT"] = f"{limit}MiB"
    found, n = cycles(run([binary, *args], env))
    return [(int(t * scale), int(g * scale)) for t, g in found], n


def gclox_run(gclox, program, gogc, limit):
    cmd = [gclox, "--gctrace", "--gcpacertrace", "--pacer", "go119", "--gogc", str(gogc)]
    if limit:
        cmd += ["--memlimit", f"{limit}MiB"]
    return cycles(run(cmd + [program]))


def rel(a, b):
    return abs(a - b) / max(b, 1)


def compare(reference, other):
    """Goal and trigger differences of `other` from `reference`, cycle by cycle from the 4th,
    and how many cycles are within 10 % on both."""
    pairs = list(zip(reference, other))[3:]
    goal = [rel(o[1], r[1]) for r, o in pairs]
    trig = [rel(o[0], r[0]) for r, o in pairs]
    within = sum(1 for x, y in zip(goal, trig) if x <= 0.10 and y <= 0.10)
    return goal, trig, within, pairs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gclox", default=os.path.join(HERE, "..", "target", "release", "gclox"))
    ap.add_argument("--go", default="go")
    ap.add_argument("--procs", type=int, default=2,
                    help="GOMAXPROCS for Go (gclox has one thread; Go's floating garbage depends on "
                         "how its mark workers share the cores)")
    a = ap.parse_args()
    version = subprocess.run([a.go, "version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        bins = {}
        for name in ["churn", "binary_trees"]:
            bins[name] = os.path.join(tmp, name)
            subprocess.run([a.go, "build", "-o", bins[name], "./" + name], cwd=GO_DIR, check=True)
        churn_lox = os.path.join(tmp, "steady_churn.lox")
        with open(churn_lox, "w") as f:
            text = open(os.path.join(WORKLOADS, "steady_churn.lox")).read()
            f.write(with_params(text, LIVE=LIVE, CHURN=CHURN))
        go_live, go_churn = LIVE * LOX_NODE // GO_NODE, CHURN * LOX_NODE // GO_NODE
        runs = [("churn", g, None) for g in (50, 100, 200, 400)]
        runs += [("churn", 100, 40), ("churn", 400, 40)]
        runs += [("binary_trees", g, None) for g in (50, 100, 200, 400)]
        print(f"Go: {version}, GOMAXPROCS={a.procs}; gclox: {a.gclox} --pacer go119. Cycles compared: the 4th onward,")
        print("paired by number. Difference: |gclox − Go| / Go.\n")
        print("| program | GOGC | GOMEMLIMIT | cycles Go | cycles gclox | goal: median diff | goal: max diff | trigger: median diff | trigger: max diff | cycles within 10 % (goal and trigger) | Go vs Go: cycles, within 10 % |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for name, gogc, limit in runs:
            if name == "churn":
                go_args, scale = [str(go_live), str(go_churn)], 1.0
                lox, lox_n = gclox_run(a.gclox, churn_lox, gogc, limit)
            else:
                go_args, scale = ["14"], LOX_NODE / GO_NODE
                lox, lox_n = gclox_run(a.gclox, os.path.join(WORKLOADS, "binary_trees.lox"), gogc, limit)
            go, go_n = go_run(bins[name], go_args, gogc, limit, a.procs, scale)
            again, again_n = go_run(bins[name], go_args, gogc, limit, a.procs, scale)
            goal, trig, within, pairs = compare(go, lox)
            _, _, within_go, pairs_go = compare(go, again)
            pct = lambda xs, f: f"{100 * f(xs):.1f} %" if xs else "n/a"
            print(
                f"| {name} | {gogc} | {f'{limit} MiB' if limit else 'none'} | {go_n} | {lox_n} "
                f"| {pct(goal, statistics.median)} | {pct(goal, max)} "
                f"| {pct(trig, statistics.median)} | {pct(trig, max)} "
                f"| {within}/{len(pairs)} | {go_n} and {again_n}, {within_go}/{len(pairs_go)} |"
            )


if __name__ == "__main__":
    main()
