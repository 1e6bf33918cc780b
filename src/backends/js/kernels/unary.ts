// Unary math in plain loops (the oracle): 'Unary' and its fused backward 'UnaryGrad'.
// Computed in float64 and rounded to float32 on store; int32 inputs keep integer semantics.
import { Unary } from '../../wasm/codes.generated.js';
import type { CpuKernelDef } from '../../host.js';

const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** Round half to even, as tfjs `round`. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** The forward function of each unary op code. */
export const UNARY_FNS: Record<number, (x: number, alpha: number, beta: number) => number> = {
  [Unary.Neg]: (x) => -x,
  [Unary.Abs]: (x) => Math.abs(x),
  [Unary.Square]: (x) => x * x,
  [Unary.Sqrt]: (x) => Math.sqrt(x),
  [Unary.Exp]: (x) => Math.exp(x),
  [Unary.Log]: (x) => Math.log(x),
  [Unary.Relu]: (x) => (x > 0 ? x : x === x ? 0 : x),
  [Unary.Relu6]: (x) => (x !== x ? x : Math.min(Math.max(x, 0), 6)),
  [Unary.Elu]: (x, a) => (x > 0 ? x : a * Math.expm1(x)),
  [Unary.Selu]: (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x)),
  [Unary.LeakyRelu]: (x, a) => (x > 0 ? x : a * x),
  [Unary.Sigmoid]: sigmoid,
  [Unary.Tanh]: (x) => Math.tanh(x),
  [Unary.Softplus]: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  [Unary.Clip]: (x, a, b) => (x !== x ? x : Math.min(Math.max(x, a), b)),
  [Unary.Reciprocal]: (x) => 1 / x,
  [Unary.Rsqrt]: (x) => 1 / Math.sqrt(x),
  [Unary.Sign]: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  [Unary.Floor]: (x) => Math.floor(x),
  [Unary.Ceil]: (x) => Math.ceil(x),
  [Unary.Round]: roundHalfEven,
  [Unary.Sin]: (x) => Math.sin(x),
  [Unary.Cos]: (x) => Math.cos(x),
  [Unary.Log1p]: (x) => Math.log1p(x),
  [Unary.Step]: (x, a) => (x > 0 ? 1 : a),
};

/** d f / d x of each op code, from the forward input x and output y. */
export const UNARY_GRADS: Record<number, (x: number, y: number, alpha: number, beta: number) => number> = {
  [Unary.Neg]: () => -1,
  [Unary.Abs]: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  [Unary.Square]: (x) => 2 * x,
  [Unary.Sqrt]: (_x, y) => 0.5 / y,
  [Unary.Exp]: (_x, y) => y,
  [Unary.Log]: (x) => 1 / x,
  [Unary.Relu]: (x) => (x > 0 ? 1 : 0),
  [Unary.Relu6]: (x) => (x > 0 && x < 6 ? 1 : 0),
  [Unary.Elu]: (x, y, a) => (x > 0 ? 1 : y + a),
  [Unary.Selu]: (x, y) => (x > 0 ? SELU_SCALE : y + SELU_SCALE * SELU_ALPHA),
  [Unary.LeakyRelu]: (x, _y, a) => (x > 0 ? 1 : a),
  // From x rather than y(1-y) and 1-y^2, which lose all precision where y rounds to +-1.
  [Unary.Sigmoid]: (x) => {
    const e = Math.exp(-Math.abs(x));
    return e / ((1 + e) * (1 + e));
  },
  [Unary.Tanh]: (x) => {
    const e = Math.exp(-2 * Math.abs(x));
    return (4 * e) / ((1 + e) * (1 + e));
  },
  [Unary.Softplus]: (x) => sigmoid(x),
  [Unary.Clip]: (x, _y, a, b) => (x >= a && x <= b ? 1 : 0),
  [Unary.Reciprocal]: (x) => -1 / (x * x),
  [Unary.Rsqrt]: (_x, y) => -0.5 * y * y * y,
  [Unary.Sign]: () => 0,
  [Unary.Floor]: () => 0,
  [Unary.Ceil]: () => 0,
  [Unary.Round]: () => 0,
  [Unary.Sin]: (x) => Math.cos(x),
  [Unary.Cos]: (x) => -Math.sin(x),
  [Unary.Log1p]: (x) => 1 / (1 + x),
  [Unary.Step]: () => 0,
};

export const unaryDefs: CpuKernelDef[] = [
  {
    name: 'Unary',
    outShape: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
    run: ([x], out, _infos, attrs) => {
      const f = UNARY_FNS[attrs.op as number];
      const a = (attrs.alpha as number) ?? 0;
      const b = (attrs.beta as number) ?? 0;
      for (let i = 0; i < out.length; i++) out[i] = f(x[i], a, b);
    },
  },
  {
    name: 'UnaryGrad', // inputs: x, y, dy
    outShape: ([x]) => ({ shape: x.shape, dtype: 'float32' }),
    run: ([x, y, dy], out, _infos, attrs) => {
      const g = UNARY_GRADS[attrs.op as number];
      const a = (attrs.alpha as number) ?? 0;
      const b = (attrs.beta as number) ?? 0;
      for (let i = 0; i < out.length; i++) out[i] = dy[i] * g(x[i], y[i], a, b);
    },
  },
];
