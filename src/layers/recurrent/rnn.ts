// layers.rnn({cell}): Keras' and tfjs-layers' generic recurrent layer over any cell (stock,
// stacked or user-defined). A stock LSTMCell/GRUCell/SimpleRNNCell whose activations the fused
// kernels compute runs the same fused op as layers.lstm/gru/simpleRNN (one call for the whole
// sequence, forward and backward); any other cell runs a loop over the steps composed from ops,
// differentiated by the tape (runCellSequence, also the LSTM/GRU/SimpleRNN layers' path for
// activations the kernels lack).
import { ENGINE } from '../../engine/engine.js';
import { fmt } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import { mul } from '../../ops/binary.js';
import { where } from '../../ops/where.js';
import { cast } from '../../ops/cast.js';
import { stack, unstack } from '../../ops/concat.js';
import { zeros } from '../../ops/creation.js';
import { reshape } from '../../ops/reshape.js';
import { gruSequence, lstmSequence, simpleRnnSequence } from '../../ops/rnn.js';
import { slice } from '../../ops/slice.js';
import { Layer, type CallArgs, type LayerArgs, type LayerWeight } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import {
  GRUCell,
  LSTMCell,
  SimpleRNNCell,
  StackedRNNCells,
  StockCell,
  callCell,
  dropoutMaskTensor,
  isCell,
  stateSizes,
  type RNNCellLike,
} from './cells.js';

/** Options of {@link runCellSequence}. */
export interface CellSequenceOptions {
  goBackwards?: boolean;
  returnSequences?: boolean;
  /** [batch, T] float: 0 skips the step for that sample (states and output carried over). */
  mask?: Tensor | null;
}

/**
 * Runs `step` over the time axis of x [batch, T, features] from `states`: the composed
 * (op-by-op) recurrence. Masked steps carry the previous output and states (Keras' and tfjs'
 * rule; before the first step the previous output is the first state, as the fused kernels and
 * Keras 3 have it, or zeros when their shapes differ). With goBackwards the output sequence is in
 * processing order, as Keras. Returns the output ([batch, T, n] or the last [batch, n]) and the
 * final states.
 */
export function runCellSequence(
  x: Tensor,
  states: Tensor[],
  step: (xt: Tensor, states: Tensor[]) => [Tensor, Tensor[]],
  opts: CellSequenceOptions = {},
): { output: Tensor; states: Tensor[] } {
  const T = x.shape[1];
  // Masks pick with `where` (never m*a + (1-m)*b: an Infinity computed at a skipped step must not
  // turn into NaN).
  const mask = opts.mask ? cast(opts.mask, 'bool') : null;
  const xs = unstack(x, 1);
  const steps = opts.goBackwards ? xs.slice().reverse() : xs;
  const tins = steps.map((_, s) => (opts.goBackwards ? T - 1 - s : s));
  const outputs: Tensor[] = [];
  let prevOut: Tensor | null = null as Tensor | null;
  let cur = states;
  steps.forEach((xt, s) => {
    let [out, next] = step(xt, cur);
    if (mask) {
      const m = slice(mask, [0, tins[s]], [x.shape[0], 1]); // [B, 1]
      const keep = (a: Tensor, b: Tensor) => where(m, a, b);
      next = next.map((n, i) => keep(n, cur[i]));
      // Before the first step the "previous output" is the first state where it has the output's
      // shape (the fused kernels and Keras 3 carry h_{t-1}), else zeros.
      const first = cur[0] && cur[0].shape.length === out.shape.length && cur[0].shape.every((d, i) => d === out.shape[i]) ? cur[0] : null;
      out = keep(out, prevOut ?? first ?? zeros(out.shape));
    }
    outputs.push(out);
    prevOut = out;
    cur = next;
  });
  const output = opts.returnSequences ? stack(outputs, 1) : outputs[outputs.length - 1];
  return { output, states: cur };
}

