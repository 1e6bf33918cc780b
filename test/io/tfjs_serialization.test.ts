// Config round trips of everything a saved model names, through the saved (snake_case) form
// and back: every registered initializer, regularizer, constraint, activation, optimizer (with
// a schedule), loss and metric; tfjs-layers reads the initializer/constraint/optimizer configs
// we write; and the name table's exceptions (Keras 3 rows, tfjs' hard_sigmoid).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';
import { checkNoLeaks } from '../helpers.js';

const { toSavedConfig, fromSavedConfig } = sg.serialization;
/** Through JSON text, as a file does. */
const trip = (c: unknown, format: 'tfjs' | 'keras3' = 'tfjs') =>
  fromSavedConfig(JSON.parse(JSON.stringify(toSavedConfig(c, format))), format);

describe('serialization of the named pieces', () => {
  checkNoLeaks();

  it('every initializer: serialize -> saved JSON -> getInitializer gives the same config and values', () => {
    for (const name of sg.initializers.initializerNames) {
      const init = sg.initializers.getInitializer(name);
      const seeded =
        init.getConfig().seed !== undefined
          ? sg.initializers.getInitializer({ className: init.className, config: { ...init.getConfig(), seed: 11 } })
          : init;
      const spec = sg.initializers.serializeInitializer(seeded);
      const back = sg.initializers.getInitializer(trip(spec) as never);
      expect(sg.initializers.serializeInitializer(back)).toEqual(spec);
      const shape = name === 'identity' ? [3, 3] : [3, 4];
      const [a, b] = [seeded.apply(shape), back.apply(shape)];
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      sg.dispose([a, b]);
    }
  });

  it('every regularizer and constraint round-trips its config', () => {
    for (const name of sg.regularizers.regularizerNames) {
      const r = sg.regularizers.getRegularizer({
        className: name === 'l1_l2' ? 'L1L2' : name.toUpperCase(),
        config: { l1: 0.25, l2: 0.5 },
      })!;
      const back = sg.regularizers.getRegularizer(trip(sg.regularizers.serializeRegularizer(r), 'keras3') as never)!;
      expect(back.getConfig()).toEqual(r.getConfig());
      expect(back.className).toBe(r.className);
      // tfjs-layers has only L1L2: L1 and L2 are written as L1L2 with the other coefficient 0.
      const viaTfjs = sg.regularizers.getRegularizer(trip(sg.regularizers.serializeRegularizer(r)) as never)!;
      expect(viaTfjs.className).toBe('L1L2');
      expect({ l1: 0, l2: 0, ...r.getConfig() }).toEqual(viaTfjs.getConfig());
    }
    for (const name of sg.constraints.constraintNames) {
      const c = sg.constraints.getConstraint(name)!;
      const back = sg.constraints.getConstraint(trip(sg.constraints.serializeConstraint(c)) as never)!;
      expect(back.getConfig()).toEqual(c.getConfig());
      expect(back.className).toBe(c.className);
    }
  });

  it('every activation name survives the trip (tfjs-format spellings included)', () => {
    for (const name of sg.activations.activationNames) {
      const fn = sg.activations.getActivation(name);
      const back = trip({ activation: sg.activations.serializeActivation(fn) }) as { activation: string };
      expect(sg.activations.getActivation(back.activation)).toBe(fn);
    }
    // tfjs' hard_sigmoid is Keras 2's; ours is Keras 3's and is written under another name.
    expect(toSavedConfig({ activation: 'hard_sigmoid' })).toEqual({ activation: 'hard_sigmoid_keras3' });
    expect(fromSavedConfig({ activation: 'hard_sigmoid' })).toEqual({ activation: 'hard_sigmoid_keras2' });
    expect(fromSavedConfig({ activation: 'hard_sigmoid' }, 'keras3')).toEqual({ activation: 'hardSigmoid' });
  });

  it('every optimizer (and a schedule) round-trips its config; tfjs-layers reads the tfjs ones', () => {
    for (const name of sg.optimizerNames()) {
      const opt = sg.getOptimizer(name);
      const spec = trip({ className: opt.className, config: opt.getConfig() }) as sg.OptimizerSpec;
      const back = sg.getOptimizer(spec);
      expect(back.className).toBe(opt.className);
      expect(back.getConfig()).toEqual(opt.getConfig());
      opt.dispose();
      back.dispose();
    }
    const sched = sg.getOptimizer({
      className: 'Adam',
      config: {
        learning_rate: {
          class_name: 'ExponentialDecay',
          config: { initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5 },
        },
      },
    });
    const back = sg.getOptimizer(trip({ className: 'Adam', config: sched.getConfig() }) as sg.OptimizerSpec);
    expect(back.getConfig()).toEqual(sched.getConfig());
    sched.dispose();
    back.dispose();
    // tfjs deserializes what we write for the optimizers it has.
    for (const [name, cls] of [
      ['sgd', 'SGD'],
      ['adam', 'Adam'],
      ['rmsprop', 'RMSProp'],
      ['adagrad', 'Adagrad'],
      ['adadelta', 'Adadelta'],
      ['adamax', 'Adamax'],
    ] as const) {
      const opt = sg.getOptimizer(name);
      const saved = toSavedConfig({ className: opt.className, config: opt.getConfig() }) as {
        class_name: string;
        config: Record<string, unknown>;
      };
      expect(saved.class_name).toBe(cls);
      const theirs = tf.serialization.SerializationMap.getMap().classNameMap[cls][1](
        tf.serialization.SerializationMap.getMap().classNameMap[cls][0],
        fromSavedConfig(saved.config) as tf.serialization.ConfigDict,
      ) as tf.Optimizer;
      const lr = (theirs as unknown as { learningRate: number }).learningRate;
      expect(lr).toBeCloseTo(opt.getConfig().learning_rate as number, 7);
      if (name === 'rmsprop') expect((theirs as unknown as { decay: number }).decay).toBe(0.9);
      opt.dispose();
    }
  });

  it('losses and metrics are saved by their Keras names and resolve back', () => {
    for (const name of sg.losses.lossNames) {
      const saved = sg.losses.lossName(name)!;
      expect(sg.losses.getLoss(fromSavedConfig(saved) as string)).toBe(sg.losses.getLoss(name));
    }
    for (const name of sg.metrics.metricNames) {
      const saved = toSavedConfig(sg.metrics.metricDisplayName(name)) as string;
      expect(() => sg.metrics.getMetric(fromSavedConfig(saved) as string)).not.toThrow();
    }
  });

  it('tfjs-layers builds layers from the initializer, regularizer and constraint configs we write', async () => {
    const m = sg.sequential({
      layers: [
        sg.layers.dense({
          units: 3,
          inputShape: [2],
          kernelInitializer: sg.initializers.lecunNormal({ seed: 1 }),
          biasInitializer: sg.initializers.constant({ value: 0.5 }),
          kernelRegularizer: sg.regularizers.l1({ l1: 0.01 }),
          kernelConstraint: sg.constraints.minMaxNorm({ minValue: 0.1, maxValue: 2, rate: 0.5, axis: 0 }),
          biasConstraint: sg.constraints.nonNeg(),
        }),
      ],
    });
    const sink = sg.io.memorySink();
    await m.save(sink);
    const t = await tfl.loadLayersModel(tf.io.fromMemory(sink.artifacts as tf.io.ModelArtifacts));
    const cfg = t.layers[0].getConfig() as Record<string, { className?: string; config?: Record<string, unknown> }>;
    // tfjs' LeCunNormal reports itself as its VarianceScaling parameters.
    expect(cfg.kernelInitializer).toMatchObject({
      className: 'VarianceScaling',
      config: { scale: 1, mode: 'fanIn', seed: 1 },
    });
    expect(cfg.biasInitializer).toMatchObject({ className: 'Constant', config: { value: 0.5 } });
    expect(cfg.kernelRegularizer).toMatchObject({ className: 'L1L2', config: { l1: 0.01, l2: 0 } });
    expect(cfg.kernelConstraint).toMatchObject({
      className: 'MinMaxNorm',
      config: { minValue: 0.1, maxValue: 2, rate: 0.5, axis: 0 },
    });
    expect(cfg.biasConstraint).toMatchObject({ className: 'NonNeg' });
    t.dispose();
    m.dispose();
  });

  it("the table's Keras 3 rows: batch_shape and LeakyReLU's negative_slope", () => {
    expect(fromSavedConfig({ class_name: 'InputLayer', config: { batch_shape: [null, 3] } }, 'keras3')).toEqual({
      className: 'InputLayer',
      config: { batchInputShape: [null, 3] },
    });
    expect(toSavedConfig({ className: 'LeakyReLU', config: { alpha: 0.1 } }, 'keras3')).toEqual({
      class_name: 'LeakyReLU',
      config: { negative_slope: 0.1 },
    });
    expect(toSavedConfig({ className: 'LeakyReLU', config: { alpha: 0.1 } }, 'tfjs')).toEqual({
      class_name: 'LeakyReLU',
      config: { alpha: 0.1 },
    });
    // Names and inbound-node layer names are never case-converted.
    expect(toSavedConfig({ name: 'myLayer', inboundNodes: [[['denseA', 0, 0, {}]]] })).toEqual({
      name: 'myLayer',
      inbound_nodes: [[['denseA', 0, 0, {}]]],
    });
  });
});
