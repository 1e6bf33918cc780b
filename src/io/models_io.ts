// Saving and loading LayersModels in the tfjs-layers format: model.toJSON(), modelFromJSON,
// model.save(destination, {includeOptimizer}) and loadLayersModel(source, {strict, onProgress}).
// Weights are named as tfjs-layers names them ('dense_1/kernel', 'bidi/forward_lstm/kernel');
// optimizer state follows the model weights in group 'optimizer' ('iter', then each slot kind
// for every trainable weight: 'dense_1/kernel/m', ...), as tfjs-layers 4.22 writes it.
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { Layer, type LayerWeight } from '../layers/layer.js';
import { Bidirectional, TimeDistributed } from '../layers/wrappers.js';
import { RNN } from '../layers/recurrent/rnn.js';
import { lossName } from '../losses/index.js';
import { withPlaceholderInit } from '../initializers/index.js';
import { LayersModel, modelIOHooks } from '../models/model.js';
import type { OptimizerSpec } from '../optimizers/index.js';
import { fromSavedConfig, toSavedConfig } from './config_names.js';
import { resolveHandler } from './router.js';
import { modelConfig, modelFromConfig, type GraphFormat } from './serialization.js';
import type { IOHandler, LoadOptions, ModelArtifacts, SaveConfig, SaveResult, TrainingConfig } from './types.js';
import { decodeWeights, encodeWeights, type DecodedWeight } from './weights.js';

/** tfjs-layers (like Keras 2) numbers a nested model's calls from 1: its node 0 is its own graph. */
const TFJS_GRAPH: GraphFormat = { modelNodeOffset: 1 };

/** The version string written as keras_version and generatedBy. */
export const SIMDGRAD_VERSION = '0.1.0';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// ---- topology ----

/**
 * The model's topology as tfjs-layers' model.toJSON(null, false) gives it: `{class_name, config,
 * keras_version, backend}` in Keras snake_case.
 */
export function modelToJSONObject(model: LayersModel): Record<string, unknown> {
  return toSavedConfig({
    className: model.className,
    config: modelConfig(model, TFJS_GRAPH),
    kerasVersion: `simdgrad ${SIMDGRAD_VERSION}`,
    backend: 'simdgrad',
  }) as Record<string, unknown>;
}

/** The model's topology as a JSON string (tfjs' model.toJSON()). */
export function modelToJSON(model: LayersModel): string {
  return JSON.stringify(modelToJSONObject(model));
}

/** `{class_name, config}` from a modelTopology: either that object or `{model_config: ...}`. */
function topologyRoot(topology: unknown, where: string): { className: string; config: unknown } {
  if (!isObject(topology)) throw new Error(`${where}: modelTopology must be an object`);
  const root = isObject(topology.model_config) ? topology.model_config : topology;
  const className = root.class_name ?? root.className;
  if (typeof className !== 'string') {
    throw new Error(`${where}: modelTopology has no class_name (expected 'Sequential', 'Functional' or 'Model')`);
  }
  return { className, config: root.config };
}

/**
 * A model (fresh weights) from a topology: a JSON string or object as model.toJSON() or
 * model.json's `modelTopology` holds.
 * @example const copy = sg.modelFromJSON(model.toJSON());
 */
export function modelFromJSON(json: string | Record<string, unknown>, where = 'modelFromJSON'): LayersModel {
  let obj: unknown = json;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json);
    } catch (e) {
      throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
    }
  }
  if (isObject(obj) && isObject(obj.modelTopology)) obj = obj.modelTopology;
  const { className, config } = topologyRoot(obj, where);
  return modelFromConfig(className, fromSavedConfig(config, 'tfjs'), where, TFJS_GRAPH);
}

// ---- weight names ----

/** The model's weights under tfjs-layers' names, in layer order. Throws on a duplicate name. */
export function namedModelWeights(model: LayersModel): { name: string; weight: LayerWeight }[] {
  const out: { name: string; weight: LayerWeight }[] = [];
  const add = (layer: Layer) => {
    if (layer instanceof LayersModel) {
      for (const l of layer.layers) if (l !== layer) add(l);
      return;
    }
    for (const w of layer.weights) {
      let name: string;
      if (w.owner === layer || layer instanceof TimeDistributed) name = `${layer.name}/${w.name}`;
      // tfjs-layers names an RNN's cell weights under the RNN: 'rnn_1/kernel', 'rnn_1/RNNCell_0/kernel'.
      else if (layer instanceof RNN) name = `${layer.name}/${layer.savedWeightName(w)}`;
      else if (layer instanceof Bidirectional) {
        const dir = w.owner === layer.forwardLayer ? 'forward' : 'backward';
        name = `${layer.name}/${dir}_${layer.forwardLayer.name}/${w.name}`;
      } else name = `${w.owner.name}/${w.name}`;
      out.push({ name, weight: w });
    }
  };
  for (const l of model.layers) if (l !== model) add(l);
  const seen = new Set<string>();
  for (const { name } of out) {
    if (seen.has(name))
      throw new Error(`${model.name}: two weights would be saved as '${name}'; give the layers unique names`);
    seen.add(name);
  }
  return out;
}

