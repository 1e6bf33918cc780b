// Broadcasting element-wise binary ops and comparisons. They share the 'Binary' and 'Compare'
// kernels (selected by op code), so they live in one file; each gradient sits beside its op.
import { Binary, Compare } from '../backends/wasm/codes.generated.js';
import { type TensorLike, upcast } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { registerGradient } from '../engine/registry.js';
import { broadcastShapes, shapesEqual, type Shape } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { cast } from './cast.js';
import { complexBinary, isComplex } from './complex.js';
import { reshape } from './reshape.js';
import { sum } from './reduce.js';
import { log, neg, square } from './unary.js';
import { where } from './where.js';
import { zerosLike } from './creation.js';
import { run1, scoped, toTensor } from './util.js';

/** @inline */
type Arg = Tensor | TensorLike;

/**
 * Sums a broadcast gradient back down to the shape of the input it came from.
 * @category Arithmetic and math
 */
export function sumToShape(dy: Tensor, shape: Shape): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const lead = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? sum(dy, axes) : dy;
  return reshape(s, shape);
}

/** Converts both arguments to tensors of one dtype (float32 wins; bool counts as int32). */
function operands(op: string, a: Arg, b: Arg): [Tensor, Tensor, Tensor[]] {
  const ta = toTensor(a, 'a', op);
  const tb = toTensor(b, 'b', op);
  const outShape = broadcastShapes(op, ta.shape, tb.shape); // throws, naming the op and both shapes
  const dt = upcast(ta.dtype, tb.dtype);
  ENGINE.checkSize(op, outShape, dt); // before any cast or kernel allocates
  const temps: Tensor[] = [];
  const conv = (t: Tensor, orig: Arg) => {
    if (t !== orig) temps.push(t); // converted from numbers: ours to free
    if (t.dtype === dt) return t;
    const c = cast(t, dt);
    temps.push(c);
    return c;
  };
  return [conv(ta, a), conv(tb, b), temps];
}

/**
 * Two live tensors of one shape and one numeric dtype (float32 or int32): nothing to convert, cast
 * or check (the output is as large as an input that exists), so the op needs no scope of its own
 * (issue 17: the small-op fast path; every other case takes `operands` and its errors).
 */
function plainPair(a: Arg, b: Arg): a is Tensor {
  return (
    a instanceof Tensor &&
    b instanceof Tensor &&
    !a.isDisposed &&
    !b.isDisposed &&
    a.dtype === b.dtype &&
    (a.dtype === 'float32' || a.dtype === 'int32') &&
    shapesEqual(a.shape, b.shape)
  );
}

const binaryGeneral = scoped((name: string, op: Binary, a: Arg, b: Arg): Tensor => {
  const [x, y] = operands(name, a, b);
  return run1('Binary', [x, y], { op });
});
const binary = (name: string, op: Binary, a: Arg, b: Arg): Tensor =>
  plainPair(a, b) ? run1('Binary', [a, b as Tensor], { op }) : binaryGeneral(name, op, a, b);

const compareGeneral = scoped((name: string, op: Compare, a: Arg, b: Arg): Tensor => {
  const [x, y] = operands(name, a, b);
  return run1('Compare', [x, y], { op });
});
const compare = (name: string, op: Compare, a: Arg, b: Arg): Tensor =>
  plainPair(a, b) ? run1('Compare', [a, b as Tensor], { op }) : compareGeneral(name, op, a, b);

/**
 * a + b with broadcasting.
 * @example sg.add(sg.tensor([1, 2]), 10); // [11, 12]
 * @category Arithmetic and math
 */
export const add = (a: Arg, b: Arg) =>
  isComplex(a) || isComplex(b) ? complexBinary('add', a, b) : binary('add', Binary.Add, a, b);
/**
 * a - b with broadcasting.
 * @example sg.sub([5, 7], [1, 2]); // [4, 5]
 * @category Arithmetic and math
 */
export const sub = (a: Arg, b: Arg) =>
  isComplex(a) || isComplex(b) ? complexBinary('sub', a, b) : binary('sub', Binary.Sub, a, b);
/**
 * a * b with broadcasting.
 * @example sg.mul([[1, 2], [3, 4]], [10, 100]); // [[10, 200], [30, 400]]
 * @category Arithmetic and math
 */
export const mul = (a: Arg, b: Arg) =>
  isComplex(a) || isComplex(b) ? complexBinary('mul', a, b) : binary('mul', Binary.Mul, a, b);
/**
 * a / b with broadcasting; int32 division floors, as tfjs.
 * @example sg.div([6, 7], 2); // [3, 3.5]
 * @category Arithmetic and math
 */
