// The tfjs-core io types (tfjs-core/src/io/types.ts, 4.22): model artifacts, the weights
// manifest, IOHandler and save results, so that handlers written for tfjs work with simdgrad.

/** One weight in a manifest: name, shape, stored dtype, optional quantization. */
export interface WeightsManifestEntry {
  /** e.g. 'dense_1/kernel'. */
  name: string;
  /** The weight's shape, e.g. `[784, 32]` for a Dense kernel; `[]` for a scalar. */
  shape: number[];
  /** The dtype the values have once loaded (the stored one, unless `quantization` says otherwise). */
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
  /** 'optimizer' for optimizer state saved with includeOptimizer. */
  group?: 'model' | 'optimizer';
  /** Stored quantized: uint8/uint16 as v * scale + min, or float16. Dequantized on load. */
  quantization?: { scale?: number; min?: number; dtype: 'uint16' | 'uint8' | 'float16' };
}

/** A group of weights stored, in order, across the files `paths` (shards). */
export interface WeightsManifestGroupConfig {
  /**
   * The shard files, relative to model.json's folder (e.g. `['group1-shard1of2.bin',
   * 'group1-shard2of2.bin']`); the group's bytes are their concatenation, in this order.
   */
  paths: string[];
  /** The weights stored in the group's bytes, in order, each taking its shape's size times its dtype's bytes. */
  weights: WeightsManifestEntry[];
}

/** model.json's `weightsManifest`: the weight groups, each with its shard files (tfjs' WeightsManifestConfig). */
export type WeightsManifestConfig = WeightsManifestGroupConfig[];

/** Weight bytes: one buffer or a list of shards (tfjs 4.x). */
export type WeightData = ArrayBuffer | ArrayBuffer[];

/** What a saved model consists of (tfjs' ModelArtifacts). */
export interface ModelArtifacts {
  /** `{keras_version, backend, model_config: {class_name, config}}` or `{class_name, config, ...}`. */
  modelTopology?: Record<string, unknown> | ArrayBuffer;
  /** One entry per weight in `weightData`, in the order their bytes are stored. */
  weightSpecs?: WeightsManifestEntry[];
  /** The weights' bytes, concatenated in `weightSpecs` order (one buffer, or shards read as one). */
  weightData?: WeightData;
  /** The artifacts' format: 'layers-model' for a Keras-style model (what simdgrad writes), 'graph-model' for a converted graph. */
  format?: string;
  /** The library and version that made the model, e.g. 'simdgrad v0.1.0' or 'TensorFlow.js tfjs-layers v4.22.0'. */
  generatedBy?: string;
  /** The converter that made the artifacts (e.g. 'TensorFlow.js Converter v4.22.0'); null when none did (saved directly). */
  convertedBy?: string | null;
  /** Keras' training config (loss, metrics, optimizer), present when the model was saved with its compile settings. */
  trainingConfig?: TrainingConfig;
  /** Metadata of the user's own, saved and loaded unchanged (keys are not renamed). */
  userDefinedMetadata?: Record<string, unknown>;
  /** A graph model's initializer graph (tfjs graph models only; carried through, not run). */
  modelInitializer?: Record<string, unknown>;
  /** The initializer graph's signature (tfjs graph models only; carried through). */
  initializerSignature?: Record<string, unknown>;
  /** A graph model's input/output signature (tfjs graph models only; carried through). */
  signature?: Record<string, unknown>;
}

