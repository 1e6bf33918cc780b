// Image output for the examples: PNG files (grayscale or RGB) and grids of small images, written
// with node:zlib. Examples only (Node scripts); the library itself stays free of Node imports.
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes pixels as PNG. `pixels` holds height*width*channels values in [0, 1] (clamped), row
 * major, channels last; channels 1 (gray) or 3 (RGB).
 */
export function encodePng(pixels: ArrayLike<number>, width: number, height: number, channels: 1 | 3 = 1): Uint8Array {
  if (pixels.length !== width * height * channels) {
    throw new Error(`encodePng: ${pixels.length} values do not fill ${height}x${width}x${channels}`);
  }
  const raw = new Uint8Array(height * (1 + width * channels));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + width * channels)] = 0; // filter: none
    for (let i = 0; i < width * channels; i++) {
      const v = pixels[y * width * channels + i];
      raw[y * (1 + width * channels) + 1 + i] = Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
    }
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // gray or truecolour
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', new Uint8Array(deflateSync(raw))),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Writes a PNG file (making its folder). */
export function writePng(path: string, pixels: ArrayLike<number>, width: number, height: number, channels: 1 | 3 = 1): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodePng(pixels, width, height, channels));
}

/**
 * Tiles `images` (each h*w*channels values in [0, 1]) into a grid of `cols` columns with a
 * 1-pixel gap, and writes it as a PNG scaled up by `scale`.
 */
export function writeImageGrid(
  path: string,
  images: ArrayLike<number>[],
  h: number,
  w: number,
  cols: number,
  opts: { channels?: 1 | 3; scale?: number } = {},
): void {
  const c = opts.channels ?? 1;
  const s = opts.scale ?? 2;
  const rows = Math.ceil(images.length / cols);
  const W = (cols * (w + 1) + 1) * s;
  const H = (rows * (h + 1) + 1) * s;
  const px = new Float32Array(W * H * c).fill(1);
  images.forEach((img, k) => {
    const gx = (k % cols) * (w + 1) + 1;
    const gy = Math.floor(k / cols) * (h + 1) + 1;
    for (let y = 0; y < h * s; y++) {
      for (let x = 0; x < w * s; x++) {
        for (let ch = 0; ch < c; ch++) {
          px[((gy * s + y) * W + gx * s + x) * c + ch] = img[(Math.floor(y / s) * w + Math.floor(x / s)) * c + ch];
        }
      }
    }
  });
  writePng(path, px, W, H, c);
}
