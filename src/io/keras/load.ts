// sg.loadModel(source): Keras 3 `.keras` archives, legacy Keras 2 `.h5` full-model files and
// tfjs-layers model.json folders, told apart by their bytes (zip signature, HDF5 signature, else
// tfjs). The whole model is built and every weight checked before any value is set; on any
// failure the half-built model is disposed and the error names the file and the part.
import { isNode, nodeFs } from '../../callbacks/node_io.js';
import type { LossArg } from '../../models/training.js';
import { LayersModel } from '../../models/model.js';
import type { OptimizerSpec } from '../../optimizers/index.js';
import { fromSavedConfig, pySnake } from '../config_names.js';
import { H5File } from '../hdf5/index.js';
import { loadLayersModel } from '../models_io.js';
import { modelFromConfig } from '../serialization.js';
import type { IOHandler, LoadOptions } from '../types.js';
import { ZipReader } from '../zip.js';
import { kerasToTfjsConfig } from './config.js';
import { prepareKerasOptimizerState, type SavedOptimizerVar } from './optimizer.js';
import { assignPending, readKeras3Weights, readLegacyWeights, type PendingWeight } from './weights.js';

/** Options of loadModel. */
export interface LoadModelOptions extends LoadOptions {
  /**
   * Compile the model with the saved loss, optimizer and metrics when the file has them
   * (Keras' load_model(compile=True)); default true.
   */
  compile?: boolean;
  /** The most bytes a `.keras`/`.h5` file may have (default 2 GiB). */
  maxBytes?: number;
}

/** What loadModel accepts: a URL, the file's bytes, a Blob/File, or a tfjs IOHandler. */
export type ModelSource = string | Uint8Array | ArrayBuffer | IOHandler | { arrayBuffer(): Promise<ArrayBuffer>; name?: string; size?: number };

const MAX_CONFIG_BYTES = 64 << 20;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObj(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function parseJson(text: string, where: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
  }
}

export function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6);
}

export function isHdf5(b: Uint8Array): boolean {
  const SIG = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  return b.length >= 8 && SIG.every((v, i) => b[i] === v);
}

/** `cfg` with every activation or recurrent_activation 'hard_sigmoid' renamed 'hard_sigmoid_keras2'. */
function keras2HardSigmoid(cfg: Json): Json {
  if (Array.isArray(cfg)) return cfg.map(keras2HardSigmoid);
  if (!isObj(cfg)) return cfg;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(cfg)) {
    out[k] = (k === 'activation' || k === 'recurrent_activation') && v === 'hard_sigmoid' ? 'hard_sigmoid_keras2' : keras2HardSigmoid(v);
  }
  return out;
}

/** A model from its Keras config (either generation), fresh weights. */
function modelFromKerasConfig(cfg: Json, where: string, kerasVersion = '3'): LayersModel {
  if (!isObj(cfg) || typeof cfg.class_name !== 'string') throw new Error(`${where}: the model config has no class_name`);
  // Keras 2's 'hard_sigmoid' is clip(0.2x + 0.5, 0, 1), Keras 3's relu6(x + 3) / 6: a file that
  // tf.keras 2 wrote means the first.
  if (/^[12]\./.test(kerasVersion)) cfg = keras2HardSigmoid(cfg);
  const tf = kerasToTfjsConfig(cfg, where) as Record<string, Json>;
  // Keras 2 numbers a nested model's calls from 1 (its own graph is node 0); Keras 3 from 0.
  const modelNodeOffset = /^[12]\./.test(kerasVersion) ? 1 : 0;
  return modelFromConfig(tf.class_name as string, fromSavedConfig(tf.config, 'keras3'), where, { modelNodeOffset });
}

function lossOf(v: Json, where: string): LossArg {
  if (typeof v === 'string') return v as LossArg;
  if (isObj(v) && typeof v.class_name === 'string') {
    const c = isObj(v.config) ? v.config : {};
    if (c.from_logits === true) throw new Error(`${where}: loss ${v.class_name} with from_logits=true is not restored; pass { compile: false } and compile yourself`);
    return pySnake(v.class_name) as LossArg;
  }
  throw new Error(`${where}: loss ${JSON.stringify(v)?.slice(0, 60)} is not restored; pass { compile: false } and compile yourself`);
}

