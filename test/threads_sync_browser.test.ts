// Threads engage without the caller yielding, in a browser (issue 17). A Web Worker only starts
// while its creator's event loop runs, so a browser caller cannot block until its workers are up
// the way Node's does: `sg.setThreads(n); await sg.ready()` starts them and resolves once they
// have instantiated the module. Headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) runs, on a cross-origin isolated page's main thread and inside a dedicated
// worker, that setup and then a synchronous sequence of matMuls, relu and sum with no await; the
// pool's per-thread chunk counters must show the worker running its matMul chunk from the first
// call, and every result bit-identical to the same calls on one thread. The order the await is
// there for is checked too: `await sg.ready()` first and `setThreads(2)` after it leaves the first
// call on the page's thread alone (its workers cannot start before the page yields).
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser, launchChromium, serveFiles, type Chromium, type Served } from './browser/harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Report {
  coi: boolean;
  /** Per call: chunks run by [caller, worker 1]. */
  perCall: number[][];
  names: string[];
  readyAfterFirst: number;
  hash2: number[];
  hash1: number[];
  leaked: number;
}

// The bundle: simdgrad plus the engine (for threadsInfo) and the synchronous workload, which
// awaits nothing after its setup.
const ENTRY = `
import * as sg from './src/index.ts';
import { ENGINE } from './src/engine/engine.ts';
export async function syncRun(order) {
  if (order === 'threads-then-ready') { sg.setThreads(2); await sg.ready(); }
  else { await sg.ready(); sg.setThreads(2); }
  const be = ENGINE.backend;
  const n = 768;
  const a = sg.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = sg.randomUniform([n, n], -1, 1, 'float32', 2);
  const before = sg.memory().numTensors;
  const hash = (t) => {
    const d = t.dataSync();
    let h = 0;
    for (const u of new Uint32Array(d.buffer, d.byteOffset, d.length)) h = (Math.imul(h, 31) + u) | 0;
    t.dispose();
    return h;
  };
  const calls = [
    ['matMul', () => sg.matMul(a, b)],
    ['matMul', () => sg.matMul(a, b)],
    ['relu', () => sg.relu(a)],
    ['sum', () => sg.sum(b)],
  ];
  const perCall = [];
  let readyAfterFirst = -1;
  const hash2 = [];
  let prev = be.threadsInfo().chunks;
  for (const [, f] of calls) {
    hash2.push(hash(f()));
    const info = be.threadsInfo();
    if (readyAfterFirst < 0) readyAfterFirst = info.ready;
    perCall.push([0, 1].map((k) => (info.chunks[k] ?? 0) - (prev[k] ?? 0)));
    prev = info.chunks;
  }
  sg.setThreads(1);
  const hash1 = calls.map(([, f]) => hash(f()));
  const leaked = sg.memory().numTensors - before;
  sg.dispose([a, b]);
  return { coi: globalThis.crossOriginIsolated === true, perCall, names: calls.map(([name]) => name), readyAfterFirst, hash2, hash1, leaked };
}
`;
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { syncRun } from './simdgrad.js';
window.run = (where, order) => where === 'main' ? syncRun(order) : new Promise((resolve, reject) => {
  const w = new Worker('./worker.js', { type: 'module' });
  w.onmessage = (e) => { w.terminate(); resolve(e.data); };
  w.onerror = (e) => reject(new Error('engine worker: ' + e.message));
  w.postMessage(order);
});
</script>`;
const WORKER = `import { syncRun } from './simdgrad.js';
onmessage = async (e) => postMessage(await syncRun(e.data));`;

let served: Served;
let base = '';
let browser: Chromium;
let context: BrowserContext;

beforeAll(async () => {
  const bundle = await bundleForBrowser({ contents: ENTRY, resolveDir: root, sourcefile: 'threads-sync-entry.ts' });
  const files: Record<string, [string, string | Uint8Array]> = {
    '/simdgrad.js': ['text/javascript', bundle.contents],
    '/index.html': ['text/html', PAGE],
    '/worker.js': ['text/javascript', WORKER],
    '/favicon.ico': ['image/x-icon', ''], // no 404 on the console
  };
  served = await serveFiles(files, 'all'); // cross-origin isolated: SharedArrayBuffer, threads
  base = served.base;
  browser = await launchChromium();
  context = browser.context;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

async function runPage(where: 'main' | 'worker', order: string): Promise<{ r: Report; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  try {
    await page.goto(`${base}/index.html`);
    await page.waitForFunction(() => (window as unknown as { run?: unknown }).run !== undefined);
    const r = await page.evaluate(
      ([w, o]) => (window as unknown as { run: (w: string, o: string) => Promise<Report> }).run(w, o),
      [where, order] as const,
    );
    return { r, errors };
  } finally {
    await page.close();
  }
}

/** Every call split in two chunks, the worker running one of each matMul's from the first call. */
function expectEngaged(r: Report): void {
  expect(r.coi).toBe(true);
  expect(r.readyAfterFirst).toBe(1);
  r.perCall.forEach(([caller, worker], i) => {
    const op = r.names[i];
    expect({ call: i, op, chunks: caller + worker }).toEqual({ call: i, op, chunks: 2 });
    if (op === 'matMul') expect({ call: i, op, worker }).toEqual({ call: i, op, worker: 1 });
  });
  expect(r.hash2).toEqual(r.hash1);
  expect(r.leaked).toBe(0);
}

describe('threads engage without the caller yielding (browser, headless Chromium)', () => {
  it('page main thread: setThreads(2), await ready(), then synchronous ops use the worker from the first call', async () => {
    const { r, errors } = await runPage('main', 'threads-then-ready');
    expect(errors).toEqual([]);
    expectEngaged(r);
  }, 60_000);

  it('engine in a dedicated worker: the same', async () => {
    const { r, errors } = await runPage('worker', 'threads-then-ready');
    expect(errors).toEqual([]);
    expectEngaged(r);
  }, 60_000);

  it('setThreads(2) after the await: the first call runs on the page thread alone, later ones split', async () => {
    const { r, errors } = await runPage('main', 'ready-then-threads');
    expect(errors).toEqual([]);
    expect(r.readyAfterFirst).toBe(0);
    expect(r.perCall[0]).toEqual([0, 0]); // not split: no worker could start without a yield
    expect(r.hash2).toEqual(r.hash1);
  }, 60_000);
});
