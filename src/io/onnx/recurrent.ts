// ONNX converters of the recurrent layers (LSTM, GRU, SimpleRNN), Bidirectional and
// TimeDistributed.
//
// Weights: Keras keeps kernel [features, G*units], recurrent_kernel [units, G*units] and bias
// with gates side by side in columns; ONNX wants W [1, G*units, features], R [1, G*units, units],
// B [1, 2*G*units] (input biases, then recurrent biases). Gate orders: Keras LSTM i f c o, ONNX
// i o f c; GRU is z r h in both. Keras GRU's reset_after (the default) is ONNX's
// linear_before_reset = 1 with the recurrent bias in the second half of B.
import type { LayerWeight } from '../../layers/layer.js';
import type { SymbolicShape } from '../../layers/symbolic.js';
import { floats, type AttrValue } from './proto.js';
import { INT64_MAX, Unsupported, type Converter, type OnnxGraph, type Val } from './graph.js';

interface RnnLike {
  name: string;
  className: string;
  units: number;
  goBackwards: boolean;
  returnSequences: boolean;
  returnState: boolean;
  stateful: boolean;
  activationName: string;
  recurrentActivationName: string;
  resetAfter?: boolean;
  kernel?: LayerWeight;
  recurrentKernel?: LayerWeight;
  bias?: LayerWeight;
}

/** The fused kernels' activation names as ONNX RNN activations (with alpha/beta where needed). */
const RNN_ACT: Record<string, { name: string; alpha?: number; beta?: number }> = {
  tanh: { name: 'Tanh' },
  sigmoid: { name: 'Sigmoid' },
  relu: { name: 'Relu' },
  hardSigmoid: { name: 'HardSigmoid', alpha: 1 / 6, beta: 0.5 },
  linear: { name: 'Affine', alpha: 1, beta: 0 },
};

/** ONNX gate blocks in Keras' column order, per layer class. */
const GATES: Record<string, number[]> = {
  LSTM: [0, 3, 1, 2], // ONNX i o f c <- Keras i f c o
  GRU: [0, 1, 2],
  SimpleRNN: [0],
};

/** Keras [rows, G*U] -> ONNX [1, G*U, rows] with the gate blocks reordered. */
function gateMatrix(w: ArrayLike<number>, rows: number, U: number, order: number[]): Float32Array {
  const G = order.length;
  const out = new Float32Array(G * U * rows);
  order.forEach((kg, og) => {
    for (let u = 0; u < U; u++) {
      const col = kg * U + u;
      const dst = (og * U + u) * rows;
      for (let r = 0; r < rows; r++) out[dst + r] = w[r * G * U + col];
    }
  });
  return out;
}

function gateVector(b: ArrayLike<number>, U: number, order: number[]): Float32Array {
  const out = new Float32Array(order.length * U);
  order.forEach((kg, og) => out.set(Array.from({ length: U }, (_, u) => b[kg * U + u]), og * U));
  return out;
}

function weights(g: OnnxGraph, l: RnnLike): { W: string; R: string; B: string } {
  const U = l.units;
  const order = GATES[l.className];
  const G = order.length;
  const inDim = l.kernel!.shape[0];
  const W = g.floatInit(`${l.name}/W`, () => ({ data: gateMatrix(l.kernel!.variable.dataSync(), inDim, U, order), dims: [1, G * U, inDim] }));
  const R = g.floatInit(`${l.name}/R`, () => ({ data: gateMatrix(l.recurrentKernel!.variable.dataSync(), U, U, order), dims: [1, G * U, U] }));
  const B = g.floatInit(`${l.name}/B`, () => {
    const data = new Float32Array(2 * G * U);
    if (l.bias) {
      const b = l.bias.variable.dataSync();
      if (l.className === 'GRU' && l.resetAfter) {
        data.set(gateVector(b.subarray(0, G * U), U, order), 0);
        data.set(gateVector(b.subarray(G * U), U, order), G * U);
      } else {
        data.set(gateVector(b, U, order), 0);
      }
    }
    return { data, dims: [1, 2 * G * U] };
  });
  return { W, R, B };
}

function activationAttrs(l: RnnLike): Record<string, AttrValue> {
  const names =
    l.className === 'LSTM'
      ? [l.recurrentActivationName, l.activationName, l.activationName]
      : l.className === 'GRU'
        ? [l.recurrentActivationName, l.activationName]
        : [l.activationName];
  const acts = names.map((n) => {
    const a = RNN_ACT[n];
    if (!a) throw new Unsupported(`activation '${n}' has no ONNX recurrent form`);
    return a;
  });
  const attrs: Record<string, AttrValue> = { activations: acts.map((a) => a.name) };
  // alpha/beta are read in order by the activations that take them.
  const alphas = acts.filter((a) => a.alpha !== undefined).map((a) => a.alpha!);
  const betas = acts.filter((a) => a.beta !== undefined).map((a) => a.beta!);
  if (alphas.length) attrs.activation_alpha = floats(alphas);
  if (betas.length) attrs.activation_beta = floats(betas);
  return attrs;
}

export interface RnnOutputs {
  /** [batch, time, units]: in processing order, or flipped when asked. */
  sequence?: string;
  /** Final states [batch, units]: h (and c for LSTM). */
  states: string[];
}

/**
 * One recurrent layer as one ONNX LSTM/GRU/RNN node. `flip`: return the sequence reversed
 * from the layer's own (processing) order, as Bidirectional wants its backward half.
 */
