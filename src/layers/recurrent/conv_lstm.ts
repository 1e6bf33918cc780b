// ConvLSTM2D: Keras' convolutional LSTM over [batch, time, rows, cols, channels] sequences.
// The recurrence runs in fused kernels like LSTM/GRU (conv_lstm_op.ts: one input convolution for
// every step, per step the recurrent convolution and one fused gate kernel, forward and
// backward). Activations the fused kernels do not compute (e.g. 'gelu', a custom function) and
// backends without those kernels run the same math composed of ops, one step at a time, as one
// checkpointed tape node (sequence() below).
import type { ActivationFn } from '../../activations/index.js';
import type { DataType } from '../../engine/dtype.js';
import { ENGINE } from '../../engine/engine.js';
import { Rng } from '../../engine/random.js';
import { fmt } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import { getInitializer, type Initializer } from '../../initializers/index.js';
import { add, mul } from '../../ops/binary.js';
import { concat, stack } from '../../ops/concat.js';
import { conv2d } from '../../ops/conv2d.js';
import { ones, zeros } from '../../ops/creation.js';
import { reshape } from '../../ops/reshape.js';
import { slice } from '../../ops/slice.js';
import { customGrad } from '../../ops/env.js';
import { checkFloat } from '../../ops/util.js';
import { grads } from '../../ops/gradients.js';
import { sum } from '../../ops/reduce.js';
import { weightConfig } from '../config_util.js';
import { convCommon, windowOutput } from '../convolutional/conv.js';
import type { RnnActivation } from '../../ops/rnn.js';
import { resolveActivation } from './cells.js';
import { convLstm2dSequence, hasFusedConvLstm } from './conv_lstm_op.js';
import { fmtShape } from '../core/dense.js';
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

export interface ConvLSTM2DArgs extends LayerArgs {
  /** Number of output channels (and of each state's channels). */
  filters: number;
  /** Kernel height and width (one number for both). */
  kernelSize: number | number[];
  /** Strides of the input convolution (default 1). */
  strides?: number | number[];
  /** 'valid' (default) or 'same', for the input convolution; the recurrent one is always 'same'. */
  padding?: 'valid' | 'same';
  /** Only 'channelsLast' (Keras' channels_last). */
  dataFormat?: 'channelsLast' | 'channels_last';
  /** Dilation of the input convolution (default 1). */
  dilationRate?: number | number[];
  /** Default 'tanh'. */
  activation?: string | ActivationFn;
  /** Default 'sigmoid' (Keras 3). Porting note: tfjs-layers defaults to 'hardSigmoid'. */
  recurrentActivation?: string | ActivationFn;
  /** Add a bias (default true). */
  useBias?: boolean;
  /** Initializer of the input kernel (default 'glorotUniform'). */
  kernelInitializer?: InitializerArg;
  /** Initializer of the recurrent kernel (default 'orthogonal'). */
  recurrentInitializer?: InitializerArg;
  /** Initializer of the bias (default 'zeros'). */
  biasInitializer?: InitializerArg;
  /** Forget-gate bias starts at 1 (default true, as Keras and tfjs-layers). */
  unitForgetBias?: boolean;
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
  /** Return the output of every step (default: the last). */
  returnSequences?: boolean;
  /** Also return the final states: [output, h, c]. */
  returnState?: boolean;
  /** Process the sequence backwards; outputs in processing order. */
  goBackwards?: boolean;
  /** Only false: stateful ConvLSTM2D is not supported. */
  stateful?: boolean;
  /** Fraction of the input pixels dropped while training (one mask per sample for every step, as Keras). */
  dropout?: number;
  /** Fraction of h_{t-1} dropped in the recurrent convolution while training (one mask per sample). */
  recurrentDropout?: number;
  /** Seed of the dropout masks. */
  seed?: number;
}

