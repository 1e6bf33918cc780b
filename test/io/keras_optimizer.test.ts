// Optimizer state in Keras 3 files (optimizer/vars in a .keras archive's model.weights.h5):
// simdgrad -> simdgrad, the next steps after a round trip equal the steps without one, bit for bit,
// for all eight optimizers; Keras' own files (test/fixtures/keras_optimizer/, written by
// scripts/fixtures/make_keras_optimizer.py) restore to Keras' state exactly. The Keras peer in both
// directions is test/io/keras_optimizer_peer.test.ts (npm run test:peers).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as sg from '../../src/index.js';
import { H5Dataset, H5File, H5Writer, type H5Group, type H5WGroup } from '../../src/io/hdf5/index.js';
import { ZipReader, ZipWriter } from '../../src/io/zip.js';
import { checkNoLeaks } from '../helpers.js';
import { OPTIMIZER_CASES, RESUME_DIR, X, Y, model, stepAndCompare, values, type ResumeRef } from './keras_optimizer_cases.js';

describe('.keras optimizer state: simdgrad -> simdgrad', () => {
  checkNoLeaks();
  for (const [label, optimizer] of OPTIMIZER_CASES) {
    it(`${label}: the next two steps after a .keras round trip equal those without one, bit for bit`, async () => {
      const a = model(optimizer);
      const [x, y] = [X(), Y()];
      for (let i = 0; i < 3; i++) a.trainOnBatch(x, y);
      const bytes = await sg.keras.toKerasBytes(a);
      const b = await sg.loadModel(bytes);
      expect(b.optimizer.className).toBe(a.optimizer.className);
      expect(b.optimizer.iterations).toBe(3);
      for (let k = 0; k < 2; k++) {
        expect(b.trainOnBatch(x, y)).toEqual(a.trainOnBatch(x, y));
        expect(values(b)).toEqual(values(a));
      }
      sg.dispose([x, y]);
      a.dispose();
      b.dispose();
    });
  }

  it("the layout is Keras 3's: iteration, learning_rate, slots interleaved per variable (Adam)", async () => {
    const a = model({ className: 'Adam', config: { learning_rate: 0.01 } });
    const [x, y] = [X(), Y()];
    a.trainOnBatch(x, y);
    const zip = ZipReader.open(await sg.keras.toKerasBytes(a), 'm.keras');
    const h5 = await H5File.read(await zip.read('model.weights.h5'), { name: 'model.weights.h5' });
    const vars = h5.group('optimizer/vars');
    // 1 iteration + 1 learning rate + 2 slots x 6 trainable weights (d1 kernel/bias, bn gamma/beta, d2 kernel/bias).
    expect(vars.keys().length).toBe(14);
    const ds = (i: number) => h5.dataset(`optimizer/vars/${i}`);
    expect(ds(0).dtype).toBe('int32');
    expect(Array.from(ds(0).data as Int32Array)).toEqual([1]);
    expect(ds(1).data[0]).toBe(Math.fround(0.01));
    // Adam's m and v of the first kernel, then of its bias: shapes [4,5], [4,5], [5], [5], then bn's.
    expect([2, 3, 4, 5, 6, 7, 10, 11].map((i) => ds(i).shape.join('x'))).toEqual(['4x5', '4x5', '5', '5', '5', '5', '5x3', '5x3']);
    // m = (1 - beta1) g after one step and v = (1 - beta2) g^2: v = (m / 0.1)^2 * 0.001.
    const m = ds(2).data as Float32Array;
    const v = ds(3).data as Float32Array;
    for (let i = 0; i < m.length; i++) expect(v[i]).toBeCloseTo((m[i] / 0.1) ** 2 * 0.001, 6);
    sg.dispose([x, y]);
    a.dispose();
  });

  it('includeOptimizer false writes no optimizer group; a model that never trained writes initial slots', async () => {
    const a = model({ className: 'Adagrad', config: { learning_rate: 0.05, initial_accumulator_value: 0.25 } });
    const h5Of = async (bytes: Uint8Array) => H5File.read(await ZipReader.open(bytes, 'm').read('model.weights.h5'), { name: 'w' });
    expect((await h5Of(await sg.keras.toKerasBytes(a, { includeOptimizer: false }))).has('optimizer')).toBe(false);
    const h5 = await h5Of(await sg.keras.toKerasBytes(a));
    expect(Array.from(h5.dataset('optimizer/vars/2').data as Float32Array).every((v) => v === 0.25)).toBe(true);
    const uncompiled = sg.sequential({ layers: [sg.layers.dense({ units: 2, inputShape: [3] })] });
    await expect(sg.keras.toKerasBytes(uncompiled, { includeOptimizer: true })).rejects.toThrow(/includeOptimizer is true but model .* is not compiled/);
    a.dispose();
    uncompiled.dispose();
  });

  it('a file whose optimizer state does not fit the model fails, naming the file and the counts; nothing leaks', async () => {
    const a = model({ className: 'Adam', config: { learning_rate: 0.01 } });
    const [x, y] = [X(), Y()];
    a.trainOnBatch(x, y);
    const bytes = await sg.keras.toKerasBytes(a);
    // The same archive with the optimizer switched to SGD with momentum (1 slot per weight, not 2).
    const zip = ZipReader.open(bytes, 'm.keras');
    const cfg = JSON.parse(await zip.readText('config.json'));
    cfg.compile_config.optimizer = { module: 'keras.optimizers', class_name: 'SGD', config: { learning_rate: 0.1, momentum: 0.9 }, registered_name: null };
    const w = new ZipWriter();
    w.add('metadata.json', await zip.readText('metadata.json'));
    w.add('config.json', JSON.stringify(cfg));
    w.add('model.weights.h5', await zip.read('model.weights.h5'));
    const edited = await w.toBytes();
    const before = sg.memory().numTensors;
    await expect(sg.loadModel(edited)).rejects.toThrow(/the saved SGD optimizer has 14 variables but simdgrad's SGD over this model's 6 trainable weights has 8/);
    expect(sg.memory().numTensors).toBe(before);
    // compile: false ignores the optimizer state.
    const b = await sg.loadModel(edited, { compile: false });
    expect(values(b)).toEqual(values(a));
    sg.dispose([x, y]);
    a.dispose();
    b.dispose();
  });
});

