#!/usr/bin/env python3
"""Interleaved wall-time comparison of two Lox interpreters on a folder of programs.

    python3 tools/ratio.py [--rounds N] [--only fib,trees] BENCH_DIR BASE CAND

BASE and CAND are commands (quote one that has arguments), e.g. a clox binary and
target/release/gclox, or two gclox builds. For every BENCH_DIR/*.lox that BASE runs with exit
0, the two run alternately (BASE CAND, then CAND BASE, ...) for N rounds, so a change in the
machine's load hits both alike; the script prints each program's median wall times and
CAND/BASE, then the geometric mean of the ratios. Whole processes are timed: startup counts.

Outputs are compared too, ignoring what differs legitimately between Lox implementations: the
book's benchmarks end with a timing (the last line, and any line after "elapsed:"), and numbers
are compared at clox's `%g` precision (6 significant digits).

Exit status: 1 if CAND fails a program BASE runs, their outputs differ, or a ratio exceeds
--max-each or the geometric mean --max-geomean; 2 on a usage error; else 0.
"""

import argparse
import math
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time

TIMING_LABELS = ("elapsed:", "elapsed", "loop", "equals")


def timed(command, program):
    """(seconds, exit code, stdout) of one run."""
    began = time.perf_counter()
    proc = subprocess.run(
        shlex.split(command) + [program], capture_output=True, text=True, timeout=900
    )
    return time.perf_counter() - began, proc.returncode, proc.stdout


def comparable(stdout):
    """The output minus timings, numbers at 6 significant digits."""
    lines = stdout.splitlines()[:-1]  # every book benchmark prints its timing last
    kept = []
    for i, line in enumerate(lines):
        if i > 0 and lines[i - 1].strip() in TIMING_LABELS:
            continue
        try:
            kept.append("%.6g" % float(line))
        except ValueError:
            kept.append(line)
    return kept


def check_command(ap, command):
    program = shlex.split(command)[0] if command.strip() else ""
    if not program or os.path.isdir(program) or shutil.which(program) is None:
        ap.error(f"'{command}' is not a command that can run (an executable file or on PATH)")


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=3, help="runs of each (default 3)")
    ap.add_argument("--only", help="comma-separated program names (without .lox)")
    ap.add_argument("--max-geomean", type=float, help="fail above this geometric mean")
    ap.add_argument("--max-each", type=float, help="fail if any ratio is above this")
    ap.add_argument("bench_dir")
    ap.add_argument("base")
    ap.add_argument("cand")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    if not os.path.isdir(args.bench_dir):
        ap.error(f"{args.bench_dir} is not a directory of .lox programs")
    check_command(ap, args.base)
    check_command(ap, args.cand)
    names = sorted(f[:-4] for f in os.listdir(args.bench_dir) if f.endswith(".lox"))
    if args.only:
        wanted = set(args.only.split(","))
        names = [n for n in names if n in wanted]
    if not names:
        ap.error("no program to run")

    ratios, problems = {}, []
    for name in names:
        program = os.path.join(args.bench_dir, name + ".lox")
        times = {args.base: [], args.cand: []}
        usable = True
        for round_ in range(args.rounds):
            order = (args.base, args.cand) if round_ % 2 == 0 else (args.cand, args.base)
            outputs = {}
            for command in order:
                seconds, code, stdout = timed(command, program)
                if code != 0 and command == args.base:
                    usable = False
                    break
                if code != 0:
                    problems.append(f"{name}: candidate exit {code}")
                times[command].append(seconds)
                outputs[command] = stdout
            if not usable:
                break
            if comparable(outputs[args.base]) != comparable(outputs[args.cand]):
                problems.append(f"{name}: output differs")
        if not usable:
            print(f"{name:18s} skipped (the baseline fails it)")
            continue
        base, cand = statistics.median(times[args.base]), statistics.median(times[args.cand])
        ratios[name] = cand / base
        print(f"{name:18s} base {base * 1e3:8.0f} ms  cand {cand * 1e3:8.0f} ms  "
              f"ratio {ratios[name]:.2f}")
    if not ratios:
        print("no program ran on the baseline")
        return 1
    geomean = math.exp(statistics.fmean(math.log(r) for r in ratios.values()))
    worst = max(ratios, key=ratios.get)
    for problem in sorted(set(problems)):
        print("problem:", problem)
    print(f"geomean {geomean:.2f}x base over {len(ratios)} programs; "
          f"worst {worst} {ratios[worst]:.2f}x")
    failed = bool(problems)
    failed |= args.max_geomean is not None and geomean > args.max_geomean
    failed |= args.max_each is not None and ratios[worst] > args.max_each
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
