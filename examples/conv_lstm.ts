// Keras' conv_lstm example in TypeScript: a network that predicts the next frame of movies of
// moving squares. Four ConvLSTM2D(40 filters, 3x3, same padding, returnSequences) layers, each
// followed by BatchNormalization, then a Conv3D(1 filter, 3x3x3, sigmoid, same) over (time, rows,
// cols); binary cross-entropy and Adadelta (Keras 2's learning rate 1.0, the original's setting);
// batch 10, 300 epochs on 1,000 movies with a 5% validation split, as the original.
//
// Data: generated here, as the original's generate_movies (seeded): 1,200 movies of 15 frames of
// 80x80 pixels with 3 to 7 squares of half-width 2-3 moving one pixel per frame in one of 9
// directions, with a faint noise border on some, cut to the central 40x40; the target of each
// frame is the next frame without noise.
// Prints: the summary (407,001 parameters, as Keras, at the default 40 filters) and the progress
// of each epoch. Then, as the original, it feeds the first 7 frames of a movie, predicts the
// next frame, appends it and repeats, and writes OUT_DIR/conv_lstm_frames.png: ground truth
// (top row) and predicted frames (bottom row) for frames 1-15 (the first 7 are the given ones).
// The original publishes only such pictures, no figure; this prints the mean absolute error of
// the predicted frames 8-15 against the clean frames (the original needs its 300 epochs for sharp squares).
// The defaults are the original's and would take weeks on a CPU (one ConvLSTM2D layer's forward and
// backward at batch 10 and 40 filters takes about 18 s here on its fused kernels, on a shared
// 2-core machine under heavy load; `npm run bench -- convlstm --batch 10 --filters 40`). Memory is
// no longer the limit: the layer keeps h, c and the gates of each step and backward makes the
// gradients one step at a time, so that layer peaks at about 410 MiB (composed of per-step ops
// kept for backward, FILTERS=8 at batch 10 ran out of the 4 GiB heap). The run below (75 s on that
// loaded machine, 55 s of it training) brought the loss from 0.75 to 0.55 in 3 epochs: too short
// to learn the squares, its predicted frames are a flat gray (mean absolute error 0.45).
//
//   npm run build && npx tsx examples/conv_lstm.ts
//   FILTERS=8 N_SAMPLES=40 EPOCHS=3 BATCH=2 npx tsx examples/conv_lstm.ts    # minutes here
import * as sg from 'simdgrad';
import { writeImageGrid } from './lib/images.js';

const FILTERS = Number(process.env.FILTERS ?? 40);
const N_SAMPLES = Number(process.env.N_SAMPLES ?? 1200); // movies generated; the last 200 are kept out as the original
const N_FRAMES = Number(process.env.N_FRAMES ?? 15);
const EPOCHS = Number(process.env.EPOCHS ?? 300);
const BATCH = Number(process.env.BATCH ?? 10);
const VERBOSE = Number(process.env.VERBOSE ?? 1) as 0 | 1;
const SEED = Number(process.env.SEED ?? 1);
const OUT_DIR = process.env.OUT_DIR ?? new URL('./out/', import.meta.url).pathname;
const SIZE = 40; // the 40x40 window the original cuts from 80x80 movies

/** A seeded stand-in for numpy's randint(lo, hi): an integer in [lo, hi). */
function makeRandint(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0; // mulberry32
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return (lo, hi) => lo + Math.floor(next() * (hi - lo));
}

/**
 * The original's generate_movies: noisy movies and their next frames (shifted_movies), cut to the
 * central 40x40 window and clipped at 1. Returns [n, frames, 40, 40, 1] tensors.
 */
export function generateMovies(nSamples: number, nFrames: number, seed: number): { noisy: sg.Tensor; shifted: sg.Tensor } {
  const row = 80;
  const col = 80;
  const randint = makeRandint(seed);
  const noisy = new Float32Array(nSamples * nFrames * row * col);
  const shifted = new Float32Array(nSamples * nFrames * row * col);
  const addBox = (buf: Float32Array, i: number, t: number, x0: number, x1: number, y0: number, y1: number, v: number) => {
    // numpy slicing [x0:x1, y0:y1], negative starts clipped to 0 as the original's indices never go below 0
    for (let x = Math.max(0, x0); x < Math.min(row, x1); x++)
      for (let y = Math.max(0, y0); y < Math.min(col, y1); y++) buf[((i * nFrames + t) * row + x) * col + y] += v;
  };
  for (let i = 0; i < nSamples; i++) {
    const n = randint(3, 8); // add 3 to 7 moving squares
    for (let j = 0; j < n; j++) {
      const xstart = randint(20, 60);
      const ystart = randint(20, 60);
      const directionx = randint(0, 3) - 1;
      const directiony = randint(0, 3) - 1;
      const w = randint(2, 4); // half-width 2 or 3
      for (let t = 0; t < nFrames; t++) {
        const xs = xstart + directionx * t;
        const ys = ystart + directiony * t;
        addBox(noisy, i, t, xs - w, xs + w, ys - w, ys + w, 1);
        // A noise border, to make the network robust: +-0.1 around the square, on half of them.
        if (randint(0, 2)) {
          const noiseF = (-1) ** randint(0, 2);
          addBox(noisy, i, t, xs - w - 1, xs + w + 1, ys - w - 1, ys + w + 1, noiseF * 0.1);
        }
        // The ground truth: the square one step later.
        const xn = xstart + directionx * (t + 1);
        const yn = ystart + directiony * (t + 1);
        addBox(shifted, i, t, xn - w, xn + w, yn - w, yn + w, 1);
      }
    }
  }
  // Cut to the 40x40 window [20:60, 20:60] and clip values >= 1 to 1.
  const cut = (buf: Float32Array) => {
    const out = new Float32Array(nSamples * nFrames * SIZE * SIZE);
    for (let f = 0; f < nSamples * nFrames; f++)
      for (let x = 0; x < SIZE; x++)
        for (let y = 0; y < SIZE; y++) out[(f * SIZE + x) * SIZE + y] = Math.min(buf[(f * row + x + 20) * col + y + 20], 1);
    return sg.tensor(out, [nSamples, nFrames, SIZE, SIZE, 1]);
  };
  return { noisy: cut(noisy), shifted: cut(shifted) };
}

