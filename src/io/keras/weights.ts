// Where Keras keeps each variable: `.keras` files hold them in model.weights.h5 under the path of
// attribute names Keras' saving_lib walks (`layers/<snake_case class name, made unique>/vars/<i>`,
// `.../cell/vars/<i>` for RNN layers, `forward_layer` / `backward_layer` in Bidirectional, `layer`
// in TimeDistributed, `layers/...` again inside a nested model); legacy `.h5` files under
// model_weights/<layer name>/<weight name> listed by the `weight_names` attribute, in the layer's
// Keras variable order (which simdgrad's layers keep). Every name, shape and dtype is checked
// before any value is set.
import { ENGINE } from '../../engine/engine.js';
import { fmt } from '../../engine/shape.js';
import { InputLayer } from '../../layers/core/input.js';
import type { Layer, LayerWeight } from '../../layers/layer.js';
import { RecurrentLayer } from '../../layers/recurrent/base.js';
import { RNN } from '../../layers/recurrent/rnn.js';
import { Bidirectional, TimeDistributed } from '../../layers/wrappers.js';
import { LayersModel } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { pySnake } from '../config_names.js';
import type { H5Dataset, H5File, H5Group } from '../hdf5/index.js';

/** A model weight and the path of its dataset in model.weights.h5. */
export interface VarPath {
  path: string;
  weight: LayerWeight;
}

/** Keras' naming.to_snake_case of a class name ('Conv2D' -> 'conv2d', 'SimpleRNN' -> 'simple_rnn'). */
function kerasSnake(className: string): string {
  return pySnake(className.replace(/\W+/g, '')).replace(/^private_/, '_');
}

/** Layers of a model as Keras lists them (Sequential's list has no InputLayer). */
function modelLayers(model: LayersModel): Layer[] {
  return model.layers.filter((l) => l !== model && !(model instanceof Sequential && l instanceof InputLayer));
}

function container(layers: Layer[], prefix: string, out: VarPath[]): void {
  const used = new Map<string, number>();
  for (const l of layers) {
    let name = kerasSnake((l.constructor as { kerasClassName?: string }).kerasClassName ?? l.className);
    const n = used.get(name);
    if (n === undefined) used.set(name, 0);
    else {
      used.set(name, n + 1);
      name = `${name}_${n + 1}`;
    }
    layerPaths(l, `${prefix}/${name}`, out);
  }
}

function layerPaths(l: Layer, p: string, out: VarPath[]): void {
  if (l instanceof LayersModel) return container(modelLayers(l), `${p}/layers`, out);
  if (l instanceof Bidirectional) {
    layerPaths(l.forwardLayer, `${p}/forward_layer`, out);
    layerPaths(l.backwardLayer, `${p}/backward_layer`, out);
    return;
  }
  if (l instanceof TimeDistributed) return layerPaths(l.layer, `${p}/layer`, out);
  // layers whose variables Keras keeps in sublayers (RNN cells, the attention layers' projections)
  const own = (l as { kerasWeightPaths?: (prefix: string) => VarPath[] }).kerasWeightPaths;
  if (l instanceof RNN || typeof own === 'function') {
    out.push(...(l as unknown as { kerasWeightPaths: (prefix: string) => VarPath[] }).kerasWeightPaths(p));
    return;
  }
  const vars = l instanceof RecurrentLayer || /^ConvLSTM\dD$/.test(l.className) ? `${p}/cell/vars` : `${p}/vars`;
  l.weights.forEach((w, i) => out.push({ path: `${vars}/${i}`, weight: w }));
}

/** Every weight of `model` with its model.weights.h5 path, in Keras' variable order. */
export function kerasVarPaths(model: LayersModel): VarPath[] {
  const out: VarPath[] = [];
  container(modelLayers(model), 'layers', out);
  return out;
}

/** A checked weight value waiting to be assigned. */
export interface PendingWeight {
  weight: LayerWeight;
  values: Float32Array | Int32Array;
}

