// Recurrent cells, as Keras and tfjs-layers have them: SimpleRNNCell, LSTMCell, GRUCell (one time
// step each, composed from ops), StackedRNNCells, and the cell contract a user-defined cell
// follows. `layers.rnn({cell})` (src/layers/recurrent/rnn.ts) runs them over a sequence; when the
// cell is a stock cell whose activations the fused kernels compute, it runs the same fused op as
// `layers.lstm` / `gru` / `simpleRNN` instead of a loop over steps.
//
// The step functions (lstmStep, gruStep, simpleRnnStep) are also the composed path of the LSTM,
// GRU and SimpleRNN layers for activations the fused kernels do not compute (e.g. 'gelu').
import { getActivation, serializeActivation, type ActivationFn } from '../../activations/index.js';
import { getInitializer, type Initializer } from '../../initializers/index.js';
import { ENGINE } from '../../engine/engine.js';
import type { DataType } from '../../engine/dtype.js';
import { Rng } from '../../engine/random.js';
import { fmt } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import { add, mul, sub } from '../../ops/binary.js';
import { concat } from '../../ops/concat.js';
import { ones } from '../../ops/creation.js';
import { matMul } from '../../ops/matmul.js';
import type { RnnActivation } from '../../ops/rnn.js';
import { slice } from '../../ops/slice.js';
import {
  Layer,
  type CallArgs,
  type ConstraintArg,
  type InitializerArg,
  type LayerArgs,
  type LayerWeight,
  type RegularizerArg,
} from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { weightConfig } from '../config_util.js';

/** The fused kernels' activations by Keras name (src/ops/rnn.ts RNN_ACT has their codes). */
export const FUSED_ACTIVATIONS: Readonly<Record<string, RnnActivation>> = {
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  hard_sigmoid: 'hardSigmoid',
  hard_sigmoid_keras2: 'hardSigmoidKeras2',
  relu: 'relu',
  linear: 'linear',
  elu: 'elu',
  softsign: 'softsign',
  relu6: 'relu6',
  selu: 'selu',
  softplus: 'softplus',
  exponential: 'exponential',
};

/** An activation argument resolved: the function, its Keras name and its fused code (or null). */
export interface ResolvedActivation {
  fn: ActivationFn;
  name: string;
  fused: RnnActivation | null;
}

/** Resolves `id` (default `dflt`); unknown names fail naming the layer and the argument. */
export function resolveActivation(cls: string, arg: string, id: string | ActivationFn | undefined | null, dflt: string): ResolvedActivation {
  let fn: ActivationFn;
  try {
    fn = getActivation(id ?? dflt);
  } catch (e) {
    throw new Error(`${cls}: ${arg}: ${(e as Error).message}`);
  }
  let name: string;
  try {
    name = serializeActivation(fn);
  } catch {
    name = '';
  }
  // A custom function that happens to be called 'tanh' is not the fused tanh.
  const fused = FUSED_ACTIVATIONS[name] !== undefined && getActivation(name) === fn ? FUSED_ACTIVATIONS[name] : null;
  return { fn, name, fused };
}

/** A dropout rate in [0, 1). */
export function dropoutRate(cls: string, arg: string, v: number | undefined): number {
  const r = v ?? 0;
  if (typeof r !== 'number' || !(r >= 0 && r < 1)) throw new Error(`${cls}: '${arg}' must be a number in [0, 1) but is ${v}`);
  return r;
}

