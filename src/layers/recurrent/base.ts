// The base of the recurrent layers (LSTM, GRU, SimpleRNN): Keras' RNN arguments, the weights
// in Keras layout, masks, initial and stateful states, dropout masks, output and mask shapes.
// The sequence itself runs in one fused op per call (src/ops/rnn.ts), never a JS loop per step.
import type { ActivationFn } from '../../activations/index.js';
import { ENGINE } from '../../engine/engine.js';
import { Rng } from '../../engine/random.js';
import { fmt } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import { mul } from '../../ops/binary.js';
import { zeros } from '../../ops/creation.js';
import { reshape } from '../../ops/reshape.js';
import type { RnnActivation } from '../../ops/rnn.js';
import {
  Layer,
  type CallArgs,
  type InitializerArg,
  type LayerWeight,
} from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { weightConfig } from '../config_util.js';
import { dropoutRate as rate, resolveActivation, type ResolvedActivation, type RNNCellArgs } from './cells.js';

/**
 * Arguments of every recurrent layer (tfjs-layers' camelCase of Keras' arguments): the cell's
 * arguments (units, activations, initializers, regularizers, constraints, dropout, seed) and the
 * sequence options.
 */
export interface RecurrentArgs extends RNNCellArgs {
  /** Default 'sigmoid' (Keras 2 and 3). Porting note: tfjs-layers defaults to 'hardSigmoid'. */
  recurrentActivation?: string | ActivationFn;
  /** Return the whole output sequence (default: only the last output). */
  returnSequences?: boolean;
  /** Also return the final states: [output, h] (GRU, SimpleRNN) or [output, h, c] (LSTM). */
  returnState?: boolean;
  /** Process the sequence backwards; the output sequence is in processing order. */
  goBackwards?: boolean;
  /** Carry the final states of a batch into the next batch (reset with resetStates()). */
  stateful?: boolean;
  /**
   * Accepted for compatibility and ignored: the fused kernel already runs the whole sequence in
   * one call, which is what unrolling buys in Keras.
   */
  unroll?: boolean;
}

/** The result of running one sequence. */
export interface SequenceResult {
  output: Tensor;
  states: Tensor[];
}

export interface RunOptions {
  mask?: Tensor;
  recurrentMask?: Tensor;
}

/**
 * Base class of LSTM, GRU and SimpleRNN. Porting notes: Keras builds these from a cell and a
 * generic RNN loop; here they run fused kernels over the whole sequence (custom cells go through
 * `layers.rnn({cell})`). At a masked step the previous output and states are carried over (tfjs-layers,
 * and Keras with its default zero_output_for_mask=False); Keras' Bidirectional zeroes masked
 * outputs of returned sequences instead, we carry them there too. One dropout mask serves all
 * gates (Keras' implementation 2, tfjs-layers). Masks are float or bool tensors [batch, time].
 */
export abstract class RecurrentLayer extends Layer {
  /** Size of the output and of each state. */
  readonly units: number;
  /** Whether the whole output sequence is returned. */
  readonly returnSequences: boolean;
  /** Whether the final states are returned too. */
  readonly returnState: boolean;
  /** Whether the sequence is processed backwards. */
  readonly goBackwards: boolean;
  /** Whether states carry over between batches. */
  readonly stateful: boolean;
  /** Input dropout rate while training. */
  readonly dropout: number;
  /** Recurrent dropout rate while training. */
  readonly recurrentDropout: number;
  /** Whether the layer has a bias. */
  readonly useBias: boolean;
  /**
   * The activations' fused-kernel names ('tanh', 'hardSigmoid', ...) when the fused kernels
   * compute them, else their Keras names (those run the composed path).
   */
  readonly activationName: RnnActivation | string;
  /** As activationName, for recurrentActivation. */
  readonly recurrentActivationName: RnnActivation | string;
  /** The resolved activations (function, Keras name, fused code or null). */
  readonly activation: ResolvedActivation;
  /** The resolved recurrentActivation. */
  readonly recurrentActivation: ResolvedActivation;
  override readonly supportsMasking = true;
  /** The input kernel [features, gates*units] (after build). */
  kernel?: LayerWeight;
  /** The recurrent kernel [units, gates*units] (after build). */
  recurrentKernel?: LayerWeight;
  /** The bias (after build; none without useBias). */
  bias?: LayerWeight;
  /** Stateful layers: the states carried between batches (kept tensors), null until first use. */
  protected statesValue: Tensor[] | null = null;
  private readonly rng: Rng;

  /** Gates per unit (LSTM 4, GRU 3, SimpleRNN 1). */
  protected abstract readonly gateCount: number;
  /** States (LSTM 2: h and c; GRU and SimpleRNN 1). */
  abstract readonly stateCount: number;

