// The fused attention op (sg.dotProductAttention, kernels 'Attention' / 'AttentionGrad'): the wasm
// kernel against the js oracle, both against the composite of matMul/softmax/where written in
// src/ops/attention.ts (values and dQ, dK, dV) with padding, causal, explicit and additive masks,
// rows with every key masked in both of Keras' conventions; finite differences; bit-identical
// results however the thread pool cuts the rows or heads (uneven chunks and real threads); Keras'
// ops.dot_product_attention itself in attention_keras.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import { attentionComposite, type DotProductAttentionArgs } from '../../src/ops/attention.js';
import type { WasmBackend } from '../../src/backends/wasm/index.js';
import { setThreads } from '../../src/threads.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, randArray, withBackend } from '../helpers.js';

/** Odd sizes: 7 query rows (a 4-row block and 3), 9 keys, head size 5 (8 + tail), value size 6. */
const [B, T, S, N, H, HV] = [2, 7, 9, 3, 5, 6];

/** A [B, 1, T, S] 0/1 mask with some zeros and one row (b 1, t 2) masked everywhere. */
function maskValues(): Float32Array {
  const m = new Float32Array(B * T * S).map((_, i) => ((i * 7) % 5 === 0 ? 0 : 1));
  m.fill(0, (1 * T + 2) * S, (1 * T + 3) * S);
  return m;
}

type Case = [string, (m: sg.Tensor, bias: sg.Tensor) => DotProductAttentionArgs];
const CASES: Case[] = [
  ['plain', () => ({})],
  ['causal', () => ({ isCausal: true })],
  ['mask, empty rows uniform', (m) => ({ mask: m })],
  ['mask, empty rows zeros', (m) => ({ mask: m, emptyRows: 'zeros' })],
  ['mask and causal', (m) => ({ mask: m, isCausal: true, emptyRows: 'zeros' })],
  ['bias per head, scale 0.7', (_m, b) => ({ bias: b, scale: 0.7 })],
  ['key padding mask [B,1,1,S] and bias', (m, b) => ({ mask: sg.slice(m, [0, 0, 0, 0], [B, 1, 1, S]), bias: b })],
];

/** Output and the gradients of sum(out * w) with respect to q, k, v. */
function valueAndGrads(
  f: (q: sg.Tensor, k: sg.Tensor, v: sg.Tensor) => sg.Tensor,
  q: sg.Tensor,
  k: sg.Tensor,
  v: sg.Tensor,
): number[][] {
  return sg.tidy(() => {
    const w = rand([B, T, N, HV], 77, 0.5, 1.5);
    const out = f(q, k, v);
    const g = sg.grads((a: sg.Tensor, b: sg.Tensor, c: sg.Tensor) => sg.sum(sg.mul(f(a, b, c), w)))([q, k, v]);
    return [out, ...g].map((t) => Array.from(t.dataSync()));
  });
}

function inputs() {
  return {
    q: rand([B, T, N, H], 1, -1.5, 1.5),
    k: rand([B, S, N, H], 2, -1.5, 1.5),
    v: rand([B, S, N, HV], 3),
    mask: sg.tensor(maskValues(), [B, 1, T, S]),
    bias: rand([1, N, T, S], 4),
  };
}

/** The composite's attrs for the same arguments (mask/bias already in their 4-d layout). */
function composite(a: DotProductAttentionArgs) {
  return (q: sg.Tensor, k: sg.Tensor, v: sg.Tensor) =>
    attentionComposite(
      q,
      k,
      v,
      a.mask ? sg.broadcastTo(a.mask, [a.mask.shape[0], 1, a.mask.shape[2], S]) : null,
      a.bias ?? null,
      {
        scale: a.scale ?? 1 / Math.sqrt(H),
        causal: a.isCausal ? 1 : 0,
        zeroEmpty: a.emptyRows === 'zeros' ? 1 : 0,
      },
    );
}

