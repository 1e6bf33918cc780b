// datasets.cifar10 on small archives the test writes in the real CIFAR-10 binary format (a
// couple of records per batch): from GNU tar's archive and from writeTar's, found in `path`,
// downloaded from a file:// URL into a cache with its SHA-256 checked, from extracted .bin files;
// and malformed inputs (truncated gzip and tar, wrong record sizes, bad labels, missing batches,
// checksum mismatches) with clear errors.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { Rng } from '../src/engine/random.js';
import { checkNoLeaks } from './helpers.js';

const { cifar10, readTar, writeTar, CIFAR10_ARCHIVE } = sg.datasets;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sg-cifar-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const NAMES = [...CIFAR10_ARCHIVE.train, ...CIFAR10_ARCHIVE.test];
const RECORD = 3073;

/** Batch file `k`: `n` records with labels (k + i) % 10 and seeded pixel bytes. */
function batch(k: number, n = 2): Uint8Array {
  const rng = new Rng(100 + k);
  const b = new Uint8Array(n * RECORD);
  for (let i = 0; i < n; i++) {
    b[i * RECORD] = (k + i) % 10;
    for (let p = 1; p < RECORD; p++) b[i * RECORD + p] = rng.uint32() & 255;
  }
  return b;
}
const BATCHES = NAMES.map((_, k) => batch(k));

function tgz(files: { name: string; data: Uint8Array }[]): Uint8Array {
  return new Uint8Array(zlib.gzipSync(writeTar(files)));
}
const entries = (bs = BATCHES) => NAMES.map((f, k) => ({ name: `cifar-10-batches-bin/${f}`, data: bs[k] }));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function dirWith(name: string, files: Record<string, Uint8Array>): string {
  const d = path.join(root, name);
  fs.mkdirSync(d, { recursive: true });
  for (const [f, b] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
    fs.writeFileSync(path.join(d, f), b);
  }
  return d;
}

/** The expected HWC pixels and labels of batches `ks`, computed from the CHW records by hand. */
function expected(ks: number[]): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (const k of ks) {
    const b = BATCHES[k];
    for (let i = 0; i < b.length / RECORD; i++) {
      y.push(b[i * RECORD]);
      for (let r = 0; r < 32; r++)
        for (let q = 0; q < 32; q++) for (let c = 0; c < 3; c++) x.push(b[i * RECORD + 1 + c * 1024 + r * 32 + q]);
    }
  }
  return { x, y };
}

async function checkDataset(ds: sg.datasets.Dataset): Promise<void> {
  expect(ds.xTrain.shape).toEqual([10, 32, 32, 3]);
  expect(ds.yTrain.shape).toEqual([10, 1]);
  expect(ds.yTrain.dtype).toBe('int32');
  expect(ds.xTest.shape).toEqual([2, 32, 32, 3]);
  expect(ds.yTest.shape).toEqual([2, 1]);
  const tr = expected([0, 1, 2, 3, 4]);
  const te = expected([5]);
  expect(Array.from(ds.xTrain.dataSync())).toEqual(tr.x);
  expect(Array.from(ds.yTrain.dataSync())).toEqual(tr.y);
  expect(Array.from(ds.xTest.dataSync())).toEqual(te.x);
  expect(Array.from(ds.yTest.dataSync())).toEqual(te.y);
  sg.dispose([ds.xTrain, ds.yTrain, ds.xTest, ds.yTest]);
}

