// Recurrent layer behaviour beyond the tfjs cross-check: stateful layers and resetStates, dropout
// and recurrentDropout (training only, seeded, differentiable), GRU resetAfter (Keras' default,
// absent from tfjs-layers) against the fused op, Keras weight layouts, masks in models and as
// call arguments, shapes, and errors naming the layer (bad ids, batch size of a stateful layer).
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { gruSequence } from '../../src/ops/rnn.js';
import { GRU } from '../../src/layers/recurrent/index.js';
import { BACKENDS, checkNoLeaks, expectClose, rand, take } from '../helpers.js';

describe.each(BACKENDS)('recurrent layer behaviour on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it('stateful: states carry over between batches; resetStates starts over; batch size is checked', () => {
    const x = rand([2, 6, 3], 1);
    const first = sg.slice(x, [0, 0, 0], [2, 3, 3]);
    const second = sg.slice(x, [0, 3, 0], [2, 3, 3]);
    const init = sg.initializers.glorotUniform({ seed: 4 });
    const whole = sg.layers.lstm({
      units: 4,
      returnSequences: true,
      kernelInitializer: init,
      recurrentInitializer: init,
    });
    const want = take(sg.tidy(() => sg.slice(whole.apply(x), [0, 3, 0], [2, 3, 4])));
    const st = sg.layers.lstm({
      units: 4,
      returnSequences: true,
      stateful: true,
      batchInputShape: [2, 3, 3],
      kernelInitializer: init,
      recurrentInitializer: init,
    });
    st.apply(first).dispose();
    expect(st.states!.length).toBe(2);
    expectClose(take(st.apply(second)), want, 1e-5, 1e-6);
    st.resetStates();
    expect(Array.from(st.states![0].dataSync())).toEqual(new Array(8).fill(0));
    const again = take(st.apply(first));
    st.resetStates();
    expectClose(take(st.apply(first)), again, 0, 0);
    const odd = rand([3, 3, 3], 2);
    expect(() => st.apply(odd)).toThrow(
      new RegExp(`${st.name}: this stateful layer runs on batches of 2 samples but got a batch of 3`),
    );
    expect(() => whole.resetStates()).toThrow(/resetStates\(\) needs a stateful layer/);
    sg.dispose([x, first, second, odd]);
    whole.dispose();
    st.dispose();
  });

  it('stateful inside a model trained with fit, reset between epochs', async () => {
    const model = sg.sequential();
    model.add(sg.layers.gru({ units: 3, stateful: true, batchInputShape: [4, 5, 2] }));
    model.add(sg.layers.dense({ units: 1 }));
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    const x = rand([8, 5, 2], 3);
    const y = rand([8, 1], 4);
    const rnn = model.layers.find((l) => l instanceof GRU) as GRU;
    for (let e = 0; e < 2; e++) {
      await model.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
      rnn.resetStates();
    }
    expect(Array.from(rnn.states![0].dataSync())).toEqual(new Array(12).fill(0));
    sg.dispose([x, y]);
    model.dispose();
  });

  it('dropout and recurrentDropout: identity at inference, seeded masks in training, gradients flow', () => {
    const x = rand([3, 4, 5], 5);
    for (const make of [sg.layers.lstm, sg.layers.gru, sg.layers.simpleRNN] as ((a: sg.RecurrentArgs) => sg.Layer)[]) {
      const init = sg.initializers.glorotUniform({ seed: 1 });
      const args = { units: 6, kernelInitializer: init, recurrentInitializer: init };
      const plain = make(args);
      const drop = make({ ...args, dropout: 0.3, recurrentDropout: 0.4, seed: 9 });
      const a = take(plain.apply(x));
      expectClose(take(drop.apply(x)), a, 0, 0);
      const t1 = take(drop.apply(x, { training: true }));
      expect(t1).not.toEqual(a);
      const drop2 = make({ ...args, dropout: 0.3, recurrentDropout: 0.4, seed: 9 });
      expectClose(take(drop2.apply(x, { training: true })), t1, 0, 0);
      const vars = drop.trainableWeights.map((w) => w.variable);
      const { value, grads } = sg.variableGrads(() => sg.sum(drop.apply(x, { training: true }) as sg.Tensor), vars);
      for (const v of vars) expect(take(grads[v.name]).some((g) => g !== 0)).toBe(true);
      value.dispose();
      [plain, drop, drop2].forEach((l) => l.dispose());
    }
    x.dispose();
  });

  it('Keras weight layouts; GRU resetAfter (default) matches the fused op with the layer weights', () => {
    const x = rand([2, 3, 5], 6);
    const lstm = sg.layers.lstm({ units: 4 });
    const gru = sg.layers.gru({ units: 4 });
    const gruOld = sg.layers.gru({ units: 4, resetAfter: false });
    const rnn = sg.layers.simpleRNN({ units: 4, useBias: false });
    for (const l of [lstm, gru, gruOld, rnn]) l.apply(x).dispose();
    expect(lstm.weights.map((w) => [w.name, w.shape])).toEqual([
      ['kernel', [5, 16]],
      ['recurrent_kernel', [4, 16]],
      ['bias', [16]],
    ]);
    // unit forget bias: the f block of the bias starts at 1
    expect(take(lstm.bias!.variable.clone())).toEqual([
      ...new Array(4).fill(0),
      ...new Array(4).fill(1),
      ...new Array(8).fill(0),
    ]);
    expect(gru.weights.map((w) => w.shape)).toEqual([
      [5, 12],
      [4, 12],
      [2, 12],
    ]);
    expect(gruOld.weights.map((w) => w.shape)).toEqual([[5, 12], [4, 12], [12]]);
    expect(rnn.weights.map((w) => w.shape)).toEqual([
      [5, 4],
      [4, 4],
    ]);
    const b = rand([2, 12], 7);
    const copies = [gru.kernel!.variable.clone(), gru.recurrentKernel!.variable.clone()];
    gru.setWeights([...copies, b]);
    sg.dispose(copies);
    const h0 = sg.zeros([2, 4]);
    const want = gruSequence(x, gru.kernel!.variable, gru.recurrentKernel!.variable, b, h0);
    expectClose(take(gru.apply(x) as sg.Tensor), take(want.output), 0, 0);
    want.h.dispose();
    sg.dispose([x, b, h0]);
    [lstm, gru, gruOld, rnn].forEach((l) => l.dispose());
  });

  it('output shapes, returnState lists, masks as call arguments, initial states', () => {
    const inp = sg.input({ shape: [7, 3] });
    const lstm = sg.layers.lstm({ units: 5, returnSequences: true, returnState: true });
    const outs = lstm.apply(inp) as sg.SymbolicTensor[];
    expect(outs.map((o) => o.shape)).toEqual([
      [null, 7, 5],
      [null, 5],
      [null, 5],
    ]);
    const biLayer = sg.layers.bidirectional({ layer: sg.layers.gru({ units: 2, returnSequences: true }) });
    const bi = biLayer.apply(inp) as sg.SymbolicTensor;
    expect(bi.shape).toEqual([null, 7, 4]);
    const tdLayer = sg.layers.timeDistributed({ layer: sg.layers.dense({ units: 6 }) });
    const td = tdLayer.apply(inp) as sg.SymbolicTensor;
    expect(td.shape).toEqual([null, 7, 6]);
    expect(biLayer.weights.length).toBe(6);
    [lstm, biLayer, tdLayer].forEach((l) => l.dispose());
    const e = sg.layers.embedding({ inputDim: 10, outputDim: 3, inputLength: 7 });
    expect(e.batchInputShape).toEqual([null, 7]);
    // An explicit mask in eager mode skips steps like a propagated one.
    const x = rand([2, 4, 3], 8);
    const layer = sg.layers.simpleRNN({ units: 2 });
    const mask = sg.tensor([
      [1, 1, 0, 0],
      [1, 1, 1, 1],
    ]);
    const short = sg.slice(x, [0, 0, 0], [1, 2, 3]);
    const masked = take(layer.apply(x, { mask }) as sg.Tensor);
    expectClose(masked.slice(0, 2), take(layer.apply(short) as sg.Tensor), 1e-6, 1e-7);
    const h0 = sg.ones([2, 2]);
    const withInit = take(layer.apply(x, { initialState: [h0] }) as sg.Tensor);
    expect(withInit).not.toEqual(take(layer.apply(x) as sg.Tensor));
    sg.dispose([x, mask, short, h0]);
    layer.dispose();
  });

  it('errors name the layer: ids outside inputDim, wrong feature count, wrong rank, bad arguments', () => {
    const emb = sg.layers.embedding({ inputDim: 5, outputDim: 2 });
    const ids = sg.tensor([[1, 5]]);
    expect(() => emb.apply(ids)).toThrow(
      new RegExp(`${emb.name}: id 5 at flat index 1 of the input \\(shape \\[1,2\\]\\) is outside \\[0, 5\\)`),
    );
    const neg = sg.tensor([[-1, 0]]);
    expect(() => emb.apply(neg)).toThrow(/id -1 at flat index 0/);
    const l = sg.layers.lstm({ units: 2 });
    const x = sg.zeros([1, 3, 4]);
    l.apply(x).dispose();
    const wide = sg.zeros([1, 3, 5]);
    expect(() => l.apply(wide)).toThrow(new RegExp(`${l.name}: expected inputs with 4 features`));
    const flat = sg.zeros([3, 4]);
    expect(() => l.apply(flat)).toThrow(
      new RegExp(`${l.name}: expected an input of shape \\[batch, time, features\\]`),
    );
    expect(() => sg.layers.lstm({ units: 0 })).toThrow("LSTM: 'units' must be a positive integer but is 0");
    expect(() => sg.layers.gru({ units: 2, dropout: 1 })).toThrow("GRU: 'dropout' must be a number in [0, 1) but is 1");
    // Any activation Keras allows works (the kernels' or the composed path); unknown names fail.
    expect(() => sg.layers.simpleRNN({ units: 2, activation: 'rleu' })).toThrow(
      /SimpleRNN: argument 'activation': Unknown activation 'rleu'. Did you mean 'relu'/,
    );
    expect(() => sg.layers.bidirectional({ layer: sg.layers.dense({ units: 2 }) as never })).toThrow(
      /Bidirectional: 'layer' must be a recurrent layer/,
    );
    expect(() => sg.layers.embedding({ inputDim: 0, outputDim: 2 })).toThrow(
      /Embedding: 'inputDim' must be a positive integer/,
    );
    sg.dispose([ids, neg, x, wide, flat]);
    emb.dispose();
    l.dispose();
  });

  it('unroll is accepted and ignored; configs carry the Keras arguments', () => {
    const l = sg.layers.gru({ units: 3, unroll: true, goBackwards: true, returnSequences: true });
    const c = l.getConfig();
    expect(c).toMatchObject({
      units: 3,
      unroll: true,
      goBackwards: true,
      returnSequences: true,
      resetAfter: true,
      recurrentActivation: 'sigmoid',
    });
  });
});
