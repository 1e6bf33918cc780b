// Plots for the examples as PNG files: a scatter of 2-d points coloured by class (the VAE's latent
// space), with a legend made of one sample image per class tinted in its colour. Examples only.
import { writePng } from './images.js';

/** matplotlib's tab10 colours, one per digit. */
export const TAB10: [number, number, number][] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
].map(([r, g, b]) => [r / 255, g / 255, b / 255]);

/**
 * Writes a size x size scatter of `points` (x, y pairs) coloured by `labels` (0-9), with axes
 * through the origin in grey and, below it, a legend row: for each class its colour as the ink of
 * `legendImages[class]` (28x28 values in [0, 1]), so the legend needs no text.
 */
export function writeScatterPng(
  path: string,
  points: ArrayLike<number>,
  labels: ArrayLike<number>,
  legendImages: ArrayLike<number>[],
  size = 480,
): { xRange: [number, number]; yRange: [number, number] } {
  const n = labels.length;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, points[2 * i]);
    x1 = Math.max(x1, points[2 * i]);
    y0 = Math.min(y0, points[2 * i + 1]);
    y1 = Math.max(y1, points[2 * i + 1]);
  }
  const pad = 0.05 * Math.max(x1 - x0, y1 - y0, 1e-6);
  [x0, x1, y0, y1] = [x0 - pad, x1 + pad, y0 - pad, y1 + pad];
  const legendH = 36;
  const W = size;
  const H = size + legendH;
  const px = new Float32Array(W * H * 3).fill(1);
  const set = (x: number, y: number, c: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    px.set(c, (y * W + x) * 3);
  };
  const toX = (v: number) => Math.round(((v - x0) / (x1 - x0)) * (size - 1));
  const toY = (v: number) => Math.round((1 - (v - y0) / (y1 - y0)) * (size - 1));
  const grey: [number, number, number] = [0.75, 0.75, 0.75];
  if (x0 < 0 && x1 > 0) for (let y = 0; y < size; y++) set(toX(0), y, grey);
  if (y0 < 0 && y1 > 0) for (let x = 0; x < size; x++) set(x, toY(0), grey);
  for (let i = 0; i < n; i++) {
    const cx = toX(points[2 * i]);
    const cy = toY(points[2 * i + 1]);
    const c = TAB10[labels[i] % 10];
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) set(cx + dx, cy + dy, c);
  }
  // Legend: each class's sample digit drawn in its colour.
  legendImages.forEach((img, k) => {
    const ox = 8 + k * 46;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const a = img[y * 28 + x];
        const c = TAB10[k];
        set(ox + x, size + 4 + y, [1 - a * (1 - c[0]), 1 - a * (1 - c[1]), 1 - a * (1 - c[2])]);
      }
    }
  });
  writePng(path, px, W, H, 3);
  return { xRange: [x0, x1], yRange: [y0, y1] };
}
