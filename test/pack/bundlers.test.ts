// simdgrad in the bundlers people use (issue 15): small apps importing the packed package (npm
// pack, installed offline into a fresh project) are built with Vite and with esbuild (minified,
// code splitting on), served from a local server and run in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core, as test/browser.test.ts):
//   - 'ops': `import { tensor, add, ready } from 'simdgrad'`: one op; its bundle must not carry
//     the layers/models/io/datasets code (sideEffects) nor the embedded base64 in the entry chunk;
//   - 'fit': a short fit of a 64-128-10 MLP; threaded (2 threads, GEMMs split) on a
//     cross-origin-isolated page, one thread with one notice line without COOP/COEP, the same
//     losses both ways and with both bundlers;
//   - 'path': setWasmPath('./simdgrad.wasm'), the package's .wasm served as a file: the page
//     fetches it and never the chunk holding the embedded copy.
// The sizes printed are the bytes of JavaScript (and .wasm) each page actually fetched, raw and
// gzipped, from the server's log.
import { createServer, type Server } from 'node:http';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, makeProject, packTarball } from './project.js';
import { CHROMIUM_ARGS, launchChromium, type Chromium } from '../browser/harness.js';

const APPS = ['ops', 'fit', 'path', 'noready'] as const;
type App = (typeof APPS)[number] | 'asset';
type Bundler = 'vite' | 'esbuild' | 'esbuild-nosplit';

/** The apps' sources: each sets window.result to a promise of its report. */
const SOURCES: Record<App, string> = {
  ops: `import { tensor, add, ready, getBackend } from 'simdgrad';
window.result = (async () => {
  await ready();
  const a = tensor([1, 2, 3]);
  const b = add(a, a);
  // the Tensor methods come from a module imported for its effect (sideEffects must keep it)
  const r = { backend: getBackend(), op: Array.from(await b.data()), chained: Array.from(b.reshape([3, 1]).sum().dataSync()) };
  a.dispose();
  b.dispose();
  return r;
})();
`,
  fit: `import * as sg from 'simdgrad';
window.result = (async () => {
  await sg.ready();
  const a = sg.tensor([1, 2, 3]);
  const b = sg.add(a, a);
  const op = Array.from(await b.data());
  sg.dispose([a, b]);
  // a first large matMul starts the worker pool; its workers start without blocking the page,
  // so wait (yielding) until one is ready, as test/browser.test.ts does
  const w = sg.ones([256, 256]);
  sg.matMul(w, w).dispose();
  w.dispose();
  for (let i = 0; i < 500 && sg.getThreads() > 1 && sg.backend().threadsInfo().ready < 1; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const before = sg.backend().threadsInfo().splits.gemmF32 ?? 0;
  const n = 256, d = 64;
  const x = sg.randomNormal([n, d], 0, 1, 'float32', 1);
  const labels = sg.tensor1d(Array.from({ length: n }, (_, i) => (i * 7) % 10), 'int32');
  const y = sg.oneHot(labels, 10);
  const model = sg.sequential();
  const init = (seed) => sg.initializers.glorotUniform({ seed });
  model.add(sg.layers.dense({ units: 128, activation: 'relu', inputShape: [d], kernelInitializer: init(2) }));
  model.add(sg.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) }));
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  const h = await model.fit(x, y, { epochs: 3, batchSize: 64, shuffle: false, verbose: 0 });
  const info = sg.backend().threadsInfo();
  const r = {
    backend: sg.getBackend(),
    threads: sg.getThreads(),
    isolated: self.crossOriginIsolated === true,
    gemmSplits: (info.splits.gemmF32 ?? 0) - before,
    op,
    loss: h.history.loss,
  };
  sg.dispose([x, labels, y]);
  model.dispose();
  r.tensorsLeft = sg.memory().numTensors;
  return r;
})();
`,
  noready: `import { tensor } from 'simdgrad';
window.result = (async () => {
  try {
    tensor([1]).dispose();
    return { error: null };
  } catch (e) {
    return { error: e.message };
  }
})();
`,
  path: `import { tensor, add, setWasmPath, ready, getBackend } from 'simdgrad';
setWasmPath('./simdgrad.wasm');
window.result = (async () => {
  await ready();
  const a = tensor([1, 2, 3]);
  const b = add(a, a);
  const r = { backend: getBackend(), op: Array.from(await b.data()) };
  a.dispose();
  b.dispose();
  return r;
})();
`,
};

