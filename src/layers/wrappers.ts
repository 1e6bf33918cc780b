// Layer wrappers: TimeDistributed (a layer applied to every time step) and Bidirectional (a
// recurrent layer run forwards and backwards, outputs merged).
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { add, mul } from '../ops/binary.js';
import { concat, stack, unstack } from '../ops/concat.js';
import { tensor } from '../ops/creation.js';
import { gather } from '../ops/gather.js';
import { reshape } from '../ops/reshape.js';
import { Layer, type CallArgs, type LayerArgs, type LayerWeight } from './layer.js';
import type { SymbolicShape } from './symbolic.js';
import { RecurrentLayer, fmtShape } from './recurrent/base.js';
import { BatchNormalization } from './normalization/normalization.js';

/** Weight bookkeeping shared by the wrappers: everything delegates to the wrapped layers. */
abstract class Wrapper extends Layer {
  protected abstract inner(): Layer[];

  /** The wrapped layer(s). @internal */
  innerLayers(): Layer[] {
    return this.inner();
  }

  override get trainableWeights(): LayerWeight[] {
    return this.trainable ? this.inner().flatMap((l) => l.trainableWeights) : [];
  }

  override get nonTrainableWeights(): LayerWeight[] {
    return this.trainable
      ? this.inner().flatMap((l) => l.nonTrainableWeights)
      : this.inner().flatMap((l) => [...l.trainableWeights, ...l.nonTrainableWeights]);
  }

  /** The number of weights of the wrapped layer(s). */
  override countParams(): number {
    return this.inner().reduce((n, l) => n + l.countParams(), 0);
  }

  override regularizationLosses(): Tensor[] {
    return this.trainable ? this.inner().flatMap((l) => l.regularizationLosses()) : [];
  }

  override applyConstraints(): void {
    for (const l of this.inner()) l.applyConstraints();
  }

  override dispose(): void {
    for (const l of this.inner()) l.dispose();
    super.dispose();
  }
}

export interface TimeDistributedArgs extends LayerArgs {
  /** The layer applied to every time step. */
  layer: Layer;
}

/**
 * Applies `layer` to every time step of [batch, time, ...] inputs, with the same weights.
 * @example model.add(sg.layers.timeDistributed({ layer: sg.layers.dense({ units: 12, activation: 'softmax' }) }));
 */
export class TimeDistributed extends Wrapper {
  static override className = 'TimeDistributed';
  /** The layer applied to every time step. */
  readonly layer: Layer;
  override readonly supportsMasking = true;

  constructor(args: TimeDistributedArgs) {
    super(args);
    if (!(args?.layer instanceof Layer)) throw new Error("TimeDistributed: 'layer' must be a layer");
    this.layer = args.layer;
  }

  protected inner(): Layer[] {
    return [this.layer];
  }

  private stepShape(s: SymbolicShape): SymbolicShape {
    if (s.length < 3) {
      throw new Error(`${this.name}: expected an input of rank >= 3 [batch, time, ...] but got ${fmtShape(s)}`);
    }
    return [null, ...s.slice(2)];
  }

  override build(inputShape: SymbolicShape): void {
    if (!this.layer.built) {
      this.layer.build(this.stepShape(inputShape));
      this.layer.built = true;
    }
    this.built = true;
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const inner = this.layer.computeOutputShape(this.stepShape(s)) as SymbolicShape;
    return [s[0], s[1], ...inner.slice(1)];
  }

