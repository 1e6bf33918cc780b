// The relaxed-SIMD build (issue 17): scripts/build-wasm.mjs ships it as a patch of the plain
// module's function bodies (src/backends/wasm/relaxed.ts), applied where WebAssembly validates
// relaxed SIMD. Node 20 (this test's runtime) has it only behind a flag, so the checks run in
// child processes: the Node 22 binary at scratch/node22 where it exists (relaxed SIMD on by
// default), else this Node with --experimental-wasm-relaxed-simd. Each child
// (relaxed_simd_child.ts) runs GEMMs of odd shapes and 3x3 (Winograd) and 5x5 stride-2 (im2col)
// convolutions with both gradients, on 1 thread and split over 2, and against the js oracle; one
// child loads the relaxed build ('auto'), one the plain build (setRelaxedSimd(false)).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { applyRelaxedPatch } from '../../src/backends/wasm/relaxed.js';
import { embeddedWasm } from '../../src/backends/wasm/embedded.js';
import { WASM_RELAXED_PATCH_BASE64 } from '../../src/backends/wasm/wasm-relaxed.generated.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const node22 = `${root}scratch/node22/package/bin/node`;
const major = Number(process.versions.node.split('.')[0]);
const [bin, flags] = existsSync(node22)
  ? [node22, []]
  : [process.execPath, major >= 22 ? [] : ['--experimental-wasm-relaxed-simd']];

interface ChildResult {
  relaxed: boolean;
  sameAcrossThreads: boolean;
  splits: number;
  maxErr: number;
  bits: number[][][];
}

const child = (variant: 'auto' | 'plain') =>
  new Promise<ChildResult>((resolve, reject) => {
    execFile(
      bin,
      [...flags, '--import', 'tsx', 'test/ops/relaxed_simd_child.ts', variant],
      { cwd: root, encoding: 'utf8', timeout: 90_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${bin} ${variant}: ${err.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult);
      },
    );
  });

const decode = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

describe('relaxed-SIMD build', () => {
  it('is chosen where supported, matches the js oracle, and is bit-identical across thread counts', async () => {
    const [relaxed, plain] = await Promise.all([child('auto'), child('plain')]);
    expect(relaxed.relaxed).toBe(true);
    expect(plain.relaxed).toBe(false);
    for (const r of [relaxed, plain]) {
      expect(r.sameAcrossThreads).toBe(true);
      expect(r.splits).toBeGreaterThan(10); // the 2-thread runs were split
      expect(r.maxErr).toBeLessThan(1e-4);
    }
    // The FMA rounds once: on an FMA CPU (every x86-64 since 2013, arm64) many sums differ in
    // their last bits from the plain build's, which shows the relaxed bodies are the ones running.
    let differ = 0;
    let total = 0;
    relaxed.bits.forEach((c, i) =>
      c.forEach((out, j) =>
        out.forEach((b, k) => {
          total++;
          if (b !== plain.bits[i][j][k]) differ++;
        }),
      ),
    );
    expect(total).toBeGreaterThan(10000);
    expect(differ).toBeGreaterThan(total / 10);
  }, 120_000);

  it('the patch replaces function bodies only, and a patch that does not fit is refused', () => {
    const plain = embeddedWasm()!; // inflated from the embedded deflated text
    const patch = decode(WASM_RELAXED_PATCH_BASE64);
    expect(patch.length).toBeLessThan(16 * 1024);
    const patched = applyRelaxedPatch(plain.slice(), patch);
    expect(patched.length).not.toBe(0);
    expect(Buffer.compare(Buffer.from(patched.subarray(0, 8)), Buffer.from(plain.subarray(0, 8)))).toBe(0);
    // Node 20 without the flag cannot compile it; WebAssembly.validate agrees with the probe.
    expect(WebAssembly.validate(patched)).toBe(sg.relaxedSimdSupported());
    // An index past the module's functions.
    expect(() => applyRelaxedPatch(plain.slice(), Uint8Array.from([1, 0xff, 0xff, 0x03, 1, 0x0b]))).toThrow(
      /relaxed-SIMD patch does not fit the module \(no function 65535\)/,
    );
    expect(() => applyRelaxedPatch(plain.slice(), Uint8Array.from([1, 0, 9, 0x0b]))).toThrow(/truncated body/);
  });

  it('setRelaxedSimd checks its argument and refuses a change once the module is loaded', async () => {
    expect(() => sg.setRelaxedSimd('yes' as unknown as boolean)).toThrow(/setRelaxedSimd: 'on' must be true, false or 'auto'/);
    await sg.setBackend('wasm'); // loaded (the plain build on Node 20 without the flag)
    expect(sg.getRelaxedSimd()).toBe(sg.relaxedSimdSupported());
    if (sg.relaxedSimdSupported()) {
      expect(() => sg.setRelaxedSimd(false)).toThrow(/already loaded as the relaxed-SIMD build/);
    } else {
      expect(() => sg.setRelaxedSimd(true)).toThrow(/does not support relaxed SIMD/);
      sg.setRelaxedSimd(false); // what is loaded: accepted
    }
    sg.setRelaxedSimd('auto');
  });
});
