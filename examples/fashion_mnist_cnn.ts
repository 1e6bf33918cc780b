// examples/mnist_cnn.ts's model (Keras' mnist_cnn) on Fashion-MNIST: 60,000 + 10,000 images of
// clothing, read from the IDX files of Debian's `dataset-fashion-mnist` package (or downloaded and
// checksummed once when online). Prints the test accuracy after every epoch.
// Run: npm run build && npx tsx examples/fashion_mnist_cnn.ts
// Settings (environment variables, as every example): EPOCHS (default 12).
import * as sg from 'simdgrad';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const epochs = Number(process.env.EPOCHS ?? 12);
const data = await sg.datasets.fashionMnist();
const prepX = (x: sg.Tensor) => sg.tidy(() => sg.div(sg.reshape(x, [x.shape[0], 28, 28, 1]), 255));
const xTrain = prepX(data.xTrain);
const xTest = prepX(data.xTest);
const yTrain = sg.utils.toCategorical(data.yTrain, 10);
const yTest = sg.utils.toCategorical(data.yTest, 10);
sg.dispose([data.xTrain, data.xTest, data.yTrain]);

const model = sg.sequential();
model.add(sg.layers.conv2d({ filters: 32, kernelSize: [3, 3], activation: 'relu', inputShape: [28, 28, 1] }));
model.add(sg.layers.conv2d({ filters: 64, kernelSize: [3, 3], activation: 'relu' }));
model.add(sg.layers.maxPooling2d({ poolSize: [2, 2] }));
model.add(sg.layers.dropout({ rate: 0.25 }));
model.add(sg.layers.flatten());
model.add(sg.layers.dense({ units: 128, activation: 'relu' }));
model.add(sg.layers.dropout({ rate: 0.5 }));
model.add(sg.layers.dense({ units: 10, activation: 'softmax' }));
model.summary();
model.compile({
  loss: 'categorical_crossentropy',
  optimizer: sg.optimizers.adadelta({ learningRate: 1.0 }),
  metrics: ['accuracy'],
});

const testAccuracy: number[] = [];
const t0 = performance.now();
await model.fit(xTrain, yTrain, {
  batchSize: 128,
  epochs,
  callbacks: {
    onEpochEnd: (epoch) => {
      const acc = (model.evaluate(xTest, yTest, { batchSize: 1000 }) as number[])[1];
      testAccuracy.push(acc);
      console.log(`epoch ${epoch + 1}: test accuracy ${acc.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    },
  },
});
console.log('\ntest accuracy per epoch:', testAccuracy.map((a) => a.toFixed(4)).join(' '));
const classes = model.predictClasses(xTest);
const first = Array.from(classes.dataSync().slice(0, 8));
console.log('first predictions:', first.map((c) => sg.datasets.FASHION_MNIST_CLASSES[c]).join(', '));
sg.dispose([xTrain, xTest, yTrain, yTest, data.yTest, classes]);
model.optimizer.dispose();
model.dispose();
