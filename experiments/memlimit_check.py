#!/usr/bin/env python3
"""What `--memlimit` does to a churn over a 200 000-node live list (about 21 MB accounted
live): peak resident memory against the limit, run time against the unlimited run, and the
collector's share of the time.

    python3 experiments/memlimit_check.py [--gclox target/release/gclox] [--rounds 3]

Runs unlimited, `--memlimit 40MiB` (above the live heap) and `--memlimit 16MiB` (below it)
interleaved, `--rounds` times each, and prints a markdown table of medians. Peak RSS is
`/usr/bin/time -f %M` (KiB; the limit is in MiB, so the ratio compares KiB with KiB).
"GC CPU" is `--stats`' figure (collector steps outside sweeping, Go's definition); "all
steps" is the summed pause time, sweeping included, over the wall time.
"""

import argparse
import os
import re
import statistics
import subprocess
import tempfile

from workload_params import with_params

HERE = os.path.dirname(os.path.abspath(__file__))


def one(gclox, program, limit):
    cmd = ["/usr/bin/time", "-f", "%e %M", gclox, "--stats"]
    if limit:
        cmd += ["--memlimit", f"{limit}MiB"]
    p = subprocess.run(cmd + [program], capture_output=True, text=True, check=True)
    lines = p.stderr.strip().splitlines()
    wall, rss = lines[-1].split()
    stats = "\n".join(lines)
    pause = float(re.search(r"([\d.]+) ms total pause", stats)[1]) / 1000
    gc_cpu = float(re.search(r"GC CPU ([\d.]+)%", stats)[1])
    cycles = int(re.search(r"(\d+) GC cycles", stats)[1])
    return float(wall), int(rss), gc_cpu, pause, cycles


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gclox", default=os.path.join(HERE, "..", "target", "release", "gclox"))
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    with tempfile.NamedTemporaryFile("w", suffix=".lox", delete=False) as f:
        text = open(os.path.join(HERE, "workloads", "steady_churn.lox")).read()
        f.write(with_params(text, LIVE=200000, CHURN=2000000))
        program = f.name
    limits = [None, 40, 16]
    results = {l: [] for l in limits}
    for _ in range(a.rounds):
        for l in limits:
            results[l].append(one(a.gclox, program, l))
    os.unlink(program)
    base = statistics.median(r[0] for r in results[None])
    print(f"{a.rounds} interleaved rounds, medians.\n")
    print("| --memlimit | wall s | × unlimited | peak RSS KiB | × limit | GC CPU (no sweep) | all steps / wall | cycles |")
    print("|---|---|---|---|---|---|---|---|")
    for l in limits:
        rs = results[l]
        wall = statistics.median(r[0] for r in rs)
        rss = statistics.median(r[1] for r in rs)
        gc = statistics.median(r[2] for r in rs)
        share = statistics.median(r[3] / r[0] for r in rs)
        cycles = statistics.median(r[4] for r in rs)
        ratio = f"{rss / (l * 1024):.3f}" if l else "–"
        print(
            f"| {f'{l} MiB' if l else 'none'} | {wall:.2f} | {wall / base:.2f} | {rss:.0f} | {ratio} "
            f"| {gc:.1f} % | {100 * share:.1f} % | {cycles:.0f} |"
        )


if __name__ == "__main__":
    main()
