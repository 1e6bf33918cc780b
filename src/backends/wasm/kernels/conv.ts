// The wasm backend's convolution and pooling kernels: bindings of assembly/conv.ts. Same kernel
// names, inputs and attrs as the js oracle (src/backends/js/kernels/conv.ts), which also
// supplies the geometry. Resizes run the js loops over heap views (their work is a small share
// of any model that uses them).
//
// Every kernel goes through backend.dispatch, so the thread pool may split it (ranges: output
// pixels for the forward and the pools, images for the input gradients, output channels for the
// filter gradient; results do not depend on the split). Scratch: each backend gets one geometry
// block (21 i32s, read-only while a kernel runs), one gemm workspace and one im2col buffer that
// grows to the largest chunk asked for; dispatch's `scratch` option gives each worker its own
// workspace and im2col buffer.
import type { Attrs, TensorInfo } from '../../backend.js';
import {
  GEOM_FIELDS,
  convDefs,
  convKernelGeom,
  depthwiseGeom,
  poolGeom,
  type ConvGeom,
} from '../../js/kernels/conv.js';
import { Act } from '../codes.generated.js';
import type { WasmBackend } from '../index.js';

/** The conv exports of assembly/conv.ts (pointers are byte offsets into the heap). */
export interface ConvExports {
  conv3dF32(
    g: number,
    x: number,
    f: number,
    bias: number,
    out: number,
    act: number,
    work: number,
    col: number,
    colRows: number,
    rowStart: number,
    rowEnd: number,
  ): void;
  conv3dBackpropInputF32(
    g: number,
    dy: number,
    f: number,
    dx: number,
    work: number,
    col: number,
    colRows: number,
    imgStart: number,
    imgEnd: number,
  ): void;
  conv3dBackpropFilterF32(
    g: number,
    x: number,
    dy: number,
    df: number,
    work: number,
    col: number,
    colRows: number,
    coStart: number,
    coEnd: number,
  ): void;
  pool3dF32(g: number, isMax: number, x: number, out: number, start: number, end: number): void;
  winogradFilterF32(f: number, C: number, CO: number, u: number, flip: number): void;
  winogradF32(g: number, x: number, u: number, bias: number, out: number, act: number, work: number, buf: number, chunk: number, tileStart: number, tileEnd: number): void;
  winogradFilterGradF32(g: number, x: number, dy: number, df: number, work: number, buf: number, chunk: number, coStart: number, coEnd: number): void;
  allFiniteF32(p: number, n: number): number;
  /** The largest K of the small-K conv kernels (16); sets it when k >= 0, returns the old one. Bench knob. */
  convSmallKMax(k: number): number;
  maxPool3dGradF32(g: number, x: number, dy: number, dx: number, imgStart: number, imgEnd: number): void;
  avgPool3dGradF32(g: number, dy: number, dx: number, imgStart: number, imgEnd: number): void;
  depthwiseF32(g: number, mult: number, x: number, f: number, out: number, start: number, end: number): void;
  depthwiseBackpropInputF32(g: number, mult: number, dy: number, f: number, dx: number, imgStart: number, imgEnd: number): void;
  depthwiseBackpropFilterF32(g: number, mult: number, x: number, dy: number, df: number, tapStart: number, tapEnd: number): void;
}

/**
 * Chunk sizes of the im2col buffer. Why these: a forward/input-gradient chunk of ~192 KiB of
 * im2col rows stays in L2 between being written and being packed by the GEMM (measured on the
 * mnist_cnn shapes: 64 KiB to 512 KiB are within 4%); filter-gradient chunks are 512 rows, the
 * GEMM's K block, so each chunk is one pass that adds into df (beta = 1).
 */
export const convTuning = { colBytes: 192 * 1024, filterRows: 512, winograd: true, winogradBytes: 512 * 1024 };

