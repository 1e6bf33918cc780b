// The Optimizer base class: the Keras optimizer life cycle (learning rate or schedule, Keras 2's
// `decay`, gradient clipping, decoupled weight decay, iterations, lazily created slot variables,
// config, weights for checkpointing) shared by every optimizer, with tfjs-core's method names
// (`applyGradients`, `minimize`, `getWeights`, `setWeights`, `dispose`).
//
// Design: an update is one fused in-place kernel call per variable,
//   ENGINE.runKernelInPlace(kernel, [variable, ...slots], [gradient], attrs),
// never a chain of ops: a chain would allocate a temporary per intermediate (Adam: about ten
// tensors per variable per step) and read the weights many times; the fused kernel reads and
// writes each buffer once and allocates nothing. Everything that is the same for every element
// (learning rate after schedule and decay, bias corrections, the clipnorm scale) is computed here,
// in float64, once per step; the kernels receive it as scalar attributes.
import { ENGINE } from '../engine/engine.js';
import { checkOptions } from '../utils/options.js';
import { fmt, shapesEqual } from '../engine/shape.js';
import { Tensor, Variable } from '../engine/tensor.js';
import { fill, scalar } from '../ops/creation.js';
import { variableGrads } from '../ops/gradients.js';
import { div, maximum, mul } from '../ops/binary.js';
import { addN, isFinite } from '../ops/math.js';
import { sum } from '../ops/reduce.js';
import { sqrt, square } from '../ops/unary.js';
import { where } from '../ops/where.js';
import { closestName } from '../utils/names.js';
import { LearningRateSchedule } from './schedules.js';

/** A tensor with a name: a gradient for the variable `name`, or a saved optimizer weight. */
export interface NamedTensor {
  /** The variable's name (a gradient's target), or the optimizer weight's name. */
  name: string;
  /** The tensor. */
  tensor: Tensor;
}

/** Gradients keyed by variable name (`ENGINE.variables`), as `variableGrads` returns them. */
export type NamedGradients = Record<string, Tensor | null | undefined> | Array<{ name: string; tensor: Tensor | null }>;

/** Options every optimizer accepts (Keras' base-optimizer keyword arguments). */
export interface OptimizerArgs {
  /** A number >= 0 or a schedule evaluated at `iterations`. */
  learningRate?: number | LearningRateSchedule;
  /** Clip each variable's gradient to this L2 norm (Keras `clipnorm`). */
  clipnorm?: number | null;
  /** Clip every gradient element to [-clipvalue, clipvalue]. */
  clipvalue?: number | null;
  /** Scale all gradients together so their global L2 norm is at most this. */
  globalClipnorm?: number | null;
  /** Decoupled weight decay: each step p -= p * weightDecay * lr before the update (Keras 3). */
  weightDecay?: number | null;
  /** Keras 2 inverse-time decay: lr_t = lr / (1 + decay * iterations). Default 0. */
  decay?: number;
  /** The optimizer's name (used in its config). */
  name?: string;
}

/** The per-step values handed to an optimizer's `stepAttrs`. */
export interface StepInfo {
  /** The learning rate of this step: schedule (or number), then Keras 2 decay. */
  lr: number;
  /** 1-based step number (Keras' local_step = iterations + 1), used by bias corrections. */
  t: number;
}

/** A slot variable kind: its name suffix and initial value. */
export interface SlotSpec {
  name: string;
  init: number;
}

const COMMON_KEYS = ['learningRate', 'clipnorm', 'clipvalue', 'globalClipnorm', 'weightDecay', 'decay', 'name'];

/**
 * Checks a hyper-parameter, naming the optimizer and argument in the error.
 * @internal
 */
export function checkHyper(
  op: string,
  arg: string,
  v: unknown,
  range: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean } = {},
): number {
  const { min = -Infinity, max = Infinity, minOpen = false, maxOpen = false } = range;
  const ok =
    typeof v === 'number' && Number.isFinite(v) && (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max);
  if (!ok) {
    const lo = min === -Infinity ? '' : `${minOpen ? '>' : '>='} ${min}`;
    const hi = max === Infinity ? '' : `${maxOpen ? '<' : '<='} ${max}`;
    const want = [lo, hi].filter((s) => s).join(' and ');
    throw new Error(`${op}: argument '${arg}' must be a finite number${want ? ' ' + want : ''} but is ${String(v)}`);
  }
  return v as number;
}