/** An inverted-dropout mask (0 or 1/(1-rate)), drawn on the host from a seeded Rng. */
export function dropoutMaskTensor(rng: Rng, shape: number[], r: number): Tensor {
  const n = shape.reduce((a, c) => a * c, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.uniform() < 1 - r ? 1 / (1 - r) : 0;
  return ENGINE.makeTensor(v, shape, 'float32');
}

// ---- the step functions (one time step, composed from ops) ----

/** The weights a stock cell step reads: kernel [in, G*U], recurrent kernel [U, G*U], bias. */
export interface StepWeights {
  kernel: Tensor;
  recurrentKernel: Tensor;
  bias: Tensor | null;
}

const cols = (t: Tensor, from: number, n: number) => slice(t, [0, from], [t.shape[0], n]);

/**
 * One LSTM step (Keras' LSTMCell, gates i, f, c, o): returns [h, c]. `recMask` multiplies
 * h_{t-1} before the recurrent product (recurrent dropout); `x` comes already dropped out.
 */
export function lstmStep(x: Tensor, h: Tensor, c: Tensor, w: StepWeights, act: ActivationFn, recAct: ActivationFn, recMask?: Tensor | null): [Tensor, Tensor] {
  const U = h.shape[1];
  let z = add(matMul(x, w.kernel), matMul(recMask ? mul(h, recMask) : h, w.recurrentKernel));
  if (w.bias) z = add(z, w.bias);
  const i = recAct(cols(z, 0, U));
  const f = recAct(cols(z, U, U));
  const g = act(cols(z, 2 * U, U));
  const o = recAct(cols(z, 3 * U, U));
  const c2 = add(mul(f, c), mul(i, g));
  return [mul(o, act(c2)), c2];
}

/**
 * One GRU step (Keras' GRUCell, gates z, r, h). resetAfter: bias [2, 3U] (input row, recurrent
 * row) and the reset gate applied after the recurrent product; else bias [3U] and (r * h) R_h.
 */
export function gruStep(x: Tensor, h: Tensor, w: StepWeights, act: ActivationFn, recAct: ActivationFn, resetAfter: boolean, recMask?: Tensor | null): Tensor {
  const U = h.shape[1];
  const hm = recMask ? mul(h, recMask) : h;
  let xp = matMul(x, w.kernel);
  let inner: Tensor;
  if (resetAfter) {
    if (w.bias) xp = add(xp, slice(w.bias, [0, 0], [1, 3 * U]));
    inner = matMul(hm, w.recurrentKernel);
    if (w.bias) inner = add(inner, slice(w.bias, [1, 0], [1, 3 * U]));
  } else {
    if (w.bias) xp = add(xp, w.bias);
    inner = matMul(hm, cols(w.recurrentKernel, 0, 2 * U));
  }
  const z = recAct(add(cols(xp, 0, U), cols(inner, 0, U)));
  const r = recAct(add(cols(xp, U, U), cols(inner, U, U)));
  const rh = resetAfter ? mul(r, cols(inner, 2 * U, U)) : matMul(mul(r, hm), cols(w.recurrentKernel, 2 * U, U));
  const hh = act(add(cols(xp, 2 * U, U), rh));
  return add(mul(z, h), mul(sub(1, z), hh));
}

/** One SimpleRNN step: act(x W + b + h R). */
export function simpleRnnStep(x: Tensor, h: Tensor, w: StepWeights, act: ActivationFn, recMask?: Tensor | null): Tensor {
  let z = add(matMul(x, w.kernel), matMul(recMask ? mul(h, recMask) : h, w.recurrentKernel));
  if (w.bias) z = add(z, w.bias);
  return act(z);
}

// ---- cells ----

/**
 * What `layers.rnn` needs of a cell, stock or user-defined: a Layer with `stateSize` (a number, or
 * one number per state), optionally `outputSize` (default: the first state's size), and a
 * `call(inputs, args)` that takes `[x_t, ...states]` ([batch, features] and [batch, size] each)
 * and returns `[output, ...newStates]` (tfjs-layers' cell contract; `[output, newStates]` with the
 * states as one nested list, Keras' form, is accepted too). `build` receives [batch, features].
 */
export interface RNNCellLike extends Layer {
  /** Size of each state: a number for one, a list for several. */
  readonly stateSize: number | number[];
  /** Size of the output per step (default: the first state's size). */
  readonly outputSize?: number;
}

/** Whether `l` follows the cell contract (a Layer with a stateSize). */
export function isCell(l: unknown): l is RNNCellLike {
  if (!(l instanceof Layer)) return false;
  const s = (l as { stateSize?: unknown }).stateSize;
  return (typeof s === 'number' && Number.isInteger(s) && s > 0) || (Array.isArray(s) && s.length > 0 && s.every((v) => Number.isInteger(v) && v > 0));
}

/** The state sizes of a cell as a list. */
export function stateSizes(cell: RNNCellLike): number[] {
  return Array.isArray(cell.stateSize) ? cell.stateSize.slice() : [cell.stateSize];
}

/** Arguments of the stock cells (the recurrent layers' arguments without the sequence options). */
export interface RNNCellArgs extends LayerArgs {
  /** Size of the output and of each state. */
  units: number;
  /** Default 'tanh'. */
  activation?: string | ActivationFn;
  /** Default 'sigmoid' (LSTMCell, GRUCell). */
  recurrentActivation?: string | ActivationFn;
  /** Add a bias (default true). */
  useBias?: boolean;
  /** Initializer of the input kernel (default 'glorotUniform'). */
  kernelInitializer?: InitializerArg;
  /** Initializer of the recurrent kernel (default 'orthogonal'). */
  recurrentInitializer?: InitializerArg;
  /** Initializer of the bias (default 'zeros'). */
  biasInitializer?: InitializerArg;
  /** Penalty on the input kernel. */
  kernelRegularizer?: RegularizerArg;
  /** Penalty on the recurrent kernel. */
  recurrentRegularizer?: RegularizerArg;
  /** Penalty on the bias. */
  biasRegularizer?: RegularizerArg;
  /** Constraint on the input kernel. */
  kernelConstraint?: ConstraintArg;
  /** Constraint on the recurrent kernel. */
  recurrentConstraint?: ConstraintArg;
  /** Constraint on the bias. */
  biasConstraint?: ConstraintArg;
  /** Fraction of the inputs dropped while training (one mask per sequence). */
  dropout?: number;
  /** Fraction of h_{t-1} dropped in the recurrent product while training. */
  recurrentDropout?: number;
  /** Seed of the dropout masks. */
  seed?: number;
  /** Accepted and ignored (Keras' implementation choice). */
  implementation?: number;
}

/** The common part of SimpleRNNCell, LSTMCell and GRUCell. */
export abstract class StockCell extends Layer implements RNNCellLike {
  /** Size of the output and of each state. */
  readonly units: number;
  /** Whether the cell has a bias. */
  readonly useBias: boolean;
  /** Input dropout rate while training. */
  readonly dropout: number;
  /** Recurrent dropout rate while training. */
  readonly recurrentDropout: number;
  /** The resolved activation. */
  readonly activation: ResolvedActivation;
  /** The resolved recurrentActivation (unused by SimpleRNNCell). */
  readonly recurrentActivation: ResolvedActivation;
  /** The input kernel [features, gates*units] (after build). */
  kernel?: LayerWeight;
  /** The recurrent kernel [units, gates*units] (after build). */
  recurrentKernel?: LayerWeight;
  /** The bias (after build; none without useBias). */
  bias?: LayerWeight;
  /** The sequence's dropout masks (set by the RNN layer for one call, then cleared). @internal */
  dropoutMasks: { input: Tensor | null; recurrent: Tensor | null } | null = null;
  /** The seeded generator of the dropout masks. */
  readonly rng: Rng;
  /** Gates per unit (LSTM 4, GRU 3, SimpleRNN 1). */
  abstract readonly gateCount: number;
  abstract readonly stateSize: number | number[];

  /** @param args The cell's arguments (kept for getConfig and build). */
  constructor(readonly args: RNNCellArgs) {
    super(args);
    const cls = (this.constructor as typeof Layer).className;
    if (!Number.isInteger(args?.units) || args.units < 1) throw new Error(`${cls}: 'units' must be a positive integer but is ${args?.units}`);
    this.units = args.units;
    this.useBias = args.useBias ?? true;
    this.dropout = dropoutRate(cls, 'dropout', args.dropout);
    this.recurrentDropout = dropoutRate(cls, 'recurrentDropout', args.recurrentDropout);
    this.activation = resolveActivation(cls, 'activation', args.activation, 'tanh');
    this.recurrentActivation = resolveActivation(cls, 'recurrentActivation', args.recurrentActivation, 'sigmoid');
    this.rng = new Rng(args.seed);
  }

  /** Size of the output per step (units). */
  get outputSize(): number {
    return this.units;
  }

  protected biasShape(): number[] {
    return [this.gateCount * this.units];
  }

  protected biasInit(): InitializerArg {
    return this.args.biasInitializer ?? 'zeros';
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    const inDim = shape[shape.length - 1];
    if (inDim === null || inDim === undefined) {
      throw new Error(`${this.name}: the cell needs inputs with a known last dimension but got ${fmtShape(shape)}`);
    }
    const G = this.gateCount * this.units;
    const a = this.args;
    this.kernel = this.addWeight('kernel', [inDim, G], a.kernelInitializer ?? 'glorotUniform', { regularizer: a.kernelRegularizer, constraint: a.kernelConstraint });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, G], a.recurrentInitializer ?? 'orthogonal', {
      regularizer: a.recurrentRegularizer,
      constraint: a.recurrentConstraint,
    });
    if (this.useBias) {
      this.bias = this.addWeight('bias', this.biasShape(), this.biasInit(), { regularizer: a.biasRegularizer, constraint: a.biasConstraint });
    }
    this.built = true;
  }

  /** The weights as the step functions read them. @internal */
  stepWeights(): StepWeights {
    return { kernel: this.kernel!.variable, recurrentKernel: this.recurrentKernel!.variable, bias: this.bias?.variable ?? null };
  }

  /** Whether the fused kernels compute this cell's activations. */
  get fusable(): boolean {
    return this.activation.fused !== null && (this.gateCount === 1 || this.recurrentActivation.fused !== null);
  }

  /** x_t and h_{t-1}'s dropout masks for this step (drawn once per sequence while training). */
  protected masks(x: Tensor, h: Tensor, training: boolean | undefined): { xin: Tensor; recMask: Tensor | null } {
    if (!training || (this.dropout === 0 && this.recurrentDropout === 0)) return { xin: x, recMask: null };
    const own = this.dropoutMasks ?? { input: null, recurrent: null };
    if (this.dropout > 0 && !own.input) own.input = dropoutMaskTensor(this.rng, x.shape, this.dropout);
    if (this.recurrentDropout > 0 && !own.recurrent) own.recurrent = dropoutMaskTensor(this.rng, h.shape, this.recurrentDropout);
    if (this.dropoutMasks) this.dropoutMasks = own;
    return { xin: own.input ? mul(x, own.input) : x, recMask: own.recurrent };
  }

  protected checkStates(inputs: Tensor | Tensor[], n: number): Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length !== 1 + n) {
      throw new Error(`${this.name}: a cell is called with [input, ...${n} state(s)] but got ${list.length} tensor(s)`);
    }
    const [x, ...states] = list;
    if (x.rank !== 2) throw new Error(`${this.name}: the step input must have shape [batch, features] but has shape ${fmt(x.shape)}`);
    for (const s of states) {
      if (s.rank !== 2 || s.shape[0] !== x.shape[0] || s.shape[1] !== this.units) {
        throw new Error(`${this.name}: a state must have shape ${fmt([x.shape[0], this.units])} but has shape ${fmt(s.shape)}`);
      }
    }
    return list;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation.name,
      recurrentActivation: this.recurrentActivation.name,
      useBias: this.useBias,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      ...(this.args.seed !== undefined ? { seed: this.args.seed } : {}),
      ...weightConfig(this.args, { kernel: 'glorotUniform', recurrent: 'orthogonal', bias: 'zeros' }),
    };
  }
}

