// The js backend's conv kernels (placeholder until the conv kernels land).
import type { HostBackend } from '../../host.js';

/** Registers the js backend's conv kernels. */
export function registerJsConvKernels(_backend: HostBackend): void {}
