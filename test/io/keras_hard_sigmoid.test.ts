// A model whose recurrent activation is Keras 2's / tfjs' hard sigmoid (clip(0.2x + 0.5, 0, 1)),
// as every tfjs-layers LSTM by default, has no Keras 3 spelling: writing it as .keras or .h5 must
// fail clearly before a file is written (a file naming 'hard_sigmoid_keras2' would not load in
// Keras 3), while the tfjs-layers format keeps it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { runPython } from './hdf5_python.js';

const dir = mkdtempSync(join(tmpdir(), 'sg-hs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Keras 2 hard sigmoid and the Keras 3 formats', () => {
  it('refuses .keras and .h5 naming the layer and the argument, and saves as tfjs-layers', async () => {
    const before = sg.memory().numTensors;
    const m = sg.sequential();
    m.add(sg.layers.lstm({ units: 3, inputShape: [4, 2], recurrentActivation: 'hardSigmoidKeras2' }));
    for (const name of ['m.keras', 'm.h5']) {
      await expect(m.save('file://' + join(dir, name))).rejects.toThrow(/LSTM.*recurrentActivation 'hard_sigmoid_keras2'.*no Keras 3 name/);
      expect(existsSync(join(dir, name))).toBe(false);
    }
    await m.save('file://' + join(dir, 'tfjs'));
    const back = await sg.loadLayersModel('file://' + join(dir, 'tfjs', 'model.json'));
    const x = sg.randomNormal([2, 4, 2], 0, 1, 'float32', 3);
    const [a, b] = [m.predict(x) as sg.Tensor, back.predict(x) as sg.Tensor];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    sg.dispose([x, a, b]);
    m.dispose();
    back.dispose();
    expect(sg.memory().numTensors).toBe(before);
  });
});

describe("a Keras 2 .h5 file's 'hard_sigmoid'", () => {
  it('means clip(0.2x + 0.5, 0, 1) when keras_version is 2.x, relu6(x + 3) / 6 when 3.x', async () => {
    const before = sg.memory().numTensors;
    // A Keras 3 legacy .h5 of an LSTM with 'hard_sigmoid' (Keras 3's), then the same file with
    // h5py's keras_version set to 2.15.0, as tf.keras 2 wrote it.
    const m3 = sg.sequential();
    m3.add(sg.layers.lstm({ units: 3, inputShape: [4, 2], recurrentActivation: 'hardSigmoid' }));
    const file3 = join(dir, 'k3.h5');
    const file2 = join(dir, 'k2.h5');
    await m3.save('file://' + file3);
    runPython(
      `import h5py, shutil, sys\nshutil.copy(sys.argv[1], sys.argv[2])\nwith h5py.File(sys.argv[2], 'r+') as f:\n  f.attrs['keras_version'] = '2.15.0'\n  f['model_weights'].attrs['keras_version'] = '2.15.0'`,
      [file3, file2],
    );
    const m2 = sg.sequential();
    m2.add(sg.layers.lstm({ units: 3, inputShape: [4, 2], recurrentActivation: 'hardSigmoidKeras2' }));
    const w = m3.getWeights();
    m2.setWeights(w);
    sg.dispose(w);
    const x = sg.tidy(() => sg.mul(sg.randomNormal([2, 4, 2], 0, 1, 'float32', 5), 4)); // |0.2x| large enough to tell them apart
    const [l3, l2] = [await sg.loadModel('file://' + file3), await sg.loadModel('file://' + file2)];
    const outs = [m3, m2, l3, l2].map((m) => m.predict(x) as sg.Tensor);
    const [e3, e2, got3, got2] = await Promise.all(outs.map((t) => t.data()));
    expect(Array.from(got3)).toEqual(Array.from(e3));
    expect(Array.from(got2)).toEqual(Array.from(e2));
    expect(Math.max(...Array.from(e3, (v, i) => Math.abs(v - e2[i])))).toBeGreaterThan(1e-3);
    sg.dispose([x, ...outs]);
    for (const m of [m3, m2, l3, l2]) m.dispose();
    expect(sg.memory().numTensors).toBe(before);
  });
});
