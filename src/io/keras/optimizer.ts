// Optimizer variables in Keras 3's layout, so that training resumes exactly across simdgrad and
// Keras. Keras 3 keeps an optimizer's state as one flat list (optimizer.variables) that `.keras`
// files store under `optimizer/vars/<i>` in model.weights.h5 and legacy `.h5` files under
// `optimizer_weights` (listed by `weight_names`):
//   0: iteration (int), 1: learning_rate (float32; absent when the learning rate is a schedule),
//   then the slot variables built by the optimizer's build(): add_optimizer_variables(vars, [a, b])
//   interleaves per variable (a0, b0, a1, b1, ...), each call after another appends a block,
//   then any extra variable (Nadam's u_product).
// The order of the model variables is model.trainable_variables, which simdgrad's
// model.trainableWeights follows (layer order, each layer's own weights then its sublayers').
// simdgrad's slots hold the same quantities as Keras' (its kernels are Keras 3's update_step), so
// the values copy across unchanged.
import { fmt } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import { ENGINE } from '../../engine/engine.js';
import type { LayerWeight } from '../../layers/layer.js';
import type { LayersModel } from '../../models/model.js';
import type { Optimizer } from '../../optimizers/optimizer.js';

/** One optimizer variable as Keras stores it. */
export interface KerasOptimizerVar {
  /** Keras' variable path ('adam/iteration', 'adam/sequential_dense_kernel_momentum'). */
  path: string;
  shape: number[];
  dtype: 'int32' | 'float32';
  values: Int32Array | Float32Array;
}

/** A block of slots built by one add_optimizer_variables call: simdgrad slot name -> Keras name. */
type Block = [sgSlot: string, kerasName: string][];

interface Layout {
  blocks: Block[];
  /** Nadam's u_product, a float32 scalar after the slots (Keras derives nothing; simdgrad derives it from t). */
  uProduct?: boolean;
}

type Fields = { amsgrad?: boolean; momentum?: number; centered?: boolean; beta1?: number; initialAccumulatorValue?: number };

/** The Keras 3 variable layout of each optimizer simdgrad has, by Keras class name. */
function layoutOf(opt: Optimizer, where: string): Layout {
  const o = opt as unknown as Fields;
  switch (opt.className) {
    case 'Adam':
    case 'AdamW':
      return {
        blocks: [
          [
            ['m', 'momentum'],
            ['v', 'velocity'],
          ],
          ...(o.amsgrad ? [[['vhat', 'velocity_hat']] as Block] : []),
        ],
      };
    case 'Adamax':
      return {
        blocks: [
          [
            ['m', 'momentum'],
            ['v', 'norm'],
          ],
        ],
      };
    case 'Nadam':
      return {
        blocks: [
          [
            ['m', 'momentum'],
            ['v', 'velocity'],
          ],
        ],
        uProduct: true,
      };
    case 'SGD':
      return { blocks: (o.momentum ?? 0) !== 0 ? [[['momentum', 'momentum']]] : [] };
    case 'RMSprop':
      return {
        blocks: [
          [['rms', 'velocity']],
          ...((o.momentum ?? 0) > 0 ? [[['momentum', 'momentum']] as Block] : []),
          ...(o.centered ? [[['mg', 'average_gradient']] as Block] : []),
        ],
      };
    case 'Adagrad':
      return { blocks: [[['accumulator', 'accumulator']]] };
    case 'Adadelta':
      return {
        blocks: [
          [
            ['accum_grad', 'accumulated_grad'],
            ['accum_var', 'accumulated_delta_var'],
          ],
        ],
      };
    default:
      throw new Error(`${where}: optimizer ${opt.className} has no Keras 3 variable layout (Adam, AdamW, Adamax, Nadam, SGD, RMSprop, Adagrad and Adadelta have)`);
  }
}

/** Whether `opt` is one of the optimizers whose Keras 3 variable layout is known. */
export function hasKerasOptimizerLayout(opt: Optimizer): boolean {
  return ['Adam', 'AdamW', 'Adamax', 'Nadam', 'SGD', 'RMSprop', 'Adagrad', 'Adadelta'].includes(opt.className);
}

/** Keras' initial value of a slot (what an optimizer that never stepped holds). */
function slotInit(opt: Optimizer, sgSlot: string): number {
  return sgSlot === 'accumulator' ? ((opt as unknown as Fields).initialAccumulatorValue ?? 0.1) : 0;
}

/** Keras' optimizer name scope: to_snake_case of the class name ('RMSprop' -> 'rm_sprop'). */
function scopeOf(opt: Optimizer): string {
  return opt.className
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/^rmsprop$/, 'rm_sprop');
}

/** Keras' prefix product of Nadam's momentum schedule after t steps: prod_{i<=t} beta1 (1 - 0.5 * 0.96^i). */
function nadamUProduct(beta1: number, t: number): number {
  let p = 1;
  for (let i = 1; i <= t; i++) p *= beta1 * (1 - 0.5 * Math.pow(0.96, i));
  return p;
}

/** Keras' name of a slot's model variable: its path with '/' as '_' ('sequential_dense_kernel'). */
function weightKey(model: LayersModel, w: LayerWeight): string {
  return `${model.name}_${w.owner.name}_${w.name.slice(w.name.lastIndexOf('/') + 1)}`;
}

/**
 * The state of `model`'s compiled optimizer as Keras 3's flat variable list (see the top of this
 * file). Slots the optimizer has not created yet are written with their initial values, as
 * Keras' built optimizer holds them.
 */