let project = '';
let outRoot = '';
let server: Server;
let base = '';
let browser: Chromium;
let context: BrowserContext;
/** Every file the server sent: URL path -> bytes (for the size report). */
const served: string[] = [];
/** The built apps: `${bundler}/${app}/...` -> file contents. */
const files = new Map<string, Buffer>();

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/**
 * The 'asset' app: the bundler itself emits the package's simdgrad.wasm (Vite: `?url`; esbuild:
 * the `file` loader) and setWasmPath gets the URL it chose.
 */
const ASSET_APP = (importLine: string) => `${importLine}
import { tensor, add, setWasmPath, ready } from 'simdgrad';
setWasmPath(wasmUrl);
window.result = (async () => {
  await ready();
  const b = add(tensor([1, 2, 3]), tensor([1, 2, 3]));
  return { wasmUrl: String(wasmUrl), op: Array.from(await b.data()) };
})();
`;

async function buildAssetApps(viteBuild: typeof import('vite').build): Promise<void> {
  const html = `<!doctype html><meta charset="utf-8"><title>asset</title><script type="module" src="./main.js"></script>\n`;
  const vsrc = join(project, 'asset-vite');
  mkdirSync(vsrc, { recursive: true });
  writeFileSync(join(vsrc, 'main.js'), ASSET_APP("import wasmUrl from 'simdgrad/simdgrad.wasm?url';"));
  writeFileSync(join(vsrc, 'index.html'), html);
  const vout = join(outRoot, 'vite', 'asset');
  await viteBuild({
    root: vsrc,
    base: './',
    logLevel: 'error',
    configFile: false,
    build: { outDir: vout, emptyOutDir: true, minify: true, reportCompressedSize: false },
  });
  const esrc = join(project, 'asset-esbuild');
  mkdirSync(esrc, { recursive: true });
  writeFileSync(join(esrc, 'main.js'), ASSET_APP("import wasmUrl from 'simdgrad/simdgrad.wasm';"));
  const eout = join(outRoot, 'esbuild', 'asset');
  await esbuild({
    entryPoints: [join(esrc, 'main.js')],
    absWorkingDir: project,
    outdir: eout,
    bundle: true,
    format: 'esm',
    splitting: true,
    minify: true,
    platform: 'browser',
    target: 'es2022',
    loader: { '.wasm': 'file' },
    publicPath: './',
    logLevel: 'error',
  });
  writeFileSync(join(eout, 'index.html'), html);
  for (const b of ['vite', 'esbuild'] as const) {
    const dir = join(outRoot, b, 'asset');
    for (const f of listFiles(dir)) files.set(`${b}/asset/${relative(dir, f)}`, readFileSync(f));
  }
}

