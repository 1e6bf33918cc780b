// Callbacks: the Callback base, CallbackList ordering and sync/async dispatch, customCallback and
// toCallbacks, the Keras progress bar (TTY, non-TTY, verbose 0/1/2) and History with its SVG plot.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import * as callbacks from '../src/callbacks/index.js';
import { Callback, CallbackList, CustomCallback, History, ProgbarLogger } from '../src/callbacks/index.js';
import type { CallbackModel, Logs, TrainParams } from '../src/callbacks/index.js';
import { checkNoLeaks } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'simdgrad-cb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function params(over: Partial<TrainParams> = {}): TrainParams {
  return { epochs: 2, steps: 3, samples: 96, verbose: 1, metrics: ['loss', 'val_loss'], initialEpoch: 0, ...over };
}

const model: CallbackModel = {
  stopTraining: false,
  optimizer: { learningRate: 0.01 },
  getWeights: () => [],
  setWeights: () => {},
};

describe('Callback and CallbackList', () => {
  checkNoLeaks();

  it('the base class has every Keras hook as a no-op, and setModel/setParams', () => {
    const cb = new Callback();
    for (const h of callbacks.HOOK_NAMES) expect((cb[h] as (...a: unknown[]) => unknown)(0, {})).toBeUndefined();
    cb.setModel(model);
    cb.setParams(params());
    expect(cb.model).toBe(model);
    expect(cb.params?.epochs).toBe(2);
  });

  it('runs hooks in order and returns undefined (no Promise) when all are synchronous', () => {
    const seen: string[] = [];
    const list = new CallbackList([
      { onBatchEnd: (b) => void seen.push(`a${b}`) },
      { onBatchEnd: (b) => void seen.push(`b${b}`) },
    ]);
    expect(list.onBatchEnd(0, { loss: 1 })).toBeUndefined();
    expect(list.onEpochEnd(0)).toBeUndefined();
    expect(seen).toEqual(['a0', 'b0']);
  });

  it('awaits an async hook before running the later ones, in order', async () => {
    const seen: string[] = [];
    const list = new CallbackList([
      { onEpochEnd: () => void seen.push('sync1') },
      {
        onEpochEnd: async () => {
          await new Promise((r) => setTimeout(r, 20));
          seen.push('async');
        },
      },
      { onEpochEnd: () => void seen.push('sync2') },
    ]);
    const r = list.onEpochEnd(0, {});
    expect(r).toBeInstanceOf(Promise);
    expect(seen).toEqual(['sync1']);
    await r;
    expect(seen).toEqual(['sync1', 'async', 'sync2']);
  });

  it('propagates an async hook error and shares one logs object between callbacks', async () => {
    const list = new CallbackList([{ onTrainEnd: async () => Promise.reject(new Error('boom')) }]);
    await expect(list.onTrainEnd()).rejects.toThrow('boom');
    const logs: Logs = { loss: 1 };
    const shared = new CallbackList([
      { onEpochEnd: (_e, l) => void (l!.lr = 0.5) },
      { onEpochEnd: (_e, l) => void expect(l!.lr).toBe(0.5) },
    ]);
    shared.onEpochEnd(0, logs);
    expect(logs.lr).toBe(0.5);
  });

  it('setModel/setParams reach every callback; append adds plain hooks', () => {
    const a = new Callback();
    const list = new CallbackList(a);
    list.append({ onEpochBegin: () => {} });
    list.setModel(model);
    list.setParams(params({ epochs: 7 }));
    expect(list.callbacks).toHaveLength(2);
    expect(list.callbacks[1]).toBeInstanceOf(CustomCallback);
    for (const cb of list.callbacks) {
      expect(cb.model).toBe(model);
      expect(cb.params?.epochs).toBe(7);
    }
  });

  it('customCallback calls the hooks with the callback as this', () => {
    let got: unknown;
    const cb = callbacks.customCallback({
      onEpochEnd(this: Callback, epoch: number, logs?: Logs) {
        got = [this.model, epoch, logs];
      },
    });
    cb.setModel(model);
    cb.onEpochEnd(3, { loss: 2 });
    expect(got).toEqual([model, 3, { loss: 2 }]);
  });

  it('toCallbacks accepts undefined, one callback, hooks and mixed lists; rejects others clearly', () => {
    expect(callbacks.toCallbacks(undefined)).toEqual([]);
    const h = new History();
    expect(callbacks.toCallbacks(h)).toEqual([h]);
    const list = callbacks.toCallbacks([h, { onTrainBegin: () => {} }]);
    expect(list[0]).toBe(h);
    expect(list[1]).toBeInstanceOf(CustomCallback);
    expect(() => callbacks.toCallbacks([h, 3 as never])).toThrow(
      /toCallbacks: argument 'callbacks'\[1\] must be a Callback.*number 3/,
    );
    expect(() => callbacks.customCallback({ onEpochEnnd: () => {} } as never)).toThrow(
      /CustomCallback: unknown hook 'onEpochEnnd'/,
    );
    expect(() => callbacks.customCallback({ onEpochEnd: 5 } as never)).toThrow(/hook 'onEpochEnd' must be a function/);
  });
});

