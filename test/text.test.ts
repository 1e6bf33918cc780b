// Text utilities against Keras semantics, worked out by hand from Keras' source behaviour:
// padSequences padding/truncating/value/dtype, the Tokenizer's index order, oov handling,
// numWords and the four matrix modes. On every backend, with the leak check.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { padSequences, Tokenizer, textToWordSequence } from '../src/text/index.js';
import { BACKENDS, checkNoLeaks, expectClose, take } from './helpers.js';

describe.each(BACKENDS)('text utilities on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it('padSequences: pre/post padding and truncating, value, dtype, default maxlen', () => {
    const seqs = [[1, 2, 3], [4], [5, 6, 7, 8, 9]];
    const a = padSequences(seqs);
    expect(a.shape).toEqual([3, 5]);
    expect(a.dtype).toBe('int32');
    expect(take(a)).toEqual([0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 7, 8, 9]);
    expect(take(padSequences(seqs, { maxlen: 3 }))).toEqual([1, 2, 3, 0, 0, 4, 7, 8, 9]);
    expect(take(padSequences(seqs, { maxlen: 3, truncating: 'post' }))).toEqual([1, 2, 3, 0, 0, 4, 5, 6, 7]);
    expect(take(padSequences(seqs, { maxlen: 4, padding: 'post', value: -1 }))).toEqual([
      1, 2, 3, -1, 4, -1, -1, -1, 6, 7, 8, 9,
    ]);
    const f = padSequences([[0.5], []], { maxlen: 2, dtype: 'float32' });
    expect(f.dtype).toBe('float32');
    expect(take(f)).toEqual([0, 0.5, 0, 0]);
    expect(take(padSequences([], { maxlen: 2 }))).toEqual([]);
  });

  it('padSequences: a ragged or malformed batch throws naming the sequence', () => {
    expect(() => padSequences([[1, 2], 3 as unknown as number[]])).toThrow(
      'padSequences: sequence 1 must be an array of numbers but is number',
    );
    expect(() => padSequences([[1, [2] as unknown as number]])).toThrow(/sequence 0 has a non-number at position 1/);
    expect(() => padSequences([[1]], { padding: 'middle' as 'pre' })).toThrow(/'padding' must be 'pre' or 'post'/);
  });

  it('textToWordSequence: lower-cases, filters punctuation, splits', () => {
    expect(textToWordSequence('Hello, World!  How are\tyou?')).toEqual(['hello', 'world', 'how', 'are', 'you']);
    expect(textToWordSequence('a-b c', '', false)).toEqual(['a-b', 'c']);
  });

  it('Tokenizer: word index by frequency (ties in first-seen order), counts and document counts', () => {
    const tok = new Tokenizer();
    tok.fitOnTexts(['The cat sat on the mat.', 'The dog ate my homework!', 'my cat']);
    // counts: the 3, cat 2, my 2, sat 1, on 1, mat 1, dog 1, ate 1, homework 1
    expect([...tok.wordIndex.entries()]).toEqual([
      ['the', 1],
      ['cat', 2],
      ['my', 3],
      ['sat', 4],
      ['on', 5],
      ['mat', 6],
      ['dog', 7],
      ['ate', 8],
      ['homework', 9],
    ]);
    expect(tok.wordCounts.get('the')).toBe(3);
    expect(tok.wordDocs.get('the')).toBe(2);
    expect(tok.indexDocs.get(2)).toBe(2);
    expect(tok.documentCount).toBe(3);
    expect(tok.textsToSequences(['the cat ate a fish'])).toEqual([[1, 2, 8]]);
    expect(tok.sequencesToTexts([[1, 2, 8]])).toEqual(['the cat ate']);
  });

  it('Tokenizer: numWords and oovToken as Keras (oov gets index 1)', () => {
    const tok = new Tokenizer({ numWords: 4, oovToken: '<unk>' });
    tok.fitOnTexts(['a a a b b c', 'c d']);
    // index: <unk> 1, a 2, b 3, c 4, d 5; numWords 4 keeps indices < 4
    expect(tok.wordIndex.get('<unk>')).toBe(1);
    expect(tok.textsToSequences(['a b c d e'])).toEqual([[2, 3, 1, 1, 1]]);
    const plain = new Tokenizer({ numWords: 3 });
    plain.fitOnTexts(['a a a b b c', 'c d']);
    expect(plain.textsToSequences(['a b c d e'])).toEqual([[1, 2]]);
  });

  it('Tokenizer: character level', () => {
    const tok = new Tokenizer({ charLevel: true, lower: false });
    tok.fitOnTexts(['abca', 'Ab']);
    expect([...tok.wordIndex.keys()]).toEqual(['a', 'b', 'c', 'A']);
    expect(tok.textsToSequences(['cab'])).toEqual([[3, 1, 2]]);
    expect(tok.sequencesToTexts([[3, 1, 2]])).toEqual(['cab']);
  });

  it('sequencesToMatrix: binary, count, freq, tfidf', () => {
    const tok = new Tokenizer();
    tok.fitOnTexts(['a a b', 'b c', 'a']);
    // index: a 1 (count 3), b 2, c 3; docs: a 2, b 2, c 1; num words = 4
    const seqs = [[1, 1, 2], [3], []];
    expect(take(tok.sequencesToMatrix(seqs, 'binary'))).toEqual([0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(take(tok.sequencesToMatrix(seqs, 'count'))).toEqual([0, 2, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expectClose(take(tok.sequencesToMatrix(seqs, 'freq')), [0, 2 / 3, 1 / 3, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    const idf = (docs: number) => Math.log(1 + 3 / (1 + docs));
    expectClose(take(tok.textsToMatrix(['a a b', 'c'], 'tfidf')), [
      0,
      (1 + Math.log(2)) * idf(2),
      idf(2),
      0,
      0,
      0,
      0,
      idf(1),
    ]);
    const capped = new Tokenizer({ numWords: 2 });
    capped.fitOnTexts(['a a b']);
    expect(take(capped.sequencesToMatrix([[1, 2, 2]], 'count'))).toEqual([0, 1]); // index 2 >= numWords: dropped
    expect(() => new Tokenizer().sequencesToMatrix([[1]])).toThrow(/specify numWords or call fitOnTexts first/);
    expect(() => tok.sequencesToMatrix([[1]], 'bm25' as 'binary')).toThrow(/unknown mode 'bm25'/);
  });
});