async function buildApps(): Promise<void> {
  const { build: viteBuild } = await import('vite');
  const wasm = readFileSync(join(project, 'node_modules', 'simdgrad', 'dist', 'simdgrad.wasm'));
  for (const app of APPS) {
    const src = join(project, app);
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'main.js'), SOURCES[app]);
    writeFileSync(
      join(src, 'index.html'),
      `<!doctype html><meta charset="utf-8"><title>${app}</title><script type="module" src="./main.js"></script>\n`,
    );
    // Vite: the app's index.html as entry, relative asset URLs (pages live under /coi/ and /plain/)
    const viteOut = join(outRoot, 'vite', app);
    await viteBuild({
      root: src,
      base: './',
      logLevel: 'error',
      configFile: false,
      build: { outDir: viteOut, emptyOutDir: true, minify: true, reportCompressedSize: false },
    });
    // esbuild: one ESM entry, minified, code splitting so that dynamic imports get their own chunks
    const esOut = join(outRoot, 'esbuild', app);
    await esbuild({
      entryPoints: [join(src, 'main.js')],
      absWorkingDir: project,
      outdir: esOut,
      bundle: true,
      format: 'esm',
      splitting: true,
      minify: true,
      platform: 'browser',
      target: 'es2022',
      logLevel: 'error',
    });
    writeFileSync(join(esOut, 'index.html'), readFileSync(join(src, 'index.html')));
    if (app === 'ops') {
      // esbuild's default (no splitting): the dynamic import of the embedded module is inlined
      const one = join(outRoot, 'esbuild-nosplit', app);
      await esbuild({
        entryPoints: [join(src, 'main.js')],
        absWorkingDir: project,
        outdir: one,
        bundle: true,
        format: 'esm',
        minify: true,
        platform: 'browser',
        target: 'es2022',
        logLevel: 'error',
      });
      writeFileSync(join(one, 'index.html'), readFileSync(join(src, 'index.html')));
      for (const f of listFiles(one)) files.set(`esbuild-nosplit/${app}/${relative(one, f)}`, readFileSync(f));
    }
    for (const b of ['vite', 'esbuild'] as const) {
      const dir = join(outRoot, b, app);
      writeFileSync(join(dir, 'simdgrad.wasm'), wasm); // the file setWasmPath names ('path' app)
      for (const f of listFiles(dir)) files.set(`${b}/${app}/${relative(dir, f)}`, readFileSync(f));
    }
  }
  await buildAssetApps(viteBuild);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
};

