// lstmSequence without returnSequences under a gradient tape: its gradient reaches the backward
// kernel as the last step's dh and dc alone ([batch, 1, units], attr lastOnly) instead of
// [batch, T, units] tensors that are zero at every other step (the padded gradient of the
// last-step slices). Compared with the padded path (the same layer with returnSequences, h and c
// taken from its result), on js and wasm, with masks, recurrent masks and goBackwards, with and
// without c in the loss, with a recurrent kernel that takes no gradient, without a bias; the bias
// gradient comes from the kernel's per-row sums of dG (attr biasRows); bits across row cuts.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { lstmSequence, type RnnSequenceOptions } from '../src/ops/rnn.js';
import { ENGINE } from '../src/engine/engine.js';
import type { Attrs, KernelFunc, TensorInfo } from '../src/backends/backend.js';
import { checkNoLeaks, expectClose, rand, take, withBackend, withRowCuts } from './helpers.js';

const [B, T, I, U] = [5, 4, 3, 6];

interface Case {
  goBackwards?: boolean;
  mask?: boolean;
  recMask?: boolean;
  /** c left out of the loss: its gradient never reached (zeros in its half of dy). */
  noC?: boolean;
}

function inputs(seed: number): sg.Tensor[] {
  return [
    rand([B, T, I], seed),
    rand([I, 4 * U], seed + 1, -0.5, 0.5),
    rand([U, 4 * U], seed + 2, -0.5, 0.5),
    rand([4 * U], seed + 3, -0.3, 0.3),
    rand([B, U], seed + 4, -0.5, 0.5),
    rand([B, U], seed + 5, -0.5, 0.5),
  ];
}

/** Skips step 1 of row 0 and the last step of the last row (the one the gradient enters at). */
function maskOf(): sg.Tensor {
  const m = new Float32Array(B * T).fill(1);
  m[1] = 0;
  m[B * T - 1] = 0;
  return sg.tensor(m, [B, T]);
}

/** The attrs and dh shapes of every LstmSequenceGrad call while `fn` runs. */
function spyGrad<R>(fn: () => R): { res: R; calls: { lastOnly: boolean; biasRows: boolean; dhShape: number[] }[] } {
  const kernels = (ENGINE.backend as unknown as { kernels: Map<string, KernelFunc> }).kernels;
  const k = kernels.get('LstmSequenceGrad')!;
  const calls: { lastOnly: boolean; biasRows: boolean; dhShape: number[] }[] = [];
  kernels.set('LstmSequenceGrad', (ins: TensorInfo[], attrs: Attrs, be: unknown) => {
    calls.push({ lastOnly: !!attrs.lastOnly, biasRows: !!attrs.biasRows, dhShape: ins[ins.length - 2].shape.slice() });
    return k(ins, attrs, be as never);
  });
  try {
    return { res: fn(), calls };
  } finally {
    kernels.set('LstmSequenceGrad', k);
  }
}

/**
 * Gradients of sum(h * w1) (+ sum(c * w2)) for x, kernel, bias, h0, c0 and (unless `frozenRk`)
 * the recurrent kernel; `padded`: h and c from a returnSequences call (the padded path).
 */
function gradsOf(
  ts: sg.Tensor[],
  c: Case,
  padded: boolean,
  frozenRk = false,
): { grads: number[][]; lastOnly: boolean[]; biasRows: boolean[] } {
  const mask = c.mask ? maskOf() : undefined;
  const rm = c.recMask ? sg.tensor(new Float32Array(B * U).map((_, i) => (i % 4 === 2 ? 0 : 1.25)), [B, U]) : undefined;
  const opts: RnnSequenceOptions = { goBackwards: c.goBackwards, returnSequences: padded, mask, recurrentMask: rm };
  const w1 = rand([B, U], 91, 0.5, 1.5);
  const w2 = rand([B, U], 92, 0.5, 1.5);
  const [x, k, rk, b, h0, c0] = ts;
  const loss = (xx: sg.Tensor, kk: sg.Tensor, rr: sg.Tensor, bb: sg.Tensor, hh: sg.Tensor, cc: sg.Tensor) => {
    const r = lstmSequence(xx, kk, rr, bb, hh, cc, opts);
    const l = sg.sum(sg.mul(r.h, w1));
    return c.noC ? l : sg.add(l, sg.sum(sg.mul(r.c, w2)));
  };
  const { res, calls } = spyGrad(() =>
    frozenRk
      ? sg.grads((xx, kk, bb, hh, cc) => loss(xx, kk, rk, bb, hh, cc))([x, k, b, h0, c0])
      : sg.grads((xx, kk, rr, bb, hh, cc) => loss(xx, kk, rr, bb, hh, cc))(ts),
  );
  sg.dispose([w1, w2, mask, rm].filter((t): t is sg.Tensor => !!t));
  for (const call of calls) expect(call.dhShape).toEqual(call.lastOnly ? [B, 1, U] : [B, T, U]);
  return { grads: res.map(take), lastOnly: calls.map((call) => call.lastOnly), biasRows: calls.map((call) => call.biasRows) };
}

const CASES: Case[] = [{}, { noC: true }, { goBackwards: true, mask: true }, { mask: true, recMask: true, noC: true }];

