// tfjs-core's LSTM cell ops: basicLSTMCell and multiRNNCell, composed from concat, matMul,
// slice and the activations (differentiable through them).
import type { TensorLike } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { add, mul } from './binary.js';
import { concat } from './concat.js';
import { matMul } from './matmul.js';
import { slice } from './slice.js';
import { sigmoid, tanh } from './unary.js';
import { toTensor } from './util.js';

type Arg = Tensor | TensorLike;

/** A cell as multiRNNCell takes it: (data, c, h) -> [newC, newH]. */
export type LSTMCellFunc = (data: Tensor, c: Tensor, h: Tensor) => [Tensor, Tensor];

/**
 * One step of a basic LSTM cell, as tfjs' `basicLSTMCell`: with
 * `[i, j, f, o] = split4(concat([data, h], 1) x lstmKernel + lstmBias)`,
 * `newC = sigmoid(i) tanh(j) + c sigmoid(forgetBias + f)` and `newH = tanh(newC) sigmoid(o)`.
 * @param forgetBias a scalar added to the forget gate.
 * @param lstmKernel [inputSize + units, 4 units]; lstmBias [4 units].
 * @param data [batch, inputSize]; c, h [batch, units].
 * @returns [newC, newH].
 * @example const [c1, h1] = sg.basicLSTMCell(1, kernel, bias, x, c0, h0);
 */
export function basicLSTMCell(
  forgetBias: Arg,
  lstmKernel: Arg,
  lstmBias: Arg,
  data: Arg,
  c: Arg,
  h: Arg,
): [Tensor, Tensor] {
  const op = 'basicLSTMCell';
  return ENGINE.tidy(() => {
    const fb = toTensor(forgetBias, 'forgetBias', op);
    const k = toTensor(lstmKernel, 'lstmKernel', op);
    const bias = toTensor(lstmBias, 'lstmBias', op);
    const x = toTensor(data, 'data', op);
    const ct = toTensor(c, 'c', op);
    const ht = toTensor(h, 'h', op);
    if (x.rank !== 2 || ct.rank !== 2 || ht.rank !== 2)
      throw new Error(
        `${op}: data ${fmt(x.shape)}, c ${fmt(ct.shape)} and h ${fmt(ht.shape)} must be [batch, features] matrices`,
      );
    const units = ht.shape[1];
    if (k.rank !== 2 || k.shape[0] !== x.shape[1] + units || k.shape[1] !== 4 * units)
      throw new Error(
        `${op}: lstmKernel must have shape [${x.shape[1] + units}, ${4 * units}] (data ${fmt(x.shape)}, h ${fmt(ht.shape)}) but has ${fmt(k.shape)}`,
      );
    if (ct.shape[0] !== x.shape[0] || ht.shape[0] !== x.shape[0] || ct.shape[1] !== units)
      throw new Error(`${op}: data ${fmt(x.shape)}, c ${fmt(ct.shape)} and h ${fmt(ht.shape)} disagree on batch or units`);
    if (bias.size !== 4 * units)
      throw new Error(`${op}: lstmBias must have ${4 * units} elements but has shape ${fmt(bias.shape)}`);
    if (fb.size !== 1) throw new Error(`${op}: forgetBias must be a scalar but has shape ${fmt(fb.shape)}`);
    const res = add(matMul(concat([x, ht], 1), k), bias);
    const batch = res.shape[0];
    const part = (q: number) => slice(res, [0, q * units], [batch, units]);
    const [i, j, f, o] = [0, 1, 2, 3].map(part);
    const newC = add(mul(sigmoid(i), tanh(j)), mul(ct, sigmoid(add(fb, f))));
    const newH = mul(tanh(newC), sigmoid(o));
    return [newC, newH] as [Tensor, Tensor];
  });
}

/**
 * Runs a stack of LSTM cells for one step, as tfjs' `multiRNNCell`: each cell's new h is the
 * next cell's data.
 * @param lstmCells functions (data, c, h) -> [newC, newH], e.g. basicLSTMCell with its weights bound.
 * @param data the first cell's input, [batch, inputSize].
 * @param c the cells' c states, one per cell ([batch, units]).
 * @param h the cells' h states, one per cell ([batch, units]).
 * @returns [newCs, newHs].
 * @example const [cs, hs] = sg.multiRNNCell([cell1, cell2], x, [c1, c2], [h1, h2]);
 */
export function multiRNNCell(lstmCells: LSTMCellFunc[], data: Arg, c: Arg[], h: Arg[]): [Tensor[], Tensor[]] {
  const op = 'multiRNNCell';
  if (!Array.isArray(lstmCells) || lstmCells.some((f) => typeof f !== 'function'))
    throw new Error(`${op}: lstmCells must be a list of functions`);
  if (!Array.isArray(c) || !Array.isArray(h) || c.length !== lstmCells.length || h.length !== lstmCells.length)
    throw new Error(
      `${op}: c and h must be lists with one state per cell (${lstmCells.length}) but have ${Array.isArray(c) ? c.length : typeof c} and ${Array.isArray(h) ? h.length : typeof h}`,
    );
  return ENGINE.tidy(() => {
    let input = toTensor(data, 'data', op);
    const newC: Tensor[] = [];
    const newH: Tensor[] = [];
    lstmCells.forEach((cell, i) => {
      const [ci, hi] = cell(input, toTensor(c[i], `c[${i}]`, op), toTensor(h[i], `h[${i}]`, op));
      newC.push(ci);
      newH.push(hi);
      input = hi;
    });
    return [newC, newH] as [Tensor[], Tensor[]];
  });
}