/** Compiles `model` from Keras 3's compile_config or Keras 2's training_config. */
function compileFrom(model: LayersModel, cc: Json, where: string): void {
  if (!isObj(cc)) return;
  const opt = cc.optimizer ?? cc.optimizer_config;
  if (opt === undefined || opt === null || cc.loss === undefined || cc.loss === null) return;
  const optimizer = (typeof opt === 'string' ? opt : kerasToTfjsConfig(opt, where)) as OptimizerSpec | string;
  const l = cc.loss;
  const loss = Array.isArray(l) ? l.map((x) => lossOf(x, where)) : isObj(l) && typeof l.class_name !== 'string' ? Object.fromEntries(Object.entries(l).map(([k, x]) => [k, lossOf(x, where)])) : lossOf(l, where);
  const m = cc.metrics;
  const metricName = (x: Json): string => (typeof x === 'string' ? x : isObj(x) && typeof x.class_name === 'string' ? pySnake(x.class_name) : String(x));
  let metrics: string[] | Record<string, string[]> | undefined;
  if (Array.isArray(m)) {
    const flat = m.flat(2).filter((x) => x !== null) as Json[];
    metrics = flat.map(metricName);
  } else if (isObj(m)) metrics = Object.fromEntries(Object.entries(m).map(([k, x]) => [k, (Array.isArray(x) ? x : [x]).filter((y) => y !== null).map(metricName)]));
  const lossWeights = Array.isArray(cc.loss_weights) ? (cc.loss_weights as number[]) : undefined;
  try {
    model.compile({ optimizer: optimizer as never, loss: loss as never, metrics: metrics as never, ...(lossWeights ? { lossWeights } : {}) });
  } catch (e) {
    throw new Error(`${where}: cannot restore the saved training configuration (${(e as Error).message}); pass { compile: false } to load without it`);
  }
}