// ---- optimizer state ----

interface Compiled {
  optimizer: {
    className: string;
    getConfig(): Record<string, unknown>;
    getWeights(): { name: string; tensor: Tensor }[];
    setWeights(w: { name: string; tensor: Tensor }[]): void;
  };
  losses: { name: string }[];
  metrics: { name: string }[][];
}

function compiledOf(model: LayersModel): Compiled | undefined {
  return (model as unknown as { compiled?: Compiled }).compiled;
}

export function trainingConfigOf(model: LayersModel, c: Compiled): TrainingConfig {
  const losses = c.losses.map((l) => lossName(l.name) ?? l.name);
  const outNames = model.outputs.map((o) => o.node!.layer.name);
  const multi = outNames.length > 1;
  const metricsOf = (i: number) => c.metrics[i].map((m) => (multi ? m.name.slice(outNames[i].length + 1) : m.name));
  return {
    loss: losses.every((l) => l === losses[0]) ? losses[0] : losses,
    metrics: multi ? Object.fromEntries(outNames.map((n, i) => [n, metricsOf(i)])) : metricsOf(0),
    optimizer_config: { class_name: c.optimizer.className, config: c.optimizer.getConfig() },
  };
}

/** Optimizer state as saved tensors: 'iter', then slot kinds in order, each over the trainable weights. */
function optimizerWeights(model: LayersModel, c: Compiled): { name: string; tensor: Tensor }[] {
  const byVar = new Map<string, string>();
  for (const { name, weight } of namedModelWeights(model)) byVar.set(weight.variable.name, name);
  const state = c.optimizer.getWeights();
  const iter = state.filter((s) => s.name === 'iter');
  const kinds: string[] = [];
  const slots = new Map<string, { name: string; tensor: Tensor }>();
  for (const s of state) {
    if (s.name === 'iter') continue;
    const cut = s.name.lastIndexOf('/');
    const kind = s.name.slice(cut + 1);
    if (!kinds.includes(kind)) kinds.push(kind);
    slots.set(s.name, s);
  }
  const out = [...iter];
  const order = model.trainableWeights.map((w) => w.variable.name);
  for (const kind of kinds) {
    for (const v of order) {
      const s = slots.get(`${v}/${kind}`);
      if (!s) continue;
      out.push({ name: `${byVar.get(v)}/${kind}`, tensor: s.tensor });
      slots.delete(`${v}/${kind}`);
    }
  }
  // Slots of variables that are no longer in the model are not saved.
  for (const s of slots.values()) s.tensor.dispose();
  return out;
}

// ---- save ----

/**
 * The artifacts of a model (topology, weights, and with includeOptimizer the training config and
 * optimizer state), as tfjs' LayersModel.save hands them to an IOHandler.
 */
export function modelArtifacts(model: LayersModel, config: SaveConfig = {}): ModelArtifacts {
  const topology = modelToJSONObject(model);
  const named = namedModelWeights(model).filter((n) => !config.trainableOnly || n.weight.trainable);
  const entries = named.map(({ name, weight }) => ({
    name,
    shape: weight.variable.shape.slice(),
    dtype: weight.variable.dtype,
    values: weight.variable.dataSync(),
  }));
  const a: ModelArtifacts = {
    modelTopology: topology,
    format: 'layers-model',
    generatedBy: `simdgrad v${SIMDGRAD_VERSION}`,
    convertedBy: null,
  };
  const c = compiledOf(model);
  if (config.includeOptimizer && c) {
    a.trainingConfig = toSavedConfig(trainingConfigOf(model, c)) as unknown as TrainingConfig;
    const state = optimizerWeights(model, c);
    try {
      for (const s of state) {
        entries.push({
          name: s.name,
          shape: s.tensor.shape.slice(),
          dtype: s.tensor.dtype,
          values: s.tensor.dataSync(),
          group: 'optimizer',
        } as never);
      }
    } finally {
      for (const s of state) s.tensor.dispose();
    }
  }
  const md = (model as { userDefinedMetadata?: Record<string, unknown> }).userDefinedMetadata;
  if (md !== undefined) a.userDefinedMetadata = md;
  const { data, specs } = encodeWeights(entries);
  a.weightData = data;
  a.weightSpecs = specs;
  return a;
}

/**
 * Saves a model to a URL ('file://dir', 'localstorage://name', ...) or an IOHandler.
 * @example await sg.io.saveModel(model, 'file:///tmp/mnist-mlp', { includeOptimizer: true });
 */