/** Runs a fake fit through a ProgbarLogger: `times` are the clock (ms) at each batch end. */
function drive(
  verbose: 0 | 1 | 2,
  isTTY: boolean,
  opts: { epochs?: number; steps?: number; times?: number[][] } = {},
): string {
  let out = '';
  let clock = 0;
  const epochs = opts.epochs ?? 2;
  const steps = opts.steps ?? 3;
  const times = opts.times ?? [
    [100, 200, 300],
    [1400, 1500, 1600],
  ];
  const p = new ProgbarLogger({ writer: { write: (s) => void (out += s), isTTY }, now: () => clock });
  const list = new CallbackList([p]);
  list.setParams(params({ epochs, steps, verbose }));
  list.setModel(model);
  list.onTrainBegin();
  for (let e = 0; e < epochs; e++) {
    clock = e === 0 ? 0 : 1300;
    list.onEpochBegin(e);
    for (let b = 0; b < steps; b++) {
      clock = times[e][b];
      list.onBatchEnd(b, { batch: b, size: 32, loss: 1 / (b + 2), accuracy: 0.5 + b / 10 });
    }
    list.onEpochEnd(e, { loss: 0.2311, accuracy: 0.9301, val_loss: 0.15, val_accuracy: 0.955 });
  }
  list.onTrainEnd();
  return out;
}

