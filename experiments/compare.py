#!/usr/bin/env python3
"""Compare gclox with other Lox interpreters on the same programs.

    python3 experiments/compare.py [--rounds N] [--programs DIR] GCLOX OTHER [OTHER ...]
    python3 experiments/compare.py [--rounds N] DIR GCLOX OTHER [OTHER ...]

(The second form, the programs' directory first, is the same as --programs DIR.)

Each interpreter is a command (quote it if it has arguments). For every .lox program in
--programs (default: experiments/workloads), the interpreters run one after another, round
after round (interleaved: A B A B ...), and the script prints, per program, the median wall
time, the median peak RSS (from the kernel's rusage of each child), the ratio to gclox, and
gclox's own pause figures (p99 and max step pause, from `--stats`). Programs whose output
differs between interpreters are flagged; programs an interpreter fails are marked.
"""
import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PAUSES = re.compile(r"pause p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms")


def run_measured(cmd, program, extra=()):
    """Runs one interpreter on one program; returns (seconds, peak RSS KiB, rc, stdout, stderr).

    Peak RSS comes from GNU time (`/usr/bin/time -f %M`): the kernel counts a process's peak
    RSS from before its exec, so measuring from this Python process (15 MB) would swamp small
    interpreters. Without GNU time the RSS is reported as -1 (unknown).
    """
    argv = shlex.split(cmd) + list(extra) + [program]
    with tempfile.NamedTemporaryFile() as rss:
        if os.path.exists("/usr/bin/time"):
            argv = ["/usr/bin/time", "-f", "%M", "-o", rss.name] + argv
        began = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, timeout=900)
        seconds = time.perf_counter() - began
        text = open(rss.name).read().strip().splitlines()
        kib = int(text[-1]) if text and text[-1].isdigit() else -1
    return seconds, kib, proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")


def comparable(text):
    """Output lines, numbers compared at clox's `%g` precision (6 significant digits: gclox
    prints numbers exactly, clox with `%g`), minus lines that look like timings (the book's
    benchmarks print elapsed seconds, which always differ)."""
    keep = []
    for line in text.splitlines():
        try:
            value = float(line)
        except ValueError:
            keep.append(line)
            continue
        if "." in line and "e" not in line and abs(value) < 1e6:
            continue  # a timing
        keep.append("%.6g" % value)
    return keep


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--programs", default=os.path.join(os.path.dirname(__file__), "workloads"))
    ap.add_argument("gclox")
    ap.add_argument("others", nargs="+")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    if os.path.isdir(args.gclox):
        # The directory-first form: DIR GCLOX OTHER...
        if len(args.others) < 2:
            ap.error("after the programs' directory, give gclox and at least one other interpreter")
        args.programs, args.gclox, args.others = args.gclox, args.others[0], args.others[1:]
    for command in [args.gclox] + args.others:
        program = shlex.split(command)[0] if command.strip() else ""
        if not program or os.path.isdir(program) or shutil.which(program) is None:
            ap.error(f"'{command}' is not an interpreter that can run (an executable file or on PATH)")
    programs = sorted(
        os.path.join(args.programs, f) for f in os.listdir(args.programs) if f.endswith(".lox")
    )
    if not programs:
        ap.error(f"no .lox programs in {args.programs}")
    interpreters = [args.gclox] + args.others
    names = [os.path.basename(shlex.split(c)[0]) for c in interpreters]
    print(f"# gclox vs {', '.join(names[1:])}: {args.rounds} interleaved rounds, medians")
    print()
    header = "| program | " + " | ".join(f"{n} s | {n} MiB" for n in names)
    header += " | " + " | ".join(f"{n}/gclox time | {n}/gclox RSS" for n in names[1:])
    header += " | gclox p99 ms | gclox max ms | notes |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for program in programs:
        display = os.path.basename(program)
        times = {i: [] for i in range(len(interpreters))}
        rss = {i: [] for i in range(len(interpreters))}
        outputs, notes, pauses = {}, [], []
        failed = set()
        for _ in range(args.rounds):
            for i, cmd in enumerate(interpreters):
                if i in failed:
                    continue
                extra = ("--stats",) if i == 0 else ()
                seconds, kib, rc, out, err = run_measured(cmd, program, extra)
                if rc != 0:
                    failed.add(i)
                    notes.append(f"{names[i]} exit {rc}")
                    continue
                times[i].append(seconds)
                rss[i].append(kib / 1024)
                outputs[i] = comparable(out)
                if i == 0:
                    m = PAUSES.search(err)
                    if m:
                        pauses.append((float(m.group(2)), float(m.group(3))))
        if 0 in outputs and any(outputs.get(i) not in (None, outputs[0]) for i in outputs):
            notes.append("outputs differ")
        med = {i: statistics.median(v) if v else None for i, v in times.items()}
        mem = {i: statistics.median(v) if v else None for i, v in rss.items()}

        def cell(x, fmt):
            return fmt.format(x) if x is not None else "—"

        row = f"| {display} | "
        row += " | ".join(f"{cell(med[i], '{:.3f}')} | {cell(mem[i], '{:.1f}')}" for i in range(len(interpreters)))
        for i in range(1, len(interpreters)):
            t = med[i] / med[0] if med[i] and med[0] else None
            r = mem[i] / mem[0] if mem[i] and mem[0] else None
            row += f" | {cell(t, '{:.2f}')} | {cell(r, '{:.2f}')}"
        p99 = statistics.median(p for p, _ in pauses) if pauses else None
        pmax = max(m for _, m in pauses) if pauses else None
        row += f" | {cell(p99, '{:.3f}')} | {cell(pmax, '{:.3f}')} | {'; '.join(sorted(set(notes)))} |"
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