  /**
   * Keras 3 calls the wrapped layer once per time step with that step's slice of the input and
   * of the mask ([batch, time, ...] -> mask[:, t]). For a layer that treats each sample on its own
   * that equals one call on the [batch * time, ...] reshape, which is what runs; a layer whose
   * training-mode output depends on the whole batch (BatchNormalization: statistics and moving
   * averages per step) is called step by step as Keras does. The output mask is the input mask
   * (Keras' supports_masking).
   */
  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.rank < 3) throw new Error(`${this.name}: expected an input of rank >= 3 but got shape ${fmt(x.shape)}`);
    const [B, T] = x.shape;
    const { mask: maskArg, ...rest } = args;
    const m = (Array.isArray(maskArg) ? maskArg[0] : maskArg) ?? null;
    if (m && (m.rank < 2 || m.shape[0] !== B || m.shape[1] !== T)) {
      throw new Error(
        `${this.name}: the mask of shape ${fmt(m.shape)} does not fit the input of shape ${fmt(x.shape)}: ` +
          `its first two dimensions (batch, time) must be [${B},${T}]`,
      );
    }
    if (rest.training && dependsOnBatch(this.layer)) {
      const xs = unstack(x, 1);
      const ms = m ? unstack(m, 1) : null;
      const ys = xs.map((xt, t) => this.layer.call(xt, ms ? Object.assign({}, rest, { mask: ms[t] }) : Object.assign({}, rest)) as Tensor);
      return stack(ys, 1);
    }
    const flat = (t: Tensor) => reshape(t, [B * T, ...t.shape.slice(2)]);
    const y = this.layer.call(flat(x), m ? Object.assign({}, rest, { mask: flat(m) }) : Object.assign({}, rest)) as Tensor;
    return reshape(y, [B, T, ...y.shape.slice(1)]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: { className: this.layer.className, config: this.layer.getConfig() } };
  }
}

/** Whether a layer's training-mode output for a sample depends on the rest of the batch (batch statistics). */
function dependsOnBatch(l: Layer): boolean {
  if (!l.trainable) return false;
  if (l instanceof BatchNormalization) return true;
  if (l instanceof Wrapper) return l.innerLayers().some(dependsOnBatch);
  const sub = (l as { layers?: unknown }).layers;
  return Array.isArray(sub) && sub.some((s) => s instanceof Layer && dependsOnBatch(s));
}

/**
 * How {@link Bidirectional} combines the two directions: concatenated, summed, multiplied, averaged, or null for both
 * as a list.
 */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

export interface BidirectionalArgs extends LayerArgs {
  /** The forward recurrent layer (lstm, gru, simpleRNN). */
  layer: RecurrentLayer;
  /** How the two directions combine (default 'concat'); null returns both as a list. */
  mergeMode?: MergeMode;
  /** A backward layer of its own (default: a copy of `layer` with goBackwards flipped). */
  backwardLayer?: RecurrentLayer;
}

/**
 * Runs a recurrent layer over the sequence in both directions and merges the outputs. Weights:
 * the forward layer's, then the backward layer's (Keras order).
 * @example model.add(sg.layers.bidirectional({ layer: sg.layers.lstm({ units: 64 }), inputShape: [100, 8] }));
 */
export class Bidirectional extends Wrapper {
  static override className = 'Bidirectional';
  /** The layer run forwards. */
  readonly forwardLayer: RecurrentLayer;
  /** The layer run backwards (goBackwards flipped). */
  readonly backwardLayer: RecurrentLayer;
  /** How the two outputs are combined. */
  readonly mergeMode: MergeMode;
  override readonly supportsMasking = true;

  constructor(args: BidirectionalArgs) {
    super(args);
    if (!(args?.layer instanceof RecurrentLayer)) {
      throw new Error("Bidirectional: 'layer' must be a recurrent layer (lstm, gru or simpleRNN)");
    }
    const mm = args.mergeMode === undefined ? 'concat' : args.mergeMode;
    if (mm !== null && !['concat', 'sum', 'mul', 'ave'].includes(mm)) {
      throw new Error(`Bidirectional: 'mergeMode' must be one of concat, sum, mul, ave or null but is '${mm}'`);
    }
    this.mergeMode = mm;
    this.forwardLayer = args.layer;
    const Ctor = args.layer.constructor as new (a: unknown) => RecurrentLayer;
    this.backwardLayer =
      args.backwardLayer ??
      new Ctor({
        ...args.layer.args,
        name: `backward_${args.layer.name}`,
        goBackwards: !args.layer.goBackwards,
        inputShape: undefined,
        batchInputShape: undefined,
      });
    const f = this.forwardLayer;
    const b = this.backwardLayer;
    if (f.returnSequences !== b.returnSequences || f.returnState !== b.returnState || f.units !== b.units) {
      throw new Error(
        `${this.name}: the forward and backward layers must agree in units, returnSequences and returnState`,
      );
    }
  }

