// Keras 3 configs (config.json of a `.keras` file, model_config of a legacy `.h5`) <-> the
// tfjs-style saved config that src/io/serialization.ts builds models from. Reading: serialized
// objects lose `module`, `registered_name`, `build_config` and `shared_object_id`, dtype policies
// become their dtype name, functional `inbound_nodes` of `{args, kwargs}` with `__keras_tensor__`
// histories become `[layer, node, tensor, kwargs]` lists, and Keras 3 arguments that simdgrad
// has no counterpart for are dropped when they hold their default (otherwise an error names
// them). Writing is the reverse, with the `module` of every object. Key spellings (batch_shape,
// negative_slope) go through the one table, src/io/config_names.ts ('keras3' rows).
import { Layer } from '../../layers/layer.js';
import { InputLayer } from '../../layers/core/input.js';
import type { Node, SymbolicTensor } from '../../layers/symbolic.js';
import { LayersModel } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { pySnake, toSavedConfig } from '../config_names.js';
import { modelNodeIndex, serializeLayer } from '../serialization.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JObj = { [k: string]: Json };

function isObj(v: unknown): v is JObj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Keras 3 arguments simdgrad's layers do not take, accepted on load only at the value listed
 * (the value Keras writes by default); any other value is an error naming the layer and key.
 * `undefined` as the value: any value is accepted (the argument changes nothing simdgrad computes).
 */
export const KERAS3_IGNORED_KEYS: readonly { key: string; value?: Json; classes?: readonly string[] }[] = [
  { key: 'quantization_config', value: null },
  { key: 'lora_rank', value: null },
  { key: 'lora_alpha', value: null },
  { key: 'sparse', value: false },
  { key: 'ragged', value: false },
  { key: 'optional', value: false },
  { key: 'synchronized', value: false, classes: ['BatchNormalization'] },
  { key: 'use_cudnn' }, // which kernel runs, not what it computes
  { key: 'seed' }, // dropout and initializer seeds: inference does not depend on them
  { key: 'zero_output_for_mask', value: true },
  { key: 'zero_output_for_mask', value: false },
  { key: 'input_axes', value: null },
  { key: 'output_axes', value: null },
];

function dropIgnored(cls: string, cfg: JObj, where: string): JObj {
  const out: JObj = {};
  for (const [k, v] of Object.entries(cfg)) {
    const rows = KERAS3_IGNORED_KEYS.filter((r) => r.key === k && (!r.classes || r.classes.includes(cls)));
    if (rows.length === 0) {
      out[k] = v;
      continue;
    }
    if (rows.some((r) => !('value' in r) || JSON.stringify(r.value) === JSON.stringify(v))) continue;
    throw new Error(`${where}: ${cls} '${String(cfg.name ?? '')}' has ${k}=${JSON.stringify(v)}, which simdgrad does not support (only ${rows.map((r) => JSON.stringify(r.value)).join(' or ')})`);
  }
  return out;
}

const DTYPE_POLICIES = new Set(['DTypePolicy', 'FloatDTypePolicy', 'Policy']);

/**
 * Layers Keras calls as layer(query, value, key=..., attention_mask=...): a tensor passed as `key`
 * becomes their third input, one passed as `attention_mask` their last (with
 * attention_mask_input: true, as simdgrad records a symbolic attentionMask).
 */
const ATTENTION_CLASSES = new Set(['MultiHeadAttention', 'GroupQueryAttention', 'GroupedQueryAttention']);

/** One inbound node of Keras 3 ({args, kwargs}) as tfjs' [[layer, node, tensor, kwargs], ...]. */
function convertNode(node: Json, where: string, cls = ''): Json[] {
  if (Array.isArray(node)) return node; // Keras 2 / tfjs form already
  if (!isObj(node) || !Array.isArray(node.args)) throw new Error(`${where}: an inbound node must be {args, kwargs} but is ${JSON.stringify(node)?.slice(0, 80)}`);
  const refs: Json[] = [];
  const walk = (v: Json) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v) && v.class_name === '__keras_tensor__') {
      const c = v.config;
      const h = isObj(c) ? c.keras_history : undefined;
      if (!Array.isArray(h) || h.length !== 3 || typeof h[0] !== 'string' || !Number.isInteger(h[1]) || !Number.isInteger(h[2])) {
        throw new Error(`${where}: a __keras_tensor__ has a malformed keras_history ${JSON.stringify(h)?.slice(0, 80)}`);
      }
      refs.push([h[0], h[1], h[2]]);
    }
  };
  walk(node.args);
  const kwargs: JObj = {};
  let mask: Json[] | null = null;
  if (isObj(node.kwargs)) {
    for (const [k, v] of Object.entries(node.kwargs)) {
      if (JSON.stringify(v).includes('__keras_tensor__')) {
        const attention = ATTENTION_CLASSES.has(cls) && isObj(v) && (k === 'key' || k === 'attention_mask');
        if (!attention) throw new Error(`${where}: a tensor passed as keyword argument '${k}' is not supported`);
        const before = refs.length;
        walk(v);
        if (k === 'attention_mask') mask = refs.splice(before, 1)[0] as Json[];
        continue;
      }
      if (v !== null) kwargs[k] = v;
    }
  }
  if (mask) {
    refs.push(mask);
    kwargs.attention_mask_input = true;
  }
  return refs.map((r) => [...(r as Json[]), kwargs]);
}

