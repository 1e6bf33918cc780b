// History: records the epoch logs of a `fit` run exactly as Keras does (`history.epoch`,
// `history.history.loss`...) and draws them as a dependency-free SVG chart, like R keras'
// `plot(history)`: one panel per metric (loss first), epochs on x, the training series and the
// validation series (`val_<metric>`) in two colours with lines and points, ticks, labels, a
// title strip per panel and a legend. `plot(path)` writes the file in Node.
import { checkOptions } from '../utils/options.js';
import { Callback } from './callback.js';
import { writeFileAtomic } from './node_io.js';
import type { Logs } from './types.js';

/** Styling of `History.plot` / `plotHistory`. */
export interface PlotOptions {
  /** Total width in pixels (default 720). */
  width?: number;
  /** Height of one metric's panel in pixels, title strip and axes included (default 280). */
  panelHeight?: number;
  /** Colours of the training and validation series (defaults: ggplot2's first two hues). */
  colors?: { training?: string; validation?: string };
  /** Metrics to draw (base names such as 'loss', 'accuracy'); default: all, loss first. */
  metrics?: string[];
  /** A title above all panels. */
  title?: string;
}

/** What plotHistory needs: Keras' history record. */
export interface HistoryRecord {
  /** The epochs run (0-based), one entry per epoch. */
  epoch: number[];
  /** Each log key's value per epoch ('loss', 'val_loss', metrics...). */
  history: Record<string, number[]>;
  /** Per key, the epochs its values belong to, when a key was not logged every epoch. */
  keyEpochs?: Record<string, number[]>;
}

/**
 * Records each epoch's logs. `fit` returns one; its `history` maps each log key to one value
 * per epoch, as Keras' `History.history`.
 * @example
 * const h = await model.fit(x, y, { epochs: 10, validationSplit: 0.2 });
 * h.history.loss;       // [0.69, 0.52, ...]
 * h.history.val_loss;   // [0.71, 0.55, ...]
 * await h.plot('history.svg'); // or: const svg = h.plot();
 */
export class History extends Callback {
  /** The epoch indices seen (0-based, as Keras). */
  epoch: number[] = [];
  /** Each log key's values, one per epoch in which the key was logged. */
  history: Record<string, number[]> = {};
  /** For each key, the epochs its values belong to (a key may start late, e.g. `lr`). */
  private keyEpochs: Record<string, number[]> = {};

  /** Starts a fresh record (a History reused for a second `fit` does not mix the runs). */
  override onTrainBegin(): void {
    this.epoch = [];
    this.history = {};
    this.keyEpochs = {};
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) {
      (this.history[k] ??= []).push(v);
      (this.keyEpochs[k] ??= []).push(epoch);
    }
  }

  /** The history as an SVG document (see `plotHistory`). */
  toSVG(opts: PlotOptions = {}): string {
    return plotHistory({ epoch: this.epoch, history: this.history, keyEpochs: this.keyEpochs }, opts);
  }

  /**
   * Without a path: returns the SVG chart of the history. With a path (Node): writes the SVG
   * there and resolves to it.
   * @example
   * await history.plot('out/history.svg');
   */
  plot(): string;
  plot(opts: PlotOptions): string;
  plot(path: string, opts?: PlotOptions): Promise<string>;
  plot(a?: string | PlotOptions, b?: PlotOptions): string | Promise<string> {
    if (typeof a === 'string') {
      const svg = this.toSVG(b);
      return writeFileAtomic(a, svg, 'History.plot').then(() => svg);
    }
    if (a !== undefined && (a === null || typeof a !== 'object')) {
      throw new Error(`History.plot: argument 'path' must be a string or options object but got ${typeof a}`);
    }
    return this.toSVG(a);
  }
}

// ---------------------------------------------------------------------------------------------
// SVG rendering

const FONT = 'Helvetica, Arial, sans-serif';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** A "nice" number close to x: 1, 2, 5 or 10 times a power of ten. */
function niceNum(x: number): number {
  const exp = Math.floor(Math.log10(x));
  const f = x / 10 ** exp;
  const nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nf * 10 ** exp;
}

/** Tick positions covering [lo, hi] with about `count` ticks, and their step. */
export function niceTicks(lo: number, hi: number, count = 5, integer = false): { ticks: number[]; step: number } {
  if (!(hi > lo)) return { ticks: [lo], step: 1 };
  let step = niceNum((hi - lo) / Math.max(1, count - 1));
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9) * step;
  for (let t = first; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return { ticks, step };
}

function tickLabel(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.abs(step);
  if (a >= 1e5 || a < 1e-4)
    return v.toExponential(Math.max(0, Math.min(3, Math.ceil(-Math.log10(a / Math.abs(v)))))).replace('e+', 'e');
  const decimals = Math.max(0, -Math.floor(Math.log10(a) + 1e-9));
  return v.toFixed(decimals);
}

interface Series {
  label: 'training' | 'validation';
  xs: number[];
  ys: number[];
}

