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

export const image = {
  /** @example sg.preprocessing.image.imageDataGenerator({ rotationRange: 15, horizontalFlip: true }) */
  imageDataGenerator: (args: ImageDataGeneratorArgs = {}) => new ImageDataGenerator(args),
  ImageDataGenerator,
  ImageBatches,
  transformMatrix,
};

export { ImageBatches, ImageDataGenerator, transformMatrix };
export * as sequence from './sequence.js';
export type { FlowOptions, ImageBatch, ImageDataGeneratorArgs, TransformParams };
