// The contract between the training loop and the callbacks: the few things a callback may read or
// change on a model (CallbackModel), the per-batch/per-epoch log record (Logs) and the run's
// parameters (TrainParams). The models in src/models/ implement CallbackModel.
import type { Tensor } from '../engine/tensor.js';

/**
 * What a callback can see of the model being trained. `model.fit` passes the model itself.
 * @example
 * class Halve extends sg.callbacks.Callback {
 *   override onEpochEnd(): void { this.model!.optimizer.learningRate /= 2; }
 * }
 */
export interface CallbackModel {
  /** Set to true to end training after the current batch (Keras `model.stop_training`). */
  stopTraining: boolean;
  /** The optimizer; `learningRate` is read and written by the schedulers. */
  optimizer: { learningRate: number };
  /** Copies of the weights, in a fixed order; the caller owns (and must dispose) them. */
  getWeights(): Tensor[];
  /**
   * Replaces the weights' values (same order and shapes as `getWeights`). The caller keeps
   * ownership of `weights` and may dispose them right after the call.
   */
  setWeights(weights: Tensor[]): void;
  /** Saves the weights to `path`; when absent `modelCheckpoint` writes its own JSON format. */
  saveWeights?(path: string): Promise<void>;
  /** Saves the whole model; needed only by `modelCheckpoint` with `saveWeightsOnly: false`. */
  save?(path: string): Promise<unknown>;
}

/**
 * The numbers passed to the hooks: `loss`, the metrics, and (at epoch end) `val_loss`,
 * `val_<metric>`. Batch logs hold the running averages of the epoch so far, as in Keras 2.x;
 * the loop may add `batch` and `size`, which the loggers ignore.
 */
export type Logs = Record<string, number>;

/** The run's parameters, given to every callback before `onTrainBegin` (`callback.params`). */
export interface TrainParams {
  /** The epoch count `fit` runs to (exclusive end index). */
  epochs: number;
  /** Batches per epoch; 0 when unknown (a dataset of unknown length). */
  steps: number;
  /** Training samples per epoch. */
  samples: number;
  /** The `verbose` given to fit: 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose: 0 | 1 | 2;
  /** The log keys to expect, e.g. ['loss', 'accuracy', 'val_loss', 'val_accuracy']. */
  metrics: string[];
  /** The first epoch index (`fit`'s `initialEpoch`). */
  initialEpoch: number;
}