/** The `model.json` file: artifacts with the manifest instead of the bytes. */
export interface ModelJSON {
  /** The model: `{keras_version, backend, model_config: {class_name, config}}` (the tfjs-layers layout). */
  modelTopology: Record<string, unknown>;
  /** The weight groups and their shard files, which hold the bytes described here. */
  weightsManifest?: WeightsManifestConfig;
  /** 'layers-model' for a Keras-style model (what simdgrad writes), 'graph-model' for a converted graph. */
  format?: string;
  /** The library and version that made the model, e.g. 'simdgrad v0.1.0'. */
  generatedBy?: string;
  /** The converter that made the file; null when the model was saved directly (what simdgrad writes). */
  convertedBy?: string | null;
  /** Keras' training config, present when the model was saved with its compile settings. */
  trainingConfig?: TrainingConfig;
  /** Metadata of the user's own, saved and loaded unchanged. */
  userDefinedMetadata?: Record<string, unknown>;
  /** A graph model's initializer graph (tfjs graph models only; carried through). */
  modelInitializer?: Record<string, unknown>;
  /** A graph model's input/output signature (tfjs graph models only; carried through). */
  signature?: Record<string, unknown>;
}

/** Keras' training_config: loss and metric names and the optimizer config. */
export interface TrainingConfig {
  /** The loss: one name (e.g. 'categorical_crossentropy'), one per output, or by output name. */
  loss: string | string[] | Record<string, string>;
  /** The metric names (e.g. `['accuracy']`), or per output name. */
  metrics?: string[] | Record<string, string | string[]>;
  /** The optimizer's class name and config, e.g. `{class_name: 'Adam', config: {learning_rate: 0.001, ...}}`. */
  optimizer_config: { class_name: string; config: Record<string, unknown> };
  /** Keras' weighted_metrics (metrics weighted by sample_weight), as saved. */
  weighted_metrics?: unknown;
  /** Keras' loss_weights: a list or a map by output name of each output loss's weight in the total. */
  loss_weights?: unknown;
  /** Keras' sample_weight_mode (null, or 'temporal' for per-timestep weights), as saved. */
  sample_weight_mode?: unknown;
}

/** What a save wrote: when, and how many bytes of each part (tfjs' ModelArtifactsInfo). */
export interface ModelArtifactsInfo {
  /** When the artifacts were saved. */
  dateSaved: Date;
  /** 'JSON' for a layers model's topology (what simdgrad writes), 'GraphDef' for a graph model's. */
  modelTopologyType: 'JSON' | 'GraphDef';
  /** The topology's size in bytes, as UTF-8 JSON. */
  modelTopologyBytes?: number;
  /** The weight specs' size in bytes, as UTF-8 JSON. */
  weightSpecsBytes?: number;
  /** The weight data's size in bytes (all shards together). */
  weightDataBytes?: number;
}

/** The result of `model.save` / an IOHandler's `save` (tfjs' SaveResult). */
export interface SaveResult {
  /** What was written: the save's date and byte counts. */
  modelArtifactsInfo: ModelArtifactsInfo;
  /** The HTTP responses of an http(s):// save (one per request). */
  responses?: Response[];
  /** Errors a handler reports without throwing. */
  errors?: Array<{} | string>;
}

/** Saves and/or loads model artifacts (tfjs' IOHandler). */
export interface IOHandler {
  /** Writes the artifacts (to a file, a URL, browser storage...) and says what was written. */
  save?(modelArtifacts: ModelArtifacts): Promise<SaveResult>;
  /** Reads the artifacts (topology, weight specs and bytes) from where the handler points. */
  load?(): Promise<ModelArtifacts>;
}

/** Options of `model.save`. */
export interface SaveConfig {
  /** Also save the optimizer's state and the training config (default false). */
  includeOptimizer?: boolean;
  /** Save only trainable weights (tfjs' option; loading then needs strict: false). */
  trainableOnly?: boolean;
}

/** Options of the loaders (tfjs' LoadOptions). */
export interface LoadOptions {
  /** Require the weights to match the model's one to one (default true). */
  strict?: boolean;
  /** Called with the fraction of bytes fetched, 0..1. */
  onProgress?: (fraction: number) => void;
  /** Passed to fetch for http(s) loads. */
  requestInit?: RequestInit;
  /** Where shards are fetched from, instead of model.json's folder. */
  weightPathPrefix?: string;
  /** The fetch function (default globalThis.fetch). */
  fetchFunc?: typeof fetch;
  /** Weight URLs rewritten before fetching. */
  weightUrlConverter?: (weightFileName: string) => Promise<string>;
}
