// tfjs-core's `browser` namespace: fromPixels / fromPixelsAsync (ImageData, {data, width,
// height} pixel data, canvas, OffscreenCanvas, HTMLImageElement, HTMLVideoElement, ImageBitmap
// -> int32 [height, width, numChannels]) and toPixels / draw (a [h, w] or [h, w, 1|3|4] tensor
// -> RGBA bytes, drawn on a canvas when one is given). Plain ImageData-like objects work in
// Node too; the DOM sources need a browser (or a worker with OffscreenCanvas).
import type { TensorLike } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { toTensor } from './util.js';

/** Raw RGBA pixels: `data` holds width x height x 4 bytes (ImageData has this shape). */
export interface PixelData {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** RGBA bytes, row by row: width x height x 4. */
  data: Uint8Array | Uint8ClampedArray;
}

/** Anything fromPixels reads. */
export type PixelSource =
  | PixelData
  | ImageData
  | HTMLImageElement
  | HTMLCanvasElement
  | HTMLVideoElement
  | ImageBitmap
  | OffscreenCanvas;

/** Options of `browser.draw`, as tfjs'. */
export interface DrawOptions {
  /** alpha in [0, 1]: the alpha of images without an alpha channel (default 1). */
  imageOptions?: { alpha?: number };
  /** The canvas context to draw with: only '2d' (tfjs' cpu backend takes only '2d' too). */
  contextOptions?: { contextType?: string; contextAttributes?: Record<string, unknown> };
}

type Ctx2D = {
  canvas: { width: number; height: number };
  drawImage(img: unknown, x: number, y: number, w: number, h: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  putImageData(img: unknown, x: number, y: number): void;
};

let scratch: Ctx2D | null = null;

/** A 2-d context to draw images and videos on (a DOM canvas, else an OffscreenCanvas). */
function scratchContext(): Ctx2D {
  if (scratch) return scratch;
  const g = globalThis as { document?: Document; OffscreenCanvas?: typeof OffscreenCanvas };
  let ctx: unknown = null;
  if (g.document) ctx = g.document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  else if (g.OffscreenCanvas) ctx = new g.OffscreenCanvas(1, 1).getContext('2d');
  if (!ctx)
    throw new Error(
      'browser.fromPixels: reading an image, video or ImageBitmap needs a 2-d canvas (a browser or a worker with OffscreenCanvas)',
    );
  scratch = ctx as Ctx2D;
  return scratch;
}

const isA = (x: unknown, name: string): boolean => {
  const C = (globalThis as Record<string, unknown>)[name];
  return typeof C === 'function' && x instanceof (C as new () => unknown);
};

/** RGBA bytes and size of a pixel source. */
function readPixels(op: string, pixels: PixelSource): { vals: ArrayLike<number>; width: number; height: number } {
  if (pixels == null) throw new Error(`${op}: pixels must be an image source but is ${pixels}`);
  const p = pixels as unknown as Record<string, unknown>;
  const isData = p.data instanceof Uint8Array || p.data instanceof Uint8ClampedArray;
  const isVideo = isA(pixels, 'HTMLVideoElement');
  const isImage = isA(pixels, 'HTMLImageElement') || isA(pixels, 'ImageBitmap');
  const isCanvas = !isData && typeof p.getContext === 'function';
  if (!isData && !isVideo && !isImage && !isCanvas)
    throw new Error(
      `${op}: pixels must be ImageData, {data: Uint8Array, width, height}, an HTMLImageElement, HTMLVideoElement, ` +
        `HTMLCanvasElement, OffscreenCanvas or ImageBitmap, but is '${(pixels as object).constructor?.name ?? typeof pixels}'`,
    );
  const width = (isVideo ? p.videoWidth : p.width) as number;
  const height = (isVideo ? p.videoHeight : p.height) as number;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0)
    throw new Error(`${op}: the source's width and height must be integers >= 0 but are ${width} x ${height}`);
  if ((isVideo || isImage) && (width === 0 || height === 0))
    throw new Error(
      `${op}: the ${isVideo ? 'video' : 'image'} has size ${width} x ${height}: wait until it has loaded (a video: until it has a frame)`,
    );
  let vals: ArrayLike<number>;
  if (isData) {
    vals = p.data as Uint8Array;
    if (vals.length !== width * height * 4)
      throw new Error(
        `${op}: pixels.data has ${vals.length} bytes but width x height x 4 = ${width} x ${height} x 4 = ${width * height * 4}`,
      );
  } else if (isCanvas) {
    const ctx = (p.getContext as (t: string) => Ctx2D | null).call(pixels, '2d');
    if (!ctx) throw new Error(`${op}: could not get a 2-d context from the canvas`);
    vals = ctx.getImageData(0, 0, width, height).data;
  } else {
    const ctx = scratchContext();
    ctx.canvas.width = width;
    ctx.canvas.height = height;
    ctx.drawImage(pixels, 0, 0, width, height);
    vals = ctx.getImageData(0, 0, width, height).data;
  }
  return { vals, width, height };
}

/**
 * An int32 tensor [height, width, numChannels] of an image's pixels (0-255), as tfjs'
 * `browser.fromPixels`: numChannels 1 (red), 3 (RGB, default) or 4 (RGBA).
 * @param pixels ImageData or {data, width, height} (works in Node), a canvas, image, video or ImageBitmap.
 * @example const img = sg.browser.fromPixels(document.querySelector('img')!);
 */
