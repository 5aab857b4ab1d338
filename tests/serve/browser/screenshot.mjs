// The screenshot of the `dcgan serve` page in docs/serve.png: opens the page of a running
// server at a seed in Debian's headless chromium, pins two faces, shows their interpolation,
// moves the first latent slider, and saves the top of the page (WIDTH x HEIGHT) as a PNG.
// Usage: node screenshot.mjs URL OUT.png [SEED] [WIDTH] [HEIGHT]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {chromium} from 'playwright-core';

const [url, out, seed = '3', width = '1400', height = '1150'] = process.argv.slice(2);
const WAIT = {timeout: 180000};
const idle = (page) => page.waitForFunction(() => document.body.dataset.busy === '0', null, WAIT);

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dcgan-serve-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: {width: Number(width), height: Number(height)},
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = context.pages()[0] || await context.newPage();
  await page.goto(`${url}#seed=${seed}&n=36`);
  await page.waitForFunction(() => document.getElementById('grid').children.length === 36 &&
                                   document.body.dataset.busy === '0', null, WAIT);
  await page.click('#grid canvas >> nth=2');
  await page.waitForFunction(() => document.querySelectorAll('#pins .pin').length === 1, null, WAIT);
  await page.click('#grid canvas >> nth=9');
  await page.waitForFunction(() => document.querySelectorAll('#pins .pin').length === 2, null, WAIT);
  await page.click('#interpolate');
  await page.waitForFunction(() => document.querySelectorAll('#strip canvas').length > 0, null, WAIT);
  await page.waitForFunction(() => document.querySelectorAll('#sliders input').length > 0, null, WAIT);
  await page.locator('#sliders input[data-direction="0"]').focus();
  for (let i = 0; i < 12; ++i) await page.keyboard.press('ArrowRight');
  await page.evaluate(() => {
    document.activeElement.blur();
    window.scrollTo(0, 0);
  });
  await page.mouse.move(0, 0);
  await idle(page);
  await page.screenshot({path: out});
} finally {
  await context.close();
  fs.rmSync(profile, {recursive: true, force: true});
}
