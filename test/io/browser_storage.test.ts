// The browser save handlers in a real page: headless Chromium (Debian's /usr/bin/chromium, driven
// by playwright-core, as test/browser.test.ts) runs an esbuild bundle of browser_storage_entry.ts:
// - indexeddb:// and localstorage://: a trained model saved with its optimizer and loaded back in
//   the page predicts the same and takes the same next step; tfjs-layers 4.22 in the same page loads
//   what simdgrad stored (and simdgrad what tfjs-layers stored): real IndexedDB and localStorage,
//   in tfjs' database, stores and keys.
// - downloads://: the page's save triggers two downloads (playwright's download event): the
//   model.json and weights.bin load in simdgrad in Node and in tfjs-layers in Node (io.fromMemory),
//   and predict what the page predicted; downloads://name.keras and name.h5 download one Keras file
//   each, which sg.loadModel reads in Node.
// - ONNX export in the page (sg.onnx.exportModel): the bytes run in onnxruntime-node in Node and
//   predict what the page did.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Download } from 'playwright-core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { bundleForBrowser, launchChromium, serveFiles, type Chromium, type Served } from '../browser/harness.js';
import { INPUT, trainedModel } from './browser_storage_entry.js';

const here = fileURLToPath(new URL('.', import.meta.url));
let served: Served;
let base = '';
let browser: Chromium;
let context: BrowserContext;
let downloads = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  const bundle = await bundleForBrowser(join(here, 'browser_storage_entry.ts'));
  served = await serveFiles({
    '/entry.js': ['text/javascript', bundle.contents],
    '/index.html': ['text/html', '<!doctype html><meta charset="utf-8"><script type="module" src="/entry.js"></script>'],
  });
  base = served.base;
  downloads = mkdtempSync(join(tmpdir(), 'simdgrad-downloads-'));
  browser = await launchChromium({ acceptDownloads: true });
  context = browser.context;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  if (downloads) rmSync(downloads, { recursive: true, force: true });
});

/** What the model predicts in Node (same weights and training as in the page). */
function nodePrediction(): number[] {
  const m = trainedModel(sg);
  const x = sg.tensor(INPUT, [3, 4]);
  const y = m.predict(x) as sg.Tensor;
  const out = Array.from(y.dataSync());
  sg.dispose([x, y]);
  m.optimizer.dispose();
  m.dispose();
  return out;
}

function expectNear(got: number[], want: number[], tol: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(tol));
}

