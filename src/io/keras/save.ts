// Writing Keras 3 `.keras` archives: metadata.json, config.json in Keras 3's serialization, and
// model.weights.h5 (through src/io/hdf5's H5Writer) with every variable under the path Keras'
// saving_lib reads it from. model.save('file://m.keras') comes here (a '.keras' destination);
// every other destination stays with the tfjs-layers format.
import { isNode, writeFileAtomic } from '../../callbacks/node_io.js';
import { LayersModel, modelIOHooks } from '../../models/model.js';
import { H5Writer } from '../hdf5/writer.js';
import { saveModel, trainingConfigOf } from '../models_io.js';
import type { IOHandler, SaveConfig, SaveResult } from '../types.js';
import { ZipWriter } from '../zip.js';
import { modelToKeras3 } from './config.js';
import { kerasJson, markFloats } from './json.js';
import { downloadBytes } from '../browser.js';
import { saveLegacyH5, toLegacyH5Bytes } from './legacy_save.js';
import { hasKerasOptimizerLayout, kerasOptimizerVars } from './optimizer.js';
import { kerasVarPaths } from './weights.js';

/** The Keras version whose format is written (metadata.json's keras_version). */
export const KERAS_FORMAT_VERSION = '3.15.1';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Keras 3's compile_config for a compiled model (the tfjs training config's loss, metrics, optimizer). */
function compileConfig(model: LayersModel): Json {
  const c = (model as unknown as { compiled?: Parameters<typeof trainingConfigOf>[1] }).compiled;
  if (!c) return null;
  const tc = trainingConfigOf(model, c) as unknown as { loss: Json; metrics: Json; optimizer_config: { class_name: string; config: Json } };
  const metrics = tc.metrics;
  const none = Array.isArray(metrics) ? metrics.length === 0 : metrics !== null && typeof metrics === 'object' && Object.values(metrics).every((m) => Array.isArray(m) && m.length === 0);
  return {
    optimizer: { module: 'keras.optimizers', class_name: tc.optimizer_config.class_name, config: markFloats(JSON.parse(JSON.stringify(tc.optimizer_config.config)) as Json), registered_name: null },
    loss: tc.loss,
    loss_weights: null,
    metrics: none ? null : metrics,
    weighted_metrics: null,
    run_eagerly: false,
    steps_per_execution: 1,
    jit_compile: false,
  };
}

/** Options of toKerasBytes. */
export interface KerasSaveOptions {
  /** Write compile_config (loss, optimizer, metrics) when the model is compiled (default true). */
  includeCompileConfig?: boolean;
  /**
   * Write the optimizer's state (iteration count, learning rate, slot variables) under
   * `optimizer/vars` as Keras 3 does, so that training resumes exactly in Keras or simdgrad.
   * Default: when the model is compiled with one of simdgrad's optimizers (Keras' model.save
   * always writes it); `true` makes a missing or unknown optimizer an error, `false` leaves it out.
   */
  includeOptimizer?: boolean;
}

/** Whether the optimizer state goes into the file (see KerasSaveOptions.includeOptimizer). */
function optimizerIncluded(model: LayersModel, opts: KerasSaveOptions, where: string): boolean {
  const compiled = (model as unknown as { compiled?: unknown }).compiled !== undefined;
  if (opts.includeOptimizer === false || opts.includeCompileConfig === false) return false;
  if (opts.includeOptimizer === true) {
    if (!compiled) throw new Error(`${where}: includeOptimizer is true but model '${model.name}' is not compiled (it has no optimizer)`);
    return true;
  }
  return compiled && hasKerasOptimizerLayout(model.optimizer);
}

/**
 * model.weights.h5 of `model`: every variable at its Keras path, and with `includeOptimizer` the
 * compiled optimizer's variables under optimizer/vars/<i> in Keras 3's order.
 */