/**
 * Renders a Keras-style history as an SVG document: one panel per metric (loss first), each with
 * the training and validation (`val_`) series, epochs (1-based, as Keras prints them) on x.
 * Non-finite values (NaN, Infinity) are left out, breaking the line.
 * @example
 * const svg = sg.callbacks.plotHistory({ epoch: [0, 1], history: { loss: [0.9, 0.5], val_loss: [1, 0.7] } });
 */
export function plotHistory(record: HistoryRecord, opts: PlotOptions = {}): string {
  checkOptions('plotHistory', opts);
  if (
    record === null ||
    typeof record !== 'object' ||
    !Array.isArray(record.epoch) ||
    typeof record.history !== 'object'
  ) {
    throw new Error(`plotHistory: argument 'record' must be { epoch: number[], history: { [metric]: number[] } }`);
  }
  const keyEpochs = record.keyEpochs ?? {};
  const width = opts.width ?? 720;
  const panelH = opts.panelHeight ?? 280;
  const trainColor = opts.colors?.training ?? '#F8766D';
  const valColor = opts.colors?.validation ?? '#00BFC4';
  if (!(width >= 240) || !(panelH >= 120)) {
    throw new Error(`plotHistory: options 'width' (${width}) must be >= 240 and 'panelHeight' (${panelH}) >= 120`);
  }

  const keys = Object.keys(record.history);
  // Base metric names in log order, loss first; a val_x without x still gets a panel.
  let metrics: string[] = [];
  for (const k of keys) {
    const base = k.startsWith('val_') ? k.slice(4) : k;
    if (!metrics.includes(base)) metrics.push(base);
  }
  metrics.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
  if (opts.metrics) {
    for (const m of opts.metrics) {
      if (!metrics.includes(m)) {
        throw new Error(
          `plotHistory: option 'metrics' names '${m}', which the history lacks; it has ${metrics.join(', ') || 'nothing'}`,
        );
      }
    }
    metrics = opts.metrics.slice();
  }

  // The x values of a key: its own epochs when recorded, else the last epochs of the run.
  const xsOf = (key: string): number[] => {
    const vals = record.history[key];
    const eps = keyEpochs[key] ?? record.epoch.slice(record.epoch.length - vals.length);
    return vals.map((_, i) => (eps[i] ?? i) + 1);
  };
  const seriesOf = (metric: string): Series[] => {
    const out: Series[] = [];
    if (record.history[metric]) out.push({ label: 'training', xs: xsOf(metric), ys: record.history[metric] });
    const v = 'val_' + metric;
    if (record.history[v]) out.push({ label: 'validation', xs: xsOf(v), ys: record.history[v] });
    return out;
  };
  const hasValidation = metrics.some((m) => record.history['val_' + m] !== undefined);
  const hasTraining = metrics.some((m) => record.history[m] !== undefined);

  const titleH = opts.title ? 30 : 0;
  const left = 72;
  const legendW = 120;
  const right = width - legendW - 12;
  const height = titleH + Math.max(1, metrics.length) * panelH + 8;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="${FONT}">`,
  );
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#FFFFFF"/>`);
  if (opts.title) {
    out.push(
      `<text x="${num(width / 2)}" y="21" font-size="16" font-weight="bold" text-anchor="middle" fill="#222222">${esc(opts.title)}</text>`,
    );
  }
  if (metrics.length === 0) {
    out.push(
      `<text x="${num(width / 2)}" y="${num(titleH + panelH / 2)}" font-size="13" text-anchor="middle" fill="#555555">no epochs recorded</text>`,
    );
  }

  // Every panel shares the epoch axis.
  const allX = metrics.flatMap((m) => seriesOf(m).flatMap((s) => s.xs));
  const xMin = allX.length ? Math.min(...allX) : 1;
  const xMax = allX.length ? Math.max(...allX) : 1;
  const xPad = xMax > xMin ? (xMax - xMin) * 0.04 : 0.5;
  const xLo = xMin - xPad;
  const xHi = xMax + xPad;
  const xt = niceTicks(xMin, xMax, Math.min(8, Math.max(2, xMax - xMin + 1)), true);

  metrics.forEach((metric, p) => {
    const top = titleH + p * panelH;
    const stripY = top + 8;
    const plotTop = stripY + 22;
    const plotBottom = top + panelH - 44;
    const series = seriesOf(metric);
    const finite = series.flatMap((s) => s.ys.filter((y) => Number.isFinite(y)));
    let yMin = finite.length ? Math.min(...finite) : 0;
    let yMax = finite.length ? Math.max(...finite) : 1;
    if (yMax === yMin) {
      const d = Math.abs(yMin) > 0 ? Math.abs(yMin) * 0.1 : 1;
      yMin -= d;
      yMax += d;
    }
    const yt = niceTicks(yMin, yMax, 5);
    const yPad = (yMax - yMin) * 0.05;
    const yLo = yMin - yPad;
    const yHi = yMax + yPad;
    const sx = (x: number) => left + ((x - xLo) / (xHi - xLo)) * (right - left);
    const sy = (y: number) => plotBottom - ((y - yLo) / (yHi - yLo)) * (plotBottom - plotTop);

    out.push(`<g class="panel" data-metric="${esc(metric)}">`);
    // Title strip, ggplot2-style.
    out.push(`<rect x="${left}" y="${stripY}" width="${right - left}" height="20" fill="#D9D9D9"/>`);
    out.push(
      `<text x="${num((left + right) / 2)}" y="${stripY + 14}" font-size="12" text-anchor="middle" fill="#1A1A1A">${esc(metric)}</text>`,
    );
    // Plot area and grid.
    out.push(
      `<rect x="${left}" y="${plotTop}" width="${right - left}" height="${plotBottom - plotTop}" fill="#EBEBEB"/>`,
    );
    for (const t of yt.ticks) {
      const y = num(sy(t));
      out.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#FFFFFF" stroke-width="1.1"/>`);
    }
    for (const t of xt.ticks) {
      const x = num(sx(t));
      out.push(`<line x1="${x}" y1="${plotTop}" x2="${x}" y2="${plotBottom}" stroke="#FFFFFF" stroke-width="1.1"/>`);
    }
    // Axes: ticks and labels.
    out.push(`<g class="y-axis" font-size="11" fill="#4D4D4D" text-anchor="end">`);
    for (const t of yt.ticks) {
      const y = sy(t);
      out.push(`<line x1="${left - 4}" y1="${num(y)}" x2="${left}" y2="${num(y)}" stroke="#333333"/>`);
      out.push(`<text x="${left - 7}" y="${num(y + 4)}">${esc(tickLabel(t, yt.step))}</text>`);
    }
    out.push('</g>');
    out.push(`<g class="x-axis" font-size="11" fill="#4D4D4D" text-anchor="middle">`);
    for (const t of xt.ticks) {
      const x = sx(t);
      out.push(`<line x1="${num(x)}" y1="${plotBottom}" x2="${num(x)}" y2="${plotBottom + 4}" stroke="#333333"/>`);
      out.push(`<text x="${num(x)}" y="${plotBottom + 16}">${esc(String(t))}</text>`);
    }
    out.push('</g>');
    out.push(
      `<text class="x-label" x="${num((left + right) / 2)}" y="${plotBottom + 34}" font-size="12" text-anchor="middle" fill="#1A1A1A">epoch</text>`,
    );
    const cy = (plotTop + plotBottom) / 2;
    out.push(
      `<text class="y-label" x="16" y="${num(cy)}" font-size="12" text-anchor="middle" fill="#1A1A1A" ` +
        `transform="rotate(-90 16 ${num(cy)})">${esc(metric)}</text>`,
    );
    // Series: lines (broken at non-finite values), then points on top.
    const r = record.epoch.length > 60 ? 1.6 : 2.8;
    for (const s of series) {
      const color = s.label === 'training' ? trainColor : valColor;
      const runs: string[][] = [[]];
      s.ys.forEach((y, i) => {
        if (Number.isFinite(y)) runs[runs.length - 1].push(`${num(sx(s.xs[i]))},${num(sy(y))}`);
        else if (runs[runs.length - 1].length) runs.push([]);
      });
      out.push(`<g class="series" data-series="${s.label}" fill="${color}" stroke="${color}">`);
      for (const run of runs) {
        if (run.length > 1)
          out.push(`<polyline points="${run.join(' ')}" fill="none" stroke-width="1.6" stroke-linejoin="round"/>`);
      }
      s.ys.forEach((y, i) => {
        if (Number.isFinite(y))
          out.push(`<circle cx="${num(sx(s.xs[i]))}" cy="${num(sy(y))}" r="${r}" stroke="none"/>`);
      });
      out.push('</g>');
    }
    out.push('</g>');
  });

  // Legend, centred at the right.
  const entries: Array<[string, string]> = [];
  if (hasTraining) entries.push(['training', trainColor]);
  if (hasValidation) entries.push(['validation', valColor]);
  if (entries.length) {
    const lx = right + 18;
    const ly = titleH + (height - titleH) / 2 - (entries.length * 22) / 2;
    out.push(`<g class="legend" font-size="12" fill="#1A1A1A">`);
    out.push(`<text x="${lx}" y="${num(ly - 6)}" font-size="12">data</text>`);
    entries.forEach(([name, color], i) => {
      const y = ly + 12 + i * 22;
      out.push(`<line x1="${lx}" y1="${num(y)}" x2="${lx + 22}" y2="${num(y)}" stroke="${color}" stroke-width="1.6"/>`);
      out.push(`<circle cx="${lx + 11}" cy="${num(y)}" r="2.8" fill="${color}"/>`);
      out.push(`<text x="${lx + 30}" y="${num(y + 4)}">${name}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
