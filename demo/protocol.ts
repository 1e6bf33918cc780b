// The messages between the demo page (main.ts) and its training worker (worker.ts).

/** The backends the page offers. */
export type BackendName = 'wasm' | 'js';

/** What the page asks the worker. */
export type ToWorker =
  | { type: 'init'; backend: BackendName }
  | { type: 'train'; epochs: number; batchSize: number }
  | { type: 'stop' }
  | { type: 'predict'; id: number; pixels: Float32Array }
  | { type: 'forget' };

/** What a saved model says about itself (its userDefinedMetadata). */
export interface SavedInfo {
  epochs: number;
  /** Per finished epoch: train loss/accuracy (running means) and test loss/accuracy. */
  history: { loss: number[]; acc: number[]; testLoss: number[]; testAcc: number[] };
  testAccuracy: number;
  savedAt: string;
  backend: string;
}

/** What the worker tells the page. */
export type FromWorker =
  | {
      type: 'ready';
      backend: string;
      threads: number;
      isolated: boolean;
      nTrain: number;
      nTest: number;
      params: number;
      /** The model found in IndexedDB, or null (a fresh model). */
      saved: SavedInfo | null;
      loadError?: string;
    }
  | { type: 'status'; text: string }
  | {
      type: 'batch';
      epoch: number;
      batch: number;
      steps: number;
      /** This batch's loss and accuracy (not the epoch's running mean). */
      loss: number;
      acc: number;
      samplesPerSec: number;
    }
  | {
      type: 'epoch';
      epoch: number;
      loss: number;
      acc: number;
      testLoss: number;
      testAcc: number;
      seconds: number;
      samplesPerSec: number;
    }
  | { type: 'saved'; info: SavedInfo }
  | {
      type: 'done';
      stopped: boolean;
      /** Live tensors in the worker once the training data is freed (sg.memory().numTensors). */
      tensors: number;
    }
  | { type: 'forgotten' }
  | { type: 'prediction'; id: number; probs: number[]; /** Live tensors after it. */ tensors: number }
  | { type: 'error'; message: string };

/** Where the trained model lives in IndexedDB. */
export const MODEL_URL = 'indexeddb://simdgrad-demo-mnist-mlp';