async function openPage() {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/index.html`);
  await page.waitForFunction(() => (window as unknown as { run?: unknown }).run !== undefined, undefined, { timeout: 60_000 });
  return { page, errors };
}

describe('browser save handlers in headless Chromium', () => {
  it('indexeddb:// and localstorage://: saved and loaded in the page, by simdgrad and by tfjs-layers 4.22', async () => {
    const { page, errors } = await openPage();
    const r = (await page.evaluate(() => (window as unknown as { run: (s: string) => Promise<unknown> }).run('storage'))) as Record<string, unknown>;
    await page.close();
    expect(errors).toEqual([]);
    expect(r.isNode).toBe(false);
    const before = r.before as number[];
    // The page computes what Node computes (same wasm kernels).
    expectNear(before, nodePrediction(), 1e-6);
    expect(r.idbBack).toEqual(before);
    expect(r.idbIterations).toBe(2);
    expect(r.nextStepSame).toBe(true);
    expectNear(r.idbTfjs as number[], before, 1e-5);
    expect(r.idbKeys).toEqual({ model_info_store: ['sg-mlp', 'tfjs-mlp'], models_store: ['sg-mlp', 'tfjs-mlp'] });
    expect((r.idbSave as { weightDataBytes: number }).weightDataBytes).toBeGreaterThan((4 * 5 + 5 + 5 * 2 + 2) * 4);
    expectNear(r.tfjsBySg as number[], r.tfjsOwn as number[], 1e-6);
    expect(r.lsBack).toEqual(before);
    expect(r.lsIterations).toBe(2);
    expectNear(r.lsTfjs as number[], before, 1e-5);
    expect(r.lsKeys).toEqual(['info', 'model_metadata', 'model_topology', 'weight_data', 'weight_specs'].map((k) => `tensorflowjs_models/sg-mlp-ls/${k}`));
    expect(r.missing).toMatch(/indexeddb:\/\/no-such-model/);
    expect(r.tensorsLeft).toBe(0);
  }, 120_000);

  it('downloads:// (tfjs files, .keras, .h5) and ONNX export in the page: the files load in Node (simdgrad, tfjs-layers, onnxruntime) and predict what the page did', async () => {
    const { page, errors } = await openPage();
    const got: Download[] = [];
    page.on('download', (d) => got.push(d));
    const r = (await page.evaluate(() => (window as unknown as { run: (s: string) => Promise<unknown> }).run('download'))) as { before: number[]; onnx: number[] };
    const t0 = Date.now();
    while (got.length < 4 && Date.now() - t0 < 20_000) await new Promise((res) => setTimeout(res, 50));
    expect(got.map((d) => d.suggestedFilename()).sort()).toEqual(['dl_mlp.h5', 'dl_mlp.json', 'dl_mlp.keras', 'dl_mlp.weights.bin']);
    for (const d of got) await d.saveAs(join(downloads, d.suggestedFilename()));
    await page.close();
    expect(errors).toEqual([]);

    // simdgrad in Node, from the files (file:// handler, relative weight path), optimizer included.
    const json = JSON.parse(readFileSync(join(downloads, 'dl_mlp.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['./dl_mlp.weights.bin']);
    const m = await sg.loadLayersModel(`file://${join(downloads, 'dl_mlp.json')}`);
    const x = sg.tensor(INPUT, [3, 4]);
    const y = m.predict(x) as sg.Tensor;
    expect(Array.from(y.dataSync())).toEqual(r.before);
    expect(m.optimizer.iterations).toBe(2);
    sg.dispose([x, y]);
    m.dispose();

    // tfjs-layers in Node, through tfjs-core's io.fromMemory (no tfjs-node).
    const bin = readFileSync(join(downloads, 'dl_mlp.weights.bin'));
    const specs = json.weightsManifest.flatMap((g: { weights: tf.io.WeightsManifestEntry[] }) => g.weights).filter((w: { group?: string }) => w.group !== 'optimizer');
    const modelBytes = specs.reduce((n: number, s: tf.io.WeightsManifestEntry) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
    const theirs = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + modelBytes) }),
    );
    const tx = tf.tensor(INPUT, [3, 4]);
    const ty = theirs.predict(tx) as tf.Tensor;
    expectNear(Array.from(ty.dataSync()), r.before, 1e-5);
    tf.dispose([tx, ty]);
    theirs.dispose();

    // downloads://dl_mlp.keras and .h5: one file each, which sg.loadModel reads in Node (the .keras
    // file with the optimizer's state).
    for (const file of ['dl_mlp.keras', 'dl_mlp.h5']) {
      const k = await sg.loadModel(`file://${join(downloads, file)}`);
      const kx = sg.tensor(INPUT, [3, 4]);
      const ky = k.predict(kx) as sg.Tensor;
      expect(Array.from(ky.dataSync()), file).toEqual(r.before);
      expect(k.optimizer.iterations, file).toBe(file.endsWith('.keras') ? 2 : 0);
      sg.dispose([kx, ky]);
      k.dispose();
    }

    // The ONNX file exported in the page runs in onnxruntime-node and predicts what the page did.
    const session = await ort.InferenceSession.create(Uint8Array.from(r.onnx));
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(INPUT), [3, 4]) });
    expectNear(Array.from(out[session.outputNames[0]].data as Float32Array), r.before, 1e-5);
    await session.release?.();
  }, 120_000);
});
