// The drawing pad: the user draws a digit with the mouse, a pen or a finger; toInput() turns the
// drawing into an MNIST-like 28x28 input (as the MNIST digits were made: the digit's bounding
// box scaled to fit 20x20 with its aspect kept, anti-aliased, then moved so that its centre of
// mass is the image's centre), values 0..1.

/** A canvas the user draws on; calls `onChange` while drawing. */
export class DrawingPad {
  private drawing = false;
  private last: [number, number] | null = null;
  private empty = true;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onChange: () => void,
  ) {
    canvas.style.touchAction = 'none';
    this.clear();
    canvas.addEventListener('pointerdown', (e) => {
      this.drawing = true;
      canvas.setPointerCapture(e.pointerId);
      this.last = this.at(e);
      this.line(this.last, this.last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing) return;
      const p = this.at(e);
      this.line(this.last ?? p, p);
      this.last = p;
    });
    const end = () => {
      this.drawing = false;
      this.last = null;
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  /** True until something is drawn. */
  get isEmpty(): boolean {
    return this.empty;
  }

  /** Wipes the pad. */
  clear(): void {
    const g = this.canvas.getContext('2d')!;
    g.fillStyle = '#000';
    g.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.empty = true;
  }

  private at(e: PointerEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [
      ((e.clientX - r.left) * this.canvas.width) / r.width,
      ((e.clientY - r.top) * this.canvas.height) / r.height,
    ];
  }

  private line(a: [number, number], b: [number, number]): void {
    const g = this.canvas.getContext('2d')!;
    g.strokeStyle = '#fff';
    g.lineWidth = this.canvas.width / 14;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.beginPath();
    g.moveTo(a[0], a[1]);
    g.lineTo(b[0], b[1]);
    g.stroke();
    this.empty = false;
    this.onChange();
  }

  /** The drawing as an MNIST-like [784] input (0..1), drawn also into `preview` if given. */
  toInput(preview?: HTMLCanvasElement): Float32Array {
    const { width: W, height: H } = this.canvas;
    const src = this.canvas.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, W, H).data;
    let [x0, y0, x1, y1] = [W, H, -1, -1];
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        if (src[(y * W + x) * 4] > 20) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
    const out = new Float32Array(784);
    if (x1 >= 0) {
      const bw = x1 - x0 + 1;
      const bh = y1 - y0 + 1;
      const s = 20 / Math.max(bw, bh);
      const small = document.createElement('canvas');
      small.width = small.height = 28;
      const g = small.getContext('2d', { willReadFrequently: true })!;
      g.imageSmoothingEnabled = true;
      g.imageSmoothingQuality = 'high';
      g.fillStyle = '#000';
      g.fillRect(0, 0, 28, 28);
      g.drawImage(this.canvas, x0, y0, bw, bh, (28 - bw * s) / 2, (28 - bh * s) / 2, bw * s, bh * s);
      const px = g.getImageData(0, 0, 28, 28).data;
      let [m, mx, my] = [0, 0, 0];
      for (let i = 0; i < 784; i++) {
        const v = px[i * 4] / 255;
        m += v;
        mx += v * (i % 28);
        my += v * Math.floor(i / 28);
      }
      // Shift the centre of mass to the centre (13.5, 13.5), in whole pixels as MNIST did.
      const dx = m > 0 ? Math.round(13.5 - mx / m) : 0;
      const dy = m > 0 ? Math.round(13.5 - my / m) : 0;
      for (let y = 0; y < 28; y++)
        for (let x = 0; x < 28; x++) {
          const sx = x - dx;
          const sy = y - dy;
          if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = px[(sy * 28 + sx) * 4] / 255;
        }
    }
    if (preview) {
      const g = preview.getContext('2d')!;
      const img = g.createImageData(28, 28);
      out.forEach((v, i) => {
        img.data.set([v * 255, v * 255, v * 255, 255], i * 4);
      });
      preview.width = preview.height = 28;
      g.putImageData(img, 0, 0);
    }
    return out;
  }
}
