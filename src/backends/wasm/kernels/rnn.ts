// The wasm backend's recurrent kernels: bindings of the fused sequence kernels of
// assembly/rnn.ts. Same names, inputs, attributes and outputs as the js oracle
// (src/backends/js/kernels/rnn.ts). Each call covers batch rows [0, B) through
// backend.dispatch, so the thread pool can hand each worker a block of rows that runs the whole
// sequence on its own; scratch buffers are row-indexed ([B, n]), so workers never share any.
// The recurrent matrix (R forward, R^T backward: the Grad kernels take R itself and pack its
// transpose) is first packed into the panels the kernels' per-step product reads (rnnPackF32),
// once per call, into a scratch buffer all workers read.
import type { Attrs, DataId, TensorInfo } from '../../backend.js';
import type { WasmBackend } from '../index.js';

/** The exports of assembly/rnn.ts (pointers are byte offsets into the heap; 0 = absent). */
export interface RnnExports {
  rnnPackF32(...args: number[]): void;
  lstmForwardF32(...args: number[]): void;
  lstmBackwardF32(...args: number[]): void;
  gruForwardF32(...args: number[]): void;
  gruBackwardF32(...args: number[]): void;
  simpleRnnForwardF32(...args: number[]): void;
  simpleRnnBackwardF32(...args: number[]): void;
}

