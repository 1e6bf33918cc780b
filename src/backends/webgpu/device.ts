// Finding a WebGPU device: `navigator.gpu` in browsers (and Deno), else, in Node, the `webgpu` npm
// package (Dawn), loaded with a dynamic import so that it is never a dependency of simdgrad.
/// <reference types="@webgpu/types" />

/** Where the device came from: the browser's `navigator.gpu` or the `webgpu` package in Node. */
export type GpuSource = 'navigator.gpu' | 'webgpu package';

export interface AcquiredDevice {
  device: GPUDevice;
  /** Held for the device's lifetime: Dawn in Node tears the device down if its instance is garbage-collected. */
  keepAlive: unknown[];
  adapterName: string;
  source: GpuSource;
}

const isNode = (): boolean => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** The GPU entry point, or an Error that says what to install or enable. */
async function findGpu(): Promise<{ gpu: GPU; source: GpuSource }> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, source: 'navigator.gpu' };
  if (!isNode()) {
    throw new Error(
      "setBackend('webgpu'): this browser has no WebGPU (navigator.gpu is undefined). WebGPU needs a secure " +
        '(https or localhost) page in Chrome/Edge 113+, Safari 26+ or Firefox 141+; in Chromium without a GPU start it ' +
        'with --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader',
    );
  }
  // A variable specifier, so bundlers do not try to resolve (or bundle) the optional package.
  const pkg = 'webgpu';
  let mod: { create(options: string[]): GPU; globals: Record<string, unknown> };
  try {
    mod = (await import(/* @vite-ignore */ pkg)) as typeof mod;
  } catch (e) {
    throw new Error(
      "setBackend('webgpu'): Node has no WebGPU of its own; install the 'webgpu' package (Dawn: npm install webgpu) " +
        `and try again (importing it failed: ${(e as Error).message})`,
    );
  }
  // Dawn's GPUBufferUsage etc. as globals, for kernels written by users against the standard names.
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  return { gpu: mod.create([]), source: 'webgpu package' };
}

/**
 * Requests an adapter and a device with the adapter's own limits on buffer sizes and workgroups
 * (the defaults are far below what GPUs offer). Storage buffers per shader stage stay at WebGPU's
 * default (8), which every kernel fits (test/webgpu/limits.test.ts), so every suite runs under
 * the limit a device must at least offer. Throws a clear error when there is no adapter: in Node with
 * Dawn, usually no Vulkan loader or driver (see the README's WebGPU section).
 */
export async function acquireDevice(): Promise<AcquiredDevice> {
  const { gpu, source } = await findGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    const hint =
      source === 'webgpu package'
        ? ' Dawn needs a Vulkan loader (Debian: libvulkan1) and a Vulkan 1.1 driver; without a GPU use Chromium\'s ' +
          'SwiftShader: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (and, where libvulkan1 is not ' +
          'installed, start Node with LD_LIBRARY_PATH=/usr/lib/chromium). Debian 12\'s lavapipe (mesa 22) is too old for Dawn'
        : ' The browser offers WebGPU but no adapter (blocklisted GPU or WebGPU disabled).';
    throw new Error(`setBackend('webgpu'): no WebGPU adapter was found (${source}).${hint}`);
  }
  const want = [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
  ] as const;
  const requiredLimits: Record<string, number> = {};
  for (const k of want) requiredLimits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({ requiredLimits });
  const info = adapter.info;
  const adapterName = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => s).join(' ') || 'unknown adapter';
  return { device, adapterName, source, keepAlive: [gpu, adapter] };
}