export async function saveModel(
  model: LayersModel,
  destination: string | IOHandler,
  config: SaveConfig = {},
): Promise<SaveResult> {
  // A '.keras'/'.h5' name reaches this tfjs-layers writer only when the Keras writer (keras/save.ts,
  // which handles those names first) was left out of a bundle: never write a folder under that name.
  if (typeof destination === 'string' && /\.(keras|h5|hdf5)$/i.test(destination)) {
    throw new Error(
      `${model.name}.save('${destination}'): the Keras writer is not loaded (a bundler left it out): call ` +
        `sg.keras.saveKeras / sg.keras.saveLegacyH5 (or sg.keras.toKerasBytes) directly for Keras files`,
    );
  }
  const handler = typeof destination === 'string' ? resolveHandler(destination, 'save') : destination;
  if (!handler || typeof handler.save !== 'function') {
    throw new Error(`${model.name}.save: the IOHandler has no save() method`);
  }
  return handler.save(modelArtifacts(model, config));
}

// ---- load ----

/** Keras 3 style 'layer/vars/0' (or tfjs' 'layer/0') -> 'layer/0', as tfjs-layers' parseWeights. */
function kerasVarsKey(name: string): string {
  return name
    .split('/')
    .map((s) => (s.startsWith('_') ? s.slice(1) : s))
    .filter((s) => s !== 'vars' && s !== 'layer_checkpoint_dependencies')
    .join('/');
}

/**
 * Matches decoded weights to the model's, checking every name, shape and dtype before any value
 * is set. Returns the assignments to make.
 */
function matchWeights(
  model: LayersModel,
  decoded: DecodedWeight[],
  strict: boolean,
  where: string,
): { weight: LayerWeight; w: DecodedWeight }[] {
  const named = namedModelWeights(model);
  const byName = new Map(named.map((n) => [n.name, n.weight]));
  // Keras 3 names weights by position: 'dense_1/vars/0'. tfjs decides by the first name.
  const first = decoded[0]?.name.split('/').pop() ?? '';
  if (decoded.length && /^\d+$/.test(first)) {
    byName.clear();
    const counters = new Map<string, number>();
    for (const n of named) {
      const dir = n.name.slice(0, n.name.lastIndexOf('/'));
      const i = counters.get(dir) ?? 0;
      counters.set(dir, i + 1);
      byName.set(`${dir}/${i}`, n.weight);
    }
    decoded = decoded.map((d) => ({ ...d, name: kerasVarsKey(d.name) }));
  }
  const out: { weight: LayerWeight; w: DecodedWeight }[] = [];
  const set = new Set<LayerWeight>();
  for (const d of decoded) {
    let target = byName.get(d.name);
    if (!target) {
      // TF 2.2+ put the cell name in: 'lstm_1/lstm_cell/kernel' -> 'lstm_1/kernel'.
      const t = d.name.split('/');
      if (t.length >= 3) target = byName.get([...t.slice(0, -2), t[t.length - 1]].join('/'));
    }
    if (!target) {
      if (strict)
        throw new Error(
          `${where}: weight '${d.name}' has no target in the model (weights it has: ${[...byName.keys()].slice(0, 12).join(', ')}${byName.size > 12 ? ', ...' : ''}); pass strict: false to skip it`,
        );
      continue;
    }
    if (set.has(target)) throw new Error(`${where}: two saved weights map to '${d.name}'`);
    if (fmt(d.shape) !== fmt(target.variable.shape)) {
      throw new Error(
        `${where}: weight '${d.name}' has shape ${fmt(d.shape)} but layer '${target.owner.name}' expects ${fmt(target.variable.shape)}`,
      );
    }
    if (d.dtype !== target.variable.dtype) {
      throw new Error(
        `${where}: weight '${d.name}' is ${d.dtype} but layer '${target.owner.name}' holds ${target.variable.dtype}`,
      );
    }
    set.add(target);
    out.push({ weight: target, w: d });
  }
  if (strict) {
    const missing = named.filter((n) => !set.has(n.weight)).map((n) => n.name);
    if (missing.length) {
      throw new Error(
        `${where}: ${missing.length} of ${named.length} weights are not in the file: ${missing.join(', ')}; pass strict: false to keep their initial values`,
      );
    }
  }
  return out;
}

/** Assigns matched weights (all checks already passed). */
function assignWeights(pairs: { weight: LayerWeight; w: DecodedWeight }[]): void {
  for (const { weight, w } of pairs) {
    const t = ENGINE.makeTensor(w.values, w.shape, w.dtype);
    try {
      weight.variable.assign(t);
    } finally {
      t.dispose();
    }
  }
}

/**
 * A model from artifacts: topology, weights (checked, then set all at once), and with a
 * training config the compiled optimizer and its state. Nothing is kept when anything fails.
 */
