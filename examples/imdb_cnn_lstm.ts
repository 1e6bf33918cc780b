// Keras' imdb_cnn_lstm example in TypeScript: a convolution, then an LSTM, over word embeddings.
// Embedding(20000, 128) on 100 words, Dropout 0.25, Conv1D(64 filters, width 5, relu),
// MaxPooling1D(4), LSTM(70), Dense(1) + sigmoid; Adam, batch 30, 2 epochs, as the original
// (2,638,895 parameters, as Keras' summary).
//
// Data: by default the fortunes stand-in for IMDB (sg.datasets.fortunes: two classes, fortunes of
// computing files vs. everyday-life files, Keras' IMDB index conventions), since these machines
// have no internet and no IMDB files; DATA=keras reads Keras' imdb.npz. The Keras example states
// about 0.8498 test accuracy after 2 epochs on IMDB.
//
//   npm run build && npx tsx examples/imdb_cnn_lstm.ts            # EPOCHS=2
//   EPOCHS=1 N_TRAIN=500 npx tsx examples/imdb_cnn_lstm.ts         # a quick run
import * as sg from 'simdgrad';
import { trainImdb } from './lib/text_data.js';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const MAX_FEATURES = 20000;
const MAXLEN = Number(process.env.MAXLEN ?? 100);
const EMBEDDING_SIZE = 128;
const KERNEL_SIZE = 5;
const FILTERS = 64;
const POOL_SIZE = 4;
const LSTM_OUTPUT_SIZE = 70;
const BATCH_SIZE = 30;
const EPOCHS = Number(process.env.EPOCHS ?? 2);
const VERBOSE = Number(process.env.VERBOSE ?? 1) as 0 | 1 | 2;

/** The original's model. */
export function buildModel(): sg.Sequential {
  const model = sg.sequential();
  model.add(sg.layers.embedding({ inputDim: MAX_FEATURES, outputDim: EMBEDDING_SIZE, inputLength: MAXLEN }));
  model.add(sg.layers.dropout({ rate: 0.25 }));
  model.add(
    sg.layers.conv1d({ filters: FILTERS, kernelSize: KERNEL_SIZE, padding: 'valid', activation: 'relu', strides: 1 }),
  );
  model.add(sg.layers.maxPooling1d({ poolSize: POOL_SIZE }));
  model.add(sg.layers.lstm({ units: LSTM_OUTPUT_SIZE }));
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
  lossLabel: 'Test score',
});
