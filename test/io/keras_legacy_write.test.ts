// Legacy Keras .h5 full-model files written by simdgrad (sg.keras.toLegacyH5Bytes,
// model.save('file://m.h5')): read back by our reader (bit-equal predictions for the Keras zoo
// and models built here, optimizer state resuming bit-exactly), and by h5py, which must see
// Keras' layout: model_config/training_config/keras_version attributes, model_weights with
// layer_names, each layer's weight_names naming datasets that hold the weights' values. (Keras 3's
// keras.models.load_model of these files, predicting equally: test/io/keras_peer.test.ts, run by
// npm run test:peers.) h5py needs the venv: without it this test FAILS.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as sg from '../../src/index.js';
import { H5File } from '../../src/io/hdf5/index.js';
import { checkNoLeaks, randArray } from '../helpers.js';
import { runPython } from './hdf5_python.js';
import { X, Y, model as resumeModel, values } from './keras_optimizer_cases.js';
import { ZOO_DIR, ZOO_NAMES, maxAbsDiff, predictRef, zooRef } from './keras_zoo_ref.js';

const TMP = mkdtempSync(join(tmpdir(), 'sg-h5-write-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** A functional model around a nested Sequential that holds BatchNormalization (non-trainable weights inside a nested model). */
function nestedWithBn(): sg.LayersModel {
  const L = sg.layers;
  // BatchNormalization first: Keras' legacy order (gamma, beta, kernel, bias, moving mean, moving
  // variance) then differs from the layer-by-layer order.
  const inner = sg.sequential({ name: 'inner', layers: [L.batchNormalization({ inputShape: [3], name: 'inner_bn' }), L.dense({ units: 4, name: 'inner_dense' })] });
  const x = sg.input({ shape: [3], name: 'x' });
  const h = inner.apply(x) as sg.SymbolicTensor;
  const out = L.dense({ units: 2, name: 'head' }).apply(h) as sg.SymbolicTensor;
  const m = sg.model({ inputs: x, outputs: out, name: 'outer' });
  // Moving statistics away from 0/1, so that their order in the file matters.
  const bn = inner.layers.find((l) => l.name === 'inner_bn')!;
  const fresh = bn.getWeights().map((t, i) => {
    const v = sg.tensor(randArray(t.size, 11 + i).map((a) => (i === 3 ? 1 + Math.abs(a) : a)), t.shape);
    t.dispose();
    return v;
  });
  bn.setWeights(fresh);
  sg.dispose(fresh);
  return m;
}

describe('legacy .h5 written by simdgrad: our reader', () => {
  checkNoLeaks();
  for (const name of ZOO_NAMES) {
    it(`${name}: written as .h5 and read back, bit-equal predictions`, async () => {
      const ref = zooRef(name);
      const m = await sg.loadModel(`file://${resolve(ZOO_DIR, `${name}.keras`)}`);
      const bytes = sg.keras.toLegacyH5Bytes(m);
      const back = await sg.loadModel(bytes);
      expect(maxAbsDiff(predictRef(back, ref), predictRef(m, ref))).toBe(0);
      expect(maxAbsDiff(predictRef(back, ref), ref.outputs)).toBeLessThanOrEqual(2e-7);
      m.dispose();
      back.dispose();
    });
  }

  it('a nested Sequential with BatchNormalization: weights in Keras legacy order come back in place', async () => {
    const m = nestedWithBn();
    const back = await sg.loadModel(sg.keras.toLegacyH5Bytes(m));
    expect(values(back)).toEqual(values(m));
    m.dispose();
    back.dispose();
  });

  it("model.save('file://m.h5', {includeOptimizer: true}): training_config and optimizer_weights; the next two steps equal those without a round trip", async () => {
    const a = resumeModel({ className: 'RMSprop', config: { learning_rate: 0.01, momentum: 0.5, centered: true } });
    const [x, y] = [X(), Y()];
    for (let i = 0; i < 3; i++) a.trainOnBatch(x, y);
    const path = join(TMP, 'resume.h5');
    await a.save(`file://${path}`, { includeOptimizer: true });
    const b = await sg.loadModel(`file://${path}`);
    expect(b.optimizer.className).toBe('RMSprop');
    expect(b.optimizer.iterations).toBe(3);
    for (let k = 0; k < 2; k++) {
      expect(b.trainOnBatch(x, y)).toEqual(a.trainOnBatch(x, y));
      expect(values(b)).toEqual(values(a));
    }
    const f = await H5File.read(readFileSync(path), { name: 'resume.h5' });
    expect(JSON.parse(f.attr('training_config') as string)).toMatchObject({ loss: 'categorical_crossentropy', optimizer_config: { class_name: 'RMSprop' } });
    // iteration, learning_rate, then velocity, momentum and average_gradient blocks over 6 trainable weights.
    expect((f.group('optimizer_weights').attr('weight_names') as string[]).length).toBe(2 + 3 * 6);
    sg.dispose([x, y]);
    a.dispose();
    b.dispose();
  });

  it('by default a compiled model gets training_config without optimizer state; includeOptimizer false writes neither', async () => {
    const a = resumeModel('adam');
    const byDefault = await H5File.read(sg.keras.toLegacyH5Bytes(a), { name: 'm.h5' });
    expect(JSON.parse(byDefault.attr('training_config') as string).optimizer_config.class_name).toBe('Adam');
    expect(byDefault.has('optimizer_weights')).toBe(false);
    const f = await H5File.read(sg.keras.toLegacyH5Bytes(a, { includeOptimizer: false }), { name: 'm.h5' });
    expect(f.attrs.training_config).toBeUndefined();
    expect(f.has('optimizer_weights')).toBe(false);
    const b = await sg.loadModel(sg.keras.toLegacyH5Bytes(a, { includeOptimizer: false }));
    expect(() => b.optimizer).toThrow();
    a.dispose();
    b.dispose();
  });
});

describe('legacy .h5 written by simdgrad: h5py', () => {
  it("h5py sees Keras' layout: attributes, layer_names, weight_names and every value", async () => {
    const m = nestedWithBn();
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const path = join(TMP, 'nested.h5');
    await m.save(`file://${path}`, { includeOptimizer: true });
    const seen = JSON.parse(
      runPython(
        `import sys, json, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r')
dec = lambda v: v.decode() if isinstance(v, bytes) else v
mw = f['model_weights']
out = {'root': {k: dec(f.attrs[k]) for k in f.attrs}, 'layer_names': [dec(n) for n in mw.attrs['layer_names']], 'layers': {}}
for n in out['layer_names']:
    names = [dec(w) for w in mw[n].attrs['weight_names']]
    out['layers'][n] = [{'name': w, 'shape': list(mw[n][w].shape), 'dtype': str(mw[n][w].dtype), 'data': np.asarray(mw[n][w]).reshape(-1).tolist()} for w in names]
ow = f['optimizer_weights']
out['optimizer'] = [dec(w) for w in ow.attrs['weight_names']]
out['iteration'] = int(np.asarray(ow[out['optimizer'][0]]))
print(json.dumps(out))`,
        [path],
      ),
    );
    expect(seen.root.keras_version).toMatch(/^3\./);
    expect(JSON.parse(seen.root.model_config).class_name).toBe('Functional');
    expect(JSON.parse(seen.root.training_config).optimizer_config.class_name).toBe('Adam');
    expect(seen.layer_names).toEqual(['x', 'inner', 'head']);
    expect(seen.layers.x).toEqual([]);
    // The nested model: trainable weights first (gamma, beta, kernel, bias), then the moving statistics.
    const inner = m.layers.find((l) => l.name === 'inner')!;
    const want = [...inner.trainableWeights, ...inner.nonTrainableWeights];
    expect(seen.layers.inner.map((w: { shape: number[] }) => w.shape)).toEqual(want.map((w) => w.variable.shape));
    seen.layers.inner.forEach((w: { data: number[]; dtype: string }, i: number) => {
      expect(w.dtype).toBe('float32');
      expect(w.data).toEqual(Array.from(want[i].variable.dataSync()));
    });
    expect(seen.layers.head.map((w: { name: string }) => w.name)).toEqual(['head/kernel', 'head/bias']);
    // Keras 3's optimizer variable list: iteration, learning_rate, (momentum, velocity) x 6 trainable weights.
    expect(seen.optimizer.length).toBe(2 + 2 * 6);
    expect(seen.optimizer[0]).toBe('adam/iteration');
    expect(seen.iteration).toBe(0);
    m.dispose();
  }, 60_000);
});
