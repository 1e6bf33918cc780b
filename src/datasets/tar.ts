// A small reader and writer of POSIX tar archives (ustar, as GNU tar and Python's tarfile write
// them): enough to read dataset archives such as cifar-10-binary.tar.gz. Every header field and
// size is checked against the bytes that are really there before anything is sliced; file data
// is returned as views of the archive, never copied.

/** One regular file of an archive. */
export interface TarEntry {
  /** The path inside the archive (ustar prefix joined; a GNU long name where present). */
  name: string;
  /** A view of the file's bytes inside the archive buffer. */
  data: Uint8Array;
}

const BLOCK = 512;

function field(h: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && h[end] !== 0) end++;
  let s = '';
  for (let i = off; i < end; i++) s += String.fromCharCode(h[i]);
  return s;
}

function octal(what: string, h: Uint8Array, off: number, len: number, at: number): number {
  // GNU base-256 for sizes >= 8 GiB: high bit of the first byte.
  if (h[off] & 0x80) {
    throw new Error(
      `readTar: ${what}: the entry at byte ${at} uses a base-256 number (a file of 8 GiB or more), not supported`,
    );
  }
  const s = field(h, off, len).trim();
  if (!/^[0-7]*$/.test(s))
    throw new Error(`readTar: ${what}: the header at byte ${at} has a malformed octal field '${s}'`);
  return s === '' ? 0 : parseInt(s, 8);
}

/**
 * The regular files of an uncompressed tar archive, in archive order. Throws, naming `label`, on
 * a bad header checksum, a size that runs past the end of the data, or a truncated archive.
 * @example
 * const files = sg.datasets.readTar(await sg.datasets.maybeGunzip(bytes));
 */
export function readTar(bytes: Uint8Array, label = 'archive'): TarEntry[] {
  const out: TarEntry[] = [];
  let pos = 0;
  let longName: string | null = null;
  while (pos + BLOCK <= bytes.length) {
    const h = bytes.subarray(pos, pos + BLOCK);
    if (h.every((b) => b === 0)) return out; // end-of-archive marker
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    const stored = octal(label, h, 148, 8, pos);
    if (stored !== sum) {
      throw new Error(
        `readTar: ${label}: bad header checksum at byte ${pos} (stored ${stored}, computed ${sum}); not a tar archive or corrupt`,
      );
    }
    const size = octal(label, h, 124, 12, pos);
    const type = String.fromCharCode(h[156] || 0x30);
    const dataStart = pos + BLOCK;
    if (size > bytes.length - dataStart) {
      throw new Error(
        `readTar: ${label}: the entry at byte ${pos} declares ${size} bytes but only ${bytes.length - dataStart} remain (truncated archive)`,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    const magic = field(h, 257, 6);
    const prefix = magic === 'ustar' ? field(h, 345, 155) : '';
    const base = field(h, 0, 100);
    const name = longName ?? (prefix ? `${prefix}/${base}` : base);
    if (type === 'L') {
      longName = field(data, 0, data.length);
    } else {
      longName = null;
      if (type === '0' || type === '\0' || type === '7') out.push({ name, data });
    }
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (pos < bytes.length || out.length === 0) {
    throw new Error(
      `readTar: ${label}: truncated archive (${bytes.length} bytes; the last header is incomplete or missing)`,
    );
  }
  // No end-of-archive blocks: accepted (some writers omit them) when the last entry ended exactly.
  return out;
}

/**
 * A ustar archive of regular files (for tests and for writing small datasets).
 * @example const tar = sg.datasets.writeTar([{ name: 'a.bin', data: new Uint8Array([1, 2]) }]);
 */
export function writeTar(files: { name: string; data: Uint8Array }[]): Uint8Array {
  const size = files.reduce((n, f) => n + BLOCK + Math.ceil(f.data.length / BLOCK) * BLOCK, 2 * BLOCK);
  const out = new Uint8Array(size);
  let pos = 0;
  const put = (h: Uint8Array, off: number, s: string) => {
    for (let i = 0; i < s.length; i++) h[off + i] = s.charCodeAt(i);
  };
  for (const f of files) {
    if (f.name.length > 100) throw new Error(`writeTar: name '${f.name}' is longer than 100 characters`);
    const h = out.subarray(pos, pos + BLOCK);
    put(h, 0, f.name);
    put(h, 100, '0000644\0');
    put(h, 108, '0000000\0');
    put(h, 116, '0000000\0');
    put(h, 124, f.data.length.toString(8).padStart(11, '0') + '\0');
    put(h, 136, '00000000000\0');
    put(h, 148, '        ');
    h[156] = 0x30;
    put(h, 257, 'ustar\0');
    put(h, 263, '00');
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += h[i];
    put(h, 148, sum.toString(8).padStart(6, '0') + '\0 ');
    out.set(f.data, pos + BLOCK);
    pos += BLOCK + Math.ceil(f.data.length / BLOCK) * BLOCK;
  }
  return out;
}
