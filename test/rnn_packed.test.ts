// The wasm recurrent kernels' per-step product over the packed recurrent matrix (rnnPackF32 +
// mmP in assembly/rnn.ts): sizes with several 16-column panels and a ragged last one (21 units:
// an LSTM's 84 gate columns are 5 panels + 4, its backward's 21 columns 1 + 5; a GRU's 63 are
// 3 + 15), an odd batch (row pairs and a lone last row), against the js oracle (forward and every
// gradient), and bit-identical results however the batch rows are cut (the thread-pool contract).
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { gruSequence, lstmSequence, simpleRnnSequence } from '../src/ops/rnn.js';
import { checkNoLeaks, expectClose, rand, take, withBackend, withRowCuts } from './helpers.js';

type Cell = 'lstm' | 'gru' | 'gruResetBefore' | 'simple';
const CELLS: Cell[] = ['lstm', 'gru', 'gruResetBefore', 'simple'];
const [B, T, I, U] = [5, 3, 4, 21];

interface Case {
  goBackwards?: boolean;
  mask?: boolean;
  recMask?: boolean;
}

function inputs(cell: Cell, seed: number): sg.Tensor[] {
  const G = (cell === 'lstm' ? 4 : cell === 'simple' ? 1 : 3) * U;
  const ts = [
    rand([B, T, I], seed),
    rand([I, G], seed + 1, -0.5, 0.5),
    rand([U, G], seed + 2, -0.5, 0.5),
    cell === 'gru' ? rand([2, G], seed + 3, -0.3, 0.3) : rand([G], seed + 3, -0.3, 0.3),
    rand([B, U], seed + 4, -0.5, 0.5),
  ];
  if (cell === 'lstm') ts.push(rand([B, U], seed + 5, -0.5, 0.5));
  return ts;
}

/** Skips step 1 of row 0 and the last step of the last row. */
function maskOf(): sg.Tensor {
  const m = new Float32Array(B * T).fill(1);
  m[1] = 0;
  m[B * T - 1] = 0;
  return sg.tensor(m, [B, T]);
}

function run(cell: Cell, ts: sg.Tensor[], c: Case, mask?: sg.Tensor, rm?: sg.Tensor): sg.Tensor {
  const [x, k, rk, b, h0, c0] = ts;
  const opts = { goBackwards: c.goBackwards, returnSequences: true, mask, recurrentMask: rm };
  const flat = (t: sg.Tensor) => sg.reshape(t, [B, -1]);
  if (cell === 'lstm') {
    const r = lstmSequence(x, k, rk, b, h0, c0, opts);
    return sg.concat([flat(r.output), r.c], 1);
  }
  if (cell === 'simple') return flat(simpleRnnSequence(x, k, rk, b, h0, opts).output);
  return flat(gruSequence(x, k, rk, b, h0, { ...opts, resetAfter: cell === 'gru' }).output);
}

/** Forward values and the gradient of sum(out * w) for every input. */
function valueAndGrads(cell: Cell, ts: sg.Tensor[], c: Case): number[][] {
  const mask = c.mask ? maskOf() : undefined;
  const rm = c.recMask ? sg.tensor(new Float32Array(B * U).map((_, i) => (i % 4 === 2 ? 0 : 1.25)), [B, U]) : undefined;
  const out = sg.tidy(() => run(cell, ts, c, mask, rm));
  const w = rand(out.shape, 91, 0.5, 1.5);
  const grads = sg.grads((...xs) => sg.sum(sg.mul(run(cell, xs, c, mask, rm), w)))(ts);
  sg.dispose([w, mask, rm].filter((t): t is sg.Tensor => !!t));
  return [take(out), ...grads.map(take)];
}

const CASES: Case[] = [{}, { goBackwards: true, mask: true }, { mask: true, recMask: true }];

describe('rnn kernels: product over packed panels (wasm)', () => {
  checkNoLeaks();

  it.each(CELLS.flatMap((cell) => CASES.map((c) => [cell, JSON.stringify(c), c] as const)))(
    '%s %s matches the js oracle',
    async (cell, _, c) => {
      const ts = inputs(cell, 31);
      const wasm = await withBackend('wasm', () => valueAndGrads(cell, ts, c));
      const js = await withBackend('js', () => valueAndGrads(cell, ts, c));
      expect(wasm.length).toBe(js.length);
      wasm.forEach((v, i) => expectClose(v, js[i], 2e-4, 2e-5));
      sg.dispose(ts);
    },
  );

  it('is bit-identical however the rows are cut (lone rows, pairs, a ragged panel)', async () => {
    await withBackend('wasm', () => {
      const results: number[][][] = [];
      let pieces = 0;
      for (const cuts of [[0, B], [0, 1, 4, B], [0, 3, B], [0, 1, 2, 3, 4, B]]) {
        const run = withRowCuts((fn) => /Rnn|lstm|gru/.test(fn) && fn !== 'rnnPackF32', cuts, () => {
          const row: number[][] = [];
          for (const cell of CELLS) {
            const ts = inputs(cell, 7);
            row.push(...valueAndGrads(cell, ts, { goBackwards: true, mask: true, recMask: true }));
            sg.dispose(ts);
          }
          results.push(row);
        });
        pieces += run.pieces;
      }
      // every sequence kernel call (4 cells x two forwards and a backward) ran through the cuts:
      // 1 + 3 + 2 + 5 pieces each
      expect(pieces).toBe(12 * 11);
      for (let i = 1; i < results.length; i++) expect(results[i]).toEqual(results[0]);
    });
  });
});