function fromPixels(pixels: PixelSource, numChannels = 3): Tensor {
  const op = 'browser.fromPixels';
  if (!Number.isInteger(numChannels) || numChannels < 1 || numChannels > 4)
    throw new Error(`${op}: numChannels must be 1, 2, 3 or 4 but is ${numChannels}`);
  const { vals, width, height } = readPixels(op, pixels);
  const n = width * height;
  const out = new Int32Array(n * numChannels);
  for (let i = 0; i < n; i++) for (let c = 0; c < numChannels; c++) out[i * numChannels + c] = vals[i * 4 + c];
  return ENGINE.makeTensor(out, [height, width, numChannels], 'int32');
}

/**
 * fromPixels as a promise (tfjs' `browser.fromPixelsAsync`); an ImageBitmap or image is read
 * the same way.
 * @example const img = await sg.browser.fromPixelsAsync(bitmap, 4);
 */
async function fromPixelsAsync(pixels: PixelSource, numChannels = 3): Promise<Tensor> {
  return fromPixels(pixels, numChannels);
}

/** RGBA bytes of a tensor image, tfjs' rules (float32 in [0, 1], int32 in [0, 255]). */
function toBytes(op: string, img: Tensor, data: ArrayLike<number>, alpha = 1): Uint8ClampedArray {
  const [height, width] = img.shape;
  const depth = img.rank === 2 ? 1 : img.shape[2];
  const mult = img.dtype === 'float32' ? 255 : 1;
  const bytes = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < height * width; i++) {
    const rgba = [0, 0, 0, 255 * alpha];
    for (let d = 0; d < depth; d++) {
      const v = data[i * depth + d];
      if (img.dtype === 'float32' ? !(v >= 0 && v <= 1) : !(v >= 0 && v <= 255))
        throw new Error(
          `${op}: the values of a ${img.dtype} image must be in [0, ${img.dtype === 'float32' ? 1 : 255}] but element ${i * depth + d} is ${v}`,
        );
      if (depth === 1) rgba[0] = rgba[1] = rgba[2] = v * mult;
      else rgba[d] = v * mult;
    }
    for (let k = 0; k < 4; k++) bytes[i * 4 + k] = Math.round(rgba[k]);
  }
  return bytes;
}

/** The image tensor toPixels/draw work on (plain values are taken as int32, as tfjs). */
function imageArg(op: string, img: Tensor | TensorLike): Tensor {
  const t = img instanceof Tensor ? toTensor(img, 'img', op) : toTensor(img, 'img', op, 'int32');
  const bad =
    t.rank !== 2 && t.rank !== 3
      ? `must have rank 2 or 3`
      : t.rank === 3 && ![1, 3, 4].includes(t.shape[2])
        ? `must have 1, 3 or 4 channels`
        : t.dtype !== 'float32' && t.dtype !== 'int32'
          ? `must be float32 or int32 (is ${t.dtype})`
          : '';
  if (bad) {
    if (t !== img) t.dispose();
    throw new Error(`${op}: img ${bad} but has shape ${fmt(t.shape)}`);
  }
  return t;
}

function paint(op: string, canvas: HTMLCanvasElement | OffscreenCanvas, bytes: Uint8ClampedArray, width: number, height: number, ctxType = '2d', attrs?: Record<string, unknown>): void {
  if (ctxType !== '2d') throw new Error(`${op}: contextType must be '2d' but is '${ctxType}'`);
  canvas.width = width;
  canvas.height = height;
  const ctx = (canvas.getContext as (t: string, a?: unknown) => Ctx2D | null).call(canvas, '2d', attrs ?? {});
  if (!ctx) throw new Error(`${op}: could not get a 2-d context from the canvas`);
  const ID = (globalThis as { ImageData?: typeof ImageData }).ImageData;
  if (!ID) throw new Error(`${op}: drawing needs ImageData (a browser or a worker)`);
  ctx.putImageData(new ID(bytes as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
}

/**
 * RGBA bytes (Uint8ClampedArray, width x height x 4) of a [height, width] or [height, width,
 * 1|3|4] image tensor, as tfjs' `browser.toPixels`: float32 values in [0, 1] are scaled by 255,
 * int32 values in [0, 255] are taken as they are; one channel is grey, alpha defaults to 255.
 * When `canvas` is given the image is also drawn on it (resized to the image).
 * @example const bytes = await sg.browser.toPixels(img, canvasElement);
 */
async function toPixels(img: Tensor | TensorLike, canvas?: HTMLCanvasElement | OffscreenCanvas): Promise<Uint8ClampedArray> {
  const op = 'browser.toPixels';
  const t = imageArg(op, img);
  try {
    const bytes = toBytes(op, t, await t.data());
    if (canvas != null) paint(op, canvas, bytes, t.shape[1], t.shape[0]);
    return bytes;
  } finally {
    if (t !== img) t.dispose();
  }
}

/**
 * Draws an image tensor on a canvas synchronously, as tfjs' `browser.draw` (2-d context;
 * imageOptions.alpha in [0, 1] sets the alpha of images without an alpha channel).
 * @example sg.browser.draw(img, canvasElement, { imageOptions: { alpha: 0.5 } });
 */
function draw(image: Tensor | TensorLike, canvas: HTMLCanvasElement | OffscreenCanvas, options?: DrawOptions): void {
  const op = 'browser.draw';
  const alpha = options?.imageOptions?.alpha ?? 1;
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`${op}: imageOptions.alpha must be in [0, 1] but is ${alpha}`);
  if (canvas == null) throw new Error(`${op}: canvas is required`);
  const t = imageArg(op, image);
  try {
    const bytes = toBytes(op, t, t.dataSync(), alpha || 1);
    paint(op, canvas, bytes, t.shape[1], t.shape[0], options?.contextOptions?.contextType ?? '2d', options?.contextOptions?.contextAttributes);
  } finally {
    if (t !== image) t.dispose();
  }
}

/** tfjs-core's `browser` namespace. */
export const browser = { fromPixels, fromPixelsAsync, toPixels, draw };
