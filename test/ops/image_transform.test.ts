// image.transform against tfjs-core's tf.image.transform (cpu backend) for every fill mode and
// interpolation, on both backends; its image gradient against finite differences; bad input.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, randArray, take, withBackend } from '../helpers.js';

await tf.setBackend('cpu');

const MODES = ['constant', 'reflect', 'wrap', 'nearest'] as const;
const INTERPS = ['nearest', 'bilinear'] as const;

// Rotation by 30 degrees about the centre with a shift, a zoom, a shear, a projective one and a
// large shift that lands far outside (exercises the reflect/wrap folding).
function transforms(h: number, w: number): number[][] {
  const th = Math.PI / 6;
  const [cx, cy] = [(w - 1) / 2, (h - 1) / 2];
  const c = Math.cos(th),
    s = Math.sin(th);
  return [
    [c, -s, cx - c * cx + s * cy + 0.3, s, c, cy - s * cx - c * cy - 0.7, 0, 0],
    [1.3, 0, -1.1, 0, 0.7, 0.9, 0, 0],
    [1, 0.4, -0.5, 0.2, 1, 0.25, 0, 0],
    [1, 0.1, 0.2, 0.05, 0.9, 0.1, 0.02, -0.03],
    [1, 0, 13.6, 0, 1, -17.2, 0, 0],
    [-1, 0, w - 1, 0, 1, 0, 0, 0],
  ];
}

function tfTransform(
  img: Float32Array,
  shape: number[],
  t: number[],
  interp: string,
  mode: string,
  fill: number,
  out?: [number, number],
): number[] {
  // tfjs 4.22's cpu kernel transforms only the first image of a batch, so one image per call.
  return tf.tidy(() =>
    Array.from(
      tf.image
        .transform(
          tf.tensor4d(img, shape as [number, number, number, number]),
          tf.tensor2d([t]),
          interp as 'nearest',
          mode as 'constant',
          fill,
          out,
        )
        .dataSync(),
    ),
  );
}

describe.each(BACKENDS)('image.transform on %s', (backend) => {
  checkNoLeaks();

  for (const mode of MODES) {
    for (const interp of INTERPS) {
      it(`matches tfjs-core: fillMode ${mode}, interpolation ${interp}`, async () => {
        await withBackend(backend, () => {
          const [h, w, c] = [5, 7, 2];
          const ts = transforms(h, w);
          const n = ts.length;
          const data = randArray(n * h * w * c, 3);
          const got = sg.tidy(() =>
            take(sg.image.transform(sg.tensor(data, [n, h, w, c]), sg.tensor2d(ts), interp, mode, -0.5)),
          );
          const per = h * w * c;
          for (let b = 0; b < n; b++) {
            const want = tfTransform(data.subarray(b * per, (b + 1) * per), [1, h, w, c], ts[b], interp, mode, -0.5);
            expectClose(got.slice(b * per, (b + 1) * per), want, 1e-5, 1e-6);
          }
        });
      });
    }
  }

  it('matches tfjs-core with an outputShape and one transform for the whole batch', async () => {
    await withBackend(backend, () => {
      const data = randArray(2 * 4 * 6 * 3, 5);
      const t = [0.8, 0.1, 0.3, -0.1, 1.2, 0.4, 0, 0];
      const got = sg.tidy(() =>
        take(sg.image.transform(sg.tensor(data, [2, 4, 6, 3]), sg.tensor2d([t]), 'bilinear', 'reflect', 0, [3, 8])),
      );
      expect(got.length).toBe(2 * 3 * 8 * 3);
      for (let b = 0; b < 2; b++) {
        const want = tfTransform(
          data.subarray(b * 72, (b + 1) * 72),
          [1, 4, 6, 3],
          t,
          'bilinear',
          'reflect',
          0,
          [3, 8],
        );
        expectClose(got.slice(b * 72, (b + 1) * 72), want, 1e-5, 1e-6);
      }
    });
  });

  it('identity transform returns the image; a horizontal flip is exact', async () => {
    await withBackend(backend, () => {
      const data = randArray(3 * 4 * 2, 8);
      const x = sg.tensor(data, [1, 3, 4, 2]);
      expect(take(sg.image.transform(x, [[1, 0, 0, 0, 1, 0, 0, 0]], 'bilinear'))).toEqual(Array.from(data));
      const flipped = take(sg.image.transform(x, [[-1, 0, 3, 0, 1, 0, 0, 0]], 'bilinear'));
      for (let r = 0; r < 3; r++)
        for (let q = 0; q < 4; q++)
          for (let ch = 0; ch < 2; ch++) expect(flipped[(r * 4 + q) * 2 + ch]).toBe(data[(r * 4 + (3 - q)) * 2 + ch]);
      x.dispose();
    });
  });

  for (const mode of MODES) {
    it(`image gradient against finite differences (bilinear, ${mode})`, async () => {
      await withBackend(backend, () => {
        const x = rand([2, 4, 5, 2], 11);
        const t = sg.tensor2d([
          [0.9, -0.2, 0.37, 0.25, 1.1, -0.41, 0, 0],
          [1, 0, 1.6, 0, 1, -1.3, 0, 0],
        ]);
        gradCheck((img) => sg.image.transform(img, t, 'bilinear', mode, 0.5), [x], { eps: 1e-2 });
        x.dispose();
        t.dispose();
      });
    });
  }

  it('nearest-interpolation gradient routes dy to the sampled pixels', async () => {
    await withBackend(backend, () => {
      const x = rand([1, 3, 3, 1], 12);
      const t = sg.tensor2d([[1, 0, 1, 0, 1, 0, 0, 0]]); // reads x + 1: column 0 of x is never read
      const g = take(sg.grad((img: sg.Tensor) => sg.sum(sg.image.transform(img, t, 'nearest', 'constant')))(x));
      expect(g).toEqual([0, 1, 1, 0, 1, 1, 0, 1, 1]);
      x.dispose();
      t.dispose();
    });
  });

  it('rejects bad arguments with errors naming the argument and shapes', async () => {
    await withBackend(backend, () => {
      sg.tidy(() => {
        const x = sg.zeros([2, 3, 3, 1]);
        const t = sg.zeros([2, 8]);
        expect(() => sg.image.transform(sg.zeros([3, 3, 1]), t)).toThrow(
          /image.transform: 'image' must be rank 4.*\[3,3,1\]/,
        );
        expect(() => sg.image.transform(x, sg.zeros([3, 8]))).toThrow(
          /'transforms' must have shape \[2, 8\] or \[1, 8\].*\[3,8\]/,
        );
        expect(() => sg.image.transform(x, sg.zeros([2, 6]))).toThrow(/'transforms'/);
        expect(() => sg.image.transform(x, t, 'cubic')).toThrow(
          /'interpolation' must be one of nearest, bilinear but is 'cubic'/,
        );
        expect(() => sg.image.transform(x, t, 'nearest', 'mirror')).toThrow(/'fillMode' must be one of/);
        expect(() => sg.image.transform(x, t, 'nearest', 'constant', NaN)).toThrow(/fillValue/);
        expect(() =>
          sg.image.transform(x, [
            [1, 0, 0, 0, 1, 0, 0, 0],
            [1, 0, NaN, 0, 1, 0, 0, 0],
          ]),
        ).toThrow(/'transforms' row 1 holds NaN at column 2/);
        expect(() => sg.image.transform(x, t, 'nearest', 'constant', 0, [0, 3])).toThrow(/outputShape/);
      });
    });
  });
});