describe('dotProductAttention: kernels against the composite and the js oracle', () => {
  checkNoLeaks();

  it.each(CASES.map((c) => [c[0], c] as const))('%s', async (_name, [, argsOf]) => {
    const results: Record<string, number[][]> = {};
    for (const backend of BACKENDS) {
      results[backend] = await withBackend(backend, () => {
        const x = inputs();
        const scope = sg.tidy(() => {
          const a = argsOf(x.mask, x.bias);
          const fused = valueAndGrads((q, k, v) => sg.dotProductAttention(q, k, v, a), x.q, x.k, x.v);
          const ref = valueAndGrads(composite(a), x.q, x.k, x.v);
          fused.forEach((r, i) => expectClose(r, ref[i], 1e-5, 1e-6));
          return fused;
        });
        sg.dispose(Object.values(x));
        return scope;
      });
    }
    // wasm against the js oracle (float64 loops)
    results.wasm.forEach((r, i) => expectClose(r, results.js[i], 1e-5, 1e-6));
  });

  it('a row with every key masked: uniform weights (mean of the values) or zeros, and no logit gradient', async () => {
    for (const backend of BACKENDS) {
      await withBackend(backend, () => {
        const x = inputs();
        sg.tidy(() => {
          const uni = sg.dotProductAttention(x.q, x.k, x.v, { mask: x.mask });
          const zer = sg.dotProductAttention(x.q, x.k, x.v, { mask: x.mask, emptyRows: 'zeros' });
          const row = (t: sg.Tensor) => Array.from(sg.slice(t, [1, 2, 0, 0], [1, 1, N, HV]).dataSync());
          const mean = sg.mean(sg.slice(x.v, [1, 0, 0, 0], [1, S, N, HV]), 1);
          expectClose(row(uni), mean.dataSync(), 1e-6, 1e-7);
          expect(row(zer)).toEqual(new Array(N * HV).fill(0));
          // dQ of that row is 0 in both conventions (the mask cuts the logits off the graph)
          for (const emptyRows of ['uniform', 'zeros'] as const) {
            const [dq] = sg.grads((q: sg.Tensor) =>
              sg.sum(sg.dotProductAttention(q, x.k, x.v, { mask: x.mask, emptyRows })),
            )([x.q]);
            expect(Array.from(sg.slice(dq, [1, 2, 0, 0], [1, 1, N, H]).dataSync())).toEqual(new Array(N * H).fill(0));
          }
        });
        sg.dispose(Object.values(x));
      });
    }
  });

  it('rank-3 inputs are one head; masks of rank 2-4 broadcast; bool, int and float masks agree', async () => {
    for (const backend of BACKENDS) {
      await withBackend(backend, () =>
        sg.tidy(() => {
          const q = rand([B, T, H], 5);
          const k = rand([B, S, H], 6);
          const v = rand([B, S, HV], 7);
          const m2 = sg.tensor(
            Array.from({ length: T * S }, (_, i) => (i % 4 === 1 ? 0 : 1)),
            [T, S],
          );
          const out = sg.dotProductAttention(q, k, v, { mask: m2 });
          expect(out.shape).toEqual([B, T, HV]);
          const four = sg.dotProductAttention(sg.expandDims(q, 2), sg.expandDims(k, 2), sg.expandDims(v, 2), {
            mask: sg.reshape(m2, [1, 1, T, S]),
          });
          expectClose(out.dataSync(), four.dataSync(), 0, 0);
          for (const m of [sg.cast(m2, 'bool'), sg.cast(m2, 'int32'), sg.mul(m2, 3)]) {
            expectClose(sg.dotProductAttention(q, k, v, { mask: m }).dataSync(), out.dataSync(), 0, 0);
          }
        }),
      );
    }
  });

  it('gradients equal finite differences (mask, causal, bias) on every backend', async () => {
    for (const backend of BACKENDS) {
      await withBackend(backend, () => {
        const m = sg.tensor([1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1], [1, 1, 3, 4]);
        const b = rand([1, 2, 3, 4], 8);
        const xs = [rand([1, 3, 2, 3], 9), rand([1, 4, 2, 3], 10), rand([1, 4, 2, 2], 11)];
        gradCheck((q, k, v) => sg.dotProductAttention(q, k, v, { mask: m, isCausal: true, bias: b }), xs, {
          rtol: 2e-2,
          atol: 2e-3,
        });
        sg.dispose([m, b, ...xs]);
      });
    }
  });

  it('a backend without the kernel runs the composite (values and gradients)', async () => {
    await withBackend('js', () => {
      const x = inputs();
      const a: DotProductAttentionArgs = { mask: x.mask, isCausal: true, bias: x.bias };
      const f = (q: sg.Tensor, k: sg.Tensor, v: sg.Tensor) => sg.dotProductAttention(q, k, v, a);
      const fused = valueAndGrads(f, x.q, x.k, x.v);
      const kernels = ENGINE.backend.kernels;
      const saved = kernels.get('Attention')!;
      kernels.delete('Attention');
      try {
        const composed = valueAndGrads(f, x.q, x.k, x.v);
        composed.forEach((r, i) => expectClose(r, fused[i], 1e-5, 1e-6));
      } finally {
        kernels.set('Attention', saved);
        sg.dispose(Object.values(x));
      }
    });
  });

  it('bad input fails naming the op, the argument and the shapes', () =>
    sg.tidy(() => {
      const q = sg.zeros([2, 3, 2, 4]);
      const k = sg.zeros([2, 5, 2, 4]);
      const v = sg.zeros([2, 5, 2, 6]);
      const op = sg.dotProductAttention;
      expect(() => op(q, sg.zeros([2, 5, 2, 3]), v)).toThrow(
        'dotProductAttention: query and key must have one head size but got query [2,3,2,4], key [2,5,2,3], value [2,5,2,6]',
      );
      expect(() => op(q, k, sg.zeros([2, 4, 2, 6]))).toThrow(/one batch size, key and value one length and head count/);
      expect(() => op(q, k, sg.zeros([2, 5, 1, 6]))).toThrow(/one batch size, key and value one length and head count/);
      expect(() => op(sg.zeros([2, 3, 3, 4]), k, v)).toThrow(
        'dotProductAttention: the key/value head count (2) must divide the query head count (3); got query [2,3,3,4], key [2,5,2,4], value [2,5,2,6]',
      );
      expect(() => op(sg.zeros([2, 3, 4]), k, v)).toThrow(/must all have rank 3 .* or 4/);
      expect(() => op(q, k, v, { mask: sg.zeros([2, 2, 3, 4]) })).toThrow(
        "dotProductAttention: 'mask' of shape [2,2,3,4] does not broadcast to [batch, heads, queries, keys] = [2,2,3,5]",
      );
      expect(() => op(q, k, v, { bias: sg.zeros([5]) })).toThrow(/'bias' must have rank 2 to 4/);
      expect(() => op(q, k, v, { scale: NaN })).toThrow(
        "dotProductAttention: 'scale' must be a finite number but is NaN",
      );
      expect(() => op(q, k, v, { emptyRows: 'none' as 'zeros' })).toThrow(/'emptyRows' must be 'uniform' or 'zeros'/);
      expect(() => op(sg.zeros([2, 3, 2, 4], 'int32'), k, v)).toThrow(/argument 'query' must be float32/);
    }));
});

