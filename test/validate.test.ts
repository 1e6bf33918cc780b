// Argument validation of fit / evaluate / predict / trainOnBatch / testOnBatch / predictOnBatch
// (issue 14 items 1, 2, 6, 11, 12): every bad option fails before any kernel runs, naming the
// model, the function, the argument and its value with its type; nothing leaks, and the next
// valid call works.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { checkNoLeaks } from './helpers.js';

beforeAll(() => sg.setBackend('wasm'));

function data(n: number): { x: sg.Tensor; y: sg.Tensor } {
  const x = sg.tidy(() => sg.randomNormal([n, 3], 0, 1, 'float32', 11));
  const v = x.dataSync();
  const labels = Array.from({ length: n }, (_, i) => (v[i * 3] + v[i * 3 + 1] > 0 ? 1 : 0));
  return { x, y: sg.utils.toCategorical(labels, 2) };
}

function tiny(name = 'tiny'): sg.Sequential {
  const m = sg.sequential({
    name,
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

/** The memory counters that must not move across a failing call. */
function counters(): [number, number, number] {
  const m = sg.memory();
  return [m.numTensors, m.numDataBuffers, m.numBytes];
}

/** Expects `f` to throw an error matching every pattern, with memory() unchanged. */
async function rejects(f: () => unknown, ...patterns: (string | RegExp)[]): Promise<string> {
  const before = counters();
  let msg: string | undefined;
  try {
    await f();
  } catch (e) {
    msg = (e as Error).message;
  }
  if (msg === undefined) expect.fail(`expected an error matching ${patterns.join(' / ')} but the call succeeded`);
  for (const p of patterns) expect(msg).toMatch(p);
  expect(counters()).toEqual(before);
  return msg;
}

describe('fit/evaluate/predict options (one validator)', () => {
  checkNoLeaks();

  it('evaluate with batchSize 0 throws at once instead of looping forever', async () => {
    const { x, y } = data(8);
    const m = tiny('m0');
    const t0 = performance.now();
    await rejects(() => m.evaluate(x, y, { batchSize: 0 }), 'm0', 'evaluate', 'batchSize', /positive integer/, /\b0\b/);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(typeof m.evaluate(x, y, { batchSize: 4 })).not.toBe('undefined');
    sg.dispose([x, y]);
    m.dispose();
  });

  it('batchSize -1, 0.5, NaN, Infinity and "8" are rejected by fit, evaluate and predict', async () => {
    const { x, y } = data(8);
    const m = tiny('m1');
    for (const bad of [-1, 0.5, NaN, Infinity, '8', null, true]) {
      const shown = typeof bad === 'string' ? "'8' (a string)" : String(bad);
      await rejects(() => m.fit(x, y, { batchSize: bad as never, verbose: 0 }), 'm1', 'fit', 'batchSize', shown);
      await rejects(() => m.evaluate(x, y, { batchSize: bad as never }), 'evaluate', 'batchSize', shown);
      await rejects(() => m.predict(x, { batchSize: bad as never }), 'predict', 'batchSize', shown);
    }
    const p = m.predict(x, { batchSize: 3 }) as sg.Tensor;
    expect(p.shape).toEqual([8, 2]);
    p.dispose();
    sg.dispose([x, y]);
    m.dispose();
  });

  it("epochs: '5' says it is a string; negative or fractional epochs are rejected", async () => {
    const { x, y } = data(8);
    const m = tiny('m2');
    const msg = await rejects(() => m.fit(x, y, { epochs: '5' as never, verbose: 0 }), 'fit', 'epochs');
    expect(msg).toContain("'5' (a string)");
    await rejects(() => m.fit(x, y, { epochs: -1, verbose: 0 }), 'epochs', '-1');
    await rejects(() => m.fit(x, y, { epochs: 1.5, verbose: 0 }), 'epochs', '1.5');
    await rejects(() => m.fit(x, y, { epochs: 2, initialEpoch: -1, verbose: 0 }), 'initialEpoch', '-1');
    await rejects(() => m.fit(x, y, { epochs: 2, initialEpoch: 0.5, verbose: 0 }), 'initialEpoch', '0.5');
    const h = await m.fit(x, y, { epochs: 2, verbose: 0 });
    expect(h.epoch).toEqual([0, 1]);
    sg.dispose([x, y]);
    m.dispose();
  });

  it('validationSplit, verbose, shuffle, seed, validationData and callbacks are type-checked', async () => {
    const { x, y } = data(8);
    const m = tiny('m3');
    for (const bad of [1, -0.1, NaN, '0.2'])
      await rejects(() => m.fit(x, y, { validationSplit: bad as never, verbose: 0 }), 'fit', 'validationSplit');
    await rejects(() => m.fit(x, y, { verbose: 3 as never }), 'fit', 'verbose', '3');
    await rejects(() => m.fit(x, y, { verbose: 0, shuffle: 'yes' as never }), 'fit', 'shuffle', "'yes' (a string)");
    await rejects(() => m.fit(x, y, { verbose: 0, seed: NaN }), 'fit', 'seed', 'NaN');
    await rejects(() => m.fit(x, y, { verbose: 0, validationData: x as never }), 'fit', 'validationData');
    await rejects(() => m.fit(x, y, { verbose: 0, validationData: [x] as never }), 'fit', 'validationData');
    await rejects(() => m.evaluate(x, y, { verbose: 3 as never }), 'evaluate', 'verbose');
    await rejects(() => m.predict(x, { verbose: 'x' as never }), 'predict', 'verbose');
    sg.dispose([x, y]);
    m.dispose();
  });

  it('unknown option names and non-object options are errors, with the camelCase spelling suggested', async () => {
    const { x, y } = data(8);
    const m = tiny('m4');
    await rejects(() => m.fit(x, y, { batch_size: 4, verbose: 0 } as never), 'fit', "'batch_size'", "'batchSize'");
    await rejects(
      () => m.fit(x, y, { stepsPerEpoch: 2, verbose: 0 } as never),
      'fit',
      'stepsPerEpoch',
      'batchesPerEpoch',
    );
    await rejects(() => m.fit(x, y, 5 as never), 'fit', 'options', '5');
    await rejects(() => m.evaluate(x, y, { batchsize: 4 } as never), 'evaluate', "'batchSize'");
    await rejects(() => m.predict(x, { epochs: 4 } as never), 'predict', "'epochs'");
    await rejects(() => m.evaluate(x, y, 4 as never), 'evaluate', 'options');
    sg.dispose([x, y]);
    m.dispose();
  });

  it('Keras verbose "auto" is accepted', async () => {
    const { x, y } = data(8);
    const m = tiny('m5');
    const h = await m.fit(x, y, { epochs: 1, verbose: 'auto' as never, callbacks: [] });
    expect(h.epoch).toEqual([0]);
    sg.dispose([x, y]);
    m.dispose();
  });
});

describe('sample and class weights (items 2, 11)', () => {
  checkNoLeaks();

  it('a NaN, Infinity or negative sampleWeight is rejected, naming the argument and the first bad index', async () => {
    const { x, y } = data(8);
    const m = tiny('w1');
    const before = m.getWeights();
    for (const [bad, shown] of [
      [NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [-1, '-1'],
    ] as const) {
      const sw = sg.tensor([1, 1, 1, 1, 1, bad, 1, bad]);
      await rejects(() => m.fit(x, y, { sampleWeight: sw, verbose: 0 }), 'w1', 'fit', 'sampleWeight', 'index 5', shown);
      await rejects(() => m.evaluate(x, y, { sampleWeight: sw }), 'evaluate', 'sampleWeight', 'index 5');
      await rejects(() => m.trainOnBatch(x, y, sw), 'trainOnBatch', 'sampleWeight', 'index 5');
      await rejects(() => m.testOnBatch(x, y, sw), 'testOnBatch', 'sampleWeight', 'index 5');
      await rejects(
        () => m.fit(x, y, { validationData: [x, y, sw], verbose: 0 }),
        'fit',
        'validationData',
        'sampleWeight',
        'index 5',
      );
      sw.dispose();
    }
    // The weights did not move (nothing ran) and are finite.
    const after = m.getWeights();
    after.forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(before[i].dataSync())));
    sg.dispose([before, after, x, y]);
    m.dispose();
  });

  it('a negative or non-finite classWeight is rejected naming the class', async () => {
    const { x, y } = data(8);
    const m = tiny('w2');
    await rejects(
      () => m.fit(x, y, { classWeight: { 0: 1, 1: -2 }, verbose: 0 }),
      'fit',
      'classWeight',
      'class 1',
      '-2',
    );
    await rejects(() => m.fit(x, y, { classWeight: { 0: NaN }, verbose: 0 }), 'classWeight', 'class 0', 'NaN');
    await rejects(() => m.fit(x, y, { classWeight: { 0: Infinity }, verbose: 0 }), 'classWeight', 'Infinity');
    await rejects(() => m.fit(x, y, { classWeight: { 0: '2' } as never, verbose: 0 }), 'classWeight', "'2' (a string)");
    await rejects(() => m.fit(x, y, { classWeight: { a: 2 } as never, verbose: 0 }), 'classWeight', "'a'");
    await rejects(() => m.fit(x, y, { classWeight: [1, 2] as never, verbose: 0 }), 'classWeight');
    const h = await m.fit(x, y, { classWeight: { 0: 1, 1: 2 }, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
    sg.dispose([x, y]);
    m.dispose();
  });

  it('sampleWeight of the wrong length is rejected by evaluate, validationData and the on-batch calls, leaking nothing', async () => {
    const { x, y } = data(4);
    const m = tiny('w3');
    for (const n of [7, 2]) {
      const sw = sg.ones([n]);
      await rejects(() => m.evaluate(x, y, { sampleWeight: sw }), 'evaluate', 'sampleWeight', `[${n}]`, '[4]');
      await rejects(() => m.fit(x, y, { validationData: [x, y, sw], verbose: 0 }), 'validationData', `[${n}]`, '[4]');
      await rejects(() => m.trainOnBatch(x, y, sw), 'trainOnBatch', 'sampleWeight', `[${n}]`);
      await rejects(() => m.testOnBatch(x, y, sw), 'testOnBatch', 'sampleWeight', `[${n}]`);
      sw.dispose();
    }
    await rejects(
      () => m.evaluate(x, y, { sampleWeight: [1, 1, 1, 1] as never }),
      'evaluate',
      'sampleWeight',
      'Tensor',
    );
    sg.dispose([x, y]);
    m.dispose();
  });
});

describe('fit() while fit() runs (item 6)', () => {
  checkNoLeaks();

  it('a second fit() is refused with the tfjs message; predict and evaluate in callbacks work', async () => {
    const { x, y } = data(16);
    const m = tiny('c1');
    let second: string | undefined;
    let onBatch: string | undefined;
    let predicted: number[] | undefined;
    const cb = sg.customCallback({
      onEpochEnd: async () => {
        if (second !== undefined) return;
        try {
          await m.fit(x, y, { epochs: 1, verbose: 0 });
          second = 'ran';
        } catch (e) {
          second = (e as Error).message;
        }
        try {
          m.trainOnBatch(x, y);
          onBatch = 'ran';
        } catch (e) {
          onBatch = (e as Error).message;
        }
        const p = m.predict(x) as sg.Tensor;
        predicted = p.shape;
        p.dispose();
        expect(typeof m.evaluate(x, y)).not.toBe('undefined');
      },
    });
    const run = m.fit(x, y, { epochs: 2, verbose: 0, callbacks: [cb] });
    // Started in the same tick: also refused.
    await rejects(
      () => m.fit(x, y, { epochs: 1, verbose: 0 }),
      'c1',
      'Cannot start training because another fit() call is ongoing',
    );
    const h = await run;
    expect(h.epoch).toEqual([0, 1]);
    expect(second).toContain('Cannot start training because another fit() call is ongoing.');
    expect(onBatch).toMatch(/c1: trainOnBatch.*fit\(\) call is ongoing/);
    expect(predicted).toEqual([16, 2]);
    // Once fit returned (or threw), training can start again.
    await expect(m.fit(x, y, { epochs: 1, verbose: 0 })).resolves.toBeDefined();
    await rejects(() => m.fit(x, y, { epochs: 'x' as never, verbose: 0 }), 'epochs');
    const throwing = sg.customCallback({
      onEpochBegin: () => {
        throw new Error('boom');
      },
    });
    await expect(m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [throwing] })).rejects.toThrow('boom');
    await expect(m.fit(x, y, { epochs: 1, verbose: 0 })).resolves.toBeDefined();
    sg.dispose([x, y]);
    m.dispose();
  });
});

describe('layer inputs and disposed models (item 12)', () => {
  checkNoLeaks();

  it('int32 input to a Dense model is cast to float32, as tfjs does', () => {
    const m = tiny('d1');
    const xi = sg.tensor(
      [
        [1, 2, 3],
        [0, -1, 4],
      ],
      [2, 3],
      'int32',
    );
    const xf = sg.tensor([
      [1, 2, 3],
      [0, -1, 4],
    ]);
    const a = m.predict(xi) as sg.Tensor;
    const b = m.predict(xf) as sg.Tensor;
    expect(a.dtype).toBe('float32');
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    sg.dispose([a, b, xi, xf]);
    m.dispose();
  });

  it("an error inside a layer's call names the model, the layer, its class and the input shapes", () => {
    class Failing extends sg.Layer {
      static override className = 'Failing';
      override call(): sg.Tensor {
        throw new Error('boom');
      }
    }
    const inp = sg.input({ shape: [3] });
    const out = new Failing({ name: 'failing_layer' }).apply(inp) as sg.SymbolicTensor;
    const m = sg.model({ inputs: inp, outputs: out, name: 'named_model' });
    const x = sg.ones([2, 3]);
    expect(() => m.predict(x)).toThrow("named_model: layer 'failing_layer' (Failing) on input [2,3] float32: boom");
    x.dispose();
  });

  it('int32 input to conv, recurrent and normalization layers is cast too (predict, evaluate, fit)', async () => {
    const m = sg.sequential({
      layers: [
        sg.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [5, 3], kernelInitializer: 'ones' }),
        sg.layers.batchNormalization(),
        sg.layers.lstm({ units: 2, kernelInitializer: 'ones', recurrentInitializer: 'ones' }),
        sg.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: 'ones' }),
      ],
    });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const xi = sg.tidy(() => sg.cast(sg.mul(sg.randomUniform([4, 5, 3], 0, 3, 'float32', 1), 1), 'int32'));
    const xf = sg.cast(xi, 'float32');
    const y = sg.utils.toCategorical([0, 1, 0, 1], 2);
    const a = m.predict(xi) as sg.Tensor;
    const b = m.predict(xf) as sg.Tensor;
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(m.evaluate(xi, y)).toBe(m.evaluate(xf, y));
    const h = await m.fit(xi, y, { epochs: 1, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
    sg.dispose([a, b, xi, xf, y]);
    m.dispose();
  });

  it('predict, evaluate and fit after dispose() say the model was disposed', async () => {
    const { x, y } = data(4);
    const m = tiny('d2');
    m.dispose();
    await rejects(() => m.predict(x), 'd2', /disposed/, 'predict');
    await rejects(() => m.predictOnBatch(x), 'd2', /disposed/);
    await rejects(() => m.evaluate(x, y), 'd2', /disposed/);
    await rejects(() => m.fit(x, y, { verbose: 0 }), 'd2', /disposed/);
    sg.dispose([x, y]);
  });
});

