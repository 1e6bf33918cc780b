// The class registry behind saved configs, and model topology <-> config: Sequential and
// functional graphs (multi-input/output, shared layers, nested wrappers) as Keras' and
// tfjs-layers' `{class_name, config}`, in simdgrad's camelCase (src/io/config_names.ts turns it
// into the saved snake_case).
import { Layer } from '../layers/layer.js';
import { serializeRegularizer } from '../regularizers/index.js';
import { InputLayer } from '../layers/core/input.js';
import { BUILTIN_LAYER_CLASSES } from '../layers/registry.js';
import type { Node, SymbolicTensor } from '../layers/symbolic.js';
import { LayersModel } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { NESTED_LAYER_KEYS } from './config_names.js';

/** A class a config can name: a static `className`, built from its camelCase config. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SerializableClass = (new (config: any) => Layer) & {
  className: string;
  /** Optional custom construction; default `new cls(config)`. */
  fromConfig?: (config: Record<string, unknown>) => Layer;
};

const REGISTRY = new Map<string, SerializableClass>();

/**
 * Registers a layer class under `name` (default its static `className`) so that saved models
 * naming it can be loaded. The class needs `static className` and `getConfig()` returning its
 * constructor arguments.
 * @example
 * class Scale extends sg.Layer { static className = 'Scale'; call(x) { return sg.mul(x, 2); } }
 * sg.serialization.registerClass(Scale);
 */
export function registerClass(cls: SerializableClass, name: string = cls.className): void {
  if (typeof cls !== 'function') throw new Error(`serialization.registerClass: expected a class but got ${typeof cls}`);
  if (typeof name !== 'string' || name.length === 0 || name === 'Layer') {
    throw new Error(
      `serialization.registerClass: the class needs its own static className (got '${String(name)}'); add e.g. static className = '${cls.name}'`,
    );
  }
  REGISTRY.set(name, cls);
}

/** The class registered under `name`, or undefined. */
export function getRegisteredClass(name: string): SerializableClass | undefined {
  return REGISTRY.get(name);
}

/** Every registered class name. */
export function registeredClassNames(): string[] {
  return [...REGISTRY.keys()];
}

for (const cls of BUILTIN_LAYER_CLASSES) registerClass(cls as unknown as SerializableClass);
// Keras 3 writes GroupedQueryAttention under its export name 'GroupQueryAttention' (the class's
// className); its Python class name is read too.
registerClass(getRegisteredClass('GroupQueryAttention')!, 'GroupedQueryAttention');

/** The Keras model classes: 'Model' is tfjs-layers' and Keras 2.3's name for a functional model. */
const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

function unknownClass(name: string, where: string): Error {
  return new Error(
    `${where}: unknown layer class '${name}'. If it is a custom layer, register it before loading: ` +
      `sg.serialization.registerClass(${/^[A-Za-z_$][\w$]*$/.test(name) ? name : 'MyLayer'}) (the class needs static className = '${name}' and getConfig())`,
  );
}

/**
 * Format differences in how a graph is written. `modelNodeOffset`: the node index of a model's
 * first call when it is used as a layer; tfjs-layers and Keras 2 count a model's own internal
 * node as node 0 (so its calls start at 1), Keras 3 does not (0).
 */
