// browser.fromPixels / fromPixelsAsync / toPixels / draw (issue 13):
//   - in Node, with ImageData-like {data, width, height} objects, against tfjs-core's own
//     functions given the same pixels (tfjs takes {data: Uint8Array, width, height} in Node);
//   - in headless Chromium (Debian's /usr/bin/chromium via playwright-core, as test/browser.test.ts)
//     with a real canvas, an HTMLImageElement decoded from a PNG, an ImageBitmap, ImageData and an
//     HTMLVideoElement playing the canvas' stream,
//     against tfjs-core bundled in the same page: same values, toPixels draws on the canvas,
//     draw() matches tfjs' cpu Draw kernel.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks } from '../helpers.js';
import { bundleForBrowser, CHROMIUM_ARGS, launchChromium, serveFiles, type Chromium, type Served } from '../browser/harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const W = 3;
const H = 2;
const PX = Uint8ClampedArray.from({ length: W * H * 4 }, (_, i) => (i * 53 + 7) % 256);

describe.each(BACKENDS)('browser.* with ImageData-like objects in Node on %s', (backend) => {
  beforeAll(async () => {
    await sg.setBackend(backend);
    await tf.setBackend('cpu');
  });
  checkNoLeaks();

  it('fromPixels / fromPixelsAsync with 1, 3 and 4 channels equal tfjs', async () => {
    for (const c of [1, 2, 3, 4]) {
      const s = sg.browser.fromPixels({ data: PX, width: W, height: H }, c);
      const t = tf.browser.fromPixels({ data: new Uint8Array(PX), width: W, height: H }, c);
      expect(s.shape).toEqual(t.shape);
      expect(s.dtype).toBe('int32');
      expect(Array.from(s.dataSync())).toEqual(Array.from(t.dataSync()));
      const a = await sg.browser.fromPixelsAsync({ data: new Uint8Array(PX), width: W, height: H }, c);
      expect(Array.from(a.dataSync())).toEqual(Array.from(t.dataSync()));
      sg.dispose([s, a]);
      t.dispose();
    }
  });

  it('toPixels: float32 [0, 1] and int32 [0, 255], 1/3/4 channels and rank 2, equal tfjs', async () => {
    const shapes = [[H, W], [H, W, 1], [H, W, 3], [H, W, 4]];
    for (const shape of shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      const ints = Array.from({ length: n }, (_, i) => (i * 97) % 256);
      const floats = ints.map((v) => v / 255);
      for (const [vals, dtype] of [
        [ints, 'int32'],
        [floats, 'float32'],
      ] as const) {
        const s = sg.tensor(vals, shape, dtype);
        const t = tf.tensor(vals, shape, dtype) as tf.Tensor3D;
        const sb = await sg.browser.toPixels(s);
        const tb = await tf.browser.toPixels(t);
        expect(sb).toBeInstanceOf(Uint8ClampedArray);
        expect(Array.from(sb)).toEqual(Array.from(tb));
        s.dispose();
        t.dispose();
      }
    }
    // a plain array is taken as int32, as tfjs
    expect(Array.from(await sg.browser.toPixels([[[10, 20, 30]]]))).toEqual(
      Array.from(await tf.browser.toPixels([[[10, 20, 30]]] as unknown as tf.Tensor3D)),
    );
  });

  it('bad arguments: clear errors naming the function and the argument, nothing leaked', async () => {
    const img = sg.tensor([[[2]]], [1, 1, 1]);
    const two = sg.zeros([1, 1, 2]);
    expect(() => sg.browser.fromPixels({ data: PX, width: W, height: 3 })).toThrow(
      /browser.fromPixels: pixels.data has 24 bytes but width x height x 4 = 3 x 3 x 4 = 36/,
    );
    expect(() => sg.browser.fromPixels({ data: PX, width: W, height: H }, 5)).toThrow(/numChannels must be 1, 2, 3 or 4 but is 5/);
    expect(() => sg.browser.fromPixels({ foo: 1 } as never)).toThrow(/browser.fromPixels: pixels must be ImageData.*but is 'Object'/);
    expect(() => sg.browser.fromPixels(null as never)).toThrow(/browser.fromPixels: pixels must be an image source but is null/);
    await expect(sg.browser.toPixels(img)).rejects.toThrow(/browser.toPixels: the values of a float32 image must be in \[0, 1\] but element 0 is 2/);
    await expect(sg.browser.toPixels(two)).rejects.toThrow(/browser.toPixels: img must have 1, 3 or 4 channels but has shape \[1,1,2\]/);
    await expect(sg.browser.toPixels([[[300]]])).rejects.toThrow(/int32 image must be in \[0, 255\] but element 0 is 300/);
    expect(() => sg.browser.draw(img, null as never)).toThrow(/browser.draw: canvas is required/);
    expect(() => sg.browser.draw(img, {} as never, { imageOptions: { alpha: 2 } })).toThrow(/imageOptions.alpha must be in \[0, 1\] but is 2/);
    sg.dispose([img, two]);
  });
});

describe('browser.* in headless Chromium (canvas, HTMLImageElement, ImageBitmap, ImageData)', () => {
  let served: Served;
  let browser: Chromium;
  let context: BrowserContext;
  let base = '';

  beforeAll(async () => {
    const bundle = await bundleForBrowser(join(here, 'browser', 'pixels_entry.ts'));
    const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/pixels.js"></script>';
    served = await serveFiles({ '/pixels.js': ['text/javascript', bundle.contents], '/': ['text/html', html] });
    base = served.base;
    browser = await launchChromium({ args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'] });
    context = browser.context;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('fromPixels of every source equals tfjs; toPixels draws on the canvas; draw equals tfjs', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => (window as unknown as { run?: unknown }).run !== undefined);
    const r = (await page.evaluate(() => (window as unknown as { run: () => Promise<unknown> }).run())) as Record<
      string,
      { shape: number[]; dtype: string; same: boolean; tfShape: number[] }
    > & {
      asyncMatchesSource: boolean;
      toPixels: { size: number[]; sameAsTfjs: boolean; canvasHasBytes: boolean; roundTrip: boolean };
      draw: { same: boolean; alpha: number };
      video: { shape: number[]; dtype: string; same: boolean; tfShape: number[]; distinct: boolean };
      leaked: number;
    };
    await page.close();
    expect(errors).toEqual([]);
    for (const src of ['canvas', 'img', 'imageData', 'bitmap'])
      for (const c of [1, 3, 4]) {
        expect(r[`${src}/${c}`], `${src}/${c}`).toEqual({ shape: [4, 5, c], dtype: 'int32', same: true, tfShape: [4, 5, c] });
      }
    expect(r.video).toEqual({ shape: [4, 5, 3], dtype: 'int32', same: true, tfShape: [4, 5, 3], distinct: true });
    expect(r.asyncMatchesSource).toBe(true);
    expect(r.toPixels).toEqual({ size: [5, 4], sameAsTfjs: true, canvasHasBytes: true, roundTrip: true });
    expect(r.draw).toEqual({ same: true, alpha: 128 });
    expect(r.leaked).toBe(0);
  }, 120_000);
});
