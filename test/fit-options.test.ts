// fit() options beyond the basics: classWeight, sampleWeight, initialEpoch, verbose output,
// built-in callbacks in a real run, and Ctrl-C (SIGINT) stopping training cleanly.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as sg from '../src/index.js';
import { checkNoLeaks } from './helpers.js';

beforeAll(() => sg.setBackend('wasm'));

function data(n: number): { x: sg.Tensor; y: sg.Tensor } {
  const x = sg.tidy(() => sg.randomNormal([n, 3], 0, 1, 'float32', 11));
  const v = x.dataSync();
  const labels = Array.from({ length: n }, (_, i) => (v[i * 3] + v[i * 3 + 1] > 0 ? 1 : 0));
  return { x, y: sg.utils.toCategorical(labels, 2) };
}

function tiny(): sg.Sequential {
  const m = sg.sequential({
    layers: [
      sg.layers.dense({
        units: 2,
        activation: 'softmax',
        inputShape: [3],
        kernelInitializer: sg.initializers.glorotUniform({ seed: 1 }),
      }),
    ],
  });
  m.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd', metrics: ['accuracy'] });
  return m;
}

describe('fit options', () => {
  checkNoLeaks();

  it('classWeight scales each sample by its class weight, like the equivalent sampleWeight', async () => {
    const { x, y } = data(32);
    const a = tiny();
    const b = tiny();
    const initial = a.getWeights();
    b.setWeights(initial);
    sg.dispose(initial);
    const labels = sg.tidy(() => sg.argMax(y, -1));
    const sw = sg.tidy(() => sg.add(sg.mul(sg.cast(labels, 'float32'), 2), 1)); // class 0 -> 1, class 1 -> 3
    const ha = await a.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0, classWeight: { 0: 1, 1: 3 } });
    const hb = await b.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0, sampleWeight: sw });
    expect(ha.history.loss[1]).toBeCloseTo(hb.history.loss[1], 6);
    const wa = a.getWeights();
    const wb = b.getWeights();
    wa.forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(wb[i].dataSync())));
    sg.dispose([wa, wb, x, y, labels, sw]);
    a.dispose();
    b.dispose();
  });

  it('initialEpoch resumes the epoch count; epochs is the end index, as Keras', async () => {
    const { x, y } = data(16);
    const m = tiny();
    const h = await m.fit(x, y, { epochs: 5, initialEpoch: 3, verbose: 0 });
    expect(h.epoch).toEqual([3, 4]);
    sg.dispose([x, y]);
    m.dispose();
  });

  it('verbose 1 prints Keras progress lines, verbose 0 prints nothing', async () => {
    const { x, y } = data(64);
    const m = tiny();
    const out: string[] = [];
    const spy = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    try {
      await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 1, validationSplit: 0.25 });
      const text = out.join('');
      expect(text).toContain('Epoch 1/2');
      expect(text).toMatch(
        /3\/3 \[==============================\] - \d+m?s \d+(us|ms|s)\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}/,
      );
      out.length = 0;
      await m.fit(x, y, { epochs: 2, verbose: 0 });
      expect(out.join('')).toBe('');
    } finally {
      spy.mockRestore();
    }
    sg.dispose([x, y]);
    m.dispose();
  });

  it('earlyStopping with restoreBestWeights and reduceLROnPlateau work inside fit', async () => {
    const { x, y } = data(64);
    const m = tiny();
    m.optimizer.learningRate = 0.5;
    const h = await m.fit(x, y, {
      epochs: 30,
      verbose: 0,
      validationSplit: 0.25,
      callbacks: [
        sg.callbacks.earlyStopping({ monitor: 'loss', patience: 0, minDelta: 10 }),
        sg.callbacks.reduceLROnPlateau({ monitor: 'loss', patience: 0, factor: 0.5, minDelta: 10 }),
      ],
    });
    // Epoch 1 improves on +Infinity; epoch 2 does not improve by 10, so patience 0 stops there
    // and reduceLROnPlateau halves the rate once.
    expect(h.epoch.length).toBe(2);
    expect(m.optimizer.learningRate).toBeCloseTo(0.25, 10);
    sg.dispose([x, y]);
    m.dispose();
  });

  it('Ctrl-C (SIGINT) stops fit after the current batch, frees everything and removes its handler', async () => {
    const { x, y } = data(64);
    const m = tiny();
    const listeners = process.listenerCount('SIGINT');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let batches = 0;
    const before = sg.memory().numTensors;
    const h = await m.fit(x, y, {
      epochs: 3,
      batchSize: 8,
      verbose: 0,
      callbacks: {
        onBatchEnd: (b: number) => {
          batches++;
          if (b === 2) process.emit('SIGINT');
        },
      },
    });
    stderr.mockRestore();
    expect(batches).toBe(3);
    expect(h.epoch).toEqual([0]);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
    expect(sg.memory().numTensors).toBe(before);
    sg.dispose([x, y]);
    m.dispose();
  });
});

describe('sg.utils.setRandomSeed (Keras keras.utils.set_random_seed)', () => {
  checkNoLeaks();

  /** Builds an unseeded model (initializers, dropout) and fits it with shuffling; returns its weights. */
  async function run(seed: number): Promise<{ weights: number[][]; loss: number[] }> {
    sg.utils.setRandomSeed(seed);
    const x = sg.randomNormal([40, 3]);
    const labels = Array.from(x.dataSync().filter((_, i) => i % 3 === 0), (v) => (v > 0 ? 1 : 0));
    const y = sg.utils.toCategorical(labels, 2);
    const m = sg.sequential({
      layers: [
        sg.layers.dense({ units: 8, activation: 'relu', inputShape: [3] }),
        sg.layers.dropout({ rate: 0.3 }),
        sg.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    m.compile({ loss: 'categoricalCrossentropy', optimizer: 'adam' });
    const h = await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    const ws = m.getWeights();
    const weights = ws.map((w) => Array.from(w.dataSync()));
    sg.dispose([...ws, x, y]);
    m.dispose();
    return { weights, loss: h.history.loss as number[] };
  }

  it('two fits after the same seed give bit-identical weights; another seed does not', async () => {
    const a = await run(1234);
    const b = await run(1234);
    expect(b.weights).toEqual(a.weights);
    expect(b.loss).toEqual(a.loss);
    const c = await run(1235);
    expect(c.weights[0]).not.toEqual(a.weights[0]);
    expect(() => sg.utils.setRandomSeed(NaN)).toThrow(/setRandomSeed: 'seed' must be a finite number but is NaN/);
  });

  it("the shuffles follow the seed: the same initial weights, fit's own seed unset, same order only under the same global seed", async () => {
    const fitOnce = async (seed: number) => {
      const x = sg.tensor(Array.from({ length: 24 }, (_, i) => (i % 7) - 3), [8, 3]);
      const y = sg.utils.toCategorical([0, 1, 1, 0, 1, 0, 0, 1], 2);
      const m = tiny();
      sg.utils.setRandomSeed(seed);
      await m.fit(x, y, { epochs: 2, batchSize: 3, verbose: 0 });
      const ws = m.getWeights();
      const out = ws.map((w) => Array.from(w.dataSync()));
      sg.dispose([...ws, x, y]);
      m.dispose();
      return out;
    };
    const a = await fitOnce(5);
    expect(await fitOnce(5)).toEqual(a);
    expect(await fitOnce(6)).not.toEqual(a);
  });
});
