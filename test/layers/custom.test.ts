// Custom layers by subclassing Layer: build/call/computeOutputShape/getConfig, addWeight in its
// three spellings, gradients against finite differences, addLoss (tensors, functions, activity
// regularizers) changing the training loss by exactly its value, addMetric in fit's History,
// a trainStep override used by fit and trainOnBatch, Lambda layers, and no leaked tensors.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, gradCheck, rand, take } from '../helpers.js';

/** Keras' antirectifier example: centre, L2-normalise, then concatenate relu(x) and relu(-x). */
class Antirectifier extends sg.Layer {
  static override className = 'Antirectifier';
  scale?: sg.LayerWeight;
  override build(inputShape: sg.SymbolicShape): void {
    this.scale = this.addWeight('scale', [inputShape[inputShape.length - 1] as number], 'ones');
    this.built = true;
  }
  override computeOutputShape(s: sg.SymbolicShape): sg.SymbolicShape {
    return [s[0], (s[1] as number) * 2];
  }
  call(inputs: sg.Tensor | sg.Tensor[]): sg.Tensor {
    const x = inputs as sg.Tensor;
    const c = sg.sub(x, sg.mean(x, 1, true));
    const n = sg.mul(sg.div(c, sg.sqrt(sg.add(sg.sum(sg.square(c), 1, true), 1e-6))), this.scale!.read());
    return sg.concat([sg.relu(n), sg.relu(sg.neg(n))], 1);
  }
}

/** A layer that adds a KL-style loss of its input (a VAE's regulariser) and reports a metric. */
class KLish extends sg.Layer {
  static override className = 'KLish';
  constructor(
    readonly weight: number,
    args: sg.LayerArgs = {},
  ) {
    super(args);
  }
  call(inputs: sg.Tensor | sg.Tensor[]): sg.Tensor {
    const x = inputs as sg.Tensor;
    this.addLoss(sg.mul(this.weight, sg.mean(sg.sum(sg.square(x), -1))));
    this.addMetric(sg.abs(x), 'mean_abs');
    return x;
  }
}