export function modelFromArtifacts(
  a: ModelArtifacts,
  options: LoadOptions = {},
  where = 'loadLayersModel',
): LayersModel {
  if (!isObject(a)) throw new Error(`${where}: the handler returned no artifacts`);
  if (a.modelTopology === undefined || a.modelTopology instanceof ArrayBuffer) {
    throw new Error(`${where}: the artifacts have no JSON modelTopology (a graph model or weights only?)`);
  }
  if (a.format !== undefined && a.format !== null && a.format !== 'layers-model') {
    throw new Error(`${where}: format '${a.format}' is not a layers model`);
  }
  const strict = options.strict ?? true;
  // Decode and check the bytes first: a bad file fails before any layer or variable exists.
  let decoded: DecodedWeight[] = [];
  const data = (a as ModelArtifacts).weightData;
  if (data !== undefined && data !== null) {
    if (!a.weightSpecs) throw new Error(`${where}: the artifacts have weight data but no weight specs`);
    decoded = decodeWeights(data, a.weightSpecs, where);
  }
  const modelW = decoded.filter((d) => d.group !== 'optimizer');
  const optW = decoded.filter((d) => d.group === 'optimizer');
  // Strict loads overwrite every weight: skip sampling initial values (tfjs' fastWeightInit).
  const build = () => modelFromJSON(a.modelTopology as Record<string, unknown>, where);
  const model = strict && decoded.length > 0 ? withPlaceholderInit(build) : build();
  try {
    const pairs = matchWeights(model, modelW, strict, where);
    let restore: (() => void) | undefined;
    if (a.trainingConfig !== undefined && a.trainingConfig !== null) {
      const tc = a.trainingConfig as unknown as Record<string, unknown>;
      if (!isObject(tc.optimizer_config)) throw new Error(`${where}: trainingConfig has no optimizer_config`);
      const optSpec = fromSavedConfig(tc.optimizer_config) as OptimizerSpec;
      const loss = fromSavedConfig(tc.loss) as never;
      const metrics = (
        tc.metrics === undefined || tc.metrics === null ? undefined : fromSavedConfig(tc.metrics)
      ) as never;
      model.compile({ optimizer: optSpec, loss, metrics });
      if (optW.length) restore = prepareOptimizerState(model, optW, where);
    }
    assignWeights(pairs);
    restore?.();
    if (a.userDefinedMetadata !== undefined)
      (model as { userDefinedMetadata?: unknown }).userDefinedMetadata = a.userDefinedMetadata;
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Checks saved optimizer state against the model; returns the function that sets it. */
function prepareOptimizerState(model: LayersModel, optW: DecodedWeight[], where: string): () => void {
  const named = namedModelWeights(model);
  const byName = new Map(named.map((n) => [n.name, n.weight]));
  const mapped: { name: string; w: DecodedWeight }[] = [];
  for (const d of optW) {
    if (d.name === 'iter') {
      if (d.values.length !== 1) throw new Error(`${where}: optimizer weight 'iter' must be a scalar`);
      mapped.push({ name: 'iter', w: d });
      continue;
    }
    const cut = d.name.lastIndexOf('/');
    const target = cut > 0 ? byName.get(d.name.slice(0, cut)) : undefined;
    if (!target) throw new Error(`${where}: optimizer weight '${d.name}' names no weight of the model`);
    if (fmt(d.shape) !== fmt(target.variable.shape)) {
      throw new Error(
        `${where}: optimizer weight '${d.name}' has shape ${fmt(d.shape)} but its variable has ${fmt(target.variable.shape)}`,
      );
    }
    mapped.push({ name: `${target.variable.name}/${d.name.slice(cut + 1)}`, w: d });
  }
  return () => {
    const ts = mapped.map(({ name, w }) => ({ name, tensor: ENGINE.makeTensor(w.values, w.shape, w.dtype) }));
    try {
      compiledOf(model)!.optimizer.setWeights(ts);
    } finally {
      for (const t of ts) t.tensor.dispose();
    }
  };
}

/**
 * Loads a model saved in the tfjs-layers format from a URL ('file://path/model.json',
 * 'https://.../model.json', 'indexeddb://name', 'localstorage://name') or an IOHandler.
 * @example const model = await sg.loadLayersModel('file:///tmp/mnist-mlp/model.json');
 */
export async function loadLayersModel(source: string | IOHandler, options: LoadOptions = {}): Promise<LayersModel> {
  const handler = typeof source === 'string' ? resolveHandler(source, 'load', options) : source;
  if (!handler || typeof handler.load !== 'function')
    throw new Error('loadLayersModel: the IOHandler has no load() method');
  const where = typeof source === 'string' ? source : 'loadLayersModel';
  const a = await handler.load();
  return modelFromArtifacts(a, options, where);
}

modelIOHooks.save = saveModel;
modelIOHooks.toJSON = modelToJSON;
