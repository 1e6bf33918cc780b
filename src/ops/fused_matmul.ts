// fused.matMul: matMul + bias + activation in one GEMM call (the epilogue of the wasm GEMM),
// the building block of the dense layer. Same arguments as tfjs-core's `fused.matMul`.
import { Act, Unary } from '../backends/wasm/codes.generated.js';
import { registerGradient } from '../engine/registry.js';
import { Tensor } from '../engine/tensor.js';
import { add, sumToShape } from './binary.js';
import { checkMatMul, matMul } from './matmul.js';
import { fusedConv2d, type FusedConv2DArgs } from './conv2d.js';
import { relu, relu6 } from './unary.js';
import { AFTER_NAMES, afterActivation } from './prelu.js';
import { fusedDepthwiseConv2d } from './fused_depthwise.js';
import { checkFloat, run1, scoped, toTensor } from './util.js';
import { fmt } from '../engine/shape.js';

/** Activations `fused.matMul` and `fusedConv2d` apply after the bias, by name. */
export type FusedActivation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'elu' | 'selu' | 'leakyrelu' | 'prelu';

/**
 * Activations fused into the GEMM epilogue whose derivative is a function of the output alone
 * (relu, relu6: y > 0 exactly when x > 0), so backward needs no pre-activation copy.
 * sigmoid and tanh run as a separate op: their gradients from the output lose precision where
 * the output rounds to 1 (see UnaryGrad), and the separate op keeps its input for an exact one.
 */
const FUSED: Record<string, { act: Act; grad: Unary | null }> = {
  linear: { act: Act.Linear, grad: null },
  relu: { act: Act.Relu, grad: Unary.Relu },
  relu6: { act: Act.Relu6, grad: Unary.Relu6 },
};

registerGradient('FusedMatMul', {
  saveInputs: [0, 1],
  saveOutputs: true,
  grad: ([dy], { inputs: [a, b], outputs: [y], attrs, inputInfos }) => {
    const g = attrs.gradOp as Unary | null;
    // dz = act'(y) * dy; for relu/relu6 the derivative from y equals the one from the pre-activation.
    const dz = () => (g === null ? dy : run1('UnaryGrad', [y, y, dy], { op: g, alpha: 0, beta: 0 }));
    const tA = !!attrs.transposeA;
    const tB = !!attrs.transposeB;
    const mm = (x: Tensor, z: Tensor, ta: boolean, tb: boolean) =>
      run1('MatMul', [x, z], { transposeA: ta, transposeB: tb });
    let cached: Tensor | undefined;
    const d = () => (cached ??= dz());
    const thunks: ((() => Tensor) | null)[] = [
      () => sumToShape(tA ? mm(b, d(), tB, true) : mm(d(), b, false, !tB), a.shape),
      () => sumToShape(tB ? mm(d(), a, true, tA) : mm(a, d(), !tA, false), b.shape),
    ];
    if (inputInfos.length > 2) thunks.push(() => sumToShape(d(), inputInfos[2].shape));
    return thunks;
  },
});

/** Arguments of `fused.matMul` (tfjs-core's): matMul(a, b), plus bias, then activation. */
export interface FusedMatMulArgs {
  /** Left operand [..., M, K] ([..., K, M] with transposeA). */
  a: Tensor;
  /** Right operand [..., K, N] ([..., N, K] with transposeB). */
  b: Tensor;
  /** Multiply by the transpose of `a` (its last two axes swapped). */
  transposeA?: boolean;
  /** Multiply by the transpose of `b`. */
  transposeB?: boolean;
  /** Added to each row of the product: shape [N] (or broadcastable to the output). */
  bias?: Tensor;
  /** Applied after the bias (default 'linear'). */
  activation?: FusedActivation;
  /** prelu's alpha, broadcast against the output. */
  preluActivationWeights?: Tensor;
  /** leakyrelu's slope (default 0.2). */
  leakyreluAlpha?: number;
}