const model = sg.sequential();
for (let k = 0; k < 4; k++) {
  model.add(
    sg.layers.convLstm2d({
      filters: FILTERS,
      kernelSize: 3,
      padding: 'same',
      returnSequences: true,
      ...(k === 0 ? { inputShape: [null, SIZE, SIZE, 1] } : {}),
      kernelInitializer: sg.initializers.glorotUniform({ seed: SEED * 100 + 2 * k }),
      recurrentInitializer: sg.initializers.orthogonal({ seed: SEED * 100 + 2 * k + 1 }),
    }),
  );
  model.add(sg.layers.batchNormalization());
}
model.add(
  sg.layers.conv3d({
    filters: 1,
    kernelSize: 3,
    activation: 'sigmoid',
    padding: 'same',
    dataFormat: 'channelsLast',
    kernelInitializer: sg.initializers.glorotUniform({ seed: SEED * 100 + 9 }),
  }),
);
if (VERBOSE) model.summary();
const opt = sg.optimizers.adadelta({ learningRate: 1.0 });
model.compile({ loss: 'binary_crossentropy', optimizer: opt });

const { noisy, shifted } = generateMovies(N_SAMPLES, N_FRAMES, SEED);
const nTrain = N_SAMPLES > 400 ? N_SAMPLES - 200 : Math.ceil(N_SAMPLES / 2); // the original: 1,000 of 1,200
const xTrain = sg.slice(noisy, 0, nTrain);
const yTrain = sg.slice(shifted, 0, nTrain);
console.log(`${nTrain} training movies of ${N_FRAMES} frames of ${SIZE}x${SIZE}, ${FILTERS} filters`);
const t0 = Date.now();
const history = await model.fit(xTrain, yTrain, {
  batchSize: BATCH,
  epochs: EPOCHS,
  validationSplit: nTrain >= 20 ? 0.05 : 0, // the original's 5% (none when that is not one movie)
  verbose: VERBOSE,
});
const seconds = (Date.now() - t0) / 1000;
console.log(`Training time: ${seconds.toFixed(1)} s for ${EPOCHS} epochs`);

// Testing the network on one movie it has not seen: feed the first 7 frames, predict the next,
// append it, and so on until the movie has N_FRAMES frames (the original: 7 + 16, shown to 15).
const which = Math.min(N_SAMPLES - 1, 1004);
const given = Math.min(7, N_FRAMES - 1);
let track = sg.slice(noisy, [which, 0, 0, 0, 0], [1, given, SIZE, SIZE, 1]);
for (let j = given; j < N_FRAMES; j++) {
  const next = sg.tidy(() => {
    const pred = model.predict(track) as sg.Tensor;
    const last = sg.slice(pred, [0, j - 1, 0, 0, 0], [1, 1, SIZE, SIZE, 1]);
    return sg.concat([track, last], 1);
  });
  track.dispose();
  track = next;
}
const frame = SIZE * SIZE;
const truthData = noisy.dataSync().subarray(which * N_FRAMES * frame, (which + 1) * N_FRAMES * frame);
const predData = track.dataSync();
const frames = [
  ...Array.from({ length: N_FRAMES }, (_, t) => truthData.subarray(t * frame, (t + 1) * frame)),
  ...Array.from({ length: N_FRAMES }, (_, t) => predData.subarray(t * frame, (t + 1) * frame)),
];
const framesPng = `${OUT_DIR}conv_lstm_frames.png`;
writeImageGrid(framesPng, frames, SIZE, SIZE, N_FRAMES, { scale: 3 });
console.log(`Wrote ${framesPng}: ground truth (top) and frames ${given + 1}-${N_FRAMES} predicted (bottom)`);
// Error against the clean next frames (shifted_movies[which][t - 1] is frame t without noise).
const cleanData = shifted.dataSync().subarray(which * N_FRAMES * frame, (which + 1) * N_FRAMES * frame);
let err = 0;
for (let i = given * frame; i < N_FRAMES * frame; i++) err += Math.abs(cleanData[i - frame] - predData[i]);
const predictedMae = err / ((N_FRAMES - given) * frame);
console.log(`Mean absolute error of the predicted frames: ${predictedMae.toFixed(4)}`);

/** What a test checks: the parameter count, the losses, the prediction's error, the image written. */
export const result = {
  params: model.countParams(),
  losses: (history.history.loss ?? []) as number[],
  predictedMae,
  seconds,
  framesPng,
};

sg.dispose([noisy, shifted, xTrain, yTrain, track]);
opt.dispose(); // passed in as an instance, so the model does not own it
model.dispose();
