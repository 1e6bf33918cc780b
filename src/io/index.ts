/**
 * The `io` namespace (tfjs' tf.io for layers models): handlers, the URL-scheme registry, and
 * the tfjs-layers format's save/load.
 * @module
 */
// The built-in schemes are in router.ts's lists from the start (not registered here), so that a
// bundler honouring package.json's sideEffects cannot drop them with this module.
export type {
  IOHandler,
  LoadOptions,
  ModelArtifacts,
  ModelArtifactsInfo,
  ModelJSON,
  SaveConfig,
  SaveResult,
  TrainingConfig,
  WeightData,
  WeightsManifestConfig,
  WeightsManifestEntry,
  WeightsManifestGroupConfig,
} from './types.js';
export {
  fromMemory,
  fromMemorySync,
  withSaveHandler,
  memorySink,
  registerLoadRouter,
  registerSaveRouter,
  getLoadHandlers,
  getSaveHandlers,
  type IORouter,
} from './router.js';
export { fileSystem } from './file.js';
export { http, browserHTTPRequest } from './http.js';
export {
  browserLocalStorage,
  browserIndexedDB,
  browserDownloads,
  browserFiles,
  type StorageLike,
  type NamedBlob,
} from './browser.js';
export {
  encodeWeights,
  decodeWeights,
  concatWeightData,
  artifactsInfo as getModelArtifactsInfoForJSON,
} from './weights.js';
export { parseModelJSON } from './model_json.js';
export {
  modelArtifacts,
  saveModel,
  loadLayersModel,
  modelFromJSON,
  modelFromArtifacts,
  modelToJSON,
} from './models_io.js';
export {
  concatenateArrayBuffers,
  CompositeArrayBuffer,
  decodeWeightsStream,
  getWeightSpecs,
  getModelArtifactsForJSON,
  getModelArtifactsForJSONSync,
  isHTTPScheme,
  loadWeights,
  weightsLoaderFactory,
  withSaveHandlerSync,
  type IOHandlerSync,
  type WeightsLoader,
  type Bufferish,
} from './tfjs_io_extra.js';
export { listModels, copyModel, moveModel, removeModel } from './model_management.js';
