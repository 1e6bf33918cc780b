// Fused recurrent ops: lstmSequence, gruSequence, simpleRnnSequence. Each runs a whole sequence:
// the input projection of every time step as one GEMM (fused.matMul over [batch*T, in]), then
// one kernel call for the recurrence (kernel 'LstmSequence' etc.), whose gradient rule beside it
// calls one fused backward-through-time kernel ('LstmSequenceGrad' etc.) and then runs the
// weight-gradient GEMMs over all batch*T rows.
//
// Why the projection is a separate op: x W + b for all steps at once is the one large GEMM of
// a recurrent layer and the engine's tuned GEMM already does it (and its gradient: dx, dW, db
// from the gradient of the projection, which is exactly the gate gradient dG the backward
// kernel returns). The recurrence kernels only deal with what cannot be batched over time.
//
// Why extra outputs ("reserve", as cuDNN calls it): backward needs the activated gates (and
// the LSTM cell states) of every step. The forward kernel writes them as outputs that the
// gradient rule saves, so backward never recomputes the forward pass.
import { ENGINE } from '../engine/engine.js';
import { registerGradient } from '../engine/registry.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { cast } from './cast.js';
import { customGrad } from './env.js';
import { concat } from './concat.js';
import { zeros } from './creation.js';
import { fusedMatMul } from './fused_matmul.js';
import { matMul } from './matmul.js';
import { sum } from './reduce.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { checkFloat, toTensor } from './util.js';

/**
 * Activations the fused kernels compute (by name, as Keras spells them in camelCase):
 * 'hardSigmoid' is Keras 3's relu6(x + 3) / 6, 'hardSigmoidKeras2' Keras 2's and tfjs-layers'
 * clip(0.2 x + 0.5, 0, 1); 'elu' has alpha 1 (the activation function's default). Each one's
 * derivative is a function of its output, which is what backward reads.
 */
export type RnnActivation =
  | 'tanh'
  | 'sigmoid'
  | 'hardSigmoid'
  | 'relu'
  | 'linear'
  | 'hardSigmoidKeras2'
  | 'elu'
  | 'softsign'
  | 'relu6'
  | 'selu'
  | 'softplus'
  | 'exponential';

/**
 * Activation codes shared with assembly/rnn.ts and the js oracle.
 * @category Neural network
 */
export const RNN_ACT: Record<RnnActivation, number> = {
  linear: 0,
  tanh: 1,
  sigmoid: 2,
  hardSigmoid: 3,
  relu: 4,
  hardSigmoidKeras2: 5,
  elu: 6,
  softsign: 7,
  relu6: 8,
  selu: 9,
  softplus: 10,
  exponential: 11,
};

/** Options of {@link lstmSequence}, {@link gruSequence} and {@link simpleRnnSequence}. */
export interface RnnSequenceOptions {
  /** Process the sequence in reverse; the output sequence is in processing order (Keras). */
  goBackwards?: boolean;
  /** Return the whole output sequence [batch, T, units] (default: the last output [batch, units]). */
  returnSequences?: boolean;
  /**
   * Shape [batch, T]; 0 skips a step for that sample (its state and output are carried over from the
   * previous step, as Keras and tfjs-layers do); any dtype, non-zero means "run".
   */
  mask?: Tensor;
  /** [batch, units] multiplied into h_{t-1} before the recurrent product (recurrent dropout). */
  recurrentMask?: Tensor;
  /** Default 'tanh'. */
  activation?: RnnActivation;
  /** Default 'sigmoid' (Keras 2 and 3). Not used by simpleRnnSequence. */
  recurrentActivation?: RnnActivation;
}

/** What {@link lstmSequence} returns: the output and the final states. */
export interface LstmSequenceResult {
  /** [batch, T, units] with returnSequences, else the last output [batch, units]. */
  output: Tensor;
  /** Final hidden state [batch, units]. */
  h: Tensor;
  /** Final cell state [batch, units]. */
  c: Tensor;
}

/** What {@link gruSequence} and {@link simpleRnnSequence} return: the output and the final state. */
export interface GruSequenceResult {
  /** [batch, T, units] with returnSequences, else the last output [batch, units]. */
  output: Tensor;
  /** Final hidden state [batch, units]. */
  h: Tensor;
}

function actCode(op: string, arg: string, name: RnnActivation | undefined, dflt: RnnActivation): number {
  const n = name ?? dflt;
  const code = RNN_ACT[n];
  if (code === undefined) {
    throw new Error(`${op}: ${arg} '${n}' has no fused kernel; supported: ${Object.keys(RNN_ACT).join(', ')}`);
  }
  return code;
}

