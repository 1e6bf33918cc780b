// Options arguments (issue 14 items 9 and 11): an argument of the wrong type in an options
// position is an error naming the function, never ignored; Keras' positional `from_logits`
// boolean is accepted by the cross-entropies, as Keras accepts it; initializer, regularizer and
// constraint names are resolved when a layer is made, and an unknown one leaks nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { checkNoLeaks, expectClose, take } from './helpers.js';

beforeAll(() => sg.setBackend('wasm'));

describe('cross-entropy: Keras positional from_logits', () => {
  checkNoLeaks();

  it('categoricalCrossentropy(y, logits, true) is the fromLogits loss, not the probability loss', () => {
    const y = sg.tensor([[1, 0, 0]]);
    const logits = sg.tensor([[1, 2, 3]]);
    // -log softmax(logits)[0] = log(e + e^2 + e^3) - 1
    const expected = Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 1;
    expectClose(take(sg.losses.categoricalCrossentropy(y, logits, true)), [expected], 1e-5);
    expectClose(take(sg.losses.categoricalCrossentropy(y, logits, { fromLogits: true })), [expected], 1e-5);
    // false is Keras' default: probabilities (renormalised, clipped).
    expectClose(take(sg.losses.categoricalCrossentropy(y, logits, false)), [-Math.log(1 / 6)], 1e-5);
    const ys = sg.tensor([0], [1], 'int32');
    expectClose(take(sg.losses.sparseCategoricalCrossentropy(ys, logits, true)), [expected], 1e-5);
    const yb = sg.tensor([[1]]);
    const lb = sg.tensor([[-2]]);
    expectClose(take(sg.losses.binaryCrossentropy(yb, lb, true)), [Math.log1p(Math.exp(2))], 1e-5);
    sg.dispose([y, logits, ys, yb, lb]);
  });

  it('a number, string, array or snake_case key in the options position is an error', () => {
    const y = sg.tensor([[1, 0, 0]]);
    const p = sg.tensor([[0.2, 0.3, 0.5]]);
    const cases: [() => unknown, RegExp][] = [
      [
        () => sg.losses.categoricalCrossentropy(y, p, 1 as never),
        /categoricalCrossentropy: the options argument .* but is 1/,
      ],
      [() => sg.losses.categoricalCrossentropy(y, p, 'true' as never), /'true' \(a string\)/],
      [() => sg.losses.binaryCrossentropy(y, p, [true] as never), /binaryCrossentropy: .*an array/],
      [
        () => sg.losses.categoricalCrossentropy(y, p, { from_logits: true } as never),
        /unknown option 'from_logits'.*'fromLogits'/,
      ],
      [
        () => sg.losses.sparseCategoricalCrossentropy(y, p, { labelSmoothing: 0.1 } as never),
        /unknown option 'labelSmoothing'/,
      ],
      [
        () => sg.losses.categoricalCrossentropy(y, p, { fromLogits: 'yes' } as never),
        /fromLogits' must be a boolean but is 'yes' \(a string\)/,
      ],
      [() => sg.losses.huber(y, p, { delta: 2 } as never), /huber: option 'delta' must be .* but is an object/],
      [
        () => sg.metrics.binaryAccuracy(y, p, '0.5' as never),
        /binaryAccuracy: option 'threshold' .* '0.5' \(a string\)/,
      ],
      [() => sg.metrics.topKCategoricalAccuracy(y, p, { k: 2 } as never), /topKCategoricalAccuracy: .*'k'/],
    ];
    for (const [f, re] of cases) expect(f).toThrow(re);
    sg.dispose([y, p]);
  });
});