  /** @param args The layer's arguments (kept for getConfig and build). */
  constructor(readonly args: RecurrentArgs) {
    super(args);
    const cls = (this.constructor as typeof Layer).className;
    if (!Number.isInteger(args?.units) || args.units < 1) {
      throw new Error(`${cls}: 'units' must be a positive integer but is ${args?.units}`);
    }
    this.units = args.units;
    this.returnSequences = !!args.returnSequences;
    this.returnState = !!args.returnState;
    this.goBackwards = !!args.goBackwards;
    this.stateful = !!args.stateful;
    this.dropout = rate(cls, 'dropout', args.dropout);
    this.recurrentDropout = rate(cls, 'recurrentDropout', args.recurrentDropout);
    this.useBias = args.useBias ?? true;
    this.activation = resolveActivation(cls, 'activation', args.activation, 'tanh');
    this.recurrentActivation = resolveActivation(cls, 'recurrentActivation', args.recurrentActivation, 'sigmoid');
    this.activationName = this.activation.fused ?? this.activation.name;
    this.recurrentActivationName = this.recurrentActivation.fused ?? this.recurrentActivation.name;
    this.rng = new Rng(args.seed);
  }

  /** The bias shape (GRU with resetAfter: [2, 3*units]). */
  protected biasShape(): number[] {
    return [this.gateCount * this.units];
  }

