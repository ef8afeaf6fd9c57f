#!/usr/bin/env python3
"""Soak run: a churn workload for minutes, with every side table switched on.

    python3 experiments/soak.py [--minutes M] [--gclox target/release/gclox] [--out DIR]

Runs tests/soak/churn_forever.lox (a fixed live set, everything else cyclic garbage, a fresh
interned string every iteration) until --timeout stops it, with the heap profile sampling,
the execution trace (bounded by --trace-max-events) and the memstats CSV monitor all on.
While it runs, the process's resident set (VmRSS) is read from /proc once a second. At the
end it reports:

- RSS: median over the second and the last quarter of the run, the maximum, and the slope
  of a least-squares line through the second half (KiB per minute) — flat means no leak. The
  first quarter is warm-up: the heap reaches its goal, the allocator its working set, the
  profile its sites;
- the live heap from the CSV (HeapAlloc): its floor (minimum) over the second and the last
  quarter — the heap is a sawtooth between what survived the last cycle and the goal, and the
  floor is what a leak would raise — with the maximum and the slope;
- the intern table's size at exit (`--stats`), against the strings the live set holds;
- the trace: events kept, and whether the file says it was cut at its bound;
- the heap profile's size on disk.

Exit status 1 if RSS or the live heap grew by more than 10 % between the second and last
quarter, or the trace holds more events than its bound.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

TRACE_MAX_EVENTS = 200_000


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        return None
    return None


def slope_per_minute(points):
    """Least-squares slope of (seconds, value) points, per minute."""
    if len(points) < 2:
        return 0.0
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


def summarize(name, unit, points, stat=statistics.median, stat_name="median"):
    n = len(points)
    q = max(1, n // 4)
    first = stat(v for _, v in points[q: 2 * q])
    last = stat(v for _, v in points[-q:])
    top = max(v for _, v in points)
    slope = slope_per_minute(points[n // 2:])
    print(f"{name}: {stat_name} of the second quarter {first:.0f} {unit}, of the last quarter {last:.0f} {unit}, "
          f"max {top:.0f} {unit}, second-half slope {slope:+.1f} {unit}/min ({n} samples)")
    return last / first if first else float("inf")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--gclox", default="target/release/gclox")
    ap.add_argument("--out", default="/tmp/gclox-soak")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    csv_path = os.path.join(args.out, "memstats.csv")
    trace_path = os.path.join(args.out, "trace.json")
    profile_path = os.path.join(args.out, "heap.pb.gz")
    argv = [
        args.gclox, "--timeout", f"{args.minutes * 60:g}s", "--stats",
        "--memstats-csv", csv_path, "--memstats-interval", "1s",
        "--trace", trace_path, "--trace-max-events", str(TRACE_MAX_EVENTS),
        "--memprofile", profile_path, "tests/soak/churn_forever.lox",
    ]
    print("$ " + " ".join(argv))
    began = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    rss = []
    while proc.poll() is None:
        value = rss_kib(proc.pid)
        if value is not None:
            rss.append((time.monotonic() - began, value))
        time.sleep(1)
    stderr = proc.stderr.read()
    print(f"exit {proc.returncode} after {time.monotonic() - began:.0f} s "
          f"(70 with 'Time limit exceeded.' is the expected end)")
    failed = False

    failed |= summarize("RSS", "KiB", rss) > 1.10

    with open(csv_path) as f:
        header = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    t_col = header.index(next(h for h in header if h.startswith("t")))
    heap_col = header.index(next(h for h in header if "heap" in h.lower() and "live" in h.lower()
                                 or h == "heap_alloc"))
    heap = [(float(r[t_col]), float(r[heap_col]) / 1024) for r in rows]
    # The heap is a sawtooth between what survived the last cycle and the goal; samples a
    # second apart land anywhere on it, so the floor (the minimum over a quarter) is what
    # tracks the surviving heap, which a leak would raise.
    failed |= summarize(f"live heap (CSV column {header[heap_col]})", "KiB", heap,
                        stat=min, stat_name="minimum") > 1.10

    interned = re.search(r"(\d+) interned strings", stderr)
    print(f"intern table at exit: {interned.group(1) if interned else '?'} strings "
          "(the live set holds ~1 024 item names plus the program's own names)")
    for line in stderr.splitlines():
        if line.startswith("gclox:"):
            print("  " + line)

    with open(trace_path) as f:
        trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    cut = [e for e in events if "truncat" in json.dumps(e).lower() or "dropped" in json.dumps(e).lower()]
    print(f"trace: {len(events)} events (bound {TRACE_MAX_EVENTS}), "
          f"{os.path.getsize(trace_path) / 2**20:.1f} MiB, "
          f"{'a note says it was cut' if cut else 'not cut'}")
    failed |= len(events) > TRACE_MAX_EVENTS + 100  # metadata and the note itself
    print(f"heap profile: {os.path.getsize(profile_path)} bytes")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