export function kerasOptimizerVars(model: LayersModel, where = 'save'): KerasOptimizerVar[] {
  const opt = model.optimizer;
  const layout = layoutOf(opt, where);
  const scope = scopeOf(opt);
  const out: KerasOptimizerVar[] = [{ path: `${scope}/iteration`, shape: [], dtype: 'int32', values: Int32Array.of(opt.iterations) }];
  if (!opt.learningRateSchedule) out.push({ path: `${scope}/learning_rate`, shape: [], dtype: 'float32', values: Float32Array.of(opt.learningRate) });
  const saved = opt.getWeights();
  try {
    const byName = new Map(saved.map((s) => [s.name, s.tensor]));
    const trainable = model.trainableWeights;
    for (const block of layout.blocks) {
      for (const w of trainable) {
        for (const [sgSlot, kerasName] of block) {
          const t = byName.get(`${w.variable.name}/${sgSlot}`);
          const values = t ? Float32Array.from(t.dataSync() as Float32Array) : new Float32Array(w.variable.size).fill(slotInit(opt, sgSlot));
          out.push({ path: `${scope}/${weightKey(model, w)}_${kerasName}`, shape: w.variable.shape.slice(), dtype: 'float32', values });
        }
      }
    }
  } finally {
    for (const s of saved) s.tensor.dispose();
  }
  if (layout.uProduct) {
    const beta1 = (opt as unknown as Fields).beta1 ?? 0.9;
    out.push({ path: 'variable', shape: [], dtype: 'float32', values: Float32Array.of(nadamUProduct(beta1, opt.iterations)) });
  }
  return out;
}

/** A saved optimizer variable as read from a file. */
export interface SavedOptimizerVar {
  /** Where it is in the file (for errors). */
  where: string;
  shape: number[];
  dtype: string;
  values: ArrayLike<number>;
}

/**
 * Checks Keras 3 optimizer variables against `model`'s compiled optimizer and returns the function
 * that restores them (iterations, learning rate, every slot). Returns null when the file holds an
 * optimizer that was never built (only iteration and learning rate), which Keras also skips.
 * Throws, naming the file, when the count, a shape or a dtype disagrees.
 */
export function prepareKerasOptimizerState(model: LayersModel, saved: SavedOptimizerVar[], where: string): (() => void) | null {
  const opt = model.optimizer;
  const layout = layoutOf(opt, where);
  const head = opt.learningRateSchedule ? 1 : 2;
  const trainable = model.trainableWeights;
  const nSlots = layout.blocks.reduce((n, b) => n + b.length, 0) * trainable.length;
  const expected = head + nSlots + (layout.uProduct ? 1 : 0);
  if (saved.length === head && nSlots > 0) return null;
  if (saved.length !== expected) {
    throw new Error(
      `${where}: the saved ${opt.className} optimizer has ${saved.length} variables but simdgrad's ${opt.className} over this model's ${trainable.length} trainable weights has ${expected} ` +
        `(iteration${head === 2 ? ', learning_rate' : ''}, ${nSlots} slots${layout.uProduct ? ', u_product' : ''}); pass { compile: false } to load without the optimizer`,
    );
  }
  const it = saved[0];
  if (it.values.length !== 1 || !/int/.test(it.dtype)) throw new Error(`${where}: ${it.where} (iteration) must be an integer scalar but is ${it.dtype} ${fmt(it.shape)}`);
  const iterations = Number(it.values[0]);
  if (!Number.isInteger(iterations) || iterations < 0) throw new Error(`${where}: ${it.where} (iteration) is ${iterations}, not a count`);
  let lr: number | undefined;
  if (head === 2) {
    const l = saved[1];
    if (l.values.length !== 1 || !/float/.test(l.dtype)) throw new Error(`${where}: ${l.where} (learning_rate) must be a float scalar but is ${l.dtype} ${fmt(l.shape)}`);
    lr = Number(l.values[0]);
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`${where}: ${l.where} (learning_rate) is ${lr}`);
  }
  const slots: { name: string; shape: number[]; values: Float32Array }[] = [];
  let k = head;
  for (const block of layout.blocks) {
    for (const w of trainable) {
      for (const [sgSlot, kerasName] of block) {
        const s = saved[k++];
        if (fmt(s.shape) !== fmt(w.variable.shape)) {
          throw new Error(`${where}: ${s.where} (${kerasName} of '${w.owner.name}/${w.name}') has shape ${fmt(s.shape)} but the weight has ${fmt(w.variable.shape)}`);
        }
        if (!/float/.test(s.dtype)) throw new Error(`${where}: ${s.where} (${kerasName} of '${w.owner.name}/${w.name}') holds ${s.dtype}, not floats`);
        slots.push({ name: `${w.variable.name}/${sgSlot}`, shape: w.variable.shape.slice(), values: s.values instanceof Float32Array ? s.values : Float32Array.from(s.values) });
      }
    }
  }
  return () => {
    const ts: { name: string; tensor: Tensor }[] = [{ name: 'iter', tensor: ENGINE.makeTensor(Int32Array.of(iterations), [], 'int32') }];
    try {
      for (const s of slots) ts.push({ name: s.name, tensor: ENGINE.makeTensor(s.values, s.shape, 'float32') });
      opt.setWeights(ts);
      // The file holds float32: keep the config's exact number unless the saved rate really differs
      // (a callback changed it), so a round trip within simdgrad stays bit-exact.
      if (lr !== undefined && Math.fround(opt.learningRate) !== lr) opt.learningRate = lr;
    } finally {
      for (const t of ts) t.tensor.dispose();
    }
  };
}
