// datasets.imdb / reuters and the .npy/.npz/pickle readers under them, against files written by
// numpy and Keras' own load_data results on them (scripts/fixtures/make_text_fixtures.py), and
// hostile files (pickles that would run code, sizes past the end) that must fail clearly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';

const DIR = join(__dirname, 'fixtures', 'text');
const bytes = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8'));
const { readNpy, readNpz, NumpyRandomState } = sg.datasets;

/** Keras' snake_case options to ours. */
function camel(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_(\w)/g, (_, c) => c.toUpperCase()), v]));
}

describe('npy', () => {
  it('reads every numeric dtype written by numpy, header versions 1 and 2', () => {
    const m = [1, -2, 3, 4, 5, -6];
    for (const [f, dtype, want] of [
      ['i4.npy', '<i4', m],
      ['i8.npy', '<i8', m],
      ['f4.npy', '<f4', m.map((v) => Math.fround(v / 4))],
      ['f8.npy', '<f8', m.map((v) => v / 3)],
      ['v2.npy', '<i4', m],
    ] as const) {
      const a = readNpy(bytes(f), f);
      expect(a.dtype).toBe(dtype);
      expect(a.shape).toEqual([2, 3]);
      expect(Array.from(a.data as ArrayLike<number>)).toEqual(want);
    }
    expect(Array.from(readNpy(bytes('u1.npy')).data as Uint8Array)).toEqual([0, 7, 255]);
    expect(Array.from(readNpy(bytes('b1.npy')).data as Uint8Array)).toEqual([1, 0, 1]);
    const s = readNpy(bytes('scalar.npy'));
    expect([s.shape, Array.from(s.data as Float64Array)]).toEqual([[], [42]]);
  });

  it('reads object arrays of int lists pickled with protocol 4 (numpy 2) and 2 (old files), and nested arrays', () => {
    const want = [[1, 2, 300], [], [70000, -5, 2 ** 40], [65535, 2 ** 31 - 1, -(2 ** 31)]];
    for (const f of ['obj.npy', 'obj_p2.npy']) {
      const a = readNpy(bytes(f), f);
      expect(a.dtype).toBe('|O');
      expect(a.shape).toEqual([4]);
      expect(a.data).toEqual(want);
    }
    const n = readNpy(bytes('obj_nested.npy')).data as sg.datasets.PyNdarray[];
    expect(n.map((x) => [x.shape, x.dtype!.descr, x.bytes!.length])).toEqual([
      [[3], 'i8', 24],
      [[1], 'i8', 8],
    ]);
  });

  it('refuses hostile and malformed files, naming the problem', () => {
    const cases: [string, RegExp][] = [
      ['evil_reduce.npy', /refusing global posix\.system.*files are data, never code/],
      ['evil_reduce_p4.npy', /refusing global posix\.system/],
      ['evil_dict.npy', /opcode 0x7d \(EMPTY_DICT\) is not allowed/],
      ['evil_strlen.npy', /BINUNICODE needs 2147483647 bytes but only 3 are left/],
      ['truncated_pickle.npy', /pickle byte \d+: .*(bytes but only|without STOP|ends without STOP)/],
      ['short_data.npy', /shape \[9,3\] of <i8 needs 216 bytes but the file has 40/],
      ['long_header.npy', /header claims 65535 bytes/],
      ['code_header.npy', /expected '\{' at character 0/],
    ];
    for (const [f, re] of cases) expect(() => readNpy(bytes(f), f), f).toThrow(re);
    expect(() => readNpy(new Uint8Array([1, 2, 3]))).toThrow(/not a \.npy file/);
  });

  it('reads .npz archives, stored and deflated', async () => {
    const a = await readNpz(bytes('imdb.npz'), 'imdb.npz');
    expect([...a.keys()].sort()).toEqual(['x_test', 'x_train', 'y_test', 'y_train']);
    expect(a.get('x_train')!.shape).toEqual([23]);
    const r = await readNpz(bytes('reuters.npz'), 'reuters.npz');
    expect(r.get('y')!.shape).toEqual([41]);
  });

  it("NumpyRandomState(113).shuffle gives numpy's order", () => {
    const rng = new NumpyRandomState(113);
    expect(rng.shuffle([...Array(50).keys()])).toEqual(expected.shuffle113[0]);
    expect(rng.shuffle([...Array(1000).keys()])).toEqual(expected.shuffle113[1]);
  });
});

describe('datasets.imdb / reuters', () => {
  it("gives Keras' load_data results on the same files, option by option", async () => {
    for (const e of expected.imdb) {
      const got = await sg.datasets.imdb({ path: DIR, ...camel(e.opts) });
      expect(got, JSON.stringify(e.opts)).toEqual({
        xTrain: e.xTrain,
        yTrain: e.yTrain,
        xTest: e.xTest,
        yTest: e.yTest,
      });
    }
    for (const e of expected.reuters) {
      const got = await sg.datasets.reuters({ path: join(DIR, 'reuters.npz'), ...camel(e.opts) });
      expect(got, JSON.stringify(e.opts)).toEqual({
        xTrain: e.xTrain,
        yTrain: e.yTrain,
        xTest: e.xTest,
        yTest: e.yTest,
      });
    }
  });

  it('reads the word index into a Map (as Keras get_word_index), and checks checksums', async () => {
    const idx = await sg.datasets.imdb.getWordIndex({ path: DIR });
    expect(idx.get('constructor')).toBe(3);
    expect(idx.get('__proto__')).toBe(4);
    expect(idx.size).toBe(5);
    await expect(sg.datasets.imdbWordIndex({ path: DIR, verify: true })).rejects.toThrow(/checksum mismatch.*MD5/);
    await expect(sg.datasets.imdb({ path: DIR, verify: true })).rejects.toThrow(/checksum mismatch.*SHA-256/);
    expect(sg.datasets.reuters.getLabelNames()).toHaveLength(46);
  });

  it('downloads into the cache through downloadFile, refusing a wrong checksum', async () => {
    const { mkdtempSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const cacheDir = mkdtempSync(join(tmpdir(), 'sg-imdb-'));
    const url = 'file://' + join(DIR, 'imdb.npz');
    await expect(sg.datasets.imdb({ cacheDir, url })).rejects.toThrow(
      /checksum mismatch for file:.*SHA-256 .*expected 69664113/,
    );
    expect(existsSync(join(cacheDir, 'imdb.npz'))).toBe(false);
    const sha = await sg.datasets.sha256Hex(bytes('imdb.npz'));
    const got = await sg.datasets.imdb({ cacheDir, url, sha256: sha });
    expect(got.xTrain).toEqual(expected.imdb[0].xTrain);
    expect(existsSync(join(cacheDir, 'imdb.npz'))).toBe(true);
  });

  it('refuses bad options before reading, and a hostile archive', async () => {
    await expect(sg.datasets.imdb({ path: DIR, numWords: 0 })).rejects.toThrow(
      /imdb: option 'numWords' must be an integer >= 1/,
    );
    await expect(sg.datasets.reuters({ path: DIR, testSplit: 2 })).rejects.toThrow(/reuters: option 'testSplit'/);
    await expect(sg.datasets.imdb({ path: DIR, maxlen: 2 })).rejects.toThrow(/no sequence was kept/);
    await expect(sg.datasets.imdb({ path: join(DIR, 'evil_imdb.npz') })).rejects.toThrow(
      /refusing global posix\.system/,
    );
    await expect(sg.datasets.imdb({ path: '/nonexistent/dir' })).rejects.toThrow(/imdb\.npz not found/);
  });
});
