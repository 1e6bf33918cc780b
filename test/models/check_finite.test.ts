// fit()'s NaN/Infinity check of x and y (src/models/check_data.ts): the four-chain x * 0 test
// finds a bad value in every lane and in the tail; a tensor found finite is not read again (it is
// immutable), but a Variable is checked on every call (assign changes its values).
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks } from '../helpers.js';

function model(): sg.Sequential {
  const m = sg.sequential({ layers: [sg.layers.dense({ units: 1, inputShape: [7] })] });
  m.compile({ loss: 'mse', optimizer: 'sgd' });
  return m;
}

describe('fit: finite data check', () => {
  checkNoLeaks();

  it('finds NaN, Infinity and -Infinity at every position (all four lanes, the tail), naming the flat index', async () => {
    const m = model();
    const y = sg.zeros([3, 1]);
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const at of [0, 1, 2, 3, 4, 7, 19, 20]) {
        const v = new Float32Array(21).fill(0.5);
        v[at] = bad;
        const x = sg.tensor(v, [3, 7]);
        await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(`x (shape [3,7]) contains ${bad} at flat index ${at}`);
        x.dispose();
      }
    }
    y.dispose();
    m.dispose();
  });

  it('a Variable is checked again on each call: NaN assigned after a successful fit is caught', async () => {
    const m = model();
    const y = sg.zeros([3, 1]);
    const init = sg.ones([3, 7]);
    const x = sg.variable(init, false, 'checkFiniteX');
    await m.fit(x, y, { verbose: 0 });
    const bad = sg.tensor(new Float32Array(21).fill(NaN), [3, 7]);
    x.assign(bad);
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(/x \(shape \[3,7\]\) contains NaN at flat index 0/);
    sg.dispose([y, x, bad, init]);
    m.dispose();
  });
});
