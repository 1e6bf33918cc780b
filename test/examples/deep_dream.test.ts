// examples/deep_dream.ts run as written (imported, with a small CI-sized setting).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';

describe('example deep_dream', () => {
  it('L-BFGS on the image (maxfun 7 runs, as Keras 2.0) raises the activation loss at every octave and writes both images', async () => {
    // The example's settings only (other examples' tests may run in this process first).
    for (const k of ['EPOCHS', 'N_TRAIN', 'STEPS', 'OCTAVES', 'OCTAVE_SCALE', 'STEP', 'MAX_LOSS', 'CONTINUITY', 'DREAM_L2', 'VERBOSE', 'SEED', 'OUT_DIR', 'OPTIMIZER', 'MAX_EVAL']) delete process.env[k];
    const dir = mkdtempSync(join(tmpdir(), 'deep_dream-'));
    Object.assign(process.env, { EPOCHS: '1', N_TRAIN: '500', STEPS: '10', OCTAVES: '2', VERBOSE: '0', OUT_DIR: dir + '/' });
    const before = sg.memory().numTensors;
    const { result: r } = await import('../../examples/deep_dream.js');
    expect(r.optimizer).toBe('lbfgs');
    expect(r.size).toEqual([84, 84]);
    expect(r.losses.length).toBe(2); // octaves
    r.evaluationsPerOctave.forEach((n) => expect(n).toBeLessThanOrEqual(10));
    for (const seen of r.losses) {
      expect(seen.length).toBeGreaterThanOrEqual(3); // the start, then at least two L-BFGS iterations
      seen.forEach((v) => expect(Number.isFinite(v)).toBe(true));
      // L-BFGS accepts only steps that lower -loss: each iteration raises the loss.
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
      // Seeded (SEED=1): the same run every time on one build, but the path L-BFGS takes follows the float sums of the
      // convolutions (Winograd F(4x4,3x3) moved the octaves' gains from 1.34x / 1.49x to 1.35x / 1.20x).
      expect(seen[seen.length - 1]).toBeGreaterThan(1.15 * seen[0]);
    }
    expect(r.pixelChange).toBeGreaterThan(0.005);
    for (const p of [r.startPng, r.dreamPng]) {
      const png = readFileSync(p);
      expect(Array.from(png.subarray(1, 4))).toEqual([80, 78, 71]);
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([336, 336]);
    }
    expect(sg.memory().numTensors).toBe(before);
    rmSync(dir, { recursive: true });
  }, 180_000);
});
