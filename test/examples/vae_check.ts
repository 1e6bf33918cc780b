// What both VAE example tests check, given the example's module, its CI-sized settings and Keras' parameter counts.
import { expect } from 'vitest';
import { existsSync } from 'node:fs';
import * as sg from '../../src/index.js';

interface VaeExample {
  result: {
    params: number;
    encoderParams: number;
    decoderParams: number;
    initial: { reconstruction: number; kl: number };
    final: { reconstruction: number; kl: number };
    reconstruction: number[];
  };
  Sampling: new (seed: number) => sg.Layer;
}

/**
 * Runs the example (imported with `env`), checks Keras' parameter counts [encoder, decoder, vae], that the
 * reconstruction loss halves and falls from the first to the last epoch, that the KL term from addLoss is in the loss,
 * that both figures were written as `<prefix>_*.png`, that nothing leaks; then the Sampling layer against a hand
 * computation (z = mean + exp(logvar / 2) * eps with eps seeded, and its KL loss).
 */
export async function checkVaeExample(
  load: () => Promise<unknown>,
  env: Record<string, string>,
  counts: [number, number, number],
  prefix: string,
): Promise<void> {
  Object.assign(process.env, { N_TEST: '500', VERBOSE: '0', OUT_DIR: 'examples/out/test', ...env });
  const before = sg.memory().numTensors;
  const ex = (await load()) as VaeExample;
  const r = ex.result;
  console.log(JSON.stringify(r));
  expect([r.encoderParams, r.decoderParams, r.params]).toEqual(counts);
  // The first step's reconstruction loss (untrained: about 784 * ln 2) halves in the short run.
  expect(r.initial.reconstruction).toBeGreaterThan(400);
  expect(r.final.reconstruction).toBeLessThan(r.initial.reconstruction / 2);
  expect(r.reconstruction[r.reconstruction.length - 1]).toBeLessThan(r.reconstruction[0]);
  // The KL term is in the loss (positive once the encoder spreads the digits).
  expect(r.final.kl).toBeGreaterThan(0);
  expect(existsSync(`examples/out/test/${prefix}_mean.png`)).toBe(true);
  expect(existsSync(`examples/out/test/${prefix}_digits_over_latent.png`)).toBe(true);
  expect(sg.memory().numTensors).toBe(before);

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
}