describe('custom layers', () => {
  checkNoLeaks();

  it('a subclass builds, computes, reports its shape and config, and trains in a model', async () => {
    const layer = new Antirectifier({ name: 'anti' });
    const x = sg.input({ shape: [4] });
    const y = layer.apply(x);
    expect(y.shape).toEqual([null, 8]);
    expect(layer.getConfig()).toMatchObject({ name: 'anti', trainable: true });
    const model = sg.sequential({ layers: [sg.layers.dense({ units: 4, inputShape: [3] }), new Antirectifier(), sg.layers.dense({ units: 2 })] });
    expect(model.countParams()).toBe(3 * 4 + 4 + 4 + 8 * 2 + 2);
    const xs = rand([16, 3], 1);
    const ys = rand([16, 2], 2);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const before = model.evaluate(xs, ys) as number;
    await model.fit(xs, ys, { epochs: 20, batchSize: 8, verbose: 0 });
    expect(model.evaluate(xs, ys) as number).toBeLessThan(before);
    // Hand-computed forward for one row: centre [1,2,3,6] -> [-2,-1,0,3], norm sqrt(14).
    const t = sg.tensor([[1, 2, 3, 6]]);
    const out = take(layer.apply(t));
    const n = [-2, -1, 0, 3].map((v) => v / Math.sqrt(14 + 1e-6));
    expectClose(out, [...n.map((v) => Math.max(v, 0)), ...n.map((v) => Math.max(-v, 0))], 1e-5, 1e-6);
    sg.dispose([xs, ys, t]);
    model.dispose();
    layer.dispose();
  });

  it("a custom layer's gradients (input and weight) equal finite differences", () => {
    const layer = new Antirectifier();
    const x = rand([3, 5], 3);
    const scale = rand([5], 4, 0.5, 1.5);
    layer.apply(x).dispose(); // builds
    layer.setWeights([scale]);
    gradCheck((t) => layer.apply(t), [x]);
    // d/d(scale) through the layer: the weight is a variable, so perturb it by assignment.
    const w = sg.tidy(() => rand([3, 10], 5, 0.5, 1.5));
    const f = () => sg.sum(sg.mul(layer.apply(x), w));
    const v = layer.scale!.variable;
    const { value, grads } = sg.variableGrads(f, [v]);
    const analytic = take(grads[v.name]);
    value.dispose();
    const base = Float32Array.from(scale.dataSync());
    const numeric = Array.from(base, (_, i) => {
      const at = (d: number) => {
        const p = base.slice();
        p[i] += d;
        const t = sg.tensor(p, [5]);
        v.assign(t);
        t.dispose();
        return take(sg.tidy(f))[0];
      };
      return (at(1e-2) - at(-1e-2)) / 2e-2;
    });
    expectClose(analytic, numeric, 2e-2, 2e-3);
    sg.dispose([x, scale, w]);
    layer.dispose();
  });

  it('addWeight: simdgrad, tfjs-layers and keyword spellings; trainable and not; initializer, regularizer, constraint', () => {
    class W extends sg.Layer {
      static override className = 'W';
      a?: sg.LayerWeight;
      b?: sg.LayerWeight;
      c?: sg.LayerWeight;
      override build(): void {
        this.a = this.addWeight('a', [2, 3], 'ones', { regularizer: sg.regularizers.l2({ l2: 0.5 }) });
        // tfjs: (name, shape, dtype, initializer, regularizer, trainable, constraint)
        this.b = this.addWeight('b', [3], 'float32', 'zeros', undefined, false);
        this.c = this.addWeight({ name: 'c', shape: [2], initializer: sg.initializers.constant({ value: 3 }), constraint: 'nonNeg' });
        this.built = true;
      }
      call(x: sg.Tensor | sg.Tensor[]): sg.Tensor {
        return sg.add(sg.matMul(x as sg.Tensor, this.a!.read()), this.b!.read());
      }
      override computeOutputShape(s: sg.SymbolicShape): sg.SymbolicShape {
        return [s[0], 3];
      }
    }
    const l = new W();
    l.apply(sg.input({ shape: [2] }));
    expect(l.trainableWeights.map((w) => w.name)).toEqual(['a', 'c']);
    expect(l.nonTrainableWeights.map((w) => w.name)).toEqual(['b']);
    expect(take(l.b!.variable.clone())).toEqual([0, 0, 0]);
    expect(take(l.c!.variable.clone())).toEqual([3, 3]);
    const reg = l.regularizationLosses();
    expect(take(reg[0])).toBeCloseTo(0.5 * 6, 6); // l2 * sum(ones(2,3)^2)
    const neg = sg.tensor([-1, 2]);
    l.c!.write(neg);
    l.applyConstraints();
    expectClose(take(l.c!.variable.clone()), [0, 2]);
    neg.dispose();
    expect(() => l.addWeight('a', [1])).toThrow(/w_\d+: a weight named 'a' already exists/);
    expect(() => l.addWeight('z', [1.5])).toThrow(/'shape' must be a list of integers/);
    l.dispose();
  });

  it('addLoss: the training loss grows by exactly the added value; reset each call; zero-argument and activity losses', () => {
    const inp = sg.input({ shape: [3] });
    const dense = sg.layers.dense({ units: 3, kernelInitializer: 'glorotUniform' });
    const h = dense.apply(inp);
    const kl = new KLish(0.25);
    const withLoss = sg.model({ inputs: inp, outputs: kl.apply(h) });
    const plain = sg.model({ inputs: inp, outputs: h });
    withLoss.compile({ optimizer: sg.optimizers.sgd({ learningRate: 0 }), loss: 'mse' });
    plain.compile({ optimizer: sg.optimizers.sgd({ learningRate: 0 }), loss: 'mse' });
    const x = rand([8, 3], 7);
    const y = rand([8, 3], 8);
    const hv = dense.apply(x);
    const expectedKl = take(sg.tidy(() => sg.mul(0.25, sg.mean(sg.sum(sg.square(hv), -1)))))[0];
    hv.dispose();
    const base = plain.testOnBatch(x, y) as number;
    const [lossT, absT] = withLoss.testOnBatch(x, y) as number[];
    expect(lossT).toBeCloseTo(base + expectedKl, 5);
    expect(absT).toBeGreaterThan(0);
    const [lossTrain] = withLoss.trainOnBatch(x, y) as number[];
    expect(lossTrain).toBeCloseTo(base + expectedKl, 5);
    // Eager calls: the losses of the last call only.
    kl.apply(x); // returns x itself
    kl.apply(x);
    expect(kl.losses.length).toBe(1);
    expect(take(kl.losses[0])[0]).toBeCloseTo(take(sg.tidy(() => sg.mul(0.25, sg.mean(sg.sum(sg.square(x), -1)))))[0], 5);
    // A zero-argument loss on a weight counts at every step; an activity regularizer divides by the batch.
    const d2 = sg.layers.dense({ units: 2, activityRegularizer: sg.regularizers.l2({ l2: 0.1 }), useBias: false });
    const m2 = sg.sequential({ layers: [sg.layers.dense({ units: 2, inputShape: [3], useBias: false }), d2] });
    m2.compile({ optimizer: sg.optimizers.sgd({ learningRate: 0 }), loss: 'mse' });
    const y2 = rand([8, 2], 9);
    const noExtras = sg.tidy(() => {
      const p = m2.predictOnBatch(x) as sg.Tensor;
      return [sg.mean(sg.square(sg.sub(p, y2))), sg.div(sg.mul(0.1, sg.sum(sg.square(p))), 8)];
    });
    const [mse, act] = noExtras.map((t) => take(t)[0]);
    expect(m2.testOnBatch(x, y2) as number).toBeCloseTo(mse + act, 5);
    d2.addLoss(() => sg.mul(2, sg.sum(d2.getWeights()[0])));
    const kSum = take(sg.tidy(() => sg.sum(d2.getWeights()[0])))[0];
    expect(m2.testOnBatch(x, y2) as number).toBeCloseTo(mse + act + 2 * kSum, 4);
    // Conv layers take activityRegularizer too (Keras' 'l2' is 0.01 * sum(out^2), / batch).
    const conv = sg.layers.conv2d({ filters: 2, kernelSize: 1, activityRegularizer: 'l2' });
    const img = rand([3, 2, 2, 1], 10);
    const co = conv.apply(img);
    const expectedAct = take(sg.tidy(() => sg.div(sg.mul(0.01, sg.sum(sg.square(co))), 3)))[0];
    expect(conv.losses.length).toBe(1);
    expect(take(conv.losses[0])[0]).toBeCloseTo(expectedAct, 6);
    sg.dispose([img, co]);
    conv.dispose();
    sg.dispose([x, y, y2]);
    withLoss.dispose();
    plain.dispose();
    m2.dispose();
  });

  it('a model trained only by addLoss: compile without loss, fit without y', async () => {
    class Pull extends sg.Layer {
      static override className = 'Pull';
      w?: sg.LayerWeight;
      override build(): void {
        this.w = this.addWeight('w', [2], 'zeros');
        this.built = true;
      }
      call(x: sg.Tensor | sg.Tensor[]): sg.Tensor {
        this.addLoss(sg.sum(sg.square(sg.sub(this.w!.read(), sg.tensor([3, -1])))));
        return sg.add(x as sg.Tensor, this.w!.read());
      }
    }
    const model = sg.sequential({ layers: [new Pull({ inputShape: [2] })] });
    model.compile({ optimizer: sg.optimizers.sgd({ learningRate: 0.1 }) });
    const x = rand([4, 2], 3);
    const h = await model.fit(x, { epochs: 60, batchSize: 4, verbose: 0 });
    expect(h.history.loss[59]).toBeLessThan(1e-6);
    expectClose(take(model.getWeights()[0]), [3, -1], 1e-3, 1e-3);
    expect(model.evaluate(x) as number).toBeLessThan(1e-6);
    const bare = sg.sequential({ layers: [sg.layers.dense({ units: 1, inputShape: [2] })] });
    bare.compile({ optimizer: 'sgd' });
    await expect(bare.fit(x, { epochs: 1, verbose: 0 })).rejects.toThrow(/no loss to minimise/);
    x.dispose();
    model.dispose();
    bare.dispose();
  });

  it("addMetric values appear in fit's History (and val_ in validation) with their batch-weighted means", async () => {
    const inp = sg.input({ shape: [3] });
    const model = sg.model({ inputs: inp, outputs: sg.layers.dense({ units: 1 }).apply(new KLish(0).apply(inp)) });
    model.compile({ optimizer: sg.optimizers.sgd({ learningRate: 0 }), loss: 'mse' });
    const x = rand([10, 3], 4);
    const y = rand([10, 1], 5);
    const h = await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, shuffle: false, validationData: [x, y] });
    const meanAbs = take(sg.tidy(() => sg.mean(sg.abs(x))))[0];
    // Batches of 4, 4, 2: each batch mean weighted by its size is the mean over all samples.
    expect(h.history.mean_abs[0]).toBeCloseTo(meanAbs, 5);
    expect(h.history.val_mean_abs[1]).toBeCloseTo(meanAbs, 5);
    expect(model.metricsNames).toEqual(['loss', 'mean_abs']);
    sg.dispose([x, y]);
    model.dispose();
  });

  it('a trainStep override is what fit and trainOnBatch run', async () => {
    let calls = 0;
    class Custom extends sg.LayersModel {
      override trainStep(data: sg.StepData): sg.StepLogs {
        calls++;
        const x = data.x as sg.Tensor;
        const y = data.y as sg.Tensor;
        const { value, grads } = sg.variableGrads(() => sg.mean(sg.abs(sg.sub(this.apply(x) as sg.Tensor, y))), this.trainableVariables);
        this.optimizer.applyGradients(grads);
        sg.dispose(Object.values(grads));
        return { mae: value, steps: calls };
      }
    }
    const inp = sg.input({ shape: [2] });
    const model = new Custom({ inputs: inp, outputs: sg.layers.dense({ units: 1 }).apply(inp) });
    expect(model.hasCustomTrainStep()).toBe(true);
    model.compile({ optimizer: sg.optimizers.sgd({ learningRate: 0.05 }), loss: 'mse' });
    const x = rand([12, 2], 6);
    const y = sg.tidy(() => sg.sum(sg.mul(x, sg.tensor([2, -1])), 1, true));
    const h = await model.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
    expect(calls).toBe(9);
    expect(Object.keys(h.history).sort()).toEqual(['mae', 'steps']);
    expect(h.history.mae[2]).toBeLessThan(h.history.mae[0]);
    expect(h.history.steps[0]).toBeCloseTo(2, 10); // mean of 1, 2, 3
    const r = model.trainOnBatch(x, y) as number[];
    expect(calls).toBe(10);
    expect(r[1]).toBe(10);
    expect(model.metricsNames).toEqual(['mae', 'steps']);
    sg.dispose([x, y]);
    model.dispose();
  });

  it('a custom trainStep reads the layers\' added losses on the tape (the Keras 3 VAE recipe): gradients flow through them', async () => {
    class Pull extends sg.Layer {
      static override className = 'Pull2';
      w?: sg.LayerWeight;
      override build(): void {
        this.w = this.addWeight('w', [2], 'zeros');
      }
      call(x: sg.Tensor | sg.Tensor[]): sg.Tensor {
        this.addLoss(sg.sum(sg.square(sg.sub(this.w!.read(), sg.tensor([3, -1])))));
        return sg.add(x as sg.Tensor, this.w!.read());
      }
    }
    class VAELike extends sg.LayersModel {
      override trainStep({ x }: sg.StepData): sg.StepLogs {
        const { value, grads } = sg.variableGrads(() => {
          const out = this.apply(x as sg.Tensor) as sg.Tensor;
          // reconstruction term (0 here) plus the sum of what the layers added in this call
          return sg.add(sg.mul(0, sg.mean(out)), this.computeLoss(null, out));
        }, this.trainableVariables);
        this.optimizer.applyGradients(grads);
        sg.dispose(Object.values(grads));
        return { loss: value };
      }
    }
    const inp = sg.input({ shape: [2] });
    const pull = new Pull();
    const model = new VAELike({ inputs: inp, outputs: pull.apply(inp) as sg.SymbolicTensor });
    model.compile({ optimizer: sg.optimizers.sgd({ learningRate: 0.1 }) });
    const x = rand([4, 2], 13);
    const h = await model.fit(x, { epochs: 60, batchSize: 4, verbose: 0 });
    expect(h.history.loss[0]).toBeCloseTo(10, 4); // (0-3)^2 + (0+1)^2
    expect(h.history.loss[59]).toBeLessThan(1e-6);
    // Eagerly too: model.losses after model.apply, inside a gradient call.
    const g = sg.variableGrads(() => {
      model.apply(x);
      return model.losses[0];
    }, model.trainableVariables);
    expect(take(g.value)[0]).toBeLessThan(1e-6);
    sg.dispose(Object.values(g.grads));
    x.dispose();
    model.dispose();
  });

  it('lambda: a function as a layer, output shape inferred (unknown dims stay unknown) or given; saved only by a registered name', () => {
    const x = sg.input({ shape: [null, 6] });
    const halves = sg.layers.lambda({ fn: (t: sg.Tensor) => sg.reshape(t, [t.shape[0], t.shape[1], 2, 3]) });
    expect((halves.apply(x) as sg.SymbolicTensor).shape).toEqual([null, null, 2, 3]);
    const pair = sg.layers.lambda({ fn: ([a, b]: sg.Tensor[]) => [sg.add(a, b), sg.sum(b, -1)] });
    const outs = pair.apply([sg.input({ shape: [4] }), sg.input({ shape: [4] })]) as sg.SymbolicTensor[];
    expect(outs.map((o) => o.shape)).toEqual([[null, 4], [null]]);
    const given = sg.layers.lambda({ fn: (t: sg.Tensor) => sg.sum(t, -1, true), outputShape: [1] });
    expect((given.apply(sg.input({ shape: [5] })) as sg.SymbolicTensor).shape).toEqual([null, 1]);
    const ids = sg.layers.lambda({ fn: (t: sg.Tensor) => sg.cast(sg.greater(t, 0), 'int32') });
    expect((ids.apply(sg.input({ shape: [3] })) as sg.SymbolicTensor).dtype).toBe('int32');
    // Values and gradients through a model.
    const inp = sg.input({ shape: [3] });
    const scaled = sg.layers.lambda({ fn: (t: sg.Tensor, a) => sg.mul(t, a.factor as number), arguments: { factor: 3 } });
    const model = sg.model({ inputs: inp, outputs: scaled.apply(inp) });
    const v = sg.tensor([[1, -2, 0.5]]);
    expect(take(model.predict(v) as sg.Tensor)).toEqual([3, -6, 1.5]);
    gradCheck((t) => model.apply(t) as sg.Tensor, [v]);
    // Serialization: refused without a registered name, saying so; by name with one.
    expect(() => scaled.getConfig()).toThrow(/can only be saved with a registered function \(files are data, never code\).*registerLambda/);
    sg.layers.registerLambda('test>double', (t: sg.Tensor) => sg.mul(t, 2));
    const named = sg.layers.lambda({ registeredName: 'test>double', name: 'dbl' });
    const cfg = named.getConfig();
    expect(cfg.function).toEqual({ module: 'simdgrad', className: 'function', config: 'test>double', registeredName: 'test>double' });
    const back = new sg.Lambda(cfg as sg.LambdaArgs);
    expect(take(back.apply(v))).toEqual([2, -4, 1]);
    expect(() => sg.layers.lambda({ registeredName: 'test>missing' })).toThrow(/no function is registered as 'test>missing'.*registerLambda/);
    expect(() => sg.layers.lambda({ fn: (t: sg.Tensor) => sg.reshape(t, [-1]), name: 'bad' }).apply(sg.input({ shape: [2] }))).not.toThrow();
    v.dispose();
    model.dispose();
  });

  it('a model with a registered Lambda saves and loads back; one with an unregistered Lambda refuses to save, saying why', async () => {
    sg.layers.registerLambda('test>square', (t: sg.Tensor) => sg.square(t));
    const inp = sg.input({ shape: [3] });
    const sq = sg.layers.lambda({ registeredName: 'test>square', outputShape: [3] });
    const model = sg.model({ inputs: inp, outputs: sg.layers.dense({ units: 2 }).apply(sq.apply(inp)) });
    const x = rand([4, 3], 30);
    const sink = sg.io.memorySink();
    await model.save(sink);
    expect(JSON.stringify(sink.artifacts!.modelTopology)).toContain('"registered_name":"test>square"');
    const back = await sg.loadLayersModel(sg.io.fromMemory(sink.artifacts!));
    expectClose(take(back.predict(x) as sg.Tensor), take(model.predict(x) as sg.Tensor), 0, 0);
    const anon = sg.model({ inputs: inp, outputs: sg.layers.lambda({ fn: (t: sg.Tensor) => sg.neg(t), name: 'anon' }).apply(inp) });
    await expect(anon.save(sg.io.memorySink())).rejects.toThrow(/anon: a Lambda layer can only be saved with a registered function/);
    x.dispose();
    back.dispose();
    model.dispose();
    anon.dispose();
  });
});