/**
 * Whether a convolution takes Winograd F(4x4, 3x3) (assembly/winograd.ts): 2-d, 3x3, unit
 * strides and dilations, channel counts multiples of 4 (the transforms' vector width) and at
 * least 8 input channels (below that the GEMMs' K is too short to gain; the first layer of a CNN
 * takes the small-K kernels instead), and at least 16 output tiles of 4x4: with fewer, each
 * GEMM's packing of the transformed filter outweighs its products (measured with F(2x2, 3x3):
 * [2,7,7,512] * 3x3x512x512 ran at 24 GFLOP/s against 32 through im2col).
 * `convTuning.winograd = false` turns it off (bench comparisons).
 * Measured on the second mnist_cnn layer, [128,26,26,32] * 3x3x32x64, one thread, in
 * direct-convolution GFLOP/s (`npm run bench -- conv --compare`, idle machine): im2col + GEMM
 * forward 50.6, input gradient 48.8, filter gradient 49.5; F(2x2, 3x3) 93.8, 74.2 and 93. F(4x4,
 * 3x3) against F(2x2, 3x3), 1 thread, the same build otherwise, interleaved, in CPU time (the
 * machine was shared; the kernels called on the mnist shapes, 32 images): forward 1.67x, input
 * gradient 1.22x (its 26 x 26 output takes 7 x 7 tiles, 28 x 28), filter gradient 1.57x (1.26x
 * with the packed GEMM).
 */
export function winogradFits(g: ConvGeom): boolean {
  return (
    convTuning.winograd &&
    g.D === 1 && g.OD === 1 && g.KD === 1 && g.KH === 3 && g.KW === 3 &&
    g.SH === 1 && g.SW === 1 && g.DH === 1 && g.DW === 1 &&
    g.C % 4 === 0 && g.CO % 4 === 0 && g.C >= 8 && g.CO >= 8 &&
    winogradTiles(g) >= 16
  );
}

/** 4x4 output tiles of a Winograd convolution. */
function winogradTiles(g: ConvGeom): number {
  return g.N * ((g.OH + 3) >> 2) * ((g.OW + 3) >> 2);
}

/** Tiles per chunk: winogradBytes of transformed tiles and products, 8 to 128 tiles, a multiple of 4 (the GEMM's row panel). */
function winogradChunk(g: ConvGeom): number {
  return Math.max(8, Math.min(128, Math.floor(convTuning.winogradBytes / (144 * (g.C + g.CO))) & ~3));
}

/** Bytes of a Winograd call's `buf` before its tiles: transform scratch and one input window (assembly/winograd.ts). */
const winogradHead = (C: number) => 1152 + 144 * C;

/** Per-backend scratch blocks; `col` (im2col, Winograd tiles) and `u` (the transformed filter) grow as needed. */
interface Scratch {
  geom: number;
  work: number;
  col: number;
  colBytes: number;
  u: number;
  uBytes: number;
}

const scratch = new WeakMap<WasmBackend, Scratch>();

function scratchOf(backend: WasmBackend): Scratch {
  let s = scratch.get(backend);
  if (!s) {
    const w = backend.wasm;
    s = { geom: w.alloc(GEOM_FIELDS.length * 4), work: w.alloc(w.gemmWorkspaceBytes()), col: 0, colBytes: 0, u: 0, uBytes: 0 };
    scratch.set(backend, s);
  }
  return s;
}

/**
 * Scratch block `key` of at least `bytes`: im2col rows / Winograd tiles ('col') or the
 * transformed filter ('u'). Grown, never shrunk (models reuse the same shapes), so a training
 * step allocates nothing.
 */
function scratchBuffer(backend: WasmBackend, s: Scratch, key: 'col' | 'u', bytes: number): number {
  const size = key === 'col' ? 'colBytes' : 'uBytes';
  if (bytes > s[size]) {
    if (s[key]) backend.wasm.free(s[key]);
    s[key] = backend.wasm.alloc(bytes);
    s[size] = bytes;
  }
  return s[key];
}

const colBuffer = (backend: WasmBackend, s: Scratch, bytes: number) => scratchBuffer(backend, s, 'col', bytes);

function writeGeom(backend: WasmBackend, s: Scratch, g: ConvGeom): number {
  new Int32Array(backend.wasm.memory.buffer, s.geom, GEOM_FIELDS.length).set(GEOM_FIELDS.map((k) => g[k]));
  return s.geom;
}

/** Rows per forward / input-gradient chunk for a K-column im2col. */
function chunkRows(K: number): number {
  return Math.max(4, Math.floor(convTuning.colBytes / (4 * Math.max(K, 1))));
}