function checkShape(op: string, arg: string, t: Tensor, want: number[]): void {
  checkFloat(op, arg, t);
  if (t.rank !== want.length || t.shape.some((d, i) => d !== want[i])) {
    throw new Error(`${op}: argument '${arg}' must have shape ${fmt(want)} but has shape ${fmt(t.shape)}`);
  }
}

interface Prepared {
  B: number;
  T: number;
  U: number;
  masks: Tensor[];
  attrs: Record<string, unknown>;
}

/** Validates the common arguments; returns sizes, the float32 masks and the kernel attrs. */
function prepare(
  op: string,
  x: Tensor,
  kernel: Tensor,
  rk: Tensor,
  h0: Tensor,
  gates: number,
  opts: RnnSequenceOptions,
): Prepared {
  checkFloat(op, 'x', x);
  if (x.rank !== 3) throw new Error(`${op}: 'x' must have shape [batch, time, features] but has shape ${fmt(x.shape)}`);
  const [B, T, I] = x.shape;
  if (T < 1) throw new Error(`${op}: the sequence is empty (x has shape ${fmt(x.shape)})`);
  if (rk.rank !== 2 || rk.shape[1] !== gates * rk.shape[0]) {
    throw new Error(`${op}: 'recurrentKernel' must have shape [units, ${gates}*units] but has shape ${fmt(rk.shape)}`);
  }
  const U = rk.shape[0];
  checkShape(op, 'recurrentKernel', rk, [U, gates * U]);
  checkShape(op, 'kernel', kernel, [I, gates * U]);
  checkShape(op, 'h0', h0, [B, U]);
  const masks: Tensor[] = [];
  if (opts.mask) {
    const m = toTensor(opts.mask, 'mask', op);
    if (m.rank !== 2 || m.shape[0] !== B || m.shape[1] !== T) {
      throw new Error(`${op}: 'mask' must have shape ${fmt([B, T])} but has shape ${fmt(m.shape)}`);
    }
    masks.push(m.dtype === 'float32' ? m : cast(cast(m, 'bool'), 'float32'));
  }
  if (opts.recurrentMask) {
    checkShape(op, 'recurrentMask', toTensor(opts.recurrentMask, 'recurrentMask', op), [B, U]);
    masks.push(opts.recurrentMask);
  }
  const attrs = {
    goBackwards: opts.goBackwards ? 1 : 0,
    act: actCode(op, 'activation', opts.activation, 'tanh'),
    recAct: actCode(op, 'recurrentActivation', opts.recurrentActivation, 'sigmoid'),
    hasMask: opts.mask ? 1 : 0,
    hasRecMask: opts.recurrentMask ? 1 : 0,
  };
  return { B, T, U, masks, attrs };
}

/** x [B, T, I] W [I, G] + b as one GEMM over B*T rows, shaped [B, T, G]. */
function project(x: Tensor, kernel: Tensor, bias: Tensor | null): Tensor {
  const [B, T, I] = x.shape;
  const G = kernel.shape[1];
  const xp = fusedMatMul({ a: reshape(x, [B * T, I]), b: kernel, bias: bias ?? undefined });
  return reshape(xp, [B, T, G]);
}

/** The last step of a per-step sequence [B, T, U] as [B, U]. */
function lastStep(seq: Tensor): Tensor {
  const [B, T, U] = seq.shape;
  return reshape(slice(seq, [0, T - 1, 0], [B, 1, U]), [B, U]);
}

const rows = (t: Tensor) => reshape(t, [-1, t.shape[t.rank - 1]]);

// ---- LSTM ----

registerGradient('LstmSequence', {
  saveInputs: [1, 2, 3, 4, 5],
  saveOutputs: true,
  grad: ([dhs, dcs], { inputs, outputs: [hs, cs, gates], attrs }) => {
    const [, rk, h0, c0, ...masks] = inputs;
    let res: Tensor[] | undefined;
    const back = () =>
      (res ??= ENGINE.runKernel('LstmSequenceGrad', [rk, h0, c0, ...masks, hs, cs, gates, dhs, dcs], attrs));
    return [
      () => back()[0],
      () => matMul(rows(back()[1]), rows(back()[0]), true, false),
      () => back()[2],
      () => back()[3],
      null,
      null,
    ];
  },
});

/**
 * A whole LSTM sequence in fused kernels (Keras weight layout, gates i, f, c, o):
 * kernel [in, 4*units], recurrentKernel [units, 4*units], bias [4*units] (or null), initial
 * states h0, c0 [batch, units]. Differentiable with respect to x, the weights and the states.
 * @example
 * const { output, h, c } = sg.lstmSequence(x, kernel, recurrentKernel, bias, h0, c0, { returnSequences: true });
 * @category Neural network
 */
