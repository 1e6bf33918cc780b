// simdgrad writes, Keras 3.15 loads: every zoo model (loaded from Keras' own files, then written
// again by sg.keras.toKerasBytes / model.save('file://...keras'), and as legacy .h5 by
// sg.keras.toLegacyH5Bytes / model.save('file://...h5')) and models built in simdgrad are
// loaded by keras.saving.load_model in the venv's Python (JAX backend) and predict on the same
// inputs; Keras' predictions must equal simdgrad's within 1e-5. Without the venv this test FAILS
// (in CI and outside it), naming the command that makes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as sg from '../../src/index.js';
import { runPython } from './hdf5_python.js';
import { ZOO_DIR, ZOO_NAMES, maxAbsDiff, predictRef, zooRef, type ZooRef } from './keras_zoo_ref.js';

const PREDICT = `
import json, sys, time, numpy as np, keras
t0 = time.time()
jobs = json.load(open(sys.argv[1]))
out = {}
for name, job in jobs.items():
    try:
        m = keras.saving.load_model(job['path'], compile=job['compile'])
        xs = [np.asarray(x['data'], dtype=x['dtype']).reshape(x['shape']) for x in job['inputs']]
        y = m(xs if len(xs) > 1 else xs[0], training=False)
        ys = y if isinstance(y, (list, tuple)) else [y]
        out[name] = {'outputs': [{'shape': list(np.shape(t)), 'data': np.asarray(t, dtype='float64').reshape(-1).tolist()} for t in ys],
                     'compiled': m.compiled, 'optimizer': type(m.optimizer).__name__ if getattr(m, 'optimizer', None) is not None else None,
                     'loss': str(getattr(m, 'loss', None))}
    except Exception as e:
        import traceback
        out[name] = {'error': traceback.format_exc()}
print(json.dumps(out))
`;

interface Job {
  path: string;
  inputs: ZooRef['inputs'];
  sgOutputs: { shape: number[]; data: Float32Array }[];
}

