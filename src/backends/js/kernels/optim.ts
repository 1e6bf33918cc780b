// In-place optimizer update kernels in plain loops (placeholder until the optimizers land).
import type { HostBackend } from '../../host.js';

/** Registers the js backend's in-place optimizer kernels. */
export function registerJsOptimKernels(_backend: HostBackend): void {}