/** Registers the wasm backend's conv kernels. */
export function registerWasmConvKernels(backend: WasmBackend): void {
  const w = backend.wasm as unknown as ConvExports & WasmBackend['wasm'];
  const wrap = (name: string, f: (ins: TensorInfo[], attrs: Attrs) => TensorInfo) =>
    backend.kernels.set(name, (ins, attrs) => {
      try {
        return f(ins, attrs);
      } catch (e) {
        if (e instanceof WebAssembly.RuntimeError) throw new Error(`${name} (wasm): ${e.message}`);
        throw e;
      }
    });
  const size = (shape: readonly number[]) => shape.reduce((a, c) => a * c, 1);
  /**
   * Whether every float of the tensors is finite. Winograd's transforms subtract and mix a
   * tile's values (Inf - Inf = NaN), so one NaN or infinity would make NaN of outputs that never
   * read it; such inputs take im2col + GEMM, whose NaN and infinities fall where the js
   * oracle's do. Checked on the calling thread, before the split, so threads keep the same bits.
   */
  const allFinite = (...ts: TensorInfo[]) => ts.every((t) => w.allFiniteF32(backend.ptr(t.dataId), size(t.shape)) === 1);

  // The GEMM-based kernels go through dispatch with per-thread scratch (`work` at argument 6,
  // `col` at 7): the calling thread uses this backend's buffers, workers get their own.
  const gemmScratch = (colBytes: number) => [
    { at: 6, bytes: w.gemmWorkspaceBytes() },
    { at: 7, bytes: colBytes },
  ];

  /**
   * A 3x3 stride-1 convolution through Winograd F(4x4, 3x3) (assembly/winograd.ts): `g` is the
   * geometry of the convolution to run (the forward's, or the input gradient's: dy convolved
   * with the turned filter), `flip` selects the filter transform. The transformed filter lives
   * in a temporary block for the call.
   */
  const winograd = (g: ConvGeom, x: number, f: number, bias: number, out: number, act: number, flip: number, fC: number, fCO: number) => {
    const s = scratchOf(backend);
    const u = scratchBuffer(backend, s, 'u', 36 * g.C * g.CO * 4 + 72);
    w.winogradFilterF32(f, fC, fCO, u, flip);
    const tiles = winogradTiles(g);
    const chunk = winogradChunk(g);
    const bufBytes = winogradHead(g.C) + 144 * chunk * (g.C + g.CO);
    const buf = colBuffer(backend, s, bufBytes);
    const gp = writeGeom(backend, s, g);
    backend.dispatch('winogradF32', [gp, x, u, bias, out, act, s.work, buf, chunk], tiles, 9, {
      work: tiles * 36 * g.C * g.CO,
      scratch: gemmScratch(bufBytes),
    });
  };

  wrap('Conv', (ins, attrs) => {
    const [x, f, bias] = ins;
    const g = convKernelGeom('Conv', ins, attrs);
    const out = backend.allocOutput([g.N, g.OD, g.OH, g.OW, g.CO], 'float32');
    const M = g.N * g.OD * g.OH * g.OW;
    if (M === 0 || g.CO === 0) return out;
    if (winogradFits(g) && allFinite(x, f)) {
      const act = (attrs.act as number) ?? Act.Linear;
      winograd(g, backend.ptr(x.dataId), backend.ptr(f.dataId), bias ? backend.ptr(bias.dataId) : 0, backend.ptr(out.dataId), act, 0, g.C, g.CO);
      return out;
    }
    const K = g.KD * g.KH * g.KW * g.C;
    const s = scratchOf(backend);
    const rows = chunkRows(K);
    const col = colBuffer(backend, s, 4 * K * rows);
    const gp = writeGeom(backend, s, g);
    const act = (attrs.act as number) ?? Act.Linear;
    const pb = bias ? backend.ptr(bias.dataId) : 0;
    const args = [gp, backend.ptr(x.dataId), backend.ptr(f.dataId), pb, backend.ptr(out.dataId), act, s.work, col, rows];
    backend.dispatch('conv3dF32', args, M, 9, { work: M * K * g.CO, grain: 4, scratch: gemmScratch(4 * K * rows) });
    return out;
  });

  wrap('ConvBackpropInput', (ins, attrs) => {
    const [dy, f] = ins;
    const g = convKernelGeom('ConvBackpropInput', ins, attrs);
    const out = backend.allocOutput([g.N, g.D, g.H, g.W, g.C], 'float32');
    if (size(out.shape) === 0) return out;
    if (winogradFits(g) && g.PH <= 2 && g.PW <= 2 && allFinite(dy, f)) {
      // dx = dy (padded by 2 - pad) convolved with the filter turned by 180 degrees, its
      // channel axes swapped: a forward 3x3 convolution from CO to C channels.
      const gT: ConvGeom = Object.assign({}, g, { H: g.OH, W: g.OW, C: g.CO, OH: g.H, OW: g.W, CO: g.C, PH: 2 - g.PH, PW: 2 - g.PW });
      winograd(gT, backend.ptr(dy.dataId), backend.ptr(f.dataId), 0, backend.ptr(out.dataId), Act.Linear, 1, g.C, g.CO);
      return out;
    }
    const K = g.KD * g.KH * g.KW * g.C;
    const s = scratchOf(backend);
    const rows = chunkRows(K);
    const col = colBuffer(backend, s, 4 * K * rows);
    const gp = writeGeom(backend, s, g);
    const args = [gp, backend.ptr(dy.dataId), backend.ptr(f.dataId), backend.ptr(out.dataId), s.work, col, rows];
    const work = g.N * g.OD * g.OH * g.OW * K * g.CO;
    backend.dispatch('conv3dBackpropInputF32', args, g.N, 7, { work, scratch: [{ at: 4, bytes: w.gemmWorkspaceBytes() }, { at: 5, bytes: 4 * K * rows }] });
    return out;
  });

  wrap('ConvBackpropFilter', (ins, attrs) => {
    const [x, dy] = ins;
    const g = convKernelGeom('ConvBackpropFilter', ins, attrs);
    const out = backend.allocOutput([g.KD, g.KH, g.KW, g.C, g.CO], 'float32');
    const K = g.KD * g.KH * g.KW * g.C;
    if (K === 0 || g.CO === 0) return out;
    if (winogradFits(g) && allFinite(x, dy)) {
      // df = G^T (sum over tiles of V (.) A dY A^T) G, split by output channels (4 at a time).
      const s = scratchOf(backend);
      const chunk = winogradChunk(g);
      const bufBytes = winogradHead(g.C) + 144 * chunk * (g.C + g.CO) + 144 * g.C * g.CO;
      const buf = colBuffer(backend, s, bufBytes);
      const gp = writeGeom(backend, s, g);
      // `work` (argument 4) is unused by this kernel: no per-thread GEMM workspace.
      const args = [gp, backend.ptr(x.dataId), backend.ptr(dy.dataId), backend.ptr(out.dataId), 0, buf, chunk];
      backend.dispatch('winogradFilterGradF32', args, g.CO, 7, {
        work: winogradTiles(g) * 36 * g.C * g.CO,
        grain: 4,
        scratch: [{ at: 5, bytes: bufBytes }],
      });
      return out;
    }
    const s = scratchOf(backend);
    const rows = convTuning.filterRows;
    const col = colBuffer(backend, s, 4 * K * rows);
    const gp = writeGeom(backend, s, g);
    const args = [gp, backend.ptr(x.dataId), backend.ptr(dy.dataId), backend.ptr(out.dataId), s.work, col, rows];
    const work = g.N * g.OD * g.OH * g.OW * K * g.CO;
    backend.dispatch('conv3dBackpropFilterF32', args, g.CO, 7, { work, grain: 8, scratch: [{ at: 4, bytes: w.gemmWorkspaceBytes() }, { at: 5, bytes: 4 * K * rows }] });
    return out;
  });

  wrap('Pool', ([x], attrs) => {
    const g = poolGeom(x.shape, attrs);
    const out = backend.allocOutput([g.N, g.OD, g.OH, g.OW, g.C], 'float32');
    const M = g.N * g.OD * g.OH * g.OW;
    const gp = writeGeom(backend, scratchOf(backend), g);
    const work = M * g.C * g.KD * g.KH * g.KW;
    backend.dispatch('pool3dF32', [gp, attrs.type === 'max' ? 1 : 0, backend.ptr(x.dataId), backend.ptr(out.dataId)], M, 4, { work });
    return out;
  });

  wrap('MaxPoolGrad', ([x, dy], attrs) => {
    const g = poolGeom(x.shape, attrs);
    const out = backend.allocOutput(x.shape.slice(), 'float32');
    if (size(x.shape) === 0) return out;
    const gp = writeGeom(backend, scratchOf(backend), g);
    const work = size(x.shape) * g.KD * g.KH * g.KW;
    backend.dispatch('maxPool3dGradF32', [gp, backend.ptr(x.dataId), backend.ptr(dy.dataId), backend.ptr(out.dataId)], g.N, 4, { work });
    return out;
  });

  wrap('AvgPoolGrad', ([dy], attrs) => {
    const inShape = attrs.inShape as number[];
    const g = poolGeom(inShape, attrs);
    const out = backend.allocOutput(inShape.slice(), 'float32');
    if (size(inShape) === 0) return out;
    const gp = writeGeom(backend, scratchOf(backend), g);
    backend.dispatch('avgPool3dGradF32', [gp, backend.ptr(dy.dataId), backend.ptr(out.dataId)], g.N, 3, { work: size(inShape) });
    return out;
  });

  // Depthwise convolutions (assembly/conv.ts: SIMD across channels for a depth multiplier of 1).
  // Work counts multiply-adds; the cut-off is the default one.
  wrap('DepthwiseConv', ([x, f], attrs) => {
    const g = depthwiseGeom(x.shape, f.shape, attrs);
    const out = backend.allocOutput([g.N, g.OH, g.OW, g.CO], 'float32');
    const M = g.N * g.OH * g.OW;
    if (M === 0 || g.CO === 0) return out;
    const gp = writeGeom(backend, scratchOf(backend), g);
    const args = [gp, g.mult, backend.ptr(x.dataId), backend.ptr(f.dataId), backend.ptr(out.dataId)];
    backend.dispatch('depthwiseF32', args, M, 5, { work: M * g.CO * g.KH * g.KW });
    return out;
  });

  wrap('DepthwiseConvBackpropInput', ([dy, f], attrs) => {
    const inShape = attrs.inShape as number[];
    const g = depthwiseGeom(inShape, f.shape, attrs);
    const out = backend.allocOutput(inShape.slice(), 'float32');
    if (size(inShape) === 0) return out;
    const gp = writeGeom(backend, scratchOf(backend), g);
    const args = [gp, g.mult, backend.ptr(dy.dataId), backend.ptr(f.dataId), backend.ptr(out.dataId)];
    backend.dispatch('depthwiseBackpropInputF32', args, g.N, 5, { work: g.N * g.OH * g.OW * g.CO * g.KH * g.KW });
    return out;
  });

  wrap('DepthwiseConvBackpropFilter', ([x, dy], attrs) => {
    const filterShape = attrs.filterShape as number[];
    const g = depthwiseGeom(x.shape, filterShape, attrs);
    const out = backend.allocOutput(filterShape.slice(), 'float32');
    const taps = g.KD * g.KH * g.KW;
    if (taps === 0 || g.CO === 0) return out;
    const gp = writeGeom(backend, scratchOf(backend), g);
    const args = [gp, g.mult, backend.ptr(x.dataId), backend.ptr(dy.dataId), backend.ptr(out.dataId)];
    backend.dispatch('depthwiseBackpropFilterF32', args, taps, 5, { work: g.N * g.OH * g.OW * g.CO * taps });
    return out;
  });

  // Resizes: the js loops over heap views.
  const own = new Set(['Conv', 'ConvBackpropInput', 'ConvBackpropFilter', 'Pool', 'MaxPoolGrad', 'AvgPoolGrad', 'DepthwiseConv', 'DepthwiseConvBackpropInput', 'DepthwiseConvBackpropFilter']);
  for (const def of convDefs) if (!own.has(def.name)) backend.registerView(def);
}
