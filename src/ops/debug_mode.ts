// tfjs-core's mode switches: enableDebugMode (every kernel's float32 output is checked for NaN
// and infinities, with a console warning naming the kernel, and each kernel call is logged with
// its time and shapes, as tfjs' debug mode), enableProdMode, deprecationWarn and
// disableDeprecationWarnings. Debug mode wraps ENGINE.runKernel (the same hook profile() uses).
import { ENGINE } from '../engine/engine.js';
import { env } from './env.js';

let debugInstalled = false;

/**
 * Debug mode, as tfjs: after every kernel call its float32 outputs are read and a NaN or
 * infinity is reported with `console.warn("Found NaN in the result of 'Kernel'")`, and the call
 * is logged (kernel, milliseconds, output shape, input shapes). Slow: every output is read back.
 * @example sg.enableDebugMode();
 */
export function enableDebugMode(): void {
  env().set('DEBUG', true);
  if (debugInstalled) return;
  debugInstalled = true;
  const inner = ENGINE.runKernel;
  ENGINE.runKernel = function (name, inputs, attrs = {}) {
    if (!env().getBool('DEBUG')) return inner.call(ENGINE, name, inputs, attrs);
    const t0 = performance.now();
    const outs = inner.call(ENGINE, name, inputs, attrs);
    const ms = performance.now() - t0;
    for (const o of outs) {
      if (o.dtype !== 'float32') continue;
      const bad = o.dataSync().find((v) => !Number.isFinite(v));
      if (bad !== undefined) {
        console.warn(`Found ${bad} in the result of '${name}'`);
        break;
      }
    }
    // eslint-disable-next-line no-console
    console.log(
      `${name}\t${ms.toFixed(3)}ms\t${outs.map((o) => `${o.rank}D ${JSON.stringify(o.shape)}`).join(', ')}\t` +
        `inputs: ${inputs.map((t) => JSON.stringify(t.shape)).join(', ')}`,
    );
    return outs;
  };
}

/**
 * Production mode, as tfjs: switches debug mode off (env flag PROD true, DEBUG false).
 * simdgrad's argument checks stay on: they run before any kernel and cost little.
 * @example sg.enableProdMode();
 */
export function enableProdMode(): void {
  env().set('PROD', true);
  env().set('DEBUG', false);
}

/**
 * Prints a deprecation warning unless they were disabled, as tfjs.
 * @example sg.deprecationWarn('foo() is deprecated; use bar()');
 */
export function deprecationWarn(msg: string): void {
  if (env().get('DEPRECATION_WARNINGS_ENABLED') === false) return;
  console.warn(`${msg} You can disable deprecation warnings with tf.disableDeprecationWarnings().`);
}

/**
 * Stops deprecationWarn from printing, as tfjs.
 * @example sg.disableDeprecationWarnings();
 */
export function disableDeprecationWarnings(): void {
  env().set('DEPRECATION_WARNINGS_ENABLED', false);
  console.warn('TensorFlow.js deprecation warnings have been disabled.');
}
