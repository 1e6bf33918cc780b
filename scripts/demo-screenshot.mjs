// Takes the README's screenshot of the demo (demo/screenshot.png): serves demo/dist (build it
// first: `npm run demo:build`) with COOP/COEP, opens it in headless Chromium (/usr/bin/chromium),
// trains `--epochs` epochs (default 5) from a fresh profile, draws a '2' on the pad.
//   node scripts/demo-screenshot.mjs [--epochs 5] [--out demo/screenshot.png]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDemoServer } from './demo-server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const epochs = Number(value('--epochs', 5));
const out = resolve(value('--out', join(root, 'demo', 'screenshot.png')));

const server = await startDemoServer({ port: 0, isolation: true });
const profile = mkdtempSync(join(tmpdir(), 'simdgrad-shot-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1100, height: 860 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
try {
  const page = await context.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => window.demoState?.ready, undefined, { timeout: 60_000 });
  await page.fill('#epochs', String(epochs));
  await page.click('#train');
  await page.waitForFunction((n) => !window.demoState.training && window.demoState.epochsDone >= n, epochs, {
    timeout: 600_000,
    polling: 500,
  });
  const box = await page.locator('#pad').boundingBox();
  const at = (x, y) => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280];
  // A '2': the arc, the diagonal, the base.
  const path = [
    [85, 95],
    [105, 65],
    [140, 52],
    [180, 65],
    [195, 100],
    [180, 140],
    [140, 180],
    [95, 225],
    [120, 225],
    [205, 225],
  ];
  await page.mouse.move(...at(...path[0]));
  await page.mouse.down();
  for (const p of path.slice(1)) await page.mouse.move(...at(...p), { steps: 5 });
  await page.mouse.up();
  await page.waitForTimeout(500);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`${out}: ${statSync(out).size} bytes, test accuracy ${await page.textContent('#test-acc')}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  await server.close();
}
