// HDF5 reading and writing for Keras weights files (model.weights.h5, legacy .h5): see file.ts
// (H5File.read) and writer.ts (H5Writer).
export { H5File, H5Group, H5Dataset, attrValue } from './file.js';
export type { H5ReadOptions, H5AttrValue, H5Value, Link, H5Array, H5DType, StorageInfo } from './file.js';
export { H5Error } from './bytes.js';
export { H5Writer, H5WGroup, H5WDataset } from './writer.js';
export type { H5WriteSpec, H5WriteValue } from './writer.js';
