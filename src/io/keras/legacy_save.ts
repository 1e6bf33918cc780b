// Writing legacy Keras `.h5` full-model files: the layout tf.keras 2 wrote, which Keras 3 still
// reads with keras.models.load_model('m.h5') and writes with model.save('m.h5'). The config is
// Keras 3's (as Keras 3 writes these files; tf.keras 2 cannot read Keras 3 configs either way):
//   /                      attrs keras_version, backend, model_config (JSON: {class_name, config}),
//                          and for a compiled model training_config (loss, metrics, optimizer_config)
//   /model_weights         attrs layer_names (every layer, in model order), keras_version, backend
//   /model_weights/<layer> attr weight_names ('<layer>/kernel', ...), one dataset per name at that
//                          path (so 'dense/kernel' is the dataset kernel in group dense/dense),
//                          in Keras' legacy order: the layer's trainable weights, then the others
//   /optimizer_weights     with includeOptimizer true: Keras 3's optimizer variable list
//                          (iteration, learning rate, slots), listed by weight_names, as Keras 3
//                          writes it
// model.save('file://m.h5') comes here (an '.h5' or '.hdf5' destination).
import { isNode, writeFileAtomic } from '../../callbacks/node_io.js';
import type { LayerWeight } from '../../layers/layer.js';
import { InputLayer } from '../../layers/core/input.js';
import type { LayersModel } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { H5Writer } from '../hdf5/writer.js';
import { namedModelWeights, trainingConfigOf } from '../models_io.js';
import { modelToKeras3 } from './config.js';
import type { SaveResult } from '../types.js';
import { hasKerasOptimizerLayout, kerasOptimizerVars } from './optimizer.js';
import { kerasJson, markFloats } from './json.js';
import { KERAS_FORMAT_VERSION } from './save.js';


/** Options of toLegacyH5Bytes / saveLegacyH5. */
export interface LegacyH5SaveOptions {
  /**
   * true: also write the optimizer's state (optimizer_weights, Keras 3's variable list), which
   * sg.loadModel restores. Not the default: Keras 3.15's legacy loader builds the optimizer over no
   * variables when a file has optimizer_weights and cannot train the model afterwards (its own .h5
   * files included); use `.keras` to resume training in Keras. false: no training_config either
   * (the model loads uncompiled). Default: training_config when the model is compiled, no state.
   */
  includeOptimizer?: boolean;
}

/** The layers that get a group in model_weights: Keras lists every layer of the model (a Sequential's InputLayer excepted). */
function legacyLayers(model: LayersModel) {
  return model.layers.filter((l) => l !== model && !(model instanceof Sequential && l instanceof InputLayer));
}

/**
 * The bytes of a legacy Keras `.h5` full-model file of `model` (see the top of this file):
 * Keras 3's keras.models.load_model and h5py read it, and sg.loadModel.
 * @example
 * const bytes = sg.keras.toLegacyH5Bytes(model);
 */
export function toLegacyH5Bytes(model: LayersModel, opts: LegacyH5SaveOptions = {}): Uint8Array {
  const topology = modelToKeras3(model) as { class_name: string; config: unknown };
  const w = new H5Writer();
  w.attr('keras_version', KERAS_FORMAT_VERSION);
  // The kernels are laid out as TensorFlow's and Keras 3's (channels-last, [in, out]).
  w.attr('backend', 'tensorflow');
  w.attr('model_config', JSON.stringify({ class_name: topology.class_name, config: topology.config }));
  const compiled = (model as unknown as { compiled?: Parameters<typeof trainingConfigOf>[1] }).compiled;
  const withOptimizer = opts.includeOptimizer === true && compiled !== undefined && hasKerasOptimizerLayout(model.optimizer);
  if (opts.includeOptimizer === true && !withOptimizer) {
    throw new Error(`toLegacyH5Bytes: includeOptimizer is true but model '${model.name}' is ${compiled ? `compiled with ${model.optimizer.className}, which has no Keras layout` : 'not compiled'}`);
  }
  if (compiled && opts.includeOptimizer !== false) {
    const tc = trainingConfigOf(model, compiled) as unknown as Record<string, unknown> & { optimizer_config: { class_name: string; config: unknown } };
    w.attr(
      'training_config',
      kerasJson({
        loss: tc.loss,
        metrics: tc.metrics,
        weighted_metrics: null,
        loss_weights: null,
        optimizer_config: { class_name: tc.optimizer_config.class_name, config: markFloats(JSON.parse(JSON.stringify(tc.optimizer_config.config)) as never) },
      }),
    );
  }
  const names = new Map<LayerWeight, string>(namedModelWeights(model).map(({ name, weight }) => [weight, name]));
  const mw = w.group('model_weights');
  const layers = legacyLayers(model);
  mw.attr('layer_names', layers.map((l) => l.name));
  mw.attr('keras_version', KERAS_FORMAT_VERSION);
  mw.attr('backend', 'tensorflow');
  for (const l of layers) {
    const g = mw.group(l.name);
    const ws = [...l.trainableWeights, ...l.nonTrainableWeights];
    const wn = ws.map((x) => names.get(x) ?? `${l.name}/${x.name}`);
    g.attr('weight_names', wn);
    ws.forEach((x, i) => {
      const v = x.variable;
      g.dataset(wn[i], { shape: v.shape.slice(), dtype: v.dtype === 'int32' ? 'int32' : 'float32', data: v.dataSync() as Float32Array });
    });
  }
  if (withOptimizer) {
    const vars = kerasOptimizerVars(model, 'toLegacyH5Bytes');
    const og = w.group('optimizer_weights');
    og.attr('weight_names', vars.map((v) => v.path));
    for (const v of vars) og.dataset(v.path, { shape: v.shape, dtype: v.dtype, data: v.values });
  }
  return w.toBytes();
}

/**
 * Saves `model` as a legacy Keras `.h5` full-model file ('file://path/m.h5', Node).
 * @example await sg.keras.saveLegacyH5(model, 'file:///tmp/model.h5');
 */
export async function saveLegacyH5(model: LayersModel, destination: string, opts: LegacyH5SaveOptions = {}): Promise<SaveResult> {
  if (!destination.startsWith('file://')) throw new Error(`saveLegacyH5: '${destination}': only file:// destinations are written; in a browser use sg.keras.toLegacyH5Bytes(model)`);
  if (!isNode()) throw new Error(`saveLegacyH5: '${destination}': file:// is available in Node only`);
  const bytes = toLegacyH5Bytes(model, opts);
  await writeFileAtomic(destination.slice('file://'.length), bytes, 'saveLegacyH5');
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.length } };
}