/**
 * A Keras config (Keras 3 config.json or a legacy model_config, in snake_case) in the tfjs-layers
 * saved form: `{class_name, config}` objects without Keras 3's extra fields. `where` names the
 * file in errors.
 */
export function kerasToTfjsConfig(v: Json, where: string, key = ''): Json {
  if (Array.isArray(v)) return v.map((x) => kerasToTfjsConfig(x, where, key));
  if (!isObj(v)) return v;
  if (typeof v.class_name === 'string' && 'config' in v) {
    const cls = v.class_name;
    if (DTYPE_POLICIES.has(cls)) {
      const name = isObj(v.config) ? v.config.name : undefined;
      if (typeof name !== 'string') throw new Error(`${where}: a ${cls} has no dtype name`);
      if (name !== 'float32' && name !== 'int32') throw new Error(`${where}: dtype policy '${name}' is not supported (simdgrad computes in float32)`);
      return name;
    }
    if (cls === '__keras_tensor__') throw new Error(`${where}: a tensor reference outside inbound_nodes`);
    if (typeof v.registered_name === 'string' && v.registered_name !== cls && !v.registered_name.startsWith('keras')) {
      // A custom object: Keras names it 'package>Class'; simdgrad's registry knows it by class name.
    }
    const out: JObj = { class_name: cls };
    const cfg = isObj(v.config) ? dropIgnored(cls, v.config, where) : v.config;
    if (isObj(cfg) && isObj(cfg.dtype) && cls !== 'InputLayer') cfg.dtype = kerasToTfjsConfig(cfg.dtype, where, 'dtype');
    out.config = kerasToTfjsConfig(cfg, where, 'config');
    if ('name' in v) out.name = v.name;
    if ('inbound_nodes' in v) {
      if (!Array.isArray(v.inbound_nodes)) throw new Error(`${where}: layer '${String(v.name)}' has inbound_nodes that are not a list`);
      out.inbound_nodes = v.inbound_nodes.map((n, i) => convertNode(n, `${where}: layer '${String(v.name)}' node ${i}`, cls));
    }
    return out;
  }
  const out: JObj = {};
  for (const [k, x] of Object.entries(v)) out[k] = kerasToTfjsConfig(x, where, k);
  return out;
}

// ---- writing ----

/** The Keras module of a serialized object found under `key`. */
function moduleFor(key: string, cls: string): string {
  if (key.endsWith('_initializer')) return 'keras.initializers';
  if (key.endsWith('_regularizer')) return 'keras.regularizers';
  if (key.endsWith('_constraint')) return 'keras.constraints';
  if (cls === 'Functional' || cls === 'Model') return 'keras.src.models.functional';
  if (cls === 'Sequential') return 'keras';
  return 'keras.layers';
}

/**
 * Keras 3 does not take these simdgrad/tfjs arguments; they are dropped when they hold the value
 * Keras 3 would use anyway (otherwise saving fails naming the layer and the argument).
 */
const NOT_INPUT = ['*not InputLayer*'];

const KERAS3_WRITE_DROPPED: readonly { key: string; value?: Json; classes?: readonly string[] }[] = [
  { key: 'implementation' }, // tfjs' RNN kernel choice, not what it computes
  { key: 'input_length', value: null },
  { key: 'batch_input_shape' },
  // A first layer's inputShape: the Keras 3 config has an InputLayer instead.
  { key: 'batch_shape', classes: NOT_INPUT },
  { key: 'input_shape', classes: NOT_INPUT },
  { key: 'activity_regularizer', value: null, classes: ['TimeDistributed', 'Bidirectional'] },
  { key: 'recurrent_activation', classes: ['SimpleRNN'] }, // simdgrad's SimpleRNN lists it, unused
  { key: 'trainable', value: true, classes: ['SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D'] },
];

function dropForKeras3(cls: string, cfg: JObj, where: string): JObj {
  const out: JObj = {};
  for (const [k, v] of Object.entries(cfg)) {
    const rows = KERAS3_WRITE_DROPPED.filter((r) => r.key === k && (!r.classes || r.classes.includes(cls) || (r.classes === NOT_INPUT && cls !== 'InputLayer')));
    if (rows.length === 0) out[k] = v;
    else if (!rows.some((r) => !('value' in r) || JSON.stringify(r.value) === JSON.stringify(v))) {
      throw new Error(`${where}: ${cls} '${String(cfg.name)}' has ${k}=${JSON.stringify(v)}, which Keras 3 cannot represent`);
    }
  }
  return out;
}

