// einsum (tfjs-core name, numpy semantics): explicit ('ij,jk->ik') and implicit ('ij,jk')
// equations, '...' for broadcast dimensions, and labels repeated within one operand (a
// diagonal: 'ii->i'). Composed from gather, transpose, reshape, mul and sum, so gradients come
// from those ops.
import type { TensorLike } from '../engine/dtype.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { mul } from './binary.js';
import { gather } from './gather.js';
import { sum } from './reduce.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';
import { scoped, toTensor } from './util.js';

type Arg = Tensor | TensorLike;

/** The broadcast dimensions of '...' get these labels (not letters, so never clash). */
const ELL = (k: number) => `#${k}`;

/** Splits an operand's subscripts into labels, expanding '...' to `nEll` broadcast labels. */
function labelsOf(op: string, sub: string, rank: number, k: number, equation: string): string[] {
  const parts = sub.split('...');
  if (parts.length > 2) throw new Error(`${op}: operand ${k} of '${equation}' has more than one '...'`);
  for (const p of parts)
    if (!/^[a-zA-Z]*$/.test(p))
      throw new Error(`${op}: operand ${k} of '${equation}' has a subscript other than letters and '...': '${sub}'`);
  const named = parts.join('').length;
  if (parts.length === 1) {
    if (named !== rank)
      throw new Error(`${op}: operand ${k} has subscripts '${sub}' (${named} labels) but rank ${rank}`);
    return [...sub];
  }
  const nEll = rank - named;
  if (nEll < 0)
    throw new Error(`${op}: operand ${k} has subscripts '${sub}' (${named} labels) but rank ${rank}`);
  return [...parts[0], ...Array.from({ length: nEll }, (_, i) => ELL(nEll - 1 - i)), ...parts[1]];
}

/** The diagonal over repeated labels: 'iij' of [n, n, m] -> labels 'ij' of [n, m]. */
function diagonal(t: Tensor, labels: string[]): { t: Tensor; labels: string[] } {
  const uniq = [...new Set(labels)];
  if (uniq.length === labels.length) return { t, labels };
  const dimOf = new Map<string, number>();
  labels.forEach((l, i) => dimOf.set(l, t.shape[i]));
  const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, c) => a * c, 1));
  const outShape = uniq.map((l) => dimOf.get(l)!);
  const total = outShape.reduce((a, c) => a * c, 1);
  const idx = new Int32Array(total);
  const pos = new Array<number>(uniq.length).fill(0);
  for (let o = 0; o < total; o++) {
    let flat = 0;
    labels.forEach((l, i) => (flat += pos[uniq.indexOf(l)] * strides[i]));
    idx[o] = flat;
    for (let d = uniq.length - 1; d >= 0; d--) {
      if (++pos[d] < outShape[d]) break;
      pos[d] = 0;
    }
  }
  return { t: reshape(gather(reshape(t, [-1]), idx), outShape), labels: uniq };
}

/**
 * Einstein summation, as numpy's `einsum` (tfjs-core's name and argument order):
 * - explicit output: 'ij,jk->ik', 'bij,bjk->bik', 'i,i->', 'ij->ji';
 * - implicit output ('ij,jk'): the labels used once, in alphabetical order;
 * - '...' stands for broadcast dimensions ('...ij,...jk->...ik'; sizes 1 broadcast as numpy);
 * - a label repeated in one operand takes the diagonal ('ii->i', 'ii->' is the trace).
 * Any number of operands. Porting note: tfjs 4.22 supports neither '...', nor repeated labels,
 * nor more than two operands; equations it accepts give the same results here.
 * @param equation the subscripts, e.g. 'ij,jk->ik'.
 * @param tensorsIn one tensor per operand in the equation.
 * @example sg.einsum('ij,jk->ik', a, b); // matMul(a, b)
 * @example sg.einsum('...ij,...jk->...ik', a, b); // batched matMul with broadcasting
 */
