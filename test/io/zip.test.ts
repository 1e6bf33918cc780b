// The zip reader and writer: archives written by Python's zipfile and Keras read with exact bytes
// (through node:zlib and through the web DecompressionStream), our archives read back, CRC-32 and
// the bounds checks (truncation, lying sizes, zip bombs) giving clear errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ZipReader, ZipWriter, crc32 } from '../../src/io/zip.js';
import { deflate, inflate } from '../../src/io/zip_inflate.js';

const fx = (p: string) => new Uint8Array(readFileSync(new URL(`../fixtures/keras/${p}`, import.meta.url)));
const latin1 = (b: Uint8Array) => Array.from(b, (c) => String.fromCharCode(c)).join('');
const IMPLS = ['auto', 'web'] as const;

describe('zip', () => {
  it('crc32 of the check string', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  for (const impl of IMPLS) {
    it(`reads Python zipfile's stored, deflated, empty and directory entries (${impl})`, async () => {
      const expected = JSON.parse(
        readFileSync(new URL('../fixtures/keras/python_zipfile.json', import.meta.url), 'utf8'),
      );
      const z = ZipReader.open(fx('python_zipfile.zip'), 'python_zipfile.zip', { impl });
      expect(z.names()).toEqual(['dir/', 'stored.txt', 'deflated.json', 'empty.bin', 'dir/nested.bin']);
      expect(z.entry('stored.txt').method).toBe(0);
      expect(z.entry('deflated.json').method).toBe(8);
      expect(z.entry('dir/').isDirectory).toBe(true);
      for (const [name, text] of Object.entries(expected)) expect(latin1(await z.read(name))).toBe(text);
    });

    it(`reads a zip64 entry (${impl})`, async () => {
      const z = ZipReader.open(fx('python_zipfile64.zip'), 'python_zipfile64.zip', { impl });
      expect(await z.readText('forced64.bin')).toBe('zip64 entry '.repeat(10));
      expect(await z.readText('plain.txt')).toBe('plain');
    });

    it(`reads the .keras archive Keras wrote, sizes and CRCs as zipfile reports (${impl})`, async () => {
      const ref = JSON.parse(readFileSync(new URL('../fixtures/keras/tiny_mlp.json', import.meta.url), 'utf8'));
      const z = ZipReader.open(fx('tiny_mlp.keras'), 'tiny_mlp.keras', { impl });
      expect(z.names().sort()).toEqual(Object.keys(ref.zip_entries).sort());
      for (const [name, info] of Object.entries<{ size: number; crc: number; compress_type: number }>(
        ref.zip_entries,
      )) {
        const data = await z.read(name);
        expect(data.length).toBe(info.size);
        expect(crc32(data)).toBe(info.crc);
        expect(z.entry(name).method).toBe(info.compress_type);
      }
      expect(JSON.parse(await z.readText('metadata.json')).keras_version).toBe(ref.keras_version);
      expect(await z.read('model.weights.h5')).toEqual(fx('tiny_mlp.model.weights.h5'));
    });

    it(`writes archives it reads back: deflated, stored, empty, unicode names (${impl})`, async () => {
      const big = new Uint8Array(5000).map((_, i) => i % 7);
      const w = new ZipWriter(impl);
      w.add('a.json', '{"x": [1, 2, 3]}')
        .add('big.bin', big)
        .add('raw.bin', big, { compress: false })
        .add('empty', new Uint8Array(0))
        .add('ünï/ç.txt', 'ok');
      const bytes = await w.toBytes();
      const z = ZipReader.open(bytes, 'ours.zip', { impl });
      expect(z.names()).toEqual(['a.json', 'big.bin', 'raw.bin', 'empty', 'ünï/ç.txt']);
      expect(z.entry('big.bin').method).toBe(8);
      expect(z.entry('big.bin').compressedSize).toBeLessThan(200);
      expect(z.entry('raw.bin').method).toBe(0);
      expect(await z.read('big.bin')).toEqual(big);
      expect(await z.read('raw.bin')).toEqual(big);
      expect((await z.read('empty')).length).toBe(0);
      expect(await z.readText('ünï/ç.txt')).toBe('ok');
    });
  }

  it('rejects a bad CRC, naming the archive and the entry', async () => {
    const b = fx('python_zipfile.zip').slice();
    const z0 = ZipReader.open(b, 'x');
    const e = z0.entry('stored.txt');
    b[e.headerOffset + 30 + 'stored.txt'.length] ^= 1; // first data byte
    await expect(ZipReader.open(b, 'crc.zip').read('stored.txt')).rejects.toThrow(
      /crc\.zip: entry 'stored\.txt': CRC-32 mismatch/,
    );
  });

  it('a zip bomb stops at the size its header promises (both platforms)', async () => {
    // 10 MB of zeros deflate to about 10 KB; the header claims 1000 bytes.
    const zeros = new Uint8Array(10_000_000);
    const w = new ZipWriter();
    w.add('bomb', zeros);
    const b = await w.toBytes();
    const z0 = ZipReader.open(b, 'bomb.zip');
    const e = z0.entry('bomb');
    const cen = b.length - 22 - (46 + 4);
    new DataView(b.buffer).setUint32(cen + 24, 1000, true);
    new DataView(b.buffer).setUint32(e.headerOffset + 22, 1000, true);
    for (const impl of IMPLS) {
      const t0 = performance.now();
      await expect(ZipReader.open(b, 'bomb.zip', { impl }).read('bomb')).rejects.toThrow(
        /bomb\.zip: entry 'bomb': inflates to more than the 1000 bytes/,
      );
      expect(performance.now() - t0).toBeLessThan(2000);
    }
    // A size claiming more than deflate can produce from the compressed bytes is refused before inflating.
    new DataView(b.buffer).setUint32(cen + 24, 0xfffffff0, true);
    expect(() => ZipReader.open(b, 'bomb.zip')).toThrow(/more than deflate can expand/);
  });

  it('unsupported methods and encryption are named', async () => {
    const b = fx('python_zipfile.zip').slice();
    const z = ZipReader.open(b, 'x');
    const dv = new DataView(b.buffer);
    const eocd = b.length - 22;
    const cd = dv.getUint32(eocd + 16, true);
    const m = b.slice();
    new DataView(m.buffer).setUint16(cd + 10, 14, true); // LZMA
    expect(() => ZipReader.open(m, 'lzma.zip')).toThrow(
      /lzma\.zip: entry 'dir\/': compression method 14 is not supported/,
    );
    const enc = b.slice();
    new DataView(enc.buffer).setUint16(cd + 8, 1, true);
    expect(() => ZipReader.open(enc, 'enc.zip')).toThrow(/encrypted/);
    expect(z.has('nope')).toBe(false);
    await expect(z.read('nope')).rejects.toThrow(/no entry 'nope'/);
  });

  it('truncations at every offset of a .keras archive and byte flips give clear errors, quickly', async () => {
    const good = fx('tiny_mlp.keras');
    let failures = 0;
    const t0 = performance.now();
    const check = async (bytes: Uint8Array, label: string) => {
      try {
        const z = ZipReader.open(bytes, label);
        for (const n of z.names()) await z.read(n);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toContain(label);
        failures++;
        return;
      }
    };
    const cuts = [
      0,
      1,
      4,
      21,
      22,
      30,
      100,
      1000,
      good.length >> 1,
      good.length - 100,
      good.length - 60,
      good.length - 23,
      good.length - 1,
    ];
    for (const n of cuts) await check(good.subarray(0, n), `cut${n}.keras`);
    expect(failures).toBe(cuts.length);
    // Flips at every byte of the central directory and end record: errors or (for fields nothing reads,
    // like timestamps) the same contents, never a crash or a hang.
    const cd = new DataView(good.buffer, good.byteOffset).getUint32(good.length - 6, true);
    let flipped = 0;
    for (let o = cd; o < good.length; o += 3) {
      const m = good.slice();
      m[o] ^= 0xa5;
      try {
        const z = ZipReader.open(m, `flip${o}.keras`);
        for (const n of z.names()) await z.read(n);
      } catch (e) {
        expect((e as Error).message).toContain(`flip${o}.keras`);
        flipped++;
      }
    }
    expect(flipped).toBeGreaterThan(20);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('seeded random byte mutations of a .keras archive: a file-named Error or identical entries, never anything else', async () => {
    const good = fx('tiny_mlp.keras');
    const ref = ZipReader.open(good, 'ref');
    const want = new Map<string, Uint8Array>();
    for (const n of ref.names()) want.set(n, await ref.read(n));
    let seed = 99;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let failed = 0;
    const t0 = performance.now();
    for (let t = 0; t < 200; t++) {
      const m = good.slice();
      for (let j = 0, k = 1 + Math.floor(rnd() * 3); j < k; j++)
        m[Math.floor(rnd() * m.length)] ^= 1 << Math.floor(rnd() * 8);
      const got = new Map<string, Uint8Array>();
      let err: unknown = null;
      try {
        const z = ZipReader.open(m, `m${t}.keras`);
        for (const n of z.names()) got.set(n, await z.read(n));
      } catch (e) {
        err = e;
      }
      if (err) {
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message.startsWith(`m${t}.keras: `), (err as Error).message).toBe(true);
        failed++;
      } else expect(got).toEqual(want); // what reads without error is exactly the original (CRC-32, names checked)
    }
    expect(failed).toBeGreaterThan(150);
    expect(performance.now() - t0).toBeLessThan(20_000);
  }, 30_000);

  it('deflate round trip through both platforms agrees', async () => {
    const data = new TextEncoder().encode('abc'.repeat(1000));
    const a = await deflate(data, 'raw', 't');
    const b = await deflate(data, 'raw', 't', 'web');
    expect(a.length).toBeLessThan(100);
    expect(b.length).toBeLessThan(100);
    expect(await inflate(a, 'raw', data.length, 't', 'web')).toEqual(data);
    expect(await inflate(b, 'raw', data.length, 't')).toEqual(data);
    const z = await deflate(data, 'zlib', 't', 'web');
    expect(await inflate(z, 'zlib', data.length, 't')).toEqual(data);
    await expect(inflate(z.subarray(0, z.length - 5), 'zlib', data.length, 'cut')).rejects.toThrow(
      /cut: corrupt deflate data/,
    );
    await expect(inflate(z.subarray(0, z.length - 5), 'zlib', data.length, 'cut', 'web')).rejects.toThrow(
      /cut: corrupt deflate data/,
    );
  });
});
