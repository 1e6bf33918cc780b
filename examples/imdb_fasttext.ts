// Keras' imdb_fasttext example in TypeScript: fastText (Joulin et al., 2016), an embedding
// averaged over the text and a logistic regression on it. Embedding(20000, 50) on 400 words,
// GlobalAveragePooling1D, Dense(1, sigmoid); Adam, batch 32, 5 epochs, as the original
// (1,000,051 parameters with unigrams, as Keras' summary). NGRAM_RANGE=2 adds bigram features as
// the original (sg.preprocessing.sequence.createNgramSet / addNgram): each bigram seen in the
// training set gets an index past maxFeatures and is appended to the sequences that hold it.
// Porting note: Python numbers the bigrams in its set's (hash) order, here in first-seen order;
// which index a bigram gets differs, the model does not.
//
// Data: by default the fortunes stand-in for IMDB (sg.datasets.fortunes: two classes, fortunes of
// computing files vs. everyday-life files, Keras' IMDB index conventions), since these machines
// have no internet and no IMDB files; DATA=keras reads Keras' imdb.npz. The Keras example states
// 0.8813 test accuracy after 5 epochs with unigrams (ngram_range 1) and 0.9056 with bigrams.
//
//   npm run build && npx tsx examples/imdb_fasttext.ts                # EPOCHS=5, unigrams
//   NGRAM_RANGE=2 EPOCHS=2 npx tsx examples/imdb_fasttext.ts           # bigrams
import * as sg from 'simdgrad';
import { binaryLabels, loadImdb } from './lib/text_data.js';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const { createNgramSet, addNgram } = sg.preprocessing.sequence;

const NGRAM_RANGE = Number(process.env.NGRAM_RANGE ?? 1);
let maxFeatures = 20000;
const MAXLEN = Number(process.env.MAXLEN ?? 400);
const BATCH_SIZE = 32;
const EMBEDDING_DIMS = 50;
const EPOCHS = Number(process.env.EPOCHS ?? 5);
const VERBOSE = Number(process.env.VERBOSE ?? 1) as 0 | 1 | 2;

/** The original's model for a vocabulary of `features` indices. */
export function buildModel(features: number): sg.Sequential {
  const model = sg.sequential();
  model.add(sg.layers.embedding({ inputDim: features, outputDim: EMBEDDING_DIMS, inputLength: MAXLEN }));
  model.add(sg.layers.globalAveragePooling1d({}));
  model.add(sg.layers.dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ loss: 'binary_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  return model;
}

const t0 = Date.now();
const data = await loadImdb(maxFeatures);
console.log(`data: ${data.source}`);
console.log(`${data.xTrain.length} train sequences, ${data.xTest.length} test sequences`);
const mean = (s: number[][]) => (s.reduce((a, x) => a + x.length, 0) / s.length).toFixed(0);
console.log(`Average train sequence length: ${mean(data.xTrain)}, test: ${mean(data.xTest)}`);
let trainSeqs = data.xTrain;
let testSeqs = data.xTest;
let ngrams = 0;
if (NGRAM_RANGE > 1) {
  console.log(`Adding ${NGRAM_RANGE}-gram features`);
  const ngramSet = new Set<string>();
  for (const input of trainSeqs)
    for (let i = 2; i <= NGRAM_RANGE; i++) for (const g of createNgramSet(input, i)) ngramSet.add(g);
  // Keras: token_indice = {v: k + max_features + 1}; max_features = max index + 1
  const tokenIndice = new Map([...ngramSet].map((g, k) => [g, k + maxFeatures + 1]));
  ngrams = ngramSet.size;
  maxFeatures = ngramSet.size + maxFeatures + 1;
  trainSeqs = addNgram(trainSeqs, tokenIndice, NGRAM_RANGE);
  testSeqs = addNgram(testSeqs, tokenIndice, NGRAM_RANGE);
  console.log(`${ngrams} n-grams; maxFeatures is now ${maxFeatures}`);
  console.log(`Average train sequence length: ${mean(trainSeqs)}, test: ${mean(testSeqs)}`);
}
const xTrain = sg.text.padSequences(trainSeqs, { maxlen: MAXLEN });
const xTest = sg.text.padSequences(testSeqs, { maxlen: MAXLEN });
const yTrain = binaryLabels(data.yTrain);
const yTest = binaryLabels(data.yTest);
console.log(`x_train shape: [${xTrain.shape}], x_test shape: [${xTest.shape}]`);

const model = buildModel(maxFeatures);
if (VERBOSE) model.summary();
const history = await model.fit(xTrain, yTrain, {
  batchSize: BATCH_SIZE,
  epochs: EPOCHS,
  verbose: VERBOSE,
  validationData: [xTest, yTest],
});
const [testLoss, testAccuracy] = model.evaluate(xTest, yTest, { verbose: 0 }) as number[];
console.log(`Test loss: ${testLoss.toFixed(4)}, test accuracy: ${testAccuracy.toFixed(4)} (${data.source})`);
console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);

/** What a test checks: the parameter count, the vocabulary, the figures reached. */
export const result = {
  params: model.countParams(),
  maxFeatures,
  ngrams,
  testLoss,
  testAccuracy,
  losses: history.history.loss as number[],
};

sg.dispose([xTrain, xTest, yTrain, yTest]);
model.dispose();
