// The js backend's rnn kernels (placeholder until the rnn kernels land).
import type { HostBackend } from '../../host.js';

/** Registers the js backend's rnn kernels. */
export function registerJsRnnKernels(_backend: HostBackend): void {}