/**
 * Convolutional LSTM (Shi et al. 2015), Keras' ConvLSTM2D. Gates i, f, c, o; weights in Keras
 * layout: kernel [kh, kw, channels, 4*filters], recurrent_kernel [kh, kw, filters, 4*filters],
 * bias [4*filters], so Keras and tfjs-layers weights load with setWeights. Per step:
 * z = conv(x_t, kernel) + b + conv(h, recurrent_kernel) ('same', stride 1);
 * c = f*c + i*act(z_c); h = o*act(c), with i, f, o = recurrentActivation(z_i, z_f, z_o).
 * Porting note: masks, stateful and channels_first are not supported (an error says so). The
 * whole sequence runs in fused kernels, forward and backward, as LSTM and GRU do (one input
 * convolution for every step; per step the recurrent convolution and one fused SIMD gate
 * kernel), as one tape node keeping h, c and the gates of every step. Activations the kernels
 * lack (e.g. 'gelu' or a function) run the same math composed of ops, checkpointed (backward
 * recomputes one step at a time).
 * @example
 * sg.layers.convLstm2d({ filters: 40, kernelSize: 3, padding: 'same', returnSequences: true,
 *   inputShape: [null, 40, 40, 1] });
 */
export class ConvLSTM2D extends Layer {
  static override className = 'ConvLSTM2D';
  /** Output channels. */
  readonly filters: number;
  /** Kernel [height, width]. */
  readonly kernelSize: number[];
  /** Strides of the input convolution. */
  readonly strides: number[];
  /** Padding of the input convolution. */
  readonly padding: 'valid' | 'same';
  /** Dilation of the input convolution. */
  readonly dilationRate: number[];
  /** Whether the layer has a bias. */
  readonly useBias: boolean;
  /** Whether the forget-gate bias starts at 1. */
  readonly unitForgetBias: boolean;
  /** Whether the output of every step is returned. */
  readonly returnSequences: boolean;
  /** Whether the final states are returned too. */
  readonly returnState: boolean;
  /** Whether the sequence is processed backwards. */
  readonly goBackwards: boolean;
  /** The activation's Keras name. */
  readonly activationName: string;
  /** The recurrent activation's Keras name. */
  readonly recurrentActivationName: string;
  /** Input dropout rate while training. */
  readonly dropout: number;
  /** Recurrent dropout rate while training. */
  readonly recurrentDropout: number;
  private readonly rng: Rng;
  private readonly act: (x: Tensor) => Tensor;
  private readonly recAct: (x: Tensor) => Tensor;
  /** The activations' fused-kernel names, or null when the fused kernels do not compute them. */
  private readonly fusedActivations: [RnnActivation, RnnActivation] | null;
  /** The input kernel [kh, kw, channels, 4*filters] (after build). */
  kernel?: LayerWeight;
  /** The recurrent kernel [kh, kw, filters, 4*filters] (after build). */
  recurrentKernel?: LayerWeight;
  /** The bias [4*filters] (after build). */
  bias?: LayerWeight;

  /** @param args The layer's arguments (kept for getConfig and build). */
  constructor(readonly args: ConvLSTM2DArgs) {
    super(args);
    const cls = 'ConvLSTM2D';
    if (!Number.isInteger(args?.filters) || args.filters < 1)
      throw new Error(`${cls}: 'filters' must be a positive integer but is ${args?.filters}`);
    const df = args.dataFormat ?? 'channelsLast';
    if (df !== 'channelsLast' && df !== 'channels_last')
      throw new Error(`${cls}: only dataFormat 'channelsLast' is supported but got '${args.dataFormat}'`);
    const c = convCommon(cls, 2, { ...args, dataFormat: 'channelsLast' });
    if (c.padding === 'causal') throw new Error(`${cls}: padding must be 'valid' or 'same' but is 'causal'`);
    for (const k of ['dropout', 'recurrentDropout'] as const) {
      const v = args[k] ?? 0;
      if (typeof v !== 'number' || !(v >= 0 && v < 1))
        throw new Error(`${cls}: '${k}' must be a number in [0, 1) but is ${args[k]}`);
    }
    this.dropout = args.dropout ?? 0;
    this.recurrentDropout = args.recurrentDropout ?? 0;
    this.rng = new Rng(args.seed);
    if (args.stateful) throw new Error(`${cls}: 'stateful' true is not supported (only false)`);
    this.filters = args.filters;
    this.kernelSize = c.kernelSize;
    this.strides = c.strides;
    this.padding = c.padding;
    this.dilationRate = c.dilationRate;
    this.useBias = args.useBias ?? true;
    this.unitForgetBias = args.unitForgetBias ?? true;
    this.returnSequences = !!args.returnSequences;
    this.returnState = !!args.returnState;
    this.goBackwards = !!args.goBackwards;
    const act = resolveActivation(cls, 'activation', args.activation, 'tanh');
    const recAct = resolveActivation(cls, 'recurrentActivation', args.recurrentActivation, 'sigmoid');
    this.act = act.fn;
    this.recAct = recAct.fn;
    this.activationName = act.name;
    this.recurrentActivationName = recAct.name;
    this.fusedActivations = act.fused && recAct.fused ? [act.fused, recAct.fused] : null;
  }