describe('dotProductAttention with fewer key/value heads (grouped-query attention)', () => {
  checkNoLeaks();
  // 6 query heads over 2 or 3 key/value heads (and 1: multi-query), odd sizes as above.
  const NQ = 6;
  const gqaInputs = (K: number) => ({
    q: rand([B, T, NQ, H], 21, -1.5, 1.5),
    k: rand([B, S, K, H], 22, -1.5, 1.5),
    v: rand([B, S, K, HV], 23),
    mask: sg.tensor(maskValues(), [B, 1, T, S]),
    bias: rand([1, NQ, T, S], 24),
  });
  /** Keras' GroupedQueryAttention: ops.repeat(key, N / K, axis=2), then per-head attention. */
  const repeated = (K: number, a: DotProductAttentionArgs) => (q: sg.Tensor, k: sg.Tensor, v: sg.Tensor) => {
    const idx = sg.tensor(
      Array.from({ length: NQ }, (_, h) => Math.floor(h / (NQ / K))),
      [NQ],
      'int32',
    );
    return sg.dotProductAttention(q, sg.gather(k, idx, 2), sg.gather(v, idx, 2), a);
  };
  const grads = (f: (q: sg.Tensor, k: sg.Tensor, v: sg.Tensor) => sg.Tensor, x: ReturnType<typeof gqaInputs>) =>
    sg.tidy(() => {
      const w = rand([B, T, NQ, HV], 77, 0.5, 1.5);
      const out = f(x.q, x.k, x.v);
      const g = sg.grads((a: sg.Tensor, b: sg.Tensor, c: sg.Tensor) => sg.sum(sg.mul(f(a, b, c), w)))([x.q, x.k, x.v]);
      return [out, ...g].map((t) => Array.from(t.dataSync()));
    });

  it.each([1, 2, 3])(
    '%i key/value heads: values and dQ, dK, dV equal the repeated heads, the composite and the js oracle',
    async (K) => {
      const results: Record<string, number[][]> = {};
      for (const backend of BACKENDS) {
        results[backend] = await withBackend(backend, () => {
          const x = gqaInputs(K);
          try {
            const cases: DotProductAttentionArgs[] = [
              {},
              { mask: x.mask, isCausal: true, emptyRows: 'zeros' },
              { mask: x.mask, bias: x.bias },
            ];
            const all: number[][] = [];
            for (const a of cases) {
              const fused = grads((q, k, v) => sg.dotProductAttention(q, k, v, a), x);
              expect(fused[2].length).toBe(B * S * K * H); // dK in the key's own shape
              grads(repeated(K, a), x).forEach((r, i) => expectClose(fused[i], r, 1e-5, 1e-6));
              const comp = grads(
                (q, k, v) =>
                  attentionComposite(
                    q,
                    k,
                    v,
                    a.mask ? sg.broadcastTo(a.mask, [B, 1, T, S]) : null,
                    a.bias ?? null,
                    { scale: 1 / Math.sqrt(H), causal: a.isCausal ? 1 : 0, zeroEmpty: a.emptyRows === 'zeros' ? 1 : 0 },
                  ),
                x,
              );
              comp.forEach((r, i) => expectClose(fused[i], r, 1e-5, 1e-6));
              all.push(...fused);
            }
            return all;
          } finally {
            sg.dispose(Object.values(x));
          }
        });
      }
      results.wasm.forEach((r, i) => expectClose(r, results.js[i], 1e-5, 1e-6));
    },
  );

  it('gradients equal finite differences on every backend', async () => {
    for (const backend of BACKENDS) {
      await withBackend(backend, () => {
        const m = sg.tensor([1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1], [1, 1, 3, 4]);
        const xs = [rand([1, 3, 4, 3], 31), rand([1, 4, 2, 3], 32), rand([1, 4, 2, 2], 33)];
        gradCheck((q, k, v) => sg.dotProductAttention(q, k, v, { mask: m, isCausal: true }), xs, {
          rtol: 2e-2,
          atol: 2e-3,
        });
        sg.dispose([m, ...xs]);
      });
    }
  });

  it('wasm: bit-identical over uneven chunks of rows and key/value heads', async () => {
    await withBackend('wasm', () => {
      const backend = ENGINE.backend as unknown as WasmBackend;
      const original = backend.dispatch;
      const results: number[][][] = [];
      for (const split of [0, 1, 3]) {
        backend.dispatch = function (this: WasmBackend, fn, args, total, rangeAt = args.length, o) {
          if (!/attention/.test(fn) || split === 0) return original.call(this, fn, args, total, rangeAt, o);
          const cuts = [0, Math.min(split, total), Math.min(2 * split + 1, total), total];
          const f = (this.wasm as unknown as Record<string, (...a: number[]) => void>)[fn];
          for (let i = 0; i < cuts.length - 1; i++) {
            if (cuts[i + 1] > cuts[i]) f(...args.slice(0, rangeAt), cuts[i], cuts[i + 1], ...args.slice(rangeAt));
          }
        };
        try {
          const x = gqaInputs(3);
          const r = grads((q, k, v) => sg.dotProductAttention(q, k, v, { mask: x.mask, isCausal: true }), x);
          sg.dispose(Object.values(x));
          results.push(r.map((a) => Array.from(new Uint32Array(Float32Array.from(a).buffer))));
        } finally {
          backend.dispatch = original;
        }
      }
      for (const r of results.slice(1)) expect(r).toEqual(results[0]);
    });
  });
});

