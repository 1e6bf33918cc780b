// The fused recurrent ops (lstmSequence, gruSequence, simpleRnnSequence): the js oracle against
// a step-by-step reference built from primitive ops, gradients against central finite
// differences through the js oracle, the wasm kernels against js (forward and every gradient,
// odd sizes for the SIMD tails), row-split determinism, and errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { gruSequence, lstmSequence, simpleRnnSequence, type RnnActivation } from '../src/ops/rnn.js';
import { ENGINE } from '../src/engine/engine.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, take, withBackend } from './helpers.js';

type Cell = 'lstm' | 'gru' | 'gruResetBefore' | 'simple';
const CELLS: Cell[] = ['lstm', 'gru', 'gruResetBefore', 'simple'];
const gatesOf = (c: Cell) => (c === 'lstm' ? 4 : c === 'simple' ? 1 : 3);

interface Opts {
  goBackwards?: boolean;
  mask?: boolean;
  recMask?: boolean;
  returnSequences?: boolean;
  activation?: RnnActivation;
  recurrentActivation?: RnnActivation;
}

/** Inputs for a cell: x, kernel, recurrentKernel, bias, h0 (, c0). */
function inputsFor(cell: Cell, B: number, T: number, I: number, U: number, seed: number): sg.Tensor[] {
  const G = gatesOf(cell) * U;
  const ts = [
    rand([B, T, I], seed),
    rand([I, G], seed + 1, -0.6, 0.6),
    rand([U, G], seed + 2, -0.6, 0.6),
    cell === 'gru' ? rand([2, G], seed + 3, -0.3, 0.3) : rand([G], seed + 3, -0.3, 0.3),
    rand([B, U], seed + 4, -0.5, 0.5),
  ];
  if (cell === 'lstm') ts.push(rand([B, U], seed + 5, -0.5, 0.5));
  return ts;
}

/** A mask with whole skipped steps, a skipped first step and a skipped last step. */
function maskFor(B: number, T: number): sg.Tensor {
  const m = new Float32Array(B * T).fill(1);
  m[0] = 0; // first step of sample 0
  if (T > 2) m[T + 1] = 0; // a middle step of sample 1
  m[B * T - 1] = 0; // last step of the last sample
  return sg.tensor(m, [B, T]);
}

function recMaskFor(B: number, U: number): sg.Tensor {
  const v = new Float32Array(B * U).map((_, i) => (i % 3 === 1 ? 0 : 1.25));
  return sg.tensor(v, [B, U]);
}

/** Runs the fused op; returns the output and the final states concatenated as one [B, n] tensor. */
function runOp(cell: Cell, ts: sg.Tensor[], o: Opts, mask?: sg.Tensor, recMask?: sg.Tensor): sg.Tensor {
  const [x, k, rk, b, h0, c0] = ts;
  const opts = {
    goBackwards: o.goBackwards,
    returnSequences: o.returnSequences,
    mask,
    recurrentMask: recMask,
    activation: o.activation,
    recurrentActivation: o.recurrentActivation,
  };
  const B = x.shape[0];
  const flat = (t: sg.Tensor) => sg.reshape(t, [B, -1]);
  if (cell === 'lstm') {
    const r = lstmSequence(x, k, rk, b, h0, c0, opts);
    return sg.concat([flat(r.output), r.h, r.c], 1);
  }
  if (cell === 'simple') {
    const r = simpleRnnSequence(x, k, rk, b, h0, opts);
    return sg.concat([flat(r.output), r.h], 1);
  }
  const r = gruSequence(x, k, rk, b, h0, { ...opts, resetAfter: cell === 'gru' });
  return sg.concat([flat(r.output), r.h], 1);
}

