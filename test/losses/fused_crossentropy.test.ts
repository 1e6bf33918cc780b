// The fused categorical cross-entropy and accuracy (src/losses/fused.ts, kernels in
// src/backends/js/kernels/losses.ts) against the composites of ops they replace (renormalise,
// clip, log, multiply, sum, negate, differentiated by the tape; argMax, equal, cast): values and
// gradients for yPred and yTrue, rows that hit both clip bounds, unnormalised and rank-3 inputs,
// soft labels, NaN/-Infinity/tied rows for the accuracy; js and wasm bit for bit; finite
// differences; no leaks.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import * as losses from '../../src/losses/index.js';
import * as metrics from '../../src/metrics/index.js';
import { EPSILON } from '../../src/losses/index.js';
import { checkNoLeaks, expectClose, gradCheck, randArray, withBackend } from '../helpers.js';

/** The composite Keras formula, op by op (what crossentropy() ran before the fusion). */
function composite(t: sg.Tensor, p: sg.Tensor): sg.Tensor {
  const q = sg.clipByValue(sg.div(p, sg.sum(p, -1, true)), EPSILON, 1 - EPSILON);
  return sg.neg(sg.sum(sg.mul(t, sg.log(q)), -1));
}

interface Case {
  name: string;
  shape: number[];
  t: Float32Array;
  p: Float32Array;
}

function oneHot(rows: number, C: number, seed: number): Float32Array {
  const v = new Float32Array(rows * C);
  const r = randArray(rows, seed, 0, C);
  for (let i = 0; i < rows; i++) v[i * C + Math.floor(r[i])] = 1;
  return v;
}

const CASES: Case[] = [
  { name: 'one-hot, softmax-like rows [6, 10]', shape: [6, 10], t: oneHot(6, 10, 1), p: randArray(60, 2, 0.01, 1) },
  { name: 'unnormalised, rank 3 [2, 3, 7]', shape: [2, 3, 7], t: oneHot(6, 7, 3), p: randArray(42, 4, 0.1, 5) },
  { name: 'soft labels [4, 5]', shape: [4, 5], t: randArray(20, 5, 0, 1), p: randArray(20, 6, 0.05, 0.95) },
  {
    name: 'rows at both clip bounds [3, 4]',
    shape: [3, 4],
    // row 0: a zero probability (clipped to 1e-7) with its label on it; row 1: one class holds
    // everything (clipped to 1 - 1e-7); row 2: ordinary
    t: Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0.5, 0.5, 0]),
    p: Float32Array.from([0, 0.5, 0.3, 0.2, 0, 1, 0, 0, 0.1, 0.2, 0.3, 0.4]),
  },
];

function run(c: Case, f: (t: sg.Tensor, p: sg.Tensor) => sg.Tensor) {
  const t = sg.tensor(c.t, c.shape);
  const p = sg.tensor(c.p, c.shape);
  const w = sg.tensor(randArray(c.t.length / c.shape[c.shape.length - 1], 9, 0.5, 1.5), c.shape.slice(0, -1));
  const value = sg.tidy(() => f(t, p));
  const [gt, gp] = sg.grads((a: sg.Tensor, b: sg.Tensor) => sg.sum(sg.mul(f(a, b), w)))([t, p]);
  const out = {
    value: value.dataSync().slice() as Float32Array,
    gt: gt.dataSync().slice() as Float32Array,
    gp: gp.dataSync().slice() as Float32Array,
  };
  sg.dispose([t, p, w, value, gt, gp]);
  return out;
}

