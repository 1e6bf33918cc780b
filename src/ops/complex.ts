// complex64 tensors: complex, real, imag, abs of complex, and add/sub/mul of complex operands.
// Storage: a complex64 tensor of shape S owns (or shares) a float32 buffer of 2 * size floats, the
// interleaved (real, imaginary) pairs that tfjs' dataSync returns. ENGINE.bitcastView sees that buffer
// as a float32 tensor of shape [...S, 2] and back (no copy, recorded as 'Bitcast'), so everything here
// is composed of float32 kernels (wasm SIMD where the wasm backend has them) plus the js 'ComplexAbs'
// and 'FFT' kernels (src/backends/js/kernels/fft.ts, run on both backends over views).
// Gradients: a complex tensor z = x + iy carries the gradient dL/dx + i dL/dy of a real loss L (the
// convention of TensorFlow and JAX's conjugate), so every op here differentiates by composition.
// Every other op refuses complex64 (toTensor and ENGINE.runKernel: complexError).
import type { TensorLike } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { registerGradient } from '../engine/registry.js';
import { broadcastShapes, fmt, shapesEqual } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { add as addReal, mul as mulReal, sub as subReal } from './binary.js';
import { cast } from './cast.js';
import { stack } from './concat.js';
import { divNoNan } from './math.js';
import { zerosLike } from './creation.js';
import { reshape, expandDims } from './reshape.js';
import { slice } from './slice.js';
import { run1, scoped, toTensor } from './util.js';

registerGradient('Bitcast', {
  grad: ([dy], { attrs }) => [() => ENGINE.bitcastView(dy, attrs.shape as number[], attrs.dtype as 'float32')],
});

/** The float32 [...S, 2] view of a complex64 tensor of shape S (its interleaved real and imaginary parts). */
export function complexParts(z: Tensor): Tensor {
  return ENGINE.bitcastView(z, [...z.shape, 2], 'float32');
}

/** The complex64 tensor of shape S over a float32 [...S, 2] tensor of (real, imaginary) pairs. */
export function fromParts(v: Tensor): Tensor {
  return ENGINE.bitcastView(v, v.shape.slice(0, -1), 'complex64');
}

/** `x` as a live complex64 Tensor, or an error naming the op, the argument and what it got. */
export function complexArg(x: unknown, arg: string, op: string): Tensor {
  if (!(x instanceof Tensor))
    throw new Error(`${op}: argument '${arg}' must be a complex64 Tensor (made by sg.complex(real, imag)) but is ${typeof x}`);
  ENGINE.assertLive(x, op);
  if (x.dtype !== 'complex64')
    throw new Error(
      `${op}: argument '${arg}' must be complex64 but has dtype ${x.dtype} (shape ${fmt(x.shape)}); make one with sg.complex(real, imag)`,
    );
  return x;
}

/** A float32 tensor from a real argument of a complex op (int32 and bool are cast, as tfjs' complex does). */
function realArg(x: Tensor | TensorLike, arg: string, op: string): Tensor {
  const t = toTensor(x, arg, op);
  return t.dtype === 'float32' ? t : cast(t, 'float32');
}

/**
 * A complex64 tensor from its real and imaginary parts (same shape), as tfjs' `complex`. Its `dataSync()`
 * gives the interleaved Float32Array [re0, im0, re1, im1, ...], as tfjs.
 * @example sg.complex([1, 2], [3, 4]); // [1, 3, 2, 4]
 * @category Arithmetic and math
 * @function
 */
export const complex = scoped((real: Tensor | TensorLike, imag: Tensor | TensorLike): Tensor => {
  const re = realArg(real, 'real', 'complex');
  const im = realArg(imag, 'imag', 'complex');
  if (!shapesEqual(re.shape, im.shape))
    throw new Error(`complex: real has shape ${fmt(re.shape)} but imag has shape ${fmt(im.shape)}; they must match`);
  return fromParts(stack([re, im], -1));
});

function part(op: 'real' | 'imag', input: Tensor | TensorLike): Tensor {
  if (input instanceof Tensor && input.dtype === 'complex64') {
    ENGINE.assertLive(input, op);
    const v = complexParts(input);
    const begin = input.shape.map(() => 0).concat(op === 'real' ? 0 : 1);
    return reshape(slice(v, begin, [...input.shape, 1]), input.shape);
  }
  const x = realArg(input, 'input', op);
  return op === 'real' ? x.clone() : zerosLike(x);
}

/**
 * The real parts of a complex64 tensor (float32, same shape), as tfjs' `real`; a real tensor gives a copy.
 * @example sg.real(sg.complex([1, 2], [3, 4])); // [1, 2]
 * @category Arithmetic and math
 * @function
 */
export const real = scoped((input: Tensor | TensorLike): Tensor => part('real', input));

/**
 * The imaginary parts of a complex64 tensor (float32, same shape), as tfjs' `imag`; a real tensor gives zeros.
 * @example sg.imag(sg.complex([1, 2], [3, 4])); // [3, 4]
 * @category Arithmetic and math
 * @function
 */
export const imag = scoped((input: Tensor | TensorLike): Tensor => part('imag', input));

registerGradient('ComplexAbs', {
  saveInputs: true,
  saveOutputs: true,
  // d|z| = z / |z| (0 where z = 0, as TensorFlow's div_no_nan), as (re, im) pairs of the view.
  grad: ([dy], { inputs: [v], outputs: [r] }) => [() => mulReal(v, expandDims(divNoNan(dy, r), -1))],
});

/**
 * |z| of a complex64 tensor: float32 sqrt(re^2 + im^2) (what `sg.abs` returns for complex64, as tfjs).
 * @category Arithmetic and math
 * @function
 */
export const complexAbs = scoped((z: Tensor): Tensor => run1('ComplexAbs', [complexParts(complexArg(z, 'x', 'abs'))]));

/** Whether `x` is a complex64 tensor (the hook of add/sub/mul/abs). */
export function isComplex(x: unknown): x is Tensor {
  return x instanceof Tensor && x.dtype === 'complex64';
}

/** A complex64 operand of add/sub/mul: a real one gets zero imaginary parts (tfjs upcasts it). */
function complexOperand(x: Tensor | TensorLike, arg: string, op: string): Tensor {
  if (isComplex(x)) return complexArg(x, arg, op);
  const t = realArg(x, arg, op);
  return complex(t, zerosLike(t));
}

/**
 * add, sub or mul with a complex64 operand (the other may be real): complex64 with broadcasting.
 * add/sub act on the (re, im) views directly; mul is (ac - bd) + (ad + bc)i.
 * @internal called by sg.add / sg.sub / sg.mul
 */
export const complexBinary = scoped((op: 'add' | 'sub' | 'mul', a: Tensor | TensorLike, b: Tensor | TensorLike): Tensor => {
  const za = complexOperand(a, 'a', op);
  const zb = complexOperand(b, 'b', op);
  broadcastShapes(op, za.shape, zb.shape); // the error names the complex shapes, not the views
  const va = complexParts(za);
  const vb = complexParts(zb);
  if (op === 'add') return fromParts(addReal(va, vb));
  if (op === 'sub') return fromParts(subReal(va, vb));
  const [ar, ai] = [real(za), imag(za)];
  const [br, bi] = [real(zb), imag(zb)];
  const re = subReal(mulReal(ar, br), mulReal(ai, bi));
  const im = addReal(mulReal(ar, bi), mulReal(ai, br));
  return fromParts(stack([re, im], -1));
});
