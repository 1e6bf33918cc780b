// The inference chain (src/models/inference_chain.ts): a one-batch predict of a straight line of
// Dense (linear/relu/relu6/softmax) and inference-identity layers runs as bare kernel calls.
// Checked against the layer-by-layer path (model.execute in a scope, which the chain must
// match bit for bit) on wasm at 1 and 2 threads (split GEMVs forced) and on the js backend; that
// the chain really ran (one tensor made per predict) and where it must not (other layers, other
// activations, a gradient tape, sg.profile, an int32 input, a branching graph); weights
// reassigned after the first predict; several batches; its intermediates in peakBytes; no leaked tensors.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { setThreads } from '../../src/threads.js';
import { ENGINE } from '../../src/engine/engine.js';
import { checkNoLeaks, onJsAndWasm, randArray, takeBits } from '../helpers.js';

onJsAndWasm();
checkNoLeaks();

const bits = takeBits;

/** The layer-by-layer result (the general path predict takes when the chain does not apply). */
const general = (m: sg.LayersModel, x: sg.Tensor) => bits(sg.tidy(() => (m as unknown as { execute(xs: sg.Tensor[], t: boolean): sg.Tensor[] }).execute([x], false)[0]));

/** Tensors made by `f` (ids are consecutive): 1 when predict ran as the chain. */
function tensorsMade(f: () => sg.Tensor): { y: sg.Tensor; made: number } {
  const a = sg.scalar(0);
  const y = f();
  const b = sg.scalar(0);
  const made = (b as unknown as { id: number }).id - (a as unknown as { id: number }).id - 1;
  sg.dispose([a, b]);
  return { y, made };
}

let seed = 10;
const dense = (units: number, activation: string, extra: Record<string, unknown> = {}) =>
  sg.layers.dense({
    units,
    activation: activation as 'relu',
    kernelInitializer: sg.initializers.glorotUniform({ seed: seed++ }),
    biasInitializer: sg.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed++ }),
    ...extra,
  });

/** The walk-through MLP's structure, small, with every inference-identity layer. */
function chainModel(k: number): sg.LayersModel {
  const m = sg.sequential();
  m.add(sg.layers.inputLayer({ inputShape: [k] }));
  m.add(dense(40, 'relu'));
  m.add(sg.layers.dropout({ rate: 0.4 }));
  m.add(dense(24, 'relu6'));
  m.add(sg.layers.gaussianNoise({ stddev: 0.3 }));
  m.add(dense(19, 'linear', { useBias: false }));
  m.add(sg.layers.gaussianDropout({ rate: 0.2 }));
  m.add(sg.layers.alphaDropout({ rate: 0.2 }));
  m.add(dense(12, 'softmax'));
  m.add(dense(10, 'softmax'));
  return m;
}