  protected override checkInput(s: SymbolicShape | SymbolicShape[]): void {
    const shape = (Array.isArray(s[0]) ? s[0] : s) as SymbolicShape;
    if (shape.length !== 5 || shape[4] === null) {
      throw new Error(
        `${this.name}: ConvLSTM2D expects an input [batch, time, rows, cols, channels] with known channels but got ${fmtShape(shape)}`,
      );
    }
    if (this.kernel && shape[4] !== this.kernel.shape[2]) {
      throw new Error(`${this.name}: expected ${this.kernel.shape[2]} input channels but got shape ${fmtShape(shape)}`);
    }
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    this.checkInput(shape);
    const [kh, kw] = this.kernelSize;
    const F = this.filters;
    const a = this.args;
    this.kernel = this.addWeight(
      'kernel',
      [kh, kw, shape[4] as number, 4 * F],
      a.kernelInitializer ?? 'glorotUniform',
      {
        regularizer: a.kernelRegularizer,
        constraint: a.kernelConstraint,
      },
    );
    this.recurrentKernel = this.addWeight(
      'recurrent_kernel',
      [kh, kw, F, 4 * F],
      a.recurrentInitializer ?? 'orthogonal',
      {
        regularizer: a.recurrentRegularizer,
        constraint: a.recurrentConstraint,
      },
    );
    if (this.useBias) {
      this.bias = this.addWeight('bias', [4 * F], this.biasInit(), {
        regularizer: a.biasRegularizer,
        constraint: a.biasConstraint,
      });
    }
    this.built = true;
  }

  private biasInit(): InitializerArg {
    const dflt = this.args.biasInitializer ?? 'zeros';
    if (!this.unitForgetBias) return dflt;
    const base = getInitializer(dflt as never);
    const F = this.filters;
    // Keras' unit_forget_bias: [init(filters), ones(filters), init(2 * filters)].
    const init: Initializer = {
      className: base.className,
      apply: (_shape: readonly number[], dtype: DataType = 'float32') =>
        ENGINE.tidy(() => concat([base.apply([F], dtype), ones([F]), base.apply([2 * F], dtype)], 0)),
      getConfig: () => base.getConfig(),
    };
    return init;
  }

  /** Output rows and cols of the input convolution. */
  private outSpatial(shape: SymbolicShape): (number | null)[] {
    return windowOutput(
      this.name,
      shape.slice(2, 4),
      this.kernelSize,
      this.strides,
      this.dilationRate,
      this.padding,
      shape,
    );
  }

  override computeOutputShape(s: SymbolicShape | SymbolicShape[]): SymbolicShape | SymbolicShape[] {
    const shape = (Array.isArray(s[0]) ? s[0] : s) as SymbolicShape;
    const [r, c] = this.outSpatial(shape);
    const state: SymbolicShape = [shape[0], r, c, this.filters];
    const out: SymbolicShape = this.returnSequences ? [shape[0], shape[1], r, c, this.filters] : state;
    return this.returnState ? [out, state, state.slice()] : out;
  }