/**
 * The cell of SimpleRNN: h = activation(x W + b + h R). For `layers.rnn({cell})`.
 * @example sg.layers.rnn({ cell: sg.layers.simpleRNNCell({ units: 8 }) });
 */
export class SimpleRNNCell extends StockCell {
  static override className = 'SimpleRNNCell';
  readonly gateCount = 1;
  /** One state of size units. */
  get stateSize(): number {
    return this.units;
  }
  call(inputs: Tensor | Tensor[], args: CallArgs = {}): Tensor[] {
    const [x, h] = this.checkStates(inputs, 1);
    const { xin, recMask } = this.masks(x, h, args.training);
    const out = simpleRnnStep(xin, h, this.stepWeights(), this.activation.fn, recMask);
    return [out, out];
  }
  /** The config without recurrentActivation (SimpleRNNCell has none). */
  override getConfig(): Record<string, unknown> {
    const { recurrentActivation: _r, ...c } = super.getConfig();
    return c;
  }
}

/** Arguments of {@link LSTMCell}. */
export interface LSTMCellArgs extends RNNCellArgs {
  /** Initialise the forget-gate bias to 1 (Keras default true). */
  unitForgetBias?: boolean;
}

/**
 * The cell of LSTM (gates i, f, c, o; states [h, c]). `layers.rnn({cell: lstmCell(...)})` runs
 * the same fused kernels as `layers.lstm` when the activations allow it.
 * @example sg.layers.rnn({ cell: sg.layers.lstmCell({ units: 16 }), returnSequences: true });
 */
