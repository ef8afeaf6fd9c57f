// Loads gclox run reports in headless Chromium and checks what a reader would see:
//  - no console error or warning, no uncaught page error;
//  - no request other than the page itself (the report must work offline, from file://);
//  - every chart rendered: each <svg> has a non-empty box, its paths, bars and dots are laid
//    out inside it, and each chart has a legend and axis labels;
//  - a full-page screenshot, written to disk, whose pixels are then checked in the same
//    browser (a <canvas> reads the PNG back): not blank, not a wall of ink, and the series
//    colours of the report's palette present.
// Usage: node check.mjs PAGE.html SCREENSHOT.png [PAGE2.html SCREENSHOT2.png ...]
// Exit 0 when every page passes; one line per finding otherwise.
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const pairs = process.argv.slice(2);
if (pairs.length === 0 || pairs.length % 2 !== 0) {
  console.error('usage: node check.mjs PAGE.html SCREENSHOT.png [...]');
  process.exit(64);
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

let failures = 0;
const fail = (page, what) => { failures++; console.log(`FAIL ${page}: ${what}`); };

for (let i = 0; i < pairs.length; i += 2) {
  const file = path.resolve(pairs[i]);
  const shot = path.resolve(pairs[i + 1]);
  const url = 'file://' + file;
  const name = path.basename(file);
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn' || m.type() === 'warning') {
      problems.push(`console ${m.type()}: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  // data: URLs are not network requests (and the screenshot check below makes one).
  page.on('request', (r) => {
    if (r.url() !== url && !r.url().startsWith('data:')) problems.push(`request for ${r.url()}`);
  });
  await page.goto(url, { waitUntil: 'load' });

  const layout = await page.evaluate(() => {
    const charts = [...document.querySelectorAll('section svg')].filter(
      (s) => !s.parentElement.closest('svg'));
    return {
      title: document.title,
      sections: [...document.querySelectorAll('section h2')].map((h) => h.textContent),
      height: document.documentElement.scrollHeight,
      charts: charts.map((svg) => {
        const box = svg.getBoundingClientRect();
        // Series are drawn in the nested <svg> that clips them to the plot area.
        const plot = svg.querySelector('svg');
        const marks = plot ? [...plot.querySelectorAll('path, circle, rect')].map((m) => m.getBBox()) : [];
        const texts = [...svg.querySelectorAll('text')].map((t) => t.textContent);
        return {
          width: box.width,
          height: box.height,
          marks: marks.filter((b) => b.width > 0 || b.height > 0).length,
          texts: texts.length,
          labelled: texts.some((t) => /\(|%|MiB|ms|s$/.test(t)),
        };
      }),
    };
  });
  for (const p of problems) fail(name, p);
  if (layout.charts.length === 0) fail(name, 'no chart');
  layout.charts.forEach((c, k) => {
    if (c.width < 300 || c.height < 150) fail(name, `chart ${k} is ${c.width}×${c.height}`);
    if (c.marks < 1) fail(name, `chart ${k} draws nothing`);
    if (c.texts < 6 || !c.labelled) fail(name, `chart ${k} lacks ticks, labels or legend`);
  });

  await page.screenshot({ path: shot, fullPage: true });
  const png = fs.readFileSync(shot).toString('base64');
  // Read the screenshot back through a canvas: share of non-white pixels, and the palette.
  const pixels = await page.evaluate(async (data) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + data;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, img.width, img.height).data;
    const palette = { blue: [0, 114, 178], vermillion: [213, 94, 0], green: [0, 158, 115] };
    const found = Object.fromEntries(Object.keys(palette).map((k) => [k, 0]));
    let ink = 0;
    for (let p = 0; p < d.length; p += 4) {
      const [r, g, b] = [d[p], d[p + 1], d[p + 2]];
      if (r < 245 || g < 245 || b < 245) ink++;
      for (const [k, [pr, pg, pb]] of Object.entries(palette)) {
        if (Math.abs(r - pr) < 24 && Math.abs(g - pg) < 24 && Math.abs(b - pb) < 24) found[k]++;
      }
    }
    return { width: img.width, height: img.height, ink: ink / (d.length / 4), found };
  }, png);
  if (pixels.ink < 0.02 || pixels.ink > 0.6) fail(name, `screenshot ink share ${pixels.ink.toFixed(3)}`);
  for (const [k, n] of Object.entries(pixels.found)) {
    if (n < 50 && !(k === 'green' && !layout.sections.includes('Heap over time'))) {
      fail(name, `screenshot shows little ${k} (${n} pixels)`);
    }
  }
  console.log(`${name}: "${layout.title}", ${layout.sections.length} sections, ` +
    `${layout.charts.length} charts, ${layout.height} px tall, screenshot ${pixels.width}×${pixels.height} ` +
    `(${(pixels.ink * 100).toFixed(1)} % ink; palette pixels ${JSON.stringify(pixels.found)}), ` +
    `${problems.length} console/network problems`);
  await page.close();
}
await browser.close();
process.exit(failures === 0 ? 0 : 1);
