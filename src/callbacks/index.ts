/**
 * The `callbacks` namespace: the Callback base, CallbackList, the Keras built-ins (as classes and
 * camelCase factories), History with its SVG plot, the progress-bar logger, and the JSON
 * weights-file helpers used by modelCheckpoint.
 * @module
 */
export type { CallbackModel, Logs, TrainParams } from './types.js';
export {
  Callback,
  CallbackList,
  CustomCallback,
  customCallback,
  toCallbacks,
  HOOK_NAMES,
  type CallbackHooks,
  type CallbackArg,
  type HookName,
  type HookResult,
} from './callback.js';
export {
  Progbar,
  ProgbarLogger,
  progbarLogger,
  defaultWriter,
  formatMetricValue,
  type Writer,
  type ProgbarLoggerOptions,
} from './progbar.js';
export { History, plotHistory, type PlotOptions, type HistoryRecord } from './history.js';
export {
  EarlyStopping,
  earlyStopping,
  ReduceLROnPlateau,
  reduceLROnPlateau,
  LearningRateScheduler,
  learningRateScheduler,
  CSVLogger,
  csvLogger,
  TerminateOnNaN,
  terminateOnNaN,
  type MonitorMode,
  type EarlyStoppingArgs,
  type ReduceLROnPlateauArgs,
  type CSVLoggerArgs,
} from './builtin.js';
export {
  ModelCheckpoint,
  modelCheckpoint,
  formatFilepath,
  encodeWeights,
  decodeWeights,
  saveWeightsFile,
  loadWeightsFile,
  type ModelCheckpointArgs,
  type WeightsFile,
} from './checkpoint.js';
