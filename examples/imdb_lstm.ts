// Keras' imdb_lstm example in TypeScript: an LSTM sentiment classifier. Embedding(20000, 128) on
// 80 words, LSTM(128, dropout 0.2, recurrent dropout 0.2), Dense(1, sigmoid); Adam, batch 32, 15
// epochs, as the original (2,691,713 parameters, as Keras' summary).
//
// Data: by default the fortunes stand-in for IMDB (sg.datasets.fortunes: two classes, fortunes of
// computing files vs. everyday-life files, Keras' IMDB index conventions), since these machines
// have no internet and no IMDB files; DATA=keras reads Keras' imdb.npz. The Keras example states
// about 0.83-0.84 test accuracy on IMDB (after 15 epochs; it notes that the figures vary).
//
//   npm run build && npx tsx examples/imdb_lstm.ts                # EPOCHS=2 by default here
//   EPOCHS=1 N_TRAIN=500 npx tsx examples/imdb_lstm.ts             # a quick run
import * as sg from 'simdgrad';
import { trainImdb } from './lib/text_data.js';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const MAX_FEATURES = 20000;
const MAXLEN = Number(process.env.MAXLEN ?? 80); // cut texts after this number of words
const BATCH_SIZE = 32;
const EPOCHS = Number(process.env.EPOCHS ?? 2);
const VERBOSE = Number(process.env.VERBOSE ?? 1) as 0 | 1 | 2;

/** The original's model. */
export function buildModel(): sg.Sequential {
  const model = sg.sequential();
  model.add(sg.layers.embedding({ inputDim: MAX_FEATURES, outputDim: 128, inputLength: MAXLEN }));
  model.add(sg.layers.lstm({ units: 128, dropout: 0.2, recurrentDropout: 0.2 }));
  model.add(sg.layers.dense({ units: 1, activation: 'sigmoid' }));
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
  lossLabel: 'Test score',
});
