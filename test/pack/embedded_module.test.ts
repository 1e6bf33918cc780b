// The embedded wasm module ships as raw DEFLATE in base64 (scripts/build-wasm.mjs), inflated at
// load by src/backends/wasm/embedded-inflate.ts: Node's zlib (sync), DecompressionStream (async,
// browsers) or its own JavaScript inflate (runtimes with neither). All three must give the
// module's bytes exactly; the JavaScript one is checked against zlib's compressor on every block
// kind (stored, fixed and dynamic Huffman) and refuses malformed data.
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { embeddedWasm, wasmHash, wasmHashJs } from '../../src/backends/wasm/embedded.js';
import { decodeBase64, inflateAsync, inflateRaw, inflateSync } from '../../src/backends/wasm/embedded-inflate.js';
import { WASM_BYTES, WASM_HASH } from '../../src/backends/wasm/wasm-binary.generated.js';
import { WASM_DEFLATED_BASE64 } from '../../src/backends/wasm/wasm-embedded.generated.js';

/** A deterministic pseudo-random byte array (incompressible: zlib stores it). */
function noise(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

describe('embedded wasm module (deflated)', () => {
  const deflated = decodeBase64(WASM_DEFLATED_BASE64);
  const module = embeddedWasm()!;

  it('inflates to a valid module of the recorded size, the same on every path', async () => {
    expect(module.length).toBe(WASM_BYTES);
    expect(deflated.length).toBeLessThan(WASM_BYTES / 2);
    expect(Array.from(module.subarray(0, 8))).toEqual([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    expect(WebAssembly.validate(module)).toBe(true);
    const viaZlib = inflateSync(deflated, WASM_BYTES);
    const viaStream = await inflateAsync(deflated, WASM_BYTES);
    const viaJs = inflateRaw(deflated, WASM_BYTES);
    for (const bytes of [viaZlib, viaStream, viaJs]) {
      expect(bytes.length).toBe(WASM_BYTES);
      expect(Buffer.from(bytes).equals(Buffer.from(module))).toBe(true);
    }
  });

  it('the JavaScript inflate matches zlib on stored, fixed and dynamic blocks', () => {
    const text = new TextEncoder().encode('simdgrad '.repeat(5000) + 'end');
    const cases: [string, Uint8Array][] = [
      ['module', module],
      ['noise', noise(70_000)],
      ['text', text],
      ['empty', new Uint8Array(0)],
      ['one byte', Uint8Array.of(7)],
    ];
    let checked = 0;
    for (const [name, data] of cases) {
      // level 0: stored blocks; strategy 4 (Z_FIXED): fixed Huffman; 2 (Z_HUFFMAN_ONLY): literals only
      for (const [level, strategy] of [[0, 0], [1, 0], [9, 0], [9, 2], [9, 4]]) {
        const out = inflateRaw(deflateRawSync(data, { level, strategy }), data.length);
        expect(Buffer.from(out).equals(Buffer.from(data)), `${name} level ${level} strategy ${strategy}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(25);
  });

  it('refuses truncated or malformed data and any other size, naming the problem', () => {
    expect(() => inflateRaw(deflated.subarray(0, 1000), WASM_BYTES)).toThrow(/cannot inflate the embedded module \(truncated data\)/);
    expect(() => inflateRaw(deflated, WASM_BYTES - 1)).toThrow(/output larger than expected/);
    expect(() => inflateRaw(deflated, WASM_BYTES + 1)).toThrow(/inflated to \d+ bytes, expected \d+/);
    expect(() => inflateSync(deflated, WASM_BYTES + 1)).toThrow(/inflated to \d+ bytes, expected \d+/);
    expect(() => inflateRaw(Uint8Array.of(0x07), 10)).toThrow(/invalid block type/); // BTYPE 11
    // a stored block whose length check (NLEN = ~LEN) fails
    expect(() => inflateRaw(Uint8Array.of(0x01, 0x05, 0x00, 0x00, 0x00), 5)).toThrow(/stored block length check/);
  });

  it('WASM_HASH is wasmHash of the embedded module (build script and loader agree); the wasm and JS versions agree; one changed byte changes it', () => {
    // scripts/build-wasm.mjs computes WASM_HASH with its own copy of the JS function
    expect(wasmHash(module)).toBe(WASM_HASH);
    expect(wasmHashJs(module)).toBe(WASM_HASH);
    // MurmurHash3 x86_32's steps: below one 16-byte block the function is MurmurHash3 of the four
    // zero lanes then the words, so the empty input hashes to fmix(mix^4(0, 0) ^ 0)
    let h = 0;
    for (let j = 0; j < 4; j++) {
      let k = Math.imul(0, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      h ^= Math.imul(k, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    expect(wasmHash(new Uint8Array(0))).toBe(h >>> 0);
    // wasm and JS agree on every length around the block and word edges, unaligned views and past one wasm page
    const data = noise(70_001);
    for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 12, 15, 16, 17, 19, 20, 31, 32, 33, 65_532, 65_533, 65_536, 70_001]) {
      expect(wasmHash(data.subarray(0, n)), `n ${n}`).toBe(wasmHashJs(data.subarray(0, n)));
    }
    expect(wasmHash(data.subarray(3, 70_000))).toBe(wasmHashJs(data.subarray(3, 70_000)));
    // every length of a short input hashes differently (the length is mixed in: trailing zeros count)
    const zeros = new Set(Array.from({ length: 40 }, (_, n) => wasmHash(new Uint8Array(n))));
    expect(zeros.size).toBe(40);
    // one changed byte anywhere (the first lane, every lane of the middle block, the last whole word, the tail) changes it
    for (const at of [0, (WASM_BYTES >> 1) & ~15, ((WASM_BYTES >> 1) & ~15) + 5, ((WASM_BYTES >> 1) & ~15) + 10, ((WASM_BYTES >> 1) & ~15) + 15, WASM_BYTES - 5, WASM_BYTES - 1]) {
      const edited = module.slice();
      edited[at] ^= 1;
      expect(wasmHash(edited), `byte ${at}`).not.toBe(WASM_HASH);
      expect(wasmHashJs(edited), `byte ${at}`).toBe(wasmHash(edited));
    }
    // two words swapped between lanes (same bytes, other order) change it
    const swapped = module.slice();
    swapped.copyWithin(0, 4, 8);
    swapped.set(module.subarray(0, 4), 4);
    expect(wasmHash(swapped)).not.toBe(WASM_HASH);
  });
});
