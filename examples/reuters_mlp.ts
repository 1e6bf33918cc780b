// Keras' reuters_mlp example in TypeScript: a multilayer perceptron on bag-of-words vectors for
// topic classification. The 1,000 most frequent words, texts as binary vectors
// (Tokenizer.sequencesToMatrix, mode 'binary'), Dense(512) + relu, Dropout 0.5,
// Dense(classes) + softmax; Adam, batch 32, 5 epochs, validation split 0.1, as the original
// (536,110 parameters with Reuters' 46 topics, as Keras' summary).
//
// Data: by default the fortunes stand-in for Reuters (sg.datasets.fortunes, task 'topics': one
// class per fortune file, Keras' index conventions), since these machines have no internet and no
// Reuters files; DATA=keras reads Keras' reuters.npz. The Keras example states about 0.78-0.80
// test accuracy on Reuters.
//
//   npm run build && npx tsx examples/reuters_mlp.ts               # EPOCHS=5
//   EPOCHS=1 N_TRAIN=2000 npx tsx examples/reuters_mlp.ts           # a quick run
import * as sg from 'simdgrad';
import { loadReuters } from './lib/text_data.js';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const MAX_WORDS = 1000;
const BATCH_SIZE = 32;
const EPOCHS = Number(process.env.EPOCHS ?? 5);
const VERBOSE = Number(process.env.VERBOSE ?? 1) as 0 | 1 | 2;

/** The original's model for `numClasses` topics. */
export function buildModel(numClasses: number): sg.Sequential {
  const model = sg.sequential();
  model.add(sg.layers.dense({ units: 512, inputShape: [MAX_WORDS] }));
  model.add(sg.layers.activation({ activation: 'relu' }));
  model.add(sg.layers.dropout({ rate: 0.5 }));
  model.add(sg.layers.dense({ units: numClasses }));
  model.add(sg.layers.activation({ activation: 'softmax' }));
  model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  return model;
}

const t0 = Date.now();
const data = await loadReuters(MAX_WORDS);
console.log(`data: ${data.source}`);
console.log(`${data.xTrain.length} train sequences, ${data.xTest.length} test sequences, ${data.numClasses} classes`);
const tokenizer = new sg.text.Tokenizer({ numWords: MAX_WORDS });
const xTrain = tokenizer.sequencesToMatrix(data.xTrain, 'binary');
const xTest = tokenizer.sequencesToMatrix(data.xTest, 'binary');
const yTrain = sg.tidy(() =>
  sg.utils.toCategorical(sg.tensor(Int32Array.from(data.yTrain), [data.yTrain.length], 'int32'), data.numClasses),
);
const yTest = sg.tidy(() =>
  sg.utils.toCategorical(sg.tensor(Int32Array.from(data.yTest), [data.yTest.length], 'int32'), data.numClasses),
);
console.log(`x_train shape: [${xTrain.shape}], y_train shape: [${yTrain.shape}]`);

const model = buildModel(data.numClasses);
if (VERBOSE) model.summary();
const history = await model.fit(xTrain, yTrain, {
  batchSize: BATCH_SIZE,
  epochs: EPOCHS,
  verbose: VERBOSE,
  validationSplit: 0.1,
});
const [testLoss, testAccuracy] = model.evaluate(xTest, yTest, { batchSize: BATCH_SIZE, verbose: 0 }) as number[];
console.log(`Test score: ${testLoss.toFixed(4)}, test accuracy: ${testAccuracy.toFixed(4)} (${data.source})`);
console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);

/** What a test checks: the parameter count, the classes, the figures reached. */
export const result = {
  params: model.countParams(),
  numClasses: data.numClasses,
  testLoss,
  testAccuracy,
  losses: history.history.loss as number[],
};

sg.dispose([xTrain, xTest, yTrain, yTest]);
model.dispose();
