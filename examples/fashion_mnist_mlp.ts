// The walk-through's MLP on Fashion-MNIST (60,000 + 10,000 images of clothing, read from the IDX
// files of Debian's `dataset-fashion-mnist` package, or downloaded and checksummed once when online).
// Run: npx tsx examples/fashion_mnist_mlp.ts
// Settings (environment variables, as every example): EPOCHS (default 10).
import * as sg from 'simdgrad';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const epochs = Number(process.env.EPOCHS ?? 10);
const data = await sg.datasets.fashionMnist();
const prepX = (x: sg.Tensor) => sg.tidy(() => sg.div(sg.reshape(x, [x.shape[0], 784]), 255));
const xTrain = prepX(data.xTrain);
const xTest = prepX(data.xTest);
const yTrain = sg.utils.toCategorical(data.yTrain, 10);
const yTest = sg.utils.toCategorical(data.yTest, 10);
sg.dispose([data.xTrain, data.xTest, data.yTrain]);

const model = sg.sequential();
model.add(sg.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }));
model.add(sg.layers.dropout({ rate: 0.4 }));
model.add(sg.layers.dense({ units: 128, activation: 'relu' }));
model.add(sg.layers.dropout({ rate: 0.3 }));
model.add(sg.layers.dense({ units: 10, activation: 'softmax' }));
model.summary();
model.compile({ loss: 'categorical_crossentropy', optimizer: 'rmsprop', metrics: ['accuracy'] });

// Test accuracy after every epoch, as the report asks for the curve.
const testAccuracy: number[] = [];
const history = await model.fit(xTrain, yTrain, {
  epochs,
  batchSize: 128,
  validationSplit: 0.2,
  callbacks: {
    onEpochEnd: () => {
      testAccuracy.push((model.evaluate(xTest, yTest, { batchSize: 1000 }) as number[])[1]);
    },
  },
});
await history.plot('fashion_mnist_mlp_history.svg');
console.log('\ntest accuracy per epoch:', testAccuracy.map((a) => a.toFixed(4)).join(' '));
const [loss, acc] = model.evaluate(xTest, yTest) as number[];
console.log(`evaluate: loss ${loss.toFixed(4)}, accuracy ${acc.toFixed(4)}`);

const classes = model.predictClasses(xTest);
const first = Array.from(classes.dataSync().slice(0, 8));
console.log('first predictions:', first.map((c) => sg.datasets.FASHION_MNIST_CLASSES[c]).join(', '));
sg.dispose([xTrain, xTest, yTrain, yTest, data.yTest, classes]);
model.dispose();