/** Arguments of {@link RNN} (tfjs-layers' camelCase of Keras' RNN arguments). */
export interface RNNArgs extends LayerArgs {
  /** A cell (a Layer with `stateSize` and `call([x, ...states])`), or a list of cells to stack. */
  cell: Layer | Layer[];
  /** Return the whole output sequence (default: the last output). */
  returnSequences?: boolean;
  /** Also return the final states (all cells' states, in order). */
  returnState?: boolean;
  /** Process the sequence backwards; the output sequence is in processing order. */
  goBackwards?: boolean;
  /** Carry the final states of a batch into the next batch (reset with resetStates()). */
  stateful?: boolean;
  /** Accepted and ignored: the fused kernels run the whole sequence in one call already. */
  unroll?: boolean;
  /** Keras 3: zero the outputs of masked steps in returned sequences (default false: carry the last). */
  zeroOutputForMask?: boolean;
  /** Accepted for tfjs-layers files: the input length (use inputShape). */
  inputLength?: number | null;
}

/**
 * The generic recurrent layer over a cell (Keras' `keras.layers.RNN`, tfjs-layers' `layers.rnn`).
 * Stock cells run the fused kernels of `layers.lstm`/`gru`/`simpleRNN` when their activations
 * allow it; stacked and user-defined cells run a loop over the steps, composed from ops.
 * Masks, initial states (`initialState` or a list input [x, ...states]), stateful layers,
 * returnState, goBackwards and dropout behave as in the LSTM layer.
 * @example
 * const cell = sg.layers.lstmCell({ units: 16 });
 * const layer = sg.layers.rnn({ cell, returnSequences: true, inputShape: [10, 8] });
 */
export class RNN extends Layer {
  static override className = 'RNN';
  /** The cell (a StackedRNNCells for a list). */
  readonly cell: RNNCellLike;
  /** Whether the whole output sequence is returned. */
  readonly returnSequences: boolean;
  /** Whether the final states are returned too. */
  readonly returnState: boolean;
  /** Whether the sequence is processed backwards. */
  readonly goBackwards: boolean;
  /** Whether states carry over between batches. */
  readonly stateful: boolean;
  /** Accepted and ignored (kept for configs). */
  readonly unroll: boolean;
  /** Whether masked steps of returned sequences are zeros. */
  readonly zeroOutputForMask: boolean;
  override readonly supportsMasking = true;
  private statesValue: Tensor[] | null = null;

  constructor(args: RNNArgs) {
    super(args);
    const c = args?.cell;
    if (Array.isArray(c)) this.cell = new StackedRNNCells({ cells: c });
    else if (isCell(c)) this.cell = c;
    else {
      throw new Error(
        `RNN: 'cell' must be a recurrent cell (a Layer with a positive integer stateSize, e.g. sg.layers.lstmCell({units})) or a list of cells, but is ${c === undefined ? 'missing' : c instanceof Layer ? `a ${c.className} without stateSize` : typeof c}`,
      );
    }
    this.returnSequences = !!args.returnSequences;
    this.returnState = !!args.returnState;
    this.goBackwards = !!args.goBackwards;
    this.stateful = !!args.stateful;
    this.unroll = !!args.unroll;
    this.zeroOutputForMask = !!args.zeroOutputForMask;
  }

  /** The size of the output per step. */
  get outputSize(): number {
    return this.cell.outputSize ?? stateSizes(this.cell)[0];
  }

  protected override checkInput(s: SymbolicShape | SymbolicShape[]): void {
    const shape = (Array.isArray(s[0]) ? s[0] : s) as SymbolicShape;
    if (shape.length !== 3) throw new Error(`${this.name}: expected an input of shape [batch, time, features] but got ${fmtShape(shape)}`);
    if (shape[2] === null) throw new Error(`${this.name}: the input's last dimension must be known but the shape is ${fmtShape(shape)}`);
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
    if (!this.cell.built) this.cell.build([shape[0], shape[2]]);
    this.cell.built = true;
    this.built = true;
  }

  override computeOutputShape(s: SymbolicShape | SymbolicShape[]): SymbolicShape | SymbolicShape[] {
    const shape = (Array.isArray(s[0]) ? s[0] : s) as SymbolicShape;
    const n = this.outputSize;
    const out: SymbolicShape = this.returnSequences ? [shape[0], shape[1], n] : [shape[0], n];
    if (!this.returnState) return out;
    return [out, ...stateSizes(this.cell).map((d) => [shape[0], d] as SymbolicShape)];
  }

  override computeMask(_inputs: Tensor | Tensor[], mask?: Tensor | (Tensor | null)[] | null): Tensor | (Tensor | null)[] | null {
    const m = Array.isArray(mask) ? (mask[0] ?? null) : (mask ?? null);
    const out = this.returnSequences ? m : null;
    return this.returnState ? [out, ...stateSizes(this.cell).map(() => null)] : out;
  }