/** Adds Keras 3's `module` / `registered_name` to every serialized object of a snake_case config. */
function toKeras3Objects(v: Json, where: string, key = ''): Json {
  if (Array.isArray(v)) return v.map((x) => toKeras3Objects(x, where, key));
  if (!isObj(v)) return v;
  if (typeof v.class_name === 'string' && 'config' in v) {
    const cls = v.class_name;
    const cfg = isObj(v.config) ? dropForKeras3(cls, v.config, where) : v.config;
    const out: JObj = { module: moduleFor(key, cls), class_name: cls, config: toKeras3Objects(cfg, where, 'config'), registered_name: null };
    for (const [k, x] of Object.entries(v)) if (!(k in out)) out[k] = x;
    return out;
  }
  const out: JObj = {};
  for (const [k, x] of Object.entries(v)) out[k] = toKeras3Objects(x, where, k);
  return out;
}

function kerasTensor(t: SymbolicTensor, index: Map<Node, number>): JObj {
  return {
    class_name: '__keras_tensor__',
    config: { shape: t.shape.map((d) => (d === null || d < 0 ? null : d)) as Json, dtype: t.dtype, keras_history: [t.node!.layer.name, index.get(t.node!)!, t.outputIndex] },
  };
}

function inputLayerSpec(name: string, t: SymbolicTensor): JObj {
  return {
    module: 'keras.layers',
    class_name: 'InputLayer',
    config: { batch_shape: t.shape.map((d) => (d === null || d < 0 ? null : d)) as Json, dtype: t.dtype, sparse: false, ragged: false, name },
    registered_name: null,
  };
}

/** A layer's `{module, class_name, config, registered_name}` in Keras 3's form. */
function layerToKeras3(layer: Layer, where: string): JObj {
  if (layer instanceof LayersModel) return modelToKeras3(layer, where);
  const s = serializeLayer(layer);
  const saved = toSavedConfig({ className: s.className, config: s.config }, 'keras3') as JObj;
  return toKeras3Objects(saved, where) as JObj;
}

/** The model's config.json object as Keras 3 writes it (Sequential or Functional). */
export function modelToKeras3(model: LayersModel, where = model.name): JObj {
  if (model.outputs.length === 0) throw new Error(`${where}: the model has not been built (no inputs known): give the first layer an inputShape before saving`);
  if (model instanceof Sequential) {
    const input = model.inputs[0];
    const first = model.layers.find((l) => l instanceof InputLayer);
    const layers: Json[] = [inputLayerSpec(first?.name ?? `${model.name}_input`, input)];
    for (const l of model.layers) if (!(l instanceof InputLayer)) layers.push(layerToKeras3(l, where));
    return { module: 'keras', class_name: 'Sequential', config: { name: model.name, trainable: model.trainable, dtype: 'float32', layers }, registered_name: null };
  }
  const index = modelNodeIndex(model, { modelNodeOffset: 0 });
  const nodes = (model as unknown as { nodes: Node[] }).nodes;
  const ref = (t: SymbolicTensor): Json => [t.node!.layer.name, index.get(t.node!)!, t.outputIndex];
  const layers = model.layers.map((l) => {
    const spec = l instanceof InputLayer ? inputLayerSpec(l.name, l.output) : layerToKeras3(l, where);
    const inbound = l instanceof InputLayer
      ? []
      : nodes
          .filter((n) => n.layer === l)
          .sort((a, b) => index.get(a)! - index.get(b)!)
          .map((n) => {
            const ts = n.inputs.map((t) => kerasTensor(t, index));
            const kwargs: JObj = {};
            for (const [k, v] of Object.entries(n.kwargs ?? {})) if (v === null || ['number', 'string', 'boolean'].includes(typeof v)) kwargs[pySnake(k)] = v as Json;
            if (ATTENTION_CLASSES.has(spec.class_name as string)) {
              // layer(query, value, key=key, attention_mask=mask): the mask is the last input
              // where simdgrad recorded a symbolic attentionMask
              const hasMask = kwargs.attention_mask_input === true;
              delete kwargs.attention_mask_input;
              const [q, v, k] = hasMask ? ts.slice(0, -1) : ts;
              if (hasMask) kwargs.attention_mask = ts[ts.length - 1];
              if (k) kwargs.key = k;
              return { args: [q, v], kwargs };
            }
            // Merge layers take one list argument; others one tensor.
            return { args: n.inputs.length === 1 ? ts : [ts], kwargs };
          });
    return { ...spec, name: l.name, inbound_nodes: inbound };
  });
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: { name: model.name, trainable: model.trainable, layers, input_layers: model.inputs.map(ref), output_layers: model.outputs.map(ref) },
    registered_name: null,
  };
}
