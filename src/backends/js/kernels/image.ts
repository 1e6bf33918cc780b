// cropAndResize in plain loops (the tfjs cpu algorithm); both CPU backends run it over views.
import type { CpuKernelDef } from '../../host.js';

export const imageDefs: CpuKernelDef[] = [
  {
    // image [B, H, W, C], boxes [n, 4] (y1, x1, y2, x2 normalised), boxInd int32 [n] -> [n, ch, cw, C]
    name: 'CropAndResize',
    outShape: ([img, boxes], attrs) => {
      const [ch, cw] = attrs.cropSize as number[];
      return { shape: [boxes.shape[0], ch, cw, img.shape[3]], dtype: 'float32' };
    },
    run: ([img, boxes, boxInd], out, infos, attrs) => {
      const [, H, W, C] = infos[0].shape;
      const n = infos[1].shape[0];
      const [ch, cw] = attrs.cropSize as number[];
      const bilinear = attrs.method === 'bilinear';
      const ext = attrs.extrapolationValue as number;
      const px = (b: number, y: number, x: number, c: number) => img[((b * H + y) * W + x) * C + c];
      for (let i = 0; i < n; i++) {
        const [y1, x1, y2, x2] = [boxes[i * 4], boxes[i * 4 + 1], boxes[i * 4 + 2], boxes[i * 4 + 3]];
        const b = boxInd[i];
        const hScale = ch > 1 ? ((y2 - y1) * (H - 1)) / (ch - 1) : 0;
        const wScale = cw > 1 ? ((x2 - x1) * (W - 1)) / (cw - 1) : 0;
        for (let y = 0; y < ch; y++) {
          const inY = ch > 1 ? y1 * (H - 1) + y * hScale : 0.5 * (y1 + y2) * (H - 1);
          for (let x = 0; x < cw; x++) {
            const o = ((i * ch + y) * cw + x) * C;
            const inX = cw > 1 ? x1 * (W - 1) + x * wScale : 0.5 * (x1 + x2) * (W - 1);
            if (inY < 0 || inY > H - 1 || inX < 0 || inX > W - 1) {
              for (let c = 0; c < C; c++) out[o + c] = ext;
              continue;
            }
            if (bilinear) {
              const top = Math.floor(inY);
              const bottom = Math.ceil(inY);
              const yl = inY - top;
              const left = Math.floor(inX);
              const right = Math.ceil(inX);
              const xl = inX - left;
              for (let c = 0; c < C; c++) {
                const t = px(b, top, left, c) + (px(b, top, right, c) - px(b, top, left, c)) * xl;
                const bt = px(b, bottom, left, c) + (px(b, bottom, right, c) - px(b, bottom, left, c)) * xl;
                out[o + c] = t + (bt - t) * yl;
              }
            } else {
              const cy = Math.round(inY);
              const cx = Math.round(inX);
              for (let c = 0; c < C; c++) out[o + c] = px(b, cy, cx, c);
            }
          }
        }
      }
    },
  },
];