export function lstmSequence(
  x: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  h0: Tensor,
  c0: Tensor,
  opts: RnnSequenceOptions = {},
): LstmSequenceResult {
  const op = 'lstmSequence';
  return ENGINE.tidy(() => {
    const p = prepare(op, x, kernel, recurrentKernel, h0, 4, opts);
    checkShape(op, 'c0', c0, [p.B, p.U]);
    if (bias) checkShape(op, 'bias', bias, [4 * p.U]);
    if (!opts.returnSequences && ENGINE.tape) {
      const hc = lstmLastStates(x, kernel, recurrentKernel, bias, h0, c0, p);
      const h = slice(hc, [0, 0], [p.B, p.U]);
      return { output: h, h, c: slice(hc, [0, p.U], [p.B, p.U]) };
    }
    const xp = project(x, kernel, bias);
    const [hs, cs] = ENGINE.runKernel('LstmSequence', [xp, recurrentKernel, h0, c0, ...p.masks], p.attrs);
    const h = lastStep(hs);
    return { output: opts.returnSequences ? hs : h, h, c: lastStep(cs) };
  });
}

/**
 * [h_T, c_T] ([batch, 2*units]) of an LSTM whose per-step outputs no one reads (returnSequences
 * false, under a gradient tape), with the input projection, as one differentiable node. Its
 * gradient is the last step's dh and dc alone: the backward kernel takes them as [batch, 1, units]
 * (attr lastOnly) instead of [batch, T, units] tensors that are zero at every other step (the
 * padded gradient of lastStep's slices and an unread cs's zeros, ~0.9 ms a call of the LSTM
 * benchmark, B32 T80 U128, on one thread outside any kernel). The same kernel sums each row's dG
 * over its steps (attr biasRows), so the bias gradient adds B rows instead of reading back all
 * B*T rows of dG (a single-thread Reduce of 5 MB, ~0.7 ms there).
 */
function lstmLastStates(
  x: Tensor,
  kernel: Tensor,
  rk: Tensor,
  bias: Tensor | null,
  h0: Tensor,
  c0: Tensor,
  p: Prepared,
): Tensor {
  const { B, T, U, attrs } = p;
  const I = x.shape[2];
  // Decided now (the forward runs off the tape): a gradient GEMM only for what wants one.
  const tape = ENGINE.tape!;
  const need = (t: Tensor) => tape.requires.has(t.id);
  const [needX, needW, needRk, needB] = [need(x), need(kernel), need(rk), !!bias && need(bias)];
  // A mask computed from a differentiated tensor (a Masking layer's) is on the tape too: zeros.
  const needMask = p.masks.map(need);
  const f = customGrad((...args: never[]) => {
    const ins = args.slice(0, -1) as unknown as Tensor[];
    const save = args[args.length - 1] as unknown as (ts: Tensor[]) => void;
    const xp = project(x, kernel, bias);
    const [hs, cs, gates] = ENGINE.runKernel('LstmSequence', [xp, rk, h0, c0, ...p.masks], attrs);
    save([hs, cs, gates, ...ins]);
    return {
      value: concat([lastStep(hs), lastStep(cs)], 1),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [hs2, cs2, gates2, x2, kernel2, rk2, ...rest] = saved;
        const bias2 = bias ? rest.shift()! : null;
        const [h02, c02, ...masks] = rest;
        const dhT = reshape(slice(dy, [0, 0], [B, U]), [B, 1, U]);
        const dcT = reshape(slice(dy, [0, U], [B, U]), [B, 1, U]);
        const [dG, hprev, dh, dc, dbRows] = ENGINE.runKernel(
          'LstmSequenceGrad',
          [rk2, h02, c02, ...masks, hs2, cs2, gates2, dhT, dcT],
          Object.assign({}, attrs, { lastOnly: 1, biasRows: needB ? 1 : 0 }),
        );
        const g = rows(dG);
        // An input the tape does not differentiate never has its entry read (the engine calls
        // only the thunks of inputs that require a gradient): one scalar stands in for all of
        // them instead of zeros of their shapes (x's [batch, T, in] alone is 1.3 MB here).
        let unread: Tensor | undefined;
        const none = () => (unread ??= zeros([]));
        const grads = [
          needX ? reshape(matMul(g, kernel2, false, true), [B, T, I]) : none(),
          needW ? matMul(reshape(x2, [B * T, I]), g, true, false) : none(),
          needRk ? matMul(rows(hprev), g, true, false) : none(),
        ];
        if (bias2) grads.push(needB ? sum(dbRows, 0) : none());
        return [...grads, dh, dc, ...masks.map((m, i) => (needMask[i] ? zeros(m.shape) : none()))];
      },
    };
  });
  return f(...[x, kernel, rk, ...(bias ? [bias] : []), h0, c0, ...p.masks]);
}

// ---- GRU ----

