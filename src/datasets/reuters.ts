// Keras' Reuters newswire topics (`keras.datasets.reuters.load_data`, `get_word_index`,
// `get_label_names`), read from Keras' reuters.npz (x: pickled word-index lists, y: 46 topics) and
// reuters_word_index.json, with Keras' preprocessing: one RandomState(seed) shuffle, start
// character and offset, maxlen filter, numWords/skipTop/oovChar, then the first
// int(n * (1 - testSplit)) samples to train. Files as imdb.ts (same options and checks).
import { checkOptions } from '../utils/options.js';
import {
  KERAS_TEXT_FILES,
  SEQUENCE_KEYS,
  checkSequenceOptions,
  kerasFileBytes,
  labelsOf,
  limitWords,
  offsetAndFilter,
  parseWordIndex,
  sequencesOf,
  shuffleBoth,
  type ImdbOptions,
  type KerasFileOptions,
  type SequenceDataset,
} from './imdb.js';
import { NumpyRandomState, readNpz } from './npy.js';

export interface ReutersOptions extends ImdbOptions {
  /** The fraction of samples (the last ones after the shuffle) kept for the test set (default 0.2). */
  testSplit?: number;
}

/** The 46 topics by label, as Keras' reuters.get_label_names(). */
export const REUTERS_LABELS = [
  'cocoa',
  'grain',
  'veg-oil',
  'earn',
  'acq',
  'wheat',
  'copper',
  'housing',
  'money-supply',
  'coffee',
  'sugar',
  'trade',
  'reserves',
  'ship',
  'cotton',
  'carcass',
  'crude',
  'nat-gas',
  'cpi',
  'money-fx',
  'interest',
  'gnp',
  'meal-feed',
  'alum',
  'oilseed',
  'gold',
  'tin',
  'strategic-metal',
  'livestock',
  'retail',
  'ipi',
  'iron-steel',
  'rubber',
  'heat',
  'jobs',
  'lei',
  'bop',
  'zinc',
  'orange',
  'pet-chem',
  'dlr',
  'gas',
  'silver',
  'wpi',
  'hog',
  'lead',
] as const;

/**
 * Loads Reuters as Keras' `reuters.load_data(...)`: 11,228 newswires as word-index lists
 * (8,982 train / 2,246 test at testSplit 0.2), labels 0..45 (REUTERS_LABELS).
 * @example const { xTrain, yTrain } = await sg.datasets.reuters({ numWords: 1000, testSplit: 0.2 });
 */
export async function reuters(opts: ReutersOptions = {}): Promise<SequenceDataset> {
  const fn = 'reuters';
  checkOptions(fn, opts, [...SEQUENCE_KEYS, 'testSplit']);
  checkSequenceOptions(fn, opts);
  const split = opts.testSplit ?? 0.2;
  if (typeof split !== 'number' || !(split >= 0 && split <= 1))
    throw new Error(`${fn}: option 'testSplit' must be a number in [0, 1] but is ${String(split)}`);
  const file = KERAS_TEXT_FILES.reuters;
  const arrays = await readNpz(await kerasFileBytes(fn, file, opts), file.name);
  const x0 = sequencesOf(fn, arrays.get('x'), 'x');
  const y0 = labelsOf(fn, arrays.get('y'), 'y', x0.length);
  const [xa, ya] = shuffleBoth(new NumpyRandomState(opts.seed ?? 113), x0, y0);
  const [x1, labels] = offsetAndFilter(xa, ya, opts);
  const xs = limitWords(x1, opts);
  // Python's int(len * (1 - split)): the float product truncated.
  const idx = Math.trunc(xs.length * (1 - split));
  return { xTrain: xs.slice(0, idx), yTrain: labels.slice(0, idx), xTest: xs.slice(idx), yTest: labels.slice(idx) };
}

/**
 * Keras' `reuters.get_word_index()`: word -> index as in reuters.npz (add `indexFrom` for loaded data).
 * @example const index = await sg.datasets.reutersWordIndex();
 */
export async function reutersWordIndex(opts: KerasFileOptions = {}): Promise<Map<string, number>> {
  const fn = 'reutersWordIndex';
  checkOptions(fn, opts, ['path', 'cacheDir', 'download', 'url', 'sha256', 'verify', 'fetch']);
  const file = KERAS_TEXT_FILES.reutersWordIndex;
  return parseWordIndex(fn, new TextDecoder().decode(await kerasFileBytes(fn, file, opts)), file.name);
}
reuters.getWordIndex = reutersWordIndex;
/** The 46 topic names of the Reuters labels, in label order (Keras' `get_label_names`). */
reuters.getLabelNames = () => [...REUTERS_LABELS];
