// Models: summary, Sequential and functional graphs, compile/fit/evaluate/predict against
// tfjs-layers and by hand, memory staying flat, errors before anything runs.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../src/index.js';
import { checkNoLeaks, expectClose, take } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await sg.setBackend('wasm');
});

function walkthrough(): sg.Sequential {
  const model = sg.sequential();
  model.add(sg.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }));
  model.add(sg.layers.dropout({ rate: 0.4 }));
  model.add(sg.layers.dense({ units: 128, activation: 'relu' }));
  model.add(sg.layers.dropout({ rate: 0.3 }));
  model.add(sg.layers.dense({ units: 10, activation: 'softmax' }));
  return model;
}

/** Seeded toy classification data: 3 classes from the sign pattern of two features. */
function toyData(n: number, seed: number): { x: sg.Tensor; y: sg.Tensor; labels: number[] } {
  const x = sg.tidy(() => sg.randomNormal([n, 4], 0, 1, 'float32', seed));
  const v = x.dataSync();
  const labels = Array.from({ length: n }, (_, i) => (v[i * 4] > 0 ? (v[i * 4 + 1] > 0 ? 0 : 1) : 2));
  return { x, y: sg.utils.toCategorical(labels, 3), labels };
}

describe('models', () => {
  checkNoLeaks();

  it("summary prints Keras' table for the walk-through model with its param counts", () => {
    const model = walkthrough();
    const lines: string[] = [];
    model.summary(65, (l) => lines.push(l));
    const body = lines.join('\n');
    const n = Number(model.layers[1].name.split('_')[1]);
    expect(lines[0]).toMatch(/^Model: "sequential_\d+"$/);
    expect(lines[2]).toMatch(/^Layer \(type\)\s+Output Shape\s+Param #$/);
    expect(body).toMatch(new RegExp(`dense_${n} \\(Dense\\)\\s+\\(None, 256\\)\\s+200960`));
    expect(body).toMatch(/dropout_\d+ \(Dropout\)\s+\(None, 256\)\s+0/);
    expect(body).toMatch(new RegExp(`dense_${n + 1} \\(Dense\\)\\s+\\(None, 128\\)\\s+32896`));
    expect(body).toMatch(/\(None, 10\)\s+1290/);
    expect(lines).toContain('Total params: 235,146');
    expect(lines).toContain('Trainable params: 235,146');
    expect(lines).toContain('Non-trainable params: 0');
    expect(model.countParams()).toBe(235146);
    model.layers[1].trainable = false;
    const frozen: string[] = [];
    model.summary(65, (l) => frozen.push(l));
    expect(frozen).toContain('Non-trainable params: 200,960');
    model.dispose();
  });

  it('one fit epoch equals tfjs-layers on the same weights and data (SGD, no shuffle)', async () => {
    const { x, y } = toyData(24, 1);
    const model = sg.sequential({
      layers: [
        sg.layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }),
        sg.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: sg.optimizers.sgd({ learningRate: 0.1 }) });
    const theirs = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }),
        tfl.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    theirs.compile({ loss: 'categoricalCrossentropy', optimizer: tf.train.sgd(0.1) });
    const init = model.getWeights();
    theirs.setWeights(init.map((w) => tf.tensor(w.dataSync(), w.shape)));
    sg.dispose(init);
    const h = await model.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
    const th = await theirs.fit(tf.tensor(x.dataSync(), x.shape), tf.tensor(y.dataSync(), y.shape), {
      epochs: 2,
      batchSize: 8,
      shuffle: false,
      verbose: 0,
    });
    expectClose(h.history.loss as number[], th.history.loss as number[], 1e-5);
    const ours = model.getWeights();
    const want = theirs.getWeights();
    ours.forEach((w, i) => expectClose(w.dataSync(), want[i].dataSync(), 1e-5, 1e-6));
    sg.dispose([ours, x, y]);
    model.dispose();
  });

  it('fit: history as Keras, memory flat from epoch 1 to epoch 5, validation split and data', async () => {
    const { x, y } = toyData(200, 2);
    const model = sg.sequential({
      layers: [
        sg.layers.dense({ units: 16, activation: 'relu', inputShape: [4] }),
        sg.layers.dropout({ rate: 0.2, seed: 1 }),
        sg.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
    const mem: Array<{ numTensors: number; numBytes: number }> = [];
    const h = await model.fit(x, y, {
      epochs: 5,
      batchSize: 32,
      validationSplit: 0.25,
      verbose: 0,
      seed: 3,
      callbacks: {
        onEpochEnd: () => {
          const m = sg.memory();
          mem.push({ numTensors: m.numTensors, numBytes: m.numBytes });
        },
      },
    });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(mem[4]).toEqual(mem[0]);
    expect(h.history.loss[4]).toBeLessThan(h.history.loss[0]);
    const vx = sg.slice(x, [0, 0], [20, 4]);
    const vy = sg.slice(y, [0, 0], [20, 3]);
    const h2 = await model.fit(x, y, { epochs: 1, batchSize: 50, validationData: [vx, vy], verbose: 0 });
    const [vl, va] = model.evaluate(vx, vy) as number[];
    expect(h2.history.val_loss[0]).toBeCloseTo(vl, 5);
    expect(h2.history.val_accuracy[0]).toBeCloseTo(va, 5);
    sg.dispose([x, y, vx, vy]);
    model.dispose();
  });

  it('evaluate, predict (batched), predictClasses, trainOnBatch, testOnBatch agree with hand computation', async () => {
    const { x, y, labels } = toyData(50, 4);
    const model = sg.sequential({ layers: [sg.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd', metrics: ['accuracy'] });
    const p = model.predict(x, { batchSize: 7 }) as sg.Tensor;
    const whole = model.predictOnBatch(x) as sg.Tensor;
    expectClose(p.dataSync(), whole.dataSync(), 1e-6);
    const probs = p.dataSync();
    let ce = 0;
    let right = 0;
    for (let i = 0; i < 50; i++) {
      const row = Array.from(probs.slice(i * 3, i * 3 + 3));
      ce -= Math.log(Math.min(Math.max(row[labels[i]], 1e-7), 1 - 1e-7));
      if (row.indexOf(Math.max(...row)) === labels[i]) right++;
    }
    const [loss, acc] = model.evaluate(x, y, { batchSize: 9 }) as number[];
    expect(loss).toBeCloseTo(ce / 50, 5);
    expect(acc).toBeCloseTo(right / 50, 6);
    const cls = model.predictClasses(x);
    expect(cls.dtype).toBe('int32');
    expect(take(cls).filter((c, i) => c === labels[i]).length).toBe(right);
    const [tl] = model.testOnBatch(x, y) as number[];
    expect(tl).toBeCloseTo(ce / 50, 5);
    const before = model.trainOnBatch(x, y) as number[];
    expect(before[0]).toBeCloseTo(ce / 50, 5);
    expect((model.testOnBatch(x, y) as number[])[0]).toBeLessThan(before[0]);
    const w2 = sg.ones([50]);
    const sw = sg.mul(w2, 2);
    const [l1] = model.evaluate(x, y) as number[];
    const [l2] = model.evaluate(x, y, { sampleWeight: sw }) as number[];
    expect(l2).toBeCloseTo(2 * l1, 5);
    sg.dispose([x, y, p, whole, w2, sw]);
    model.dispose();
  });

  it('metrics on sequence outputs average over every step, as Keras (per-step accuracy <= 1)', () => {
    const x = sg.tidy(() => sg.randomNormal([6, 5, 4], 0, 1, 'float32', 8));
    const model = sg.sequential({ layers: [sg.layers.dense({ units: 3, activation: 'softmax', inputShape: [5, 4] })] });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd', metrics: ['accuracy'] });
    const labels = Array.from({ length: 30 }, (_, i) => i % 3);
    const y = sg.tidy(() => sg.reshape(sg.utils.toCategorical(labels, 3), [6, 5, 3]));
    const p = model.predict(x) as sg.Tensor;
    const probs = p.dataSync();
    let right = 0;
    for (let i = 0; i < 30; i++) {
      const row = Array.from(probs.slice(i * 3, i * 3 + 3));
      if (row.indexOf(Math.max(...row)) === labels[i]) right++;
    }
    const [, acc] = model.evaluate(x, y, { batchSize: 4 }) as number[];
    expect(acc).toBeCloseTo(right / 30, 6);
    sg.dispose([x, y, p]);
    model.dispose();
  });

  it('trainable = false freezes a layer; getWeights/setWeights round-trip', async () => {
    const { x, y } = toyData(40, 5);
    const first = sg.layers.dense({ units: 4, activation: 'relu', inputShape: [4] });
    const model = sg.sequential({ layers: [first, sg.layers.dense({ units: 3, activation: 'softmax' })] });
    first.trainable = false;
    model.compile({ loss: 'categoricalCrossentropy', optimizer: 'rmsprop' });
    const before = first.getWeights();
    const all = model.getWeights();
    await model.fit(x, y, { epochs: 2, verbose: 0 });
    first.getWeights().forEach((w, i) => {
      expect(Array.from(w.dataSync())).toEqual(Array.from(before[i].dataSync()));
      w.dispose();
    });
    const changed = model.getWeights();
    expect(Array.from(changed[2].dataSync())).not.toEqual(Array.from(all[2].dataSync()));
    model.setWeights(all);
    model.getWeights().forEach((w, i) => {
      expect(Array.from(w.dataSync())).toEqual(Array.from(all[i].dataSync()));
      w.dispose();
    });
    sg.dispose([before, all, changed, x, y]);
    model.dispose();
  });

  it('a deferred Sequential builds from the first data; functional graphs with a shared layer and two outputs train', async () => {
    const { x, y, labels } = toyData(60, 6);
    const deferred = sg.sequential({ layers: [sg.layers.dense({ units: 3, activation: 'softmax' })] });
    expect(() => deferred.summary()).toThrow(/has not yet been built/);
    const p = deferred.predict(x) as sg.Tensor;
    expect(p.shape).toEqual([60, 3]);
    p.dispose();

    const input = sg.input({ shape: [4] });
    const shared = sg.layers.dense({ units: 4, activation: 'tanh' });
    const h = shared.apply(shared.apply(input)); // the same weights twice
    const classes = sg.layers.dense({ units: 3, activation: 'softmax', name: 'classes' }).apply(h);
    const score = sg.layers.dense({ units: 1, name: 'score' }).apply(h);
    const model = sg.model({ inputs: input, outputs: [classes, score] });
    expect(model.countParams()).toBe(20 + 15 + 5);
    const lines: string[] = [];
    model.summary(98, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/Connected to/);
    const target = sg.tensor(labels.map((l) => [l]));
    model.compile({
      optimizer: 'adam',
      loss: { classes: 'categoricalCrossentropy', score: 'mse' },
      metrics: { classes: ['accuracy'], score: [] },
    });
    expect(model.metricsNames).toEqual(['loss', 'classes_loss', 'score_loss', 'classes_accuracy']);
    const hist = await model.fit(x, [y, target], { epochs: 3, verbose: 0 });
    expect(hist.history.loss[2]).toBeLessThan(hist.history.loss[0]);
    const r = model.evaluate(x, [y, target]) as number[];
    expect(r[0]).toBeCloseTo(r[1] + r[2], 4);
    sg.dispose([x, y, target]);
    deferred.dispose();
    model.dispose();
  });

  it('errors before anything runs: compile, sample counts, shapes, NaN, labels, names', async () => {
    const { x, y } = toyData(10, 7);
    const model = sg.sequential({ layers: [sg.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    await expect(model.fit(x, y)).rejects.toThrow(/call compile\(\) before fit\(\)/);
    expect(() => model.compile({ optimizer: 'rmsporp', loss: 'mse' })).toThrow(
      /Unknown optimizer 'rmsporp'. Did you mean 'rmsprop'\?/,
    );
    expect(() => model.compile({ optimizer: 'sgd', loss: 'categorical_crossentropyy' })).toThrow(
      /Did you mean 'categorical_crossentropy'/,
    );
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const y9 = sg.slice(y, [0, 0], [9, 3]);
    await expect(model.fit(x, y9)).rejects.toThrow(/x has 10 samples \(shape \[10,4\]\) but y has 9 \(shape \[9,3\]\)/);
    const x5 = sg.zeros([10, 5]);
    await expect(model.fit(x5, y)).rejects.toThrow(
      /input '.+' expects samples of shape \(None, 4\) but x has shape \[10,5\]/,
    );
    const bad = sg.tensor([[1, 2, NaN, 4]]);
    const y1 = sg.slice(y, [0, 0], [1, 3]);
    await expect(model.fit(bad, y1)).rejects.toThrow(/x \(shape \[1,4\]\) contains NaN at flat index 2/);
    const sparse = sg.sequential({ layers: [sg.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
    sparse.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
    const labels = sg.tensor([0, 1, 3, 0, 0, 0, 0, 0, 0, 0]);
    await expect(sparse.fit(x, labels)).rejects.toThrow(/label 3 at index 2 is out of range for 3 classes/);
    const cbModel = sg.sequential({ layers: [sg.layers.dense({ units: 3, inputShape: [4] })] });
    cbModel.compile({ optimizer: 'sgd', loss: 'mse' });
    await expect(
      cbModel.fit(x, y, {
        verbose: 0,
        callbacks: {
          onBatchEnd: () => {
            throw new Error('callback failed');
          },
        },
      }),
    ).rejects.toThrow('callback failed');
    sg.dispose([x, y, y9, x5, bad, y1, labels]);
    model.dispose();
    sparse.dispose();
    cbModel.dispose();
  });
});
