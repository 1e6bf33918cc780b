/**
 * Text preprocessing (Keras' keras.preprocessing.text and sequence): padSequences and Tokenizer,
 * with Keras' semantics (word order of the index, oov handling, the matrix modes), so data
 * prepared by a Keras script prepares the same way here.
 * @module
 */
import type { DataType } from '../engine/dtype.js';
import type { Tensor } from '../engine/tensor.js';
import { tensor } from '../ops/creation.js';
import { checkOptions } from '../utils/options.js';
import { checkOutputSize } from '../utils/size.js';

/** Options of `padSequences` (Keras' arguments in camelCase). */
export interface PadSequencesOptions {
  /** Length of every output row (default: the longest sequence). */
  maxlen?: number;
  /** Output dtype (default 'int32', as Keras). */
  dtype?: DataType;
  /** Pad at the start ('pre', default) or the end ('post'). */
  padding?: 'pre' | 'post';
  /** Drop the start ('pre', default) or the end ('post') of sequences longer than maxlen. */
  truncating?: 'pre' | 'post';
  /** The padding value (default 0). */
  value?: number;
}

/**
 * Pads (and truncates) a ragged list of sequences into one [n, maxlen] tensor.
 * @example sg.text.padSequences([[1, 2], [3]], { maxlen: 3 }); // [[0, 1, 2], [0, 0, 3]]
 */
export function padSequences(sequences: ArrayLike<number>[], opts: PadSequencesOptions = {}): Tensor {
  const op = 'padSequences';
  checkOptions(op, opts);
  if (!Array.isArray(sequences)) throw new Error(`${op}: 'sequences' must be an array of sequences`);
  sequences.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof (s as ArrayLike<number>).length !== 'number') {
      throw new Error(`${op}: sequence ${i} must be an array of numbers but is ${s === null ? 'null' : typeof s}`);
    }
    for (let j = 0; j < s.length; j++) {
      if (typeof s[j] !== 'number')
        throw new Error(`${op}: sequence ${i} has a non-number at position ${j}: ${String(s[j])}`);
    }
  });
  const padding = opts.padding ?? 'pre';
  const truncating = opts.truncating ?? 'pre';
  for (const [k, v] of [
    ['padding', padding],
    ['truncating', truncating],
  ] as const) {
    if (v !== 'pre' && v !== 'post') throw new Error(`${op}: '${k}' must be 'pre' or 'post' but is '${v}'`);
  }
  const maxlen = opts.maxlen ?? sequences.reduce((m, s) => Math.max(m, s.length), 0);
  if (!Number.isInteger(maxlen) || maxlen < 0)
    throw new Error(`${op}: 'maxlen' must be an integer >= 0 but is ${maxlen}`);
  const value = opts.value ?? 0;
  const dtype = opts.dtype ?? 'int32';
  const n = sequences.length;
  checkOutputSize(op, [n, maxlen], 4, 'the padded output');
  const out = dtype === 'float32' ? new Float32Array(n * maxlen) : new Int32Array(n * maxlen);
  out.fill(value);
  sequences.forEach((s, i) => {
    const arr = Array.from(s);
    const kept =
      arr.length <= maxlen ? arr : truncating === 'pre' ? arr.slice(arr.length - maxlen) : arr.slice(0, maxlen);
    const start = padding === 'pre' ? maxlen - kept.length : 0;
    for (let j = 0; j < kept.length; j++) out[i * maxlen + start + j] = kept[j];
  });
  return tensor(out, [n, maxlen], dtype);
}

/** Keras' default filters: punctuation, tabs and newlines. */
export const DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

/** Options of {@link Tokenizer} (Keras' arguments in camelCase). */
export interface TokenizerOptions {
  /** Keep only the numWords - 1 most frequent words in sequences and matrices. */
  numWords?: number;
  /** Characters removed from texts (replaced by `split`). */
  filters?: string;
  /** Lower-case texts first (default true). */
  lower?: boolean;
  /** Word separator (default ' '). */
  split?: string;
  /** Every character is a token (default false). */
  charLevel?: boolean;
  /** Token for words outside the index: it gets index 1 and stands in for unknown words. */
  oovToken?: string;
}

/** How `textsToMatrix` fills its rows: 0/1, counts, tf-idf, or frequencies. */
export type MatrixMode = 'binary' | 'count' | 'tfidf' | 'freq';

