// predict of an inference chain on webgpu keeps batchSize: its products pick a shader by size
// (32 x 32 or 64 x 64 tiles), so joining batches (as wasm and js do, src/models/inference_chain.ts)
// could change a row's bits. Checked: 100 rows at batchSize 32 are 4 calls, with the bits of
// predicting the four batches one by one, and close to the js oracle.
import { afterAll, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, randArray } from '../helpers.js';
import { describeGpu } from './helpers.js';

afterAll(async () => {
  await sg.setBackend('wasm');
});

describeGpu('predict of an inference chain on webgpu', () => {
  checkNoLeaks();

  it('keeps batchSize (4 calls for 100 rows at 32): the bits of batch by batch, close to js', async () => {
    const make = () => {
      sg.utils.setRandomSeed(5);
      const m = sg.sequential();
      m.add(sg.layers.dense({ units: 64, activation: 'relu', inputShape: [48] }));
      m.add(sg.layers.dropout({ rate: 0.5 }));
      m.add(sg.layers.dense({ units: 10, activation: 'softmax' }));
      return m;
    };
    const xv = randArray(100 * 48, 3, -1, 1);
    await sg.setBackend('js');
    const mj = make();
    const xj = sg.tensor(xv, [100, 48]);
    const yj = mj.predict(xj, { batchSize: 32 }) as sg.Tensor;
    const want = Array.from(yj.dataSync());
    sg.dispose([xj, yj]);
    mj.dispose();
    await sg.setBackend('webgpu');
    const m = make();
    const x = sg.tensor(xv, [100, 48]);
    const chain = (m as unknown as { chainFor(xs: sg.Tensor[]): { rowsPerCall(b: number): number } | null }).chainFor;
    expect(chain.call(m, [x])!.rowsPerCall(32)).toBe(32);
    const a = sg.scalar(0);
    const y = m.predict(x, { batchSize: 32 }) as sg.Tensor;
    const b = sg.scalar(0);
    // per batch a slice and its output, then one concat
    expect((b as unknown as { id: number }).id - (a as unknown as { id: number }).id - 1).toBe(2 * 4 + 1);
    const got = new Float32Array(await y.data());
    const one: number[] = [];
    for (let s = 0; s < 100; s += 32) {
      const xb = sg.slice(x, [s, 0], [Math.min(32, 100 - s), 48]);
      const yb = m.predict(xb) as sg.Tensor;
      one.push(...(await yb.data()));
      sg.dispose([xb, yb]);
    }
    expect(Array.from(new Uint32Array(got.buffer))).toEqual(Array.from(new Uint32Array(Float32Array.from(one).buffer)));
    expectClose(Array.from(got), want, 1e-4, 1e-6);
    sg.dispose([a, b, x, y]);
    m.dispose();
  });
});
