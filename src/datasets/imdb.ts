// Keras' IMDB sentiment dataset (`keras.datasets.imdb.load_data` and `get_word_index`), read from
// Keras' own files: imdb.npz (x_train, y_train, x_test, y_test; the reviews as pickled object
// arrays of word-index lists) and imdb_word_index.json. The preprocessing is Keras' own, step by
// step: numpy's RandomState(seed) shuffles of train then test (reproduced exactly, MT19937), the
// start character and index offset, maxlen filtering (sequences of length < maxlen are kept),
// numWords/skipTop with the oov character. Files are found in `path`, in Keras' cache
// (~/.keras/datasets) or simdgrad's (~/.simdgrad/datasets/keras), or downloaded from Keras' URL
// and checked against Keras' checksums (SHA-256 for the .npz, MD5 for the word index, as Keras).
//
// Format: sequences are plain number[][] (ragged, as Keras' object arrays) and labels number[];
// pad them with `sg.text.padSequences` to make a tensor.
import { isNode, nodeCrypto, nodeFs, nodeOs, nodePath } from '../callbacks/node_io.js';
import { checkOptions } from '../utils/options.js';
import { downloadFile, fetchBytes, sha256Hex, type FetchLike } from './download.js';
import { NumpyRandomState, readNpz, type NpyArray } from './npy.js';

/** Keras' (x_train, y_train), (x_test, y_test) of a text dataset. */
export interface SequenceDataset {
  /** Training sequences of word ids. */
  xTrain: number[][];
  /** Training labels. */
  yTrain: number[];
  /** Test sequences of word ids. */
  xTest: number[][];
  /** Test labels. */
  yTest: number[];
}

/** Where a file comes from and what it must hash to. */
interface KerasFile {
  name: string;
  url: string;
  sha256?: string;
  md5?: string;
}

/** Keras' origins and checksums (keras/src/datasets/imdb.py and reuters.py). */
export const KERAS_TEXT_FILES = {
  imdb: {
    name: 'imdb.npz',
    url: 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz',
    sha256: '69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f',
  },
  imdbWordIndex: {
    name: 'imdb_word_index.json',
    url: 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json',
    md5: 'bfafd718b763782e994055a2d397834f',
  },
  reuters: {
    name: 'reuters.npz',
    url: 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters.npz',
    sha256: 'd6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916',
  },
  reutersWordIndex: {
    name: 'reuters_word_index.json',
    url: 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters_word_index.json',
    md5: '4d44cc38712099c9e383dc6e5f11a921',
  },
} satisfies Record<string, KerasFile>;

/** Where the files are looked for and how they are fetched (shared by imdb, reuters and the word indexes). */
export interface KerasFileOptions {
  /** The file itself, or a directory holding it (Keras' file name). */
  path?: string;
  /** The download cache when no `path` is given (default ~/.simdgrad/datasets/keras; ~/.keras/datasets is also searched). */
  cacheDir?: string;
  /** Download the file when it is not found (default true). */
  download?: boolean;
  /** URL to fetch instead of Keras' (http(s):// or file://); the checksum still applies unless `sha256` is given. */
  url?: string;
  /** The SHA-256 the file must have instead of Keras' (for the word indexes this replaces Keras' MD5). */
  sha256?: string;
  /** Also check files found locally (default false; downloads are always checked). */
  verify?: boolean;
  /** The fetch function used for downloads (default: the global fetch). */
  fetch?: FetchLike;
}

export interface ImdbOptions extends KerasFileOptions {
  /** Keep only the numWords most frequent words (indices >= numWords become oovChar). */
  numWords?: number | null;
  /** Words with indices below skipTop become oovChar (default 0). */
  skipTop?: number;
  /** Drop sequences of length >= maxlen (Keras' remove_long_seq). */
  maxlen?: number | null;
  /** Seed of numpy's RandomState for the shuffles (default 113). */
  seed?: number;
  /** The start-of-sequence index (default 1; null: none). */
  startChar?: number | null;
  /** The out-of-vocabulary index (default 2; null: such words are dropped). */
  oovChar?: number | null;
  /** Offset added to every word index (default 3). */
  indexFrom?: number;
}

const FILE_KEYS = ['path', 'cacheDir', 'download', 'url', 'sha256', 'verify', 'fetch'];
export const SEQUENCE_KEYS = [
  ...FILE_KEYS,
  'numWords',
  'skipTop',
  'maxlen',
  'seed',
  'startChar',
  'oovChar',
  'indexFrom',
];

async function exists(p: string): Promise<boolean> {
  const fs = await nodeFs('datasets');
  try {
    return (await fs.promises.stat(p)).isFile();
  } catch {
    return false;
  }
}