export class LSTMCell extends StockCell {
  static override className = 'LSTMCell';
  readonly gateCount = 4;
  /** Whether the forget-gate bias starts at 1. */
  readonly unitForgetBias: boolean;
  constructor(args: LSTMCellArgs) {
    super(args);
    this.unitForgetBias = args.unitForgetBias ?? true;
  }
  /** Two states, h and c, of size units. */
  get stateSize(): number[] {
    return [this.units, this.units];
  }
  protected override biasInit(): InitializerArg {
    return this.unitForgetBias ? unitForgetBiasInit(super.biasInit(), this.units) : super.biasInit();
  }
  call(inputs: Tensor | Tensor[], args: CallArgs = {}): Tensor[] {
    const [x, h, c] = this.checkStates(inputs, 2);
    const { xin, recMask } = this.masks(x, h, args.training);
    const [h2, c2] = lstmStep(xin, h, c, this.stepWeights(), this.activation.fn, this.recurrentActivation.fn, recMask);
    return [h2, h2, c2];
  }
  /** The config, with unitForgetBias. */
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), unitForgetBias: this.unitForgetBias };
  }
}

/** Keras' unit_forget_bias: [init(units), ones(units), init(2 * units)]. */
export function unitForgetBiasInit(baseArg: InitializerArg, U: number): Initializer {
  const base = getInitializer(baseArg as never);
  return {
    className: base.className,
    apply: (_shape: readonly number[], dtype: DataType = 'float32') =>
      ENGINE.tidy(() => concat([base.apply([U], dtype), ones([U]), base.apply([2 * U], dtype)], 0)),
    getConfig: () => base.getConfig(),
  };
}

