/**
 * The `preprocessing` namespace (Keras' keras.preprocessing): `preprocessing.image` holds the
 * ImageDataGenerator and its flow() batches.
 * @module
 */
import {
  ImageBatches,
  ImageDataGenerator,
  transformMatrix,
  type FlowOptions,
  type ImageBatch,
  type ImageDataGeneratorArgs,
  type TransformParams,
} from './image.js';

/**
 * Keras' `preprocessing.image`: ImageDataGenerator (augmentation, flow() batches for fitDataset) and transformMatrix.
 * @namespace
 * @example sg.preprocessing.image.imageDataGenerator({ rotationRange: 15, horizontalFlip: true }).flow(x, y, { batchSize: 32 });
 */
export const image = {
  /** @example sg.preprocessing.image.imageDataGenerator({ rotationRange: 15, horizontalFlip: true }) */
  imageDataGenerator: (args: ImageDataGeneratorArgs = {}) => new ImageDataGenerator(args),
  /** The {@link ImageDataGenerator} class. */
  ImageDataGenerator,
  /** The {@link ImageBatches} class (what flow() returns). */
  ImageBatches,
  transformMatrix,
};

export { ImageBatches, ImageDataGenerator, transformMatrix };
export * as sequence from './sequence.js';
export type { FlowOptions, ImageBatch, ImageDataGeneratorArgs, TransformParams };