/**
 * Rejects option keys an optimizer does not know (a typo such as `learningrate` would otherwise
 * be silently ignored), suggesting the closest known key.
 * @internal
 */
export function checkKeys(op: string, args: object, specific: readonly string[]): void {
  const known = [...COMMON_KEYS, ...specific];
  for (const k of Object.keys(args)) {
    if ((args as Record<string, unknown>)[k] === undefined || known.includes(k)) continue;
    const guess = closestName(k, known);
    throw new Error(
      `${op}: unknown option '${k}'.` + (guess ? ` Did you mean '${guess}'?` : ` Known options: ${known.join(', ')}.`),
    );
  }
}

/**
 * The base class of simdgrad's optimizers. Subclasses declare their slot variables and kernel;
 * this class does everything else.
 * @example
 * const w = sg.variable(sg.tensor([1, 2]), true, 'w');
 * const opt = sg.optimizers.adam({ learningRate: 0.1 });
 * for (let i = 0; i < 100; i++) opt.minimize(() => sg.sum(sg.square(w)));
 * opt.dispose();
 */
export abstract class Optimizer {
  /** The Keras class name ('Adam', 'RMSprop', ...). */
  abstract readonly className: string;
  /** The factory name used in error messages ('adam', 'rmsprop', ...). */
  protected abstract readonly opName: string;
  /** The in-place kernel this optimizer runs. */
  protected abstract readonly kernelName: string;

  /** The optimizer's name (Keras' `name` argument). */
  readonly name: string;
  /** Clip each gradient to this L2 norm, or null. */
  readonly clipnorm: number | null;
  /** Clip each gradient element to [-clipvalue, clipvalue], or null. */
  readonly clipvalue: number | null;
  /** Clip all gradients together to this global L2 norm, or null. */
  readonly globalClipnorm: number | null;
  /** Decoupled weight decay (each step p -= p * weightDecay * lr before the update), or null. */
  readonly weightDecay: number | null;
  /** Keras 2 inverse-time decay: lr_t = lr / (1 + decay * iterations) (default 0). */
  readonly decay: number;

  private lr: number | LearningRateSchedule = 0.001;
  private iters = 0;
  /**
   * Slot variables by logical name `${variableName}/${slot}` (the names getWeights reports). The
   * engine's name of a slot may carry a suffix when another optimizer already owns that name.
   */
  private readonly slots = new Map<string, Variable>();

  constructor(op: string, args: OptimizerArgs, defaultLr: number, defaultName: string) {
    checkOptions(op, args);
    this.name = args.name ?? defaultName;
    this.learningRateFor(op, args.learningRate ?? defaultLr);
    const optPos = (k: 'clipnorm' | 'clipvalue' | 'globalClipnorm') =>
      args[k] == null ? null : checkHyper(op, k, args[k], { min: 0, minOpen: true });
    this.clipnorm = optPos('clipnorm');
    this.clipvalue = optPos('clipvalue');
    this.globalClipnorm = optPos('globalClipnorm');
    // Why only one: Keras 3 rejects combinations, and the order in which two clippings apply
    // would otherwise be a silent convention.
    const set = (['clipnorm', 'clipvalue', 'globalClipnorm'] as const).filter((k) => this[k] !== null);
    if (set.length > 1)
      throw new Error(`${op}: only one of clipnorm, clipvalue and globalClipnorm can be set (got ${set.join(', ')})`);
    this.weightDecay = args.weightDecay == null ? null : checkHyper(op, 'weightDecay', args.weightDecay, { min: 0 });
    this.decay = checkHyper(op, 'decay', args.decay ?? 0, { min: 0 });
  }

  private learningRateFor(op: string, v: number | LearningRateSchedule): void {
    if (v instanceof LearningRateSchedule) this.lr = v;
    else this.lr = checkHyper(op, 'learningRate', v, { min: 0 });
  }

  /**
   * The learning rate at the current step: the number, or the schedule evaluated at
   * `iterations` (Keras 2's `decay` is not included). Set a number or a schedule.
   * @example
   * opt.learningRate = 1e-4; // e.g. for fine-tuning
   */
  get learningRate(): number {
    return this.lr instanceof LearningRateSchedule ? this.lr.call(this.iters) : this.lr;
  }

