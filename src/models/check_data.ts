// The data checks of fit, evaluate and the on-batch calls: x and y against the model's inputs
// and outputs (counts, sample shapes, sparse label ranges, NaN and Infinity), before any batch runs.
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import { Tensor, Variable } from '../engine/tensor.js';
import { shapeStr } from '../layers/symbolic.js';
import { checkBatch, type LayersModel, type ModelData } from './model.js';
import type { CompiledState } from './training.js';

/** Validates x and y against the model before anything runs: counts, feature shapes, NaN. */
export function checkData(model: LayersModel, c: CompiledState, xs: Tensor[], ys: Tensor[], what = 'fit'): number {
  if (ys.length === 0) {
    // No y: the loss comes from addLoss or a custom trainStep.
    const custom = model.hasCustomTrainStep() && (what === 'fit' || what === 'trainOnBatch');
    if (c.losses.length > 0 && !custom) {
      throw new Error(`${model.name}: ${what}: y is missing; the compiled loss compares y with the model's output`);
    }
    const nx = checkBatch(model.name, xs, 'x tensors');
    checkInputs(model, xs, what);
    return nx;
  }
  const nx = checkBatch(model.name, xs, 'x tensors');
  const ny = checkBatch(model.name, ys, 'y tensors');
  if (nx !== ny) {
    throw new Error(
      `${model.name}: ${what}: x has ${nx} samples (shape ${xs.map((t) => fmt(t.shape)).join(', ')}) but y has ${ny} (shape ${ys.map((t) => fmt(t.shape)).join(', ')})`,
    );
  }
  checkInputs(model, xs, what);
  if (ys.length !== model.outputs.length)
    throw new Error(
      `${model.name}: ${what}: the model has ${model.outputs.length} outputs but got ${ys.length} y tensors`,
    );
  for (const [k, t] of ys.map((t) => ['y', t] as const)) checkFinite(model, what, k, t);
  if (c.losses.length === 0) return nx; // y goes to a custom trainStep as it is
  model.outputs.forEach((sym, i) => {
    const y = ys[i];
    const out = sym.shape;
    const name = c.losses[i].name.replace(/_/g, '').toLowerCase();
    if (name.startsWith('sparsecategorical')) {
      const classes = out[out.length - 1] as number;
      if (!(y.rank === out.length - 1 || (y.rank === out.length && y.shape[y.rank - 1] === 1))) {
        throw new Error(
          `${model.name}: ${what}: sparse labels for output '${sym.node!.layer.name}' ${shapeStr(out)} must have shape [n] or [n,1] but y has shape ${fmt(y.shape)}`,
        );
      }
      const v = ENGINE.canReadSync(y) ? y.dataSync() : []; // GPU-only labels (webgpu): not checked
      for (let j = 0; j < v.length; j++) {
        if (!(Number.isInteger(v[j]) && v[j] >= 0 && v[j] < classes)) {
          throw new Error(
            `${model.name}: ${what}: label ${v[j]} at index ${j} is out of range for ${classes} classes (output '${sym.node!.layer.name}' ${shapeStr(out)})`,
          );
        }
      }
    } else if (y.rank !== out.length || out.some((d, k) => k > 0 && d !== null && d !== y.shape[k])) {
      throw new Error(
        `${model.name}: ${what}: output '${sym.node!.layer.name}' has shape ${shapeStr(out)} but y has shape ${fmt(y.shape)}`,
      );
    }
  });
  return nx;
}

/** The number of inputs, each input's sample shape, and finite float data; throws naming the input. */
function checkInputs(model: LayersModel, xs: Tensor[], what: string): void {
  if (xs.length !== model.inputs.length)
    throw new Error(
      `${model.name}: ${what}: the model has ${model.inputs.length} inputs but got ${xs.length} x tensors`,
    );
  model.inputs.forEach((sym, i) => {
    const s = sym.shape;
    const t = xs[i];
    if (s.length !== t.rank || s.some((d, k) => k > 0 && d !== null && d !== t.shape[k])) {
      throw new Error(
        `${model.name}: ${what}: input '${sym.node!.layer.name}' expects samples of shape ${shapeStr(s)} but x has shape ${fmt(t.shape)}`,
      );
    }
  });
  for (const t of xs) checkFinite(model, what, 'x', t);
}