describe('ProgbarLogger', () => {
  checkNoLeaks();

  it('verbose 1 on a TTY: Epoch line, live bar redrawn with \\r, final line with time per step', () => {
    const out = drive(1, true);
    const lines = out.split('\n');
    expect(lines[0]).toBe('Epoch 1/2');
    const frames = lines[1].split('\r').filter((s) => s.length);
    expect(frames[0]).toBe('1/3 [=========>....................] - ETA: 0s - loss: 0.5000 - accuracy: 0.5000');
    expect(frames[1]).toBe('2/3 [===================>..........] - ETA: 0s - loss: 0.3333 - accuracy: 0.6000');
    expect(frames[frames.length - 1]).toBe(
      '3/3 [==============================] - 0s 100ms/step - loss: 0.2311 - accuracy: 0.9301 - val_loss: 0.1500 - val_accuracy: 0.9550',
    );
    expect(lines[2]).toBe('Epoch 2/2');
    expect(lines[3].split('\r').pop()).toBe(
      '3/3 [==============================] - 0s 100ms/step - loss: 0.2311 - accuracy: 0.9301 - val_loss: 0.1500 - val_accuracy: 0.9550',
    );
    expect(lines[4]).toBe('');
  });

  it('verbose 1 redraws at most once per interval', () => {
    let out = '';
    let clock = 0;
    const p = new ProgbarLogger({
      writer: { write: (s) => void (out += s), isTTY: true },
      now: () => clock,
      interval: 50,
    });
    p.setParams(params({ epochs: 1, steps: 100 }));
    p.onTrainBegin();
    p.onEpochBegin(0);
    for (let b = 0; b < 100; b++) {
      clock = b * 10; // a batch every 10 ms: about one redraw in five
      p.onBatchEnd(b, { loss: 1 });
    }
    p.onEpochEnd(0, { loss: 1 });
    const frames = out.split('\r').filter((s) => s.length);
    expect(frames.length).toBeGreaterThanOrEqual(19);
    expect(frames.length).toBeLessThanOrEqual(22);
    expect(out.endsWith('\n')).toBe(true);
    // 6% of 30 columns is one: just the '>' head; 94 steps of 10 ms left
    expect(frames[1]).toBe('  6/100 [>.............................] - ETA: 0s - loss: 1.0000');
  });

  it('verbose 1 without a TTY prints one line per epoch and no \\r', () => {
    const out = drive(1, false);
    expect(out).not.toContain('\r');
    expect(out.split('\n')).toEqual([
      'Epoch 1/2',
      '3/3 [==============================] - 0s 100ms/step - loss: 0.2311 - accuracy: 0.9301 - val_loss: 0.1500 - val_accuracy: 0.9550',
      'Epoch 2/2',
      '3/3 [==============================] - 0s 100ms/step - loss: 0.2311 - accuracy: 0.9301 - val_loss: 0.1500 - val_accuracy: 0.9550',
      '',
    ]);
  });

  it('verbose 2 prints one line per epoch with epoch and step times', () => {
    const out = drive(2, true, {
      times: [
        [100, 200, 300],
        [1800, 2300, 2800],
      ],
    });
    expect(out.split('\n')).toEqual([
      'Epoch 1/2',
      '3/3 - 0s - loss: 0.2311 - accuracy: 0.9301 - val_loss: 0.1500 - val_accuracy: 0.9550 - 300ms/epoch - 100ms/step',
      'Epoch 2/2',
      '3/3 - 2s - loss: 0.2311 - accuracy: 0.9301 - val_loss: 0.1500 - val_accuracy: 0.9550 - 2s/epoch - 500ms/step',
      '',
    ]);
  });

  it('verbose 0 prints nothing; one epoch prints no Epoch line', () => {
    expect(drive(0, true)).toBe('');
    expect(drive(2, false, { epochs: 1, times: [[10, 20, 30]] })).toMatch(/^3\/3 - 0s - loss/);
  });

  it('formats metric values as Keras: 4 decimals, scientific below 1e-3, nan/inf', () => {
    expect(callbacks.formatMetricValue(0.23114)).toBe('0.2311');
    expect(callbacks.formatMetricValue(12.5)).toBe('12.5000');
    expect(callbacks.formatMetricValue(0.000123)).toBe('1.2300e-04');
    expect(callbacks.formatMetricValue(0)).toBe('0.0000e+00');
    expect(callbacks.formatMetricValue(NaN)).toBe('nan');
    expect(callbacks.formatMetricValue(-Infinity)).toBe('-inf');
  });

  it('a step count of 0 shows Unknown; padding covers a longer previous frame', () => {
    let out = '';
    let clock = 0;
    const p = new ProgbarLogger({ writer: { write: (s) => void (out += s), isTTY: true }, now: () => clock });
    p.setParams(params({ epochs: 1, steps: 0 }));
    p.onEpochBegin(0);
    clock = 100;
    p.onBatchEnd(0, { loss: 123.456, accuracy: 0.5 });
    clock = 200;
    p.onBatchEnd(1, { loss: 1 });
    p.onEpochEnd(0, {});
    const frames = out.split('\r').filter((s) => s);
    expect(frames[0]).toBe('      1/Unknown - 0s 100ms/step - loss: 123.4560 - accuracy: 0.5000');
    expect(frames[1].startsWith('      2/Unknown - 0s 100ms/step - loss: 1.0000 - accuracy: 0.5000')).toBe(true);
  });
});