const filterSets = new Map<string, Set<string>>();
function filterSet(filters: string): Set<string> {
  let f = filterSets.get(filters);
  if (!f) {
    f = new Set([...filters]);
    if (filterSets.size < 64) filterSets.set(filters, f);
  }
  return f;
}

/** Keras' text_to_word_sequence: lower-case, filters become the separator, empty tokens dropped. */
export function textToWordSequence(text: string, filters = DEFAULT_FILTERS, lower = true, split = ' '): string[] {
  const t = lower ? text.toLowerCase() : text;
  // One pass (Python's str.translate): every filter character becomes `split`.
  const drop = filterSet(filters);
  let out = '';
  let run = 0;
  for (let i = 0; i < t.length; i++) {
    if (drop.has(t[i])) {
      out += t.slice(run, i) + split;
      run = i + 1;
    }
  }
  out += t.slice(run);
  return out.split(split).filter((w) => w.length > 0);
}

/**
 * Keras' Tokenizer: builds a word index from texts (most frequent word first, index 1; 0 is
 * reserved for padding), turns texts into index sequences and sequences into matrices.
 * Porting note: the counts and indexes are Maps (Keras: dicts), so words such as 'constructor'
 * are ordinary keys.
 * @example
 * const tok = new sg.text.Tokenizer({ numWords: 1000, oovToken: '<unk>' });
 * tok.fitOnTexts(['the cat sat', 'the dog']);
 * tok.textsToSequences(['the bird']); // [[2, 1]]
 */
export class Tokenizer {
  /** Keep only the numWords - 1 most frequent words (null: all). */
  readonly numWords: number | null;
  /** Characters removed from texts. */
  readonly filters: string;
  /** Whether texts are lower-cased first. */
  readonly lower: boolean;
  /** The word separator. */
  readonly split: string;
  /** Whether every character is a token. */
  readonly charLevel: boolean;
  /** The token standing in for unknown words, or null. */
  readonly oovToken: string | null;
  /** Occurrences of each word, in first-seen order. */
  readonly wordCounts = new Map<string, number>();
  /** Number of documents each word appears in. */
  readonly wordDocs = new Map<string, number>();
  /** word -> index (1 for the most frequent, or for oovToken). */
  wordIndex = new Map<string, number>();
  /** index -> word. */
  indexWord = new Map<number, string>();
  /** index -> number of documents. */
  indexDocs = new Map<number, number>();
  /** Number of documents seen by the fit methods. */
  documentCount = 0;

  constructor(opts: TokenizerOptions = {}) {
    checkOptions('Tokenizer', opts);
    if (
      opts.numWords !== undefined &&
      opts.numWords !== null &&
      (!Number.isInteger(opts.numWords) || opts.numWords < 1)
    ) {
      throw new Error(`Tokenizer: 'numWords' must be a positive integer but is ${opts.numWords}`);
    }
    this.numWords = opts.numWords ?? null;
    this.filters = opts.filters ?? DEFAULT_FILTERS;
    this.lower = opts.lower ?? true;
    this.split = opts.split ?? ' ';
    this.charLevel = opts.charLevel ?? false;
    this.oovToken = opts.oovToken ?? null;
  }

  private tokens(text: string | string[], where: string): string[] {
    if (Array.isArray(text)) return this.lower ? text.map((t) => t.toLowerCase()) : text.slice();
    if (typeof text !== 'string') throw new Error(`Tokenizer.${where}: expected strings but got ${typeof text}`);
    if (this.charLevel) return [...(this.lower ? text.toLowerCase() : text)];
    return textToWordSequence(text, this.filters, this.lower, this.split);
  }

