// datasets.fortunes: the IMDB/Reuters-shaped stand-in built from Debian's fortunes (installed by
// .ci/run). Checks the shape of the task, Keras' index conventions, determinism and the error
// when the package is missing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';

describe('datasets.fortunes', () => {
  it('binary: two balanced classes, IMDB index conventions, seeded', async () => {
    const d = await sg.datasets.fortunes({ numWords: 1000, seed: 3 });
    const n = d.xTrain.length + d.xTest.length;
    expect(n).toBeGreaterThan(3000);
    expect(d.xTest.length).toBe(n - Math.trunc(n * 0.8));
    const ones = [...d.yTrain, ...d.yTest].filter((y) => y === 1).length;
    expect(ones / n).toBeGreaterThan(0.4);
    expect(ones / n).toBeLessThan(0.6);
    const bad = [...d.xTrain, ...d.xTest].filter(
      (x) => x[0] !== 1 || x.slice(1).some((w) => !(w === 2 || (w >= 3 && w < 1000))),
    ); // startChar 1, oovChar 2, words 3..numWords-1
    expect(bad).toEqual([]);
    // indexFrom 3: the most frequent word ('the') is 1 in the word index and 4 in the data
    expect(d.wordIndex.get('the')).toBe(1);
    const again = await sg.datasets.fortunes({ numWords: 1000, seed: 3 });
    expect(again.xTrain).toEqual(d.xTrain);
    const other = await sg.datasets.fortunes({ numWords: 1000, seed: 4 });
    expect(other.yTrain).not.toEqual(d.yTrain);
  });

  it('topics: one class per fortune file, maxlen filter as Keras', async () => {
    const d = await sg.datasets.fortunes({ task: 'topics', maxlen: 50 });
    expect(d.labelNames.length).toBeGreaterThanOrEqual(30);
    expect(new Set(d.yTrain).size).toBe(d.labelNames.length);
    expect(Math.max(...d.xTrain.map((x) => x.length))).toBeLessThan(50);
  });

  it('names the package when the files are missing, and reads a directory of its own', async () => {
    await expect(sg.datasets.fortunes({ dir: '/nonexistent' })).rejects.toThrow(/apt-get install fortunes/);
    const dir = mkdtempSync(join(tmpdir(), 'sg-fortunes-'));
    writeFileSync(join(dir, 'a'), 'red apple\n%\nred cherry\n%\n');
    writeFileSync(join(dir, 'b'), 'blue sky\n%\nblue sea\n%\nblue red\n');
    const d = await sg.datasets.fortunes({ dir, task: 'topics', minPerClass: 1, testSplit: 0.4, seed: 0 });
    expect(d.labelNames).toEqual(['a', 'b']);
    expect(d.wordIndex.get('red')).toBe(1);
    expect(d.wordIndex.get('blue')).toBe(2);
    expect(d.xTrain.length + d.xTest.length).toBe(5);
    await expect(sg.datasets.fortunes({ task: 'x' as 'binary' })).rejects.toThrow(/option 'task'/);
  });
});