export interface GraphFormat {
  modelNodeOffset?: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `{className, config}` of a layer (camelCase config; a model gives its topology). */
export function serializeLayer(
  layer: Layer,
  format: GraphFormat = {},
): { className: string; config: Record<string, unknown> } {
  if (layer instanceof LayersModel) return { className: layer.className, config: modelConfig(layer, format) };
  const config = layer.getConfig();
  // The base Layer applies activityRegularizer; its getConfig does not list it.
  if (!('activityRegularizer' in config) && layer.activityRegularizer) {
    config.activityRegularizer = serializeRegularizer(layer.activityRegularizer);
  }
  return { className: layer.className, config };
}

/**
 * A layer (or model) from `{className, config}` in camelCase. Nested layers (wrappers' `layer`)
 * are built first. `where` names the file or caller in errors.
 */
export function deserializeLayer(spec: unknown, where = 'deserializeLayer', format: GraphFormat = {}): Layer {
  if (!isObject(spec))
    throw new Error(`${where}: a layer must be {className, config} but got ${JSON.stringify(spec)?.slice(0, 80)}`);
  const className = spec.className;
  if (typeof className !== 'string') {
    throw new Error(`${where}: a layer entry has no string className (keys: ${Object.keys(spec).join(', ')})`);
  }
  const config = spec.config;
  if (MODEL_CLASSES.has(className)) return modelFromConfig(className, config, where, format);
  if (!isObject(config)) throw new Error(`${where}: layer class '${className}' has no config object`);
  const cls = REGISTRY.get(className);
  if (!cls) throw unknownClass(className, where);
  const args: Record<string, unknown> = { ...config };
  for (const k of NESTED_LAYER_KEYS) {
    const v = args[k];
    if (isObject(v)) args[k] = deserializeLayer(v, `${where} (${className} '${String(config.name)}')`, format);
    // A list of layers (StackedRNNCells' cells).
    else if (Array.isArray(v) && v.length && v.every(isObject))
      args[k] = v.map((e, i) => deserializeLayer(e, `${where} (${className} '${String(config.name)}' ${k}[${i}])`, format));
  }
  try {
    return cls.fromConfig ? cls.fromConfig(args) : new cls(args);
  } catch (e) {
    throw new Error(`${where}: cannot build layer '${String(config.name)}' (${className}): ${(e as Error).message}`);
  }
}

// ---- models ----

/** The nodes of `model`'s graph per layer, in each layer's call order (Keras' node indices). */
export function modelNodeIndex(model: LayersModel, format: GraphFormat): Map<Node, number> {
  const inModel = new Set<Node>((model as unknown as { nodes: Node[] }).nodes);
  const index = new Map<Node, number>();
  for (const l of model.layers) {
    let i = l instanceof LayersModel ? (format.modelNodeOffset ?? 0) : 0;
    for (const n of l.inboundNodes) if (inModel.has(n)) index.set(n, i++);
  }
  return index;
}

/** A model's topology config: Sequential `{name, layers}` or functional `{name, layers, inputLayers, outputLayers}`. */
export function modelConfig(model: LayersModel, format: GraphFormat = {}): Record<string, unknown> {
  if (model.outputs.length === 0) {
    throw new Error(
      `${model.name}: the model has not been built (no inputs known): give the first layer an inputShape or call it on data before saving`,
    );
  }
  if (model instanceof Sequential) {
    const layers = model.layers.filter((l) => !(l instanceof InputLayer));
    const input = model.inputs[0];
    const out = layers.map((l, i) => {
      const s = serializeLayer(l, format);
      if (i === 0) s.config = { ...s.config, batchInputShape: input.shape.slice(), dtype: input.dtype };
      return s;
    });
    return { name: model.name, layers: out };
  }
  const index = modelNodeIndex(model, format);
  const nodes = (model as unknown as { nodes: Node[] }).nodes;
  const ref = (t: SymbolicTensor): [string, number, number] => [t.node!.layer.name, index.get(t.node!)!, t.outputIndex];
  const layers = model.layers.map((l) => {
    const s = serializeLayer(l, format);
    const inbound =
      l instanceof InputLayer
        ? []
        : nodes
            .filter((n) => n.layer === l)
            .sort((a, b) => index.get(a)! - index.get(b)!)
            .map((n) => n.inputs.map((t) => [...ref(t), jsonKwargs(n.kwargs)]));
    return { name: l.name, className: s.className, config: s.config, inboundNodes: inbound };
  });
  return {
    name: model.name,
    layers,
    inputLayers: model.inputs.map(ref),
    outputLayers: model.outputs.map(ref),
  };
}

function jsonKwargs(kwargs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs ?? {})) {
    if (v === null || ['number', 'string', 'boolean'].includes(typeof v)) out[k] = v;
  }
  return out;
}

/** A model from its class name and topology config (camelCase). */
export function modelFromConfig(
  className: string,
  config: unknown,
  where = 'modelFromConfig',
  format: GraphFormat = {},
): LayersModel {
  if (className === 'Sequential') {
    // Keras 1 wrote a Sequential config as the bare list of layers.
    const layerSpecs = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
    if (!Array.isArray(layerSpecs)) throw new Error(`${where}: a Sequential config needs a 'layers' list`);
    const name = isObject(config) && typeof config.name === 'string' ? config.name : undefined;
    const model = new Sequential({ name });
    const made: Layer[] = [];
    try {
      layerSpecs.forEach((spec, i) => {
        const layer = deserializeLayer(spec, `${where} (layer ${i})`, format);
        made.push(layer);
        if (i > 0 && layer instanceof InputLayer) {
          throw new Error(`${where}: a Sequential model can only start with an InputLayer (layer ${i} is one)`);
        }
        model.add(layer);
      });
    } catch (e) {
      // Nothing half-built survives: free the weights of the layers made so far.
      for (const l of made) l.dispose();
      throw e;
    }
    return model;
  }
  if (!MODEL_CLASSES.has(className)) throw unknownClass(className, where);
  if (!isObject(config)) throw new Error(`${where}: a ${className} model needs a config object`);
  const specs = config.layers;
  if (!Array.isArray(specs)) throw new Error(`${where}: a ${className} config needs a 'layers' list`);
  const byName = new Map<string, Layer>();
  try {
    return functionalFromConfig(className, config, byName, where, format);
  } catch (e) {
    for (const l of byName.values()) l.dispose();
    throw e;
  }
}