  /**
   * Updates the counts from texts (strings, or lists of tokens) and rebuilds the word index.
   * @example tok.fitOnTexts(['Hello world', 'hello there']);
   */
  fitOnTexts(texts: (string | string[])[]): void {
    for (const text of texts) {
      this.documentCount++;
      const seq = this.tokens(text, 'fitOnTexts');
      for (const w of seq) this.wordCounts.set(w, (this.wordCounts.get(w) ?? 0) + 1);
      for (const w of new Set(seq)) this.wordDocs.set(w, (this.wordDocs.get(w) ?? 0) + 1);
    }
    // Most frequent first; ties keep first-seen order (Python's sort is stable, also reversed).
    const sorted = [...this.wordCounts.entries()]
      .map(([w, c], i) => ({ w, c, i }))
      .sort((a, b) => b.c - a.c || a.i - b.i)
      .map((e) => e.w);
    const vocab = this.oovToken === null ? sorted : [this.oovToken, ...sorted];
    this.wordIndex = new Map(vocab.map((w, i) => [w, i + 1]));
    this.indexWord = new Map(vocab.map((w, i) => [i + 1, w]));
    this.indexDocs = new Map();
    for (const [w, c] of this.wordDocs) this.indexDocs.set(this.wordIndex.get(w)!, c);
  }

  /**
   * Texts to lists of word indices; words beyond numWords or outside the index become the oov
   * index when oovToken is set, and are dropped otherwise (Keras).
   */
  textsToSequences(texts: (string | string[])[]): number[][] {
    const oov = this.oovToken === null ? undefined : this.wordIndex.get(this.oovToken);
    return texts.map((text) => {
      const out: number[] = [];
      for (const w of this.tokens(text, 'textsToSequences')) {
        const i = this.wordIndex.get(w);
        if (i !== undefined) {
          if (this.numWords !== null && i >= this.numWords) {
            if (oov !== undefined) out.push(oov);
          } else out.push(i);
        } else if (this.oovToken !== null && oov !== undefined) {
          out.push(oov);
        }
      }
      return out;
    });
  }

  /** Index sequences back to texts (words joined by a space; characters joined with charLevel). */
  sequencesToTexts(sequences: number[][]): string[] {
    const oov = this.oovToken === null ? undefined : this.wordIndex.get(this.oovToken);
    return sequences.map((seq) => {
      const words: string[] = [];
      for (const i of seq) {
        const w = this.indexWord.get(i);
        if (w !== undefined) {
          if (this.numWords !== null && i >= this.numWords) {
            if (oov !== undefined) words.push(this.indexWord.get(oov)!);
          } else words.push(w);
        } else if (oov !== undefined) {
          words.push(this.indexWord.get(oov)!);
        }
      }
      return words.join(this.charLevel ? '' : ' ');
    });
  }

  /**
   * Sequences to a [n, numWords] float32 matrix: 'binary' (word present), 'count', 'freq'
   * (count / sequence length) or 'tfidf' ((1 + log count) * log(1 + documents / (1 + docs with the word))).
   * @example tok.sequencesToMatrix(tok.textsToSequences(texts), 'tfidf');
   */
  sequencesToMatrix(sequences: number[][], mode: MatrixMode = 'binary'): Tensor {
    if (!['binary', 'count', 'tfidf', 'freq'].includes(mode)) {
      throw new Error(`Tokenizer.sequencesToMatrix: unknown mode '${mode}'; expected binary, count, tfidf or freq`);
    }
    let num: number;
    if (this.numWords !== null) num = this.numWords;
    else if (this.wordIndex.size) num = this.wordIndex.size + 1;
    else throw new Error('Tokenizer.sequencesToMatrix: specify numWords or call fitOnTexts first');
    if (mode === 'tfidf' && !this.documentCount) {
      throw new Error("Tokenizer.sequencesToMatrix: fit the tokenizer on texts before using mode 'tfidf'");
    }
    const x = new Float32Array(sequences.length * num);
    sequences.forEach((seq, i) => {
      if (!seq.length) return;
      const counts = new Map<number, number>();
      for (const j of seq) if (j < num) counts.set(j, (counts.get(j) ?? 0) + 1);
      for (const [j, c] of counts) {
        let v: number;
        if (mode === 'count') v = c;
        else if (mode === 'freq') v = c / seq.length;
        else if (mode === 'binary') v = 1;
        else v = (1 + Math.log(c)) * Math.log(1 + this.documentCount / (1 + (this.indexDocs.get(j) ?? 0)));
        x[i * num + j] = v;
      }
    });
    return tensor(x, [sequences.length, num], 'float32');
  }

  /** textsToSequences then sequencesToMatrix. */
  textsToMatrix(texts: (string | string[])[], mode: MatrixMode = 'binary'): Tensor {
    return this.sequencesToMatrix(this.textsToSequences(texts), mode);
  }
}
