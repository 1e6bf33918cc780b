// The demo's digit file (demo/digits_format.ts): a round trip, and every malformed file refused
// with an error naming what is wrong before anything is allocated from its sizes.
import { describe, expect, it } from 'vitest';
import { encodeDigits, parseDigits } from '../../demo/digits_format.js';

const train = { x: Array.from({ length: 3 * 784 }, (_, i) => (i * 7) % 256), y: [3, 1, 4] };
const test = { x: Array.from({ length: 2 * 784 }, (_, i) => (i * 11) % 256), y: [9, 0] };

describe('demo digit file', () => {
  it('round-trips pixels (scaled to 0..1) and labels', () => {
    const bin = encodeDigits(train, test);
    expect(bin.byteLength).toBe(24 + 5 * 785);
    const d = parseDigits(bin.buffer as ArrayBuffer);
    expect([d.nTrain, d.nTest]).toEqual([3, 2]);
    expect(Array.from(d.yTrain)).toEqual([3, 1, 4]);
    expect(Array.from(d.yTest)).toEqual([9, 0]);
    expect(Array.from(d.xTrain, (v) => Math.round(v * 255))).toEqual(train.x);
    expect(Array.from(d.xTest, (v) => Math.round(v * 255))).toEqual(test.x);
  });

  it('refuses short, foreign, mis-sized and mislabelled files', () => {
    const bin = encodeDigits(train, test);
    const buf = (b: Uint8Array) => b.slice().buffer as ArrayBuffer;
    expect(() => parseDigits(new ArrayBuffer(10))).toThrow(/10 bytes is shorter than the header/);
    const magic = bin.slice();
    magic[0] = 0x58;
    expect(() => parseDigits(buf(magic))).toThrow(/bad magic "XGDIGIT1"/);
    expect(() => parseDigits(buf(bin.subarray(0, bin.byteLength - 1)))).toThrow(
      /3 \+ 2 digits need 3949 bytes but the file has 3948/,
    );
    const huge = bin.slice();
    new DataView(huge.buffer).setUint32(8, 0xffffffff, true);
    expect(() => parseDigits(buf(huge))).toThrow(/need \d+ bytes but the file has 3949/);
    const dims = bin.slice();
    new DataView(dims.buffer).setUint32(16, 32, true);
    expect(() => parseDigits(buf(dims))).toThrow(/images are 32x28, expected 28x28/);
    const label = bin.slice();
    label[24 + 3 * 784 + 1] = 12;
    expect(() => parseDigits(buf(label))).toThrow(/label 12 at 1 is not a digit/);
  });
});
