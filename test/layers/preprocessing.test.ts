// The Keras 3 augmentation layers (randomFlip, randomTranslation, randomRotation, randomZoom)
// against hand-computed cases: exact flips, identity at zero factors and at inference, integer
// shifts, quarter turns, zooms of a linear ramp (bilinear reproduces it exactly), seeded draws.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { Rng } from '../../src/engine/random.js';
import { deserializeLayer, serializeLayer } from '../../src/io/serialization.js';
import { fromSavedConfig, toSavedConfig } from '../../src/io/config_names.js';
import { BACKENDS, checkNoLeaks, expectClose, randArray, take, withBackend } from '../helpers.js';

const run = (layer: sg.Layer, x: sg.Tensor, training = true) => take(layer.apply(x, { training }) as sg.Tensor);

describe.each(BACKENDS)('augmentation layers on %s', (backend) => {
  checkNoLeaks();

  it('randomFlip horizontal: each image is kept or mirrored exactly, as the seeded draws say', async () => {
    await withBackend(backend, () => {
      const [n, h, w, c] = [16, 3, 4, 2];
      const data = randArray(n * h * w * c, 1);
      const x = sg.tensor(data, [n, h, w, c]);
      const layer = sg.layers.randomFlip({ mode: 'horizontal', seed: 42 });
      const got = run(layer, x);
      const rng = new Rng(42);
      let flips = 0;
      for (let b = 0; b < n; b++) {
        const flip = rng.uniform() <= 0.5;
        flips += flip ? 1 : 0;
        for (let r = 0; r < h; r++)
          for (let q = 0; q < w; q++)
            for (let ch = 0; ch < c; ch++) {
              const src = flip ? w - 1 - q : q;
              expect(got[((b * h + r) * w + q) * c + ch]).toBe(data[((b * h + r) * w + src) * c + ch]);
            }
      }
      expect(flips).toBeGreaterThan(0);
      expect(flips).toBeLessThan(n);
      x.dispose();
    });
  });

  it('randomFlip vertical and horizontal_and_vertical', async () => {
    await withBackend(backend, () => {
      const [n, h, w] = [12, 3, 2];
      const data = randArray(n * h * w, 2);
      const x = sg.tensor(data, [n, h, w, 1]);
      for (const mode of ['vertical', 'horizontal_and_vertical'] as const) {
        const got = run(sg.layers.randomFlip({ mode, seed: 7 }), x);
        const rng = new Rng(7);
        for (let b = 0; b < n; b++) {
          const flip = rng.uniform() <= 0.5;
          for (let r = 0; r < h; r++)
            for (let q = 0; q < w; q++) {
              const sr = flip ? h - 1 - r : r;
              const sq = flip && mode !== 'vertical' ? w - 1 - q : q;
              expect(got[(b * h + r) * w + q]).toBe(data[(b * h + sr) * w + sq]);
            }
        }
      }
      x.dispose();
    });
  });

  it('is the identity at inference, and zero factors are the identity in training', async () => {
    await withBackend(backend, () => {
      const data = randArray(2 * 5 * 5 * 3, 3);
      const x = sg.tensor(data, [2, 5, 5, 3]);
      const all = [
        sg.layers.randomFlip({ seed: 1 }),
        sg.layers.randomTranslation({ heightFactor: 0.3, widthFactor: 0.3, seed: 1 }),
        sg.layers.randomRotation({ factor: 0.4, seed: 1 }),
        sg.layers.randomZoom({ heightFactor: 0.3, seed: 1 }),
      ];
      for (const l of all) {
        expect(run(l, x, false)).toEqual(Array.from(data));
        expect(take(l.apply(x) as sg.Tensor)).toEqual(Array.from(data)); // no training flag: inference
      }
      const zero = [
        sg.layers.randomTranslation({ heightFactor: 0, widthFactor: 0 }),
        sg.layers.randomRotation({ factor: 0 }),
        sg.layers.randomZoom({ heightFactor: 0, widthFactor: 0 }),
      ];
      for (const l of zero) expect(run(l, x)).toEqual(Array.from(data));
      x.dispose();
    });
  });

  it('randomTranslation by whole pixels shifts and fills per fillMode', async () => {
    await withBackend(backend, () => {
      // widthFactor [0.25, 0.25] on width 4: dx = +1 exactly; heightFactor [-1/3, -1/3] on height 3: dy = -1.
      const row = [1, 2, 3, 4];
      const img = [row, row.map((v) => v + 10), row.map((v) => v + 20)];
      const x = sg.tensor([img.map((r) => r.map((v) => [v]))]);
      const args = {
        heightFactor: [-1 / 3, -1 / 3] as [number, number],
        widthFactor: [0.25, 0.25] as [number, number],
      };
      const c = run(sg.layers.randomTranslation({ ...args, fillMode: 'constant', fillValue: -1, seed: 0 }), x);
      expectClose(c, [-1, 11, 12, 13, -1, 21, 22, 23, -1, -1, -1, -1], 0, 1e-5);
      const nn = run(sg.layers.randomTranslation({ ...args, fillMode: 'nearest', interpolation: 'nearest' }), x);
      expect(nn).toEqual([11, 11, 12, 13, 21, 21, 22, 23, 21, 21, 22, 23]);
      const wrap = run(sg.layers.randomTranslation({ ...args, fillMode: 'wrap', interpolation: 'nearest' }), x);
      expect(wrap).toEqual([14, 11, 12, 13, 24, 21, 22, 23, 4, 1, 2, 3]);
      const refl = run(sg.layers.randomTranslation({ ...args, fillMode: 'reflect', interpolation: 'nearest' }), x);
      expect(refl).toEqual([11, 11, 12, 13, 21, 21, 22, 23, 21, 21, 22, 23]);
      x.dispose();
    });
  });

  it('randomRotation by a quarter turn permutes pixels exactly (nearest)', async () => {
    await withBackend(backend, () => {
      const data = Float32Array.from({ length: 9 }, (_, i) => i);
      const x = sg.tensor(data, [1, 3, 3, 1]);
      const got = run(sg.layers.randomRotation({ factor: [0.25, 0.25], interpolation: 'nearest' }), x);
      // output (x, y) reads input (2 - y, x): out[y][x] = in[row x][col 2 - y]
      for (let y = 0; y < 3; y++) for (let q = 0; q < 3; q++) expect(got[y * 3 + q]).toBe(data[q * 3 + (2 - y)]);
      x.dispose();
    });
  });

  it('randomZoom of a linear ramp is the ramp at the zoomed coordinates (bilinear is exact on it)', async () => {
    await withBackend(backend, () => {
      const [h, w] = [5, 7];
      const ramp = Float32Array.from({ length: h * w }, (_, i) => (i % w) + 10 * Math.floor(i / w));
      const x = sg.tensor(ramp, [1, h, w, 1]);
      const got = run(sg.layers.randomZoom({ heightFactor: [-0.5, -0.5], widthFactor: [-0.25, -0.25] }), x);
      const want: number[] = [];
      for (let y = 0; y < h; y++)
        for (let q = 0; q < w; q++) want.push(0.75 * q + ((w - 1) / 2) * 0.25 + 10 * (0.5 * y + ((h - 1) / 2) * 0.5));
      expectClose(got, want, 1e-6, 1e-5);
      // widthFactor absent: the height draw scales both axes
      const both = run(sg.layers.randomZoom({ heightFactor: [-0.5, -0.5] }), x);
      const want2: number[] = [];
      for (let y = 0; y < h; y++)
        for (let q = 0; q < w; q++) want2.push(0.5 * q + ((w - 1) / 2) * 0.5 + 10 * (0.5 * y + 1));
      expectClose(both, want2, 1e-6, 1e-5);
      x.dispose();
    });
  });

  it('seeds: the same seed gives the same sequence; successive calls differ; unbatched images work', async () => {
    await withBackend(backend, () => {
      const x = sg.tensor(randArray(4 * 6 * 6 * 1, 9), [4, 6, 6, 1]);
      const a = sg.layers.randomRotation({ factor: 0.2, seed: 123 });
      const b = sg.layers.randomRotation({ factor: 0.2, seed: 123 });
      const a1 = run(a, x),
        a2 = run(a, x);
      expect(run(b, x)).toEqual(a1);
      expect(run(b, x)).toEqual(a2);
      expect(a2).not.toEqual(a1);
      expect(run(sg.layers.randomRotation({ factor: 0.2, seed: 124 }), x)).not.toEqual(a1);
      const one = sg.tensor(randArray(36, 4), [6, 6, 1]);
      const y = sg.layers.randomZoom({ heightFactor: 0.3, seed: 5 }).apply(one, { training: true }) as sg.Tensor;
      expect(y.shape).toEqual([6, 6, 1]);
      y.dispose();
      one.dispose();
      x.dispose();
    });
  });
});

