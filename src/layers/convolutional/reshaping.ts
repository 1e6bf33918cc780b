// Shape layers of the convolutional family: UpSampling1D/2D, ZeroPadding1D/2D, Cropping2D.
import type { Tensor } from '../../engine/tensor.js';
import { pad } from '../../ops/pad.js';
import { expandDims, reshape } from '../../ops/reshape.js';
import { resizeBilinear, resizeNearestNeighbor } from '../../ops/resize.js';
import { slice } from '../../ops/slice.js';
import { tile } from '../../ops/tile.js';
import { transpose } from '../../ops/transpose.js';
import { Layer, type LayerArgs } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { fmtShape } from '../core/dense.js';
import type { DataFormat } from './conv.js';

const first = (x: Tensor | Tensor[]) => (Array.isArray(x) ? x[0] : x);

function checkRankOf(layer: Layer, shape: SymbolicShape, rank: number): void {
  if (shape.length !== rank) throw new Error(`${layer.name}: expected an input of rank ${rank} but got shape ${fmtShape(shape)}`);
}

function posInt(cls: string, name: string, v: unknown, min = 1): number {
  if (!Number.isInteger(v) || (v as number) < min) throw new Error(`${cls}: '${name}' must be an integer >= ${min} but is ${JSON.stringify(v)}`);
  return v as number;
}

function checkFormat(cls: string, f: string | undefined): DataFormat {
  const v = (f ?? 'channelsLast') as DataFormat;
  if (v !== 'channelsLast' && v !== 'channelsFirst') throw new Error(`${cls}: dataFormat must be 'channelsLast' or 'channelsFirst' but is '${f}'`);
  return v;
}

/** Repeats each time step `size` times. @example sg.layers.upSampling1d({ size: 2 }); */
export class UpSampling1D extends Layer {
  static override className = 'UpSampling1D';
  /** How many times each step is repeated. */
  readonly size: number;
  constructor(args: LayerArgs & { size?: number } = {}) {
    super(args);
    this.size = posInt('UpSampling1D', 'size', args.size ?? 2);
  }
  protected override checkInput(s: SymbolicShape): void {
    checkRankOf(this, s, 3);
  }
  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    return [s[0], s[1] === null ? null : s[1] * this.size, s[2]];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = first(inputs);
    const [b, t, c] = x.shape;
    return reshape(tile(expandDims(x, 2), [1, 1, this.size, 1]), [b, t * this.size, c]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size };
  }
}

/**
 * Repeats rows and columns (nearest) or interpolates (bilinear) by integer factors.
 * @example sg.layers.upSampling2d({ size: [2, 2] });
 */
export class UpSampling2D extends Layer {
  static override className = 'UpSampling2D';
  /** The [height, width] scale factors. */
  readonly size: number[];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  readonly dataFormat: DataFormat;
  /** 'nearest' (default) or 'bilinear'. */
  readonly interpolation: 'nearest' | 'bilinear';
  constructor(args: LayerArgs & { size?: number | number[]; dataFormat?: DataFormat; interpolation?: 'nearest' | 'bilinear' } = {}) {
    super(args);
    const s = args.size ?? [2, 2];
    const arr = typeof s === 'number' ? [s, s] : s;
    if (!Array.isArray(arr) || arr.length !== 2) throw new Error(`UpSampling2D: 'size' must be a number or two numbers but is ${JSON.stringify(s)}`);
    this.size = arr.map((v) => posInt('UpSampling2D', 'size', v));
    this.dataFormat = checkFormat('UpSampling2D', args.dataFormat);
    this.interpolation = args.interpolation ?? 'nearest';
    if (this.interpolation !== 'nearest' && this.interpolation !== 'bilinear') {
      throw new Error(`UpSampling2D: interpolation must be 'nearest' or 'bilinear' but is '${args.interpolation}'`);
    }
  }
  protected override checkInput(s: SymbolicShape): void {
    checkRankOf(this, s, 4);
  }
  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const o = s.slice();
    const [h, w] = this.dataFormat === 'channelsLast' ? [1, 2] : [2, 3];
    o[h] = s[h] === null ? null : s[h]! * this.size[0];
    o[w] = s[w] === null ? null : s[w]! * this.size[1];
    return o;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    let x = first(inputs);
    const cf = this.dataFormat === 'channelsFirst';
    if (cf) x = transpose(x, [0, 2, 3, 1]);
    const size: [number, number] = [x.shape[1] * this.size[0], x.shape[2] * this.size[1]];
    const y = this.interpolation === 'nearest' ? resizeNearestNeighbor(x, size) : resizeBilinear(x, size);
    return cf ? transpose(y, [0, 3, 1, 2]) : y;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size, dataFormat: this.dataFormat, interpolation: this.interpolation };
  }
}