/**
 * Tensors already found finite. Tensors are immutable, so one check lasts their lifetime (a
 * Variable's buffer changes under assign and in-place updates: never cached). Why: fit() called
 * once per epoch on the same data (Keras' loop written out by hand, bench/native.ts) re-read all
 * of it each time, ~7% of an MLP epoch on 6,400 MNIST-sized samples.
 */
const checkedFinite = new WeakSet<Tensor>();

function checkFinite(model: LayersModel, what: string, k: string, t: Tensor): void {
  if (t.dtype !== 'float32' || t.size === 0 || checkedFinite.has(t)) return;
  // Values that exist only on the GPU (webgpu results) cannot be read synchronously: not checked.
  if (!ENGINE.canReadSync(t)) return;
  const v = t.dataSync() as Float32Array;
  if (allFinite(v)) {
    if (!(t instanceof Variable)) checkedFinite.add(t);
    return;
  }
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new Error(
        `${model.name}: ${what}: ${k} (shape ${fmt(t.shape)}) contains ${v[i]} at flat index ${i}; clean the data first`,
      );
    }
  }
}

/**
 * Whether every value is finite: x * 0 is 0 for finite x and NaN for NaN and +-Infinity, so four
 * running sums of x * 0 (independent chains) stay 0 exactly when all are finite; about twice as
 * fast as a Number.isFinite test per element.
 */
function allFinite(v: Float32Array): boolean {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = v.length & ~3;
  for (let i = 0; i < n; i += 4) {
    s0 += v[i] * 0;
    s1 += v[i + 1] * 0;
    s2 += v[i + 2] * 0;
    s3 += v[i + 3] * 0;
  }
  for (let i = n; i < v.length; i++) s0 += v[i] * 0;
  return s0 + s1 + s2 + s3 === 0;
}

/**
 * x or y as a list in the model's input or output order. A map (Keras' dict, tfjs' named map) is
 * keyed by input layer name (x) or output layer name (y); an unknown or a missing name is an error
 * naming it and the model's names.
 */
export function dataList(model: LayersModel, what: string, arg: string, v: ModelData | null | undefined, side: 'input' | 'output'): Tensor[] {
  if (v === undefined || v === null) return [];
  if (v instanceof Tensor) return [v];
  if (Array.isArray(v)) return v;
  if (typeof v !== 'object') {
    throw new Error(`${model.name}: ${what}: ${arg} must be a tensor, a list of tensors or a map by ${side} name but is ${typeof v}`);
  }
  const syms = side === 'input' ? model.inputs : model.outputs;
  const names = syms.map((t) => t.node!.layer.name);
  const rec = v as Record<string, unknown>;
  for (const k of Object.keys(rec)) {
    if (!names.includes(k)) {
      throw new Error(`${model.name}: ${what}: ${arg} names the ${side} '${k}', which the model does not have; its ${side}s: ${names.join(', ')}`);
    }
    if (!(rec[k] instanceof Tensor)) throw new Error(`${model.name}: ${what}: ${arg}['${k}'] must be a tensor`);
  }
  const missing = names.filter((n) => !(n in rec));
  if (missing.length) {
    throw new Error(`${model.name}: ${what}: ${arg} has no entry for the ${side}(s) ${missing.map((n) => `'${n}'`).join(', ')}; its ${side}s: ${names.join(', ')}`);
  }
  return names.map((n) => rec[n] as Tensor);
}

/** Whether `v` is a map of tensors by name (and not an options object). @internal */
export function isTensorMap(v: unknown): boolean {
  if (!v || typeof v !== 'object' || Array.isArray(v) || v instanceof Tensor) return false;
  const vals = Object.values(v);
  return vals.length > 0 && vals.every((t) => t instanceof Tensor) && !(Object.keys(v).length === 1 && 'sampleWeight' in v);
}