  set learningRate(v: number | LearningRateSchedule) {
    this.learningRateFor(this.opName, v);
  }

  /** The schedule, when the learning rate is one; else null. */
  get learningRateSchedule(): LearningRateSchedule | null {
    return this.lr instanceof LearningRateSchedule ? this.lr : null;
  }

  /**
   * The number of updates applied so far (settable, e.g. to resume training): schedules and bias
   * corrections read it.
   * @example
   * opt.iterations; // 0 before the first applyGradients
   */
  get iterations(): number {
    return this.iters;
  }

  set iterations(n: number) {
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`${this.opName}: iterations must be an integer >= 0 but is ${n}`);
    this.iters = n;
  }

  /** tfjs-style class name accessor. */
  getClassName(): string {
    return this.className;
  }

  /** The slot variables each trained variable gets, in kernel order. */
  protected abstract slotSpecs(): SlotSpec[];
  /** The kernel attributes specific to this optimizer for one step (called once per step). */
  protected abstract stepAttrs(step: StepInfo): Record<string, unknown>;
  /** This optimizer's own Keras config entries (snake_case). */
  protected abstract specificConfig(): Record<string, unknown>;

  /**
   * Applies one update to each named variable. Gradients that are null are skipped (as tfjs).
   * Everything is validated before any variable changes. Must not run inside a gradient call.
   * @example
   * const { value, grads } = sg.variableGrads(() => sg.sum(sg.square(w)));
   * opt.applyGradients(grads);
   * sg.dispose([value, grads]);
   */
  applyGradients(grads: NamedGradients): void {
    const op = `${this.opName}.applyGradients`;
    if (ENGINE.tape)
      throw new Error(`${op}: in-place updates cannot run inside a gradient call (grad, variableGrads, ...)`);
    const items: Array<{ v: Variable; g: Tensor }> = [];
    const seen = new Set<string>();
    const list = Array.isArray(grads)
      ? grads.map((e) => {
          if (e === null || typeof e !== 'object' || typeof e.name !== 'string')
            throw new Error(`${op}: expected an array of {name, tensor} entries`);
          return [e.name, e.tensor] as const;
        })
      : Object.entries(grads);
    for (const [name, g] of list) {
      if (g == null) continue;
      if (seen.has(name)) throw new Error(`${op}: variable '${name}' has more than one gradient`);
      seen.add(name);
      const v = ENGINE.variables.get(name);
      if (!v) throw new Error(`${op}: no variable named '${name}' (gradients are keyed by variable name)`);
      ENGINE.assertLive(g, op);
      if (v.dtype !== 'float32')
        throw new Error(`${op}: variable '${name}' has dtype ${v.dtype}; optimizers update float32 variables`);
      if (g.dtype !== 'float32')
        throw new Error(`${op}: the gradient of '${name}' has dtype ${g.dtype}; expected float32`);
      if (!shapesEqual(v.shape, g.shape)) {
        throw new Error(
          `${op}: variable '${name}' has shape ${fmt(v.shape)} but its gradient has shape ${fmt(g.shape)}`,
        );
      }
      for (const s of this.slotSpecs()) {
        const slot = this.slots.get(`${name}/${s.name}`);
        if (slot && !shapesEqual(slot.shape, v.shape)) {
          throw new Error(
            `${op}: slot '${name}/${s.name}' has shape ${fmt(slot.shape)} but variable '${name}' has shape ${fmt(v.shape)}`,
          );
        }
      }
      items.push({ v, g });
    }
    // Keras 3 returns without counting a step when there is nothing to apply.
    if (items.length === 0) return;

    const lr = this.currentLr(op);
    const t = this.iters + 1;
    const common = { lr, clip: this.clipvalue ?? Infinity, wdlr: this.weightDecay ? this.weightDecay * lr : 0 };
    const specific = this.stepAttrs({ lr, t });
    const scales = this.gradientScales(items.map((i) => i.g));
    try {
      items.forEach(({ v, g }, k) => {
        const slots = this.slotsFor(v);
        const s = scales[k];
        // A scale on the device (webgpu): the gradient is scaled there, the kernel gets gscale 1.
        const scaled = typeof s === 'number' ? null : ENGINE.tidy(() => mul(g, s));
        try {
          // Object.assign, not {...common, ...specific, gscale}: Node 20's V8 takes ~6 us for that spread.
          const attrs: Record<string, unknown> = Object.assign({}, common, specific);
          attrs.gscale = typeof s === 'number' ? s : 1;
          ENGINE.runKernelInPlace(this.kernelName, [v, ...slots], [scaled ?? g], attrs);
        } finally {
          scaled?.dispose();
        }
      });
    } finally {
      for (const s of new Set(scales)) if (typeof s !== 'number') s.dispose();
    }
    this.iters++;
  }

  /** lr at this step: schedule or number, then Keras 2's inverse-time `decay`. */
  private currentLr(op: string): number {
    let lr = this.learningRate;
    if (!(typeof lr === 'number' && Number.isFinite(lr) && lr >= 0)) {
      throw new Error(
        `${op}: the learning-rate schedule returned ${lr} at step ${this.iters}; expected a finite number >= 0`,
      );
    }
    if (this.decay > 0) lr = lr / (1 + this.decay * this.iters);
    return lr;
  }

  /**
   * The factor each gradient is multiplied by: clipnorm / max(norm, clipnorm) per variable
   * (Keras' clip_by_norm), or the same with the global norm over all gradients; else 1.
   * The norms are reductions with existing ops, read back once per step where the backend reads
   * synchronously (js, wasm: a copy of one number). Where it does not (webgpu), the scales stay
   * scalar tensors on the device, computed with ops (no readback inside a step); the caller frees them.
   */
  private gradientScales(gs: Tensor[]): (number | Tensor)[] {
    if (this.clipnorm === null && this.globalClipnorm === null) return gs.map(() => 1);
    const sumSqs = ENGINE.tidy(() => gs.map((g) => sum(square(g))));
    if (!sumSqs.every((t) => ENGINE.canReadSync(t))) {
      try {
        return this.deviceScales(sumSqs);
      } finally {
        for (const t of sumSqs) t.dispose();
      }
    }
    const squares = sumSqs.map((t) => t.dataSync()[0]);
    for (const t of sumSqs) t.dispose();
    if (this.clipnorm !== null) {
      const c = this.clipnorm;
      return squares.map((ss) => c / Math.max(Math.sqrt(ss), c));
    }
    const c = this.globalClipnorm!;
    const norm = Math.sqrt(squares.reduce((acc, ss) => acc + ss, 0));
    const s = Number.isFinite(norm) ? c / Math.max(norm, c) : NaN;
    return gs.map(() => s);
  }

  /** gradientScales from the squared norms, as scalar tensors (backends without synchronous reads: webgpu). */
  private deviceScales(sumSqs: Tensor[]): Tensor[] {
    return ENGINE.tidy(() => {
      if (this.clipnorm !== null) {
        const c = this.clipnorm;
        return sumSqs.map((ss) => div(c, maximum(sqrt(ss), c)));
      }
      const c = this.globalClipnorm!;
      const norm = sqrt(sumSqs.length === 1 ? sumSqs[0] : addN(sumSqs));
      // As the host path: NaN (every update NaN) when the global norm is not finite.
      const s = where(isFinite(norm), div(c, maximum(norm, c)), NaN);
      return sumSqs.map(() => s);
    });
  }

  /** The slot variables of `v`, created (zero or the slot's initial value) on first use. */
  private slotsFor(v: Variable): Variable[] {
    return this.slotSpecs().map((s) => {
      const key = `${v.name}/${s.name}`;
      let slot = this.slots.get(key);
      if (!slot) {
        slot = this.makeSlot(key, fill(v.shape, s.init));
      }
      return slot;
    });
  }

  /** A non-trainable variable named `key` (or `key_1`, ... if taken) taking over `init`. */
  private makeSlot(key: string, init: Tensor): Variable {
    let engineName = key;
    for (let k = 1; ENGINE.variables.has(engineName); k++) engineName = `${key}_${k}`;
    const slot = ENGINE.makeVariable(init, false, engineName);
    init.dispose();
    this.slots.set(key, slot);
    return slot;
  }

  /**
   * Computes the gradients of `f` (a scalar) with respect to the trainable variables (or
   * `varList`) and applies them. Returns the cost when `returnCost` (the caller frees it).
   * @example
   * const loss = opt.minimize(() => sg.mean(sg.square(sg.sub(sg.matMul(x, w), y))), true);
   * loss?.print();
   * loss?.dispose();
   */
  minimize(f: () => Tensor, returnCost = false, varList?: Variable[]): Tensor | null {
    const { value, grads } = variableGrads(f, varList);
    try {
      this.applyGradients(grads);
    } catch (e) {
      value.dispose();
      throw e;
    } finally {
      for (const g of Object.values(grads)) g.dispose();
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  /**
   * Keras config with snake_case keys: `learning_rate` (a number, or `{class_name, config}` for a
   * schedule), the clipping and decay options, then the optimizer's own hyper-parameters.
   * @example
   * sg.optimizers.adam().getConfig().beta_1; // 0.9
   */
  getConfig(): Record<string, unknown> {
    const lr = this.learningRateSchedule
      ? { class_name: this.learningRateSchedule.className, config: this.learningRateSchedule.getConfig() }
      : this.lr;
    return {
      name: this.name,
      learning_rate: lr,
      weight_decay: this.weightDecay,
      clipnorm: this.clipnorm,
      global_clipnorm: this.globalClipnorm,
      clipvalue: this.clipvalue,
      decay: this.decay,
      ...this.specificConfig(),
    };
  }

  /**
   * Snapshots of the optimizer's state for checkpointing: `{name: 'iter'}` (an int32 scalar with
   * `iterations`, as tfjs) then every slot variable under `${variableName}/${slot}`. The tensors
   * are new (copy-on-write views of the slots); the caller frees them.
   * @example
   * const saved = opt.getWeights();
   * other.setWeights(saved);
   * sg.dispose(saved.map((w) => w.tensor));
   */
  getWeights(): NamedTensor[] {
    const out: NamedTensor[] = [{ name: 'iter', tensor: scalar(this.iters, 'int32') }];
    for (const [name, slot] of this.slots) out.push({ name, tensor: slot.clone() });
    return out;
  }

  /**
   * Restores state saved by `getWeights`: 'iter' sets `iterations`; other entries replace (or
   * create) the slot of that name. The tensors stay the caller's (the slots share their buffers
   * copy-on-write, so later updates never change them).
   * @example
   * const fresh = sg.optimizers.adam();
   * fresh.setWeights(saved); // saved = opt.getWeights()
   */
  setWeights(weights: NamedTensor[]): void {
    const op = `${this.opName}.setWeights`;
    const suffixes = this.slotSpecs().map((s) => s.name);
    // Validate everything before changing anything.
    for (const { name, tensor } of weights) {
      ENGINE.assertLive(tensor, op);
      if (name === 'iter') continue;
      const slash = name.lastIndexOf('/');
      const suffix = slash < 0 ? '' : name.slice(slash + 1);
      if (slash <= 0 || !suffixes.includes(suffix)) {
        throw new Error(
          `${op}: '${name}' is not a slot of this ${this.className} optimizer ` +
            `(expected '<variable>/<slot>' with slot one of ${suffixes.join(', ') || '(none)'})`,
        );
      }
      if (tensor.dtype !== 'float32')
        throw new Error(`${op}: slot '${name}' must be float32 but has dtype ${tensor.dtype}`);
      const existing = this.slots.get(name);
      if (existing && !shapesEqual(existing.shape, tensor.shape)) {
        throw new Error(
          `${op}: slot '${name}' has shape ${fmt(existing.shape)} but the saved value has ${fmt(tensor.shape)}`,
        );
      }
    }
    for (const { name, tensor } of weights) {
      if (name === 'iter') {
        this.iterations = tensor.dataSync()[0];
        continue;
      }
      const existing = this.slots.get(name);
      if (existing) existing.assign(tensor);
      else this.makeSlot(name, ENGINE.viewOf(tensor));
    }
  }

  /**
   * Frees the slot variables (they are recreated, zeroed, if the optimizer is used again).
   * @example
   * opt.dispose();
   */
  dispose(): void {
    for (const slot of this.slots.values()) slot.dispose();
    this.slots.clear();
  }
}
