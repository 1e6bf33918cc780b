/**
 * Keras files: sg.loadModel (Keras 3 .keras, legacy Keras .h5, tfjs model.json) and the .keras
 * writer (model.save('file://m.keras'), sg.keras.toKerasBytes(model)) and the legacy .h5 writer
 * (model.save('file://m.h5'), sg.keras.toLegacyH5Bytes(model)).
 * @module
 */
export { loadModel, loadWeights, modelFromKerasBytes, modelFromLegacyH5Bytes, type LoadModelOptions, type ModelSource } from './load.js';
export { toKerasBytes, saveKeras, kerasWeightsH5, KERAS_FORMAT_VERSION, type KerasSaveOptions } from './save.js';
export { toLegacyH5Bytes, saveLegacyH5, type LegacyH5SaveOptions } from './legacy_save.js';