  protected inner(): Layer[] {
    return [this.forwardLayer, this.backwardLayer];
  }

  /** Whether the whole output sequence is returned (the forward layer's setting). */
  get returnSequences(): boolean {
    return this.forwardLayer.returnSequences;
  }

  override build(inputShape: SymbolicShape): void {
    for (const l of this.inner()) {
      if (!l.built) {
        l.build(inputShape);
        l.built = true;
      }
    }
    this.built = true;
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape | SymbolicShape[] {
    const f = this.forwardLayer.computeOutputShape(s);
    const list = (Array.isArray(f[0]) ? f : [f]) as SymbolicShape[];
    const out = list[0];
    const states = list.slice(1);
    const merged: SymbolicShape[] =
      this.mergeMode === null
        ? [out, out]
        : [this.mergeMode === 'concat' ? [...out.slice(0, -1), 2 * (out[out.length - 1] as number)] : out];
    if (!this.forwardLayer.returnState && merged.length === 1) return merged[0];
    return [...merged, ...states, ...states];
  }

  override computeMask(_inputs: Tensor | Tensor[], mask?: Tensor | (Tensor | null)[] | null) {
    const m = Array.isArray(mask) ? (mask[0] ?? null) : (mask ?? null);
    const out = this.returnSequences ? m : null;
    const n =
      (this.mergeMode === null ? 2 : 1) + (this.forwardLayer.returnState ? 2 * this.forwardLayer.stateCount : 0);
    return n === 1 ? out : Array.from({ length: n }, (_, i) => (i < (this.mergeMode === null ? 2 : 1) ? out : null));
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    let fArgs = args;
    let bArgs = args;
    if (args.initialState !== undefined) {
      const st = args.initialState as Tensor[];
      const k = this.forwardLayer.stateCount;
      if (!Array.isArray(st) || st.length !== 2 * k) {
        throw new Error(`${this.name}: initialState must list ${2 * k} tensors (forward states, then backward states)`);
      }
      fArgs = Object.assign({}, args, { initialState: st.slice(0, k) });
      bArgs = Object.assign({}, args, { initialState: st.slice(k) });
    }
    const fy = this.forwardLayer.call(x, fArgs);
    const by = this.backwardLayer.call(x, bArgs);
    const fl = Array.isArray(fy) ? fy : [fy];
    const bl = Array.isArray(by) ? by : [by];
    let yf = fl[0];
    let yb = bl[0];
    if (this.returnSequences) {
      // The backward layer's sequence is in processing order: flip it back to input order.
      const T = yb.shape[1];
      yb = gather(
        yb,
        tensor(
          Array.from({ length: T }, (_, i) => T - 1 - i),
          [T],
          'int32',
        ),
        1,
      );
    }
    let merged: Tensor[];
    switch (this.mergeMode) {
      case 'concat':
        merged = [concat([yf, yb], -1 + yf.rank)];
        break;
      case 'sum':
        merged = [add(yf, yb)];
        break;
      case 'mul':
        merged = [mul(yf, yb)];
        break;
      case 'ave':
        merged = [mul(add(yf, yb), 0.5)];
        break;
      default:
        merged = [yf, yb];
    }
    yf = merged[0];
    const states = [...fl.slice(1), ...bl.slice(1)];
    const outs = [...merged, ...states];
    return outs.length === 1 ? yf : outs;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      mergeMode: this.mergeMode,
      layer: { className: this.forwardLayer.className, config: this.forwardLayer.getConfig() },
    };
  }
}
