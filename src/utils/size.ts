// The size check for outputs whose size comes from the caller's arguments (toCategorical's class
// count, padSequences' maxlen, shuffleIndices' n, encodeIdx's shape): the byte count is computed
// in float64 (exact up to 2^53) and compared with what the active backend can hold before any
// array is made, so `toCategorical([1e12])` fails at once, naming the function and the bytes,
// instead of after seconds and gigabytes of host memory.
import { ENGINE } from '../engine/engine.js';

/** What one buffer may hold where the backend states no limit: 2^32 bytes (the wasm32 address space). */
export const DEFAULT_MAX_BUFFER_BYTES = 2 ** 32;

/** The most bytes one tensor can have on the active backend. */
export function maxBufferBytes(): number {
  const b = ENGINE.backend as { maxBufferBytes?: () => number };
  return typeof b.maxBufferBytes === 'function' ? b.maxBufferBytes() : DEFAULT_MAX_BUFFER_BYTES;
}

/**
 * Throws, naming `fn`, when an output of `shape` with `bytesPerElement` bytes per value cannot
 * be made (over `limit`, by default what the active backend holds).
 * @example checkOutputSize('toCategorical', [1, 1e12], 4, 'the one-hot output');
 */
export function checkOutputSize(
  fn: string,
  shape: readonly number[],
  bytesPerElement = 4,
  what = 'the output',
  limit = maxBufferBytes(),
): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const bytes = n * bytesPerElement;
  if (!(bytes <= limit)) {
    throw new Error(
      `${fn}: ${what} of shape [${shape.join(', ')}] needs ${bytes.toLocaleString('en-US')} bytes ` +
        `(${n.toLocaleString('en-US')} values), more than one tensor can hold here ` +
        `(${limit.toLocaleString('en-US')} bytes on the ${ENGINE.backend.name} backend)`,
    );
  }
}
