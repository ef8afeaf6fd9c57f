#!/usr/bin/env python3
"""Minimum mutator utilization of gclox beside Go 1.19's own, on the same binary trees.

    python3 experiments/go_mmu.py [--gclox target/release/gclox] [--go go] [--rounds 3] [--depth 17]

Runs, interleaved round by round: gclox (default incremental collector, `--stats`) on
experiments/workloads/binary_trees_17.lox (or binary_trees.lox for --depth 14), and the Go twin
in experiments/go-pacer/binary_trees at GOMAXPROCS=1 and GOMAXPROCS=2 with Go's execution trace
on. Go's MMU is Go's own computation: `go tool trace` serves it (`/mmuDetails`, the worst
windows `internal/trace.MMUCurve` finds for a window length), asked with the flags
stw|background|assist|sweep — every kind of collector work Go's tracer records, as gclox's MMU
counts every collector step, mark and sweep alike. Without perProc, so with GOMAXPROCS=2 a window
where one P runs a mark worker and the other the program counts as 50 %.

Differences a reader must keep in mind (they are in RESULTS.md beside the table):
- Go's program runs ~10x faster than gclox's interpreter, so it allocates ~10x more bytes per
  millisecond of mutator time: the same collector would take a larger share of each window.
- Go's execution tracer slows Go's program down a little, which raises its MMU a little.
- GOGC=100 for both (gclox's default gogc is 100).

Prints one markdown table (median [min–max] over the rounds), for regenerate.py's `go-mmu`
section.
"""

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
GO_DIR = os.path.join(HERE, "go-pacer")
WORKLOADS = os.path.join(HERE, "workloads")
WINDOWS_MS = [1, 10, 100]
GO_FLAGS = "stw|background|assist|sweep"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def go_mmu(go, trace_file):
    """Go's MMU (fractions) at WINDOWS_MS, as `go tool trace` computes it for `trace_file`."""
    port = free_port()
    # BROWSER=true: `go tool trace` tries to open a browser; let it succeed doing nothing.
    env = dict(os.environ, BROWSER="true")
    server = subprocess.Popen(
        [go, "tool", "trace", f"-http=127.0.0.1:{port}", trace_file],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 120
        result = []
        for w in WINDOWS_MS:
            url = f"http://127.0.0.1:{port}/mmuDetails?window={w * 1_000_000}&flags={GO_FLAGS}"
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=300) as r:
                        worst = json.load(r)
                    break
                except OSError:
                    if time.time() > deadline or server.poll() is not None:
                        raise SystemExit(f"go tool trace did not answer for {trace_file}")
                    time.sleep(0.5)
            result.append(min(x["MutatorUtil"] for x in worst) if worst else None)
        return result
    finally:
        server.terminate()
        server.wait()


def run_go(binary, go, depth, procs, tmp):
    trace_file = os.path.join(tmp, f"go-{procs}.trace")
    env = dict(os.environ, GOGC="100", GOMAXPROCS=str(procs), GODEBUG="gctrace=1")
    env.pop("GOMEMLIMIT", None)
    start = time.perf_counter()
    p = subprocess.run([binary, str(depth), trace_file], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"Go binary_trees failed: {p.stderr[-500:]}")
    cycles = len(re.findall(r"^gc \d+ @", p.stderr, re.M))
    return {"s": seconds, "cycles": cycles, "mmu": go_mmu(go, trace_file)}


def run_gclox(gclox, depth):
    name = "binary_trees_17.lox" if depth == 17 else "binary_trees.lox"
    start = time.perf_counter()
    p = subprocess.run([gclox, "--stats", os.path.join(WORKLOADS, name)], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"gclox failed: {p.stderr[-500:]}")
    cycles = int(re.search(r"gclox: (\d+) GC cycles", p.stderr).group(1))
    line = re.search(r"gclox: MMU (.*)", p.stderr).group(1)
    mmu = []
    for w in WINDOWS_MS:
        m = re.search(rf"\b{w} ms ([\d.]+)%", line)
        mmu.append(float(m.group(1)) / 100 if m else None)
    return {"s": seconds, "cycles": cycles, "mmu": mmu}


def spread(values, fmt):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt(med)
    return f"{fmt(med)} [{fmt(min(values))}–{fmt(max(values))}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gclox", default=os.path.join(HERE, "..", "target", "release", "gclox"))
    ap.add_argument("--go", default="go")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--depth", type=int, choices=[14, 17], default=17)
    a = ap.parse_args()
    version = subprocess.run([a.go, "version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "binary_trees")
        subprocess.run([a.go, "build", "-o", binary, "./binary_trees"], cwd=GO_DIR, check=True)
        rows = {"gclox (incremental, one thread)": [], "Go, GOMAXPROCS=1": [], "Go, GOMAXPROCS=2": []}
        for r in range(a.rounds):
            rows["gclox (incremental, one thread)"].append(run_gclox(a.gclox, a.depth))
            rows["Go, GOMAXPROCS=1"].append(run_go(binary, a.go, a.depth, 1, tmp))
            rows["Go, GOMAXPROCS=2"].append(run_go(binary, a.go, a.depth, 2, tmp))
            print(f"round {r + 1}/{a.rounds} done", file=sys.stderr)
    print(f"### MMU on binary trees (maxDepth {a.depth}, GOGC=100): gclox beside {version}, "
          f"median [min–max] of {a.rounds} interleaved runs")
    print()
    print("| run | run s | GC cycles | " + " | ".join(f"MMU {w} ms" for w in WINDOWS_MS) + " |")
    print("|---|---|---|" + "---|" * len(WINDOWS_MS))
    for name, runs in rows.items():
        cells = [
            spread([x["s"] for x in runs], lambda v: f"{v:.2f}"),
            spread([x["cycles"] for x in runs], lambda v: f"{v:.0f}"),
        ]
        for i in range(len(WINDOWS_MS)):
            cells.append(spread([x["mmu"][i] for x in runs], lambda v: f"{v * 100:.1f} %"))
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    print(f"Go's MMU: `go tool trace`'s own (`/mmuDetails`, flags {GO_FLAGS.replace('|', ', ')}; "
          "not per-P). gclox's: `gclox --stats`, every collector step.")


if __name__ == "__main__":
    main()
