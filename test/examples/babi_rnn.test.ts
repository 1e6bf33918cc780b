// examples/babi_rnn.ts run as written (imported, with a small CI-sized setting) on generated
// task 1: the original's model (two embedded LSTM readers, concatenate, dense softmax), its
// parameter count, a few training steps that lower the loss, no leaked tensors.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';

describe('example babi_rnn', () => {
  it('builds Keras’ babi_rnn model and trains it a few steps on generated task 1', async () => {
    process.env.EPOCHS = '3';
    process.env.N_BLOCKS = '60';
    process.env.N_TEST_BLOCKS = '20';
    process.env.TASK = '1';
    process.env.VERBOSE = '0';
    const before = sg.memory().numTensors;
    const ex = await import('../../examples/babi_rnn.js');
    const V = ex.result.vocabSize;
    expect(V).toBe(36); // 35 words and marks of tasks 1 and 2, + padding
    // Keras' count: 2 embeddings (V x 50), 2 LSTMs (50 -> 100), Dense(200 -> V).
    expect(ex.result.params).toBe(2 * V * 50 + 2 * 4 * (50 * 100 + 100 * 100 + 100) + 200 * V + V);
    expect(ex.result.losses[2]).toBeLessThan(ex.result.losses[0]);
    expect(ex.result.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(ex.result.testAccuracy).toBeLessThanOrEqual(1);
    expect(sg.memory().numTensors).toBe(before);
  }, 240_000);
});