export function rnnNodes(g: OnnxGraph, l: RnnLike, x: Val, initial: string[], flip: boolean): RnnOutputs {
  if (l.stateful) throw new Unsupported('stateful recurrent layers carry state between calls, which an ONNX graph cannot');
  const op = l.className === 'SimpleRNN' ? 'RNN' : l.className;
  const p = l.name;
  const { W, R, B } = weights(g, l);
  // Bidirectional's two layers (and layers sharing an input) share one time-major Transpose.
  const xt = g.transpose(x.name, [1, 0, 2], `${p}/time_major`);
  const ins = [xt, W, R, B];
  if (initial.length) {
    // ONNX inputs: sequence_lens (none), initial_h, initial_c, each [num_directions, batch, units].
    ins.push('', ...initial.map((s, i) => g.op('Unsqueeze', [s, g.i64([0])], {}, `${p}/initial_state${i}`)));
  }
  const attrs: Record<string, AttrValue> = {
    hidden_size: l.units,
    direction: l.goBackwards ? 'reverse' : 'forward',
    ...activationAttrs(l),
  };
  if (l.className === 'GRU') attrs.linear_before_reset = l.resetAfter ? 1 : 0;
  const nOut = l.className === 'LSTM' ? 3 : 2;
  const outs = g.node(op, ins, attrs, `${p}/${op}`, nOut);
  const states = outs.slice(1).map((s, i) => g.op('Squeeze', [s, g.i64([0])], {}, `${p}/state${i}`));
  if (!l.returnSequences && !flip) return { states };
  // Y [time, 1, batch, units] in input time order; a goBackwards layer's own order is reversed.
  let y = g.op('Squeeze', [outs[0], g.i64([1])], {}, `${p}/squeeze_directions`);
  if (l.goBackwards !== flip) y = g.reverse(y, 0, `${p}/reverse_time`);
  return { sequence: g.op('Transpose', [y], { perm: [1, 0, 2] }, `${p}/batch_major`), states };
}

/** The layer's outputs: sequence or last h, then the states with returnState. */
function rnnLayerOutputs(l: RnnLike, r: RnnOutputs): string[] {
  const out = l.returnSequences ? r.sequence! : r.states[0];
  return l.returnState ? [out, ...r.states] : [out];
}

const recurrent: Converter = (g, { layer, inputs }) => {
  const l = layer as RnnLike;
  return rnnLayerOutputs(l, rnnNodes(g, l, inputs[0], inputs.slice(1).map((v) => v.name), false));
};

export const recurrentConverters: Record<string, Converter> = {
  LSTM: recurrent,
  GRU: recurrent,
  SimpleRNN: recurrent,

  Bidirectional: (g, { layer, inputs }) => {
    const l = layer as { name: string; forwardLayer: RnnLike; backwardLayer: RnnLike; mergeMode: string | null };
    const f = l.forwardLayer;
    const b = l.backwardLayer;
    const k = l.forwardLayer.className === 'LSTM' ? 2 : 1;
    const init = inputs.slice(1).map((v) => v.name);
    if (init.length && init.length !== 2 * k) throw new Unsupported(`expected ${2 * k} initial states but got ${init.length}`);
    const seq = f.returnSequences;
    const fr = rnnNodes(g, f, inputs[0], init.slice(0, k), false);
    // The backward layer's sequence is flipped back to input order, as Bidirectional.call does.
    const br = rnnNodes(g, b, inputs[0], init.slice(k), seq);
    const yf = seq ? fr.sequence! : fr.states[0];
    const yb = seq ? br.sequence! : br.states[0];
    const p = l.name;
    let merged: string[];
    switch (l.mergeMode) {
      case 'concat':
        merged = [g.op('Concat', [yf, yb], { axis: -1 }, `${p}/Concat`)];
        break;
      case 'sum':
        merged = [g.op('Add', [yf, yb], {}, `${p}/Add`)];
        break;
      case 'mul':
        merged = [g.op('Mul', [yf, yb], {}, `${p}/Mul`)];
        break;
      case 'ave':
        merged = [g.op('Mul', [g.op('Add', [yf, yb], {}, `${p}/Add`), g.f32([0.5], [])], {}, `${p}/Average`)];
        break;
      default:
        merged = [yf, yb];
    }
    return f.returnState ? [...merged, ...fr.states, ...br.states] : merged;
  },

  TimeDistributed: (g, { layer, inputs: [x], outShapes: [out], convert }) => {
    const l = layer as { name: string; layer: { computeOutputShape(s: SymbolicShape): SymbolicShape | SymbolicShape[] } };
    const p = l.name;
    const stepShape: SymbolicShape = [null, ...x.shape.slice(2)];
    // [batch, time, ...] -> [batch * time, ...], the inner layer, then back.
    const rest = x.shape.slice(2);
    const shape = g.op('Shape', [x.name], {}, `${p}/Shape`);
    const flatShape = rest.every((d) => d !== null)
      ? g.i64([-1, ...(rest as number[])])
      : g.op('Concat', [g.i64([-1]), g.slice(shape, [2], [INT64_MAX], [0], `${p}/step_dims`)], { axis: 0 }, `${p}/flat_shape`);
    const flat = g.op('Reshape', [x.name, flatShape], {}, `${p}/merge_time`);
    const innerOut = l.layer.computeOutputShape(stepShape) as SymbolicShape;
    const [y] = convert(l.layer, [{ name: flat, shape: stepShape, dtype: x.dtype }], [innerOut]);
    const outRest = out.slice(2);
    if (outRest.some((d) => d === null)) throw new Unsupported(`the inner layer's output ${JSON.stringify(innerOut)} must have known dimensions`);
    const back =
      out[1] !== null
        ? g.i64([-1, out[1], ...(outRest as number[])])
        : g.op('Concat', [g.slice(shape, [0], [2], [0], `${p}/batch_time`), g.i64(outRest as number[])], { axis: 0 }, `${p}/out_shape`);
    return [g.op('Reshape', [y, back], {}, `${p}/split_time`)];
  },
};
