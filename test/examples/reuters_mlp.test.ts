// examples/reuters_mlp.ts run as written (imported, with a small CI-sized setting), on the fortunes
// stand-in (Debian's fortunes, installed by .ci/run).
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';

describe('example reuters_mlp', () => {
  it('has Keras’ 536,110 parameters at 46 topics and learns the many-class stand-in', async () => {
    process.env.EPOCHS = '2';
    process.env.N_TRAIN = '3000';
    process.env.N_TEST = '1000';
    process.env.VERBOSE = '0';
    process.env.SEED = '1'; // initializers, dropout and shuffles seeded: the same run every time on one build
    delete process.env.DATA;
    const before = sg.memory().numTensors;
    const ex = await import('../../examples/reuters_mlp.js');
    expect(ex.result.numClasses).toBeGreaterThanOrEqual(30);
    expect(ex.result.params).toBe(1000 * 512 + 512 + 512 * ex.result.numClasses + ex.result.numClasses);
    expect(ex.result.losses[1]).toBeLessThan(ex.result.losses[0]);
    expect(ex.result.testAccuracy).toBeGreaterThan(3 / ex.result.numClasses); // well above chance; SEED 1: 0.258, SEEDs 1-5: 0.246-0.258
    const m = ex.buildModel(46);
    expect(m.countParams()).toBe(536_110); // Keras 3.15 count_params() with Reuters' 46 topics
    m.dispose();
    expect(sg.memory().numTensors).toBe(before);
  }, 600_000);
});