describe('augmentation layers: models, configs, errors', () => {
  checkNoLeaks();

  it('train in a model: augmented during fit, the identity in predict', async () => {
    const m = sg.sequential({
      layers: [
        sg.layers.randomFlip({ inputShape: [4, 4, 1], mode: 'horizontal', seed: 3 }),
        sg.layers.randomRotation({ factor: 0.1, seed: 3 }),
        sg.layers.flatten(),
        sg.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = sg.tensor(randArray(8 * 16, 1), [8, 4, 4, 1]);
    const y = sg.tensor([0, 1, 0, 1, 0, 1, 0, 1], [8]);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(h.history.loss.length).toBe(2);
    const p1 = take(m.predict(x) as sg.Tensor);
    const p2 = take(m.predict(x) as sg.Tensor);
    expect(p2).toEqual(p1);
    // predict equals the dense layer on the unaugmented input
    const direct = sg.tidy(() => take(m.layers[m.layers.length - 1].apply(sg.reshape(x, [8, 16])) as sg.Tensor));
    expectClose(p1, direct, 1e-6, 1e-7);
    x.dispose();
    y.dispose();
    m.dispose();
  });

  it('getConfig holds every argument (Keras names in camelCase)', () => {
    const f = sg.layers.randomFlip({ mode: 'vertical', seed: 4, name: 'flip' });
    expect(f.getConfig()).toMatchObject({ name: 'flip', mode: 'vertical', seed: 4, dataFormat: 'channels_last' });
    const t = sg.layers.randomTranslation({
      heightFactor: [-0.1, 0.2],
      widthFactor: 0.3,
      fillMode: 'wrap',
      fillValue: 1,
    });
    expect(t.getConfig()).toMatchObject({
      heightFactor: [-0.1, 0.2],
      widthFactor: 0.3,
      fillMode: 'wrap',
      interpolation: 'bilinear',
      fillValue: 1,
      seed: null,
    });
    const r = sg.layers.randomRotation({ factor: 0.2, interpolation: 'nearest' });
    expect(r.getConfig()).toMatchObject({ factor: 0.2, fillMode: 'reflect', interpolation: 'nearest', fillValue: 0 });
    const z = sg.layers.randomZoom({ heightFactor: 0.2 });
    expect(z.getConfig()).toMatchObject({ heightFactor: 0.2, widthFactor: null, fillMode: 'reflect' });
    expect(sg.layers.randomFlip({ mode: 'horizontalAndVertical' as never }).mode).toBe('horizontal_and_vertical');
    expect(r.className).toBe('RandomRotation');
  });

  it('configs round-trip through the class registry and the saved (snake_case) form', () => {
    const all = [
      sg.layers.randomFlip({ mode: 'horizontal_and_vertical', seed: 2 }),
      sg.layers.randomTranslation({ heightFactor: [-0.2, 0.1], widthFactor: 0.3, fillMode: 'constant', fillValue: 2 }),
      sg.layers.randomRotation({ factor: 0.15, interpolation: 'nearest', fillMode: 'wrap', seed: 8 }),
      sg.layers.randomZoom({ heightFactor: 0.2, widthFactor: [-0.1, 0.3], fillMode: 'nearest' }),
    ];
    for (const l of all) {
      for (const format of ['tfjs', 'keras3'] as const) {
        const spec = serializeLayer(l);
        const saved = toSavedConfig(spec.config, format, undefined, spec.className);
        const back = deserializeLayer({
          className: spec.className,
          config: fromSavedConfig(saved, format, undefined, spec.className),
        });
        expect(back.className).toBe(l.className);
        expect(back.getConfig()).toEqual(l.getConfig());
      }
    }
  });

  it('bad arguments and inputs get errors naming the layer and the argument', () => {
    expect(() => sg.layers.randomRotation({ factor: 1.5 })).toThrow(
      /RandomRotation: 'factor' must be a number or \[lower, upper\]/,
    );
    expect(() => sg.layers.randomTranslation({ heightFactor: [0.1], widthFactor: 0 } as never)).toThrow(
      /'heightFactor'/,
    );
    expect(() => sg.layers.randomZoom({ heightFactor: 0.1, fillMode: 'mirror' as never })).toThrow(
      /RandomZoom: 'fillMode' must be one of constant, reflect, wrap, nearest but is 'mirror'/,
    );
    expect(() => sg.layers.randomFlip({ mode: 'diagonal' as never })).toThrow(/RandomFlip: 'mode' must be one of/);
    expect(() => sg.layers.randomRotation({ factor: 0.1, interpolation: 'cubic' as never })).toThrow(/'interpolation'/);
    const x = sg.zeros([2, 3]);
    expect(() => sg.layers.randomFlip().apply(x, { training: true })).toThrow(/RandomFlip expects images .*\[2,3\]/);
    x.dispose();
  });
});
