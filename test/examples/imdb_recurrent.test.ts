// examples/imdb_lstm.ts, imdb_cnn_lstm.ts and imdb_bidirectional_lstm.ts run as written (imported, with a small
// CI-sized setting), on the fortunes stand-in (Debian's fortunes, installed by .ci/run).
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';

// Each example's module and Keras 3.15's count_params() of the same model.
const EXAMPLES: [string, () => Promise<{ result: { params: number; losses: number[] } }>, number][] = [
  ['imdb_lstm', () => import('../../examples/imdb_lstm.js'), 2_691_713],
  ['imdb_cnn_lstm', () => import('../../examples/imdb_cnn_lstm.js'), 2_638_895],
  ['imdb_bidirectional_lstm', () => import('../../examples/imdb_bidirectional_lstm.js'), 2_658_945],
];

describe.each(EXAMPLES)('example %s', (_name, load, params) => {
  it(`has Keras’ ${params.toLocaleString('en')} parameters and its training loss falls over 3 epochs on 96 stand-in texts`, async () => {
    Object.assign(process.env, { EPOCHS: '3', MAXLEN: '24', N_TRAIN: '96', N_TEST: '32', VERBOSE: '0', SEED: '1' });
    delete process.env.DATA;
    const before = sg.memory().numTensors;
    const { result } = await load();
    expect(result.params).toBe(params);
    expect(result.losses.every((l) => Number.isFinite(l))).toBe(true);
    expect(result.losses[2]).toBeLessThan(result.losses[0]);
    expect(sg.memory().numTensors).toBe(before);
  }, 600_000);
});
