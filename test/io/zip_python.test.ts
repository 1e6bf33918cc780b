// Zip interchange with the real peer, Python's zipfile: archives we write pass zipfile.testzip and
// read back equal; an archive zipfile writes in the test (stored, deflated, zip64) reads equal in ours.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZipReader, ZipWriter } from '../../src/io/zip.js';
import { runPython } from './hdf5_python.js';

describe('zip <-> Python zipfile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-zip-'));

  it('Python reads the archives we write', async () => {
    const w = new ZipWriter();
    const bin = new Uint8Array(3000).map((_, i) => (i * 31) & 0xff);
    w.add('config.json', JSON.stringify({ a: 1, b: 'two' }))
      .add('model.weights.h5', bin, { compress: false })
      .add('deflated.bin', new Uint8Array(4000).fill(9))
      .add('assets/', new Uint8Array(0))
      .add('naïve.txt', 'ü');
    const p = join(dir, 'ours.zip');
    writeFileSync(p, await w.toBytes());
    const out = runPython(
      `import sys, zipfile, json, hashlib
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps({i.filename: [i.compress_type, i.file_size, hashlib.sha256(z.read(i.filename)).hexdigest()] for i in z.infolist()}))`,
      [p],
    );
    const info = JSON.parse(out);
    const { createHash } = await import('node:crypto');
    const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
    expect(info['config.json']).toEqual([0, 17, sha('{"a":1,"b":"two"}')]);
    expect(info['model.weights.h5']).toEqual([0, 3000, sha(bin)]);
    expect(info['deflated.bin']).toEqual([8, 4000, sha(new Uint8Array(4000).fill(9))]);
    expect(info['assets/']).toEqual([0, 0, sha('')]);
    expect(info['naïve.txt']).toEqual([0, 2, sha('ü')]);
  }, 60_000);

  it('we read the archives Python writes (stored, deflated, zip64)', async () => {
    const p = join(dir, 'py.zip');
    runPython(
      `import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('s.txt', b'stored' * 50, compress_type=zipfile.ZIP_STORED)
    z.writestr('d.txt', b'deflated' * 500, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    with z.open('z64.bin', 'w', force_zip64=True) as f: f.write(bytes(range(256)) * 8)`,
      [p],
    );
    const z = ZipReader.open(new Uint8Array(readFileSync(p)), 'py.zip');
    expect(await z.readText('s.txt')).toBe('stored'.repeat(50));
    expect(await z.readText('d.txt')).toBe('deflated'.repeat(500));
    const b = await z.read('z64.bin');
    expect(b.length).toBe(2048);
    expect(Array.from(b.subarray(250, 260))).toEqual([250, 251, 252, 253, 254, 255, 0, 1, 2, 3]);
  }, 60_000);
});
