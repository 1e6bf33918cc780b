// examples/neural_style_transfer.ts run as written (imported, with a small CI-sized setting).
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import * as sg from '../../src/index.js';

describe('example neural_style_transfer', () => {
  it('optimises the pixels of a variable image with L-BFGS: the total loss falls and the image leaves the content image', async () => {
    for (const k of ['ITERATIONS', 'MAX_EVAL', 'OPTIMIZER', 'STEPS']) delete process.env[k];
    Object.assign(process.env, {
      ITERATIONS: '2',
      MAX_EVAL: '20',
      N_TRAIN: '1000',
      VERBOSE: '0',
      OUT_DIR: 'examples/out/test',
    });
    const before = sg.memory().numTensors;
    const ex = await import('../../examples/neural_style_transfer.js');
    const r = ex.result;
    console.log(JSON.stringify(r));
    // The stand-in for VGG19: conv 1->32, 32->32, 32->64, 64->64 (3x3) and a dense 3136->10 head.
    expect(r.cnnParams).toBe(320 + 9248 + 18496 + 36928 + 31370);
    expect(r.cnnAccuracy).toBeGreaterThan(0.5); // it learned features (chance 0.1)
    const first = r.losses[0];
    const last = r.losses[r.losses.length - 1];
    expect(last.step).toBe(2);
    // Two L-BFGS runs of at most 20 evaluations each (maxfun 20, as the original's).
    expect(last.evaluations).toBeGreaterThan(20);
    expect(last.evaluations).toBeLessThanOrEqual(2 * (20 + 25));
    expect(first.content).toBe(0); // the optimisation starts from the content image
    // L-BFGS only accepts decreasing steps: the loss falls every round.
    for (let i = 1; i < r.losses.length; i++) expect(r.losses[i].total).toBeLessThan(r.losses[i - 1].total);
    expect(last.total).toBeLessThan(first.total * 0.5);
    expect(last.style).toBeLessThan(first.style);
    expect(r.meanAbsChange).toBeGreaterThan(0.02); // pixels in [0, 1]
    for (const f of ['style_content', 'style_style', 'style_result']) expect(existsSync(`examples/out/test/${f}.png`)).toBe(true);
    expect(sg.memory().numTensors).toBe(before);
    // The loss terms by hand on a tiny input.
    sg.tidy(() => {
      const x = sg.tensor([1, 2, 3, 4, 5, 6], [1, 1, 3, 2]); // 3 positions, 2 channels
      expect(Array.from(ex.gramMatrix(x).dataSync())).toEqual([1 + 9 + 25, 2 + 12 + 30, 2 + 12 + 30, 4 + 16 + 36]);
      const img = sg.tensor([0, 1, 3, 7], [1, 2, 2, 1]); // one interior corner: dy = 3, dx = 1
      expect(ex.totalVariationLoss(img).dataSync()[0]).toBeCloseTo((9 + 1) ** 1.25, 3);
      expect(ex.contentLoss(img, sg.zerosLike(img)).dataSync()[0]).toBe(59);
    });
    expect(sg.memory().numTensors).toBe(before);
  }, 300_000);
});
