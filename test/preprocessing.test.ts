// preprocessing.image.imageDataGenerator: flow() batching, shuffling and seeds, flips, transform
// ranges, standardisation by hand; and model.fitDataset on flow() batches and generators. The
// comparison with Keras' apply_transform (needs the Python venv) is in preprocessing_keras.test.ts.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { Rng } from '../src/engine/random.js';
import { checkNoLeaks, expectClose, randArray, take } from './helpers.js';

const gen = sg.preprocessing.image.imageDataGenerator;

describe('imageDataGenerator', () => {
  checkNoLeaks();

  it('flow: batches in order without shuffle, seeded shuffles per pass, length', () => {
    const n = 7;
    const x = sg.tensor(randArray(n * 2 * 2 * 1, 1), [n, 2, 2, 1]);
    const y = sg.tensor(
      Float32Array.from({ length: n }, (_, i) => i),
      [n, 1],
    );
    const plain = gen().flow(x, y, { batchSize: 3, shuffle: false });
    expect(plain.length).toBe(3);
    const ys = [...plain].map((b) => {
      expect(b.xs.shape[0]).toBe(b.ys!.shape[0]);
      const xv = take(b.xs);
      const v = take(b.ys!);
      v.forEach((s, j) => expect(xv.slice(j * 4, j * 4 + 4)).toEqual(Array.from(x.dataSync().slice(s * 4, s * 4 + 4))));
      return v;
    });
    expect(ys).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    const order = (seed: number) => {
      const f = gen().flow(x, y, { batchSize: 4, seed });
      const pass = () => [...f].flatMap((b) => (take(b.xs), take(b.ys!)));
      return [pass(), pass()];
    };
    const [a1, a2] = order(3);
    expect([...a1].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(a2).not.toEqual(a1);
    expect(order(3)).toEqual([a1, a2]);
    sg.dispose([x, y]);
  });

  it('horizontalFlip: each image kept or mirrored exactly; seeded augmentation repeats', () => {
    const n = 12;
    const data = randArray(n * 3 * 4 * 2, 2);
    const x = sg.tensor(data, [n, 3, 4, 2]);
    const g = gen({ horizontalFlip: true, interpolationOrder: 0 });
    const b = g.flow(x, null, { batchSize: n, shuffle: false, seed: 9 }).iterator().next().value!;
    const got = take(b.xs);
    expect(b.ys).toBeUndefined();
    let flips = 0;
    for (let i = 0; i < n; i++) {
      const mirrored = (r: number, q: number, ch: number) => data[((i * 3 + r) * 4 + (3 - q)) * 2 + ch];
      const same = (r: number, q: number, ch: number) => data[((i * 3 + r) * 4 + q) * 2 + ch];
      const at = (r: number, q: number, ch: number) => got[((i * 3 + r) * 4 + q) * 2 + ch];
      const isFlip = at(0, 0, 0) === mirrored(0, 0, 0) && at(0, 0, 0) !== same(0, 0, 0);
      flips += isFlip ? 1 : 0;
      for (let r = 0; r < 3; r++)
        for (let q = 0; q < 4; q++)
          for (let ch = 0; ch < 2; ch++) expect(at(r, q, ch)).toBe((isFlip ? mirrored : same)(r, q, ch));
    }
    expect(flips).toBeGreaterThan(0);
    expect(flips).toBeLessThan(n);
    const aug = gen({ rotationRange: 20, widthShiftRange: 0.2, heightShiftRange: 0.2, zoomRange: 0.1, shearRange: 5 });
    const run = () => take(aug.flow(x, null, { batchSize: n, seed: 4 }).iterator().next().value!.xs);
    expect(run()).toEqual(run());
    x.dispose();
  });

  it('getRandomTransform: ranges as Keras (fractions of the size, pixels >= 1, zoom [1-z, 1+z])', () => {
    const g = gen({ rotationRange: 10, widthShiftRange: 0.25, heightShiftRange: 3, zoomRange: 0.2, shearRange: 4 });
    const rng = new Rng(1);
    for (let i = 0; i < 200; i++) {
      const p = g.getRandomTransform(10, 20, rng);
      expect(Math.abs(p.theta!)).toBeLessThanOrEqual(10);
      expect(Math.abs(p.tx!)).toBeLessThanOrEqual(5); // 0.25 * width 20
      expect(Math.abs(p.ty!)).toBeLessThanOrEqual(3); // pixels
      expect(Math.abs(p.shear!)).toBeLessThanOrEqual(4);
      expect(p.zx).toBeGreaterThanOrEqual(0.8);
      expect(p.zy).toBeLessThanOrEqual(1.2);
    }
    const picks = new Set(
      Array.from({ length: 50 }, () => gen({ widthShiftRange: [2, 5] }).getRandomTransform(8, 8, rng).tx),
    );
    expect([...picks].sort((a, b) => a! - b!)).toEqual([-5, -2, 2, 5]);
  });

  it('standardize: rescale, sample-wise and feature-wise (after fit) by hand', () => {
    const data = randArray(4 * 2 * 2 * 3, 3, 0, 10);
    const x = sg.tensor(data, [4, 2, 2, 3]);
    const g = gen({ rescale: 0.5, featurewiseCenter: true, featurewiseStdNormalization: true });
    g.fit(x);
    const got = sg.tidy(() => take(g.standardize(x)));
    for (let c = 0; c < 3; c++) {
      const vals = Array.from({ length: 16 }, (_, i) => data[i * 3 + c] * 0.5);
      const mu = vals.reduce((a, b) => a + b) / 16;
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mu) ** 2, 0) / 16);
      for (let i = 0; i < 16; i++) expect(got[i * 3 + c]).toBeCloseTo((vals[i] - mu) / (sd + 1e-6), 4);
    }
    g.dispose();
    const s = gen({ samplewiseCenter: true, samplewiseStdNormalization: true });
    const got2 = sg.tidy(() => take(s.standardize(x)));
    for (let i = 0; i < 4; i++) {
      const vals = Array.from(data.slice(i * 12, i * 12 + 12));
      const mu = vals.reduce((a, b) => a + b) / 12;
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mu) ** 2, 0) / 12);
      for (let k = 0; k < 12; k++) expect(got2[i * 12 + k]).toBeCloseTo((vals[k] - mu) / (sd + 1e-6), 4);
    }
    expect(() => gen({ featurewiseCenter: true }).standardize(x)).toThrow(/featurewiseCenter needs fit\(x\) first/);
    x.dispose();
  });

  it('bad arguments fail clearly', () => {
    expect(() => gen({ zcaWhitening: true })).toThrow(/zcaWhitening is not supported/);
    expect(() => gen({ fillMode: 'mirror' as never })).toThrow(
      /'fillMode' must be one of nearest, constant, reflect, wrap/,
    );
    expect(() => gen({ rotationRange: -1 })).toThrow(/'rotationRange' must be a finite number >= 0/);
    expect(() => gen({ zoomRange: [0.5] as never })).toThrow(/'zoomRange'/);
    expect(() => gen({ widthShiftRange: [1.5] })).toThrow(/integer pixel shifts/);
    const x = sg.zeros([3, 2, 2, 1]);
    const y = sg.zeros([2, 1]);
    expect(() => gen().flow(x, y)).toThrow(/x has 3 samples \(shape \[3,2,2,1\]\) but y has shape \[2,1\]/);
    expect(() => gen().flow(x, null, { batchSize: 0 })).toThrow(/'batchSize' must be a positive integer/);
    sg.dispose([x, y]);
  });
});