export const div = (a: Arg, b: Arg) => binary('div', Binary.Div, a, b);
/**
 * Element-wise maximum; NaN wins.
 * @example sg.maximum([1, 5], [3, 2]); // [3, 5]
 * @category Arithmetic and math
 */
export const maximum = (a: Arg, b: Arg) => binary('maximum', Binary.Max, a, b);
/**
 * Element-wise minimum; NaN wins.
 * @example sg.minimum([1, 5], [3, 2]); // [1, 2]
 * @category Arithmetic and math
 */
export const minimum = (a: Arg, b: Arg) => binary('minimum', Binary.Min, a, b);
/**
 * a ** b
 * @example sg.pow([2, 3], 2); // [4, 9]
 * @category Arithmetic and math
 */
export const pow = (a: Arg, b: Arg) => binary('pow', Binary.Pow, a, b);
/**
 * (a - b)^2
 * @example sg.squaredDifference([1, 5], [3, 2]); // [4, 9]
 * @category Arithmetic and math
 */
export const squaredDifference = (a: Arg, b: Arg) => binary('squaredDifference', Binary.SquaredDifference, a, b);

/**
 * a > b element-wise with broadcasting, as a bool tensor.
 * @example sg.greater([1, 2, 3], 2); // [false, false, true]
 * @category Arithmetic and math
 */
export const greater = (a: Arg, b: Arg) => compare('greater', Compare.Greater, a, b);
/**
 * a >= b element-wise with broadcasting, as a bool tensor.
 * @example sg.greaterEqual([1, 2, 3], 2); // [false, true, true]
 * @category Arithmetic and math
 */
export const greaterEqual = (a: Arg, b: Arg) => compare('greaterEqual', Compare.GreaterEqual, a, b);
/**
 * a < b element-wise with broadcasting, as a bool tensor.
 * @example sg.less([1, 2, 3], 2); // [true, false, false]
 * @category Arithmetic and math
 */
export const less = (a: Arg, b: Arg) => compare('less', Compare.Less, a, b);
/**
 * a <= b element-wise with broadcasting, as a bool tensor.
 * @example sg.lessEqual([1, 2, 3], 2); // [true, true, false]
 * @category Arithmetic and math
 */
export const lessEqual = (a: Arg, b: Arg) => compare('lessEqual', Compare.LessEqual, a, b);
/**
 * a == b element-wise with broadcasting, as a bool tensor.
 * @example sg.equal([1, 2, 3], 2); // [false, true, false]
 * @category Arithmetic and math
 */
export const equal = (a: Arg, b: Arg) => compare('equal', Compare.Equal, a, b);
/**
 * a != b element-wise with broadcasting, as a bool tensor.
 * @example sg.notEqual([1, 2, 3], 2); // [true, false, true]
 * @category Arithmetic and math
 */
export const notEqual = (a: Arg, b: Arg) => compare('notEqual', Compare.NotEqual, a, b);

/** dy masked where `cond`, and zero elsewhere. */
const maskGrad = (cond: Tensor, dy: Tensor) => where(cond, dy, zerosLike(dy));

registerGradient('Binary', {
  saveInputs: true,
  saveOutputs: true,
  grad: ([dy], { inputs: [a, b], outputs: [y], attrs }) => {
    const toA = (g: () => Tensor) => () => sumToShape(g(), a.shape);
    const toB = (g: () => Tensor) => () => sumToShape(g(), b.shape);
    switch (attrs.op as Binary) {
      case Binary.Add:
        return [toA(() => dy), toB(() => dy)];
      case Binary.Sub:
        return [toA(() => dy), toB(() => neg(dy))];
      case Binary.Mul:
        return [toA(() => mul(dy, b)), toB(() => mul(dy, a))];
      case Binary.Div:
        return [toA(() => div(dy, b)), toB(() => neg(div(mul(dy, a), square(b))))];
      case Binary.Max:
        return [toA(() => maskGrad(greaterEqual(a, b), dy)), toB(() => maskGrad(less(a, b), dy))];
      case Binary.Min:
        return [toA(() => maskGrad(lessEqual(a, b), dy)), toB(() => maskGrad(greater(a, b), dy))];
      case Binary.Pow:
        return [
          toA(() => mul(dy, mul(b, pow(a, sub(b, 1))))),
          toB(() => maskGrad(greater(a, 0), mul(dy, mul(y, log(where(greater(a, 0), a, 1)))))),
        ];
      case Binary.SquaredDifference:
        return [toA(() => mul(dy, mul(2, sub(a, b)))), toB(() => mul(dy, mul(-2, sub(a, b))))];
    }
  },
});
