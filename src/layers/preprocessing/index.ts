// The image augmentation family for the `sg.layers` namespace (Keras 3 preprocessing layers).
import {
  RandomFlip,
  RandomRotation,
  RandomTranslation,
  RandomZoom,
  type RandomFlipArgs,
  type RandomRotationArgs,
  type RandomTranslationArgs,
  type RandomZoomArgs,
} from './random_image.js';

/** Factories with Keras' names in lower camel case. */
export const preprocessingLayers = {
  /** @example sg.layers.randomFlip({ mode: 'horizontal', seed: 1 }) */
  randomFlip: (args: RandomFlipArgs = {}) => new RandomFlip(args),
  /** @example sg.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1 }) */
  randomTranslation: (args: RandomTranslationArgs) => new RandomTranslation(args),
  /** @example sg.layers.randomRotation({ factor: 0.05, fillMode: 'nearest' }) */
  randomRotation: (args: RandomRotationArgs) => new RandomRotation(args),
  /** @example sg.layers.randomZoom({ heightFactor: [-0.2, 0.1] }) */
  randomZoom: (args: RandomZoomArgs) => new RandomZoom(args),
};

export { RandomFlip, RandomRotation, RandomTranslation, RandomZoom };
export type { RandomFlipArgs, RandomRotationArgs, RandomTranslationArgs, RandomZoomArgs };
export { rotationMatrix, factorRange, type Factor, type FillArgs, type FlipMode } from './random_image.js';