/** Registers the wasm backend's rnn kernels. */
export function registerWasmRnnKernels(backend: WasmBackend): void {
  const out = (shape: number[]) => backend.allocOutput(shape, 'float32');
  const p = (t: TensorInfo | undefined) => (t ? backend.ptr(t.dataId) : 0);

  /** Runs `fn` with scratch buffers of the given sizes (floats), freeing them after. */
  const withScratch = <T>(sizes: number[], fn: (ptrs: number[]) => T): T => {
    const ids: DataId[] = sizes.map((n) => backend.allocOutput([Math.max(n, 1)], 'float32').dataId);
    try {
      return fn(ids.map((id) => backend.ptr(id)));
    } finally {
      for (const id of ids) backend.disposeData(id);
    }
  };

  /** Floats of rnnPackF32's panels for a [K, N] matrix: ceil(N / 16) panels of K x 16. */
  const packed = (K: number, N: number) => Math.ceil(N / 16) * 16 * K;
  /** Packs the [K, N] matrix at `src` (row stride `ld` floats) for the sequence kernels. */
  const pack = (src: number, ld: number, K: number, N: number, dst: number) =>
    backend.dispatch('rnnPackF32', [src, ld, 1, N, K, dst], Math.ceil(N / 16));
  /** Packs the transpose [K, N] of the [N, K] matrix at `src` (row stride `ld` floats). */
  const packT = (src: number, ld: number, K: number, N: number, dst: number) =>
    backend.dispatch('rnnPackF32', [src, 1, ld, N, K, dst], Math.ceil(N / 16));

  const masks = (attrs: Attrs, rest: TensorInfo[]) => {
    let k = 0;
    const mask = attrs.hasMask ? rest[k++] : undefined;
    const recMask = attrs.hasRecMask ? rest[k++] : undefined;
    return { mask, recMask, n: k };
  };
  const flags = (attrs: Attrs) => [attrs.goBackwards ? 1 : 0, attrs.act as number, attrs.recAct as number];
  /**
   * Splits rows [0, B) over the pool. Work is counted in multiply-adds of the recurrent products
   * (B * T * U * G, what the gemm cut-off counts), so a sequence is split where one GEMM of that
   * size would be; chunk bounds are multiples of 4 so every chunk runs mmRows' 4-row tiles.
   */
  const run = (fn: string, args: number[], B: number, T: number, U: number, G: number) =>
    backend.dispatch(fn, args, B, args.length, { work: B * T * U * G, minWork: 1 << 18, grain: 4 });

  backend.kernels.set('LstmSequence', (ins, attrs) => {
    const [xp, rk, h0, c0, ...rest] = ins;
    const { mask, recMask } = masks(attrs, rest);
    const [B, T, G] = xp.shape;
    const U = G / 4;
    const hs = out([B, T, U]);
    const cs = out([B, T, U]);
    const gates = out([B, T, G]);
    withScratch([packed(U, G), recMask ? B * U : 0, B * 16], ([rkP, hm, tmp]) => {
      pack(p(rk), G, U, G, rkP);
      const args = [
        p(xp),
        rkP,
        p(h0),
        p(c0),
        p(mask),
        p(recMask),
        p(hs),
        p(cs),
        p(gates),
        hm,
        tmp,
        B,
        T,
        U,
        ...flags(attrs),
      ];
      run('lstmForwardF32', args, B, T, U, G);
    });
    return [hs, cs, gates];
  });

  backend.kernels.set('LstmSequenceGrad', (ins, attrs) => {
    const [rk, h0, c0, ...rest] = ins;
    const m = masks(attrs, rest);
    const [hs, cs, gates, dhs, dcs] = rest.slice(m.n);
    const [B, T, U] = hs.shape;
    const dG = out([B, T, 4 * U]);
    const hprev = out([B, T, U]);
    const dh = out([B, U]);
    const dc = out([B, U]);
    const db = attrs.biasRows ? out([B, 4 * U]) : undefined;
    withScratch([B * U, packed(4 * U, U), B * 16], ([dhRec, rkTP, tmp]) => {
      packT(p(rk), 4 * U, 4 * U, U, rkTP);
      const args = [
        rkTP,
        p(h0),
        p(c0),
        p(m.mask),
        p(m.recMask),
        p(hs),
        p(cs),
        p(gates),
        p(dhs),
        p(dcs),
        p(dG),
        p(hprev),
        p(dh),
        p(dc),
        p(db),
        dhRec,
        tmp,
        B,
        T,
        U,
        ...flags(attrs),
        attrs.lastOnly ? 1 : 0,
      ];
      run('lstmBackwardF32', args, B, T, U, 4 * U);
    });
    return db ? [dG, hprev, dh, dc, db] : [dG, hprev, dh, dc];
  });

  backend.kernels.set('GruSequence', (ins, attrs) => {
    const [xp, rk, rbias, h0, ...rest] = ins;
    const { mask, recMask } = masks(attrs, rest);
    const [B, T, G] = xp.shape;
    const U = G / 3;
    const hs = out([B, T, U]);
    const gates = out([B, T, G]);
    const recH = out([B, T, U]);
    const resetAfter = attrs.resetAfter ? 1 : 0;
    const scratch = [B * G, recMask ? B * U : 0, packed(U, G), resetAfter ? 0 : packed(U, U), B * 16];
    withScratch(scratch, ([rp, hm, rkP, rkhP, tmp]) => {
      pack(p(rk), G, U, G, rkP);
      if (!resetAfter) pack(p(rk) + 8 * U, G, U, U, rkhP);
      const args = [
        p(xp),
        rkP,
        resetAfter ? 0 : rkhP,
        p(rbias),
        p(h0),
        p(mask),
        p(recMask),
        p(hs),
        p(gates),
        p(recH),
        rp,
        hm,
        tmp,
        B,
        T,
        U,
        ...flags(attrs),
        attrs.resetAfter ? 1 : 0,
      ];
      run('gruForwardF32', args, B, T, U, G);
    });
    return [hs, gates, recH];
  });

  backend.kernels.set('GruSequenceGrad', (ins, attrs) => {
    const [rk, h0, ...rest] = ins;
    const m = masks(attrs, rest);
    const [hs, gates, recH, dhs] = rest.slice(m.n);
    const [B, T, U] = hs.shape;
    const dGx = out([B, T, 3 * U]);
    const dGr = out([B, T, 3 * U]);
    const hprev = out([B, T, U]);
    const dh = out([B, U]);
    withScratch([B * U, B * U, packed(3 * U, U), B * 16], ([dhRec, drh, rkTP, tmp]) => {
      packT(p(rk), 3 * U, 3 * U, U, rkTP);
      const args = [
        rkTP,
        p(h0),
        p(m.mask),
        p(m.recMask),
        p(hs),
        p(gates),
        p(recH),
        p(dhs),
        p(dGx),
        p(dGr),
        p(hprev),
        p(dh),
        dhRec,
        drh,
        tmp,
        B,
        T,
        U,
        ...flags(attrs),
        attrs.resetAfter ? 1 : 0,
      ];
      run('gruBackwardF32', args, B, T, U, 3 * U);
    });
    return [dGx, dGr, hprev, dh];
  });

  backend.kernels.set('SimpleRnnSequence', (ins, attrs) => {
    const [xp, rk, h0, ...rest] = ins;
    const { mask, recMask } = masks(attrs, rest);
    const [B, T, U] = xp.shape;
    const hs = out([B, T, U]);
    withScratch([B * U, recMask ? B * U : 0, packed(U, U), B * 16], ([rp, hm, rkP, tmp]) => {
      pack(p(rk), U, U, U, rkP);
      const args = [
        p(xp),
        rkP,
        p(h0),
        p(mask),
        p(recMask),
        p(hs),
        rp,
        hm,
        tmp,
        B,
        T,
        U,
        attrs.goBackwards ? 1 : 0,
        attrs.act as number,
      ];
      run('simpleRnnForwardF32', args, B, T, U, U);
    });
    return [hs];
  });

  backend.kernels.set('SimpleRnnSequenceGrad', (ins, attrs) => {
    const [rk, h0, ...rest] = ins;
    const m = masks(attrs, rest);
    const [hs, dhs] = rest.slice(m.n);
    const [B, T, U] = hs.shape;
    const dG = out([B, T, U]);
    const hprev = out([B, T, U]);
    const dh = out([B, U]);
    withScratch([B * U, packed(U, U), B * 16], ([dhRec, rkTP, tmp]) => {
      packT(p(rk), U, U, U, rkTP);
      const args = [
        rkTP,
        p(h0),
        p(m.mask),
        p(m.recMask),
        p(hs),
        p(dhs),
        p(dG),
        p(hprev),
        p(dh),
        dhRec,
        tmp,
        B,
        T,
        U,
        attrs.goBackwards ? 1 : 0,
        attrs.act as number,
      ];
      run('simpleRnnBackwardF32', args, B, T, U, U);
    });
    return [dG, hprev, dh];
  });
}
