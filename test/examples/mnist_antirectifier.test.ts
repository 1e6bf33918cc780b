// examples/mnist_antirectifier.ts run as written (imported, with a small CI-sized setting).
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';

describe('example mnist_antirectifier', () => {
  it('has Keras’ parameter count and learns the digits in 3 short epochs', async () => {
    process.env.EPOCHS = '3';
    process.env.N_TRAIN = '2000';
    process.env.VERBOSE = '0';
    process.env.SEED = '1'; // initializers, dropout and shuffles seeded: the same run every time on one build
    const before = sg.memory().numTensors;
    const ex = await import('../../examples/mnist_antirectifier.js');
    expect(ex.result.params).toBe(337_418); // Keras' summary of the same model
    expect(ex.result.losses[2]).toBeLessThan(ex.result.losses[0]);
    expect(ex.result.testAccuracy).toBeGreaterThan(0.8); // SEED 1: 0.868; SEEDs 1-5: 0.829-0.877; chance 0.1
    expect(sg.memory().numTensors).toBe(before);
    // The custom layer's math: centred, unit length, positive and negative halves.
    const layer = new ex.Antirectifier();
    const y = layer.apply(sg.tensor([[1, 2, 3, 6]])) as sg.Tensor;
    const c = [-2, -1, 0, 3];
    const n = Math.hypot(...c);
    const want = [...c.map((v) => Math.max(v / n, 0)), ...c.map((v) => Math.max(-v / n, 0))];
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
    y.dispose();
  });
});
