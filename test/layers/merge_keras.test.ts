// Merge layers with masks against Keras 3 itself (the Python venv of scripts/setup-venv.sh, JAX
// backend): Masking -> merge -> LSTM on sequences with padded steps, the same weights on both
// sides. The merge's values and the mask it hands on (which steps the LSTM skips) must agree.
// Without the venv this file FAILS with the command that makes it (see test/io/hdf5_python.ts).
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, randArray } from '../helpers.js';
import { runPython } from '../io/hdf5_python.js';

const MERGES: [string, string, (args: { name: string }) => sg.Layer][] = [
  ['Add', 'keras.layers.Add()', (a) => new sg.Add(a)],
  ['Subtract', 'keras.layers.Subtract()', (a) => new sg.Subtract(a)],
  ['Multiply', 'keras.layers.Multiply()', (a) => new sg.Multiply(a)],
  ['Average', 'keras.layers.Average()', (a) => new sg.Average(a)],
  ['Maximum', 'keras.layers.Maximum()', (a) => new sg.Maximum(a)],
  ['Minimum', 'keras.layers.Minimum()', (a) => new sg.Minimum(a)],
  ['ConcatFeatures', 'keras.layers.Concatenate(axis=-1)', (a) => new sg.Concatenate({ ...a, axis: -1 })],
  ['ConcatTime', 'keras.layers.Concatenate(axis=1)', (a) => new sg.Concatenate({ ...a, axis: 1 })],
];

const PY = `
import json, sys
import numpy as np
import keras
spec = json.loads(open(sys.argv[1]).read())
x = np.array(spec['x'], 'float32').reshape(spec['shape'])
y = np.array(spec['y'], 'float32').reshape(spec['shape'])
out = {}
for name, ctor in spec['merges']:
    a = keras.Input(spec['shape'][1:]); b = keras.Input(spec['shape'][1:])
    merged = eval(ctor)([keras.layers.Masking()(a), keras.layers.Masking()(b)])
    lstm = keras.layers.LSTM(2)
    m = keras.Model([a, b], [merged, lstm(merged)])
    units_in = merged.shape[-1]
    w = spec['lstm'][str(units_in)]
    lstm.set_weights([np.array(w[0], 'float32').reshape(units_in, 8), np.array(w[1], 'float32').reshape(2, 8), np.array(w[2], 'float32')])
    mv, lv = m.predict([x, y], verbose=0)
    out[name] = {'merged': mv.ravel().tolist(), 'lstm': lv.ravel().tolist()}
print(json.dumps(out))
`;

describe('merge layers with masks against Keras 3', () => {
  checkNoLeaks();

  it('Masking -> merge -> LSTM gives the values and the skipped steps Keras gives', async () => {
    const shape = [2, 4, 3];
    const x = randArray(24, 41);
    const y = randArray(24, 42);
    // Padded steps: sample 0 step 1 in x, step 2 in y; sample 1 steps 0 and 3 in x, step 3 in y.
    const zero = (a: Float32Array, s: number, t: number) => a.fill(0, (s * 4 + t) * 3, (s * 4 + t + 1) * 3);
    zero(x, 0, 1);
    zero(y, 0, 2);
    zero(x, 1, 0);
    zero(x, 1, 3);
    zero(y, 1, 3);
    const lstmWeights: Record<string, number[][]> = {};
    for (const d of [3, 6]) lstmWeights[String(d)] = [Array.from(randArray(d * 8, 50 + d, -0.5, 0.5)), Array.from(randArray(16, 60 + d, -0.5, 0.5)), Array.from(randArray(8, 70 + d, -0.2, 0.2))];
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'sg-merge-')), 'spec.json');
    writeFileSync(file, JSON.stringify({ x: Array.from(x), y: Array.from(y), shape, merges: MERGES.map(([n, c]) => [n, c]), lstm: lstmWeights }));
    const keras = JSON.parse(runPython(PY, [file], 240_000).trim().split('\n').pop()!) as Record<string, { merged: number[]; lstm: number[] }>;
    for (const [name, , make] of MERGES) {
      const a = sg.input({ shape: shape.slice(1) });
      const b = sg.input({ shape: shape.slice(1) });
      const merged = make({ name: `m_${name}` }).apply([sg.layers.masking().apply(a) as sg.SymbolicTensor, sg.layers.masking().apply(b) as sg.SymbolicTensor]) as sg.SymbolicTensor;
      const lstm = sg.layers.lstm({ units: 2 });
      const model = sg.model({ inputs: [a, b], outputs: [merged, lstm.apply(merged) as sg.SymbolicTensor] });
      const w = lstmWeights[String(merged.shape[2])];
      const ws = [sg.tensor(w[0], [merged.shape[2] as number, 8]), sg.tensor(w[1], [2, 8]), sg.tensor(w[2], [8])];
      lstm.setWeights(ws);
      sg.dispose(ws);
      const xt = sg.tensor(x, shape);
      const yt = sg.tensor(y, shape);
      const [mv, lv] = model.predict([xt, yt]) as sg.Tensor[];
      try {
        expectClose(mv.dataSync(), keras[name].merged, 1e-6, 1e-6);
        expectClose(lv.dataSync(), keras[name].lstm, 1e-4, 1e-5);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      } finally {
        sg.dispose([xt, yt, mv, lv]);
        model.dispose();
      }
    }
    expect(Object.keys(keras).length).toBe(MERGES.length);
  }, 300_000);
});