/** Arguments of {@link GRUCell}. */
export interface GRUCellArgs extends RNNCellArgs {
  /** Reset gate after the recurrent product (default true, Keras 2/3); false is tfjs-layers' only form. */
  resetAfter?: boolean;
}

/**
 * The cell of GRU (gates z, r, h). Porting note: resetAfter defaults to true as in Keras;
 * tfjs-layers' GRUCell is the resetAfter: false form.
 * @example sg.layers.rnn({ cell: sg.layers.gruCell({ units: 16, resetAfter: false }) });
 */
export class GRUCell extends StockCell {
  static override className = 'GRUCell';
  readonly gateCount = 3;
  /** Whether the reset gate is applied after the recurrent product. */
  readonly resetAfter: boolean;
  constructor(args: GRUCellArgs) {
    super(args);
    this.resetAfter = args.resetAfter ?? true;
  }
  /** One state of size units. */
  get stateSize(): number {
    return this.units;
  }
  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }
  call(inputs: Tensor | Tensor[], args: CallArgs = {}): Tensor[] {
    const [x, h] = this.checkStates(inputs, 1);
    const { xin, recMask } = this.masks(x, h, args.training);
    const out = gruStep(xin, h, this.stepWeights(), this.activation.fn, this.recurrentActivation.fn, this.resetAfter, recMask);
    return [out, out];
  }
  /** The config, with resetAfter. */
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), resetAfter: this.resetAfter };
  }
}

