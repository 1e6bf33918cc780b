// Keras' imdb_cnn example in TypeScript: a 1-d convolution over word embeddings for sentiment
// classification. Embedding(5000, 50) on 400 words, Dropout 0.2, Conv1D(250 filters, width 3,
// relu), GlobalMaxPooling1D, Dense(250) + Dropout 0.2 + relu, Dense(1) + sigmoid; Adam, batch 32,
// 2 epochs, as the original (350,751 parameters, as Keras' summary).
//
// Data: these machines have no internet and no IMDB files, so by default the model trains on the
// stand-in built from Debian's fortunes (sg.datasets.fortunes, `apt-get install fortunes`): two
// classes (fortunes of computing files vs. everyday-life files), word indices by frequency with
// Keras' IMDB conventions (1 start, 2 out of vocabulary, words from 3). DATA=keras reads Keras'
// imdb.npz instead (~/.keras/datasets, or downloaded and checksummed).
// The Keras example states about 0.89 test accuracy after 2 epochs on IMDB.
//
//   npm run build && npx tsx examples/imdb_cnn.ts                 # EPOCHS=2, MAXLEN=400
//   EPOCHS=1 MAXLEN=100 N_TRAIN=1000 npx tsx examples/imdb_cnn.ts  # a quick run
import * as sg from 'simdgrad';
import { trainImdb } from './lib/text_data.js';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const MAX_FEATURES = 5000;
const MAXLEN = Number(process.env.MAXLEN ?? 400);
const BATCH_SIZE = 32;
const EMBEDDING_DIMS = 50;
const FILTERS = 250;
const KERNEL_SIZE = 3;
const HIDDEN_DIMS = 250;
const EPOCHS = Number(process.env.EPOCHS ?? 2);
const VERBOSE = Number(process.env.VERBOSE ?? 1) as 0 | 1 | 2;

/** The original's model (its parameter count does not depend on maxlen). */
export function buildModel(maxlen = MAXLEN): sg.Sequential {
  const model = sg.sequential();
  model.add(sg.layers.embedding({ inputDim: MAX_FEATURES, outputDim: EMBEDDING_DIMS, inputLength: maxlen }));
  model.add(sg.layers.dropout({ rate: 0.2 }));
  model.add(
    sg.layers.conv1d({ filters: FILTERS, kernelSize: KERNEL_SIZE, padding: 'valid', activation: 'relu', strides: 1 }),
  );
  model.add(sg.layers.globalMaxPooling1d({}));
  model.add(sg.layers.dense({ units: HIDDEN_DIMS }));
  model.add(sg.layers.dropout({ rate: 0.2 }));
  model.add(sg.layers.activation({ activation: 'relu' }));
  model.add(sg.layers.dense({ units: 1 }));
  model.add(sg.layers.activation({ activation: 'sigmoid' }));
  model.compile({ loss: 'binary_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
  return model;
}

/** What a test checks: the parameter count and the figures reached. */
export const result = await trainImdb({
  maxFeatures: MAX_FEATURES,
  maxlen: MAXLEN,
  batchSize: BATCH_SIZE,
  epochs: EPOCHS,
  verbose: VERBOSE,
  buildModel,
});
