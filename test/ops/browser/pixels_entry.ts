// Bundled by test/ops/browser_pixels.test.ts for headless Chromium: simdgrad and tfjs-core
// (cpu backend) side by side, plus the page program comparing their browser.* functions on a
// real canvas, an HTMLImageElement, an ImageBitmap and ImageData.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as sg from '../../../src/index.js';

const W = 5;
const H = 4;

/** Deterministic opaque RGBA pixels (alpha 255, so no premultiplication changes them). */
function pattern(): Uint8ClampedArray {
  const px = new Uint8ClampedArray(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    px[i * 4] = (i * 37) % 256;
    px[i * 4 + 1] = (i * 91 + 13) % 256;
    px[i * 4 + 2] = (255 - i * 11) % 256;
    px[i * 4 + 3] = 255;
  }
  return px;
}

const arr = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync());

async function run(): Promise<Record<string, unknown>> {
  await tf.setBackend('cpu');
  await sg.setBackend('wasm');
  const before = sg.memory().numTensors;
  const src = pattern();
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  canvas.getContext('2d')!.putImageData(new ImageData(src, W, H), 0, 0);
  // An <img> decoded from the canvas' lossless PNG.
  const img = new Image();
  img.src = canvas.toDataURL('image/png');
  await img.decode();
  const bitmap = await createImageBitmap(canvas);
  const imageData = new ImageData(src, W, H);
  const out: Record<string, unknown> = {};
  for (const [name, source] of [
    ['canvas', canvas],
    ['img', img],
    ['imageData', imageData],
    ['bitmap', bitmap],
  ] as const) {
    for (const c of [1, 3, 4]) {
      const s = sg.browser.fromPixels(source, c);
      const t = tf.browser.fromPixels(source, c);
      out[`${name}/${c}`] = { shape: s.shape, dtype: s.dtype, same: JSON.stringify(arr(s)) === JSON.stringify(arr(t)), tfShape: t.shape };
      s.dispose();
      t.dispose();
    }
  }
  // An HTMLVideoElement playing the canvas' stream: read through videoWidth/videoHeight. The
  // frame goes through the video pipeline (colour conversion), so simdgrad is compared with tfjs
  // reading the same paused frame, not with the source bytes.
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = canvas.captureStream(30);
  await Promise.race([video.play(), new Promise((r) => setTimeout(r, 3000))]);
  // a captured canvas emits a frame when it is painted
  for (let i = 0; i < 100 && (video.videoWidth === 0 || video.readyState < 2); i++) {
    canvas.getContext('2d')!.putImageData(new ImageData(src, W, H), 0, 0);
    await new Promise((r) => setTimeout(r, 20));
  }
  video.pause();
  {
    const s = sg.browser.fromPixels(video, 3);
    const t = tf.browser.fromPixels(video, 3);
    // distinct values: the frame is the pattern, not a blank one
    out.video = { shape: s.shape, dtype: s.dtype, same: JSON.stringify(arr(s)) === JSON.stringify(arr(t)), tfShape: t.shape, distinct: new Set(arr(s)).size > 10 };
    s.dispose();
    t.dispose();
  }
  const a = await sg.browser.fromPixelsAsync(img, 4);
  out.asyncMatchesSource = JSON.stringify(arr(a)) === JSON.stringify(Array.from(src));
  a.dispose();
  // toPixels onto a canvas: the returned bytes, the canvas' pixels and tfjs' bytes agree.
  const f = sg.tidy(() => sg.div(sg.cast(sg.browser.fromPixels(canvas, 3), 'float32'), 255));
  const target = document.createElement('canvas');
  const bytes = await sg.browser.toPixels(f, target);
  const tfBytes = await tf.browser.toPixels(tf.div(tf.browser.fromPixels(canvas, 3), 255) as tf.Tensor3D);
  const drawn = target.getContext('2d')!.getImageData(0, 0, target.width, target.height).data;
  out.toPixels = {
    size: [target.width, target.height],
    sameAsTfjs: JSON.stringify(Array.from(bytes)) === JSON.stringify(Array.from(tfBytes)),
    canvasHasBytes: JSON.stringify(Array.from(drawn)) === JSON.stringify(Array.from(bytes)),
    roundTrip: JSON.stringify(Array.from(bytes)) === JSON.stringify(Array.from(src)),
  };
  // draw with alpha, against tfjs' cpu Draw kernel on another canvas
  const g = sg.tidy(() => sg.cast(sg.browser.fromPixels(canvas, 1), 'int32'));
  const c1 = document.createElement('canvas');
  const c2 = document.createElement('canvas');
  sg.browser.draw(g, c1, { imageOptions: { alpha: 0.5 } });
  const tg = tf.browser.fromPixels(canvas, 1);
  tf.browser.draw(tg, c2, { imageOptions: { alpha: 0.5 } });
  const d1 = c1.getContext('2d')!.getImageData(0, 0, W, H).data;
  const d2 = c2.getContext('2d')!.getImageData(0, 0, W, H).data;
  out.draw = { same: JSON.stringify(Array.from(d1)) === JSON.stringify(Array.from(d2)), alpha: d1[3] };
  sg.dispose([f, g]);
  tg.dispose();
  out.leaked = sg.memory().numTensors - before;
  return out;
}

(window as unknown as { run: typeof run }).run = run;
