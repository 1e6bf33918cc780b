/**
 * The public `losses` namespace: Keras' loss functions (src/losses: per-sample, by name through
 * getLoss) with tfjs-core's functional losses on top. The one name both define,
 * meanSquaredError, is tfjs's here (a scalar by default, for optimizer.minimize); Keras' per-sample
 * function stays reachable as losses.keras.meanSquaredError and as getLoss('mse').
 * @module
 */
export * from '../losses/index.js';
export * as keras from '../losses/index.js';
export {
  Reduction,
  absoluteDifference,
  computeWeightedLoss,
  cosineDistance,
  hingeLoss,
  huberLoss,
  logLoss,
  meanSquaredError,
  sigmoidCrossEntropy,
  softmaxCrossEntropy,
} from './losses_core.js';