export const einsum = scoped((equation: string, ...tensorsIn: Arg[]): Tensor => {
  const op = 'einsum';
  if (typeof equation !== 'string') throw new Error(`${op}: equation must be a string but is ${typeof equation}`);
  const eq = equation.replace(/\s/g, '');
  const arrow = eq.split('->');
  if (arrow.length > 2) throw new Error(`${op}: equation '${equation}' has more than one '->'`);
  const ins = arrow[0].split(',');
  if (ins.length !== tensorsIn.length)
    throw new Error(
      `${op}: equation '${equation}' names ${ins.length} operands but ${tensorsIn.length} tensors were given`,
    );
  const ts0 = tensorsIn.map((t, i) => toTensor(t, `tensors[${i}]`, op));
  const labels0 = ins.map((s, k) => labelsOf(op, s, ts0[k].rank, k, equation));
  const ops = ts0.map((t, k) => diagonal(t, labels0[k]));
  const nEll = Math.max(0, ...labels0.map((ls) => ls.filter((l) => l.startsWith('#')).length));
  // Sizes per label; broadcast ('...') labels may be 1 in some operands.
  const size = new Map<string, number>();
  ops.forEach(({ t, labels }, k) =>
    labels.forEach((l, i) => {
      const d = size.get(l);
      const n = t.shape[i];
      const bcast = l.startsWith('#') && (d === 1 || n === 1);
      if (d !== undefined && d !== n && !bcast)
        throw new Error(
          `${op}: ${l.startsWith('#') ? "a '...' dimension" : `label '${l}'`} is ${d} in one operand and ${n} in operand ${k} (shape ${fmt(t.shape)})`,
        );
      size.set(l, d === undefined || d === 1 ? n : d);
    }),
  );
  const ellLabels = Array.from({ length: nEll }, (_, i) => ELL(nEll - 1 - i));
  let out: string[];
  if (arrow.length === 2) {
    const o = arrow[1];
    const parts = o.split('...');
    if (parts.length > 2 || parts.some((p) => !/^[a-zA-Z]*$/.test(p)))
      throw new Error(`${op}: output '${o}' of '${equation}' must be letters with at most one '...'`);
    out = parts.length === 2 ? [...parts[0], ...ellLabels, ...parts[1]] : [...o];
    if (parts.length === 1 && nEll > 0 && ellLabels.some((l) => size.get(l) !== 1))
      throw new Error(`${op}: the operands have '...' dimensions but output '${o}' has no '...'`);
    for (const l of out)
      if (!size.has(l) && !l.startsWith('#')) throw new Error(`${op}: output label '${l}' appears in no operand`);
    if (new Set(out).size !== out.length) throw new Error(`${op}: output '${o}' repeats a label`);
  } else {
    const count = new Map<string, number>();
    labels0.forEach((ls) => ls.forEach((l) => !l.startsWith('#') && count.set(l, (count.get(l) ?? 0) + 1)));
    out = [...ellLabels, ...[...count.keys()].filter((l) => count.get(l) === 1).sort()];
  }
  // Output labels first, then the summed ones; each operand transposed and reshaped to that
  // order (size 1 where it lacks a label), multiplied with broadcasting, then summed.
  const all = [...out, ...[...size.keys()].filter((l) => !out.includes(l))];
  const aligned = ops.map(({ t, labels }) => {
    const present = all.filter((l) => labels.includes(l));
    const perm = present.map((l) => labels.indexOf(l));
    const tt = perm.every((p, i) => p === i) ? t : transpose(t, perm);
    return reshape(
      tt,
      all.map((l) => (labels.includes(l) ? t.shape[labels.indexOf(l)] : 1)),
    );
  });
  let prod = aligned[0];
  for (let i = 1; i < aligned.length; i++) prod = mul(prod, aligned[i]);
  const summed = all.map((_, i) => i).filter((i) => i >= out.length);
  const y = summed.length ? sum(prod, summed) : prod;
  return reshape(
    y,
    out.map((l) => size.get(l) ?? 1),
  );
});