/** simdgrad-built models: a trained, compiled MLP saved through model.save('file://...keras'). */
function nativeModels(): { name: string; model: sg.LayersModel; ref: ZooRef }[] {
  const L = sg.layers;
  const m = sg.sequential({
    name: 'sg_mlp',
    layers: [L.dense({ units: 6, activation: 'relu', inputShape: [4] }), L.batchNormalization({}), L.dense({ units: 3, activation: 'softmax' })],
  });
  m.compile({ optimizer: sg.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = Array.from({ length: 32 }, (_, i) => Math.sin(i * 1.3));
  const ref: ZooRef = { keras_version: '', inputs: [{ dtype: 'float32', shape: [8, 4], data: x }], outputs: [] };
  // A functional model with two outputs, a reshape into a sequence and a bidirectional GRU.
  const a = sg.input({ shape: [6], name: 'a' });
  const h = L.dense({ units: 4, activation: 'tanh', name: 'hidden' }).apply(a) as sg.SymbolicTensor;
  const seq = L.reshape({ targetShape: [2, 2] }).apply(h) as sg.SymbolicTensor;
  const r = L.bidirectional({ layer: L.gru({ units: 3 }) as never }).apply(seq) as sg.SymbolicTensor;
  const f = sg.model({ inputs: a, outputs: [L.dense({ units: 2, name: 'o1' }).apply(r) as sg.SymbolicTensor, L.dense({ units: 1, name: 'o2' }).apply(h) as sg.SymbolicTensor], name: 'sg_functional' });
  const xf = Array.from({ length: 18 }, (_, i) => Math.cos(i * 0.7));
  const reff: ZooRef = { keras_version: '', inputs: [{ dtype: 'float32', shape: [3, 6], data: xf }], outputs: [] };
  return [
    { name: 'sg_mlp', model: m, ref },
    { name: 'sg_functional', model: f, ref: reff },
  ];
}

describe('toKerasBytes / model.save(.keras): Keras 3.15 loads what simdgrad writes', () => {
  let dir: string;
  const results: Record<string, { outputs?: { shape: number[]; data: number[] }[]; error?: string; compiled?: boolean; optimizer?: string }> = {};
  const jobs: Record<string, Job> = {};
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'simdgrad-keras-peer-'));
    for (const name of ZOO_NAMES) {
      const ref = zooRef(name);
      const model = await sg.loadModel(`file://${resolve(ZOO_DIR, `${name}.keras`)}`);
      try {
        const path = join(dir, `${name}.keras`);
        writeFileSync(path, await sg.keras.toKerasBytes(model));
        jobs[name] = { path, inputs: ref.inputs, sgOutputs: predictRef(model, ref) };
        const h5 = join(dir, `${name}.h5`);
        writeFileSync(h5, sg.keras.toLegacyH5Bytes(model));
        jobs[`${name}.h5`] = { path: h5, inputs: ref.inputs, sgOutputs: jobs[name].sgOutputs };
      } finally {
        model.dispose();
      }
    }
    for (const { name, model, ref } of nativeModels()) {
      try {
        const path = join(dir, `${name}.keras`);
        await model.save(`file://${path}`);
        jobs[name] = { path, inputs: ref.inputs, sgOutputs: predictRef(model, ref) };
        const h5 = join(dir, `${name}.h5`);
        await model.save(`file://${h5}`);
        jobs[`${name}.h5`] = { path: h5, inputs: ref.inputs, sgOutputs: jobs[name].sgOutputs };
      } finally {
        model.dispose();
      }
    }
    const jobFile = join(dir, 'jobs.json');
    writeFileSync(jobFile, JSON.stringify(Object.fromEntries(Object.entries(jobs).map(([k, j]) => [k, { path: j.path, inputs: j.inputs, compile: k === 'sg_mlp' || k === 'sg_mlp.h5' }]))));
    Object.assign(results, JSON.parse(runPython(PREDICT, [jobFile], 600_000)));
  }, 700_000);
  const table: string[] = [];
  afterAll(() => {
    if (process.env.KERAS_ZOO_TABLE) console.log(`model | simdgrad -> Keras max abs diff | file bytes\n${table.join('\n')}`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const all = [...ZOO_NAMES, 'sg_mlp', 'sg_functional'];
  for (const name of [...all, ...all.map((n) => `${n}.h5`)]) {
    it(`${name.endsWith('.h5') ? name : `${name}.keras`}: Keras' predictions equal simdgrad's (1e-5)`, () => {
      const r = results[name];
      expect(r, `no result for ${name}`).toBeDefined();
      if (r.error) throw new Error(`Keras could not load ${name.endsWith('.h5') ? name : `${name}.keras`}:\n${r.error}`);
      const d = maxAbsDiff(r.outputs!, jobs[name].sgOutputs);
      table.push(`${name} | ${d.toExponential(2)} | ${statSync(jobs[name].path).size}`);
      expect(d).toBeLessThanOrEqual(1e-5);
    });
  }
  // Compiling costs Keras seconds per model (JAX), so only sg_mlp is loaded with compile=True.
  it('the compile config travels: Keras compiles sg_mlp with Adam (.keras and .h5)', () => {
    expect(results.sg_mlp?.compiled).toBe(true);
    expect(results.sg_mlp?.optimizer).toBe('Adam');
    expect(results['sg_mlp.h5']?.compiled).toBe(true);
    expect(results['sg_mlp.h5']?.optimizer).toBe('Adam');
  });
  it('zoo files written back by simdgrad reproduce Keras\' original predictions', () => {
    for (const name of ZOO_NAMES) {
      for (const key of [name, `${name}.h5`]) {
        const r = results[key];
        if (r?.error || !r?.outputs) continue; // reported by the per-model test
        expect(maxAbsDiff(r.outputs, zooRef(name).outputs)).toBeLessThanOrEqual(1e-5);
      }
    }
  });
});