describe('model.fitDataset', () => {
  checkNoLeaks();

  function model(): sg.LayersModel {
    const m = sg.sequential({
      layers: [
        sg.layers.flatten({ inputShape: [4, 4, 1] }),
        sg.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: 'zeros' }),
      ],
    });
    m.compile({ optimizer: sg.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  }

  /** Bright left half = class 0, bright right half = class 1. */
  function data(n: number, seed: number): [sg.Tensor, sg.Tensor] {
    const rng = new Rng(seed);
    const x = new Float32Array(n * 16);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      for (let p = 0; p < 16; p++) x[i * 16 + p] = (p % 4 < 2 === (y[i] === 0) ? 1 : 0) + 0.1 * rng.uniform();
    }
    return [sg.tensor(x, [n, 4, 4, 1]), sg.tensor(y, [n])];
  }

  it('trains on flow() batches with validation data; equals trainOnBatch on the same batches', async () => {
    const [x, y] = data(24, 1);
    const [vx, vy] = data(8, 2);
    const m = model();
    const g = gen({ heightShiftRange: 0.1 });
    const h = await m.fitDataset(g.flow(x, y, { batchSize: 8, seed: 3 }), {
      epochs: 4,
      verbose: 0,
      validationData: [vx, vy],
    });
    const names = m.metricsNames;
    expect(Object.keys(h.history).sort()).toEqual([...names, ...names.map((k) => `val_${k}`)].sort());
    expect(names.length).toBe(2);
    const loss = h.history.loss as number[];
    expect(loss.length).toBe(4);
    expect(loss[3]).toBeLessThan(loss[0]);
    // the same batches through trainOnBatch give the same weights
    const m2 = model();
    const f2 = g.flow(x, y, { batchSize: 8, seed: 3 });
    for (let e = 0; e < 4; e++) for (const b of f2) (m2.trainOnBatch(b.xs, b.ys!), sg.dispose([b.xs, b.ys!]));
    const w1 = m.getWeights().map(take);
    const w2 = m2.getWeights().map(take);
    w1.forEach((w, i) => expectClose(w, w2[i], 1e-6, 1e-7));
    sg.dispose([x, y, vx, vy]);
    m.dispose();
    m2.dispose();
  });

  it('async generators and tfjs-data style iterator() promises; {xs, ys} batches are freed', async () => {
    const [x, y] = data(8, 5);
    const m = model();
    async function* batches(): AsyncGenerator<{ xs: sg.Tensor; ys: sg.Tensor }> {
      for (let i = 0; i < 2; i++) {
        await Promise.resolve();
        yield { xs: sg.slice(x, [i * 4, 0, 0, 0], [4, 4, 4, 1]), ys: sg.slice(y, [i * 4], [4]) };
      }
    }
    const h1 = await m.fitDataset({ [Symbol.asyncIterator]: () => batches() }, { epochs: 2, verbose: 0 });
    expect((h1.history.loss as number[]).length).toBe(2);
    const h2 = await m.fitDataset({ iterator: async () => batches() }, { epochs: 3, verbose: 0 });
    expect((h2.history.loss as number[]).length).toBe(3);
    sg.dispose([x, y]);
    m.dispose();
  });

  it('batchesPerEpoch runs one iterator across epochs; generators, [x, y] batches and dataset validation', async () => {
    const [x, y] = data(16, 3);
    const m = model();
    let made = 0;
    function* batches(): Generator<[sg.Tensor, sg.Tensor]> {
      for (let i = 0; i < 4; i++) {
        made++;
        yield [sg.slice(x, [i * 4, 0, 0, 0], [4, 4, 4, 1]), sg.slice(y, [i * 4], [4])];
      }
    }
    const h = await m.fitDataset(batches(), {
      epochs: 2,
      batchesPerEpoch: 2,
      verbose: 0,
      validationData: { iterator: () => batches() },
      validationBatches: 1,
    });
    expect((h.history.loss as number[]).length).toBe(2);
    expect(h.history.val_loss).toBeDefined();
    expect(made).toBe(4 + 2);
    // a dataset that runs dry stops training with a warning after the partial epoch (as tfjs-layers)
    const dry = await m.fitDataset(batches(), { epochs: 5, batchesPerEpoch: 3, verbose: 0 });
    expect((dry.history.loss as number[]).length).toBe(2);
    await expect(m.fitDataset([] as never, { verbose: 0 })).rejects.toThrow(/the dataset gave no batches in epoch 1/);
    await expect(m.fitDataset(42 as never)).rejects.toThrow(/must have iterator\(\) or be an \(async\) iterable/);
    await expect(m.fitDataset(batches(), { epochs: 0 })).rejects.toThrow(/'epochs' must be a positive integer/);
    const noY = gen().flow(x, null, { batchSize: 4 });
    await expect(m.fitDataset(noY, { verbose: 0 })).rejects.toThrow(
      /batch 0 of the dataset is not \{xs, ys\}.*flow\(\) without y/,
    );
    sg.dispose([x, y]);
    m.dispose();
  });
});
