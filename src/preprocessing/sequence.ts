/**
 * Keras' keras.preprocessing.sequence helpers beyond padSequences: makeSamplingTable and skipgrams
 * (word2vec-style training pairs), with Python's `random` reproduced (MT19937 seeded as
 * random.seed(int), random(), randint and shuffle), so a seeded call gives Keras' own pairs; and
 * the n-gram augmentation of Keras' imdb_fasttext example (createNgramSet, addNgram).
 * @module
 */
import { checkOptions } from '../utils/options.js';

/**
 * Python's `random.Random(seed)` for integer seeds: MT19937 seeded by init_by_array of the seed's
 * 32-bit words, random() with 53 bits, randbelow by rejection on getrandbits, shuffle as Python.
 * @example new sg.preprocessing.sequence.PythonRandom(5).random();
 */
export class PythonRandom {
  private readonly mt = new Uint32Array(624);
  private i = 624;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new Error(`PythonRandom: seed must be a safe integer but is ${seed}`);
    let s = Math.abs(seed);
    const key: number[] = [];
    do {
      key.push(s % 2 ** 32);
      s = Math.floor(s / 2 ** 32);
    } while (s > 0);
    const mt = this.mt;
    mt[0] = 19650218;
    for (let k = 1; k < 624; k++) mt[k] = (Math.imul(1812433253, mt[k - 1] ^ (mt[k - 1] >>> 30)) + k) >>> 0;
    let i = 1;
    let j = 0;
    for (let k = Math.max(624, key.length); k > 0; k--) {
      mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= 624) {
        mt[0] = mt[623];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = 623; k > 0; k--) {
      mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= 624) {
        mt[0] = mt[623];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private next(): number {
    const mt = this.mt;
    if (this.i >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.i = 0;
    }
    let y = mt[this.i++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A float in [0, 1) with 53 random bits (random.random()). */
  random(): number {
    const a = this.next() >>> 5;
    const b = this.next() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** A uniform integer in [0, n) for 0 < n <= 2^32 (Python's _randbelow_with_getrandbits). */
  randbelow(n: number): number {
    const k = Math.floor(Math.log2(n)) + 1; // n.bit_length()
    for (;;) {
      const r = k >= 32 ? this.next() : this.next() >>> (32 - k);
      if (r < n) return r;
    }
  }

  /** random.randint(a, b): an integer in [a, b]. */
  randint(a: number, b: number): number {
    return a + this.randbelow(b - a + 1);
  }

  /** random.shuffle(x), in place. */
  shuffle<T>(x: T[]): T[] {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
    return x;
  }
}

/**
 * Keras' make_sampling_table: p[i], the probability of sampling the i-th most frequent word,
 * min(1, f / sqrt(f)) with f = samplingFactor * (rank * (ln rank + gamma) + 1/2 - 1/(12 rank)),
 * rank 1 for i = 0 (Zipf's law, as word2vec).
 * @example sg.preprocessing.sequence.makeSamplingTable(10000);
 */
export function makeSamplingTable(size: number, samplingFactor = 1e-5): Float64Array {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`makeSamplingTable: 'size' must be an integer >= 1 but is ${size}`);
  if (!(samplingFactor > 0))
    throw new Error(`makeSamplingTable: 'samplingFactor' must be > 0 but is ${samplingFactor}`);
  const gamma = 0.577;
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const rank = i === 0 ? 1 : i;
    const f = samplingFactor * (rank * (Math.log(rank) + gamma) + 0.5 - 1 / (12 * rank));
    out[i] = Math.min(1, f / Math.sqrt(f));
  }
  return out;
}

/** Options of `skipgrams` (Keras' arguments in camelCase). */
export interface SkipgramsOptions {
  /** Context words on each side (default 4). */
  windowSize?: number;
  /** Negative pairs per positive pair (default 1). */
  negativeSamples?: number;
  /** Shuffle the pairs (default true). */
  shuffle?: boolean;
  /** Labels as [negative, positive] one-hot pairs (default false: 0/1). */
  categorical?: boolean;
  /** Keep word i with probability samplingTable[i] (makeSamplingTable). */
  samplingTable?: ArrayLike<number> | null;
  /** Seed of the final shuffle (Keras' `seed`; default: drawn from `random`). */
  seed?: number;
  /**
   * The generator of the sampling and the negative pairs, Python's global `random` in Keras
   * (default: new PythonRandom(seed ?? 0)). Pass `new PythonRandom(s)` to match Keras after
   * Python's `random.seed(s)`.
   */
  random?: PythonRandom;
}

/**
 * Keras' skipgrams: (word, context) pairs labelled 1 within the window, and (word, random word)
 * pairs labelled 0; index 0 is skipped (padding).
 * @example const [couples, labels] = sg.preprocessing.sequence.skipgrams([1, 2, 3, 4], 10, { windowSize: 1, seed: 1 });
 */
export function skipgrams(
  sequence: ArrayLike<number>,
  vocabularySize: number,
  opts: SkipgramsOptions = {},
): [number[][], (number | number[])[]] {
  const fn = 'skipgrams';
  checkOptions(fn, opts, [
    'windowSize',
    'negativeSamples',
    'shuffle',
    'categorical',
    'samplingTable',
    'seed',
    'random',
  ]);
  const windowSize = opts.windowSize ?? 4;
  const neg = opts.negativeSamples ?? 1;
  if (!Number.isInteger(vocabularySize) || vocabularySize < 2)
    throw new Error(`${fn}: 'vocabularySize' must be an integer >= 2 but is ${vocabularySize}`);
  if (!Number.isInteger(windowSize) || windowSize < 0)
    throw new Error(`${fn}: 'windowSize' must be an integer >= 0 but is ${windowSize}`);
  if (!(neg >= 0)) throw new Error(`${fn}: 'negativeSamples' must be >= 0 but is ${neg}`);
  const rnd = opts.random ?? new PythonRandom(opts.seed ?? 0);
  const table = opts.samplingTable ?? null;
  const couples: number[][] = [];
  const labels: (number | number[])[] = [];
  const pos = opts.categorical ? () => [0, 1] : () => 1;
  for (let i = 0; i < sequence.length; i++) {
    const wi = sequence[i];
    if (!wi) continue;
    if (table !== null) {
      if (!(wi < table.length))
        throw new Error(`${fn}: word ${wi} is past the sampling table's ${table.length} entries`);
      if (table[wi] < rnd.random()) continue;
    }
    const end = Math.min(sequence.length, i + windowSize + 1);
    for (let j = Math.max(0, i - windowSize); j < end; j++) {
      if (j === i) continue;
      const wj = sequence[j];
      if (!wj) continue;
      couples.push([wi, wj]);
      labels.push(pos());
    }
  }
  if (neg > 0) {
    const n = Math.trunc(labels.length * neg);
    const words = couples.map((c) => c[0]);
    rnd.shuffle(words);
    for (let i = 0; i < n; i++) couples.push([words[i % words.length], rnd.randint(1, vocabularySize - 1)]);
    for (let i = 0; i < n; i++) labels.push(opts.categorical ? [1, 0] : 0);
  }
  if (opts.shuffle ?? true) {
    // random.randint(0, 10e6) in Python: an integer in [0, 10,000,000]
    const seed = opts.seed ?? rnd.randint(0, 10_000_000);
    new PythonRandom(seed).shuffle(couples);
    new PythonRandom(seed).shuffle(labels);
  }
  return [couples, labels];
}

/** The key of an n-gram in createNgramSet's set and addNgram's index: its words joined by ','. */
export const ngramKey = (ngram: ArrayLike<number>): string => Array.from(ngram).join(',');

/**
 * The n-grams of a sequence (Keras' imdb_fasttext create_ngram_set), as keys 'w1,w2,...'
 * (Python: a set of tuples; here insertion-ordered).
 * @example sg.preprocessing.sequence.createNgramSet([1, 4, 9, 4, 1, 4], 2); // {'1,4', '4,9', '9,4', '4,1'}
 */
export function createNgramSet(inputList: ArrayLike<number>, ngramValue = 2): Set<string> {
  if (!Number.isInteger(ngramValue) || ngramValue < 1)
    throw new Error(`createNgramSet: 'ngramValue' must be an integer >= 1 but is ${ngramValue}`);
  const out = new Set<string>();
  for (let i = 0; i + ngramValue <= inputList.length; i++)
    out.add(ngramKey(Array.prototype.slice.call(inputList, i, i + ngramValue)));
  return out;
}

/**
 * Appends to each sequence the indices of its n-grams found in `tokenIndice` (Keras' imdb_fasttext
 * add_ngram, with its exact order: for each n from 2 to ngramRange, scanning the list as extended
 * so far).
 * @example sg.preprocessing.sequence.addNgram([[1, 3, 4, 5]], new Map([['1,3', 1337], ['4,5', 2017]])); // [[1, 3, 4, 5, 1337, 2017]]
 */
export function addNgram(sequences: number[][], tokenIndice: Map<string, number>, ngramRange = 2): number[][] {
  if (!Number.isInteger(ngramRange) || ngramRange < 2)
    throw new Error(`addNgram: 'ngramRange' must be an integer >= 2 but is ${ngramRange}`);
  return sequences.map((input) => {
    const list = input.slice();
    for (let n = 2; n <= ngramRange; n++) {
      const len = list.length;
      for (let i = 0; i < len - n + 1; i++) {
        const t = tokenIndice.get(ngramKey(list.slice(i, i + n)));
        if (t !== undefined) list.push(t);
      }
    }
    return list;
  });
}