  /** The bias initializer (LSTM overrides it for unitForgetBias). */
  protected biasInit(): InitializerArg {
    return this.args.biasInitializer ?? 'zeros';
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    const inDim = shape[shape.length - 1];
    if (shape.length !== 3 || inDim === null) {
      throw new Error(
        `${this.name}: expected an input of shape [batch, time, features] with known features but got ${fmtShape(shape)}`,
      );
    }
    const G = this.gateCount * this.units;
    const a = this.args;
    this.kernel = this.addWeight('kernel', [inDim, G], a.kernelInitializer ?? 'glorotUniform', {
      regularizer: a.kernelRegularizer,
      constraint: a.kernelConstraint,
    });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, G], a.recurrentInitializer ?? 'orthogonal', {
      regularizer: a.recurrentRegularizer,
      constraint: a.recurrentConstraint,
    });
    if (this.useBias) {
      this.bias = this.addWeight('bias', this.biasShape(), this.biasInit(), {
        regularizer: a.biasRegularizer,
        constraint: a.biasConstraint,
      });
    }
    this.built = true;
  }

  protected override checkInput(s: SymbolicShape | SymbolicShape[]): void {
    const shape = (Array.isArray(s[0]) ? s[0] : s) as SymbolicShape;
    if (shape.length !== 3) {
      throw new Error(`${this.name}: expected an input of shape [batch, time, features] but got ${fmtShape(shape)}`);
    }
    if (this.kernel && shape[2] !== this.kernel.shape[0]) {
      throw new Error(
        `${this.name}: expected inputs with ${this.kernel.shape[0]} features (last dimension) but got shape ${fmtShape(shape)}`,
      );
    }
  }

  override computeOutputShape(s: SymbolicShape | SymbolicShape[]): SymbolicShape | SymbolicShape[] {
    const shape = (Array.isArray(s[0]) ? s[0] : s) as SymbolicShape;
    const out: SymbolicShape = this.returnSequences ? [shape[0], shape[1], this.units] : [shape[0], this.units];
    if (!this.returnState) return out;
    return [out, ...Array.from({ length: this.stateCount }, () => [shape[0], this.units] as SymbolicShape)];
  }

  /** The output mask: the input mask for returned sequences, none otherwise (and none for states). */
  override computeMask(
    _inputs: Tensor | Tensor[],
    mask?: Tensor | (Tensor | null)[] | null,
  ): Tensor | (Tensor | null)[] | null {
    const m = Array.isArray(mask) ? (mask[0] ?? null) : (mask ?? null);
    const out = this.returnSequences ? m : null;
    return this.returnState ? [out, ...Array.from({ length: this.stateCount }, () => null)] : out;
  }

  /**
   * Whether the fused kernels compute this layer's activations; if not, the layer runs the
   * composed step loop (runCellSequence with lstmStep etc.), with the same results.
   */
  get fusable(): boolean {
    return this.activation.fused !== null && (this.gateCount === 1 || this.recurrentActivation.fused !== null);
  }

  /** Runs the fused op for this cell type (or the composed loop when not fusable). */
  protected abstract runSequence(x: Tensor, states: Tensor[], opts: RunOptions): SequenceResult;

  /**
   * Call args: `mask` [batch, T] (propagated by models from embedding/masking layers),
   * `initialState` (a tensor or list of [batch, units] tensors), `training` (dropout).
   * A list input [x, ...states] is also read as x with initial states.
   */
  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0];
    if (x.rank !== 3) {
      throw new Error(`${this.name}: expected an input of shape [batch, time, features] but got ${fmt(x.shape)}`);
    }
    const [B, T, I] = x.shape;
    if (T === 0) throw new Error(`${this.name}: the input sequence is empty (shape ${fmt(x.shape)})`);
    const maskArg = Array.isArray(args.mask) ? args.mask[0] : args.mask;
    const mask = (maskArg ?? undefined) as Tensor | undefined;
    if (mask && (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T)) {
      throw new Error(`${this.name}: the mask must have shape ${fmt([B, T])} but has shape ${fmt(mask.shape)}`);
    }
    const states = this.initialStates(B, list.slice(1), args.initialState as Tensor | Tensor[] | undefined);
    let xin = x;
    let recurrentMask: Tensor | undefined;
    if (args.training && this.dropout > 0) {
      xin = mul(x, this.dropoutMask([B, 1, I], this.dropout));
    }
    if (args.training && this.recurrentDropout > 0) {
      recurrentMask = this.dropoutMask([B, this.units], this.recurrentDropout);
    }
    const res = this.runSequence(xin, states, { mask, recurrentMask });
    if (this.stateful) this.keepStates(res.states);
    if (!this.returnState) return res.output;
    // Without returnSequences the output is the final h: return it as a tensor of its own (a
    // differentiable view), so that disposing one entry of the list never frees another.
    const output = this.returnSequences ? res.output : reshape(res.output, res.output.shape);
    return [output, ...res.states];
  }

  /** An inverted-dropout mask (0 or 1/(1-rate)), drawn on the host from the layer's seeded Rng. */
  private dropoutMask(shape: number[], r: number): Tensor {
    const n = shape.reduce((a, c) => a * c, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = this.rng.uniform() < 1 - r ? 1 / (1 - r) : 0;
    return ENGINE.makeTensor(v, shape, 'float32');
  }

  private initialStates(B: number, fromList: Tensor[], arg: Tensor | Tensor[] | undefined): Tensor[] {
    const given = fromList.length ? fromList : arg === undefined ? [] : Array.isArray(arg) ? arg : [arg];
    if (given.length) {
      if (given.length !== this.stateCount) {
        throw new Error(`${this.name}: expected ${this.stateCount} initial state tensor(s) but got ${given.length}`);
      }
      for (const s of given) {
        if (s.rank !== 2 || s.shape[0] !== B || s.shape[1] !== this.units) {
          throw new Error(
            `${this.name}: an initial state must have shape ${fmt([B, this.units])} but has shape ${fmt(s.shape)}`,
          );
        }
      }
      return given;
    }
    if (this.stateful) {
      const want = this.batchInputShape?.[0] ?? this.statesValue?.[0].shape[0] ?? null;
      if (want !== null && want !== B) {
        throw new Error(
          `${this.name}: this stateful layer runs on batches of ${want} samples but got a batch of ${B}; ` +
            'a stateful recurrent layer needs the same batch size for every batch (set batchSize or batchInputShape, and call resetStates() to start over)',
        );
      }
      if (!this.statesValue) this.resetStates();
      if (!this.statesValue) this.keepStates(Array.from({ length: this.stateCount }, () => zeros([B, this.units])));
      return this.statesValue!;
    }
    return Array.from({ length: this.stateCount }, () => zeros([B, this.units]));
  }

  /** Replaces the carried states with copies of `states` that survive the caller's scopes. */
  private keepStates(states: Tensor[]): void {
    const next = states.map((s) => ENGINE.keepTensor(s.clone()));
    if (this.statesValue) for (const s of this.statesValue) ENGINE.releaseKept(s);
    this.statesValue = next;
  }

  /** The carried states of a stateful layer (null before the first batch). */
  get states(): Tensor[] | null {
    return this.statesValue;
  }

  /**
   * Resets the states of a stateful layer to zeros (or to `states`). Before the first batch of a
   * layer without a fixed batch size this clears them; they are created at the next call.
   * @example model.layers[1].resetStates();
   */
  resetStates(states?: Tensor | Tensor[]): void {
    if (!this.stateful) throw new Error(`${this.name}: resetStates() needs a stateful layer (stateful: true)`);
    const B = this.batchInputShape?.[0] ?? this.statesValue?.[0].shape[0] ?? null;
    if (states !== undefined) {
      const list = Array.isArray(states) ? states : [states];
      if (list.length !== this.stateCount || list.some((s) => s.rank !== 2 || s.shape[1] !== this.units)) {
        throw new Error(
          `${this.name}: resetStates expects ${this.stateCount} tensor(s) of shape [batch, ${this.units}]`,
        );
      }
      this.keepStates(list);
      return;
    }
    if (B === null) {
      if (this.statesValue) for (const s of this.statesValue) ENGINE.releaseKept(s);
      this.statesValue = null;
      return;
    }
    ENGINE.tidy(() => this.keepStates(Array.from({ length: this.stateCount }, () => zeros([B, this.units]))));
  }

  override dispose(): void {
    if (this.statesValue) for (const s of this.statesValue) ENGINE.releaseKept(s);
    this.statesValue = null;
    super.dispose();
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
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
      unroll: !!this.args.unroll,
      ...weightConfig(this.args, { kernel: 'glorotUniform', recurrent: 'orthogonal', bias: 'zeros' }),
    };
  }
}

export function fmtShape(shape: SymbolicShape): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(',')}]`;
}