/** Builds, checks, then fills: the model is disposed if anything fails. */
function finish(model: LayersModel, read: () => PendingWeight[], compile: () => void, optimizer?: () => (() => void) | null): LayersModel {
  try {
    const pending = read();
    compile();
    const restore = (model as unknown as { compiled?: unknown }).compiled !== undefined && optimizer ? optimizer() : null;
    assignPending(pending);
    restore?.();
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * The optimizer variables a Keras file holds in `group` (`optimizer/vars` of a .keras weights file:
 * datasets '0'..'n-1'; `optimizer_weights` of a legacy .h5: the `weight_names` list), checked to be
 * numeric datasets; null when there is no such group.
 */
export function savedOptimizerVars(h5: H5File, group: string, where: string): SavedOptimizerVar[] | null {
  if (!h5.has(group)) return null;
  const g = h5.get(group);
  if (g.kind !== 'group') throw new Error(`${where}: '${group}' is not a group`);
  let names: string[];
  if (group === 'optimizer_weights') {
    const wn = g.attrs.weight_names ? g.attr('weight_names') : [];
    if (!Array.isArray(wn) || wn.some((n) => typeof n !== 'string')) throw new Error(`${where}: optimizer_weights has no weight_names list of strings`);
    names = wn as string[];
  } else {
    const n = g.keys().length;
    names = Array.from({ length: n }, (_, i) => String(i));
  }
  return names.map((n) => {
    const path = `${group}/${n}`;
    if (!h5.has(path)) throw new Error(`${where}: ${group} has no '${n}' (the optimizer variables must be numbered 0..${names.length - 1})`);
    const d = h5.get(path);
    if (d.kind !== 'dataset') throw new Error(`${where}: '${path}' is a group, not a dataset`);
    if (typeof d.dtype !== 'string' || !/^(u?int|float)\d+$/.test(d.dtype)) throw new Error(`${where}: '${path}' holds ${d.dtype}, not numbers`);
    return { where: `'${path}'`, shape: d.shape.slice(), dtype: d.dtype, values: d.data as ArrayLike<number> };
  });
}

/**
 * A model from the bytes of a Keras 3 `.keras` archive: config.json, model.weights.h5 (and
 * metadata.json, checked when present). With compile (the default), the saved optimizer state
 * (optimizer/vars) is restored too, so training continues where it stopped.
 */
export async function modelFromKerasBytes(bytes: Uint8Array, where = '.keras file', opts: LoadModelOptions = {}): Promise<LayersModel> {
  const zip = ZipReader.open(bytes, where);
  for (const name of ['config.json', 'model.weights.h5']) {
    if (!zip.has(name)) throw new Error(`${where}: the archive has no ${name} (entries: ${zip.entries.map((e) => e.name).join(', ') || 'none'}); is it a Keras 3 .keras file?`);
  }
  if (zip.entry('config.json').size > MAX_CONFIG_BYTES) throw new Error(`${where}: config.json is ${zip.entry('config.json').size} bytes, over the ${MAX_CONFIG_BYTES} allowed`);
  const cfg = parseJson(await zip.readText('config.json'), `${where}: config.json`);
  if (zip.has('metadata.json')) {
    const md = parseJson(await zip.readText('metadata.json'), `${where}: metadata.json`);
    if (!isObj(md)) throw new Error(`${where}: metadata.json does not hold an object`);
  }
  const h5 = await H5File.read(await zip.read('model.weights.h5'), { name: `${where}: model.weights.h5` });
  const model = modelFromKerasConfig(cfg, `${where}: config.json`);
  return finish(
    model,
    () => readKeras3Weights(h5, model, where),
    () => {
      if (opts.compile !== false && isObj(cfg)) compileFrom(model, cfg.compile_config, `${where}: config.json compile_config`);
    },
    () => {
      const saved = savedOptimizerVars(h5, 'optimizer/vars', `${where}: model.weights.h5`);
      return saved ? prepareKerasOptimizerState(model, saved, `${where}: model.weights.h5`) : null;
    },
  );
}

/** A model from the bytes of a legacy Keras (2 or 3) `.h5` full-model file. */
export async function modelFromLegacyH5Bytes(bytes: Uint8Array, where = '.h5 file', opts: LoadModelOptions = {}): Promise<LayersModel> {
  const h5 = await H5File.read(bytes, { name: where });
  if (!h5.attrs.model_config) {
    throw new Error(`${where}: no 'model_config' attribute: a weights-only .h5 file (build the model, then sg.keras.loadWeights(model, bytes)) or not a Keras model file`);
  }
  const text = h5.attr('model_config');
  if (typeof text !== 'string') throw new Error(`${where}: the 'model_config' attribute is not a string`);
  const cfg = parseJson(text, `${where}: model_config`);
  const version = h5.attrs.keras_version ? h5.attr('keras_version') : '2';
  const model = modelFromKerasConfig(cfg, `${where}: model_config`, typeof version === 'string' ? version : '2');
  return finish(
    model,
    () => readLegacyWeights(h5, model, where),
    () => {
      if (opts.compile === false || !h5.attrs.training_config) return;
      const tc = h5.attr('training_config');
      if (typeof tc === 'string') compileFrom(model, parseJson(tc, `${where}: training_config`), `${where}: training_config`);
    },
    () => {
      // Keras 3 (and simdgrad) write Keras 3's optimizer variable list; Keras 2's differs (no
      // learning rate, slots in other blocks) and is not restored, as Keras 3 does not either.
      if (typeof version !== 'string' || !/^3\./.test(version)) return null;
      const saved = savedOptimizerVars(h5, 'optimizer_weights', where);
      return saved ? prepareKerasOptimizerState(model, saved, where) : null;
    },
  );
}

/** A model from file bytes of any supported format (zip: .keras; HDF5: legacy .h5). */
export async function modelFromBytes(bytes: Uint8Array, where: string, opts: LoadModelOptions = {}): Promise<LayersModel> {
  if (isZip(bytes)) return modelFromKerasBytes(bytes, where, opts);
  if (isHdf5(bytes)) return modelFromLegacyH5Bytes(bytes, where, opts);
  throw new Error(`${where}: neither a .keras archive (zip) nor a Keras .h5 file (HDF5); ${bytes.length} bytes starting ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`);
}

async function readLocal(path: string, max: number): Promise<Uint8Array | 'dir'> {
  const fs = await nodeFs('loadModel');
  let st;
  try {
    st = await fs.promises.stat(path);
  } catch {
    throw new Error(`loadModel: '${path}' does not exist`);
  }
  if (st.isDirectory()) return 'dir';
  if (st.size > max) throw new Error(`loadModel: '${path}' is ${st.size} bytes, over maxBytes ${max}`);
  return new Uint8Array(await fs.promises.readFile(path));
}

/**
 * Loads a model: a Keras 3 `.keras` file, a legacy Keras `.h5` full-model file, or a tfjs-layers
 * model (model.json). `source`: 'file://path' (Node), 'http(s)://...', the file's bytes, a
 * Blob/File (browser), or an IOHandler (io.browserFiles, indexeddb://... go through
 * loadLayersModel). The format is read from the bytes, not the name.
 * @example
 * const model = await sg.loadModel('file://model.keras');
 * const again = await sg.loadModel(await (await fetch('/m.h5')).arrayBuffer());
 */
export async function loadModel(source: ModelSource, opts: LoadModelOptions = {}): Promise<LayersModel> {
  const max = opts.maxBytes ?? 2 ** 31;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const b = source instanceof Uint8Array ? source : new Uint8Array(source);
    if (b.length > max) throw new Error(`loadModel: ${b.length} bytes, over maxBytes ${max}`);
    return modelFromBytes(b, 'loadModel(bytes)', opts);
  }
  if (typeof source === 'string') {
    if (source.startsWith('file://')) {
      const path = source.slice('file://'.length);
      if (path.endsWith('.json')) return loadLayersModel(source, opts);
      if (!isNode()) throw new Error(`loadModel: '${source}': file:// is available in Node only`);
      const b = await readLocal(path, max);
      if (b === 'dir') return loadLayersModel(source, opts);
      if (!isZip(b) && !isHdf5(b) && b[0] === 0x7b) return loadLayersModel(source, opts);
      return modelFromBytes(b, path, opts);
    }
    if (/^https?:\/\//i.test(source) && !/\.json([?#].*)?$/i.test(source)) {
      const r = await fetch(source, opts.requestInit as RequestInit | undefined);
      if (!r.ok) throw new Error(`loadModel: ${source}: HTTP ${r.status} ${r.statusText}`);
      const len = Number(r.headers.get('content-length') ?? 0);
      if (len > max) throw new Error(`loadModel: ${source}: Content-Length ${len} is over maxBytes ${max}`);
      const b = new Uint8Array(await r.arrayBuffer());
      if (b.length > max) throw new Error(`loadModel: ${source}: ${b.length} bytes, over maxBytes ${max}`);
      return modelFromBytes(b, source, opts);
    }
    return loadLayersModel(source, opts);
  }
  if (source && typeof (source as IOHandler).load === 'function') return loadLayersModel(source as IOHandler, opts);
  if (source && typeof (source as { arrayBuffer?: unknown }).arrayBuffer === 'function') {
    const blob = source as { arrayBuffer(): Promise<ArrayBuffer>; name?: string; size?: number };
    if ((blob.size ?? 0) > max) throw new Error(`loadModel: ${blob.name ?? 'blob'} is ${blob.size} bytes, over maxBytes ${max}`);
    return modelFromBytes(new Uint8Array(await blob.arrayBuffer()), blob.name ?? 'loadModel(blob)', opts);
  }
  throw new Error(`loadModel: expected a URL string, bytes (Uint8Array/ArrayBuffer), a Blob/File or an IOHandler but got ${source === null ? 'null' : typeof source}`);
}

/**
 * Loads a Keras weights file into a built model: a Keras 3 `.weights.h5` (model.save_weights) or a
 * legacy `.h5` (weights-only or full-model). Every weight is checked before any is set.
 * @example await sg.keras.loadWeights(model, 'file://model.weights.h5');
 */
export async function loadWeights(model: LayersModel, source: string | Uint8Array | ArrayBuffer): Promise<void> {
  let where = 'loadWeights(bytes)';
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    if (!source.startsWith('file://')) throw new Error(`loadWeights: '${source}': only file:// paths or bytes are read`);
    where = source.slice('file://'.length);
    const b = await readLocal(where, 2 ** 31);
    if (b === 'dir') throw new Error(`loadWeights: '${where}' is a folder`);
    bytes = b;
  } else bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
  const h5 = await H5File.read(bytes, { name: where });
  let pending: PendingWeight[];
  if (h5.has('layers') || h5.has('vars')) pending = readKeras3Weights(h5, model, where);
  else if (h5.has('model_weights')) pending = readLegacyWeights(h5, model, where);
  else if (h5.attrs.layer_names) pending = readLegacyWeights(h5, model, where, h5);
  else throw new Error(`${where}: neither Keras 3 weights ('layers' group) nor legacy weights ('layer_names' attribute)`);
  assignPending(pending);
}