async function checkHash(
  fn: string,
  file: KerasFile,
  bytes: Uint8Array,
  sha: string | undefined,
  opts: KerasFileOptions,
  where: string,
) {
  if (opts.sha256 !== undefined || file.sha256 !== undefined) {
    const want = opts.sha256 ?? file.sha256!;
    const got = sha ?? (await sha256Hex(bytes));
    if (got !== want) throw new Error(`${fn}: checksum mismatch for ${where}: SHA-256 ${got}, expected ${want}`);
  } else if (file.md5) {
    const crypto = await nodeCrypto(fn);
    const got = crypto.createHash('md5').update(bytes).digest('hex');
    if (got !== file.md5)
      throw new Error(`${fn}: checksum mismatch for ${where}: MD5 ${got}, expected ${file.md5} (Keras')`);
  }
}

/** Finds `file` locally or downloads it (checked), and returns its bytes. */
export async function kerasFileBytes(fn: string, file: KerasFile, opts: KerasFileOptions): Promise<Uint8Array> {
  const url = opts.url ?? file.url;
  if (!isNode()) {
    const bytes = await fetchBytes(url, { fetch: opts.fetch });
    await checkHash(fn, file, bytes, undefined, opts, url);
    return bytes;
  }
  const fs = await nodeFs(fn);
  const path = await nodePath(fn);
  const os = await nodeOs(fn);
  const candidates: string[] = [];
  if (opts.path !== undefined) {
    const p = path.resolve(opts.path);
    candidates.push(p.endsWith(file.name) || (await exists(p)) ? p : path.join(p, file.name));
  } else {
    candidates.push(path.join(os.homedir(), '.keras', 'datasets', file.name));
  }
  const cache = path.resolve(opts.cacheDir ?? path.join(os.homedir(), '.simdgrad', 'datasets', 'keras'));
  const cached = path.join(cache, file.name);
  if (opts.path === undefined) candidates.push(cached);
  for (const c of candidates) {
    if (await exists(c)) {
      const bytes = new Uint8Array(await fs.promises.readFile(c));
      if (opts.verify) await checkHash(fn, file, bytes, undefined, opts, c);
      return bytes;
    }
  }
  if (opts.path !== undefined || opts.download === false)
    throw new Error(
      `${fn}: ${file.name} not found (looked in ${candidates.join(', ')})` +
        (opts.download === false ? '; downloads are off (download: false)' : ''),
    );
  try {
    await downloadFile(url, cached, {
      fetch: opts.fetch,
      check: async (tmp, sha) => checkHash(fn, file, new Uint8Array(await fs.promises.readFile(tmp)), sha, opts, url),
    });
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(fn) ? msg : `${fn}: could not download ${url}: ${msg}`);
  }
  return new Uint8Array(await fs.promises.readFile(cached));
}

function checkInt(fn: string, k: string, v: unknown, min: number, nullable: boolean): void {
  if (v === undefined || (nullable && v === null)) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new Error(
      `${fn}: option '${k}' must be an integer >= ${min}${nullable ? ' or null' : ''} but is ${String(v)}`,
    );
}

/** Checks the sequence options (before any file is read). */
export function checkSequenceOptions(fn: string, o: ImdbOptions & { testSplit?: number }): void {
  checkInt(fn, 'numWords', o.numWords, 1, true);
  checkInt(fn, 'skipTop', o.skipTop, 0, false);
  checkInt(fn, 'maxlen', o.maxlen, 1, true);
  checkInt(fn, 'seed', o.seed, 0, false);
  if (o.seed !== undefined && o.seed > 0xffffffff)
    throw new Error(`${fn}: option 'seed' must be below 2**32 but is ${o.seed}`);
  checkInt(fn, 'startChar', o.startChar, 0, true);
  checkInt(fn, 'oovChar', o.oovChar, 0, true);
  checkInt(fn, 'indexFrom', o.indexFrom, 0, false);
}

/** An object array of integer lists as number[][], each item checked. */
export function sequencesOf(fn: string, a: NpyArray | undefined, name: string): number[][] {
  if (!a) throw new Error(`${fn}: the archive has no '${name}' array`);
  if (a.dtype !== '|O' || a.shape.length !== 1)
    throw new Error(`${fn}: '${name}' must be a 1-d object array of lists, not ${a.dtype} [${a.shape}]`);
  return (a.data as unknown[]).map((s, i) => {
    if (!Array.isArray(s)) throw new Error(`${fn}: '${name}' item ${i} is not a list`);
    for (const w of s)
      if (typeof w !== 'number' || !Number.isSafeInteger(w))
        throw new Error(`${fn}: '${name}' item ${i} holds a non-integer ${String(w)}`);
    return s as number[];
  });
}

/** A numeric 1-d array as number[]. */
export function labelsOf(fn: string, a: NpyArray | undefined, name: string, n: number): number[] {
  if (!a) throw new Error(`${fn}: the archive has no '${name}' array`);
  if (a.dtype === '|O' || a.shape.length !== 1 || a.shape[0] !== n)
    throw new Error(`${fn}: '${name}' must be a numeric 1-d array of ${n} labels, not ${a.dtype} [${a.shape}]`);
  return Array.from(a.data as ArrayLike<number>);
}