  /** Which fused op runs this layer's cell, or null for the composed loop. */
  get fusedKind(): 'lstm' | 'gru' | 'simple' | null {
    const c = this.cell;
    if (!(c instanceof StockCell) || !c.fusable) return null;
    return c instanceof LSTMCell ? 'lstm' : c instanceof GRUCell ? 'gru' : c instanceof SimpleRNNCell ? 'simple' : null;
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0];
    if (x.rank !== 3) throw new Error(`${this.name}: expected an input of shape [batch, time, features] but got ${fmt(x.shape)}`);
    const [B, T] = x.shape;
    if (T === 0) throw new Error(`${this.name}: the input sequence is empty (shape ${fmt(x.shape)})`);
    const maskArg = (Array.isArray(args.mask) ? args.mask[0] : args.mask) ?? null;
    if (maskArg && (maskArg.rank !== 2 || maskArg.shape[0] !== B || maskArg.shape[1] !== T)) {
      throw new Error(`${this.name}: the mask must have shape ${fmt([B, T])} but has shape ${fmt(maskArg.shape)}`);
    }
    const mask = maskArg ? (maskArg.dtype === 'float32' ? maskArg : cast(cast(maskArg, 'bool'), 'float32')) : null;
    const states = this.initialStates(B, list.slice(1), args.initialState as Tensor | Tensor[] | undefined);
    const res = this.fusedKind ? this.runFused(x, states, mask, !!args.training) : this.runComposed(x, states, mask, !!args.training);
    let output = res.output;
    if (this.zeroOutputForMask && this.returnSequences && mask) output = mul(output, reshape(mask, [B, T, 1]));
    if (this.stateful) this.keepStates(res.states);
    if (!this.returnState) return output;
    return [this.returnSequences ? output : reshape(output, output.shape), ...res.states];
  }

  private runFused(x: Tensor, states: Tensor[], mask: Tensor | null, training: boolean): { output: Tensor; states: Tensor[] } {
    const c = this.cell as StockCell;
    const [B, , I] = x.shape;
    const xin = training && c.dropout > 0 ? mul(x, dropoutMaskTensor(c.rng, [B, 1, I], c.dropout)) : x;
    const recurrentMask = training && c.recurrentDropout > 0 ? dropoutMaskTensor(c.rng, [B, c.units], c.recurrentDropout) : undefined;
    const w = c.stepWeights();
    const common = {
      goBackwards: this.goBackwards,
      returnSequences: this.returnSequences,
      mask: mask ?? undefined,
      recurrentMask,
      activation: c.activation.fused!,
      recurrentActivation: c.recurrentActivation.fused ?? undefined,
    };
    if (c instanceof LSTMCell) {
      const r = lstmSequence(xin, w.kernel, w.recurrentKernel, w.bias, states[0], states[1], common);
      return { output: r.output, states: [r.h, r.c] };
    }
    if (c instanceof GRUCell) {
      const r = gruSequence(xin, w.kernel, w.recurrentKernel, w.bias, states[0], Object.assign({}, common, { resetAfter: c.resetAfter }));
      return { output: r.output, states: [r.h] };
    }
    const r = simpleRnnSequence(xin, w.kernel, w.recurrentKernel, w.bias, states[0], Object.assign({}, common, { recurrentActivation: undefined }));
    return { output: r.output, states: [r.h] };
  }

  private runComposed(x: Tensor, states: Tensor[], mask: Tensor | null, training: boolean): { output: Tensor; states: Tensor[] } {
    // One dropout mask per sequence for each stock cell (Keras and tfjs draw them once per call).
    const stock = this.stockCells();
    for (const c of stock) c.dropoutMasks = { input: null, recurrent: null };
    try {
      return runCellSequence(x, states, (xt, st) => callCell(this.cell, xt, st, { training }), {
        goBackwards: this.goBackwards,
        returnSequences: this.returnSequences,
        mask,
      });
    } finally {
      for (const c of stock) c.dropoutMasks = null;
    }
  }

  private stockCells(): StockCell[] {
    const c = this.cell;
    if (c instanceof StockCell) return [c];
    if (c instanceof StackedRNNCells) return c.cells.filter((k): k is StockCell => k instanceof StockCell);
    return [];
  }

  private initialStates(B: number, fromList: Tensor[], arg: Tensor | Tensor[] | undefined): Tensor[] {
    const sizes = stateSizes(this.cell);
    const given = fromList.length ? fromList : arg === undefined ? [] : Array.isArray(arg) ? arg : [arg];
    if (given.length) {
      if (given.length !== sizes.length) throw new Error(`${this.name}: expected ${sizes.length} initial state tensor(s) but got ${given.length}`);
      given.forEach((s, i) => {
        if (s.rank !== 2 || s.shape[0] !== B || s.shape[1] !== sizes[i]) {
          throw new Error(`${this.name}: initial state ${i} must have shape ${fmt([B, sizes[i]])} but has shape ${fmt(s.shape)}`);
        }
      });
      return given;
    }
    if (this.stateful) {
      const want = this.batchInputShape?.[0] ?? this.statesValue?.[0].shape[0] ?? null;
      if (want !== null && want !== B) {
        throw new Error(
          `${this.name}: this stateful layer runs on batches of ${want} samples but got a batch of ${B}; a stateful recurrent layer needs the same batch size for every batch (call resetStates() to start over)`,
        );
      }
      if (!this.statesValue) this.keepStates(sizes.map((d) => zeros([B, d])));
      return this.statesValue!;
    }
    return sizes.map((d) => zeros([B, d]));
  }

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
   * Resets the states of a stateful layer to zeros (or to `states`); without a known batch size
   * they are cleared and made at the next call.
   * @example layer.resetStates();
   */
  resetStates(states?: Tensor | Tensor[]): void {
    if (!this.stateful) throw new Error(`${this.name}: resetStates() needs a stateful layer (stateful: true)`);
    const sizes = stateSizes(this.cell);
    if (states !== undefined) {
      const list = Array.isArray(states) ? states : [states];
      if (list.length !== sizes.length || list.some((s, i) => s.rank !== 2 || s.shape[1] !== sizes[i])) {
        throw new Error(`${this.name}: resetStates expects ${sizes.length} tensor(s) of shapes ${sizes.map((d) => `[batch, ${d}]`).join(', ')}`);
      }
      this.keepStates(list);
      return;
    }
    const B = this.batchInputShape?.[0] ?? this.statesValue?.[0].shape[0] ?? null;
    if (B === null) {
      if (this.statesValue) for (const s of this.statesValue) ENGINE.releaseKept(s);
      this.statesValue = null;
      return;
    }
    ENGINE.tidy(() => this.keepStates(sizes.map((d) => zeros([B, d]))));
  }

  override dispose(): void {
    if (this.statesValue) for (const s of this.statesValue) ENGINE.releaseKept(s);
    this.statesValue = null;
    super.dispose();
  }

  /** The weight's name in a tfjs-layers file, under this layer's name: 'kernel', or 'RNNCell_1/kernel' in a stack. @internal */
  savedWeightName(w: LayerWeight): string {
    const c = this.cell;
    if (c instanceof StackedRNNCells) {
      const k = c.cells.findIndex((cell) => cell.weights.includes(w));
      if (k >= 0) return `RNNCell_${k}/${w.name}`;
    }
    return w.name;
  }

  /** Each weight with its path in a Keras 3 model.weights.h5 under `prefix` (the layer's path). @internal */
  kerasWeightPaths(prefix: string): { path: string; weight: LayerWeight }[] {
    const c = this.cell;
    if (!(c instanceof StackedRNNCells)) return c.weights.map((w, i) => ({ path: `${prefix}/cell/vars/${i}`, weight: w }));
    const used = new Map<string, number>();
    return c.cells.flatMap((cell) => {
      let name = snake(cell.className);
      const n = used.get(name);
      used.set(name, (n ?? -1) + 1);
      if (n !== undefined) name = `${name}_${n + 1}`;
      return cell.weights.map((w, i) => ({ path: `${prefix}/cell/cells/${name}/vars/${i}`, weight: w }));
    });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      cell: { className: this.cell.className, config: this.cell.getConfig() },
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
      unroll: this.unroll,
      zeroOutputForMask: this.zeroOutputForMask,
    };
  }
}


/** Keras' to_snake_case of a class name ('GRUCell' -> 'gru_cell'). */
function snake(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function fmtShape(shape: SymbolicShape): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(',')}]`;
}
