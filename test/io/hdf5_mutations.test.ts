// Malformed HDF5 files: real files (h5py's, Keras', ours) truncated at many points, with bytes
// flipped at structural offsets, with sizes and counts claiming more than the file holds, and with
// link and B-tree cycles. Each must fail with an Error that names the file and the structure, fast
// and without a large allocation; hard-link cycles must read and walk without hanging.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { H5File } from '../../src/io/hdf5/index.js';
import { H5Bytes, lookup3 } from '../../src/io/hdf5/bytes.js';
import { MSG, readObjectHeader } from '../../src/io/hdf5/object.js';
import { sampleWriter } from './hdf5_sample.js';

const fx = (p: string) => new Uint8Array(readFileSync(new URL(`../fixtures/${p}`, import.meta.url)));
const EARLIEST = fx('hdf5/earliest.h5');
const LATEST = fx('hdf5/latest.h5');
const KERAS = fx('keras/tiny_mlp.model.weights.h5');
const LEGACY = fx('keras/tiny_mlp_legacy.h5');
const OURS = sampleWriter().toBytes();

/** Reads `bytes`, expecting an Error naming `label` and matching `re`, within 3 s and a bounded allocation. */
async function expectFailure(bytes: Uint8Array, label: string, re: RegExp): Promise<string> {
  const t0 = performance.now();
  const m0 = process.memoryUsage().arrayBuffers;
  let err: unknown = null;
  try {
    const f = await H5File.read(bytes, { name: label });
    f.visit(() => undefined);
  } catch (e) {
    err = e;
  }
  const ms = performance.now() - t0;
  const grown = process.memoryUsage().arrayBuffers - m0;
  expect(err, `${label}: no error`).toBeInstanceOf(Error);
  const msg = (err as Error).message;
  expect(msg.startsWith(`${label}: `), msg).toBe(true);
  expect(msg, msg).toMatch(re);
  expect(ms, `${label} took ${ms} ms`).toBeLessThan(3000);
  expect(grown, `${label} allocated ${grown} bytes`).toBeLessThan(64 << 20);
  return msg;
}

function u64le(b: Uint8Array, pos: number, v: number | bigint) {
  new DataView(b.buffer, b.byteOffset).setBigUint64(pos, BigInt(v), true);
}
function u32le(b: Uint8Array, pos: number, v: number) {
  new DataView(b.buffer, b.byteOffset).setUint32(pos, v >>> 0, true);
}
function u16le(b: Uint8Array, pos: number, v: number) {
  new DataView(b.buffer, b.byteOffset).setUint16(pos, v, true);
}
function find(b: Uint8Array, s: string, from = 0): number {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf(Buffer.from(s), from);
}
function findAll(b: Uint8Array, s: string): number[] {
  const out: number[] = [];
  for (let i = find(b, s); i >= 0; i = find(b, s, i + 1)) out.push(i);
  return out;
}

/** The header message of `type` of the object at `path`, located in the original bytes. */
async function message(bytes: Uint8Array, path: string, type: number) {
  const f = await H5File.read(bytes);
  const parts = path.split('/');
  const name = parts.pop()!;
  const link = f.group(parts.join('/') || '/').link(name);
  if (!link || link.kind !== 'hard') throw new Error(`no hard link ${path}`);
  const b = new H5Bytes(bytes, 'x');
  const msgs = readObjectHeader(b, link.addr, 'x');
  const m = msgs.find((x) => x.type === type);
  if (!m) throw new Error(`no message ${type} in ${path}`);
  return { ...m, addr: link.addr };
}