/** Structural XML check: every tag closes in order, attributes are quoted, one root. */
function checkWellFormed(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(xml))) {
    const between = xml.slice(last, m.index);
    expect(between, `stray markup before ${m[0]}`).not.toMatch(/[<>]/);
    expect(between, 'unescaped &').not.toMatch(/&(?!(amp|lt|gt|quot|#\d+);)/);
    last = tag.lastIndex;
    if (m[0].startsWith('<!--') || m[0].startsWith('<?')) continue;
    const [, close, name, , selfClose] = m;
    if (close) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  expect(xml.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

describe('History', () => {
  checkNoLeaks();

  function run(epochs: number, withVal = true): History {
    const h = new History();
    h.setParams(params({ epochs }));
    h.onTrainBegin();
    for (let e = 0; e < epochs; e++) {
      const loss = 1 / (e + 1);
      const logs: Logs = { loss, accuracy: 1 - loss / 2 };
      if (withVal) Object.assign(logs, { val_loss: loss * 1.2, val_accuracy: 1 - loss / 1.8 });
      h.onEpochEnd(e, logs);
    }
    h.onTrainEnd();
    return h;
  }

  it('records epoch and history exactly as Keras, and params', () => {
    const h = run(3);
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(Object.keys(h.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    expect(h.history.loss).toEqual([1, 0.5, 1 / 3]);
    expect(h.history.val_loss[2]).toBeCloseTo(0.4);
    expect(h.params?.epochs).toBe(3);
    h.onTrainBegin();
    expect(h.epoch).toEqual([]);
    expect(h.history).toEqual({});
  });

  it('plot() returns well-formed SVG with one panel per metric, both series, axes and a legend', () => {
    const svg = run(12).plot();
    checkWellFormed(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const panels = [...svg.matchAll(/<g class="panel" data-metric="([^"]+)">/g)].map((m) => m[1]);
    expect(panels).toEqual(['loss', 'accuracy']);
    expect(svg.match(/data-series="training"/g)).toHaveLength(2);
    expect(svg.match(/data-series="validation"/g)).toHaveLength(2);
    // 12 points per series, 4 series, plus 2 legend markers
    expect(svg.match(/<circle /g)).toHaveLength(12 * 4 + 2);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg.match(/>epoch<\/text>/g)).toHaveLength(2);
    expect(svg).toMatch(/class="y-label"[^>]*>loss<\/text>/);
    expect(svg).toMatch(/class="y-label"[^>]*>accuracy<\/text>/);
    expect(svg).toContain('>training</text>');
    expect(svg).toContain('>validation</text>');
    // x ticks are whole epochs, 1-based
    const xTicks = [...svg.matchAll(/<g class="x-axis"[^>]*>([\s\S]*?)<\/g>/g)][0][1];
    const labels = [...xTicks.matchAll(/>(\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(labels.length).toBeGreaterThanOrEqual(3);
    for (const l of labels) expect(l >= 1 && l <= 12).toBe(true);
    // every coordinate is a finite number
    for (const m of svg.matchAll(/ (?:x|y|x1|y1|x2|y2|cx|cy)="([^"]*)"/g))
      expect(Number.isFinite(Number(m[1]))).toBe(true);
  });

  it('plot handles no validation, one epoch, NaN values and escapes names', () => {
    const h = new History();
    h.onTrainBegin();
    h.onEpochEnd(0, { loss: 0.5, 'a<b&c': 2 });
    const svg = h.plot();
    checkWellFormed(svg);
    expect(svg).not.toContain('>validation</text>');
    expect(svg).toContain('a&lt;b&amp;c');
    const h2 = new History();
    h2.onTrainBegin();
    [0.9, NaN, 0.5, 0.4].forEach((l, e) => h2.onEpochEnd(e, { loss: l, val_loss: Infinity }));
    const svg2 = h2.plot({ title: 'run 1' });
    checkWellFormed(svg2);
    expect(svg2.match(/<polyline /g)).toHaveLength(1); // 0.5 -> 0.4; the lone 0.9 is a point
    expect(svg2).not.toContain('NaN');
    expect(svg2).toContain('>run 1</text>');
    expect(() => h2.plot({ metrics: ['acc'] })).toThrow(
      /plotHistory: option 'metrics' names 'acc', which the history lacks; it has loss/,
    );
  });

  it('plot(path) writes the SVG file', async () => {
    const file = join(dir, 'sub', 'history.svg');
    const svg = await run(5).plot(file);
    expect(readFileSync(file, 'utf8')).toBe(svg);
  });

  it('a key that starts late (lr) is plotted at its own epochs', () => {
    const h = new History();
    h.onTrainBegin();
    h.onEpochEnd(0, { loss: 1 });
    h.onEpochEnd(1, { loss: 0.5, lr: 0.1 });
    h.onEpochEnd(2, { loss: 0.25, lr: 0.01 });
    expect(h.history.lr).toEqual([0.1, 0.01]);
    const svg = h.plot();
    checkWellFormed(svg);
    expect([...svg.matchAll(/<g class="panel" data-metric="([^"]+)">/g)].map((m) => m[1])).toEqual(['loss', 'lr']);
  });

  it('the History keeps no tensors', () => {
    const before = sg.memory().numTensors;
    run(4).plot();
    expect(sg.memory().numTensors).toBe(before);
  });
});
