// ONNX converters of the merge layers (src/layers/merge.ts): Add, Subtract, Multiply, Average,
// Maximum, Minimum, Concatenate and Dot.
//
// Porting note: Keras broadcasts inputs of lower rank by inserting unit dimensions after the batch
// one ([b, 5] with [b, 3, 5] is [b, 1, 5]); ONNX broadcasts NumPy's way (dimensions prepended), so
// lower-rank inputs get an Unsqueeze at axes 1.. first. Masked inputs are refused by the exporter
// where they change a merge's values (Multiply, Maximum, Minimum).
import type { SymbolicShape } from '../../layers/symbolic.js';
import { Unsupported, type Converter, type OnnxGraph, type Val } from './graph.js';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

/** The inputs' names, lower ranks lifted Keras' way to the highest rank. */
function lifted(g: OnnxGraph, name: string, inputs: Val[]): string[] {
  const r = Math.max(...inputs.map((v) => v.shape.length));
  return inputs.map((v) =>
    v.shape.length === r ? v.name : g.op('Unsqueeze', [v.name, g.i64(range(r - v.shape.length, 1))], {}, `${name}/expand_rank`),
  );
}

const variadic =
  (op: 'Sum' | 'Max' | 'Min' | 'Mean'): Converter =>
  (g, { layer, inputs }) => {
    const name = (layer as { name: string }).name;
    const xs = lifted(g, name, inputs);
    return [xs.length === 1 ? g.op('Identity', xs, {}, `${name}/Identity`) : g.op(op, xs, {}, `${name}/${op}`)];
  };

/** x / sqrt(max(sum(x^2, axis), 1e-12)), as Keras' normalize. */
function l2Normalize(g: OnnxGraph, x: string, axis: number, p: string): string {
  const ss = g.reduce('ReduceSum', g.op('Mul', [x, x], {}, `${p}/square`), [axis], true, `${p}/sum_squares`);
  const norm = g.op('Sqrt', [g.op('Max', [ss, g.f32([1e-12], [])], {}, `${p}/clamp`)], {}, `${p}/norm`);
  return g.op('Div', [x, norm], {}, `${p}/normalize`);
}

const known = (dims: SymbolicShape, what: string): number[] => {
  if (dims.some((d) => d === null)) throw new Unsupported(`the dimensions ${JSON.stringify(dims)} of ${what} must be known`);
  return dims as number[];
};

/**
 * Keras' batch_dot as simdgrad computes it (src/layers/merge.ts batchDot): the summed axis of x
 * moved last, y's moved to 1, both folded to rank 3, one batched MatMul, then unfolded.
 */
function dot(g: OnnxGraph, l: { name: string; axes: number | [number, number]; normalize: boolean }, [xv, yv]: Val[]): string {
  const p = l.name;
  const r1 = xv.shape.length;
  const r2 = yv.shape.length;
  const [q0, q1] = Array.isArray(l.axes) ? l.axes : [l.axes, l.axes];
  let a0 = q0 < 0 ? q0 + r1 : q0;
  const a1 = q1 < 0 ? q1 + r2 : q1;
  let x = l.normalize ? l2Normalize(g, xv.name, a0, `${p}/x`) : xv.name;
  let y = l.normalize ? l2Normalize(g, yv.name, a1, `${p}/y`) : yv.name;
  let xs = xv.shape.slice();
  let ys = yv.shape.slice();
  if (r1 === 2) {
    x = g.op('Unsqueeze', [x, g.i64([1])], {}, `${p}/x_rank3`);
    xs = [xs[0], 1, xs[1]];
    a0 += 1;
  }
  if (r2 === 2) {
    y = g.op('Unsqueeze', [y, g.i64([2])], {}, `${p}/y_rank3`);
    ys = [ys[0], ys[1], 1];
  }
  if (a0 !== xs.length - 1) {
    const perm = [...range(xs.length).filter((k) => k !== a0), a0];
    x = g.op('Transpose', [x], { perm }, `${p}/x_axis_last`);
    xs = perm.map((k) => xs[k]);
  }
  if (a1 !== 1) {
    const perm = [0, a1, ...range(ys.length).filter((k) => k !== a1 && k !== 0)];
    y = g.op('Transpose', [y], { perm }, `${p}/y_axis_second`);
    ys = perm.map((k) => ys[k]);
  }
  const xMid = xs.slice(1, -1);
  const yTrail = ys.slice(2);
  const fold = xs.length > 3 || ys.length > 3;
  if (fold) {
    x = g.op('Reshape', [x, g.i64([0, -1, known([xs[xs.length - 1]], 'the summed axis')[0]])], {}, `${p}/x_fold`);
    y = g.op('Reshape', [y, g.i64([0, known([ys[1]], 'the summed axis')[0], -1])], {}, `${p}/y_fold`);
  }
  let out = g.op('MatMul', [x, y], {}, `${p}/MatMul`);
  if (fold) out = g.op('Reshape', [out, g.i64([0, ...known([...xMid, ...yTrail], 'the inputs')])], {}, `${p}/unfold`);
  const rank = 1 + xMid.length + yTrail.length;
  if (r1 === 2) out = g.op('Squeeze', [out, g.i64([1])], {}, `${p}/squeeze`);
  else if (r2 === 2) out = g.op('Squeeze', [out, g.i64([rank - 1])], {}, `${p}/squeeze`);
  return out;
}

export const mergeConverters: Record<string, Converter> = {
  Add: variadic('Sum'),
  Average: variadic('Mean'),
  Maximum: variadic('Max'),
  Minimum: variadic('Min'),
  Subtract: (g, { layer, inputs }) => {
    const name = (layer as { name: string }).name;
    return [g.op('Sub', lifted(g, name, inputs), {}, `${name}/Sub`)];
  },
  Multiply: (g, { layer, inputs }) => {
    const name = (layer as { name: string }).name;
    const xs = lifted(g, name, inputs);
    let y = xs[0];
    for (const v of xs.slice(1)) y = g.op('Mul', [y, v], {}, `${name}/Mul`);
    return [y === xs[0] ? g.op('Identity', [y], {}, `${name}/Identity`) : y];
  },
  Concatenate: (g, { layer, inputs }) => {
    const l = layer as { name: string; axis: number };
    return [g.op('Concat', inputs.map((v) => v.name), { axis: l.axis }, `${l.name}/Concat`)];
  },
  Dot: (g, { layer, inputs }) => [dot(g, layer as Parameters<typeof dot>[1], inputs)],
};
