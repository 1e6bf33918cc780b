// A stand-in for IMDB and Reuters built from Debian's `fortunes` package (/usr/share/games/fortunes),
// for machines without the real datasets (the text examples train on it). Seeded and
// deterministic for a given set of files. Two shapes of task:
// - 'binary' (shaped like IMDB): label 0 = fortunes of computing files (computers, linux, perl,
//   debian, linuxcookie), label 1 = fortunes of everyday-life files (men-women, love, food, kids,
//   songs-poems); about 1,850 and 1,800 fortunes. The two groups were picked to differ in
//   vocabulary, as positive and negative reviews differ in theirs.
// - 'topics' (shaped like Reuters' 46 topics): one class per fortune file with at least
//   `minPerClass` fortunes (40 files with the default 20).
// Words are indexed as in Keras' imdb/reuters files (1 = most frequent word of the whole corpus,
// ties in first-seen order, Keras' Tokenizer filters and lower-casing), then the same steps as
// datasets.imdb: numpy RandomState(seed) shuffle, startChar 1, indexFrom 3, maxlen, numWords /
// skipTop / oovChar 2; the last testSplit of the shuffled fortunes is the test set.
import { isNode, nodeFs, nodePath } from '../callbacks/node_io.js';
import { checkOptions } from '../utils/options.js';
import { Tokenizer } from '../text/index.js';
import {
  checkSequenceOptions,
  limitWords,
  offsetAndFilter,
  SEQUENCE_KEYS,
  type ImdbOptions,
  type SequenceDataset,
} from './imdb.js';
import { NumpyRandomState } from './npy.js';

/** Debian's fortunes directory. */
export const FORTUNES_DIR = '/usr/share/games/fortunes';

/** The two groups of files of the 'binary' task (label 0, label 1). */
export const FORTUNE_GROUPS = [
  ['computers', 'linux', 'perl', 'debian', 'linuxcookie'],
  ['men-women', 'love', 'food', 'kids', 'songs-poems'],
] as const;

/** Options of `datasets.fortunes()`: the IMDB-style options without the download ones (the data is generated). */
export interface FortunesOptions extends Omit<
  ImdbOptions,
  'path' | 'cacheDir' | 'download' | 'url' | 'sha256' | 'verify' | 'fetch'
> {
  /** 'binary' (IMDB-shaped, default) or 'topics' (Reuters-shaped: one class per file). */
  task?: 'binary' | 'topics';
  /** The fortunes directory (default /usr/share/games/fortunes). */
  dir?: string;
  /** The fraction of (shuffled) fortunes kept for the test set (default 0.2). */
  testSplit?: number;
  /** 'topics': files with fewer fortunes are left out (default 20). */
  minPerClass?: number;
}

/** The corpus as sequences plus what a Keras user would get from get_word_index and label names. */
export interface FortunesDataset extends SequenceDataset {
  /** word -> index before indexFrom is added (1 = most frequent), as imdb_word_index.json. */
  wordIndex: Map<string, number>;
  /** The class names by label: the two groups joined by '+', or the file names. */
  labelNames: string[];
}

/** Splits a fortune file into its fortunes (separated by lines holding only '%'). */
export function splitFortunes(text: string): string[] {
  return text
    .split(/\r?\n%\r?\n/)
    .map((s) => s.replace(/^%\r?\n/, '').trim())
    .filter((s) => s.length > 0);
}

/**
 * Builds the stand-in corpus from the fortune files (Node only).
 * @example
 * const { xTrain, yTrain, xTest, yTest } = await sg.datasets.fortunes({ task: 'binary', numWords: 5000 });
 */
export async function fortunes(opts: FortunesOptions = {}): Promise<FortunesDataset> {
  const fn = 'fortunes';
  const keys = SEQUENCE_KEYS.filter(
    (k) => !['path', 'cacheDir', 'download', 'url', 'sha256', 'verify', 'fetch'].includes(k),
  );
  checkOptions(fn, opts, [...keys, 'task', 'dir', 'testSplit', 'minPerClass']);
  checkSequenceOptions(fn, opts);
  const task = opts.task ?? 'binary';
  if (task !== 'binary' && task !== 'topics')
    throw new Error(`${fn}: option 'task' must be 'binary' or 'topics' but is ${String(task)}`);
  const split = opts.testSplit ?? 0.2;
  if (typeof split !== 'number' || !(split > 0 && split < 1))
    throw new Error(`${fn}: option 'testSplit' must be a number in (0, 1) but is ${String(split)}`);
  const minPer = opts.minPerClass ?? 20;
  if (!Number.isInteger(minPer) || minPer < 1)
    throw new Error(`${fn}: option 'minPerClass' must be an integer >= 1 but is ${minPer}`);
  if (!isNode()) throw new Error(`${fn}: reads files with Node's fs; not available in this environment`);
  const fs = await nodeFs(fn);
  const path = await nodePath(fn);
  const dir = opts.dir ?? FORTUNES_DIR;
  const missing = `the stand-in corpus needs Debian's fortunes files (install them with: apt-get install fortunes)`;
  let names: string[];
  try {
    names = (await fs.promises.readdir(dir)).filter((f: string) => !f.includes('.')).sort();
  } catch {
    throw new Error(`${fn}: ${dir} not found: ${missing}`);
  }
  const read = async (f: string) => {
    try {
      return splitFortunes(await fs.promises.readFile(path.join(dir, f), 'utf8'));
    } catch {
      throw new Error(`${fn}: cannot read ${path.join(dir, f)}: ${missing}`);
    }
  };
  const texts: string[] = [];
  const labels: number[] = [];
  let labelNames: string[];
  if (task === 'binary') {
    for (let c = 0; c < 2; c++)
      for (const f of FORTUNE_GROUPS[c]) {
        for (const t of await read(f)) {
          texts.push(t);
          labels.push(c);
        }
      }
    labelNames = FORTUNE_GROUPS.map((g) => g.join('+'));
  } else {
    labelNames = [];
    for (const f of names) {
      const fs_ = await read(f);
      if (fs_.length < minPer) continue;
      for (const t of fs_) {
        texts.push(t);
        labels.push(labelNames.length);
      }
      labelNames.push(f);
    }
  }
  if (texts.length === 0 || labelNames.length < 2)
    throw new Error(`${fn}: found too few fortunes in ${dir}: ${missing}`);
  const tok = new Tokenizer();
  tok.fitOnTexts(texts);
  const seqs = tok.textsToSequences(texts);
  const idx = new NumpyRandomState(opts.seed ?? 113).shuffle([...Array(texts.length).keys()]);
  const [xs0, ys] = offsetAndFilter(
    idx.map((i) => seqs[i]),
    idx.map((i) => labels[i]),
    opts,
  );
  const xs = limitWords(xs0, opts);
  const cut = Math.trunc(xs.length * (1 - split));
  return {
    xTrain: xs.slice(0, cut),
    yTrain: ys.slice(0, cut),
    xTest: xs.slice(cut),
    yTest: ys.slice(cut),
    wordIndex: tok.wordIndex,
    labelNames,
  };
}
