// Loads trace2html output (catapult trace viewer + embedded gclox trace) in headless Chromium,
// waits for the viewer's own importer (tr.importer.Import) to finish, then reports what the
// model holds and takes a screenshot.
import puppeteer from 'puppeteer-core';
import path from 'node:path';
const html = path.resolve(process.argv[2]);
const png = process.argv[3];
const browser = await puppeteer.launch({executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--allow-file-access-from-files'],
  protocolTimeout: 120000, defaultViewport: {width: 1600, height: 1000}});
const page = await browser.newPage();
const errors = [];
page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning' || m.type() === 'warn') errors.push(m.type() + ': ' + m.text()); });
page.on('pageerror', e => errors.push('pageerror: ' + e.message));
await page.goto('file://' + html, {timeout: 60000});
try { await page.waitForFunction(() => (typeof g_timelineViewEl !== 'undefined' && g_timelineViewEl.model) || document.querySelector('tr-ui-b-overlay[title="Import error"]') || (document.body.innerText||'').includes('Import error'), {timeout: 30000, polling: 250}); } catch (e) { console.log('TIMEOUT', e.message); console.log('errors', JSON.stringify(errors.slice(0,30), null, 1)); console.log(await page.evaluate(() => JSON.stringify({tr: typeof tr, Polymer: typeof Polymer, tl: typeof g_timelineViewEl, body: document.body.innerText.slice(0,500)}))); if (png) await page.screenshot({path: png}); await browser.close(); process.exit(2); }
const summary = await page.evaluate(() => {
  const m = g_timelineViewEl.model;
  const out = {bounds: {min: m.bounds.min, max: m.bounds.max}, importWarnings: m.importWarnings.map(w => w.type + ': ' + w.message),
               metadata: m.metadata.map(x => x.name), processes: []};
  for (const p of m.getAllProcesses()) {
    const po = {pid: p.pid, name: p.name, labels: p.labels, threads: [], counters: [], instantEvents: p.instantEvents.length};
    for (const t of Object.values(p.threads)) {
      const byName = {};
      for (const s of t.sliceGroup.slices) { const k = (s.duration === 0 && s.constructor.name.includes('Instant') ? 'instant:' : '') + s.title.replace(/^GC \d+$/, 'GC N'); byName[k] = (byName[k] || 0) + 1; }
      po.threads.push({tid: t.tid, name: t.name, sortIndex: t.sortIndex, slices: t.sliceGroup.slices.length, asyncSlices: t.asyncSliceGroup.slices.length, byName,
                       instants: t.sliceGroup.slices.filter(s => s.constructor.name.includes('Instant') || s.duration === 0).map(s => s.title + '@' + s.start.toFixed(3) + 'ms')});
    }
    for (const c of Object.values(p.counters)) po.counters.push({name: c.name, category: c.category, series: c.series.map(s => s.name + '(' + s.samples.length + ' samples)')});
    out.processes.push(po);
  }
  out.globalInstantEvents = m.instantEvents.length;
  return out;
});
await new Promise(r => setTimeout(r, 1000));
if (png) await page.screenshot({path: png});
console.log(JSON.stringify(summary, null, 1));
console.log('console errors/warnings:', JSON.stringify(errors.slice(0, 20)), 'total', errors.length);
const ver = await browser.version();
console.log('browser', ver);
await browser.close();
