// The optimizers' names, configs and hyper-parameters: Keras and tfjs names, getOptimizer, serialized configs,
// learning-rate schedules and `train`, and their errors (split out of optimizers.test.ts, which checks values).
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import {
  Adadelta,
  Adagrad,
  Adam,
  AdamW,
  RMSprop,
  SGD,
  getOptimizer,
  optimizerNames,
  optimizers,
  schedules,
  serializeOptimizer,
  train,
  type Optimizer,
} from '../src/optimizers/index.js';
import { checkNoLeaks } from './helpers.js';

describe('optimizer names, configs and hyper-parameters', () => {
  checkNoLeaks();

  it.each([
    ['rmsprop', 'RMSprop'],
    ['RMSprop', 'RMSprop'],
    ['RMSProp', 'RMSprop'],
    ['rm_sprop', 'RMSprop'],
    ['adam', 'Adam'],
    ['Adam', 'Adam'],
    ['sgd', 'SGD'],
    ['SGD', 'SGD'],
    ['adamw', 'AdamW'],
    ['AdamW', 'AdamW'],
    ['adam_w', 'AdamW'],
    ['nadam', 'Nadam'],
    ['adagrad', 'Adagrad'],
    ['adadelta', 'Adadelta'],
    ['adamax', 'Adamax'],
  ])('getOptimizer(%s) is %s', (id, className) => {
    expect(getOptimizer(id).className).toBe(className);
  });

  it('unknown names suggest the closest known name', () => {
    expect(() => getOptimizer('rmsporp')).toThrow("Unknown optimizer 'rmsporp'. Did you mean 'rmsprop'?");
    expect(() => getOptimizer('adamm')).toThrow(/Did you mean 'adam'\?/);
    expect(() => getOptimizer('nadm')).toThrow(/Did you mean 'nadam'\?/);
    expect(() => getOptimizer('lbfgs')).toThrow(/Unknown optimizer 'lbfgs'. Known names: sgd, rmsprop, adam/);
    expect(() => getOptimizer({ className: 'Adamm', config: {} })).toThrow(/Did you mean 'adam'\?/);
    expect(optimizerNames()).toEqual(['sgd', 'rmsprop', 'adam', 'adamw', 'adagrad', 'adadelta', 'adamax', 'nadam']);
  });

  it('string identifiers get Keras defaults; an instance is returned as is', () => {
    const a = getOptimizer('adam') as Adam;
    expect([a.learningRate, a.beta1, a.beta2, a.epsilon, a.amsgrad]).toEqual([0.001, 0.9, 0.999, 1e-7, false]);
    expect(getOptimizer(a)).toBe(a);
    expect((getOptimizer('sgd') as SGD).learningRate).toBe(0.01);
    expect((getOptimizer('adamw') as AdamW).weightDecay).toBe(0.004);
    const r = getOptimizer('rmsprop') as RMSprop;
    expect([r.learningRate, r.rho, r.momentum, r.epsilon, r.centered]).toEqual([0.001, 0.9, 0, 1e-7, false]);
    const g = getOptimizer('adagrad') as Adagrad;
    expect([g.learningRate, g.initialAccumulatorValue, g.epsilon]).toEqual([0.001, 0.1, 1e-7]);
    const d = getOptimizer('adadelta') as Adadelta;
    expect([d.learningRate, d.rho, d.epsilon]).toEqual([0.001, 0.95, 1e-7]);
  });

  it('getConfig uses Keras keys and round-trips through getOptimizer', () => {
    const lr = schedules.exponentialDecay({
      initialLearningRate: 0.1,
      decaySteps: 10,
      decayRate: 0.5,
      staircase: true,
    });
    const opts: Optimizer[] = [
      optimizers.adam({ learningRate: 0.01, beta1: 0.8, amsgrad: true, clipnorm: 1 }),
      optimizers.adamw({ learningRate: lr, weightDecay: 0.05 }),
      optimizers.rmsprop({ rho: 0.8, momentum: 0.1, centered: true, globalClipnorm: 2 }),
      optimizers.sgd({ momentum: 0.9, nesterov: true, clipvalue: 0.5, decay: 0.01 }),
      optimizers.adagrad({ initialAccumulatorValue: 0.2 }),
      optimizers.adadelta({ rho: 0.9 }),
      optimizers.adamax({ beta2: 0.99 }),
      optimizers.nadam({ epsilon: 1e-6, name: 'my_nadam' }),
    ];
    for (const o of opts) {
      const spec = serializeOptimizer(o);
      const back = getOptimizer({ class_name: spec.className, config: spec.config });
      expect(back.className).toBe(o.className);
      expect(back.getConfig()).toEqual(o.getConfig());
    }
    const c = opts[0].getConfig();
    expect(c).toMatchObject({
      name: 'adam',
      learning_rate: 0.01,
      beta_1: 0.8,
      beta_2: 0.999,
      amsgrad: true,
      clipnorm: 1,
    });
    expect(opts[1].getConfig().learning_rate).toEqual({
      class_name: 'ExponentialDecay',
      config: {
        initial_learning_rate: 0.1,
        decay_steps: 10,
        decay_rate: 0.5,
        staircase: true,
        name: 'ExponentialDecay',
      },
    });
  });

  it('reads Keras 3 and tfjs-layers configs', () => {
    const k = getOptimizer({
      class_name: 'Adam',
      config: {
        name: 'adam',
        learning_rate: 0.002,
        weight_decay: null,
        clipnorm: null,
        global_clipnorm: null,
        clipvalue: null,
        use_ema: false,
        ema_momentum: 0.99,
        ema_overwrite_frequency: null,
        loss_scale_factor: null,
        gradient_accumulation_steps: null,
        beta_1: 0.85,
        beta_2: 0.99,
        epsilon: 1e-7,
        amsgrad: false,
      },
    }) as Adam;
    expect([k.learningRate, k.beta1, k.beta2]).toEqual([0.002, 0.85, 0.99]);
    expect(() => getOptimizer({ class_name: 'Adam', config: { use_ema: true } })).toThrow(
      /'use_ema' = true is not supported/,
    );
    const t = getOptimizer({
      className: 'RMSProp',
      config: { learningRate: 0.01, decay: 0.8, momentum: 0.5, epsilon: 1e-7, centered: false },
    }) as RMSprop;
    expect([t.learningRate, t.rho, t.momentum, t.decay]).toEqual([0.01, 0.8, 0.5, 0]);
    const m = getOptimizer({
      className: 'Momentum',
      config: { learningRate: 0.1, momentum: 0.9, useNesterov: true },
    }) as SGD;
    expect([m.className, m.momentum, m.nesterov]).toEqual(['SGD', 0.9, true]);
  });

  it('train mirrors tf.train with tfjs defaults', () => {
    const a = train.adam();
    expect([a.learningRate, a.beta1, a.beta2, a.epsilon]).toEqual([0.001, 0.9, 0.999, 1e-7]);
    const r = train.rmsprop(0.1);
    expect([r.learningRate, r.rho, r.momentum, r.epsilon, r.centered]).toEqual([0.1, 0.9, 0, 1e-7, false]);
    const m = train.momentum(0.1, 0.9, true);
    expect([m.momentum, m.nesterov]).toEqual([0.9, true]);
    expect(train.sgd(0.3).learningRate).toBe(0.3);
    expect(train.adagrad(0.2).initialAccumulatorValue).toBe(0.1);
    expect(train.adadelta().rho).toBe(0.95);
    const x = train.adamax();
    expect([x.learningRate, x.decay]).toEqual([0.002, 0]);
  });

  it.each([
    [
      () => optimizers.adam({ learningRate: -1 }),
      "adam: argument 'learningRate' must be a finite number >= 0 but is -1",
    ],
    [
      () => optimizers.sgd({ learningRate: NaN }),
      "sgd: argument 'learningRate' must be a finite number >= 0 but is NaN",
    ],
    [() => optimizers.adam({ beta1: 1 }), "adam: argument 'beta1' must be a finite number >= 0 and < 1 but is 1"],
    [() => optimizers.nadam({ beta2: -0.1 }), "nadam: argument 'beta2' must be a finite number >= 0 and < 1"],
    [
      () => optimizers.rmsprop({ rho: 1.5 }),
      "rmsprop: argument 'rho' must be a finite number >= 0 and <= 1 but is 1.5",
    ],
    [() => optimizers.rmsprop({ epsilon: Infinity }), "rmsprop: argument 'epsilon' must be a finite number >= 0"],
    [() => optimizers.sgd({ momentum: -0.5 }), "sgd: argument 'momentum' must be a finite number >= 0 and <= 1"],
    [() => optimizers.adagrad({ initialAccumulatorValue: -1 }), "adagrad: argument 'initialAccumulatorValue'"],
    [() => optimizers.adadelta({ rho: NaN }), "adadelta: argument 'rho' must be a finite number"],
    [() => optimizers.adamax({ clipnorm: 0 }), "adamax: argument 'clipnorm' must be a finite number > 0 but is 0"],
    [() => optimizers.adamw({ weightDecay: -0.1 }), "adamw: argument 'weightDecay' must be a finite number >= 0"],
    [() => optimizers.sgd({ decay: -1 }), "sgd: argument 'decay' must be a finite number >= 0"],
    [
      () => optimizers.adam({ clipnorm: 1, clipvalue: 1 }),
      'adam: only one of clipnorm, clipvalue and globalClipnorm can be set',
    ],
    [
      () => optimizers.adam({ learningrate: 0.1 } as never),
      "adam: unknown option 'learningrate'. Did you mean 'learningRate'?",
    ],
    [
      () => optimizers.sgd({ useNesterov: true } as never),
      "sgd: unknown option 'useNesterov'. Did you mean 'nesterov'?",
    ],
    [
      () => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 }),
      "exponentialDecay: argument 'decaySteps'",
    ],
    [
      () => schedules.piecewiseConstantDecay({ boundaries: [1, 2], values: [1, 2] }),
      "'values' must have one more element",
    ],
  ])('rejects bad hyper-parameters (%#)', (make, message) => {
    expect(make).toThrow(message);
  });

  it('setting a bad learning rate or iterations count throws', () => {
    const opt = optimizers.adam();
    expect(() => (opt.learningRate = -0.1)).toThrow(
      "adam: argument 'learningRate' must be a finite number >= 0 but is -0.1",
    );
    expect(() => (opt.iterations = 1.5)).toThrow('adam: iterations must be an integer >= 0 but is 1.5');
  });

  it('schedules follow Keras', () => {
    const e = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expect(e.call(0)).toBe(0.1);
    expect(e.call(5)).toBeCloseTo(0.1 * Math.SQRT1_2, 12);
    const es = schedules.exponentialDecay({
      initialLearningRate: 0.1,
      decaySteps: 10,
      decayRate: 0.5,
      staircase: true,
    });
    expect(es.call(19)).toBeCloseTo(0.05, 12);
    const it = schedules.inverseTimeDecay({ initialLearningRate: 1, decaySteps: 2, decayRate: 0.5 });
    expect(it.call(4)).toBe(0.5);
    const p = schedules.piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
    expect([0, 10, 11, 20, 21, 1e6].map((s) => p.call(s))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
    const back = schedules.deserialize({ class_name: 'PiecewiseConstantDecay', config: p.getConfig() });
    expect(back.call(15)).toBe(0.5);
  });
});
