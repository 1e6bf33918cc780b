// The tfjs-core io types (tfjs-core/src/io/types.ts, 4.22): model artifacts, the weights
// manifest, IOHandler and save results, so that handlers written for tfjs work with simdgrad.

/** One weight in a manifest: name, shape, stored dtype, optional quantization. */
export interface WeightsManifestEntry {
  /** e.g. 'dense_1/kernel'. */
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
  /** 'optimizer' for optimizer state saved with includeOptimizer. */
  group?: 'model' | 'optimizer';
  /** Stored quantized: uint8/uint16 as v * scale + min, or float16. Dequantized on load. */
  quantization?: { scale?: number; min?: number; dtype: 'uint16' | 'uint8' | 'float16' };
}

/** A group of weights stored, in order, across the files `paths` (shards). */
export interface WeightsManifestGroupConfig {
  paths: string[];
  weights: WeightsManifestEntry[];
}

export type WeightsManifestConfig = WeightsManifestGroupConfig[];

/** Weight bytes: one buffer or a list of shards (tfjs 4.x). */
export type WeightData = ArrayBuffer | ArrayBuffer[];

/** What a saved model consists of (tfjs' ModelArtifacts). */
export interface ModelArtifacts {
  /** `{keras_version, backend, model_config: {class_name, config}}` or `{class_name, config, ...}`. */
  modelTopology?: Record<string, unknown> | ArrayBuffer;
  weightSpecs?: WeightsManifestEntry[];
  weightData?: WeightData;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: TrainingConfig;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: Record<string, unknown>;
  initializerSignature?: Record<string, unknown>;
  signature?: Record<string, unknown>;
}

/** The `model.json` file: artifacts with the manifest instead of the bytes. */
export interface ModelJSON {
  modelTopology: Record<string, unknown>;
  weightsManifest?: WeightsManifestConfig;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: TrainingConfig;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: Record<string, unknown>;
  signature?: Record<string, unknown>;
}

/** Keras' training_config: loss and metric names and the optimizer config. */
export interface TrainingConfig {
  loss: string | string[] | Record<string, string>;
  metrics?: string[] | Record<string, string | string[]>;
  optimizer_config: { class_name: string; config: Record<string, unknown> };
  weighted_metrics?: unknown;
  loss_weights?: unknown;
  sample_weight_mode?: unknown;
}

export interface ModelArtifactsInfo {
  dateSaved: Date;
  modelTopologyType: 'JSON' | 'GraphDef';
  modelTopologyBytes?: number;
  weightSpecsBytes?: number;
  weightDataBytes?: number;
}

export interface SaveResult {
  modelArtifactsInfo: ModelArtifactsInfo;
  responses?: Response[];
  errors?: Array<{} | string>;
}

/** Saves and/or loads model artifacts (tfjs' IOHandler). */
export interface IOHandler {
  save?(modelArtifacts: ModelArtifacts): Promise<SaveResult>;
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
