#!/usr/bin/env python3
"""What a gclox trace file holds: events by phase, row and name (GC N folded), plus sanity checks
a viewer would trip on (missing fields, unsorted timestamps per row, overlapping X slices on a row,
negative durations), and the gctrace cycle count if a gctrace file is given."""
import json, sys, re, collections
path = sys.argv[1]
doc = json.load(open(path))
ev = doc["traceEvents"]
by = collections.Counter()
names = {}
problems = []
last_end = {}
last_ts = {}
for i, e in enumerate(ev):
    for k in ("name", "ph", "ts", "pid", "tid"):
        if k not in e:
            problems.append(f"event {i} lacks {k}")
    if e["ph"] == "M":
        names[(e["name"], e["tid"])] = e["args"]
        continue
    by[(e["ph"], e["tid"], re.sub(r"^GC \d+$", "GC N", e["name"]))] += 1
    if e["ph"] == "X":
        if e["dur"] < 0:
            problems.append(f"event {i} negative dur")
        end = e["ts"] + e["dur"]
        if e["tid"] != 3 and e["ts"] < last_end.get(e["tid"], 0) - 1e-9:
            problems.append(f"event {i} ({e['name']}) on tid {e['tid']} starts {last_end[e['tid']] - e['ts']:.3f}us before the previous slice on that row ends")
        last_end[e["tid"]] = max(last_end.get(e["tid"], 0), end)
    if e["ts"] < last_ts.get((e["tid"], e["ph"]), 0):
        problems.append(f"event {i} ({e['ph']} {e['name']}) ts goes back on tid {e['tid']} by {last_ts[(e['tid'], e['ph'])] - e['ts']:.3f}us")
    last_ts[(e["tid"], e["ph"])] = max(last_ts.get((e["tid"], e["ph"]), 0), e["ts"])
print(path, "events:", len(ev), "otherData:", doc.get("otherData"))
for k, v in sorted(names.items()):
    print("  M", k, v)
for (ph, tid, name), n in sorted(by.items()):
    print(f"  {ph} tid={tid} {name!r}: {n}")
print("  problems:", len(problems))
for p in problems[:15]:
    print("   ", p)
if len(sys.argv) > 2:
    lines = [l for l in open(sys.argv[2]) if l.startswith("gc ")]
    print("  gctrace cycles:", len(lines), "; trace 'GC N' slices:", by[("X", 3, "GC N")])