describe('HDF5 reader on malformed files', () => {
  it('seeded random byte mutations: a file-named Error or a clean read, never another exception or a hang', async () => {
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let failed = 0;
    let read = 0;
    for (const [name, good] of [
      ['earliest.h5', EARLIEST],
      ['latest.h5', LATEST],
      ['legacy.h5', LEGACY],
      ['ours.h5', OURS],
    ] as const) {
      for (let t = 0; t < 50; t++) {
        const m = good.slice();
        for (let j = 0, k = 1 + Math.floor(rnd() * 4); j < k; j++) {
          const pos = Math.floor(rnd() * m.length);
          const mode = rnd();
          m[pos] = mode < 0.5 ? m[pos] ^ (1 << Math.floor(rnd() * 8)) : mode < 0.8 ? 0xff : 0;
        }
        const t0 = performance.now();
        try {
          const f = await H5File.read(m, { name: `${name}#${t}` });
          f.visit(() => undefined);
          read++;
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message.startsWith(`${name}#${t}: `), (e as Error).stack).toBe(true);
          failed++;
        }
        expect(performance.now() - t0).toBeLessThan(3000);
      }
    }
    expect(failed + read).toBe(200);
    expect(failed).toBeGreaterThan(50);
  }, 60_000);

  it('truncated at many points: every file, clear errors', async () => {
    let n = 0;
    for (const [name, good] of [
      ['earliest.h5', EARLIEST],
      ['latest.h5', LATEST],
      ['weights.h5', KERAS],
      ['legacy.h5', LEGACY],
      ['ours.h5', OURS],
    ] as const) {
      const L = good.length;
      for (const cut of [0, 7, 8, 9, 40, 47, 100, 500, 1000, L >> 2, L >> 1, (3 * L) >> 2, L - 9, L - 1]) {
        await expectFailure(good.slice(0, cut), `${name}@${cut}`, /not an HDF5 file|truncated|outside|structure ends/);
        n++;
      }
    }
    expect(n).toBe(70);
  });

  it('truncated with the end-of-file address patched to match: the deeper structures catch it', async () => {
    let n = 0;
    for (const [name, good, eofAt] of [
      ['earliest.h5', EARLIEST, 40],
      ['weights.h5', KERAS, 40],
      ['latest.h5', LATEST, 28],
      ['ours.h5', OURS, 28],
    ] as const) {
      for (const frac of [0.2, 0.4, 0.6, 0.8, 0.95]) {
        const cut = Math.floor(good.length * frac);
        const m = good.slice(0, cut);
        u64le(m, eofAt, cut);
        if (eofAt === 28) {
          // superblock v2/v3: recompute its checksum so that only the truncation is wrong
          u32le(m, 44, lookup3(m.subarray(0, 44)));
        }
        await expectFailure(m, `${name}~${cut}`, /outside the \d+-byte file|file ends|truncated/);
        n++;
      }
    }
    expect(n).toBe(20);
  });

  it('a flipped byte in any structure signature or v2-structure body is caught', async () => {
    const sigs = [
      'TREE',
      'SNOD',
      'HEAP',
      'GCOL',
      'OHDR',
      'OCHK',
      'FRHP',
      'FHDB',
      'FHIB',
      'BTHD',
      'BTLF',
      'BTIN',
      'FAHD',
      'FADB',
      'EAHD',
      'EAIB',
      'EADB',
      'EASB',
    ];
    let n = 0;
    for (const [name, good] of [
      ['earliest.h5', EARLIEST],
      ['latest.h5', LATEST],
    ] as const) {
      for (const s of sigs) {
        for (const at of findAll(good, s).slice(0, 3)) {
          const m = good.slice();
          m[at + 1] ^= 0x20;
          await expectFailure(m, `${name}:${s}@${at}`, new RegExp(`expected signature '${s}'|checksum mismatch`));
          n++;
          if (['OHDR', 'BTHD', 'FRHP', 'FAHD', 'EAHD', 'BTLF', 'FHIB', 'EAIB'].includes(s)) {
            const k = good.slice();
            k[at + 6] ^= 0x01; // inside the checksummed body
            await expectFailure(
              k,
              `${name}:${s}+6@${at}`,
              /checksum mismatch|version|not plausible|record type|does not match|does not point back|outside/,
            );
            n++;
          }
        }
      }
    }
    expect(n).toBeGreaterThan(60);
  });

  it('superblock: unknown version, bad sizes, root beyond the file, corrupt checksum', async () => {
    let m = EARLIEST.slice();
    m[8] = 7;
    await expectFailure(m, 'sbv.h5', /superblock: version 7 is not known/);
    m = EARLIEST.slice();
    m[13] = 3;
    await expectFailure(m, 'sbsize.h5', /sizes of offsets 3/);
    m = EARLIEST.slice();
    u64le(m, 64, 2 ** 40); // root group object header address
    await expectFailure(m, 'sbroot.h5', /object header at 1099511627776: 16 bytes at offset .* lie outside/);
    m = LATEST.slice();
    m[20] ^= 1;
    await expectFailure(m, 'sbsum.h5', /superblock: checksum mismatch/);
    await expectFailure(new Uint8Array(100), 'zeros.h5', /not an HDF5 file/);
  });

  it('sizes and counts that claim more than the file holds', async () => {
    // a dataset shape of 2^40 elements: refused before allocating
    let ds = await message(EARLIEST, 'types/f64', MSG.DATASPACE);
    let m = EARLIEST.slice();
    u64le(m, ds.pos + 8, 2 ** 40);
    await expectFailure(
      m,
      'shape.h5',
      /'\/types\/f64': (needs \d+ bytes, more than this file could justify|data layout: contiguous storage of 48 bytes, 26388279066624 expected)/,
    );
    // the same through a chunked dataset (v4 layout, fixed array index)
    ds = await message(LATEST, 'chunked/gzip_shuffle', MSG.DATASPACE);
    m = LATEST.slice();
    u64le(m, ds.pos + 4, 2 ** 36);
    fixOhdr(m, ds.addr);
    await expectFailure(m, 'shape4.h5', /gzip_shuffle'.*(could justify|could index)/);
    // contiguous storage address and size beyond the file
    const lay = await message(EARLIEST, 'types/f64', MSG.LAYOUT);
    m = EARLIEST.slice();
    u64le(m, lay.pos + 2, EARLIEST.length - 8);
    await expectFailure(m, 'contig.h5', /'\/types\/f64': contiguous data: 48 bytes at offset \d+ lie outside/);
    m = EARLIEST.slice();
    u64le(m, lay.pos + 10, 7);
    await expectFailure(m, 'contigsize.h5', /contiguous storage of 7 bytes, 48 expected/);
    // an attribute whose dataspace claims more elements than its message holds
    const at = await message(EARLIEST, 'layers/dense', MSG.ATTRIBUTE);
    const nameSize = new DataView(EARLIEST.buffer).getUint16(at.pos + 2, true);
    const dtSize = new DataView(EARLIEST.buffer).getUint16(at.pos + 4, true);
    const pad = (x: number) => Math.ceil(x / 8) * 8;
    const dsPos = at.pos + 8 + pad(nameSize) + pad(dtSize);
    m = EARLIEST.slice();
    m[dsPos + 1] = 1; // rank 1 (was a scalar)
    u64le(m, dsPos + 8, 10 ** 6);
    await expectFailure(m, 'attr.h5', /attribute '.*': (1000000 elements .* do not fit|dataspace)/);
    // the local heap's data segment size
    const heap = find(EARLIEST, 'HEAP');
    m = EARLIEST.slice();
    u64le(m, heap + 8, 2 ** 33);
    await expectFailure(
      m,
      'lheap.h5',
      /local heap at \d+: data segment size 8589934592 exceeds|data segment: .* lie outside/,
    );
    // a v1 B-tree node claiming 65535 entries
    const tree = find(EARLIEST, 'TREE');
    m = EARLIEST.slice();
    u16le(m, tree + 6, 65535);
    await expectFailure(m, 'btree.h5', /v1 B-tree node at \d+: .* lie outside|v1 B-tree node/);
    // a symbol table node claiming 65535 symbols
    const snod = find(EARLIEST, 'SNOD');
    m = EARLIEST.slice();
    u16le(m, snod + 6, 65535);
    await expectFailure(m, 'snod.h5', /symbol table node at \d+: claims 65535 symbols, more than the 8 a node holds/);
    // a global heap collection larger than the file
    const gcol = find(EARLIEST, 'GCOL');
    m = EARLIEST.slice();
    u64le(m, gcol + 8, 2 ** 31);
    await expectFailure(m, 'gcol.h5', /global heap collection at \d+: collection size 2147483648 exceeds/);
    // a variable-length string longer than its heap object (the root's only attribute, 'root_attr')
    expect((await H5File.read(EARLIEST)).attr('root_attr')).toBe('root');
    const rootMsgs = readObjectHeader(new H5Bytes(EARLIEST, 'x'), rootAddr(EARLIEST), 'x');
    const rootAttr = rootMsgs.find((x) => x.type === MSG.ATTRIBUTE)!;
    m = EARLIEST.slice();
    u32le(m, rootAttr.pos + rootAttr.size - 16, 10 ** 6);
    await expectFailure(m, 'vlen.h5', /variable-length string of 1000000 bytes in a \d+-byte heap object/);
    // a chunk B-tree key whose chunk size runs past the file
    const ctree = findAll(EARLIEST, 'TREE').find((p) => EARLIEST[p + 4] === 1)!;
    m = EARLIEST.slice();
    u32le(m, ctree + 24, 0x7fffffff);
    await expectFailure(m, 'chunksize.h5', /chunk at \[[\d,]+\]: 2147483647 bytes at offset \d+ lie outside/);
    // a v2 B-tree header counting more records than the file could hold
    const bthd = find(LATEST, 'BTHD');
    m = LATEST.slice();
    u64le(m, bthd + 26, 2 ** 40);
    await expectFailure(m, 'bt2sum.h5', /v2 B-tree header at \d+: checksum mismatch/);
    u32le(m, bthd + 34, lookup3(m.subarray(bthd, bthd + 34)));
    await expectFailure(m, 'bt2.h5', /v2 B-tree header at \d+: 1099511627776 records cannot fit/);
    // a fixed array claiming 2^40 entries (checksum recomputed so the count itself is judged)
    const fahd = find(LATEST, 'FAHD');
    m = LATEST.slice();
    u64le(m, fahd + 8, 2 ** 40);
    u32le(m, fahd + 24, lookup3(m.subarray(fahd, fahd + 24)));
    await expectFailure(m, 'farray.h5', /fixed array header at \d+: entry count 1099511627776 exceeds/);
    // a fractal heap whose doubling table is not a power of two (checksum recomputed)
    const frhp = find(LATEST, 'FRHP');
    const frLen = 4 + 1 + 2 + 2 + 1 + 4 + 8 + 8 + 8 + 8 + 8 * 8 + 2 + 8 + 8 + 2 + 2 + 8 + 2;
    m = LATEST.slice();
    u64le(m, frhp + 4 + 1 + 2 + 2 + 1 + 4 + 8 + 8 + 8 + 8 + 64 + 2, 1000);
    u32le(m, frhp + frLen, lookup3(m.subarray(frhp, frhp + frLen)));
    await expectFailure(m, 'frhp.h5', /fractal heap at \d+: doubling table .* is not plausible/);
  });

  it('unsupported or corrupt content: filters, checksums, datatypes, layouts', async () => {
    // an unknown filter (lzf) in the pipeline
    let f = await message(EARLIEST, 'chunked/gzip9', MSG.FILTERS);
    let m = EARLIEST.slice();
    u16le(m, f.pos + 8, 32000);
    await expectFailure(m, 'lzf.h5', /'\/chunked\/gzip9': chunk at \[0\]: filter 32000 \(lzf\) is not supported/);
    // a Fletcher-32 mismatch in chunk data
    const lay = await message(EARLIEST, 'chunked/fletcher', MSG.LAYOUT);
    const btree = Number(new DataView(EARLIEST.buffer).getBigUint64(lay.pos + 3, true));
    const child = Number(new DataView(EARLIEST.buffer).getBigUint64(btree + 24 + 8 + 16, true));
    m = EARLIEST.slice();
    m[child + 5] ^= 0xff;
    await expectFailure(m, 'fletcher.h5', /'\/chunked\/fletcher': chunk at \[\d+\]: Fletcher-32 checksum mismatch/);
    // corrupt deflate data
    const lay9 = await message(EARLIEST, 'chunked/gzip9', MSG.LAYOUT);
    const bt9 = Number(new DataView(EARLIEST.buffer).getBigUint64(lay9.pos + 3, true));
    const c9 = Number(new DataView(EARLIEST.buffer).getBigUint64(bt9 + 24 + 8 + 16, true));
    m = EARLIEST.slice();
    for (let i = 10; i < 30; i++) m[c9 + i] ^= 0x55;
    await expectFailure(
      m,
      'deflate.h5',
      /'\/chunked\/gzip9': chunk at \[\d+\] \(deflate filter\): (corrupt deflate data|inflates to more)/,
    );
    // a compound datatype
    const dt = await message(EARLIEST, 'types/f64', MSG.DATATYPE);
    m = EARLIEST.slice();
    m[dt.pos] = (m[dt.pos] & 0xf0) | 6;
    await expectFailure(m, 'compound.h5', /'\/types\/f64': datatype class 6 \(compound\) is not supported/);
    // an element size of zero
    m = EARLIEST.slice();
    u32le(m, dt.pos + 4, 0);
    await expectFailure(m, 'dtsize.h5', /element size 0 is not plausible/);
    // a chunk dimension of zero (v3 layout) and an unknown chunk index type (v4 layout)
    m = EARLIEST.slice();
    u32le(m, lay9.pos + 11, 0);
    await expectFailure(m, 'chunk0.h5', /chunk dimensions \[0\] include 0/);
    f = await message(LATEST, 'chunked/gzip9', MSG.LAYOUT);
    m = LATEST.slice();
    const nd = LATEST[f.pos + 3];
    const enc = LATEST[f.pos + 4];
    m[f.pos + 5 + nd * enc] = 9;
    await expectFailure(m, 'index9.h5', /chunk index type 9 is not known|checksum mismatch/);
    // a layout version from the future
    m = EARLIEST.slice();
    m[lay9.pos] = 9;
    await expectFailure(m, 'layout9.h5', /data layout: version 9 is not known/);
  });

  it('cycles: B-tree nodes and continuation blocks that loop fail; soft-link loops fail; hard-link cycles read', async () => {
    // a v1 group B-tree whose node lists itself as its child
    const tree = find(EARLIEST, 'TREE');
    let m = EARLIEST.slice();
    m[tree + 5] = 1; // level 1: children are B-tree nodes
    u64le(m, tree + 24 + 8, tree); // first child: itself
    await expectFailure(m, 'btcycle.h5', /v1 B-tree node at \d+: node visited twice \(a cycle\)|level/);
    // a v1 object header whose continuation message points back at the header itself
    const cont = readObjectHeader(new H5Bytes(EARLIEST, 'x'), rootAddr(EARLIEST), 'x').find(
      (x) => x.type === MSG.CONTINUATION,
    );
    expect(cont).toBeDefined();
    m = EARLIEST.slice();
    u64le(m, cont!.pos, rootAddr(EARLIEST));
    await expectFailure(m, 'ohcycle.h5', /continuation block at \d+ is visited twice \(a cycle\)/);
    // soft-link loop (in the fixture)
    const f = await H5File.read(EARLIEST, { name: 'e.h5' });
    expect(() => f.get('soft_loop_b')).toThrow(/e\.h5: soft link .* \(a soft-link cycle\)/);
    // a hard link to the root from deep inside: reads, lookups follow it, walks end
    const t0 = performance.now();
    expect(f.group('cycle/inner/up/inner/up/inner').keys()).toEqual(['up']);
    let visited = 0;
    f.visit(() => visited++);
    expect(visited).toBeLessThan(200);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

/** Recomputes the checksum of the version-2 object header at `addr` (first chunk) after an edit. */
function fixOhdr(m: Uint8Array, addr: number): void {
  const flags = m[addr + 5];
  let p = addr + 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
  const w = 1 << (flags & 3);
  let size = 0;
  for (let i = w - 1; i >= 0; i--) size = size * 256 + m[p + i];
  p += w;
  u32le(m, p + size, lookup3(m.subarray(addr, p + size)));
}

function rootAddr(bytes: Uint8Array): number {
  // superblock v0: the root symbol table entry's object header address
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(64, true));
}