describe('predict through the inference chain', () => {
  it('has the bits of the layer-by-layer path on wasm (1 and 2 threads, split GEMVs) and js, for 1..6 rows', () => {
    const K = 33;
    const xv = randArray(6 * K, 3, -2, 2);
    for (const backend of ['wasm', 'js']) {
      void sg.setBackend(backend); // both created in beforeAll: synchronous
      const m = chainModel(K);
      const wasm = sg.engine().backend as unknown as { cutoffOverride?: number };
      for (const threads of backend === 'wasm' ? [1, 2] : [1]) {
        setThreads(threads);
        if (threads === 2) wasm.cutoffOverride = 0; // split even these small products over the pool
        for (const rows of [1, 2, 4, 5, 6]) {
          const x = sg.tensor(xv.subarray(0, rows * K), [rows, K]);
          const { y, made } = tensorsMade(() => m.predict(x) as sg.Tensor);
          expect(made, `${backend} ${rows} rows: one tensor made (the chain ran)`).toBe(1);
          expect(y.shape).toEqual([rows, 10]);
          const yb = bits(y);
          expect(yb, `${backend} ${threads} threads ${rows} rows`).toEqual(general(m, x));
          expect(bits(m.predictOnBatch(x) as sg.Tensor)).toEqual(yb);
          x.dispose();
        }
        wasm.cutoffOverride = undefined;
      }
      m.dispose();
    }
    void sg.setBackend('wasm');
  });

  it('a batchSize below the rows (one joined call here) gives the bits of one batch', () => {
    const K = 9;
    const m = chainModel(K);
    const x = sg.tensor(randArray(23 * K, 4), [23, K]);
    const one = bits(m.predict(x, { batchSize: 64 }) as sg.Tensor);
    expect(bits(m.predict(x, { batchSize: 5 }) as sg.Tensor)).toEqual(one);
    expect(one).toEqual(general(m, x));
    x.dispose();
    m.dispose();
  });

  it('joins batches into calls of rowsPerCall rows (8 MiB of buffers) with the bits of batch by batch', () => {
    // 993 rows of a narrow chain: one call whatever batchSize (batch by batch ends with a 1-row
    // batch: the GEMV against rows of the joined GEMM); wasm 1 and 2 threads and js
    const K = 33;
    const N = 993;
    const xv = randArray(N * K, 12, -2, 2);
    for (const backend of ['wasm', 'js']) {
      void sg.setBackend(backend);
      const m = chainModel(K);
      const x = sg.tensor(xv, [N, K]);
      const parts: number[] = [];
      for (let s = 0; s < N; s += 32) {
        const xb = sg.slice(x, [s, 0], [Math.min(32, N - s), K]);
        parts.push(...general(m, xb));
        xb.dispose();
      }
      for (const threads of backend === 'wasm' ? [1, 2] : [1]) {
        setThreads(threads);
        for (const rep of [0, 1]) {
          // twice: the second time the 1-row batch's products run on packed copies
          const { y, made } = tensorsMade(() => m.predict(x, { batchSize: 32 }) as sg.Tensor);
          expect(made, `${backend}: one call, no slice, no concat`).toBe(1);
          expect(bits(y), `${backend} ${threads} threads, run ${rep}`).toEqual(parts);
        }
      }
      x.dispose();
      m.dispose();
    }
    void sg.setBackend('wasm');
    setThreads(1);
    // a wide chain: 192 -> 8000 -> 10 holds 192 + 192 + 8000 floats a row, so 250 rows a call
    const m = sg.sequential({ layers: [dense(8000, 'relu', { inputShape: [192] }), dense(10, 'softmax')] });
    const chain = (m as unknown as { chainFor(xs: sg.Tensor[]): { rowsPerCall(b: number): number } | null }).chainFor;
    const N2 = 577; // 18 batches of 32 and one of 1; calls of 250, 250 and 77
    const x = sg.tensor(randArray(N2 * 192, 13, -1, 1), [N2, 192]);
    expect(chain.call(m, [x])!.rowsPerCall(32)).toBe(250);
    expect(chain.call(m, [x])!.rowsPerCall(300)).toBe(300);
    const parts: number[] = [];
    for (let s = 0; s < N2; s += 32) {
      const xb = sg.slice(x, [s, 0], [Math.min(32, N2 - s), 192]);
      parts.push(...general(m, xb));
      xb.dispose();
    }
    for (const [bs, calls] of [[32, 3], [300, 2], [1000, 1]]) {
      const { y, made } = tensorsMade(() => m.predict(x, { batchSize: bs }) as sg.Tensor);
      // per call a slice of x and its output, then one concat (one call: the output alone)
      expect(made, `batchSize ${bs}`).toBe(calls === 1 ? 1 : 2 * calls + 1);
      expect(bits(y), `batchSize ${bs}`).toEqual(parts);
    }
    // a softmax step holds its input and output: 8 -> 4096 softmax counts 8 + 2 * 4096 floats a row
    const ms = sg.sequential({ layers: [dense(4096, 'softmax', { inputShape: [8] })] });
    const x8 = sg.zeros([2, 8]);
    expect(chain.call(ms, [x8])!.rowsPerCall(32)).toBe(Math.floor((8 << 20) / (4 * (8 + 2 * 4096))));
    sg.dispose(x8);
    ms.dispose();
    // where the chain cannot run (sg.profile wraps runKernel), batchSize is kept: 19 batches of 32
    const kernels: string[] = [];
    return sg
      .profile(() => {
        const y = m.predict(x, { batchSize: 32 }) as sg.Tensor;
        expect(bits(y)).toEqual(parts);
      })
      .then((p) => {
        for (const k of p.kernels) kernels.push(k.name);
        expect(kernels.filter((k) => k === 'FusedMatMul').length).toBe(38);
        x.dispose();
        m.dispose();
      });
  });

  it('follows weights reassigned after the first predict (setWeights), with the general path`s bits', () => {
    const m = chainModel(8);
    const x = sg.tensor(randArray(2 * 8, 5), [2, 8]);
    const before = bits(m.predict(x) as sg.Tensor);
    const ws = m.getWeights();
    const scaled = ws.map((w) => sg.mul(w, 1.5));
    m.setWeights(scaled);
    const after = bits(m.predict(x) as sg.Tensor);
    expect(after).not.toEqual(before);
    expect(after).toEqual(general(m, x));
    sg.dispose([...ws, ...scaled, x]);
    m.dispose();
  });

  it('does not run where it must not, and the general path gives the same values there', () => {
    const K = 6;
    const x = sg.tensor(randArray(3 * K, 6), [3, K]);
    const cases: [string, () => sg.LayersModel][] = [
      ['a sigmoid Dense', () => sg.sequential({ layers: [dense(5, 'sigmoid', { inputShape: [K] }), dense(3, 'relu')] })],
      ['an activity regularizer', () => sg.sequential({ layers: [dense(5, 'relu', { inputShape: [K], activityRegularizer: sg.regularizers.l2() })] })],
      ['another layer (BatchNormalization)', () => sg.sequential({ layers: [dense(5, 'relu', { inputShape: [K] }), sg.layers.batchNormalization()] })],
      [
        'a branching graph',
        () => {
          const i = sg.input({ shape: [K] });
          const h = dense(5, 'relu').apply(i) as sg.SymbolicTensor;
          const o = sg.layers.add().apply([h, dense(5, 'relu').apply(h) as sg.SymbolicTensor]) as sg.SymbolicTensor;
          return sg.model({ inputs: i, outputs: o });
        },
      ],
    ];
    for (const [what, make] of cases) {
      const m = make();
      const { y, made } = tensorsMade(() => m.predict(x) as sg.Tensor);
      expect(made, what).toBeGreaterThan(1);
      expect(bits(y), what).toEqual(general(m, x));
      m.dispose();
    }
    x.dispose();
  });

  it('a custom activation named like a built-in, or a replaced call, runs as written (chain, Dense and Conv2D)', () => {
    // named functions on purpose: their JavaScript names are the built-ins' Keras names
    function softmax(t: sg.Tensor): sg.Tensor {
      return sg.mul(t, 2);
    }
    function relu(t: sg.Tensor): sg.Tensor {
      return sg.mul(t, 2);
    }
    const K = 6;
    const x = sg.tensor(randArray(2 * K, 8, -1, 1), [2, K]);
    const kv = randArray(K * 4, 9, -1, 1);
    const want = sg.tidy(() => Array.from(sg.mul(sg.matMul(x, sg.tensor(kv, [K, 4])), 2).dataSync()));
    for (const fn of [softmax, relu]) {
      const d = sg.layers.dense({ units: 4, activation: fn, useBias: false, inputShape: [K] });
      const m = sg.sequential({ layers: [d] });
      const kt = sg.tensor(kv, [K, 4]);
      d.setWeights([kt]);
      kt.dispose();
      const p = m.predict(x) as sg.Tensor;
      expect(Array.from(p.dataSync()), `predict, ${fn.name}`).toEqual(want);
      p.dispose();
      const a = d.apply(x) as sg.Tensor;
      expect(Array.from(a.dataSync()), `Dense.apply, ${fn.name}`).toEqual(want);
      a.dispose();
      m.dispose();
    }
    // Conv2D fuses relu into its kernel only for the built-in relu
    const c = sg.layers.conv2d({ filters: 1, kernelSize: 1, activation: relu, useBias: false, kernelInitializer: 'ones' });
    const img = sg.tensor([-1, 2, -3, 4], [1, 2, 2, 1]);
    const y = c.apply(img) as sg.Tensor;
    expect(Array.from(y.dataSync())).toEqual([-2, 4, -6, 8]);
    sg.dispose([y, img]);
    c.dispose();
    // an instance whose call was replaced
    const d2 = dense(4, 'relu', { inputShape: [K] });
    const m2 = sg.sequential({ layers: [d2] });
    const replaced = (t: sg.Tensor) => sg.tile(sg.neg(sg.sum(t, -1, true)), [1, 4]);
    (d2 as unknown as { call: (t: sg.Tensor) => sg.Tensor }).call = replaced;
    const p2 = m2.predict(x) as sg.Tensor;
    expect(Array.from(p2.dataSync())).toEqual(sg.tidy(() => Array.from(replaced(x).dataSync())));
    p2.dispose();
    m2.dispose();
    x.dispose();
  });

  it('leaves the chain for a gradient tape, sg.profile and an int32 input, with the same values', () => {
    const K = 7;
    const m = chainModel(K);
    const xv = randArray(2 * K, 7);
    const x = sg.tensor(xv, [2, K]);
    const want = bits(m.predict(x) as sg.Tensor);
    // inside a gradient: the tape must see the kernels (the gradient flows to x)
    const g = sg.grad((xx: sg.Tensor) => sg.sum(sg.mul(m.predict(xx) as sg.Tensor, sg.tensor(randArray(20, 8), [2, 10]))))(x);
    const h = 1e-2;
    const xp = sg.tensor(xv.map((v, i) => (i === 3 ? v + h : v)), [2, K]);
    const xm = sg.tensor(xv.map((v, i) => (i === 3 ? v - h : v)), [2, K]);
    const wv = sg.tensor(randArray(20, 8), [2, 10]);
    const f = (xx: sg.Tensor) => sg.tidy(() => sg.sum(sg.mul(m.predict(xx) as sg.Tensor, wv)).dataSync()[0]);
    expect(g.dataSync()[3]).toBeCloseTo((f(xp) - f(xm)) / (2 * h), 2);
    expect(Math.abs(g.dataSync()[3])).toBeGreaterThan(0);
    // under sg.profile the kernels are seen one by one
    const prof = sg.profile(() => {
      const y = m.predict(x) as sg.Tensor;
      expect(bits(y)).toEqual(want);
    });
    return prof.then((p) => {
      expect(p.kernelNames).toContain('FusedMatMul');
      expect(p.kernelNames).toContain('Softmax');
      // int32 input: the general path casts it; values as predicting the float32 copy
      const xi = sg.tensor(Int32Array.from({ length: 2 * K }, (_, i) => (i % 5) - 2), [2, K]);
      const xf = sg.cast(xi, 'float32');
      const { y, made } = tensorsMade(() => m.predict(xi) as sg.Tensor);
      expect(made).toBeGreaterThan(1);
      expect(bits(y)).toEqual(bits(m.predict(xf) as sg.Tensor));
      sg.dispose([g, xp, xm, wv, x, xi, xf]);
      m.dispose();
    });
  });

  it('counts its intermediates in peakBytes (a step input and output alive together), on wasm and js', async () => {
    for (const backend of ['wasm', 'js']) {
      await sg.setBackend(backend);
      const m = sg.sequential();
      m.add(sg.layers.inputLayer({ inputShape: [8] }));
      m.add(dense(2000, 'relu'));
      m.add(dense(300, 'linear'));
      m.add(dense(4, 'softmax'));
      const x = sg.tensor(randArray(50 * 8, 3), [50, 8]);
      (m.predict(x) as sg.Tensor).dispose(); // first call: GEMV packing, chain lookup
      const run = tensorsMade(() => m.predict(x, { batchSize: 50 }) as sg.Tensor);
      expect(run.made).toBe(1); // the chain runs
      run.y.dispose();
      ENGINE.resetPeak();
      const base = sg.memory().numBytes;
      const y = m.predict(x, { batchSize: 50 }) as sg.Tensor;
      // the widest step: [50, 2000] in and [50, 300] out; the output tensor [50, 4] comes after
      expect(sg.memory().peakBytes - base).toBe(50 * 2000 * 4 + 50 * 300 * 4);
      expect(sg.memory().numBytes - base).toBe(50 * 4 * 4);
      sg.dispose([x, y]);
      m.dispose();
    }
  });

  it('a model of identity layers only returns a tensor of its own (disposing it keeps x)', () => {
    const m = sg.sequential({ layers: [sg.layers.dropout({ rate: 0.5, inputShape: [4] })] });
    const x = sg.tensor([1, 2, 3, 4], [1, 4]);
    const y = m.predict(x) as sg.Tensor;
    expect(y).not.toBe(x);
    y.dispose();
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3, 4]);
    x.dispose();
    m.dispose();
  });
});