export function kerasWeightsH5(model: LayersModel, opts: { includeOptimizer?: boolean } = {}): Uint8Array {
  const w = new H5Writer();
  for (const { path, weight } of kerasVarPaths(model)) {
    const cut = path.lastIndexOf('/');
    const v = weight.variable;
    w.group(path.slice(0, cut)).dataset(path.slice(cut + 1), { shape: v.shape.slice(), dtype: v.dtype === 'int32' ? 'int32' : 'float32', data: v.dataSync() as Float32Array });
  }
  if (opts.includeOptimizer) {
    const g = w.group('optimizer/vars');
    kerasOptimizerVars(model, 'toKerasBytes').forEach((v, i) => g.dataset(String(i), { shape: v.shape, dtype: v.dtype, data: v.values }));
  }
  return w.toBytes();
}

/**
 * The bytes of a Keras 3 `.keras` archive of `model`, which Keras 3 loads with
 * keras.saving.load_model. A compiled model's optimizer state goes with it (see
 * KerasSaveOptions.includeOptimizer): Keras (or sg.loadModel) continues training where it stopped.
 * @example
 * const bytes = await sg.keras.toKerasBytes(model);
 * new Blob([bytes]); // a browser download
 */
export async function toKerasBytes(model: LayersModel, opts: KerasSaveOptions = {}): Promise<Uint8Array> {
  const config = modelToKeras3(model) as { [k: string]: Json };
  const cc = opts.includeCompileConfig === false ? null : compileConfig(model);
  if (cc) config.compile_config = cc;
  const now = new Date();
  const p2 = (n: number) => String(n).padStart(2, '0');
  const dateSaved = `${now.getFullYear()}-${p2(now.getMonth() + 1)}-${p2(now.getDate())}@${p2(now.getHours())}:${p2(now.getMinutes())}:${p2(now.getSeconds())}`;
  const zip = new ZipWriter();
  zip.add('metadata.json', JSON.stringify({ keras_version: KERAS_FORMAT_VERSION, date_saved: dateSaved }));
  zip.add('config.json', kerasJson(config));
  const includeOptimizer = optimizerIncluded(model, opts, 'toKerasBytes');
  zip.add('model.weights.h5', kerasWeightsH5(model, { includeOptimizer }), { compress: false });
  return zip.toBytes();
}

/**
 * Saves `model` as a Keras 3 `.keras` file: 'file://path/m.keras' in Node.
 * @example await sg.keras.saveKeras(model, 'file:///tmp/model.keras');
 */
export async function saveKeras(model: LayersModel, destination: string, opts: KerasSaveOptions = {}): Promise<SaveResult> {
  if (!destination.startsWith('file://')) throw new Error(`saveKeras: '${destination}': only file:// destinations are written; in a browser use model.save('downloads://name.keras') or sg.keras.toKerasBytes(model)`);
  if (!isNode()) throw new Error(`saveKeras: '${destination}': file:// is available in Node only`);
  const bytes = await toKerasBytes(model, opts);
  await writeFileAtomic(destination.slice('file://'.length), bytes, 'saveKeras');
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.length } };
}

// model.save(destination): a '.keras' or '.h5' name picks the Keras formats; 'downloads://m.keras'
// (or '.h5') downloads that one file in a browser; everything else is the tfjs-layers format.
modelIOHooks.save = async (model: LayersModel, destination: string | IOHandler, config?: SaveConfig) => {
  const includeOptimizer = config?.includeOptimizer;
  if (typeof destination === 'string' && /^downloads:\/\/.+\.(keras|h5|hdf5)$/i.test(destination)) {
    const name = destination.slice('downloads://'.length);
    const bytes = /\.keras$/i.test(name) ? await toKerasBytes(model, { includeOptimizer }) : toLegacyH5Bytes(model, { includeOptimizer });
    downloadBytes(bytes, name, destination);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.length } };
  }
  if (typeof destination === 'string' && /\.keras$/i.test(destination)) return saveKeras(model, destination, { includeOptimizer });
  if (typeof destination === 'string' && /\.(h5|hdf5)$/i.test(destination)) return saveLegacyH5(model, destination, { includeOptimizer });
  return saveModel(model, destination, config);
};
