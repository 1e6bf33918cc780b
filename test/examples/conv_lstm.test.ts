// examples/conv_lstm.ts run as written (imported twice: at the original's 40 filters without
// training, for the parameter count, and at a CI size that trains).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';

/** Keras' count for F filters: 4 ConvLSTM2D (3x3 kernels for 4 gates on the input and the state, a bias), 4 BatchNormalization, Conv3D(1). */
const kerasParams = (F: number) => 9 * 1 * 4 * F + 9 * F * 4 * F + 4 * F + 3 * (9 * F * 4 * F * 2 + 4 * F) + 4 * 4 * F + 27 * F + 1;

describe('example conv_lstm', () => {
  it('has Keras’ parameter count at 40 filters; trains and predicts frames at a CI size', async () => {
    // The example's settings only (other examples' tests may run in this process first).
    for (const k of ['FILTERS', 'N_SAMPLES', 'N_FRAMES', 'EPOCHS', 'BATCH', 'VERBOSE', 'SEED', 'OUT_DIR']) delete process.env[k];
    const dir = mkdtempSync(join(tmpdir(), 'conv_lstm-'));
    const before = sg.memory().numTensors;
    Object.assign(process.env, { FILTERS: '40', N_SAMPLES: '2', N_FRAMES: '3', EPOCHS: '0', BATCH: '2', VERBOSE: '0', OUT_DIR: dir + '/' });
    const full = (await import('../../examples/conv_lstm.js')).result;
    // Keras: ConvLSTM2D(40) on 1 channel 59,200, on 40 channels 115,360 (x3), BatchNormalization
    // 160 (x4), Conv3D(1, 3x3x3) 1,081.
    expect(full.params).toBe(407_001);
    expect(kerasParams(40)).toBe(407_001);
    expect(full.losses.length).toBe(0);
    expect(sg.memory().numTensors).toBe(before);

    Object.assign(process.env, { FILTERS: '3', N_SAMPLES: '8', N_FRAMES: '4', EPOCHS: '3', BATCH: '2' });
    // A second instance of the example module (a query makes a new module; 'simdgrad' stays shared,
    // so memory() sees its tensors).
    const again = '../../examples/conv_lstm.js' + '?ci';
    const { result: r, generateMovies }: typeof import('../../examples/conv_lstm.js') = await import(/* @vite-ignore */ again);
    expect(r.params).toBe(kerasParams(3));
    expect(r.losses.length).toBe(3);
    expect(r.losses[2]).toBeLessThan(r.losses[0]);
    expect(r.predictedMae).toBeGreaterThanOrEqual(0);
    expect(r.predictedMae).toBeLessThan(1);
    const png = readFileSync(r.framesPng);
    expect(Array.from(png.subarray(1, 4))).toEqual([80, 78, 71]);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([(4 * 41 + 1) * 3, (2 * 41 + 1) * 3]);
    expect(sg.memory().numTensors).toBe(before);

    // generate_movies: the target frame t is the clean frame t + 1; values clipped to [-0.1, 1].
    const { noisy, shifted } = generateMovies(3, 5, 7);
    const nv = noisy.dataSync();
    const sv = shifted.dataSync();
    expect(Math.max(...nv)).toBe(1);
    expect(Math.min(...nv)).toBeGreaterThanOrEqual(-0.1 - 1e-6);
    expect(new Set(sv).size).toBeLessThanOrEqual(2); // 0 and 1 only: no noise in targets
    const f = 40 * 40;
    // Where frame t+1 of the noisy movie is exactly 1 (a square), the target of frame t is 1 too.
    for (let m = 0; m < 3; m++)
      for (let t = 0; t < 4; t++)
        for (let p = 0; p < f; p++) if (nv[(m * 5 + t + 1) * f + p] === 1) expect(sv[(m * 5 + t) * f + p]).toBe(1);
    sg.dispose([noisy, shifted]);
    rmSync(dir, { recursive: true });
  }, 240_000);
});