  /** Call args: `initialState` [h, c] (each [batch, rows', cols', filters]); a list input [x, h, c] also works. */
  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0];
    if (x.rank !== 5)
      throw new Error(
        `${this.name}: ConvLSTM2D expects an input [batch, time, rows, cols, channels] but got ${fmt(x.shape)}`,
      );
    if (args.mask) throw new Error(`${this.name}: ConvLSTM2D does not support masks yet`);
    const [B, T, H, W, C] = x.shape;
    if (T === 0) throw new Error(`${this.name}: the input sequence is empty (shape ${fmt(x.shape)})`);
    checkFloat(`${this.name} (ConvLSTM2D)`, 'inputs', x);
    const F = this.filters;
    const [R, Q] = this.outSpatial(x.shape) as number[];
    const stateShape = [B, R, Q, F];
    const given = list.length > 1 ? list.slice(1) : (args.initialState as Tensor | Tensor[] | undefined);
    let h: Tensor;
    let c: Tensor;
    if (given !== undefined) {
      const st = Array.isArray(given) ? given : [given];
      if (st.length !== 2 || st.some((s) => fmt(s.shape) !== fmt(stateShape))) {
        throw new Error(
          `${this.name}: initialState must be [h, c], each of shape ${fmt(stateShape)}, but got ${st.map((s) => fmt(s.shape)).join(', ')}`,
        );
      }
      [h, c] = st;
      checkFloat(`${this.name} (ConvLSTM2D)`, 'initialState[0]', h);
      checkFloat(`${this.name} (ConvLSTM2D)`, 'initialState[1]', c);
    } else {
      h = zeros(stateShape);
      c = zeros(stateShape);
    }
    // Keras' ConvLSTMCell: one input mask and one recurrent mask per sample, the same for every
    // step and every gate, drawn only while training.
    const xin = args.training && this.dropout > 0 ? mul(x, this.dropoutMask([B, 1, H, W, C], this.dropout)) : x;
    const recMask =
      args.training && this.recurrentDropout > 0 ? this.dropoutMask(stateShape, this.recurrentDropout) : null;
    if (this.fusable) {
      // One tape node whose value holds just what is returned (no slicing of the sequence):
      // every step's h or the last, then the final c with returnState.
      const v = convLstm2dSequence(xin, this.kernel!.variable, this.recurrentKernel!.variable, this.bias?.variable ?? null, h, c, {
        strides: this.strides,
        dilationRate: this.dilationRate,
        padding: this.padding,
        goBackwards: this.goBackwards,
        activation: this.fusedActivations![0],
        recurrentActivation: this.fusedActivations![1],
        recurrentMask: recMask,
        returnSequences: this.returnSequences,
        returnState: this.returnState,
      });
      const at = (i: number) => reshape(slice(v, [0, i, 0, 0, 0], [B, 1, R, Q, F]), [B, R, Q, F]);
      if (!this.returnState) return this.returnSequences ? v : reshape(v, [B, R, Q, F]);
      const nH = this.returnSequences ? T : 1;
      [h, c] = [at(nH - 1), at(nH)];
      return [this.returnSequences ? slice(v, [0, 0, 0, 0, 0], [B, T, R, Q, F]) : reshape(h, h.shape), h, c];
    }
    // The composed path, also one tape node: [B, T+1, R, Q, F], h of every step and the final c.
    const seq = this.sequence(xin, h, c, recMask, [B, T, R, Q, F]);
    const outputs = this.returnSequences ? slice(seq, [0, 0, 0, 0, 0], [B, T, R, Q, F]) : null;
    h = reshape(slice(seq, [0, T - 1, 0, 0, 0], [B, 1, R, Q, F]), [B, R, Q, F]);
    c = reshape(slice(seq, [0, T, 0, 0, 0], [B, 1, R, Q, F]), [B, R, Q, F]);
    const out = outputs ?? h;
    if (!this.returnState) return out;
    return [this.returnSequences ? out : reshape(h, h.shape), h, c];
  }

  /**
   * Whether this call runs the fused kernels: the activations are ones they compute and the
   * active backend has them (js and wasm do); otherwise the composed sequence() runs.
   */
  get fusable(): boolean {
    return this.fusedActivations !== null && hasFusedConvLstm();
  }

  /**
   * The gate math of one step, z [B, R, Q, 4F] and c_{t-1} to [h, c] concatenated on the last
   * axis: i, f, o = recAct(z_i, z_f, z_o); c = f*c_{t-1} + i*act(z_c); h = o*act(c).
   */
  gateStep(z: Tensor, cPrev: Tensor): Tensor {
    const F = this.filters;
    const gate = (k: number) => slice(z, [0, 0, 0, k * F], [...z.shape.slice(0, 3), F]);
    const c = add(mul(this.recAct(gate(1)), cPrev), mul(this.recAct(gate(0)), this.act(gate(2))));
    return concat([mul(this.recAct(gate(3)), this.act(c)), c], 3);
  }

  /** The gate pre-activations of one step: conv(x_t, kernel) + bias + conv(h_{t-1} (* recMask), recurrentKernel). */
  private stepZ(xt: Tensor, hPrev: Tensor, k: Tensor, rk: Tensor, b: Tensor | null, recMask: Tensor | null): Tensor {
    let z = conv2d(xt, k, this.strides as [number, number], this.padding, 'NHWC', this.dilationRate as [number, number]);
    if (b) z = add(z, b);
    return add(z, conv2d(recMask ? mul(hPrev, recMask) : hPrev, rk, 1, 'same'));
  }

  /**
   * The recurrence over the whole sequence as one tape node: [B, T+1, R, Q, F] holding h of every
   * step (in processing order) and, at index T, the final c. Why one node: composed per step, the
   * tape kept ~20 tensors of every step for backward, and the gradient of each step's slice of
   * the input projection was a zero-padded tensor of the whole sequence (T^2 memory); the
   * original example's sizes ran out of the 4 GiB heap. Here forward keeps only h and c per step,
   * and backward walks the steps in reverse, recomputing one step's gates at a time and
   * differentiating that step alone (checkpointing), so its working set is one step's.
   * Same values and gradients as the composed step (test/layers/conv_lstm.test.ts, against
   * tfjs-layers and finite differences).
   */
  private sequence(x: Tensor, h0: Tensor, c0: Tensor, recMask: Tensor | null, [B, T, R, Q, F]: number[]): Tensor {
    const k = this.kernel!.variable;
    const rk = this.recurrentKernel!.variable;
    const b = this.bias?.variable ?? null;
    const [, , H, W, C] = x.shape;
    const tin = (s: number) => (this.goBackwards ? T - 1 - s : s);
    const xAt = (xs: Tensor, t: number) => reshape(slice(xs, [0, t, 0, 0, 0], [B, 1, H, W, C]), [B, H, W, C]);
    const at = (seq: Tensor, s: number) => reshape(slice(seq, [0, s, 0, 0, 0], [B, 1, R, Q, F]), [B, R, Q, F]);
    const inputs = b ? [x, k, rk, b, h0, c0] : [x, k, rk, h0, c0];
    const op = customGrad((...args: unknown[]) => {
      const save = args[args.length - 1] as (t: Tensor[]) => void;
      const hs: Tensor[] = [];
      const cs: Tensor[] = [];
      let h = h0;
      let c = c0;
      for (let s = 0; s < T; s++) {
        [h, c] = ENGINE.tidy(() => {
          const hc = this.gateStep(this.stepZ(xAt(x, tin(s)), h, k, rk, b, recMask), c);
          return [slice(hc, [0, 0, 0, 0], [B, R, Q, F]), slice(hc, [0, 0, 0, F], [B, R, Q, F])];
        });
        hs.push(h);
        cs.push(c);
      }
      const value = stack([...hs, c], 1);
      const cSeq = stack(cs, 1);
      for (const t of [...hs, ...cs]) t.dispose();
      // Backward reads what it needs from the saved list (the tape keeps those alive; the
      // tensors of this call's scope are gone by then).
      save([value, cSeq, x, h0, c0, ...(recMask ? [recMask] : [])]);
      return {
        value,
        gradFunc: (dy: Tensor, [v, cAll, xs, h0s, c0s, rm]: Tensor[]) =>
          this.sequenceGrad(dy, v, cAll, xs, h0s, c0s, rm ?? null, [B, T, R, Q, F], !!b, xAt, at, tin),
      };
    });
    return (op as (...t: Tensor[]) => Tensor)(...inputs);
  }

  /** Backward through time for sequence(): one step at a time, newest first. */
  private sequenceGrad(
    dy: Tensor,
    value: Tensor,
    cAll: Tensor,
    x: Tensor,
    h0: Tensor,
    c0: Tensor,
    recMask: Tensor | null,
    [B, T, R, Q, F]: number[],
    hasBias: boolean,
    xAt: (xs: Tensor, t: number) => Tensor,
    at: (seq: Tensor, s: number) => Tensor,
    tin: (s: number) => number,
  ): Tensor[] {
    const k = this.kernel!.variable;
    const rk = this.recurrentKernel!.variable;
    const b = hasBias ? this.bias!.variable : null;
    const keepSum = (acc: Tensor | null, g: Tensor) => {
      if (!acc) return g;
      const r = add(acc, g);
      acc.dispose();
      g.dispose();
      return r;
    };
    let dK: Tensor | null = null;
    let dR: Tensor | null = null;
    let dB: Tensor | null = null;
    let dh = ENGINE.tidy(() => zeros([B, R, Q, F]));
    let dc = ENGINE.tidy(() => at(dy, T));
    const dxs: Tensor[] = new Array<Tensor>(T);
    for (let s = T - 1; s >= 0; s--) {
      const g = ENGINE.tidy(() => {
        const hPrev = s === 0 ? h0 : at(value, s - 1);
        const cPrev = s === 0 ? c0 : at(cAll, s - 1);
        const seed = concat([add(dh, at(dy, s)), dc], 3);
        const xt = xAt(x, tin(s));
        const f = (xv: Tensor, kv: Tensor, rv: Tensor, hv: Tensor, cv: Tensor, bv?: Tensor) =>
          sum(mul(this.gateStep(this.stepZ(xv, hv, kv, rv, bv ?? null, recMask), cv), seed));
        return b ? grads((xv, kv, rv, hv, cv, bv) => f(xv, kv, rv, hv, cv, bv))([xt, k, rk, hPrev, cPrev, b]) : grads(f)([xt, k, rk, hPrev, cPrev]);
      });
      dxs[tin(s)] = g[0];
      dK = keepSum(dK, g[1]);
      dR = keepSum(dR, g[2]);
      dh.dispose();
      dc.dispose();
      dh = g[3];
      dc = g[4];
      if (b) dB = keepSum(dB, g[5]);
    }
    const dx = stack(dxs, 1);
    for (const t of dxs) t.dispose();
    return b ? [dx, dK!, dR!, dB!, dh, dc] : [dx, dK!, dR!, dh, dc];
  }

  /** An inverted-dropout mask (0 or 1/(1-rate)) drawn on the host from the layer's seeded Rng. */
  private dropoutMask(shape: number[], rate: number): Tensor {
    const v = new Float32Array(shape.reduce((a, c) => a * c, 1));
    this.rng.fillMask(v, 1 - rate, 1 / (1 - rate));
    return ENGINE.makeTensor(v, shape, 'float32');
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dataFormat: 'channels_last',
      dilationRate: this.dilationRate,
      activation: this.activationName,
      recurrentActivation: this.recurrentActivationName,
      useBias: this.useBias,
      unitForgetBias: this.unitForgetBias,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: false,
      seed: this.args.seed ?? null,
      ...weightConfig(this.args, { kernel: 'glorotUniform', recurrent: 'orthogonal', bias: 'zeros' }),
    };
  }
}
