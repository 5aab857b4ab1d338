// Drives the `dcgan serve` page as a person would, in Debian's headless chromium (a fresh
// profile), and reports what it saw as one JSON line on stdout for test_serve_browser.cpp to
// check: it opens the page at a seed, clicks "more", pins two faces, interpolates between
// them, moves a latent slider with the keyboard, downloads the focused face (PNG), its z (JSON)
// and the grid (PNG) into OUT, screenshots the page, then runs LIVE_COMMAND (more training of
// the served run) and waits, without reloading, for the page to show checkpoint LIVE_STEP.
// Every request the page makes and every console error are recorded.
// Usage: node serve_page.mjs URL OUT LIVE_COMMAND LIVE_STEP
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {chromium} from 'playwright-core';

const [url, out, liveCommand, liveStep] = process.argv.slice(2);
const origin = new URL(url).origin;
const WAIT = {timeout: 180000};
const result = {requests: [], console_errors: [], steps: []};
const note = (step) => {
  result.steps.push(step);
  process.stderr.write(`serve_page: ${step}\n`);
};

// Pixels and simple statistics of every canvas matching `selector`, in document order.
async function canvases(page, selector) {
  return page.$$eval(selector, (elements) => elements.map((canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let sum = 0, sumSq = 0, n = 0;
    const colours = new Set();
    const rgb = [];
    for (let i = 0; i < data.length; i += 4) {
      for (let c = 0; c < 3; ++c) {
        sum += data[i + c];
        sumSq += data[i + c] * data[i + c];
        ++n;
        rgb.push(data[i + c]);
      }
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    }
    const mean = sum / n;
    return {width: canvas.width, height: canvas.height, mean, std: Math.sqrt(sumSq / n - mean * mean),
            colours: colours.size, opaque: data.every((v, i) => i % 4 !== 3 || v === 255), rgb};
  }));
}

const idle = (page) => page.waitForFunction(() => document.body.dataset.busy === '0', null, WAIT);

async function download(page, selector, name) {
  const [file] = await Promise.all([page.waitForEvent('download', WAIT), page.click(selector)]);
  const target = path.join(out, name);
  await file.saveAs(target);
  return {path: target, suggested: file.suggestedFilename()};
}

function run(command) {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {stdio: ['ignore', 'inherit', 'inherit']});
    child.on('exit', (code) => resolve(code));
  });
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dcgan-serve-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  acceptDownloads: true,
  viewport: {width: 1280, height: 1500},
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = context.pages()[0] || await context.newPage();
  page.on('request', (r) => result.requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') result.console_errors.push(m.text()); });
  page.on('pageerror', (e) => result.console_errors.push(String(e)));

  await page.goto(`${url}#seed=5&n=16`);
  await page.waitForFunction(() => {
    const grid = document.getElementById('grid');
    return grid.dataset.seed === '5' && grid.children.length === 16 && document.body.dataset.busy === '0';
  }, null, WAIT);
  await page.evaluate(() => { window.__notReloaded = true; });
  result.first_grid = await canvases(page, '#grid canvas');
  result.first_step = await page.$eval('#grid', (g) => g.dataset.step);
  result.generator = await page.$eval('#generator', (g) => ({kind: g.dataset.generator,
                                                             text: g.hidden ? '' : g.textContent}));
  note('grid at seed 5');

  await page.click('#more');
  await page.waitForFunction(() => document.getElementById('grid').dataset.seed === '6', null, WAIT);
  await idle(page);
  result.more_grid = await canvases(page, '#grid canvas');
  result.hash_after_more = await page.evaluate(() => location.hash);
  note('more');

  await page.click('#grid canvas >> nth=0');
  await page.waitForFunction(() => document.querySelectorAll('#pins .pin').length === 1, null, WAIT);
  await page.click('#grid canvas >> nth=3');
  await page.waitForFunction(() => document.querySelectorAll('#pins .pin').length === 2, null, WAIT);
  await idle(page);
  result.pins = await canvases(page, '#pins canvas');
  result.focus_before = (await canvases(page, '#focus-canvas'))[0];
  note('pinned two faces');

  await page.click('#interpolate');
  await page.waitForFunction(() => document.querySelectorAll('#strip canvas').length === 9, null, WAIT);
  await idle(page);
  result.strip = await canvases(page, '#strip canvas');
  note('interpolated');

  await page.waitForFunction(() => document.querySelectorAll('#sliders input').length > 0, null, WAIT);
  result.sliders = await page.$$eval('#sliders label', (ls) => ls.map((l) => l.textContent));
  const slider = page.locator('#sliders input[data-direction="0"]');
  await slider.focus();
  for (let i = 0; i < 20; ++i) await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelector('#sliders output').textContent === '2.0', null, WAIT);
  await idle(page);
  result.focus_after = (await canvases(page, '#focus-canvas'))[0];
  result.timeline = await canvases(page, '#timeline canvas');
  result.timeline_captions = await page.$$eval('#timeline figcaption', (cs) => cs.map((c) => c.textContent));
  note('moved a slider');

  result.face = await download(page, '#download-face', 'face.png');
  result.z = await download(page, '#download-z', 'z.json');
  result.grid = await download(page, '#grid-download', 'grid.png');
  result.grid_href = await page.$eval('#grid-download', (a) => a.getAttribute('href'));
  const focusPng = await page.$eval('#focus-canvas', (c) => c.toDataURL('image/png'));
  fs.writeFileSync(path.join(out, 'focus-canvas.png'), Buffer.from(focusPng.split(',')[1], 'base64'));
  await page.screenshot({path: path.join(out, 'page.png'), fullPage: true});
  result.message = await page.$eval('#message', (m) => (m.hidden ? '' : m.textContent));
  note('downloaded');

  // Live: more training of the served run, watched without a reload.
  const before = await page.$eval('#charts', (c) => c.dataset.version);
  result.live_exit = await run(liveCommand);
  await page.waitForFunction((step) => {
    const grid = document.getElementById('grid');
    return document.body.dataset.step === step && grid.dataset.step === step &&
           document.getElementById('status').textContent.startsWith('finished');
  }, liveStep, WAIT);
  await page.waitForFunction((old) => document.getElementById('charts').dataset.version !== old,
                             before, WAIT);
  await idle(page);
  result.live_grid = await canvases(page, '#grid canvas');
  result.live_status = await page.$eval('#status', (s) => s.textContent);
  result.not_reloaded = await page.evaluate(() => window.__notReloaded === true);
  result.live_options = await page.$$eval('#checkpoint option', (os) => os.map((o) => o.value));
  result.charts_polylines = await page.$$eval('#charts polyline', (ps) => ps.length);
  await page.screenshot({path: path.join(out, 'page-live.png'), fullPage: true});
  note('live update');
  result.origin = origin;
  result.ok = true;
} catch (error) {
  result.error = String(error && error.stack || error);
} finally {
  await context.close();
  fs.rmSync(profile, {recursive: true, force: true});
}
process.stdout.write(JSON.stringify(result) + '\n');