beforeAll(async () => {
  project = makeProject(packTarball(), { name: 'bundlers' });
  outRoot = join(project, 'out');
  await buildApps();
  server = createServer((req, res) => {
    // /coi/<bundler>/<app>/... is served with the headers that make a page cross-origin isolated
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = /^\/(coi|plain)\/(.*)$/.exec(url.pathname);
    let key = m ? m[2] : '';
    if (key.endsWith('/')) key += 'index.html';
    const body = files.get(key);
    if (!m || !body) {
      res.writeHead(404).end();
      return;
    }
    served.push(url.pathname);
    const headers: Record<string, string> = {
      'content-type': TYPES[extname(key)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    };
    if (m[1] === 'coi') {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    res.writeHead(200, headers).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  browser = await launchChromium({ args: [...CHROMIUM_ARGS, '--disable-quic'] });
  context = browser.context;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  if (project) rmSync(project, { recursive: true, force: true });
});

interface PageRun {
  result: Record<string, unknown>;
  console: string[];
  /** The files the page fetched (paths below the app's folder). */
  fetched: string[];
}

async function runPage(kind: 'coi' | 'plain', bundler: Bundler, app: App): Promise<PageRun> {
  const page = await context.newPage();
  const messages: string[] = [];
  page.on('console', (m) => messages.push(m.text()));
  page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  const prefix = `/${kind}/${bundler}/${app}/`;
  const start = served.length;
  try {
    await page.goto(`${base}${prefix}`);
    await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined);
    const result = await page.evaluate(
      () => (window as unknown as { result: Promise<Record<string, unknown>> }).result,
    );
    const fetched = served
      .slice(start)
      .filter((p) => p.startsWith(prefix))
      .map((p) => p.slice(prefix.length));
    return { result, console: messages, fetched };
  } finally {
    await page.close();
  }
}

/** Raw and gzip bytes of the given files of an app. */
function sizes(bundler: Bundler, app: App, names: string[]): { raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  for (const n of names) {
    const b = files.get(`${bundler}/${app}/${n}`)!;
    raw += b.length;
    gzip += gzipSync(b, { level: 9 }).length;
  }
  return { raw, gzip };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
/**
 * The start of the embedded module's text (its deflated bytes in base64, as this build wrote
 * them: dist/backends/wasm/wasm-embedded.generated.js): what marks a chunk carrying it.
 */
const EMBEDDED_MARK = (() => {
  const text = readFileSync(join(ROOT, 'dist', 'backends', 'wasm', 'wasm-embedded.generated.js'), 'utf8');
  const b64 = /WASM_DEFLATED_BASE64\s*=\s*['"]([A-Za-z0-9+/=]{48})/.exec(text)?.[1];
  if (!b64) throw new Error('dist/backends/wasm/wasm-embedded.generated.js holds no WASM_DEFLATED_BASE64: run npm run build');
  return b64;
})();
const report: string[] = [];

describe.each(['vite', 'esbuild'] as const)('%s build of an app importing the packed simdgrad', (bundler) => {
  const js = (names: string[]) => names.filter((n) => n.endsWith('.js'));
  const holdsEmbedded = (app: App, n: string) =>
    files.get(`${bundler}/${app}/${n}`)!.toString('latin1').includes(EMBEDDED_MARK);

  it("'ops' ({tensor, add}): runs; the entry leaves out layers, models, io and the embedded module", async () => {
    const { result, console: msgs, fetched } = await runPage('coi', bundler, 'ops');
    expect(msgs.filter((m) => m.startsWith('pageerror'))).toEqual([]);
    expect(result).toEqual({ backend: 'wasm', op: [2, 4, 6], chained: [12] });
    const startup = js(fetched).filter((n) => !holdsEmbedded('ops', n));
    const lazy = js(fetched).filter((n) => holdsEmbedded('ops', n));
    expect(lazy).toHaveLength(1); // the embedded module, fetched by ready() as a chunk of its own
    const code = startup.map((n) => files.get(`${bundler}/ops/${n}`)!.toString('latin1')).join('\n');
    // names only the Keras side has: tree-shaking dropped them
    for (const s of ['Sequential', 'BatchNormalization', 'model.json', 'categorical_crossentropy']) {
      expect(code.includes(s), s).toBe(false);
    }
    const [s, l] = [sizes(bundler, 'ops', startup), sizes(bundler, 'ops', lazy)];
    // against all the JavaScript of the 'fit' app (the whole library, less the embedded module)
    const fitPrefix = `${bundler}/fit/`;
    const fitJs = js([...files.keys()].filter((k) => k.startsWith(fitPrefix)).map((k) => k.slice(fitPrefix.length)));
    const full = sizes(
      bundler,
      'fit',
      fitJs.filter((n) => !holdsEmbedded('fit', n)),
    );
    expect(s.raw).toBeLessThan(full.raw / 2);
    report.push(
      `${bundler} 'ops' ({tensor, add}): startup JS ${kb(s.raw)} (gzip ${kb(s.gzip)}) + embedded-module chunk ${kb(l.raw)} (gzip ${kb(l.gzip)})`,
    );
  });

  it("'fit': threaded on an isolated page, one thread without isolation, the same losses", async () => {
    const coi = await runPage('coi', bundler, 'fit');
    const plain = await runPage('plain', bundler, 'fit');
    expect(coi.console.filter((m) => m.startsWith('pageerror'))).toEqual([]);
    expect(coi.result).toMatchObject({ backend: 'wasm', isolated: true, threads: 2, op: [2, 4, 6], tensorsLeft: 0 });
    expect(coi.result.gemmSplits as number).toBeGreaterThan(0);
    const loss = coi.result.loss as number[];
    expect(loss).toHaveLength(3);
    expect(loss[2]).toBeLessThan(loss[0]);
    expect(coi.console.filter((m) => m.includes('simdgrad'))).toEqual([]);
    expect(plain.result).toMatchObject({ backend: 'wasm', isolated: false, threads: 1, gemmSplits: 0, tensorsLeft: 0 });
    expect(plain.result.loss).toEqual(loss); // bit-identical on one thread and two
    const notices = plain.console.filter((m) => m.includes('simdgrad'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^simdgrad: running on one thread/);
    const all = js(coi.fetched);
    const s = sizes(
      bundler,
      'fit',
      all.filter((n) => !holdsEmbedded('fit', n)),
    );
    const t = sizes(bundler, 'fit', all);
    report.push(
      `${bundler} 'fit' (import * as sg): startup JS ${kb(s.raw)} (gzip ${kb(s.gzip)}); with the embedded-module chunk ${kb(t.raw)} (gzip ${kb(t.gzip)})`,
    );
    (globalThis as { __fitLoss?: Record<string, number[]> }).__fitLoss ??= {};
    (globalThis as unknown as { __fitLoss: Record<string, number[]> }).__fitLoss[bundler] = loss;
  });

  it("'path' (setWasmPath): the served simdgrad.wasm is fetched, never the embedded copy; isolated and not", async () => {
    for (const kind of ['coi', 'plain'] as const) {
      const { result, console: msgs, fetched } = await runPage(kind, bundler, 'path');
      expect(msgs.filter((m) => m.startsWith('pageerror'))).toEqual([]);
      expect(result).toEqual({ backend: 'wasm', op: [2, 4, 6] });
      expect(fetched).toContain('simdgrad.wasm');
      expect(js(fetched).filter((n) => holdsEmbedded('path', n))).toEqual([]);
      if (kind === 'coi') {
        const s = sizes(bundler, 'path', js(fetched));
        const w = sizes(bundler, 'path', ['simdgrad.wasm']);
        report.push(
          `${bundler} 'path' (setWasmPath): JS ${kb(s.raw)} (gzip ${kb(s.gzip)}) + simdgrad.wasm ${kb(w.raw)} (gzip ${kb(w.gzip)})`,
        );
      }
    }
  });
});

describe.each(['vite', 'esbuild'] as const)('%s emitting simdgrad.wasm as an asset', (bundler) => {
  it("setWasmPath(the bundler's URL for 'simdgrad/simdgrad.wasm'): that file is fetched, never the embedded copy", async () => {
    const { result, console: msgs, fetched } = await runPage('coi', bundler, 'asset');
    expect(msgs.filter((m) => m.startsWith('pageerror'))).toEqual([]);
    expect(result.op).toEqual([2, 4, 6]);
    const wasm = fetched.filter((n) => n.endsWith('.wasm'));
    expect(wasm).toHaveLength(1);
    expect(String(result.wasmUrl)).toContain(wasm[0].split('/').pop());
    expect(files.get(`${bundler}/asset/${wasm[0]}`)!.subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
    const embedded = fetched
      .filter((n) => n.endsWith('.js'))
      .filter((n) => files.get(`${bundler}/asset/${n}`)!.toString('latin1').includes(EMBEDDED_MARK));
    expect(embedded).toEqual([]);
  });
});

describe.each(['vite', 'esbuild'] as const)('%s build, an op before ready()', (bundler) => {
  it('fails saying to await sg.ready() (the module compiles asynchronously in a browser bundle)', async () => {
    const { result } = await runPage('coi', bundler, 'noready');
    expect(result.error).toBe(
      "Backend 'wasm' is not ready: in a browser bundle its module is compiled asynchronously; " +
        "call 'await sg.ready()' (or 'await sg.setBackend(\"wasm\")') before the first op",
    );
  });
});

describe('esbuild without code splitting', () => {
  it("'ops' runs from one file that carries the embedded module (zero configuration)", async () => {
    const { result, console: msgs, fetched } = await runPage('coi', 'esbuild-nosplit', 'ops');
    expect(msgs.filter((m) => m.startsWith('pageerror'))).toEqual([]);
    expect(result).toEqual({ backend: 'wasm', op: [2, 4, 6], chained: [12] });
    const js = fetched.filter((n) => n.endsWith('.js'));
    expect(js).toEqual(['main.js']);
    expect(files.get('esbuild-nosplit/ops/main.js')!.toString('latin1')).toContain(EMBEDDED_MARK);
    const s = sizes('esbuild-nosplit', 'ops', js);
    report.push(`esbuild without splitting 'ops': one file ${kb(s.raw)} (gzip ${kb(s.gzip)})`);
  });
});

describe('both bundlers', () => {
  it('give the same fit losses', () => {
    const l = (globalThis as { __fitLoss?: Record<string, number[]> }).__fitLoss ?? {};
    expect(l.vite).toBeDefined();
    expect(l.vite).toEqual(l.esbuild);
    console.log(`bundle sizes (minified; what each page fetched):\n  ${report.join('\n  ')}`);
  });
});