describe('dotProductAttention on wasm: bit-identical however the work is cut', () => {
  checkNoLeaks();
  afterAll(() => setThreads(2));

  /** Output and gradients, as bits, for a case with every option on. */
  const run = (opts: DotProductAttentionArgs) =>
    sg.tidy(() => {
      const x = inputs();
      const r = valueAndGrads(
        (q, k, v) => sg.dotProductAttention(q, k, v, { ...opts, mask: x.mask, bias: x.bias }),
        x.q,
        x.k,
        x.v,
      );
      return r.map((a) => Array.from(new Uint32Array(Float32Array.from(a).buffer)));
    });

  it('uneven chunks of query rows (forward) and heads (backward) give the same bits', async () => {
    await withBackend('wasm', () => {
      const backend = ENGINE.backend as unknown as WasmBackend;
      const original = backend.dispatch;
      const results: number[][][][] = [];
      for (const split of [0, 1, 3, 5]) {
        // Run each attention range kernel as several calls over uneven blocks (not multiples of 4).
        backend.dispatch = function (this: WasmBackend, fn, args, total, rangeAt = args.length, o) {
          if (!/attention/.test(fn) || split === 0) return original.call(this, fn, args, total, rangeAt, o);
          const cuts = [0, Math.min(split, total), Math.min(2 * split + 1, total), total];
          const f = (this.wasm as unknown as Record<string, (...a: number[]) => void>)[fn];
          for (let i = 0; i < cuts.length - 1; i++) {
            if (cuts[i + 1] > cuts[i]) f(...args.slice(0, rangeAt), cuts[i], cuts[i + 1], ...args.slice(rangeAt));
          }
        };
        try {
          results.push([run({ isCausal: true }), run({ emptyRows: 'zeros' })]);
        } finally {
          backend.dispatch = original;
        }
      }
      for (const r of results.slice(1)) expect(r).toEqual(results[0]);
    });
  });

  it('one thread and the pool (every call split) give the same bits', async () => {
    await withBackend('wasm', () => {
      const backend = ENGINE.backend as unknown as WasmBackend;
      setThreads(1);
      const one = run({ isCausal: true });
      setThreads(2);
      backend.cutoffOverride = 0;
      const before = backend.threadsInfo().splits;
      try {
        const two = run({ isCausal: true });
        const after = backend.threadsInfo();
        expect(two).toEqual(one);
        // the pool really ran both kernels split (Node always has shared memory)
        expect(after.shared).toBe(true);
        expect(after.splits.attentionForwardF32 ?? 0).toBeGreaterThan(before.attentionForwardF32 ?? 0);
        expect(after.splits.attentionBackwardF32 ?? 0).toBeGreaterThan(before.attentionBackwardF32 ?? 0);
      } finally {
        backend.cutoffOverride = undefined;
      }
    });
  });
});

