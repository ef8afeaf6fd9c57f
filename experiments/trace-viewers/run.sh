#!/usr/bin/env bash
# Loads gclox execution traces in two real trace viewers' own import code, offline:
#  1. catapult's trace viewer (the code behind chrome://tracing): its trace2html packs viewer
#     and trace into one page, headless Chromium opens it, the viewer's importer builds its
#     model, catapult_load.mjs reports the model and takes a screenshot;
#  2. Chrome DevTools' trace engine (the Performance panel's model, @paulirish/trace_engine)
#     in node: devtools_engine_load.mjs lists the tracks the panel would draw.
# file_counts.py says what gclox wrote, for comparison. See README.md for the setup.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
G=${GCLOX:-$top/target/release/gclox}
CATAPULT=${CATAPULT:?set CATAPULT to a catapult checkout (see README.md)}
OUT=${OUT:-/tmp/gclox-trace-viewers}
mkdir -p "$OUT"
BT=$top/experiments/workloads/binary_trees.lox
cd "$OUT"
$G --trace bt.json --gctrace "$BT" > /dev/null 2> bt.gctrace
$G --trace forced.json --gctrace --min-heap 256KiB "$here/forced.lox" > /dev/null 2> forced.gctrace
$G --trace oom.json --gctrace --max-heap 8MiB --min-heap 1MiB "$here/oom.lox" > /dev/null 2> oom.gctrace || true
$G --trace trunc.json --trace-max-events 2000 --gctrace "$BT" > /dev/null 2> trunc.gctrace
$G --trace memlimit.json --gctrace --memlimit 300KiB --leak-report-on-memlimit --min-heap 256KiB \
  "$here/forced.lox" > /dev/null 2> memlimit.gctrace
for t in forced bt oom trunc memlimit; do
  python3 "$here/file_counts.py" $t.json $t.gctrace > $t.file.txt
  python3 "$CATAPULT/tracing/bin/trace2html" $t.json --output=$t.html > /dev/null
  node "$here/catapult_load.mjs" $t.html $t-catapult.png > $t.catapult.txt 2>&1
  node "$here/devtools_engine_load.mjs" $t.json > $t.devtools.txt 2>&1
  echo "$t: $OUT/$t.{file,catapult,devtools}.txt, $OUT/$t-catapult.png"
done