describe('lstmSequence: the last step gradient without padding', () => {
  checkNoLeaks();

  for (const backend of ['js', 'wasm']) {
    it.each(CASES.map((c) => [JSON.stringify(c), c] as const))(`${backend}: %s equals the padded path`, async (_, c) => {
      const ts = inputs(17);
      const [last, padded] = await withBackend(backend, () => [gradsOf(ts, c, false), gradsOf(ts, c, true)]);
      expect(last.lastOnly).toEqual([true]);
      expect(last.biasRows).toEqual([true]); // the bias gradient from the kernel's per-row sums
      expect(padded.lastOnly).toEqual([false]);
      expect(last.grads.length).toBe(6);
      last.grads.forEach((g, i) => expectClose(g, padded.grads[i], 1e-6, 1e-7));
      sg.dispose(ts);
    });
  }

  it('wasm matches the js oracle; a recurrent kernel outside the gradient changes no other gradient', async () => {
    const ts = inputs(23);
    const c: Case = { goBackwards: true, mask: true, recMask: true };
    const wasm = await withBackend('wasm', () => gradsOf(ts, c, false).grads);
    const js = await withBackend('js', () => gradsOf(ts, c, false).grads);
    wasm.forEach((g, i) => expectClose(g, js[i], 2e-4, 2e-5));
    const frozen = await withBackend('wasm', () => gradsOf(ts, c, false, true));
    expect(frozen.lastOnly).toEqual([true]);
    // x, kernel, bias, h0, c0 of the full list (which also has the recurrent kernel's, index 2)
    expect(frozen.grads).toEqual([wasm[0], wasm[1], wasm[3], wasm[4], wasm[5]]);
    sg.dispose(ts);
  });

  it('without a bias (useBias false): the same gradients as the padded path, no per-row sums', async () => {
    const ts = inputs(37);
    const [x, k, rk, , h0, c0] = ts;
    for (const backend of ['js', 'wasm']) {
      const [last, padded] = await withBackend(backend, () =>
        [false, true].map((returnSequences) =>
          spyGrad(() =>
            sg.grads((xx, kk, rr, hh, cc) => {
              const r = lstmSequence(xx, kk, rr, null, hh, cc, { returnSequences });
              return sg.add(sg.sum(sg.square(r.h)), sg.sum(r.c));
            })([x, k, rk, h0, c0]),
          ),
        ),
      );
      expect(last.calls.map((cl) => [cl.lastOnly, cl.biasRows])).toEqual([[true, false]]);
      const a = last.res.map(take);
      const e = padded.res.map(take);
      a.forEach((g, i) => expectClose(g, e[i], 1e-6, 1e-7));
    }
    sg.dispose(ts);
  });

  it('a mask computed from x on the tape takes a zero gradient; x gets the padded path\'s', async () => {
    const ts = inputs(41);
    const [x, k, rk, b, h0, c0] = ts;
    for (const backend of ['js', 'wasm']) {
      const [last, padded] = await withBackend(backend, () =>
        [false, true].map((returnSequences) =>
          spyGrad(() =>
            sg.grads((xx) => {
              // row 0's step 2 is all zeros: masked
              const xz = sg.mul(xx, sg.tensor(Float32Array.from({ length: B * T * I }, (_, i) => (i >= 2 * I && i < 3 * I ? 0 : 1)), [B, T, I]));
              // 0/1 from x through float arithmetic, so the tape differentiates it too
              const mask = sg.sign(sg.sum(sg.abs(xz), -1));
              const r = lstmSequence(xz, k, rk, b, h0, c0, { returnSequences, mask });
              return sg.add(sg.sum(sg.square(r.h)), sg.sum(r.c));
            })([x]),
          ),
        ),
      );
      expect(last.calls.map((cl) => cl.lastOnly)).toEqual([true]);
      expectClose(take(last.res[0]), take(padded.res[0]), 1e-6, 1e-7);
    }
    sg.dispose(ts);
  });

  it('is bit-identical however the batch rows are cut (wasm)', async () => {
    await withBackend('wasm', () => {
      const results: number[][][] = [];
      let pieces = 0;
      for (const cuts of [[0, B], [0, 1, 4, B], [0, 3, B]]) {
        const run = withRowCuts((fn) => fn === 'lstmBackwardF32', cuts, () => {
          const ts = inputs(29);
          results.push(gradsOf(ts, { goBackwards: true, mask: true, recMask: true }, false).grads);
          sg.dispose(ts);
        });
        pieces += run.pieces;
      }
      expect(pieces).toBe(1 + 3 + 2);
      for (let i = 1; i < results.length; i++) expect(results[i]).toEqual(results[0]);
    });
  });

  it('runs the plain path off the tape (inference) with the same values', async () => {
    await withBackend('wasm', () => {
      const ts = inputs(31);
      const [x, k, rk, b, h0, c0] = ts;
      const r = lstmSequence(x, k, rk, b, h0, c0);
      const seq = lstmSequence(x, k, rk, b, h0, c0, { returnSequences: true });
      let onTape: number[][] = [];
      const [dx] = sg.grads((xx) => {
        const t = lstmSequence(xx, k, rk, b, h0, c0);
        // the tape's path gives the same h and c
        onTape = [take(sg.clone(t.h)), take(sg.clone(t.c))];
        return sg.sum(t.h);
      })([x]);
      expect(onTape).toEqual([Array.from(r.h.dataSync()), Array.from(r.c.dataSync())]);
      expect(take(r.h)).toEqual(take(seq.h));
      expect(take(r.c)).toEqual(take(seq.c));
      sg.dispose([dx, seq.output, ...ts]);
    });
  });
});
