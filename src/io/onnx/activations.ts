// ONNX forms of simdgrad's activations (by Keras name) and of the activation layers
// (Activation, LeakyReLU, PReLU, Softmax-style layers).
import { float, type AttrValue } from './proto.js';
import { Unsupported, type Converter, type OnnxGraph } from './graph.js';

type Emit = (g: OnnxGraph, x: string, p: string, axis: number) => string;

const unary =
  (op: string, attrs: Record<string, AttrValue> = {}): Emit =>
  (g, x, p) =>
    g.op(op, [x], attrs, `${p}/${op}`);

/** x * f(x) for a unary op f (swish/silu, hard swish by composition). */
const selfGated =
  (op: string, attrs: Record<string, AttrValue> = {}): Emit =>
  (g, x, p) =>
    g.op('Mul', [x, g.op(op, [x], attrs, `${p}/${op}`)], {}, `${p}/Mul`);

/** 0.5 x (1 + erf(x / sqrt 2)): Keras' exact gelu (ONNX's Gelu op arrives in opset 20). */
const gelu: Emit = (g, x, p) => {
  if (g.opset >= 20) return g.op('Gelu', [x], {}, `${p}/Gelu`);
  const e = g.op('Erf', [g.op('Mul', [x, g.f32([Math.SQRT1_2], [])], {}, `${p}/scale`)], {}, `${p}/Erf`);
  const onePlus = g.op('Add', [e, g.f32([1], [])], {}, `${p}/add_one`);
  return g.op('Mul', [g.op('Mul', [x, g.f32([0.5], [])], {}, `${p}/half`), onePlus], {}, `${p}/Mul`);
};

/** x tanh(softplus(x)) (ONNX's Mish op arrives in opset 18). */
const mish: Emit = (g, x, p) => {
  if (g.opset >= 18) return g.op('Mish', [x], {}, `${p}/Mish`);
  const t = g.op('Tanh', [g.op('Softplus', [x], {}, `${p}/Softplus`)], {}, `${p}/Tanh`);
  return g.op('Mul', [x, t], {}, `${p}/Mul`);
};

/** Keras 3's hard_sigmoid relu6(x + 3) / 6 = clip(x / 6 + 1/2, 0, 1). */
const HARD_SIGMOID = { alpha: float(1 / 6), beta: float(0.5) };

/** The activations by Keras name (src/activations' registry names). 'linear' writes nothing. */
const ACTIVATIONS: Record<string, Emit> = {
  linear: (_g, x) => x,
  relu: unary('Relu'),
  relu6: (g, x, p) => g.op('Clip', [x, g.f32([0], []), g.f32([6], [])], {}, `${p}/Relu6`),
  elu: unary('Elu', { alpha: float(1) }),
  selu: unary('Selu'),
  gelu,
  silu: selfGated('Sigmoid'),
  swish: selfGated('Sigmoid'),
  sigmoid: unary('Sigmoid'),
  hard_sigmoid: unary('HardSigmoid', HARD_SIGMOID),
  // Keras 2's (and tfjs files') clip(0.2 x + 0.5, 0, 1).
  hard_sigmoid_keras2: unary('HardSigmoid', { alpha: float(0.2), beta: float(0.5) }),
  // HardSwish arrives in opset 14: before it, x * HardSigmoid(x).
  hard_silu: (g, x, p) => (g.opset >= 14 ? g.op('HardSwish', [x], {}, `${p}/HardSwish`) : selfGated('HardSigmoid', HARD_SIGMOID)(g, x, p, -1)),
  tanh: unary('Tanh'),
  softmax: (g, x, p, axis) => g.op('Softmax', [x], { axis }, `${p}/Softmax`),
  log_softmax: (g, x, p, axis) => g.op('LogSoftmax', [x], { axis }, `${p}/LogSoftmax`),
  softplus: unary('Softplus'),
  softsign: unary('Softsign'),
  exponential: unary('Exp'),
  leaky_relu: unary('LeakyRelu', { alpha: float(0.2) }),
  mish,
};

/** Names of the activations that export. */
export const exportableActivations: readonly string[] = Object.keys(ACTIVATIONS);

/**
 * Writes `activation(x)`; `axis` is where softmax normalises (the channel axis: -1 channels-last,
 * 1 on a channels-first twin). Throws Unsupported for a custom activation function.
 */
export function activation(g: OnnxGraph, name: string, x: string, prefix: string, axis = -1): string {
  const f = ACTIVATIONS[name];
  if (!f) {
    throw new Unsupported(
      `activation '${name}' has no ONNX form (exportable: ${exportableActivations.join(', ')})`,
    );
  }
  return f(g, x, prefix, axis);
}

/** Whether an activation works element by element (so it may run on a channels-first twin). */
export function elementwise(name: string): boolean {
  return name !== 'softmax' && name !== 'log_softmax';
}

interface ActivationLayer {
  name: string;
  activationName: string;
}

export const activationConverters: Record<string, Converter> = {
  Activation: (g, { layer, inputs: [x] }) => {
    const l = layer as ActivationLayer;
    const y = activation(g, l.activationName, x.name, l.name);
    return [y === x.name ? g.op('Identity', [x.name], {}, `${l.name}/Identity`) : y];
  },
  LeakyReLU: (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; alpha: number };
    return [g.op('LeakyRelu', [x.name], { alpha: float(l.alpha) }, `${l.name}/LeakyRelu`)];
  },
  PReLU: (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; alpha?: { variable: { dataSync(): ArrayLike<number> }; shape: number[] } };
    // The slope has the shape of one sample (shared axes 1): it broadcasts against [batch, ...].
    const a = g.floatInit(`${l.name}/alpha`, () => ({ data: l.alpha!.variable.dataSync(), dims: l.alpha!.shape }));
    return [g.op('PRelu', [x.name, a], {}, `${l.name}/PRelu`)];
  },
};