/** A copy of an HDF5 group into a writer, with `edit` replacing datasets by path (null drops one). */
function copyH5(src: H5Group, dst: H5WGroup, edit: (path: string, d: H5Dataset) => H5Dataset | { shape: number[]; dtype: string; data: ArrayLike<number> } | null, at = ''): void {
  for (const k of src.keys()) {
    const o = src.get(k);
    const path = at ? `${at}/${k}` : k;
    if (o instanceof H5Dataset) {
      const e = edit(path, o);
      if (e) dst.dataset(k, { shape: e.shape, dtype: e.dtype as never, data: e.data as never });
    } else copyH5(o, dst.group(k), edit, path);
  }
}

describe('.keras optimizer state: malformed', () => {
  checkNoLeaks();
  async function edited(edit: Parameters<typeof copyH5>[2]): Promise<Uint8Array> {
    const a = model({ className: 'Adam', config: { learning_rate: 0.01 } });
    const [x, y] = [X(), Y()];
    a.trainOnBatch(x, y);
    const zip = ZipReader.open(await sg.keras.toKerasBytes(a), 'm.keras');
    sg.dispose([x, y]);
    a.dispose();
    const h5 = await H5File.read(await zip.read('model.weights.h5'), { name: 'w' });
    const w = new H5Writer();
    copyH5(h5, w, edit);
    const out = new ZipWriter();
    for (const n of ['metadata.json', 'config.json']) out.add(n, await zip.readText(n));
    out.add('model.weights.h5', w.toBytes());
    return out.toBytes();
  }
  const cases: [string, Parameters<typeof copyH5>[2], RegExp][] = [
    ['a slot of the wrong shape', (p, d) => (p === 'optimizer/vars/4' ? { shape: [7], dtype: 'float32', data: new Float32Array(7) } : d), /'optimizer\/vars\/4' \(momentum of 'd1\/bias'\) has shape \[7\] but the weight has \[5\]/],
    ['an iteration count that is a float', (p, d) => (p === 'optimizer/vars/0' ? { shape: [], dtype: 'float32', data: [1.5] } : d), /'optimizer\/vars\/0' \(iteration\) must be an integer scalar but is float32/],
    ['a negative iteration count', (p, d) => (p === 'optimizer/vars/0' ? { shape: [], dtype: 'int32', data: [-3] } : d), /'optimizer\/vars\/0' \(iteration\) is -3, not a count/],
    ['a missing variable in the middle', (p, d) => (p === 'optimizer/vars/5' ? null : d), /optimizer\/vars has no '(5|13)'|has 13 variables but/],
    ['a NaN learning rate', (p, d) => (p === 'optimizer/vars/1' ? { shape: [], dtype: 'float32', data: [NaN] } : d), /'optimizer\/vars\/1' \(learning_rate\) is NaN/],
  ];
  it("an optimizer Keras never built (only iteration and learning_rate saved) loads fresh, as Keras does", async () => {
    const bytes = await edited((p, d) => (/^optimizer\/vars\/([2-9]|1\d)$/.test(p) ? null : p === 'optimizer/vars/0' ? { shape: [], dtype: 'int32', data: [0] } : d));
    const m = await sg.loadModel(bytes);
    expect(m.optimizer.className).toBe('Adam');
    expect(m.optimizer.iterations).toBe(0);
    expect(m.optimizer.getWeights().map((w) => (w.tensor.dispose(), w.name))).toEqual(['iter']);
    m.dispose();
  });
  for (const [what, edit, message] of cases) {
    it(`${what}: an error naming the file's variable, nothing left allocated`, async () => {
      const bytes = await edited(edit);
      const before = sg.memory().numTensors;
      await expect(sg.loadModel(bytes)).rejects.toThrow(message);
      expect(sg.memory().numTensors).toBe(before);
    });
  }
});