/** fused.matMul's checks and kernel call (see fusedMatMul). */
function fusedMatMulBody(args: FusedMatMulArgs): Tensor {
  const { a, b, transposeA = false, transposeB = false, bias, activation = 'linear' } = args;
  const key = String(activation).toLowerCase();
  const fused = FUSED[key];
  const after = fused ? null : afterActivation('fused.matMul', key, args);
  if (!fused && !after) {
    throw new Error(
      `fused.matMul: unknown activation '${activation}'; expected one of ${[...Object.keys(FUSED), ...AFTER_NAMES].join(', ')}`,
    );
  }
  const spec = fused ?? FUSED.linear;
  const x = toTensor(a, 'a', 'fused.matMul');
  const w = toTensor(b, 'b', 'fused.matMul');
  const outShape = checkMatMul('fused.matMul', x, w, transposeA, transposeB);
  const N = outShape[outShape.length - 1];
  if (bias) {
    toTensor(bias, 'bias', 'fused.matMul');
    checkFloat('fused.matMul', 'bias', bias);
    if (bias.rank !== 1 || bias.shape[0] !== N) {
      const out = outShape;
      const ok =
        bias.rank <= out.length && bias.shape.every((d, i) => d === 1 || d === out[out.length - bias.rank + i]);
      if (!ok)
        throw new Error(`fused.matMul: bias ${fmt(bias.shape)} does not broadcast to the product's shape ${fmt(out)}`);
      // A general broadcastable bias: add it as an op after the product.
      const y = add(matMul(a, b, transposeA, transposeB), bias);
      return fused && fused.act !== Act.Linear ? (key === 'relu' ? relu(y) : relu6(y)) : after ? after(y) : y;
    }
  }
  const inputs = bias ? [x, w, bias] : [x, w];
  const y = run1('FusedMatMul', inputs, { transposeA, transposeB, act: spec.act, gradOp: spec.grad });
  return after ? after(y) : y;
}
const fusedMatMulScoped = scoped(fusedMatMulBody);

/**
 * Whether `fused.matMul(args)` makes no temporary tensor (tensor operands, an activation the GEMM
 * applies, no bias or a [N] one), so it needs no scope of its own: the Dense layer's case (issue
 * 17: inference latency). Anything else, and every error, takes the scoped general path.
 */
function noTemporaries(args: FusedMatMulArgs): boolean {
  const { a, b, bias, activation } = args;
  if (!(a instanceof Tensor) || !(b instanceof Tensor) || b.rank < 2) return false;
  if (activation !== undefined && activation !== 'linear' && activation !== 'relu' && activation !== 'relu6') return false;
  if (bias === undefined) return true;
  const N = args.transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
  return bias instanceof Tensor && bias.rank === 1 && bias.shape[0] === N;
}

/**
 * act(matMul(a, b) + bias) with the bias add and relu/relu6 done inside the GEMM.
 * @example sg.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' });
 * @category Linear algebra
 */
export const fusedMatMul = (args: FusedMatMulArgs): Tensor =>
  args !== null && typeof args === 'object' && noTemporaries(args) ? fusedMatMulBody(args) : fusedMatMulScoped(args);

/**
 * tfjs-core's `fused` namespace (errors from fused.conv2d name it so; sg.fusedConv2d names itself).
 * @namespace
 * @example sg.fused.matMul({ a: sg.ones([2, 3]), b: sg.ones([3, 2]), bias: sg.tensor([1, -10]), activation: 'relu' }); // [[4, 0], [4, 0]]
 */
export const fused = {
  /** matMul(a, b) + bias, then the activation, in one GEMM call where the backend fuses it. */
  matMul: fusedMatMul,
  /** conv2d + bias, then the activation (tfjs's `fused.conv2d`); see {@link fusedConv2d}. */
  conv2d: (args: FusedConv2DArgs): Tensor => fusedConv2d(args, 'fused.conv2d'),
  /** depthwiseConv2d + bias, then the activation (tfjs's `fused.depthwiseConv2d`). */
  depthwiseConv2d: fusedDepthwiseConv2d,
};