function functionalFromConfig(
  className: string,
  config: Record<string, unknown>,
  byName: Map<string, Layer>,
  where: string,
  format: GraphFormat,
): LayersModel {
  const specs = config.layers as unknown[];
  const pending: { name: string; layer: Layer; nodes: unknown[][]; next: number }[] = [];
  specs.forEach((spec, i) => {
    if (!isObject(spec)) throw new Error(`${where}: layers[${i}] is not an object`);
    const layer = deserializeLayer(spec, `${where} (layers[${i}])`, format);
    const name = typeof spec.name === 'string' ? spec.name : layer.name;
    if (byName.has(name)) {
      layer.dispose();
      throw new Error(`${where}: two layers are named '${name}'`);
    }
    byName.set(name, layer);
    const inbound = spec.inboundNodes ?? [];
    if (!Array.isArray(inbound) || inbound.some((n) => !Array.isArray(n))) {
      throw new Error(`${where}: layer '${name}' has malformed inboundNodes`);
    }
    pending.push({ name, layer, nodes: inbound as unknown[][], next: 0 });
  });
  /** Output tensors of each (layer, node index) made so far. */
  const made = new Map<string, SymbolicTensor[]>();
  for (const [name, layer] of byName) if (layer instanceof InputLayer) made.set(`${name}#0`, [layer.output]);
  const lookup = (ref: unknown, what: string): SymbolicTensor | undefined => {
    if (
      !Array.isArray(ref) ||
      typeof ref[0] !== 'string' ||
      !Number.isInteger(ref[1]) ||
      !Number.isInteger(ref[2] ?? 0)
    ) {
      throw new Error(`${where}: ${what} has a malformed tensor reference ${JSON.stringify(ref)?.slice(0, 80)}`);
    }
    if (!byName.has(ref[0]))
      throw new Error(`${where}: ${what} refers to layer '${ref[0]}', which the config does not define`);
    return made.get(`${ref[0]}#${ref[1]}`)?.[(ref[2] as number) ?? 0];
  };
  // Keras' order: sweep the layers, calling each on every node whose inputs exist, until done.
  let progress = true;
  while (progress) {
    progress = false;
    for (const p of pending) {
      while (p.next < p.nodes.length) {
        const node = p.nodes[p.next];
        const inputs = node.map((ref, j) => lookup(ref, `layer '${p.layer.name}' node ${p.next} input ${j}`));
        if (inputs.some((t) => t === undefined)) break;
        const kwargs =
          node.length && Array.isArray(node[0]) && isObject(node[0][3]) ? (node[0][3] as Record<string, unknown>) : {};
        const arg = inputs.length === 1 ? inputs[0]! : (inputs as SymbolicTensor[]);
        const out = p.layer.apply(arg as never, kwargs) as unknown as SymbolicTensor | SymbolicTensor[];
        const offset = p.layer instanceof LayersModel ? (format.modelNodeOffset ?? 0) : 0;
        made.set(`${p.name}#${p.next + offset}`, Array.isArray(out) ? out : [out]);
        p.next++;
        progress = true;
      }
    }
  }
  const stuck = pending.find((p) => p.next < p.nodes.length);
  if (stuck)
    throw new Error(
      `${where}: layer '${stuck.layer.name}' node ${stuck.next} has inputs that are never computed (a cycle or a missing layer)`,
    );
  const ends = (key: string) => {
    const refs = config[key];
    if (!Array.isArray(refs) || refs.length === 0)
      throw new Error(`${where}: the config needs a non-empty '${key}' list`);
    // Keras writes a single ref unnested for one input/output in some versions.
    const list = typeof refs[0] === 'string' ? [refs] : refs;
    return list.map((r, i) => {
      const t = lookup(r, `${key}[${i}]`);
      if (!t) throw new Error(`${where}: ${key}[${i}] refers to a tensor that is never computed`);
      return t;
    });
  };
  return new LayersModel({
    inputs: ends('inputLayers'),
    outputs: ends('outputLayers'),
    name: typeof config.name === 'string' ? config.name : undefined,
  });
}