function checkedValues(d: H5Dataset, w: LayerWeight, where: string, what: string): PendingWeight {
  if (fmt(d.shape) !== fmt(w.variable.shape)) {
    throw new Error(`${where}: ${what} has shape ${fmt(d.shape)} but layer '${w.owner.name}' expects ${fmt(w.variable.shape)} for '${w.name}'`);
  }
  if (!['float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'uint8', 'uint16'].includes(d.dtype)) {
    throw new Error(`${where}: ${what} holds ${d.dtype}, not numbers simdgrad can load into '${w.owner.name}/${w.name}'`);
  }
  const src = d.data as ArrayLike<number>;
  const values = w.variable.dtype === 'int32' ? Int32Array.from(src) : src instanceof Float32Array ? src : Float32Array.from(src);
  return { weight: w, values };
}

/**
 * The values of every weight of `model` from a Keras 3 model.weights.h5, checked (every path
 * present, shapes equal, no variable of the file left over). Nothing is assigned.
 */
export function readKeras3Weights(f: H5File, model: LayersModel, where: string): PendingWeight[] {
  const paths = kerasVarPaths(model);
  const out: PendingWeight[] = [];
  for (const { path, weight } of paths) {
    if (!f.has(path)) throw new Error(`${where}: model.weights.h5 has no '${path}' for weight '${weight.owner.name}/${weight.name}'`);
    const o = f.get(path);
    if (o.kind !== 'dataset') throw new Error(`${where}: model.weights.h5 '${path}' is a group, not a dataset`);
    out.push(checkedValues(o, weight, where, `model.weights.h5 '${path}'`));
  }
  if (f.has('layers')) {
    const expected = new Set(paths.map((p) => p.path));
    const extra: string[] = [];
    f.group('layers').visit((p, o) => {
      if (o.kind === 'dataset' && !expected.has(`layers/${p}`)) extra.push(`layers/${p}`);
    });
    if (extra.length) throw new Error(`${where}: model.weights.h5 holds variables the model does not have: ${extra.slice(0, 8).join(', ')} (the config and weights disagree)`);
  }
  return out;
}

/** The top-level layers' weights of a legacy Keras .h5 file (`model_weights` group, or `root` for a weights-only file). */
export function readLegacyWeights(f: H5File, model: LayersModel, where: string, root?: H5Group): PendingWeight[] {
  if (!root && !f.has('model_weights')) throw new Error(`${where}: no 'model_weights' group (a legacy Keras .h5 full-model file has one)`);
  const g = root ?? f.group('model_weights');
  const gp = root ? '' : 'model_weights/';
  const out: PendingWeight[] = [];
  const claimed = new Set<string>();
  for (const l of modelLayers(model)) {
    // Keras' legacy order (_legacy_weights): the layer's trainable weights, then the others; for a
    // nested model that is not layer by layer.
    const sub = [...l.trainableWeights, ...l.nonTrainableWeights].map((weight) => ({ weight }));
    if (sub.length === 0) continue;
    if (!g.has(l.name)) throw new Error(`${where}: ${gp || 'the file '}has no group for layer '${l.name}', which has ${sub.length} weights`);
    const lg = g.group(l.name) as H5Group;
    claimed.add(l.name);
    const names = lg.attrs.weight_names ? lg.attr('weight_names') : [];
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw new Error(`${where}: ${gp}${l.name} has no weight_names list of strings`);
    if (names.length !== sub.length) {
      throw new Error(`${where}: ${gp}${l.name} lists ${names.length} weights but layer '${l.name}' (${l.className}) has ${sub.length}`);
    }
    names.forEach((n, i) => {
      if (!lg.has(n as string)) throw new Error(`${where}: ${gp}${l.name} lists '${n}' but has no such dataset`);
      const d = lg.get(n as string);
      if (d.kind !== 'dataset') throw new Error(`${where}: ${gp}${l.name}/${n} is a group, not a dataset`);
      out.push(checkedValues(d, sub[i].weight, where, `${gp}${l.name}/${n}`));
    });
  }
  const listed = g.attrs.layer_names ? g.attr('layer_names') : [];
  if (Array.isArray(listed)) {
    for (const n of listed as unknown[]) {
      if (typeof n !== 'string' || claimed.has(n) || !g.has(n)) continue;
      const lg = g.group(n);
      const wn = lg.attrs.weight_names ? lg.attr('weight_names') : [];
      if (Array.isArray(wn) && wn.length > 0) throw new Error(`${where}: ${gp || 'the file '}has weights for layer '${n}', which the model does not have`);
    }
  }
  return out;
}

/** Sets checked values (after every check passed). */
export function assignPending(pending: PendingWeight[]): void {
  for (const { weight, values } of pending) {
    const t = ENGINE.makeTensor(values, weight.variable.shape, weight.variable.dtype);
    try {
      weight.variable.assign(t);
    } finally {
      t.dispose();
    }
  }
}
