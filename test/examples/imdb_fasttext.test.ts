// examples/imdb_fasttext.ts run as written (imported, with a small CI-sized setting), on the fortunes
// stand-in (Debian's fortunes, installed by .ci/run).
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';

describe('example imdb_fasttext', () => {
  it('has Keras’ 1,000,051 parameters with unigrams; with bigrams the vocabulary grows by the training set’s bigrams', async () => {
    process.env.EPOCHS = '3';
    process.env.MAXLEN = '40';
    process.env.N_TRAIN = '200';
    process.env.N_TEST = '100';
    process.env.NGRAM_RANGE = '2';
    process.env.VERBOSE = '0';
    process.env.SEED = '1'; // initializers, dropout and shuffles seeded: the same run every time on one build
    delete process.env.DATA;
    const before = sg.memory().numTensors;
    const ex = await import('../../examples/imdb_fasttext.js');
    // maxFeatures = 20000 + 1 + bigrams, as Keras' max(indices) + 1; params = maxFeatures * 50 + 51
    expect(ex.result.ngrams).toBeGreaterThan(1000);
    expect(ex.result.maxFeatures).toBe(20001 + ex.result.ngrams);
    expect(ex.result.params).toBe(ex.result.maxFeatures * 50 + 51);
    expect(ex.result.losses[2]).toBeLessThan(ex.result.losses[0]);
    const m = ex.buildModel(20000);
    expect(m.countParams()).toBe(1_000_051); // Keras 3.15 count_params(), ngram_range 1
    m.dispose();
    expect(sg.memory().numTensors).toBe(before);
  }, 600_000);
});
