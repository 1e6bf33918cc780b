// fit()'s default logging (src/callbacks/progbar.ts):
//   - Node, in a terminal (TTY) and in a pipe: Keras' output (an `Epoch i/n` header, then the
//     progress line), and what a user's callbacks print (console.log, console.warn) never lands
//     between a header and its progress line. The TTY case is checked on the screen that a
//     terminal would show (the output replayed through a small terminal model: \r, \n, cursor up,
//     erase line, wrap at 80 columns).
//   - Headless Chromium (the console writer): one console line per epoch at verbose 1 and 2, none
//     at verbose 0; the user's own console lines are left alone.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleForBrowser, launchChromium, type Chromium } from '../browser/harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');

/** Runs logging_fit.ts in a child (stderr merged into stdout, in order); its raw output. */
function runFit(tty: boolean, throwing = false): string {
  const r = spawnSync('sh', ['-c', `exec node --import tsx ${JSON.stringify(join(here, 'logging_fit.ts'))} 2>&1`], {
    cwd: root,
    env: { ...process.env, FAKE_TTY: tty ? '1' : '0', THROW: throwing ? '1' : '0', FORCE_COLOR: '0', NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return r.stdout;
}

/**
 * The lines a terminal of `cols` columns shows after receiving `out` (rows that a long line
 * wrapped into are joined back to it).
 */
function screen(out: string, cols = 80): string[] {
  const rows: string[][] = [[]];
  const wrapped = new Set<number>();
  let row = 0;
  let col = 0;
  for (let i = 0; i < out.length; i++) {
    const ch = out[i];
    if (ch === '\x1b') {
      const m = /^\x1b\[(\d*)([A-Za-z])/.exec(out.slice(i));
      if (!m) throw new Error(`unknown escape at ${i}: ${JSON.stringify(out.slice(i, i + 8))}`);
      if (m[2] === 'A') row = Math.max(0, row - Number(m[1] || 1));
      else if (m[2] === 'K' && m[1] === '2') {
        rows[row] = [];
        wrapped.delete(row);
      } else throw new Error(`unexpected escape ${m[0]}`);
      i += m[0].length - 1;
    } else if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      col = 0;
    } else {
      if (col === cols) {
        row++;
        col = 0;
        rows[row] = [];
        wrapped.add(row);
      }
      rows[row] ??= [];
      rows[row][col++] = ch;
    }
    rows[row] ??= [];
  }
  const lines: string[] = [];
  rows.forEach((r, i) => {
    const text = Array.from(r, (c) => c ?? ' ').join('');
    if (wrapped.has(i) && lines.length) lines[lines.length - 1] += text;
    else lines.push(text);
  });
  for (let i = 0; i < lines.length; i++) lines[i] = lines[i].trimEnd();
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const FINISHED =
  /^3\/3 \[==============================\] - \d+s \d+(ms|us|s)\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$/;

/** Every header is followed by its finished progress line; the user's lines are all there. */
function checkOrder(lines: string[]): void {
  const headers = lines.flatMap((l, i) => (/^Epoch \d\/3$/.test(l) ? [i] : []));
  expect(headers.map((i) => lines[i])).toEqual(['Epoch 1/3', 'Epoch 2/3', 'Epoch 3/3']);
  for (const i of headers) expect(lines[i + 1], `line after ${lines[i]}`).toMatch(FINISHED);
  expect(lines.filter((l) => l.startsWith('user:'))).toEqual([
    'user: batch 1',
    'user: epoch 0 ended',
    'user: batch 1',
    'user: epoch 1 ended',
    'user: a warning at epoch 1',
    'user: batch 1',
    'user: epoch 2 ended',
    'user: done',
  ]);
  // Nothing else: no half-drawn bar left on screen, no user text glued to a bar.
  expect(lines.length).toBe(3 * 2 + 8);
}

describe('fit() default logging in Node', () => {
  it('in a terminal: Keras header and live bar, user output above them, never in between', () => {
    const out = runFit(true);
    // Keras' live bar: frames redrawn in place with '\r' ...
    expect(out).toMatch(/\r1\/3 \[=========>\.{20}\] - ETA: /);
    // ... and erased (cursor up, erase line) before the user's output, then drawn again.
    expect(out).toContain('\x1b[1A\x1b[2K');
    checkOrder(screen(out));
  }, 60_000);

  it('in a pipe: no \\r or escapes, the header written with its finished line', () => {
    const out = runFit(false);
    expect(out).not.toMatch(/[\r\x1b]/);
    const lines = out.split('\n').filter((l) => l !== '');
    checkOrder(lines);
    // A user's epoch-end line comes before the next header+line pair, not inside one.
    expect(lines.slice(0, 4)).toEqual([
      'user: batch 1',
      'user: epoch 0 ended',
      'Epoch 1/3',
      expect.stringMatching(FINISHED),
    ]);
  }, 60_000);
});

describe('fit() default logging in Node, after a fit that threw', () => {
  it('in a terminal: the next fit draws as usual and the terminal hook is removed at its end', () => {
    const lines = screen(runFit(true, true));
    const i = lines.indexOf('user: caught user: thrown');
    expect(i).toBeGreaterThan(0);
    // The thrown fit's half-drawn header and bar are erased (nothing of it is left above).
    expect(lines.slice(i + 1, i + 5)).toEqual([
      'Epoch 1/2',
      expect.stringMatching(/^4\/4 \[=+\] - \d+s \d+(ms|us|s)\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}$/),
      'Epoch 2/2',
      expect.stringMatching(/^4\/4 \[=+\] - /),
    ]);
    expect(lines.slice(i + 5)).toEqual(['user: stdout restored true', 'user: done']);
  }, 60_000);
});

describe('fit() default logging in a browser (headless Chromium)', () => {
  let browser: Chromium | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it('one console line per epoch at verbose 1 and 2, none at verbose 0', async () => {
    const bundle = await bundleForBrowser({ contents: `export * from './src/index.ts';`, resolveDir: root });
    browser = await launchChromium();
    const context = browser.context;
    const page = await context.newPage();
    await page.route('http://simdgrad.test/**', (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/sg.js')
        return route.fulfill({ contentType: 'text/javascript', body: Buffer.from(bundle.contents) });
      return route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><script type="module">import * as sg from "/sg.js"; window.sg = sg;</script>',
      });
    });
    const messages: string[] = [];
    page.on('console', (m) => messages.push(m.text()));
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
    await page.goto('http://simdgrad.test/index.html');
    await page.waitForFunction(() => 'sg' in window);
    const fit = (verbose: number | null) =>
      page.evaluate(async (verbose) => {
        const sg = (window as unknown as { sg: typeof import('../../src/index.js') }).sg;
        const x = sg.tensor(
          Float32Array.from({ length: 64 * 4 }, (_, i) => Math.sin(i)),
          [64, 4],
        );
        const y = sg.tensor(
          Float32Array.from({ length: 64 }, (_, i) => i % 2),
          [64, 1],
        );
        const model = sg.sequential();
        model.add(sg.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4] }));
        model.compile({ loss: 'binary_crossentropy', optimizer: 'sgd', metrics: ['accuracy'] });
        await model.fit(x, y, {
          epochs: 3,
          batchSize: 16,
          ...(verbose === null ? {} : { verbose }),
          callbacks: { onEpochEnd: (e) => console.log(`user: epoch ${e}`) },
        });
        sg.dispose([x, y]);
        model.dispose();
      }, verbose);
    const ours = () => messages.splice(0).filter((m) => !m.startsWith('simdgrad: running on one thread'));
    const LINE =
      /^Epoch (\d)\/3 - 4\/4 - \d+s - loss: \d\.\d{4} - accuracy: \d\.\d{4} - \d+(ms|us|s)\/epoch - \d+(ms|us|s)\/step$/;

    await fit(null); // the default, verbose 1
    let got = ours();
    expect(got.filter((m) => !m.startsWith('user:')).map((m) => LINE.exec(m)?.[1])).toEqual(['1', '2', '3']);
    expect(got.filter((m) => m.startsWith('user:'))).toEqual(['user: epoch 0', 'user: epoch 1', 'user: epoch 2']);
    expect(got).toHaveLength(6);

    await fit(2);
    got = ours();
    expect(got.filter((m) => !m.startsWith('user:')).map((m) => LINE.exec(m)?.[1])).toEqual(['1', '2', '3']);

    await fit(0);
    expect(ours()).toEqual(['user: epoch 0', 'user: epoch 1', 'user: epoch 2']);
  }, 60_000);
});
