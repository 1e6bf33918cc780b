// Data for the IMDB and Reuters examples: Keras' own files when asked (DATA=keras, with imdb.npz /
// reuters.npz in ~/.keras/datasets or downloadable), otherwise the stand-in built from Debian's
// fortunes (sg.datasets.fortunes: same shape of task and index conventions), since these machines
// have no internet. N_TRAIN / N_TEST cut the sets for quick runs.
import * as sg from 'simdgrad';

export interface TextData {
  xTrain: number[][];
  yTrain: number[];
  xTest: number[][];
  yTest: number[];
  /** What was loaded, for the output. */
  source: string;
  numClasses: number;
}

const cut = <T>(a: T[], n: number | undefined) => (n === undefined ? a : a.slice(0, n));

/** IMDB (or the two-class fortunes stand-in) as word-index lists limited to numWords. */
export async function loadImdb(numWords: number, seed = 113): Promise<TextData> {
  const nTrain = process.env.N_TRAIN ? Number(process.env.N_TRAIN) : undefined;
  const nTest = process.env.N_TEST ? Number(process.env.N_TEST) : undefined;
  if (process.env.DATA === 'keras') {
    const d = await sg.datasets.imdb({ numWords, seed });
    return {
      ...d,
      xTrain: cut(d.xTrain, nTrain),
      yTrain: cut(d.yTrain, nTrain),
      xTest: cut(d.xTest, nTest),
      yTest: cut(d.yTest, nTest),
      source: 'IMDB (Keras imdb.npz)',
      numClasses: 2,
    };
  }
  const d = await sg.datasets.fortunes({ task: 'binary', numWords, seed });
  return {
    xTrain: cut(d.xTrain, nTrain),
    yTrain: cut(d.yTrain, nTrain),
    xTest: cut(d.xTest, nTest),
    yTest: cut(d.yTest, nTest),
    source: `fortunes stand-in for IMDB: label 0 = ${d.labelNames[0]}, label 1 = ${d.labelNames[1]}`,
    numClasses: 2,
  };
}

/** Reuters (or the one-class-per-file fortunes stand-in) as word-index lists limited to numWords. */
export async function loadReuters(numWords: number, seed = 113): Promise<TextData> {
  const nTrain = process.env.N_TRAIN ? Number(process.env.N_TRAIN) : undefined;
  const nTest = process.env.N_TEST ? Number(process.env.N_TEST) : undefined;
  const d =
    process.env.DATA === 'keras'
      ? {
          ...(await sg.datasets.reuters({ numWords, seed, testSplit: 0.2 })),
          labelNames: [...sg.datasets.REUTERS_LABELS],
        }
      : await sg.datasets.fortunes({ task: 'topics', numWords, seed });
  return {
    xTrain: cut(d.xTrain, nTrain),
    yTrain: cut(d.yTrain, nTrain),
    xTest: cut(d.xTest, nTest),
    yTest: cut(d.yTest, nTest),
    source:
      process.env.DATA === 'keras'
        ? 'Reuters (Keras reuters.npz)'
        : `fortunes stand-in for Reuters: one topic per fortune file (${d.labelNames.length} files)`,
    numClasses: d.labelNames.length,
  };
}

/** Binary labels as a float32 [n, 1] tensor (for binary_crossentropy on a Dense(1) output). */
export const binaryLabels = (y: number[]) => sg.tensor(Float32Array.from(y), [y.length, 1], 'float32');

/** What an IMDB example's test checks: the parameter count and the figures reached. */
export interface ImdbResult {
  params: number;
  testLoss: number;
  testAccuracy: number;
  losses: number[];
}

/**
 * What the four IMDB examples share, as the Keras originals run it: load IMDB (or the stand-in),
 * pad to `maxlen`, fit with the test set as validation data, evaluate and print; tensors and the
 * model are disposed before it returns.
 */
export async function trainImdb(o: {
  maxFeatures: number;
  maxlen: number;
  batchSize: number;
  epochs: number;
  verbose: 0 | 1 | 2;
  buildModel: () => sg.LayersModel;
  /** The original's word for the test loss ('Test score' or 'Test loss'). */
  lossLabel?: string;
}): Promise<ImdbResult> {
  const t0 = Date.now();
  const data = await loadImdb(o.maxFeatures);
  console.log(`data: ${data.source}`);
  console.log(`${data.xTrain.length} train sequences, ${data.xTest.length} test sequences`);
  const xTrain = sg.text.padSequences(data.xTrain, { maxlen: o.maxlen });
  const xTest = sg.text.padSequences(data.xTest, { maxlen: o.maxlen });
  const yTrain = binaryLabels(data.yTrain);
  const yTest = binaryLabels(data.yTest);
  console.log(`x_train shape: [${xTrain.shape}], x_test shape: [${xTest.shape}]`);

  const model = o.buildModel();
  if (o.verbose) model.summary();
  const history = await model.fit(xTrain, yTrain, {
    batchSize: o.batchSize,
    epochs: o.epochs,
    verbose: o.verbose,
    validationData: [xTest, yTest],
  });
  const [testLoss, testAccuracy] = model.evaluate(xTest, yTest, { batchSize: o.batchSize, verbose: 0 }) as number[];
  console.log(
    `${o.lossLabel ?? 'Test loss'}: ${testLoss.toFixed(4)}, test accuracy: ${testAccuracy.toFixed(4)} (${data.source})`,
  );
  console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const result = { params: model.countParams(), testLoss, testAccuracy, losses: history.history.loss as number[] };
  sg.dispose([xTrain, xTest, yTrain, yTest]);
  model.dispose();
  return result;
}