registerGradient('GruSequence', {
  saveInputs: [1, 3, 4, 5],
  saveOutputs: true,
  grad: ([dhs], { inputs, outputs: [hs, gates, recH], attrs, inputInfos }) => {
    const [, rk, , h0, ...masks] = inputs;
    const resetAfter = !!attrs.resetAfter;
    let res: Tensor[] | undefined;
    const back = () =>
      (res ??= ENGINE.runKernel('GruSequenceGrad', [rk, h0, ...masks, hs, gates, recH, dhs], attrs));
    const U = inputInfos[1].shape[0];
    const dRk = () => {
      const [dGx, dGr, hprev] = back();
      if (resetAfter) return matMul(rows(hprev), rows(dGr), true, false);
      const g = rows(dGx);
      const n = g.shape[0];
      return concat(
        [
          matMul(rows(hprev), slice(g, [0, 0], [n, 2 * U]), true, false),
          matMul(rows(recH), slice(g, [0, 2 * U], [n, U]), true, false),
        ],
        1,
      );
    };
    return [
      () => back()[0],
      dRk,
      () => (resetAfter ? sum(rows(back()[1]), 0) : zeros([3 * U])),
      () => back()[3],
      null,
      null,
    ];
  },
});

/** Options of {@link gruSequence}: the common ones and the reset-gate placement. */
export interface GruSequenceOptions extends RnnSequenceOptions {
  /**
   * Apply the reset gate after the recurrent product (Keras 2 and 3 default, true): bias is then
   * [2, 3*units] (input bias, recurrent bias). false: Keras 1 / tfjs-layers, bias [3*units].
   */
  resetAfter?: boolean;
}

/**
 * A whole GRU sequence in fused kernels (Keras layout, gates z, r, h): kernel [in, 3*units],
 * recurrentKernel [units, 3*units], bias [2, 3*units] with resetAfter (default) or [3*units].
 * @example const { output, h } = sg.gruSequence(x, kernel, recurrentKernel, bias, h0);
 * @category Neural network
 */
export function gruSequence(
  x: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  h0: Tensor,
  opts: GruSequenceOptions = {},
): GruSequenceResult {
  const op = 'gruSequence';
  return ENGINE.tidy(() => {
    const p = prepare(op, x, kernel, recurrentKernel, h0, 3, opts);
    const resetAfter = opts.resetAfter ?? true;
    const G = 3 * p.U;
    let inBias: Tensor | null = null;
    let recBias: Tensor;
    if (resetAfter) {
      if (bias) {
        checkShape(op, 'bias', bias, [2, G]);
        inBias = reshape(slice(bias, [0, 0], [1, G]), [G]);
        recBias = reshape(slice(bias, [1, 0], [1, G]), [G]);
      } else {
        recBias = zeros([G]);
      }
    } else {
      if (bias) checkShape(op, 'bias', bias, [G]);
      inBias = bias;
      recBias = zeros([G]);
    }
    const xp = project(x, kernel, inBias);
    const [hs] = ENGINE.runKernel('GruSequence', [xp, recurrentKernel, recBias, h0, ...p.masks],
      Object.assign({}, p.attrs, { resetAfter: resetAfter ? 1 : 0 }),
    );
    const h = lastStep(hs);
    return { output: opts.returnSequences ? hs : h, h };
  });
}

// ---- SimpleRNN ----

registerGradient('SimpleRnnSequence', {
  saveInputs: [1, 2, 3, 4],
  saveOutputs: true,
  grad: ([dhs], { inputs, outputs: [hs], attrs }) => {
    const [, rk, h0, ...masks] = inputs;
    let res: Tensor[] | undefined;
    const back = () =>
      (res ??= ENGINE.runKernel('SimpleRnnSequenceGrad', [rk, h0, ...masks, hs, dhs], attrs));
    return [() => back()[0], () => matMul(rows(back()[1]), rows(back()[0]), true, false), () => back()[2], null, null];
  },
});

/**
 * A whole fully-connected RNN sequence, h = act(x W + h_{t-1} R + b), in fused kernels:
 * kernel [in, units], recurrentKernel [units, units], bias [units] (or null).
 * @example const { output, h } = sg.simpleRnnSequence(x, kernel, recurrentKernel, bias, h0);
 * @category Neural network
 */
export function simpleRnnSequence(
  x: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  h0: Tensor,
  opts: RnnSequenceOptions = {},
): GruSequenceResult {
  const op = 'simpleRnnSequence';
  return ENGINE.tidy(() => {
    const p = prepare(op, x, kernel, recurrentKernel, h0, 1, opts);
    if (bias) checkShape(op, 'bias', bias, [p.U]);
    const xp = project(x, kernel, bias);
    const [hs] = ENGINE.runKernel('SimpleRnnSequence', [xp, recurrentKernel, h0, ...p.masks], p.attrs);
    const h = lastStep(hs);
    return { output: opts.returnSequences ? hs : h, h };
  });
}
