// examples/variational_autoencoder_deconv.ts run as written (imported, with a small CI-sized setting).
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import * as sg from '../../src/index.js';

describe('example variational_autoencoder_deconv', () => {
  it('has Keras’ parameter counts, adds the KL term through addLoss, and halves the reconstruction loss', async () => {
    Object.assign(process.env, {
      EPOCHS: '2',
      N_TRAIN: '1200',
      BATCH: '32',
      N_TEST: '500',
      VERBOSE: '0',
      OUT_DIR: 'examples/out/test',
    });
    const before = sg.memory().numTensors;
    const ex = await import('../../examples/variational_autoencoder_deconv.js');
    const r = ex.result;
    // Keras' summaries of the same encoder (conv 32, 64, dense 16, 2x2), decoder and VAE.
    expect(r.encoderParams).toBe(69_076);
    expect(r.decoderParams).toBe(65_089);
    expect(r.params).toBe(134_165);
    console.log(JSON.stringify(r));
    // The first step's reconstruction loss (untrained: about 784 * ln 2) halves in 2 short epochs (76 steps of 32).
    expect(r.initial.reconstruction).toBeGreaterThan(400);
    expect(r.final.reconstruction).toBeLessThan(r.initial.reconstruction / 2);
    expect(r.reconstruction[1]).toBeLessThan(r.reconstruction[0]);
    // The KL term is in the loss (positive once the encoder spreads the digits).
    expect(r.final.kl).toBeGreaterThan(0);
    expect(existsSync('examples/out/test/vae_cnn_mean.png')).toBe(true);
    expect(existsSync('examples/out/test/vae_cnn_digits_over_latent.png')).toBe(true);
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