describe('dotProductAttention forward in full 8-row blocks (wasm) against the js oracle', () => {
  checkNoLeaks();
  // 19 query rows: two full blocks of 8 and one of 3; 13 keys (3 groups of 4 + 1); head size 10
  // (two 4-wide transposes + 2); value size 12 (one 8-column panel + 4). Row 13 (lane 5 of the
  // second block) of batch 1 has every key masked. Masks and biases per row (gathered across the
  // block's lanes) and per key only (one row for all lanes).
  const [B2, T2, S2, N2, H2, HV2] = [2, 19, 13, 2, 10, 12];
  const inputs2 = () => {
    const m = new Float32Array(B2 * T2 * S2).map((_, i) => ((i * 5) % 7 === 0 ? 0 : 1));
    m.fill(0, (1 * T2 + 13) * S2, (1 * T2 + 14) * S2);
    return {
      q: rand([B2, T2, N2, H2], 41, -2, 2),
      k: rand([B2, S2, N2, H2], 42, -2, 2),
      v: rand([B2, S2, N2, HV2], 43),
      mask: sg.tensor(m, [B2, 1, T2, S2]),
      keyMask: sg.tensor(m.slice(0, B2 * S2).map((x, i) => (i % S2 === 4 ? 0 : 1)), [B2, 1, 1, S2]),
      bias: rand([1, N2, T2, S2], 44),
      keyBias: rand([1, N2, 1, S2], 45),
    };
  };
  const cases = (x: ReturnType<typeof inputs2>): DotProductAttentionArgs[] => [
    {},
    { isCausal: true },
    { mask: x.mask },
    { mask: x.mask, emptyRows: 'zeros' },
    { mask: x.keyMask, bias: x.keyBias, scale: 0.3 },
    { mask: x.mask, bias: x.bias, isCausal: true, emptyRows: 'zeros' },
  ];
  const forward = (x: ReturnType<typeof inputs2>) =>
    sg.tidy(() => cases(x).map((a) => Array.from(sg.dotProductAttention(x.q, x.k, x.v, a).dataSync())));

  it('values of every option equal the js oracle', async () => {
    const results: Record<string, number[][]> = {};
    for (const backend of BACKENDS) {
      results[backend] = await withBackend(backend, () => {
        const x = inputs2();
        try {
          return forward(x);
        } finally {
          sg.dispose(Object.values(x));
        }
      });
    }
    results.wasm.forEach((r, i) => expectClose(r, results.js[i], 1e-5, 1e-6));
  });

  it('the same bits however the rows are cut (chunks not multiples of 8)', async () => {
    await withBackend('wasm', () => {
      const backend = ENGINE.backend as unknown as WasmBackend;
      const original = backend.dispatch;
      const bits: number[][][] = [];
      for (const split of [0, 3, 11]) {
        backend.dispatch = function (this: WasmBackend, fn, args, total, rangeAt = args.length, o) {
          if (fn !== 'attentionForwardF32' || split === 0) return original.call(this, fn, args, total, rangeAt, o);
          const f = (this.wasm as unknown as Record<string, (...a: number[]) => void>)[fn];
          for (let s = 0; s < total; s += split) f(...args.slice(0, rangeAt), s, Math.min(total, s + split), ...args.slice(rangeAt));
        };
        const x = inputs2();
        try {
          bits.push(forward(x).map((a) => Array.from(new Uint32Array(Float32Array.from(a).buffer))));
        } finally {
          backend.dispatch = original;
          sg.dispose(Object.values(x));
        }
      }
      for (const r of bits.slice(1)) expect(r).toEqual(bits[0]);
    });
  });
});

