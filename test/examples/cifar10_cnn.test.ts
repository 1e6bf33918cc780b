// examples/cifar10_cnn.ts run as written (imported, with a small CI-sized setting). Without the
// CIFAR-10 files it trains on the Fashion-MNIST stand-in (Debian's dataset-fashion-mnist in CI).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';

describe('example cifar10_cnn', () => {
  it('has Keras’ parameter count, trains through flow() + fitDataset and writes the augmented samples', async () => {
    // The example's settings only (other examples' tests may run in this process first).
    for (const k of ['EPOCHS', 'N_TRAIN', 'N_TEST', 'BATCH', 'VERBOSE', 'SEED', 'OUT_DIR', 'CIFAR10_PATH']) delete process.env[k];
    const dir = mkdtempSync(join(tmpdir(), 'cifar10_cnn-'));
    Object.assign(process.env, { EPOCHS: '2', N_TRAIN: '96', N_TEST: '64', BATCH: '32', VERBOSE: '0', OUT_DIR: dir + '/' });
    const before = sg.memory().numTensors;
    const { result: r } = await import('../../examples/cifar10_cnn.js');
    expect(r.params).toBe(1_250_858); // Keras' summary of the same model for 32x32x3 input
    expect(r.source).toMatch(/^(CIFAR-10|Fashion-MNIST stand-in)/);
    expect(r.losses.length).toBe(2);
    r.losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
    expect(r.losses[1]).toBeLessThan(r.losses[0]);
    // A PNG of 4 rows of 8 tiles of 32x32 (1-pixel gaps) scaled by 3.
    const png = readFileSync(r.augmentedPng);
    expect(Array.from(png.subarray(1, 4))).toEqual([80, 78, 71]);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([(8 * 33 + 1) * 3, (4 * 33 + 1) * 3]);
    expect(sg.memory().numTensors).toBe(before);
    rmSync(dir, { recursive: true });
  }, 180_000);
});