/** Arguments of {@link StackedRNNCells}. */
export interface StackedRNNCellsArgs extends LayerArgs {
  /** The cells, first to last. */
  cells: Layer[];
}

/**
 * Several cells run as one: each step feeds the first cell's output to the second, and so on;
 * the states are all cells' states in order (Keras 3 and tfjs-layers order). `layers.rnn({cell:
 * [a, b]})` makes one.
 * @example sg.layers.rnn({ cell: sg.layers.stackedRNNCells({ cells: [sg.layers.lstmCell({ units: 8 }), sg.layers.lstmCell({ units: 4 })] }) });
 */
export class StackedRNNCells extends Layer implements RNNCellLike {
  static override className = 'StackedRNNCells';
  /** The cells, first to last. */
  readonly cells: RNNCellLike[];
  constructor(args: StackedRNNCellsArgs) {
    super(args);
    const cells = args?.cells;
    if (!Array.isArray(cells) || cells.length === 0) throw new Error(`StackedRNNCells: 'cells' must be a non-empty list of cells but is ${typeof cells}`);
    cells.forEach((c, i) => {
      if (!isCell(c)) throw new Error(`StackedRNNCells: cells[${i}] is not a recurrent cell (a Layer with a positive integer stateSize)`);
    });
    this.cells = cells.slice() as RNNCellLike[];
  }
  /** Every cell's state sizes, in order. */
  get stateSize(): number[] {
    return this.cells.flatMap((c) => stateSizes(c));
  }
  /** The last cell's output size. */
  get outputSize(): number {
    const last = this.cells[this.cells.length - 1];
    return last.outputSize ?? stateSizes(last)[0];
  }
  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    let shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    for (const c of this.cells) {
      if (!c.built) c.build(shape);
      c.built = true;
      shape = [shape[0], c.outputSize ?? stateSizes(c)[0]];
    }
    this.built = true;
  }
  call(inputs: Tensor | Tensor[], args: CallArgs = {}): Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const want = this.stateSize.length;
    if (list.length !== 1 + want) throw new Error(`${this.name}: called with ${list.length - 1} state(s) but the cells have ${want}`);
    let x = list[0];
    let k = 1;
    const next: Tensor[] = [];
    for (const c of this.cells) {
      const n = stateSizes(c).length;
      const [out, states] = callCell(c, x, list.slice(k, k + n), args);
      k += n;
      next.push(...states);
      x = out;
    }
    return [x, ...next];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cells: this.cells.map((c) => ({ className: c.className, config: c.getConfig() })) };
  }
}

/**
 * One step of any cell: calls it with [x, ...states] and reads [output, ...states] (or Keras'
 * [output, [states]]), checking the count and shapes against the cell's stateSize.
 */
export function callCell(cell: RNNCellLike, x: Tensor, states: Tensor[], args: CallArgs): [Tensor, Tensor[]] {
  const r = cell.call([x, ...states], args) as unknown;
  if (!Array.isArray(r) || r.length < 2) {
    throw new Error(`${cell.name}: a cell's call must return [output, ...newStates] but returned ${Array.isArray(r) ? `${r.length} tensor(s)` : typeof r}`);
  }
  const out = r[0] as Tensor;
  const next = (r.length === 2 && Array.isArray(r[1]) ? r[1] : r.slice(1)) as Tensor[];
  const sizes = stateSizes(cell);
  if (next.length !== sizes.length) throw new Error(`${cell.name}: the cell returned ${next.length} state(s) but its stateSize lists ${sizes.length}`);
  next.forEach((s, i) => {
    if (s.rank !== 2 || s.shape[0] !== x.shape[0] || s.shape[1] !== sizes[i]) {
      throw new Error(`${cell.name}: state ${i} returned by the cell has shape ${fmt(s.shape)} but stateSize says ${fmt([x.shape[0], sizes[i]])}`);
    }
  });
  return [out, next];
}

function fmtShape(shape: SymbolicShape): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(',')}]`;
}
