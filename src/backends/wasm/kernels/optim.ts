// The wasm backend's in-place optimizer kernels: thin bindings of the SIMD updates in
// assembly/optim.ts. Same names and attributes as the js oracle (src/backends/js/kernels/optim.ts):
// infos are [variable, ...slots, gradient], every buffer float32 and of the same size.
//
// Why the 1 - beta / 1 - rho terms are computed here: Keras computes them in float64 (Python
// floats) and casts once to float32; passing them precomputed keeps that rounding, where
// subtracting in f32 inside the kernel would round beta first (1 - f32(0.999) != f32(1 - 0.999)).
// Each update goes through backend.dispatch, which splits large ones across the thread pool;
// the kernels are element-wise, so the results are bit-identical however the range is cut.
import type { Attrs, TensorInfo } from '../../backend.js';
import type { WasmBackend } from '../index.js';

/** The optimizer exports of assembly/optim.ts (pointers are byte offsets into the heap). */
export interface OptimExports {
  sgdUpdateF32(
    p: number,
    g: number,
    m: number,
    lr: number,
    momentum: number,
    nesterov: number,
    gscale: number,
    clip: number,
    wdlr: number,
    start: number,
    end: number,
  ): void;
  rmspropUpdateF32(
    p: number,
    g: number,
    v: number,
    mom: number,
    mg: number,
    lr: number,
    rho: number,
    oneMinusRho: number,
    momentum: number,
    eps: number,
    gscale: number,
    clip: number,
    wdlr: number,
    start: number,
    end: number,
  ): void;
  adamUpdateF32(
    p: number,
    g: number,
    m: number,
    v: number,
    vhat: number,
    alpha: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    eps: number,
    gscale: number,
    clip: number,
    wdlr: number,
    start: number,
    end: number,
  ): void;
  adagradUpdateF32(
    p: number,
    g: number,
    acc: number,
    lr: number,
    eps: number,
    gscale: number,
    clip: number,
    wdlr: number,
    start: number,
    end: number,
  ): void;
  adadeltaUpdateF32(
    p: number,
    g: number,
    accGrad: number,
    accDelta: number,
    lr: number,
    rho: number,
    oneMinusRho: number,
    eps: number,
    gscale: number,
    clip: number,
    wdlr: number,
    start: number,
    end: number,
  ): void;
  adamaxUpdateF32(
    p: number,
    g: number,
    m: number,
    u: number,
    lr: number,
    oneMinusBeta1: number,
    beta2: number,
    biasCorrection1: number,
    eps: number,
    gscale: number,
    clip: number,
    wdlr: number,
    start: number,
    end: number,
  ): void;
  nadamUpdateF32(
    p: number,
    g: number,
    m: number,
    v: number,
    lr: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    c1: number,
    c2: number,
    biasCorrection2: number,
    eps: number,
    gscale: number,
    clip: number,
    wdlr: number,
    start: number,
    end: number,
  ): void;
}

/** Registers the wasm backend's in-place optimizer kernels. */
export function registerWasmOptimKernels(backend: WasmBackend): void {
  // Every update runs element-wise over [0, n) with the range last: backend.dispatch splits it
  // over threads above the cut-off (chunks on 16-element boundaries: whole v128s, no shared
  // cache lines). The exports' signatures are in OptimExports.
  const update = (fn: keyof OptimExports, args: number[], n: number) =>
    backend.dispatch(fn, args, n, args.length, { grain: 16 });
  const define = (
    name: string,
    body: (ptrs: number[], size: number, a: Record<string, number>, attrs: Attrs) => void,
  ) => {
    backend.kernels.set(name, (infos: TensorInfo[], attrs: Attrs) => {
      const size = infos[0].shape.reduce((a, c) => a * c, 1);
      try {
        body(
          infos.map((t) => backend.ptr(t.dataId)),
          size,
          attrs as Record<string, number>,
          attrs,
        );
      } catch (e) {
        if (e instanceof WebAssembly.RuntimeError) throw new Error(`${name} (wasm): ${e.message}`);
        throw e;
      }
      return [];
    });
  };

  define('SgdUpdate', (ptrs, n, a, attrs) => {
    const m = ptrs.length === 3 ? ptrs[1] : 0;
    const g = ptrs[ptrs.length - 1];
    update('sgdUpdateF32', [ptrs[0], g, m, a.lr, a.momentum, attrs.nesterov ? 1 : 0, a.gscale, a.clip, a.wdlr], n);
  });

  define('RmspropUpdate', (ptrs, n, a, attrs) => {
    let k = 2;
    const mom = a.momentum > 0 ? ptrs[k++] : 0;
    const mg = attrs.centered ? ptrs[k++] : 0;
    const g = ptrs[ptrs.length - 1];
    update(
      'rmspropUpdateF32',
      [ptrs[0], g, ptrs[1], mom, mg, a.lr, a.rho, 1 - a.rho, a.momentum, a.epsilon, a.gscale, a.clip, a.wdlr],
      n,
    );
  });

  define('AdamUpdate', (ptrs, n, a, attrs) => {
    const vhat = attrs.amsgrad ? ptrs[3] : 0;
    const g = ptrs[ptrs.length - 1];
    update(
      'adamUpdateF32',
      [ptrs[0], g, ptrs[1], ptrs[2], vhat, a.alpha, 1 - a.beta1, 1 - a.beta2, a.epsilon, a.gscale, a.clip, a.wdlr],
      n,
    );
  });

  define('AdagradUpdate', ([p, acc, g], n, a) => {
    update('adagradUpdateF32', [p, g, acc, a.lr, a.epsilon, a.gscale, a.clip, a.wdlr], n);
  });

  define('AdadeltaUpdate', ([p, ag, ad, g], n, a) => {
    update('adadeltaUpdateF32', [p, g, ag, ad, a.lr, a.rho, 1 - a.rho, a.epsilon, a.gscale, a.clip, a.wdlr], n);
  });

  define('AdamaxUpdate', ([p, m, u, g], n, a) => {
    update(
      'adamaxUpdateF32',
      [p, g, m, u, a.lr, 1 - a.beta1, a.beta2, a.biasCorrection1, a.epsilon, a.gscale, a.clip, a.wdlr],
      n,
    );
  });

  define('NadamUpdate', ([p, m, v, g], n, a) => {
    update(
      'nadamUpdateF32',
      [p, g, m, v, a.lr, 1 - a.beta1, 1 - a.beta2, a.c1, a.c2, a.biasCorrection2, a.epsilon, a.gscale, a.clip, a.wdlr],
      n,
    );
  });
}
