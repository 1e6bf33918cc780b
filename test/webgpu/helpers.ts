// Shared by the WebGPU suites: start the backend (Dawn in Node, with Chromium's SwiftShader where no
// Vulkan driver is installed), and run a function on webgpu and on the js oracle to compare.
// Without an adapter the suites fail under CI=true (one failing test saying why) and are skipped
// elsewhere, with the reason printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import * as sg from '../../src/index.js';
import { expectClose } from '../helpers.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Why WebGPU cannot start here, or null when it can (the backend is then initialised). */
async function probe(): Promise<string | null> {
  // Dawn reads VK_ICD_FILENAMES when it creates its instance, so setting it here is enough; the
  // Vulkan loader itself (libvulkan.so.1) must be findable when the process starts (LD_LIBRARY_PATH).
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const prev = sg.getBackend();
  try {
    await sg.setBackend('webgpu');
    await sg.setBackend(prev);
    return null;
  } catch (e) {
    await sg.setBackend(prev);
    return (e as Error).message;
  }
}

/** null when WebGPU works here; else why not. */
export const GPU_UNAVAILABLE: string | null = await probe();

/**
 * `describe` for a WebGPU suite: runs it when an adapter exists; without one, a single failing test
 * says why (never a skip: `npm test` needs libvulkan1 and chromium's SwiftShader, see README, WebGPU).
 */
export function describeGpu(name: string, fn: () => void): void {
  if (GPU_UNAVAILABLE === null) {
    describe(name, fn);
  } else {
    describe(name, () => {
      it('has a WebGPU adapter (Dawn + a Vulkan driver, e.g. SwiftShader: see README, WebGPU)', () => {
        throw new Error(`WebGPU is unavailable: ${GPU_UNAVAILABLE}`);
      });
    });
  }
}

type Out = sg.Tensor | sg.Tensor[];

/**
 * Runs `fn` on the js backend (the oracle) and on webgpu, and compares every output: shape,
 * dtype and values within rtol (default 1e-4 relative, the bound) plus a small atol.
 * Inputs must be made inside `fn` (from host values), so each backend gets its own.
 * The webgpu values are read with await data(): a real GPU readback.
 */
export async function vsJs(fn: () => Out, rtol = 1e-4, atol = 1e-5): Promise<void> {
  await sg.setBackend('js');
  const ref = sg.tidy(fn);
  const refs = Array.isArray(ref) ? ref : [ref];
  const expected = refs.map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) }));
  sg.dispose(refs);
  await sg.setBackend('webgpu');
  const got = sg.tidy(fn);
  const gots = Array.isArray(got) ? got : [got];
  try {
    expect(gots.length).toBe(expected.length);
    for (let k = 0; k < gots.length; k++) {
      expect(gots[k].shape).toEqual(expected[k].shape);
      expect(gots[k].dtype).toBe(expected[k].dtype);
      const v = Array.from(await gots[k].data());
      if (expected[k].dtype === 'float32') expectClose(v, expected[k].values, rtol, atol);
      else expect(v).toEqual(expected[k].values);
    }
  } finally {
    sg.dispose(gots);
  }
}

/**
 * A suite's hooks: run on webgpu from a clean fallback count, and at the end check that none of
 * `kernels` fell back to wasm and that all of them are native; then back to wasm.
 */
export function onWebGpuWithNativeKernels(kernels: readonly string[]): void {
  beforeAll(async () => {
    await sg.setBackend('webgpu');
    sg.webgpu.resetFallbacks();
  });
  afterAll(async () => {
    await sg.setBackend('webgpu');
    const fb = sg.webgpu.fallbacks();
    for (const k of kernels) expect(fb[k] ?? 0).toBe(0);
    expect(sg.webgpu.nativeKernels()).toEqual(expect.arrayContaining([...kernels]));
    await sg.setBackend('wasm');
  });
}
