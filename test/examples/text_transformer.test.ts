// examples/text_transformer.ts run as written (imported, with a small CI-sized setting) on the
// two-class fortunes stand-in: Keras' parameter count, learning, no leaked tensors, and the
// custom layers' math.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { expectClose } from '../helpers.js';

describe('example text_transformer', () => {
  it('has Keras’ parameter count and learns the two-class stand-in in 3 short epochs', async () => {
    process.env.EPOCHS = '3';
    process.env.MAXLEN = '48';
    process.env.N_TRAIN = '1600';
    process.env.N_TEST = '400';
    process.env.VERBOSE = '0';
    process.env.SEED = '1'; // initializers, dropout and shuffles seeded: the same run every time on one build
    const before = sg.memory().numTensors;
    const ex = await import('../../examples/text_transformer.js');
    // Keras' summary at maxlen 48: token 640,000 + position 1,536 + block 10,656 + dense 660 + 42.
    expect(ex.result.params).toBe(640_000 + 48 * 32 + 10_656 + 660 + 42);
    expect(ex.result.losses[2]).toBeLessThan(ex.result.losses[0]);
    expect(ex.result.valAccuracy).toBeGreaterThan(0.75); // SEED 1: 0.835; SEEDs 1-6: 0.760-0.875; chance 0.5
    expect(sg.memory().numTensors).toBe(before);
    // The position embedding: the same token at two positions differs by the two position rows.
    const emb = new ex.TokenAndPositionEmbedding({ maxlen: 3, vocabSize: 5, embedDim: 4 });
    const y = emb.apply(sg.tensor([[2, 2, 0]], [1, 3], 'int32')) as sg.Tensor;
    const [tok, pos] = emb.weights.map((w) => w.read().arraySync() as number[][]);
    const want = [0, 1, 2].flatMap((p) => tok[p === 2 ? 0 : 2].map((v, j) => v + pos[p][j]));
    expectClose(y.dataSync(), want, 1e-6, 1e-7);
    y.dispose();
    emb.dispose();
  }, 240_000);
});