describe('.keras optimizer state: Keras 3.15 -> simdgrad (fixtures written by Keras)', () => {
  checkNoLeaks();
  for (const name of ['adam', 'rmsprop_centered_momentum']) {
    it(`${name}: Keras' legacy .h5 (optimizer_weights): simdgrad's next step equals Keras' (1e-5)`, async () => {
      const ref = JSON.parse(readFileSync(resolve(RESUME_DIR, `${name}.json`), 'utf8')) as ResumeRef;
      const m = await sg.loadModel(new Uint8Array(readFileSync(resolve(RESUME_DIR, `${name}.h5`))));
      const r = stepAndCompare(m, ref, ref.weights_after);
      m.dispose();
      expect(r.iterationsLoaded).toBe(3);
      expect(r.diff).toBeLessThanOrEqual(1e-5);
    });
  }
  const names: string[] = JSON.parse(readFileSync(resolve(RESUME_DIR, 'index.json'), 'utf8'));
  it('every optimizer case has a fixture', () => {
    expect(names.slice().sort()).toEqual(OPTIMIZER_CASES.map((c) => c[0]).sort());
  });
  for (const name of names) {
    it(`${name}: simdgrad's next step from Keras' saved state equals Keras' next step (1e-5)`, async () => {
      const ref = JSON.parse(readFileSync(resolve(RESUME_DIR, `${name}.json`), 'utf8')) as ResumeRef;
      const bytes = new Uint8Array(readFileSync(resolve(RESUME_DIR, `${name}.keras`)));
      const m = await sg.loadModel(bytes);
      const r = stepAndCompare(m, ref, ref.weights_after);
      m.dispose();
      expect(r.iterationsLoaded).toBe(3);
      expect(r.diff).toBeLessThanOrEqual(1e-5);
      // The same weights with a fresh optimizer step elsewhere (plain SGD has no state to lose).
      const fresh = await sg.loadModel(bytes, { compile: false });
      fresh.compile({ optimizer: OPTIMIZER_CASES.find((c) => c[0] === name)![1], loss: 'categoricalCrossentropy' });
      const f = stepAndCompare(fresh, ref, ref.weights_after);
      fresh.dispose();
      if (name === 'sgd') expect(f.diff).toBeLessThanOrEqual(1e-5);
      else expect(f.diff).toBeGreaterThan(Math.max(10 * r.diff, 1e-6));
      if (process.env.SG_IO_TABLE) console.log(`Keras -> simdgrad resume | ${name} | ${r.diff.toExponential(2)} | fresh optimizer ${f.diff.toExponential(2)}`);
    });
  }
});