/** The same computation, one step at a time with primitive ops (the independent reference). */
function reference(cell: Cell, ts: sg.Tensor[], o: Opts, mask?: sg.Tensor, recMask?: sg.Tensor): sg.Tensor {
  return sg.tidy(() => {
    const [x, k, rk, bias, h0, c0] = ts;
    const [B, T] = x.shape;
    const U = rk.shape[0];
    const act = (v: sg.Tensor, name: RnnActivation = 'tanh') =>
      name === 'tanh' ? sg.tanh(v) : name === 'sigmoid' ? sg.sigmoid(v) : name === 'relu' ? sg.relu(v) : v;
    const ract = (v: sg.Tensor) => act(v, o.recurrentActivation ?? 'sigmoid');
    const cols = (m: sg.Tensor, i: number) => sg.slice(m, [0, i * U], [m.shape[0], U]);
    let h = h0;
    let c = c0;
    const outs: sg.Tensor[] = [];
    for (let s = 0; s < T; s++) {
      const tin = o.goBackwards ? T - 1 - s : s;
      const xt = sg.reshape(sg.slice(x, [0, tin, 0], [B, 1, x.shape[2]]), [B, -1]);
      const hm = recMask ? sg.mul(h, recMask) : h;
      let hn: sg.Tensor;
      let cn: sg.Tensor | undefined;
      if (cell === 'lstm') {
        const z = sg.add(sg.add(sg.matMul(xt, k), bias), sg.matMul(hm, rk));
        const [i, f, g, og] = [ract(cols(z, 0)), ract(cols(z, 1)), act(cols(z, 2), o.activation), ract(cols(z, 3))];
        cn = sg.add(sg.mul(f, c), sg.mul(i, g));
        hn = sg.mul(og, act(cn, o.activation));
      } else if (cell === 'simple') {
        hn = act(sg.add(sg.add(sg.matMul(xt, k), bias), sg.matMul(hm, rk)), o.activation);
      } else {
        const resetAfter = cell === 'gru';
        const bIn = resetAfter ? sg.reshape(sg.slice(bias, [0, 0], [1, 3 * U]), [3 * U]) : bias;
        const xz = sg.add(sg.matMul(xt, k), bIn);
        let rp = sg.matMul(hm, rk);
        if (resetAfter) rp = sg.add(rp, sg.reshape(sg.slice(bias, [1, 0], [1, 3 * U]), [3 * U]));
        const z = ract(sg.add(cols(xz, 0), cols(rp, 0)));
        const r = ract(sg.add(cols(xz, 1), cols(rp, 1)));
        const hh = resetAfter
          ? act(sg.add(cols(xz, 2), sg.mul(r, cols(rp, 2))), o.activation)
          : act(sg.add(cols(xz, 2), sg.matMul(sg.mul(r, hm), sg.slice(rk, [0, 2 * U], [U, U]))), o.activation);
        hn = sg.add(sg.mul(z, h), sg.mul(sg.sub(1, z), hh));
      }
      if (mask) {
        const m = sg.reshape(sg.slice(mask, [0, tin], [B, 1]), [B, 1]);
        const keep = (nv: sg.Tensor, old: sg.Tensor) => sg.add(sg.mul(nv, m), sg.mul(old, sg.sub(1, m)));
        hn = keep(hn, h);
        if (cn) cn = keep(cn, c);
      }
      h = hn;
      if (cn) c = cn;
      outs.push(h);
    }
    const output = o.returnSequences ? sg.reshape(sg.stack(outs, 1), [B, -1]) : h;
    return sg.concat(cell === 'lstm' ? [output, h, c] : [output, h], 1);
  });
}

const OPTION_SETS: Opts[] = [
  {},
  { returnSequences: true },
  { returnSequences: true, goBackwards: true },
  { returnSequences: true, mask: true },
  { goBackwards: true, mask: true },
  { returnSequences: true, recMask: true, mask: true },
];
const label = (o: Opts) => JSON.stringify(o);

describe('fused rnn ops: js oracle', () => {
  let prev = 'wasm';
  beforeAll(async () => {
    prev = sg.getBackend();
    await sg.setBackend('js');
  });
  afterAll(() => sg.setBackend(prev));
  checkNoLeaks();

  describe.each(CELLS)('%s', (cell) => {
    it.each(OPTION_SETS.map((o) => [label(o), o] as const))('matches the step-by-step reference %s', (_, o) => {
      const [B, T, I, U] = [3, 4, 3, 3];
      const ts = inputsFor(cell, B, T, I, U, 11);
      const mask = o.mask ? maskFor(B, T) : undefined;
      const rm = o.recMask ? recMaskFor(B, U) : undefined;
      const got = take(sg.tidy(() => runOp(cell, ts, o, mask, rm)));
      const want = take(reference(cell, ts, o, mask, rm));
      expectClose(got, want, 1e-5, 1e-6);
      sg.dispose([...ts, mask, rm].filter((t): t is sg.Tensor => !!t));
    });

    it.each(OPTION_SETS.map((o) => [label(o), o] as const))('gradients match finite differences %s', (_, o) => {
      const [B, T, I, U] = [2, 3, 2, 3];
      const ts = inputsFor(cell, B, T, I, U, 5);
      const mask = o.mask ? maskFor(B, T) : undefined;
      const rm = o.recMask ? recMaskFor(B, U) : undefined;
      gradCheck((...xs) => runOp(cell, xs, o, mask, rm), ts);
      sg.dispose([...ts, mask, rm].filter((t): t is sg.Tensor => !!t));
    });
  });
});

/** Forward values and the gradient of sum(out * w) for every input, on the active backend. */
function valueAndGrads(cell: Cell, ts: sg.Tensor[], o: Opts, mask?: sg.Tensor, rm?: sg.Tensor): number[][] {
  const out = sg.tidy(() => runOp(cell, ts, o, mask, rm));
  const w = rand(out.shape, 77, 0.5, 1.5);
  const grads = sg.grads((...xs) => sg.sum(sg.mul(runOp(cell, xs, o, mask, rm), w)))(ts);
  w.dispose();
  return [take(out), ...grads.map(take)];
}