/** Pads the time axis with zeros. @example sg.layers.zeroPadding1d({ padding: [1, 2] }); */
export class ZeroPadding1D extends Layer {
  static override className = 'ZeroPadding1D';
  /** Zeros added [before, after] the steps. */
  readonly padding: [number, number];
  constructor(args: LayerArgs & { padding?: number | [number, number] } = {}) {
    super(args);
    const p = args.padding ?? 1;
    const arr = typeof p === 'number' ? [p, p] : p;
    if (!Array.isArray(arr) || arr.length !== 2) throw new Error(`ZeroPadding1D: 'padding' must be a number or two numbers but is ${JSON.stringify(p)}`);
    this.padding = arr.map((v) => posInt('ZeroPadding1D', 'padding', v, 0)) as [number, number];
  }
  protected override checkInput(s: SymbolicShape): void {
    checkRankOf(this, s, 3);
  }
  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    return [s[0], s[1] === null ? null : s[1] + this.padding[0] + this.padding[1], s[2]];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return pad(first(inputs), [[0, 0], this.padding, [0, 0]]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding };
  }
}

/** @inline */
type Pairs = number | [number, number] | [[number, number], [number, number]];

function pairs(cls: string, name: string, p: Pairs): [[number, number], [number, number]] {
  let r: number[][];
  if (typeof p === 'number') r = [[p, p], [p, p]];
  else if (Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number')) r = [[p[0] as number, p[0] as number], [p[1] as number, p[1] as number]];
  else if (Array.isArray(p) && p.length === 2 && p.every((v) => Array.isArray(v) && v.length === 2)) r = p as number[][];
  else throw new Error(`${cls}: '${name}' must be a number, [symH, symW] or [[top, bottom], [left, right]] but is ${JSON.stringify(p)}`);
  return r.map((q) => q.map((v) => posInt(cls, name, v, 0))) as [[number, number], [number, number]];
}

/** Pads rows and columns with zeros. @example sg.layers.zeroPadding2d({ padding: [[1, 0], [1, 0]] }); */
export class ZeroPadding2D extends Layer {
  static override className = 'ZeroPadding2D';
  /** Zeros added [[top, bottom], [left, right]]. */
  readonly padding: [[number, number], [number, number]];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  readonly dataFormat: DataFormat;
  constructor(args: LayerArgs & { padding?: Pairs; dataFormat?: DataFormat } = {}) {
    super(args);
    this.padding = pairs('ZeroPadding2D', 'padding', args.padding ?? 1);
    this.dataFormat = checkFormat('ZeroPadding2D', args.dataFormat);
  }
  protected override checkInput(s: SymbolicShape): void {
    checkRankOf(this, s, 4);
  }
  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const o = s.slice();
    const axes = this.dataFormat === 'channelsLast' ? [1, 2] : [2, 3];
    axes.forEach((a, i) => (o[a] = s[a] === null ? null : s[a]! + this.padding[i][0] + this.padding[i][1]));
    return o;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const [h, w] = this.padding;
    return pad(first(inputs), this.dataFormat === 'channelsLast' ? [[0, 0], h, w, [0, 0]] : [[0, 0], [0, 0], h, w]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding, dataFormat: this.dataFormat };
  }
}

/** Crops rows and columns. @example sg.layers.cropping2d({ cropping: [[2, 2], [4, 4]] }); */
export class Cropping2D extends Layer {
  static override className = 'Cropping2D';
  /** Rows and columns removed [[top, bottom], [left, right]]. */
  readonly cropping: [[number, number], [number, number]];
  /** 'channelsLast' (default) or 'channelsFirst'. */
  readonly dataFormat: DataFormat;
  constructor(args: LayerArgs & { cropping: Pairs; dataFormat?: DataFormat }) {
    super(args);
    this.cropping = pairs('Cropping2D', 'cropping', args?.cropping ?? 0);
    this.dataFormat = checkFormat('Cropping2D', args?.dataFormat);
  }
  protected override checkInput(s: SymbolicShape): void {
    checkRankOf(this, s, 4);
    this.computeOutputShape(s);
  }
  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const o = s.slice();
    const axes = this.dataFormat === 'channelsLast' ? [1, 2] : [2, 3];
    axes.forEach((a, i) => {
      const n = s[a];
      const c = this.cropping[i][0] + this.cropping[i][1];
      if (n !== null && c >= n) throw new Error(`${this.name}: cropping ${JSON.stringify(this.cropping)} removes all of dimension ${a} of input shape ${fmtShape(s)}`);
      o[a] = n === null ? null : n - c;
    });
    return o;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = first(inputs);
    const axes = this.dataFormat === 'channelsLast' ? [1, 2] : [2, 3];
    const begin = [0, 0, 0, 0];
    const size = x.shape.slice();
    axes.forEach((a, i) => {
      begin[a] = this.cropping[i][0];
      size[a] = x.shape[a] - this.cropping[i][0] - this.cropping[i][1];
    });
    return slice(x, begin, size);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: this.cropping, dataFormat: this.dataFormat };
  }
}