/** Keras' steps after the shuffle: start char and offset, then maxlen. */
export function offsetAndFilter(xs: number[][], ys: number[], o: ImdbOptions): [number[][], number[]] {
  const startChar = o.startChar === undefined ? 1 : o.startChar;
  const indexFrom = o.indexFrom ?? 3;
  let out = xs.map((x) =>
    startChar !== null ? [startChar, ...x.map((w) => w + indexFrom)] : x.map((w) => w + indexFrom),
  );
  let labels = ys;
  if (o.maxlen) {
    const keep = out.map((x) => x.length < o.maxlen!);
    out = out.filter((_, i) => keep[i]);
    labels = ys.filter((_, i) => keep[i]);
  }
  return [out, labels];
}

/** Keras' numWords / skipTop / oovChar step over all sequences. */
export function limitWords(xs: number[][], o: ImdbOptions): number[][] {
  let num = o.numWords ?? 0;
  if (!num) for (const x of xs) for (const w of x) num = Math.max(num, w);
  const skip = o.skipTop ?? 0;
  const oov = o.oovChar === undefined ? 2 : o.oovChar;
  return oov !== null
    ? xs.map((x) => x.map((w) => (skip <= w && w < num ? w : oov)))
    : xs.map((x) => x.filter((w) => skip <= w && w < num));
}

/** Reorders `x` and `y` by a RandomState shuffle of their indices. */
export function shuffleBoth<T>(rng: NumpyRandomState, x: T[], y: number[]): [T[], number[]] {
  const idx = rng.shuffle([...Array(x.length).keys()]);
  return [idx.map((i) => x[i]), idx.map((i) => y[i])];
}

/**
 * Loads IMDB as Keras' `imdb.load_data(...)`: 25,000 training and 25,000 test reviews as lists
 * of word indices (1 = start, 2 = out of vocabulary, words from 3 by frequency), labels 0/1.
 * @example
 * const { xTrain, yTrain, xTest, yTest } = await sg.datasets.imdb({ numWords: 20000 });
 * const x = sg.text.padSequences(xTrain, { maxlen: 80 });
 */
export async function imdb(opts: ImdbOptions = {}): Promise<SequenceDataset> {
  const fn = 'imdb';
  checkOptions(fn, opts, SEQUENCE_KEYS);
  checkSequenceOptions(fn, opts);
  const file = KERAS_TEXT_FILES.imdb;
  const bytes = await kerasFileBytes(fn, file, opts);
  const arrays = await readNpz(bytes, file.name);
  const xTrain0 = sequencesOf(fn, arrays.get('x_train'), 'x_train');
  const xTest0 = sequencesOf(fn, arrays.get('x_test'), 'x_test');
  const yTrain0 = labelsOf(fn, arrays.get('y_train'), 'y_train', xTrain0.length);
  const yTest0 = labelsOf(fn, arrays.get('y_test'), 'y_test', xTest0.length);
  const rng = new NumpyRandomState(opts.seed ?? 113);
  const [xa, ya] = shuffleBoth(rng, xTrain0, yTrain0);
  const [xb, yb] = shuffleBoth(rng, xTest0, yTest0);
  const [xTrain, yTrain] = offsetAndFilter(xa, ya, opts);
  const [xTest, yTest] = offsetAndFilter(xb, yb, opts);
  if (opts.maxlen && (!xTrain.length || !xTest.length))
    throw new Error(
      `${fn}: after filtering for sequences shorter than maxlen=${opts.maxlen}, no sequence was kept. Increase maxlen.`,
    );
  const xs = limitWords([...xTrain, ...xTest], opts);
  return { xTrain: xs.slice(0, xTrain.length), yTrain, xTest: xs.slice(xTrain.length), yTest };
}

/** Reads a Keras word-index JSON file (word -> index, from 1 by frequency) into a Map. */
export function parseWordIndex(fn: string, text: string, where: string): Map<string, number> {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Error(`${fn}: ${where} is not JSON: ${(e as Error).message}`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new Error(`${fn}: ${where} must be a JSON object of word -> index`);
  const out = new Map<string, number>();
  for (const [w, i] of Object.entries(obj)) {
    if (typeof i !== 'number' || !Number.isSafeInteger(i) || i < 0)
      throw new Error(`${fn}: ${where}: word ${JSON.stringify(w)} has index ${JSON.stringify(i)}, not an integer >= 0`);
    out.set(w, i);
  }
  return out;
}

/**
 * Keras' `imdb.get_word_index()`: word -> index as in imdb.npz (before `indexFrom` is added: the
 * index of word w in loaded data is `wordIndex.get(w) + 3` with the defaults). A Map, so words
 * such as 'constructor' are ordinary keys.
 * @example const index = await sg.datasets.imdbWordIndex(); index.get('the'); // 1
 */
export async function imdbWordIndex(opts: KerasFileOptions = {}): Promise<Map<string, number>> {
  const fn = 'imdbWordIndex';
  checkOptions(fn, opts, FILE_KEYS);
  const file = KERAS_TEXT_FILES.imdbWordIndex;
  return parseWordIndex(fn, new TextDecoder().decode(await kerasFileBytes(fn, file, opts)), file.name);
}
imdb.getWordIndex = imdbWordIndex;
