// examples/variational_autoencoder.ts run as written (imported, with a small CI-sized setting).
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import * as sg from '../../src/index.js';

describe('example variational_autoencoder', () => {
  it('has Keras’ parameter counts, adds the KL term through addLoss, and halves the reconstruction loss', async () => {
    Object.assign(process.env, {
      EPOCHS: '3',
      N_TRAIN: '2000',
      N_TEST: '500',
      VERBOSE: '0',
      OUT_DIR: 'examples/out/test',
    });
    const before = sg.memory().numTensors;
    const ex = await import('../../examples/variational_autoencoder.js');
    const r = ex.result;
    // Keras' summaries of the same encoder (784-512-2x2), decoder (2-512-784) and VAE.
    expect(r.encoderParams).toBe(403_972);
    expect(r.decoderParams).toBe(403_728);
    expect(r.params).toBe(807_700);
    console.log(JSON.stringify(r));
    // The first step's reconstruction loss (untrained: about 784 * ln 2) halves in 3 short epochs.
    expect(r.initial.reconstruction).toBeGreaterThan(400);
    expect(r.final.reconstruction).toBeLessThan(r.initial.reconstruction / 2);
    expect(r.reconstruction[2]).toBeLessThan(r.reconstruction[0]);
    // The KL term is in the loss (positive once the encoder spreads the digits).
    expect(r.final.kl).toBeGreaterThan(0);
    expect(existsSync('examples/out/test/vae_mean.png')).toBe(true);
    expect(existsSync('examples/out/test/vae_digits_over_latent.png')).toBe(true);
    expect(sg.memory().numTensors).toBe(before);
    // The sampling layer: z = mean + exp(logvar / 2) * eps with eps seeded; KL by hand.
    const layer = new ex.Sampling(5);
    const m = sg.tensor([[0.5, -1]]);
    const lv = sg.tensor([[0.2, -0.4]]);
    const zT = layer.apply([m, lv]) as sg.Tensor;
    const eps = sg.randomNormal([1, 2], 0, 1, 'float32', 5);
    const e = eps.dataSync();
    const zv = zT.dataSync();
    expect(zv[0]).toBeCloseTo(0.5 + Math.exp(0.1) * e[0], 5);
    expect(zv[1]).toBeCloseTo(-1 + Math.exp(-0.2) * e[1], 5);
    const kl = -0.5 * (1 + 0.2 - 0.25 - Math.exp(0.2) + (1 - 0.4 - 1 - Math.exp(-0.4)));
    expect(layer.losses[0].dataSync()[0]).toBeCloseTo(kl, 5);
    sg.dispose([m, lv, zT, eps]);
    layer.dispose();
    expect(sg.memory().numTensors).toBe(before);
  }, 300_000);
});
