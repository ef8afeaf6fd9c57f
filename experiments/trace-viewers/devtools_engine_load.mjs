// Loads a gclox trace with Chrome DevTools' own trace engine (the Performance panel's model,
// published as @paulirish/trace_engine) and prints the tracks the panel would build.
import fs from 'node:fs';
import {analyzeTrace} from '@paulirish/trace_engine/analyze-trace.mjs';
import * as Trace from '@paulirish/trace_engine/models/trace/trace.js';
const f = process.argv[2];
const file = JSON.parse(fs.readFileSync(f, 'utf8'));
const inFile = {};
for (const e of file.traceEvents) inFile[e.ph] = (inFile[e.ph] || 0) + 1;
const {parsedTrace} = await analyzeTrace(f);
const d = parsedTrace.data;
const out = {file: f, eventsInFileByPhase: inFile, traceIsGeneric: d.Meta.traceIsGeneric,
  traceBounds: d.Meta.traceBounds, processNames: [...d.Meta.processNames].map(([pid, e]) => [pid, e.args.name]),
  warnings: [...d.Warnings.perWarning.keys()], tracks: []};
for (const t of Trace.Handlers.Threads.threadsInTrace(d)) {
  const byName = {};
  for (const e of t.entries) { const k = e.ph + ':' + e.name.replace(/^GC \d+$/, 'GC N'); byName[k] = (byName[k] || 0) + 1; }
  out.tracks.push({pid: t.pid, tid: t.tid, name: t.name, type: t.type, entries: t.entries.length, treeRoots: t.tree?.roots?.size, byName});
}
out.memoryCounters = d.Memory.updateCountersByProcess.size;
console.log(JSON.stringify(out, null, 1));
