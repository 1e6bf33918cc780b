// examples/save_and_load.ts run as written (imported, at a CI size): every format it saves loads
// back and predicts the same classes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';

describe('example save_and_load', () => {
  it('saves the trained MLP as tfjs-layers, .keras, .h5 and ONNX and each reloads to the same predictions', async () => {
    for (const k of ['EPOCHS', 'N_TRAIN', 'VERBOSE', 'OUT_DIR']) delete process.env[k];
    process.env.EPOCHS = '1';
    process.env.N_TRAIN = '1000';
    process.env.VERBOSE = '0';
    process.env.SEED = '1'; // initializers, dropout and shuffles seeded: the same run every time on one build
    process.env.OUT_DIR = mkdtempSync(join(tmpdir(), 'sg-save-'));
    const before = sg.memory().numTensors;
    const ex = await import('../../examples/save_and_load.js');
    expect(ex.result.accuracy).toBeGreaterThan(0.6); // SEED 1: 0.7345; SEEDs 1-5: 0.633-0.759
    expect(ex.result.checks.map((c: { format: string }) => c.format)).toEqual([
      'tfjs-layers (model.json + shards)',
      'Keras 3 (.keras)',
      'Keras legacy (.h5)',
      'ONNX (onnxruntime-node)',
    ]);
    expect(ex.result.optimizerRestored).toBe(true);
    for (const c of ex.result.checks) {
      expect(c.sameClasses).toBe(true);
      expect(c.maxDiff).toBeLessThan(1e-5);
    }
    expect(sg.memory().numTensors).toBe(before);
  });
});