/** Every public function (outside fit/evaluate/predict, tested in validate.test.ts) with an options argument. */
const FACTORIES: [string, (bad: unknown) => unknown][] = [];
for (const [k, f] of Object.entries(sg.layers)) {
  // Layer factories: lower-case functions other than the namespace's helpers (get*/register*/...).
  if (typeof f === 'function' && /^[a-z]/.test(k) && !/^(get|register|serialize|deserialize|is)[A-Z]/.test(k))
    FACTORIES.push([`layers.${k}`, (bad) => (f as (a: unknown) => unknown)(bad)]);
}
for (const ns of ['initializers', 'regularizers', 'constraints'] as const) {
  for (const [k, f] of Object.entries(sg[ns])) {
    if (typeof f !== 'function' || !/^[a-z]/.test(k) || /^(get|serialize|computeFans|nonNeg|zeros|ones|with|register)/.test(k))
      continue;
    FACTORIES.push([`${ns}.${k}`, (bad) => (f as (a: unknown) => unknown)(bad)]);
  }
}
for (const k of ['sgd', 'rmsprop', 'adam', 'adamw', 'adagrad', 'adadelta', 'adamax', 'nadam'] as const) {
  FACTORIES.push([`optimizers.${k}`, (bad) => (sg.optimizers[k] as (a: unknown) => unknown)(bad)]);
}
FACTORIES.push(
  ['callbacks.earlyStopping', (bad) => sg.callbacks.earlyStopping(bad as never)],
  ['callbacks.reduceLROnPlateau', (bad) => sg.callbacks.reduceLROnPlateau(bad as never)],
  ['callbacks.progbarLogger', (bad) => sg.callbacks.progbarLogger(bad as never)],
  ['callbacks.csvLogger', (bad) => sg.callbacks.csvLogger('log.csv', bad as never)],
  ['callbacks.modelCheckpoint', (bad) => sg.callbacks.modelCheckpoint('w.json', bad as never)],
  ['callbacks.plotHistory', (bad) => sg.callbacks.plotHistory({ epoch: [0], history: { loss: [1] } }, bad as never)],
  ['sequential', (bad) => sg.sequential(bad as never)],
  ['model', (bad) => sg.model(bad as never)],
  ['text.Tokenizer', (bad) => new sg.text.Tokenizer(bad as never)],
  ['activations.relu', (bad) => sg.tidy(() => sg.activations.relu(sg.tensor([1]), bad as never))],
  ['text.padSequences', (bad) => sg.text.padSequences([[1]], bad as never)],
  ['datasets.mnist', (bad) => sg.datasets.mnist(bad as never)],
  ['datasets.fashionMnist', (bad) => sg.datasets.fashionMnist(bad as never)],
  ['datasets.downloadFile', (bad) => sg.datasets.downloadFile('http://127.0.0.1:9/x', '/tmp/x', bad as never)],
  ['losses.categoricalCrossentropy', (bad) => sg.losses.categoricalCrossentropy([[1]], [[1]], bad as never)],
  ['losses.binaryCrossentropy', (bad) => sg.losses.binaryCrossentropy([[1]], [[1]], bad as never)],
  ['losses.sparseCategoricalCrossentropy', (bad) => sg.losses.sparseCategoricalCrossentropy([0], [[1]], bad as never)],
);

describe('every options argument rejects a value of the wrong type', () => {
  checkNoLeaks();

  it(`${FACTORIES.length} public functions with an options argument, each given 5, 'x' and [] (and true unless it is Keras' positional from_logits)`, async () => {
    const silent: string[] = [];
    const vague: string[] = [];
    let calls = 0;
    for (const [name, f] of FACTORIES) {
      const bads: unknown[] = name.startsWith('losses.') ? [5, 'x', []] : [true, 5, 'x', []];
      for (const bad of bads) {
        calls++;
        let msg: string | undefined;
        try {
          const r = f(bad);
          if (r instanceof Promise) await r;
          if (r instanceof sg.Tensor) r.dispose();
        } catch (e) {
          msg = (e as Error).message;
        }
        const short = name.split('.').pop()!.toLowerCase();
        if (msg === undefined) silent.push(`${name}(${JSON.stringify(bad)})`);
        else if (!msg.toLowerCase().replace(/[_ ]/g, '').includes(short.replace(/_/g, '')))
          vague.push(`${name}(${JSON.stringify(bad)}): ${msg}`);
      }
    }
    expect(silent, 'calls that ignored a bad options argument').toEqual([]);
    expect(vague, 'errors that do not name the function').toEqual([]);
    expect(calls).toBeGreaterThan(200);
  });
});

describe('initializer, regularizer and constraint names (item 11)', () => {
  checkNoLeaks();

  it('an unknown initializer name fails when the layer is made, naming the layer and the argument', () => {
    expect(() => sg.layers.dense({ units: 2, kernelInitializer: 'glorot_unifrom' as never, name: 'd' })).toThrow(
      /Dense 'd': argument 'kernelInitializer': Unknown initializer 'glorot_unifrom'. Did you mean 'glorot_uniform'/,
    );
    expect(() => sg.layers.lstm({ units: 2, recurrentInitializer: 'ortho' as never })).toThrow(
      /LSTM: argument 'recurrentInitializer'/,
    );
    expect(() => sg.layers.conv2d({ filters: 2, kernelSize: 3, biasConstraint: 'maxnorn' as never })).toThrow(
      /Conv2D: argument 'biasConstraint': Unknown constraint 'maxnorn'/,
    );
    expect(() => sg.layers.dense({ units: 2, kernelRegularizer: 'l3' as never })).toThrow(
      /Dense: argument 'kernelRegularizer'/,
    );
  });

  it('an unknown regularizer given to addWeight leaks no kernel', () => {
    class Custom extends sg.Layer {
      static override className = 'Custom';
      override build(): void {
        this.addWeight('kernel', [4, 4], 'zeros', { regularizer: 'l3' as never });
        this.built = true;
      }
      override call(x: sg.Tensor | sg.Tensor[]): sg.Tensor {
        return x as sg.Tensor;
      }
    }
    const before = sg.memory().numTensors;
    const layer = new Custom({ name: 'custom_reg' });
    expect(() => layer.build([null, 4])).toThrow(/Unknown regularizer 'l3'/);
    expect(sg.memory().numTensors).toBe(before);
    expect(layer.weights.length).toBe(0);
  });
});