describe('fitDataset options (the generator fit) use the same validator', () => {
  checkNoLeaks();

  /** A dataset of `n` fresh batches of 4 samples per pass (fitDataset frees each batch). */
  const batches = (n: number) => ({
    iterator: () => {
      let i = 0;
      return {
        next: async () => {
          if (i++ >= n) return { done: true as const, value: undefined };
          const { x, y } = data(4);
          return { done: false as const, value: { xs: x, ys: y } };
        },
      };
    },
  });

  it('bad options are rejected naming fitDataset; a fit() while fitDataset runs is refused', async () => {
    const m = tiny('g1');
    await rejects(
      () => m.fitDataset(batches(2), { epochs: '5' as never, verbose: 0 }),
      'g1',
      'fitDataset',
      "'5' (a string)",
    );
    await rejects(
      () => m.fitDataset(batches(2), { batchesPerEpoch: 0, verbose: 0 }),
      'fitDataset',
      'batchesPerEpoch',
      '0',
    );
    await rejects(
      () => m.fitDataset(batches(2), { batchSize: 4 } as never),
      'fitDataset',
      "unknown option 'batchSize'",
    );
    await rejects(() => m.fitDataset(batches(2), { verbose: 7 as never }), 'fitDataset', 'verbose', '7');
    const { x, y } = data(4);
    let during: string | undefined;
    const cb = sg.customCallback({
      onEpochEnd: async () => {
        await m.fit(x, y, { verbose: 0 }).then(
          () => (during = 'ran'),
          (e: Error) => (during = e.message),
        );
      },
    });
    const h = await m.fitDataset(batches(2), { epochs: 2, verbose: 0, callbacks: [cb] });
    expect(h.epoch).toEqual([0, 1]);
    expect(during).toContain('Cannot start training because another fit() call is ongoing.');
    await expect(m.fit(x, y, { verbose: 0 })).resolves.toBeDefined();
    sg.dispose([x, y]);
    m.dispose();
  });
});