describe('fused categorical cross-entropy', () => {
  checkNoLeaks();

  for (const c of CASES) {
    it(`${c.name}: js and wasm equal the composite (values, d/dyPred, d/dyTrue); wasm equals js bit for bit (values, d/dyPred)`, async () => {
      const fused = (t: sg.Tensor, p: sg.Tensor) => losses.categoricalCrossentropy(t, p);
      const js = await withBackend('js', () => run(c, fused));
      const wasm = await withBackend('wasm', () => run(c, fused));
      const ref = await withBackend('js', () => run(c, composite));
      expectClose(js.value, ref.value, 1e-6, 1e-6);
      expectClose(js.gp, ref.gp, 1e-5, 1e-5);
      expectClose(js.gt, ref.gt, 1e-5, 1e-6);
      expect(Array.from(wasm.value)).toEqual(Array.from(js.value));
      expect(Array.from(wasm.gp)).toEqual(Array.from(js.gp));
      // d/dyTrue is composed of ops (wasm's log differs from js's in the last bits)
      expectClose(wasm.gt, js.gt, 1e-5, 1e-6);
    });
  }

  it('classes with t = 0 skip the log and give the bits of the full sum (NaN and its payload kept, -0 labels, Infinity, zero rows)', async () => {
    // the kernel's formula with every term taken (what it computed before skipping t = 0), in float64
    const full = (t: Float32Array, p: Float32Array, C: number) => {
      const lo = Math.fround(EPSILON); // the kernel's attributes (src/losses/fused.ts)
      const hi = Math.fround(1 - EPSILON);
      const out = new Float32Array(t.length / C);
      for (let r = 0; r < out.length; r++) {
        let s = 0;
        for (let j = 0; j < C; j++) s += p[r * C + j];
        let loss = 0;
        for (let j = 0; j < C; j++) {
          const q = p[r * C + j] / s;
          loss -= t[r * C + j] * Math.log(q < lo ? lo : q > hi ? hi : q);
        }
        out[r] = loss;
      }
      return out;
    };
    const C = 4;
    const tv = Float32Array.from([
      1, 0, 0, 0, // ordinary
      0, 1, 0, 0, // NaN under a t = 0 class: NaN
      -0, 0, 1, 0, // a -0 label
      0, 0, 0, 1, // Infinity in the row: q is NaN for it and 0 for the rest
      0, 0, 0, 0, // no label at all: 0
      0.25, 0, 0.75, 0, // soft labels with zeros
      0, 1, 0, 0, // a zero row (s = 0: every q NaN)
      1, 0, 0, 0, // negative and zero probabilities (q beyond both clip bounds)
    ]);
    const pv = Float32Array.from([
      0.1, 0.2, 0.3, 0.4,
      0.1, 0.2, NaN, 0.4,
      0.5, 0.25, 0.125, 0.125,
      0.1, Infinity, 0.3, 0.4,
      0.1, 0.2, 0.3, 0.4,
      0.7, 0.1, 0.1, 0.1,
      0, 0, 0, 0,
      2, -1, 0, 0.5,
    ]);
    const want = Array.from(new Uint32Array(full(tv, pv, C).buffer));
    for (const backend of ['js', 'wasm']) {
      const got = await withBackend(backend, () => {
        const v = sg.tidy(() => losses.categoricalCrossentropy(sg.tensor(tv, [8, C]), sg.tensor(pv, [8, C])));
        const out = Array.from(new Uint32Array(Float32Array.from(v.dataSync()).buffer));
        v.dispose();
        return out;
      });
      expect(got, backend).toEqual(want);
    }
    expect(Number.isNaN(full(tv, pv, C)[1])).toBe(true);
  });

  it('the clip bounds hold: a zero probability under the label costs -log(1e-7), and its gradient is 0 there', () => {
    const t = sg.tensor([[1, 0]]);
    const p = sg.tensor([[0, 1]]);
    const v = losses.categoricalCrossentropy(t, p);
    expectClose(v.dataSync(), [-Math.log(Math.fround(1e-7))], 1e-6);
    const g = sg.grad((q: sg.Tensor) => sg.sum(losses.categoricalCrossentropy(t, q)))(p);
    expect(Array.from(g.dataSync())).toEqual([0, 0]);
    sg.dispose([t, p, v, g]);
  });

  it('gradient with respect to yPred against finite differences (wasm)', async () => {
    await sg.setBackend('wasm');
    const t = sg.tensor(oneHot(3, 4, 7), [3, 4]);
    const p = sg.tensor(randArray(12, 8, 0.2, 1), [3, 4]);
    gradCheck((q) => losses.categoricalCrossentropy(t, q), [p]);
    sg.dispose([t, p]);
  });

  it('categoricalAccuracy: the fused kernel equals argMax/equal/cast (NaN as -Infinity, first of ties, all-NaN rows, int32 labels)', async () => {
    const rows: number[][] = [
      [0.1, 0.7, 0.2], [0.5, 0.5, 0], [NaN, 0.2, 0.1], [NaN, NaN, NaN], [-Infinity, -Infinity, -1],
      [0.3, NaN, 0.3], [1, 0, 0], [0, 0, 1], [Infinity, 2, Infinity],
    ];
    const labels = [1, 1, 1, 0, 2, 0, 2, 2, 0];
    const p = rows.flat();
    const tOneHot = labels.flatMap((l) => [0, 1, 2].map((j) => (j === l ? 1 : 0)));
    const want = [1, 0, 1, 1, 1, 1, 0, 1, 1]; // argMax by the op's rule, compared with the label
    for (const backend of ['js', 'wasm']) {
      await withBackend(backend, () => {
        for (const dtype of ['float32', 'int32'] as const) {
          const t = sg.tensor(tOneHot, [9, 3], dtype);
          const q = sg.tensor(p, [9, 3]);
          const fused = metrics.categoricalAccuracy(t, q);
          const composite = sg.tidy(() => sg.cast(sg.equal(sg.argMax(t, -1), sg.argMax(q, -1)), 'float32'));
          expect(Array.from(fused.dataSync())).toEqual(want);
          expect(Array.from(composite.dataSync())).toEqual(want);
          sg.dispose([t, q, fused, composite]);
        }
        // rank 3: per [batch, step]
        const t3 = sg.tensor(tOneHot.slice(0, 18), [2, 3, 3]);
        const p3 = sg.tensor(p.slice(0, 18), [2, 3, 3]);
        const a3 = metrics.categoricalAccuracy(t3, p3);
        expect(a3.shape).toEqual([2, 3]);
        expect(Array.from(a3.dataSync())).toEqual(want.slice(0, 6));
        sg.dispose([t3, p3, a3]);
      });
    }
  });
});
