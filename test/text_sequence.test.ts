// preprocessing.sequence (skipgrams, makeSamplingTable, PythonRandom, n-grams) and the Tokenizer's
// counts, against Keras' legacy keras.preprocessing (keras.src.legacy.preprocessing in Keras 3.15)
// run on the same input by scripts/fixtures/make_text_fixtures.py.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { expectClose } from './helpers.js';

const K = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'text', 'keras_sequence.json'), 'utf8'));
const { skipgrams, makeSamplingTable, PythonRandom, createNgramSet, addNgram } = sg.preprocessing.sequence;

describe('preprocessing.sequence', () => {
  it("makeSamplingTable gives Keras' table", () => {
    expectClose(makeSamplingTable(12, 0.05), K.table, 1e-12, 0);
    expectClose(makeSamplingTable(5), K.table5, 1e-12, 0);
  });

  it("PythonRandom is Python's random.Random for integer seeds", () => {
    expect(new PythonRandom(123).random()).toBe(K.pyrandom[0]);
    expect(new PythonRandom(2 ** 40 + 7).randint(1, 1000)).toBe(K.pyrandom[1]);
    expect(new PythonRandom(0).random()).toBe(K.pyrandom[2]);
  });

  it("skipgrams gives Keras' pairs and labels (after Python's random.seed(s))", () => {
    const [a, b, c] = K.skipgrams;
    expect(
      skipgrams([0, 1, 2, 3, 4, 5, 6, 0, 7, 8], 10, { windowSize: 2, seed: 5, random: new PythonRandom(11) }),
    ).toEqual(a);
    const table = makeSamplingTable(12, 0.05);
    expect(
      skipgrams([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 12, {
        windowSize: 1,
        negativeSamples: 0.5,
        samplingTable: table,
        categorical: true,
        seed: 17,
        random: new PythonRandom(3),
      }),
    ).toEqual(b);
    expect(skipgrams([1, 2, 3, 4, 5], 6, { windowSize: 3, shuffle: false, random: new PythonRandom(4) })).toEqual(c);
    expect(() => skipgrams([1], 1)).toThrow(/skipgrams: 'vocabularySize' must be an integer >= 2/);
    expect(() => skipgrams([1, 20], 5, { samplingTable: table })).toThrow(/word 20 is past the sampling table/);
  });

  it("createNgramSet and addNgram as Keras' imdb_fasttext (its docstring examples)", () => {
    expect([...createNgramSet([1, 4, 9, 4, 1, 4], 2)].sort()).toEqual(['1,4', '4,1', '4,9', '9,4']);
    const ti2 = new Map([
      ['1,3', 1337],
      ['9,4', 42],
      ['4,5', 2017],
    ]);
    expect(
      addNgram(
        [
          [1, 3, 4, 5],
          [1, 3, 7, 9, 2],
        ],
        ti2,
        2,
      ),
    ).toEqual([
      [1, 3, 4, 5, 1337, 2017],
      [1, 3, 7, 9, 2, 1337],
    ]);
    const ti3 = new Map([...ti2, ['7,9,2', 2018]]);
    expect(
      addNgram(
        [
          [1, 3, 4, 5],
          [1, 3, 7, 9, 2],
        ],
        ti3,
        3,
      ),
    ).toEqual([
      [1, 3, 4, 5, 1337, 2017],
      [1, 3, 7, 9, 2, 1337, 2018],
    ]);
  });
});

describe("Tokenizer counts as Keras' legacy Tokenizer", () => {
  it('wordCounts, wordDocs, documentCount, wordIndex, textsToSequences, sequencesToTexts', () => {
    const texts = ['The cat sat on the mat.', 'The dog ate my homework!', 'Cat and dog: friends?', 'the THE the'];
    const tok = new sg.text.Tokenizer({ numWords: 6, oovToken: '<unk>' });
    tok.fitOnTexts(texts);
    const k = K.tokenizer;
    expect([...tok.wordCounts]).toEqual(k.word_counts);
    expect(Object.fromEntries(tok.wordDocs)).toEqual(k.word_docs);
    expect(tok.documentCount).toBe(k.document_count);
    expect(Object.fromEntries(tok.wordIndex)).toEqual(k.word_index);
    const seqs = tok.textsToSequences([...texts, 'a bird on the mat']);
    expect(seqs).toEqual(k.sequences);
    expect(tok.sequencesToTexts([...seqs, [1, 2, 40, 0, 7]])).toEqual(k.texts);
  });
});
