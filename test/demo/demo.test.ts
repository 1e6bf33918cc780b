// The demo page (demo/, issue 15) in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core), built by scripts/demo-build.mjs and served by scripts/demo-server.mjs:
//   - served with COOP/COEP: cross-origin isolated, the wasm backend on several threads; one epoch
//     of the walk-through MLP on the 8,000 training digits reaches >= 0.85 accuracy on the 2,000
//     test digits (as the page shows it), the main thread's longest task while training (a
//     'longtask' PerformanceObserver registered before the page's scripts) stays under 100 ms, a
//     stroke drawn on the pad updates the ten bars while drawing, a reload finds the model in
//     IndexedDB and predicts the same probabilities for the same stroke, and the js backend
//     (the switch) loads it and agrees;
//   - served without the headers: one thread and the page's notice, the same training bar.
// Screenshots go to examples/out/demo/ (gitignored).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { startDemoServer } from '../../scripts/demo-server.mjs';
import { CHROMIUM_ARGS, launchChromium, type Chromium } from '../browser/harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const shots = join(root, 'examples', 'out', 'demo');
let dist = '';

interface DemoState {
  ready: boolean;
  backend: string;
  threads: number;
  isolated: boolean;
  training: boolean;
  epochsDone: number;
  testAccuracy: number | null;
  saved: { epochs: number; testAccuracy: number } | null;
  loadedFromIndexedDB: boolean;
  predictions: number;
  tensorsAfterTraining: number;
  tensorsAfterPrediction: number;
  probs: number[] | null;
  errors: string[];
}