describe('datasets.cifar10', () => {
  checkNoLeaks();

  it('reads an archive made by GNU tar + gzip (the real layout), channels last', async () => {
    const src = dirWith('gnu-src', Object.fromEntries(NAMES.map((f, k) => [`cifar-10-batches-bin/${f}`, BATCHES[k]])));
    const out = path.join(root, 'gnu');
    fs.mkdirSync(out);
    execFileSync('tar', ['-czf', path.join(out, 'cifar-10-binary.tar.gz'), '-C', src, 'cifar-10-batches-bin']);
    await checkDataset(await cifar10({ path: out, download: false }));
    // the same archive through readTar directly
    const files = readTar(zlib.gunzipSync(fs.readFileSync(path.join(out, 'cifar-10-binary.tar.gz'))));
    expect(files.map((f) => f.name).sort()).toEqual(NAMES.map((f) => `cifar-10-batches-bin/${f}`).sort());
  });

  it('writeTar archives are read by GNU tar', () => {
    const d = dirWith('ours', { 'x.tar.gz': tgz(entries()) });
    const listed = execFileSync('tar', ['-tzf', path.join(d, 'x.tar.gz')])
      .toString()
      .trim()
      .split('\n');
    expect(listed).toEqual(NAMES.map((f) => `cifar-10-batches-bin/${f}`));
    execFileSync('tar', ['-xzf', path.join(d, 'x.tar.gz'), '-C', d]);
    expect(new Uint8Array(fs.readFileSync(path.join(d, 'cifar-10-batches-bin', 'data_batch_3.bin')))).toEqual(
      BATCHES[2],
    );
  });

  it('downloads into the cache with the SHA-256 checked, then reads from the cache', async () => {
    const archive = tgz(entries());
    const srv = dirWith('server', { 'c.tar.gz': archive });
    const url = pathToFileURL(path.join(srv, 'c.tar.gz')).href;
    const cache = path.join(root, 'cache');
    await checkDataset(await cifar10({ cacheDir: cache, url, sha256: sha(archive) }));
    expect(fs.existsSync(path.join(cache, 'cifar-10-binary.tar.gz'))).toBe(true);
    await checkDataset(await cifar10({ cacheDir: cache, download: false, verify: true, sha256: sha(archive) }));
    // a mismatching checksum: rejected, nothing left in the cache
    const cache2 = path.join(root, 'cache2');
    await expect(cifar10({ cacheDir: cache2, url, sha256: '0'.repeat(64) })).rejects.toThrow(
      /could not download cifar-10-binary.tar.gz:[\s\S]*checksum mismatch: SHA-256 of the download is [0-9a-f]{64}, expected 0{64}/,
    );
    expect(fs.existsSync(path.join(cache2, 'cifar-10-binary.tar.gz'))).toBe(false);
    // by default the official checksum is required
    await expect(cifar10({ cacheDir: path.join(root, 'cache3'), url })).rejects.toThrow(
      new RegExp(`expected ${CIFAR10_ARCHIVE.sha256}`),
    );
    await expect(cifar10({ cacheDir: path.join(root, 'cache4'), download: false })).rejects.toThrow(
      /cifar-10-binary.tar.gz \(or its extracted .bin files\) not found in .*download: false/,
    );
    await expect(cifar10({ cacheDir: cache, download: false, verify: true })).rejects.toThrow(
      /checksum mismatch for .*cifar-10-binary.tar.gz/,
    );
  });

  it('reads extracted batch files; verify checks them against the official SHA-256', async () => {
    const d = dirWith('extracted', Object.fromEntries(NAMES.map((f, k) => [`cifar-10-batches-bin/${f}`, BATCHES[k]])));
    await checkDataset(await cifar10({ path: d, download: false }));
    await expect(cifar10({ path: d, download: false, verify: true })).rejects.toThrow(
      /checksum mismatch for data_batch_1.bin .*expected cee91656/,
    );
  });

  it('malformed archives and batches fail with clear errors', async () => {
    const load = (name: string, bytes: Uint8Array) =>
      cifar10({ path: dirWith(name, { 'cifar-10-binary.tar.gz': bytes }), download: false });
    const good = tgz(entries());
    await expect(load('trunc-gz', good.subarray(0, good.length - 100))).rejects.toThrow(
      /maybeGunzip: cannot decompress/,
    );
    const tar = writeTar(entries());
    await expect(load('trunc-tar', tar.subarray(0, 4000))).rejects.toThrow(
      /readTar: .*the entry at byte 0 declares 6146 bytes but only 3488 remain \(truncated archive\)/,
    );
    const bad = tar.slice();
    bad[10] ^= 1;
    await expect(load('bad-header', bad)).rejects.toThrow(/readTar: .*bad header checksum at byte 0/);
    await expect(load('not-tar', new Uint8Array(zlib.gzipSync(new Uint8Array(600).fill(65))))).rejects.toThrow(
      /readTar: .*malformed octal field 'AAAAAAAA'/,
    );
    const short = BATCHES.slice();
    short[2] = BATCHES[2].subarray(0, 3073 + 1000);
    await expect(load('short-record', tgz(entries(short)))).rejects.toThrow(
      /data_batch_3.bin has 4073 bytes, not a positive multiple of 3073 \(records of 1 label byte \+ 3072 pixel bytes\)/,
    );
    const lbl = BATCHES.slice();
    lbl[5] = BATCHES[5].slice();
    lbl[5][3073] = 10;
    await expect(load('bad-label', tgz(entries(lbl)))).rejects.toThrow(
      /test_batch.bin record 1 has label 10; expected 0..9/,
    );
    await expect(load('missing', tgz(entries().slice(0, 4)))).rejects.toThrow(/lacks data_batch_5.bin, test_batch.bin/);
    const empty = BATCHES.slice();
    empty[0] = new Uint8Array(0);
    await expect(load('empty', tgz(entries(empty)))).rejects.toThrow(/data_batch_1.bin has 0 bytes/);
  });

  it('readTar bounds: a size field past the end, a malformed octal field', () => {
    const tar = writeTar([{ name: 'a', data: new Uint8Array(10) }]);
    const t = tar.slice();
    const s = '77777777777';
    for (let i = 0; i < 11; i++) t[124 + i] = s.charCodeAt(i);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : t[i];
    const cs = sum.toString(8).padStart(6, '0') + '\0 ';
    for (let i = 0; i < 8; i++) t[148 + i] = cs.charCodeAt(i);
    expect(() => readTar(t, 'x.tar')).toThrow(
      /readTar: x.tar: the entry at byte 0 declares 8589934591 bytes but only 1536 remain/,
    );
    const u = tar.slice();
    u[124] = 0x39; // '9'
    expect(() => readTar(u, 'y.tar')).toThrow(/malformed octal field|bad header checksum/);
    expect(readTar(tar).map((e) => [e.name, e.data.length])).toEqual([['a', 10]]);
  });
});
