// examples/imdb_cnn_lstm.ts run as written (imported, with a small CI-sized setting), on the fortunes
// stand-in (Debian's fortunes, installed by .ci/run).
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';

describe('example imdb_cnn_lstm', () => {
  it('has Keras’ 2,638,895 parameters and its training loss falls over 3 epochs on 96 stand-in texts', async () => {
    process.env.EPOCHS = '3';
    process.env.MAXLEN = '24';
    process.env.N_TRAIN = '96';
    process.env.N_TEST = '32';
    process.env.VERBOSE = '0';
    delete process.env.DATA;
    const before = sg.memory().numTensors;
    const ex = await import('../../examples/imdb_cnn_lstm.js');
    expect(ex.result.params).toBe(2_638_895); // Keras 3.15 count_params() of the same model
    expect(ex.result.losses.every((l: number) => Number.isFinite(l))).toBe(true);
    expect(ex.result.losses[2]).toBeLessThan(ex.result.losses[0]);
    expect(sg.memory().numTensors).toBe(before);
  }, 600_000);
});
