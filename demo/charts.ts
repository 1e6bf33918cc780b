// Line charts on a canvas, drawn by hand (no chart library): the demo's loss and accuracy curves.
// A chart has series of (x, y) points; x is in epochs (a batch sits at its fraction of the epoch).

/** One curve of a chart. */
export interface SeriesStyle {
  name: string;
  color: string;
  /** Line width in CSS pixels. */
  width: number;
  /** Draws a dot at every point (the per-epoch curves). */
  dots?: boolean;
}

/** A chart's options. */
export interface ChartOptions {
  title: string;
  series: SeriesStyle[];
  /** Fixed y range; each end left undefined follows the data. */
  yMin?: number;
  yMax?: number;
  /** Digits of the y axis labels. */
  digits?: number;
}

/** A line chart on one canvas; `add` points, the drawing follows on the next animation frame. */
export class LineChart {
  private readonly data: Array<Array<[number, number]>>;
  private pending = false;
  private lastDraw = -Infinity;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly opts: ChartOptions,
  ) {
    this.data = opts.series.map(() => []);
    this.draw();
  }

  /** Adds the point (x, y) to series `i` (non-finite values are skipped). */
  add(i: number, x: number, y: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    this.data[i].push([x, y]);
    this.schedule();
  }

  /** Removes every point. */
  clear(): void {
    for (const d of this.data) d.length = 0;
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    // At most 4 redraws a second: the curves need no more, and the main thread stays idle.
    const wait = Math.max(0, this.lastDraw + 250 - performance.now());
    setTimeout(
      () =>
        requestAnimationFrame(() => {
          this.pending = false;
          this.lastDraw = performance.now();
          this.draw();
        }),
      wait,
    );
  }

  /** Draws the chart now. */
  draw(): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth || 480;
    const h = c.clientHeight || 220;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const pad = { l: 46, r: 12, t: 26, b: 30 };
    const all = this.data.flat();
    const xMax = Math.max(1, ...all.map((p) => Math.ceil(p[0])));
    let yMin = this.opts.yMin ?? Math.min(...all.map((p) => p[1]));
    let yMax = this.opts.yMax ?? Math.max(...all.map((p) => p[1]));
    if (!Number.isFinite(yMin) || !Number.isFinite(yMax)) [yMin, yMax] = [0, 1];
    if (yMax - yMin < 1e-6) yMax = yMin + 1;
    const X = (x: number) => pad.l + (x / xMax) * (w - pad.l - pad.r);
    const Y = (y: number) => h - pad.b - ((y - yMin) / (yMax - yMin)) * (h - pad.t - pad.b);

    g.font = '12px system-ui, sans-serif';
    g.fillStyle = '#222';
    g.textBaseline = 'alphabetic';
    g.textAlign = 'left';
    g.fillText(this.opts.title, pad.l, 16);
    // Axes, grid and labels.
    g.strokeStyle = '#ddd';
    g.lineWidth = 1;
    g.fillStyle = '#666';
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const v = yMin + ((yMax - yMin) * i) / 4;
      g.beginPath();
      g.moveTo(pad.l, Y(v));
      g.lineTo(w - pad.r, Y(v));
      g.stroke();
      g.fillText(v.toFixed(this.opts.digits ?? 2), pad.l - 6, Y(v));
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const stepX = Math.max(1, Math.ceil(xMax / 10));
    for (let e = 0; e <= xMax; e += stepX) g.fillText(String(e), X(e), h - pad.b + 6);
    g.fillText('epoch', (pad.l + w - pad.r) / 2, h - 13);
    // Legend.
    let lx = w - pad.r;
    g.textAlign = 'right';
    g.textBaseline = 'alphabetic';
    for (let i = this.opts.series.length - 1; i >= 0; i--) {
      const s = this.opts.series[i];
      g.fillStyle = '#333';
      g.fillText(s.name, lx, 16);
      lx -= g.measureText(s.name).width + 6;
      g.fillStyle = s.color;
      g.fillRect(lx - 12, 10, 12, 4);
      lx -= 22;
    }
    // Curves.
    this.opts.series.forEach((s, i) => {
      const pts = this.data[i];
      if (!pts.length) return;
      g.strokeStyle = s.color;
      g.fillStyle = s.color;
      g.lineWidth = s.width;
      g.beginPath();
      pts.forEach(([x, y], k) => (k ? g.lineTo(X(x), Y(y)) : g.moveTo(X(x), Y(y))));
      g.stroke();
      if (s.dots)
        for (const [x, y] of pts) {
          g.beginPath();
          g.arc(X(x), Y(y), 3, 0, 2 * Math.PI);
          g.fill();
        }
    });
  }
}