beforeAll(() => {
  dist = mkdtempSync(join(tmpdir(), 'simdgrad-demo-'));
  const r = spawnSync('node', ['--import', 'tsx', join(root, 'scripts', 'demo-build.mjs'), '--out', dist], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  mkdirSync(shots, { recursive: true });
}, 120_000);

afterAll(() => {
  if (dist) rmSync(dist, { recursive: true, force: true });
});

async function launch(): Promise<Chromium> {
  const browser = await launchChromium({ args: [...CHROMIUM_ARGS, '--disable-quic'], viewport: { width: 1100, height: 860 } });
  const context = browser.context;
  // Before any script of the page: every long task of the main thread, with its start time.
  await context.addInitScript(() => {
    const w = window as unknown as { longTasks: Array<[number, number]> };
    w.longTasks = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  });
  return browser;
}

const state = (page: Page) => page.evaluate(() => (window as unknown as { demoState: DemoState }).demoState);

async function waitReady(page: Page): Promise<DemoState> {
  await page.waitForFunction(
    () => {
      const s = (window as unknown as { demoState?: DemoState }).demoState;
      return s && (s.ready || s.errors.length > 0);
    },
    undefined,
    { timeout: 30_000 },
  );
  const s = await state(page);
  expect(s.errors).toEqual([]);
  return s;
}

/** Trains one epoch from the page's controls; the longest main-thread task (ms) meanwhile. */
async function trainOneEpoch(page: Page): Promise<number> {
  await page.fill('#epochs', '1');
  const t0 = await page.evaluate(() => performance.now());
  await page.click('#train');
  await page.waitForFunction(
    () => {
      const s = (window as unknown as { demoState: DemoState }).demoState;
      return (!s.training && s.epochsDone >= 1) || s.errors.length > 0;
    },
    undefined,
    { timeout: 45_000, polling: 200 },
  );
  const t1 = await page.evaluate(() => performance.now());
  const tasks = await page.evaluate(() => (window as unknown as { longTasks: Array<[number, number]> }).longTasks);
  return Math.max(0, ...tasks.filter(([s, d]) => s + d >= t0 && s <= t1).map(([, d]) => d));
}

const bars = (page: Page) => page.$$eval('#bars .bar', (els) => els.map((e) => Number((e as HTMLElement).dataset.p)));

/** Draws a '7' on the pad in `parts` pieces, returning the bars after each piece. */
async function drawSeven(page: Page): Promise<number[][]> {
  const box = (await page.locator('#pad').boundingBox())!;
  const at = (x: number, y: number): [number, number] => [
    box.x + (x * box.width) / 280,
    box.y + (y * box.height) / 280,
  ];
  const path: Array<[number, number]> = [
    [80, 60],
    [200, 60],
    [170, 130],
    [140, 200],
    [125, 240],
  ];
  const seen: number[][] = [];
  await page.mouse.move(...at(...path[0]));
  await page.mouse.down();
  for (const p of path.slice(1)) {
    const before = await page.evaluate(() => (window as unknown as { demoState: DemoState }).demoState.predictions);
    await page.mouse.move(...at(...p), { steps: 6 });
    await page.waitForFunction(
      (n) => (window as unknown as { demoState: DemoState }).demoState.predictions > n,
      before,
      { timeout: 10_000 },
    );
    // Let the last in-flight prediction of this piece land.
    await page.waitForTimeout(150);
    seen.push(await bars(page));
  }
  await page.mouse.up();
  return seen;
}

function checkBars(seen: number[][]): void {
  for (const b of seen) {
    expect(b).toHaveLength(10);
    expect(b.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 2);
  }
  // The bars changed while the stroke grew (the first piece is a bar '-', the last a '7').
  expect(seen[0]).not.toEqual(seen[seen.length - 1]);
  const last = seen[seen.length - 1];
  expect(last.indexOf(Math.max(...last))).toBe(7);
}

async function text(page: Page, sel: string): Promise<string> {
  return (await page.textContent(sel))?.trim() ?? '';
}

describe('demo page (headless Chromium)', () => {
  it('cross-origin isolated: threads, one epoch >= 0.85, bars while drawing, IndexedDB on reload, js switch', async () => {
    const server = await startDemoServer({ dir: dist, port: 0, isolation: true });
    const { context, close } = await launch();
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const consoleLines: string[] = [];
      page.on('console', (m) => consoleLines.push(m.text()));
      await page.goto(server.url);
      let s = await waitReady(page);
      expect(consoleLines).toEqual([]);
      expect(s).toMatchObject({ isolated: true, backend: 'wasm', loadedFromIndexedDB: false, epochsDone: 0 });
      expect(s.threads).toBeGreaterThan(1);
      expect(await text(page, '#threads')).toBe(String(s.threads));
      expect(await page.isVisible('#notice')).toBe(false);

      const longest = await trainOneEpoch(page);
      s = await state(page);
      expect(s.errors).toEqual([]);
      const shown = Number(await text(page, '#test-acc'));
      console.log(
        `demo (isolated, ${s.threads} threads): test accuracy ${shown}, longest main-thread task ${longest.toFixed(0)} ms, ${await text(page, '#rate')}`,
      );
      expect(shown).toBeGreaterThanOrEqual(0.85);
      expect(shown).toBeCloseTo(s.testAccuracy!, 4);
      expect(longest).toBeLessThan(100);
      expect(await text(page, '#rate')).toMatch(/^[\d,]+ samples\/s \(epoch 1: [\d.]+ s\)$/);
      expect(await text(page, '#saved')).toMatch(/^saved to IndexedDB: 1 epoch trained, test accuracy 0\.\d{4}/);

      expect((await bars(page)).every((p) => p === 0)).toBe(true);
      const seen = await drawSeven(page);
      checkBars(seen);
      // Nothing leaks in the worker: predictions leave as many live tensors as training did.
      s = await state(page);
      expect(s.tensorsAfterTraining).toBeGreaterThan(0);
      expect(s.tensorsAfterPrediction).toBe(s.tensorsAfterTraining);
      await page.screenshot({ path: join(shots, 'demo-isolated.png'), fullPage: true });

      // Reload: the model comes back from IndexedDB and gives the same bars for the same stroke.
      await page.reload();
      s = await waitReady(page);
      expect(s).toMatchObject({ loadedFromIndexedDB: true, epochsDone: 1 });
      expect(s.saved!.testAccuracy).toBeCloseTo(shown, 4);
      expect(await text(page, '#saved')).toMatch(/^loaded from IndexedDB: 1 epoch trained/);
      const again = await drawSeven(page);
      for (let i = 0; i < 10; i++) expect(again[again.length - 1][i]).toBeCloseTo(seen[seen.length - 1][i], 3);
      await page.screenshot({ path: join(shots, 'demo-reloaded.png'), fullPage: true });

      // The backend switch: the js backend loads the same model and predicts the same.
      await page.selectOption('#backend', 'js');
      await page.waitForFunction(() => {
        const st = (window as unknown as { demoState: DemoState }).demoState;
        return st.ready && st.backend === 'js';
      });
      s = await state(page);
      expect(s).toMatchObject({ backend: 'js', threads: 1, loadedFromIndexedDB: true });
      await page.click('#clear');
      const js = await drawSeven(page);
      for (let i = 0; i < 10; i++) expect(js[js.length - 1][i]).toBeCloseTo(seen[seen.length - 1][i], 3);

      // Stop: training on js stops within epoch 2; as in Keras that epoch ends early (evaluated,
      // saved) and no third one starts.
      await page.fill('#epochs', '3');
      await page.click('#train');
      await page.waitForFunction(() =>
        /^epoch 2, batch \d+\/63$/.test(document.getElementById('progress')!.textContent!),
      );
      await page.click('#stop');
      await page.waitForFunction(() => !(window as unknown as { demoState: DemoState }).demoState.training);
      expect(await text(page, '#status')).toBe('stopped');
      expect((await state(page)).epochsDone).toBe(2);
      expect(await text(page, '#saved')).toMatch(/^saved to IndexedDB: 2 epochs trained/);
      await page.screenshot({ path: join(shots, 'demo-js-stopped.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await close();
      await server.close();
    }
  }, 90_000);

  it('without COOP/COEP: one thread and a notice, the same training', async () => {
    const server = await startDemoServer({ dir: dist, port: 0, isolation: false });
    const { context, close } = await launch();
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const consoleLines: string[] = [];
      page.on('console', (m) => consoleLines.push(m.text()));
      await page.goto(server.url);
      let s = await waitReady(page);
      expect(s).toMatchObject({ isolated: false, backend: 'wasm', threads: 1, loadedFromIndexedDB: false });
      expect(await text(page, '#threads')).toBe('1');
      expect(await page.isVisible('#notice')).toBe(true);
      expect(await text(page, '#notice')).toMatch(/not cross-origin isolated.*one thread/s);
      // simdgrad's own notice, once, from the worker; nothing else on the console.
      expect(consoleLines).toEqual([
        'simdgrad: running on one thread (the page is not cross-origin isolated: serve it with COOP/COEP headers)',
      ]);

      const longest = await trainOneEpoch(page);
      s = await state(page);
      const shown = Number(await text(page, '#test-acc'));
      console.log(
        `demo (not isolated, 1 thread): test accuracy ${shown}, longest main-thread task ${longest.toFixed(0)} ms, ${await text(page, '#rate')}`,
      );
      expect(shown).toBeGreaterThanOrEqual(0.85);
      expect(longest).toBeLessThan(100);
      checkBars(await drawSeven(page));
      await page.screenshot({ path: join(shots, 'demo-not-isolated.png'), fullPage: true });

      await page.reload();
      s = await waitReady(page);
      expect(s).toMatchObject({ loadedFromIndexedDB: true, epochsDone: 1, threads: 1 });
      // 'Forget saved model' deletes it: the next reload starts from a fresh model.
      await page.click('#forget');
      await page.waitForFunction(() => (window as unknown as { demoState: DemoState }).demoState.saved === null);
      await page.reload();
      s = await waitReady(page);
      expect(s).toMatchObject({ loadedFromIndexedDB: false, epochsDone: 0, saved: null });
      expect(errors).toEqual([]);
    } finally {
      await close();
      await server.close();
    }
  }, 90_000);
});
