// WebGPU in a browser: headless Chromium (Debian's /usr/bin/chromium through playwright-core) with
// SwiftShader's WebGPU adapter loads simdgrad bundled for browsers (esbuild, ESM), starts the
// backend through navigator.gpu, and runs element-wise, broadcast, reduction, softmax, movement
// and optimizer kernels plus a gradient; the values equal the js oracle's in Node. Under CI=true a
// Chromium without WebGPU fails this test; elsewhere it is skipped with the reason printed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { expectClose } from '../helpers.js';
import { bundleForBrowser, CHROMIUM, launchChromium, serveFiles, type Chromium, type Served } from '../browser/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The workload, run in the page (as a string) and in Node: values of each result, in order. */
const WORKLOAD = `async (sg) => {
  const outs = sg.tidy(() => {
    const x = sg.tensor([[-2, -0.5, 0, 0.5], [1, 2, 3, 4], [0.1, -0.2, 0.3, -0.4]]);
    const b = sg.tensor([1, 2, 3, 4]);
    const r = [
      sg.tanh(x), sg.add(x, b), sg.mul(sg.exp(x), b), sg.greater(x, sg.scalar(0.2)),
      sg.sum(x, 0), sg.max(x, 1), sg.mean(x), sg.argMax(x, 1), sg.softmax(x), sg.logSoftmax(x),
      sg.transpose(x), sg.concat([x, x], 1), sg.slice(x, [1, 1], [2, 2]),
      sg.grad((t) => sg.sum(sg.mul(sg.sigmoid(t), sg.softmax(t))))(x),
    ];
    const v = sg.variable(sg.tensor([1, 2, 3, 4]), true, 'browser_v');
    const opt = new sg.Adam({ learningRate: 0.1 });
    for (let i = 0; i < 3; i++) opt.applyGradients({ browser_v: sg.mul(v, 0.5) });
    r.push(sg.add(v, 0));
    opt.dispose();
    v.dispose();
    return r;
  });
  const values = [];
  for (const t of outs) values.push(Array.from(await t.data()));
  sg.dispose(outs);
  return values;
}`;

let served: Served;
let base = '';
let browser: Chromium | undefined;
let context: BrowserContext | undefined;

describe('webgpu in headless Chromium (navigator.gpu, SwiftShader)', () => {
  beforeAll(async () => {
    const bundle = await bundleForBrowser(join(root, 'src/index.ts'));
    const html = `<!doctype html><script type="module">import * as sg from '/simdgrad.js'; window.sg = sg;</script>`;
    served = await serveFiles({ '/simdgrad.js': ['text/javascript', bundle.contents], '/index.html': ['text/html', html] });
    base = served.base;
    if (!existsSync(CHROMIUM)) return;
    browser = await launchChromium({
      args: [
        '--headless',
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--use-webgpu-adapter=swiftshader',
        '--enable-features=Vulkan',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    context = browser.context;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('runs kernels through navigator.gpu with the js oracle\'s values', async (ctx) => {
    if (!context) {
      if (process.env.CI === 'true') throw new Error(`no Chromium at ${CHROMIUM}`);
      ctx.skip();
      return;
    }
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${base}/index.html`);
      await page.waitForFunction(() => (window as unknown as { sg?: unknown }).sg !== undefined);
      const hasGpu = await page.evaluate(() => 'gpu' in navigator);
      if (!hasGpu) {
        if (process.env.CI === 'true') throw new Error('this Chromium has no navigator.gpu with the WebGPU flags');
        console.warn('skipping: this Chromium has no navigator.gpu');
        ctx.skip();
        return;
      }
      const got = await page.evaluate(async (src) => {
        const w = window as unknown as { sg: typeof sg };
        await w.sg.setBackend('webgpu');
        // eslint-disable-next-line no-new-func
        const run = new Function(`return ${src}`)() as (s: typeof sg) => Promise<number[][]>;
        const values = await run(w.sg);
        return { values, backend: w.sg.getBackend(), adapter: w.sg.webgpu.adapter(), fallbacks: w.sg.webgpu.fallbacks() };
      }, WORKLOAD);
      expect(errors).toEqual([]);
      expect(got.backend).toBe('webgpu');
      expect(got.fallbacks).toEqual({});
      const prev = sg.getBackend();
      await sg.setBackend('js');
      // eslint-disable-next-line no-new-func
      const before = sg.memory().numTensors;
      const expected = await (new Function(`return ${WORKLOAD}`)() as (s: typeof sg) => Promise<number[][]>)(sg);
      expect(sg.memory().numTensors).toBe(before); // the workload frees what it makes
      await sg.setBackend(prev);
      expect(got.values.length).toBe(expected.length);
      got.values.forEach((v, i) => expectClose(v, expected[i], 1e-4, 1e-5));
      console.log(`browser WebGPU adapter: ${got.adapter}`);
    } finally {
      await page.close();
    }
  }, 120_000);
});
