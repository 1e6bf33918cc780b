// Models as layers and frozen sub-models: a Sequential or functional model called inside another
// (on symbolic tensors and on tensors) shares its weights; getLayer and layer.output build
// sub-models; trainable = false with Keras' compile-time semantics (the GAN recipe), weights of
// frozen layers bit-identical after fit; optimizer.minimize/applyGradients on a model's variables;
// gradients with respect to an input image through a model against finite differences.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, gradCheck, rand, take } from '../helpers.js';

function bits(ts: sg.Tensor[]): number[][] {
  const out = ts.map((t) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)));
  sg.dispose(ts);
  return out;
}

describe('models as layers', () => {
  checkNoLeaks();

  it('a Sequential inside a functional model and a functional one inside a Sequential share weights: one update moves both', async () => {
    const encoder = sg.sequential({
      name: 'encoder',
      layers: [sg.layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }), sg.layers.dense({ units: 2 })],
    });
    const a = sg.input({ shape: [3] });
    const b = sg.input({ shape: [3] });
    // Siamese: the same encoder on two inputs, distance by subtract.
    const diff = sg.layers.subtract([encoder.apply(a) as sg.SymbolicTensor, encoder.apply(b) as sg.SymbolicTensor]);
    const siamese = sg.model({ inputs: [a, b], outputs: sg.layers.dense({ units: 1, activation: 'sigmoid' }).apply(diff) });
    expect(siamese.countParams()).toBe(3 * 4 + 4 + 4 * 2 + 2 + 2 + 1);
    expect(siamese.getLayer('encoder')).toBe(encoder);
    // The encoder also inside a Sequential.
    const head = sg.sequential({ layers: [encoder, sg.layers.dense({ units: 1 })] });
    expect(head.trainableWeights.length).toBe(6);
    const x = rand([6, 3], 1);
    // On tensors: the model as a layer equals its own predict.
    const direct = take(encoder.apply(x) as sg.Tensor);
    expectClose(direct, take(encoder.predict(x) as sg.Tensor), 0, 0);
    // Train the siamese model; the Sequential that holds the same encoder sees the change.
    const before = take(head.predict(x) as sg.Tensor);
    const y = sg.tensor([1, 0, 1, 0, 1, 0], [6, 1]);
    siamese.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const x2 = rand([6, 3], 2);
    await siamese.fit([x, x2], y, { epochs: 2, batchSize: 3, verbose: 0 });
    x2.dispose();
    const after = take(head.predict(x) as sg.Tensor);
    expect(after).not.toEqual(before);
    // Encoder output after training equals what the siamese graph computes internally.
    expectClose(take(encoder.apply(x) as sg.Tensor), take(encoder.predict(x) as sg.Tensor), 0, 0);
    sg.dispose([x, y]);
    head.dispose();
    siamese.dispose();
  });

  it('getLayer by name or index and layer.output build a sub-model that computes the intermediate activation', () => {
    const m = sg.sequential({
      layers: [
        sg.layers.dense({ units: 5, activation: 'relu', inputShape: [4], name: 'a' }),
        sg.layers.dense({ units: 3, activation: 'tanh', name: 'b' }),
        sg.layers.dense({ units: 2, name: 'c' }),
      ],
    });
    expect(m.getLayer('b')).toBe(m.getLayer(2)); // index 0 is the input layer, as m.layers
    expect(() => m.getLayer('nope')).toThrow(/no layer named nope/);
    const feat = sg.model({ inputs: m.inputs, outputs: m.getLayer('b').output });
    expect((feat.outputs[0] as sg.SymbolicTensor).shape).toEqual([null, 3]);
    expect(m.getLayer('b').input).toBe(m.getLayer('a').output);
    const x = rand([3, 4], 3);
    const byHand = sg.tidy(() => m.getLayer('b').apply(m.getLayer('a').apply(x)) as sg.Tensor);
    expectClose(take(feat.predict(x) as sg.Tensor), take(byHand), 0, 0);
    // A functional model's input/output and a layer never called.
    expect(feat.input).toBe(m.inputs[0]);
    expect(() => sg.layers.dense({ units: 1, name: 'lonely' }).output).toThrow(/lonely: the layer has never been called/);
    x.dispose();
    m.dispose();
  });

  it('trainable = false: frozen weights bit-identical after fit; compile-time semantics; nested frozen model', async () => {
    const m = sg.sequential({
      layers: [
        sg.layers.dense({ units: 6, activation: 'relu', inputShape: [4] }),
        sg.layers.batchNormalization(),
        sg.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const [d1, , d2] = m.layers.slice(1);
    d1.trainable = false;
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const x = rand([16, 4], 4);
    const y = sg.utils.toCategorical(Array.from({ length: 16 }, (_, i) => i % 3), 3);
    const frozen0 = bits(d1.getWeights());
    const other0 = bits(d2.getWeights());
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(bits(d1.getWeights())).toEqual(frozen0);
    expect(bits(d2.getWeights())).not.toEqual(other0);
    // Unfreezing without compiling again changes nothing (what compile saw counts) ...
    d1.trainable = true;
    await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    expect(bits(d1.getWeights())).toEqual(frozen0);
    // ... until compile() runs again.
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    expect(bits(d1.getWeights())).not.toEqual(frozen0);
    // Freezing a whole model freezes its layers (Keras 3), and a model holding it sees none of them;
    // a frozen BatchNormalization runs in inference mode, so its moving statistics stay bit-identical.
    m.trainable = false;
    const bn0 = bits(m.layers[2].getWeights());
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const extra = sg.sequential({ layers: [m, sg.layers.dense({ units: 3, activation: 'softmax' })] });
    extra.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await extra.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    expect(bits(m.layers[2].getWeights())).toEqual(bn0);
    expect(m.layers.slice(1).every((l) => !l.trainable)).toBe(true);
    const outer = sg.sequential({ layers: [m, sg.layers.dense({ units: 2 })] });
    expect(outer.trainableWeights.length).toBe(2);
    expect(outer.nonTrainableWeights.length).toBe(m.weights.length);
    const lines: string[] = [];
    outer.summary(80, (l) => lines.push(l));
    expect(lines).toContain(`Non-trainable params: ${m.countParams().toLocaleString('en-US')}`);
    sg.dispose([x, y]);
    outer.dispose();
    extra.dispose(); // its optimizer; the shared model m is freed once
  });

  it('the GAN recipe: the discriminator trains through its own compile and stays fixed inside the combined model', () => {
    const disc = sg.sequential({ layers: [sg.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), sg.layers.dense({ units: 1, activation: 'sigmoid' })] });
    disc.compile({ optimizer: sg.optimizers.sgd({ learningRate: 0.1 }), loss: 'binaryCrossentropy' });
    const gen = sg.sequential({ layers: [sg.layers.dense({ units: 3, inputShape: [2] })] });
    disc.trainable = false;
    const z = sg.input({ shape: [2] });
    const combined = sg.model({ inputs: z, outputs: disc.apply(gen.apply(z) as sg.SymbolicTensor) as sg.SymbolicTensor });
    combined.compile({ optimizer: sg.optimizers.sgd({ learningRate: 0.1 }), loss: 'binaryCrossentropy' });
    expect(combined.trainableWeights.length).toBe(2);
    const noise = rand([8, 2], 5);
    const ones = sg.ones([8, 1]);
    const d0 = bits(disc.getWeights());
    const g0 = bits(gen.getWeights());
    combined.trainOnBatch(noise, ones);
    expect(bits(disc.getWeights())).toEqual(d0);
    expect(bits(gen.getWeights())).not.toEqual(g0);
    // The discriminator's own compile saw it trainable: its trainOnBatch still updates it.
    const real = rand([8, 3], 6);
    disc.trainOnBatch(real, ones);
    expect(bits(disc.getWeights())).not.toEqual(d0);
    sg.dispose([noise, ones, real]);
    combined.dispose();
  });

  it('optimizer.minimize and applyGradients on a model\'s variables: one SGD step by hand', () => {
    const m = sg.sequential({ layers: [sg.layers.dense({ units: 2, inputShape: [3] })] });
    const x = rand([5, 3], 7);
    const y = rand([5, 2], 8);
    const loss = () => sg.mean(sg.square(sg.sub(m.apply(x) as sg.Tensor, y)));
    const w0 = m.getWeights().map((t) => take(t));
    const { value, grads } = sg.variableGrads(loss, m.trainableVariables);
    const g = m.trainableVariables.map((v) => take(grads[v.name]));
    value.dispose();
    const opt = sg.optimizers.sgd({ learningRate: 0.5 });
    const cost = opt.minimize(loss, true, m.trainableVariables)!;
    expect(cost.rank).toBe(0);
    cost.dispose();
    const w1 = m.getWeights().map((t) => take(t));
    w1.forEach((w, k) => expectClose(w, w0[k].map((v, i) => v - 0.5 * g[k][i]), 1e-5, 1e-6));
    // applyGradients with variableGrads' names: a second step the same way.
    const r = sg.variableGrads(loss, m.trainableVariables);
    const g2 = m.trainableVariables.map((v) => Array.from(r.grads[v.name].dataSync()));
    opt.applyGradients(r.grads);
    sg.dispose([r.value, ...Object.values(r.grads)]);
    m.getWeights().map((t) => take(t)).forEach((w, k) => expectClose(w, w1[k].map((v, i) => v - 0.5 * g2[k][i]), 1e-5, 1e-6));
    sg.dispose([x, y]);
    opt.dispose();
    m.dispose();
  });

  it('the gradient with respect to an input image through a model (deep dream, style transfer) equals finite differences', () => {
    const cnn = sg.sequential({
      layers: [
        // Smooth activations and seeded weights: a relu kink inside the finite-difference step
        // would make the check depend on the draw.
        sg.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'tanh', padding: 'same', inputShape: [6, 6, 1], kernelInitializer: sg.initializers.glorotUniform({ seed: 1 }) }),
        sg.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'tanh', name: 'features', kernelInitializer: sg.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    const features = sg.model({ inputs: cnn.inputs, outputs: cnn.getLayer('features').output });
    const img = rand([1, 6, 6, 1], 9, 0.1, 1);
    // Through apply (a model called on a tensor) and through predictOnBatch.
    gradCheck((t) => features.apply(t) as sg.Tensor, [img], { rtol: 3e-2, atol: 3e-3 });
    const g = sg.grad((t) => sg.mean(sg.square(features.apply(t) as sg.Tensor)))(img);
    const g2 = sg.grad((t) => sg.mean(sg.square(features.predictOnBatch(t) as sg.Tensor)))(img);
    expectClose(take(g2), take(g), 1e-6, 1e-7);
    // Gradient ascent on the image raises the activation loss (deep dream in one line).
    const lossOf = (t: sg.Tensor) => take(sg.tidy(() => sg.mean(sg.square(features.apply(t) as sg.Tensor))))[0];
    const step = sg.tidy(() => sg.add(img, sg.mul(sg.grad((t) => sg.mean(sg.square(features.apply(t) as sg.Tensor)))(img), 5)));
    expect(lossOf(step)).toBeGreaterThan(lossOf(img));
    sg.dispose([img, step]);
    cnn.dispose();
  });

  it('a model called as a layer checks its input shape, naming the model', () => {
    const m = sg.sequential({ name: 'inner', layers: [sg.layers.dense({ units: 2, inputShape: [3] })] });
    expect(() => m.apply(sg.input({ shape: [4] }))).toThrow(/inner: input 'inner_input' expects shape \(None, 3\) but the model was called on \(None, 4\)/);
    // A deferred Sequential called on a symbolic tensor builds for it.
    const deferred = sg.sequential({ layers: [sg.layers.dense({ units: 2 })] });
    const out = deferred.apply(sg.input({ shape: [5] })) as sg.SymbolicTensor;
    expect(out.shape).toEqual([null, 2]);
    expect(deferred.countParams()).toBe(12);
    m.dispose();
    deferred.dispose();
  });
});
