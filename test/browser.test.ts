// Threads in a browser (issue 3): headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; never a downloaded browser) loads a page from a localhost server.
//   - With COOP/COEP headers the page is cross-origin isolated: simdgrad runs a threaded matMul
//     and three Adam steps on the page's main thread (where the caller spins instead of blocking)
//     and inside a dedicated worker (where it blocks in Atomics.wait, as in Node); the GEMMs are
//     split over threads and every result is bit-identical to Node on one thread.
//   - Without the headers there is no SharedArrayBuffer: one notice line, one thread, same values.
// The bundle is built here with esbuild (ESM, platform browser) from test/browser/entry.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { setThreads } from '../src/threads.js';
import { matMulCase, trainCase } from './browser/workload.js';
import { bundleForBrowser, CHROMIUM_ARGS, launchChromium, serveFiles, type Chromium, type Served } from './browser/harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));
let served: Served;
let base = '';
let browser: Chromium;
let context: BrowserContext;
let expected: { mm: ReturnType<typeof matMulCase>; train: ReturnType<typeof trainCase> };

/** What the page (or its worker) reports back. */
interface PageResult {
  coi: boolean;
  threads: number;
  info: { threads: number; ready: number; shared: boolean; splitJobs: number; splits: Record<string, number> };
  gemmSplits: number;
  mm: ReturnType<typeof matMulCase>;
  train: ReturnType<typeof trainCase>;
}

beforeAll(async () => {
  const prev = sg.getBackend();
  await sg.setBackend('wasm');
  setThreads(1);
  expected = { mm: matMulCase(sg), train: trainCase(sg, 'node_expected') };
  setThreads(2);
  await sg.setBackend(prev);

  const bundle = await bundleForBrowser(join(here, 'browser', 'entry.ts'));
  served = await serveFiles(
    {
      '/simdgrad.js': ['text/javascript', bundle.contents],
      '/index.html': ['text/html', readFileSync(join(here, 'browser', 'index.html'), 'utf8')],
      '/run.js': ['text/javascript', readFileSync(join(here, 'browser', 'run.js'), 'utf8')],
      '/engine-worker.js': ['text/javascript', readFileSync(join(here, 'browser', 'engine-worker.js'), 'utf8')],
    },
    'prefix', // /coi/... is served with the two headers that make a page cross-origin isolated
  );
  base = served.base;
  browser = await launchChromium({ args: [...CHROMIUM_ARGS, '--disable-quic'] });
  context = browser.context;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

/** Opens /{coi|plain}/index.html, runs the workload where asked, returns the report and console. */
async function runPage(kind: 'coi' | 'plain', where: 'main' | 'worker'): Promise<{ r: PageResult; console: string[] }> {
  const page = await context.newPage();
  const messages: string[] = [];
  page.on('console', (m) => messages.push(m.text()));
  page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`${base}/${kind}/index.html`);
    await page.waitForFunction(() => (window as unknown as { run?: unknown }).run !== undefined);
    const r = await page.evaluate(
      (w) => (window as unknown as { run: (w: string) => Promise<PageResult> }).run(w),
      where,
    );
    return { r, console: messages };
  } finally {
    await page.close();
  }
}

describe('browser (headless Chromium)', () => {
  it('cross-origin isolated page, main thread: threaded and bit-identical to Node', async () => {
    const { r, console: msgs } = await runPage('coi', 'main');
    expect(msgs.filter((m) => m.startsWith('pageerror'))).toEqual([]);
    expect(r.coi).toBe(true);
    expect(r.threads).toBe(2);
    expect(r.info).toMatchObject({ threads: 2, ready: 1, shared: true });
    expect(r.gemmSplits).toBeGreaterThan(0);
    expect(r.relaxedSupported).toBe(true); // Chromium: the FMA build is its default; the page asked for the plain one
    expect(r.relaxed).toBe(false);
    expect(r.mm).toEqual(expected.mm);
    expect(r.train).toEqual(expected.train);
    expect(msgs.filter((m) => m.includes('simdgrad'))).toEqual([]);
  });

  it('cross-origin isolated page, engine in a worker: threaded and bit-identical', async () => {
    const { r, console: msgs } = await runPage('coi', 'worker');
    expect(msgs.filter((m) => m.startsWith('pageerror'))).toEqual([]);
    expect(r.coi).toBe(true);
    expect(r.info).toMatchObject({ threads: 2, ready: 1, shared: true });
    expect(r.gemmSplits).toBeGreaterThan(0);
    expect(r.mm).toEqual(expected.mm);
    expect(r.train).toEqual(expected.train);
  });

  it('the same page without COOP/COEP: one notice line, one thread, the same values', async () => {
    const { r, console: msgs } = await runPage('plain', 'main');
    expect(r.coi).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.info).toMatchObject({ threads: 1, ready: 0, shared: false, splitJobs: 0 });
    expect(r.mm).toEqual(expected.mm);
    expect(r.train).toEqual(expected.train);
    const notices = msgs.filter((m) => m.includes('simdgrad'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^simdgrad: running on one thread \(.*COOP\/COEP.*\)$/);
  });
});