describe('dotProductAttention with NaN and infinite inputs: as Keras (softmax, then the product with V)', () => {
  checkNoLeaks();
  // Sizes of the 8-row block path (two full blocks and one of 3). Keras' ops.dot_product_attention
  // computes softmax(where(mask, logits, -big)) then its product with V: a kept NaN logit makes its
  // row NaN (the max is NaN), a masked NaN logit is dropped, and a weight 0 times a NaN or infinite
  // value is NaN. attentionComposite is written the same way and is the reference here.
  const [B3, T3, S3, N3, H3, HV3] = [2, 19, 13, 2, 10, 12];
  const at = (b: number, t: number, n: number, c: number, D: number, R = T3) => ((b * R + t) * N3 + n) * D + c;
  const inputs3 = () => {
    const q = randArray(B3 * T3 * N3 * H3, 51, -2, 2);
    // batch 0, row 5, head 1: every logit NaN (a NaN feature of q)
    q[at(0, 5, 1, 0, H3)] = NaN;
    const vBad = randArray(B3 * S3 * N3 * HV3, 53);
    // causally masked for most rows: key 12 (NaN) of batch 0, head 0, column 3; key 9 (+Inf) of batch 1, head 1, column 0
    vBad[at(0, 12, 0, 3, HV3, S3)] = NaN;
    vBad[at(1, 9, 1, 0, HV3, S3)] = Infinity;
    const m = new Float32Array(B3 * T3 * S3).map((_, i) => ((i * 5) % 7 === 0 ? 0 : 1));
    m.fill(0, (1 * T3 + 13) * S3, (1 * T3 + 14) * S3); // batch 1, row 13: every key masked
    const bias = randArray(N3 * T3 * S3, 54);
    bias[(0 * T3 + 2) * S3 + 4] = NaN; // head 0, row 2, key 4: masked by causality, dropped
    bias.fill(NaN, (1 * T3 + 10) * S3, (1 * T3 + 11) * S3); // head 1, row 10: every logit NaN
    bias[(0 * T3 + 11) * S3 + 3] = NaN; // head 0, row 11: one NaN logit
    return {
      q: sg.tensor(q, [B3, T3, N3, H3]),
      qClean: rand([B3, T3, N3, H3], 52, -2, 2),
      k: rand([B3, S3, N3, H3], 55, -2, 2),
      v: rand([B3, S3, N3, HV3], 56),
      vBad: sg.tensor(vBad, [B3, S3, N3, HV3]),
      mask: sg.tensor(m, [B3, 1, T3, S3]),
      bias: sg.tensor(bias, [1, N3, T3, S3]),
    };
  };
  type X = ReturnType<typeof inputs3>;
  /** [name, q, v, args] of each case. */
  const cases = (x: X): [string, sg.Tensor, sg.Tensor, DotProductAttentionArgs][] => [
    ['causal, NaN and Inf values at masked keys', x.qClean, x.vBad, { isCausal: true }],
    ['mask and causal, NaN and Inf values', x.qClean, x.vBad, { mask: x.mask, isCausal: true, emptyRows: 'zeros' }],
    ['NaN query row, mask, empty rows zeros', x.q, x.v, { mask: x.mask, emptyRows: 'zeros' }],
    ['NaN query row, mask, empty rows uniform', x.q, x.v, { mask: x.mask }],
    ['NaN biases, causal', x.qClean, x.v, { bias: x.bias, isCausal: true }],
  ];
  const compositeOf = (a: DotProductAttentionArgs) => (q: sg.Tensor, k: sg.Tensor, v: sg.Tensor) =>
    attentionComposite(q, k, v, a.mask ?? null, a.bias ?? null, {
      scale: 1 / Math.sqrt(H3),
      causal: a.isCausal ? 1 : 0,
      zeroEmpty: a.emptyRows === 'zeros' ? 1 : 0,
    });
  /** Per case: the output, then (withGrads) dQ, dK, dV of sum(out * w). */
  const run = (x: X, withGrads: boolean) =>
    sg.tidy(() =>
      cases(x).map(([, q, v, a]) => {
        const f = (qq: sg.Tensor, kk: sg.Tensor, vv: sg.Tensor) => sg.dotProductAttention(qq, kk, vv, a);
        const r = [Array.from(f(q, x.k, v).dataSync())];
        if (withGrads) {
          const w = rand([B3, T3, N3, HV3], 57, 0.5, 1.5);
          const g = sg.grads((qq: sg.Tensor, kk: sg.Tensor, vv: sg.Tensor) => sg.sum(sg.mul(f(qq, kk, vv), w)))([q, x.k, v]);
          r.push(...g.map((t) => Array.from(t.dataSync())));
        }
        return r;
      }),
    );

  it('every backend equals the composite and the js oracle (NaN where Keras gives NaN)', async () => {
    const results: Record<string, number[][][]> = {};
    for (const backend of BACKENDS) {
      results[backend] = await withBackend(backend, () => {
        const x = inputs3();
        try {
          const ref = sg.tidy(() => cases(x).map(([, q, v, a]) => Array.from(compositeOf(a)(q, x.k, v).dataSync())));
          const r = run(x, true);
          r.forEach((c, i) => expectClose(c[0], ref[i], 1e-5, 1e-6));
          return r;
        } finally {
          sg.dispose(Object.values(x));
        }
      });
    }
    results.wasm.forEach((c, i) => c.forEach((r, j) => expectClose(r, results.js[i][j], 1e-5, 1e-6)));
    const [causalV, , nanQZeros, nanQUniform, nanBias] = results.js.map((c) => c[0]);
    const row = (o: number[], b: number, t: number, n: number) => o.slice(at(b, t, n, 0, HV3), at(b, t, n, HV3, HV3));
    // a NaN value at a key a row cannot see still reaches it (weight 0 times NaN), in its column only
    for (let t = 0; t < T3; t++) {
      expect(row(causalV, 0, t, 0)[3]).toBeNaN();
      expect(Number.isFinite(row(causalV, 0, t, 0)[2])).toBe(true);
      expect(Number.isFinite(row(causalV, 1, t, 1)[0])).toBe(false);
    }
    // the NaN query row is NaN in both conventions; the row with every key masked keeps its convention
    expect(row(nanQZeros, 0, 5, 1).every(Number.isNaN)).toBe(true);
    expect(row(nanQUniform, 0, 5, 1).every(Number.isNaN)).toBe(true);
    expect(row(nanQZeros, 1, 13, 0)).toEqual(new Array(HV3).fill(0));
    expect(row(nanQUniform, 1, 13, 0).every(Number.isFinite)).toBe(true);
    expect(row(nanQZeros, 0, 4, 1).every(Number.isFinite)).toBe(true);
    // NaN biases: one kept NaN logit or all of them make the row NaN; a masked one is dropped
    expect(row(nanBias, 0, 10, 1).every(Number.isNaN)).toBe(true);
    expect(row(nanBias, 1, 11, 0).every(Number.isNaN)).toBe(true);
    expect(row(nanBias, 0, 2, 0).every(Number.isFinite)).toBe(true);
  });

  it('gradients with a NaN value past a 32-row block of the wasm backward equal the js oracle', async () => {
    // 40 rows: the wasm backward's first block (rows 0..31) sees keys 0..31 only; key 39's NaN
    // value still reaches every row through dP and rowsum(P dP), as in js and Keras
    const [T4, S4] = [40, 40];
    const vals: Record<string, number[][]> = {};
    for (const backend of BACKENDS) {
      vals[backend] = await withBackend(backend, () =>
        sg.tidy(() => {
          const va = randArray(S4 * 3, 62);
          va[39 * 3 + 1] = NaN;
          const f = (a: sg.Tensor, b: sg.Tensor, c: sg.Tensor) => sg.dotProductAttention(a, b, c, { isCausal: true });
          const w = rand([1, T4, 1, 3], 63, 0.5, 1.5);
          const g = sg.grads((a: sg.Tensor, b: sg.Tensor, c: sg.Tensor) => sg.sum(sg.mul(f(a, b, c), w)))([
            rand([1, T4, 1, 4], 60),
            rand([1, S4, 1, 4], 61),
            sg.tensor(va, [1, S4, 1, 3]),
          ]);
          return g.map((t) => Array.from(t.dataSync()));
        }),
      );
    }
    expect(vals.js[0].every(Number.isNaN)).toBe(true);
    vals.wasm.forEach((r, i) => expectClose(r, vals.js[i], 1e-5, 1e-6));
  });

  it('wasm: the same bits however the rows are cut, NaN inputs included', async () => {
    await withBackend('wasm', () => {
      const backend = ENGINE.backend as unknown as WasmBackend;
      const original = backend.dispatch;
      const bits: number[][][] = [];
      for (const split of [0, 1, 3, 11]) {
        backend.dispatch = function (this: WasmBackend, fn, args, total, rangeAt = args.length, o) {
          if (fn !== 'attentionForwardF32' || split === 0) return original.call(this, fn, args, total, rangeAt, o);
          const f = (this.wasm as unknown as Record<string, (...a: number[]) => void>)[fn];
          for (let s = 0; s < total; s += split) f(...args.slice(0, rangeAt), s, Math.min(total, s + split), ...args.slice(rangeAt));
        };
        const x = inputs3();
        try {
          bits.push(run(x, false).map((c) => Array.from(new Uint32Array(Float32Array.from(c[0]).buffer))));
        } finally {
          backend.dispatch = original;
          sg.dispose(Object.values(x));
        }
      }
      for (const r of bits.slice(1)) expect(r).toEqual(bits[0]);
    });
  });
});