describe('fused rnn ops: wasm against js', () => {
  checkNoLeaks();
  const combos: [Cell, Opts][] = [];
  for (const cell of CELLS) for (const o of OPTION_SETS) combos.push([cell, o]);
  combos.push(['lstm', { returnSequences: true, activation: 'relu', recurrentActivation: 'hardSigmoid' }]);
  combos.push(['gru', { returnSequences: true, activation: 'linear', recurrentActivation: 'hardSigmoid' }]);
  combos.push(['simple', { returnSequences: true, activation: 'relu' }]);

  it.each(combos.map(([c, o]) => [c, label(o), o] as const))('%s %s', async (cell, _, o) => {
    // Odd sizes: 7 rows (a 4-row tile and 3 single rows), 13 units (8 + 4 + 1 columns).
    const [B, T, I, U] = [7, 5, 6, 13];
    const ts = inputsFor(cell, B, T, I, U, 21);
    const mask = o.mask ? maskFor(B, T) : undefined;
    const rm = o.recMask ? recMaskFor(B, U) : undefined;
    const wasm = await withBackend('wasm', () => valueAndGrads(cell, ts, o, mask, rm));
    const js = await withBackend('js', () => valueAndGrads(cell, ts, o, mask, rm));
    expect(wasm.length).toBe(js.length);
    wasm.forEach((v, i) => expectClose(v, js[i], 2e-4, 2e-5));
    sg.dispose([...ts, mask, rm].filter((t): t is sg.Tensor => !!t));
  });

  it('is bit-identical however the batch rows are split (the thread-pool contract)', async () => {
    await withBackend('wasm', () => {
      const backend = ENGINE.backend as unknown as {
        dispatch: (fn: string, a: number[], t: number, r?: number) => void;
      };
      const original = backend.dispatch;
      const results: number[][][] = [];
      for (const split of [0, 1, 3]) {
        // Run each range kernel as several calls over uneven row blocks.
        backend.dispatch = function (fn, args, total, rangeAt = args.length) {
          if (!/Rnn|lstm|gru/.test(fn) || split === 0) return original.call(this, fn, args, total, rangeAt);
          const cuts = [0, Math.min(split, total), Math.min(split + 2, total), total];
          for (let i = 0; i < cuts.length - 1; i++) {
            if (cuts[i + 1] > cuts[i]) {
              const f = (this as unknown as { wasm: Record<string, (...a: number[]) => void> }).wasm[fn];
              f(...args.slice(0, rangeAt), cuts[i], cuts[i + 1], ...args.slice(rangeAt));
            }
          }
        };
        try {
          const row: number[][] = [];
          for (const cell of CELLS) {
            const ts = inputsFor(cell, 6, 4, 5, 9, 3);
            const mask = maskFor(6, 4);
            row.push(...valueAndGrads(cell, ts, { returnSequences: true, mask: true }, mask));
            sg.dispose([...ts, mask]);
          }
          results.push(row);
        } finally {
          backend.dispatch = original;
        }
      }
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
    });
  });
});

describe.each(BACKENDS)('fused rnn ops on %s: errors', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it('bad shapes and activations throw naming the op and argument', () => {
    const [x, k, rk, b, h0, c0] = inputsFor('lstm', 2, 3, 4, 5, 1);
    const wrongH = sg.zeros([3, 5]);
    expect(() => lstmSequence(x, k, rk, b, wrongH, c0)).toThrow(
      "lstmSequence: argument 'h0' must have shape [2,5] but has shape [3,5]",
    );
    expect(() => lstmSequence(x, rk, rk, b, h0, c0)).toThrow(
      /lstmSequence: argument 'kernel' must have shape \[4,20\]/,
    );
    expect(() => gruSequence(x, k, rk, b, h0)).toThrow(
      /gruSequence: 'recurrentKernel' must have shape \[units, 3\*units\]/,
    );
    expect(() => lstmSequence(x, k, rk, b, h0, c0, { activation: 'softmax' as RnnActivation })).toThrow(
      /lstmSequence: activation 'softmax' has no fused kernel/,
    );
    const x2 = sg.zeros([2, 4]);
    expect(() => simpleRnnSequence(x2, k, rk, b, h0)).toThrow(
      /simpleRnnSequence: 'x' must have shape \[batch, time, features\]/,
    );
    sg.dispose([x, k, rk, b, h0, c0, wrongH, x2]);
  });

  it('a boolean or int mask works like a float one', () => {
    const [x, k, rk, b, h0, c0] = inputsFor('lstm', 2, 3, 4, 5, 1);
    const fm = sg.tensor([
      [1, 0, 1],
      [1, 1, 0],
    ]);
    const bm = sg.tensor([
      [true, false, true],
      [true, true, false],
    ]);
    const a = lstmSequence(x, k, rk, b, h0, c0, { mask: fm, returnSequences: true });
    const c = lstmSequence(x, k, rk, b, h0, c0, { mask: bm, returnSequences: true });
    expect(take(c.output)).toEqual(take(a.output));
    sg.dispose([x, k, rk, b, h0, c0, fm, bm, a.h, a.c, c.h, c.c]);
  });
});
