// A model whose recurrent activation is Keras 2's / tfjs' hard sigmoid (clip(0.2x + 0.5, 0, 1)),
// as every tfjs-layers LSTM by default, has no Keras 3 spelling: writing it as .keras or .h5 must
// fail clearly before a file is written (a file naming 'hard_sigmoid_keras2' would not load in
// Keras 3), while the tfjs-layers format keeps it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';

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
