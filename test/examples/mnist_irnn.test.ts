// examples/mnist_irnn.ts run as written (imported, with a small CI-sized setting).
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';

describe('example mnist_irnn', () => {
  it('has Keras’ parameter count, starts from the identity and trains pixel by pixel at the original’s learning rate', async () => {
    // The example's settings only (other examples' tests may run in this process first).
    for (const k of ['EPOCHS', 'N_TRAIN', 'N_TEST', 'BATCH', 'LR', 'VERBOSE', 'SEED']) delete process.env[k];
    process.env.EPOCHS = '2';
    process.env.N_TRAIN = '64';
    process.env.N_TEST = '32';
    process.env.VERBOSE = '0';
    const before = sg.memory().numTensors;
    const { result: r } = await import('../../examples/mnist_irnn.js');
    expect(r.params).toBe(11_210); // Keras: SimpleRNN(100) on 1 feature 10,200 + Dense(10) 1,010
    expect(r.identityAtStart).toBe(true);
    expect(r.losses.length).toBe(2);
    // At lr 1e-6 two epochs hardly move the weights: the loss stays finite near ln(10), below the start.
    r.losses.forEach((l) => expect(Math.abs(l - Math.log(10))).toBeLessThan(0.1));
    expect(r.losses[1]).toBeLessThan(r.losses[0]);
    expect(Number.isFinite(r.testLoss)).toBe(true);
    expect(sg.memory().numTensors).toBe(before);
  }, 120_000);
});
