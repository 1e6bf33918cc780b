// The one-line `@example`s of the API reference are run: every `@example sg.<expr>; // <value>`
// in src/ whose comment is a JSON value (a number, a boolean or nested arrays of them) is evaluated
// on each backend and compared with that value, so an example that lies fails here. Examples whose
// comment is prose (`// the intermediate is freed`) are documentation only and are not run.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks } from '../helpers.js';

interface Example {
  where: string;
  expr: string;
  expected: unknown;
  /** Half a unit of the last decimal the comment shows (0.090 -> 5e-4), at least 1e-6. */
  tol: number;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/**
 * `@example sg.sum(x, 1); // [3, 7]` -> { expr: 'sg.sum(x, 1)', expected: [3, 7] }, or null. A
 * trailing `.print()` is dropped: the printed tensor is the value.
 */
function parse(line: string): Omit<Example, 'where'> | null {
  const m = /@example (sg\..*?);?\s*\/\/ (.+?)\s*(?:\*\/)?$/.exec(line);
  if (!m) return null;
  try {
    const expected = JSON.parse(m[2]);
    const decimals = Math.max(0, ...[...m[2].matchAll(/\.(\d+)/g)].map((d) => d[1].length));
    const tol = Math.max(1e-6, 0.5 * 10 ** -decimals);
    return { expr: m[1].replace(/\.print\(\)$/, ''), expected, tol };
  } catch {
    return null; // prose, not a value
  }
}

const EXAMPLES: Example[] = sources('src').flatMap((file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, i) => {
      const p = parse(line);
      return p ? [{ where: `${file}:${i + 1}`, ...p }] : [];
    }),
);

/** A tensor, a list of tensors or plain values, as plain nested numbers (booleans as 0/1). */
function plain(v: unknown): unknown {
  if (v instanceof sg.Tensor) return plain(v.arraySync());
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

function close(actual: unknown, expected: unknown, tol: number, path = ''): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path}: expected a list but got ${JSON.stringify(actual)}`).toBe(true);
    expect((actual as unknown[]).length, `${path}: length of ${JSON.stringify(actual)}`).toBe(expected.length);
    expected.forEach((e, i) => close((actual as unknown[])[i], e, tol, `${path}[${i}]`));
    return;
  }
  expect(typeof actual, `${path}: ${JSON.stringify(actual)}`).toBe('number');
  const a = actual as number;
  const e = expected as number;
  expect(Math.abs(a - e), `${path}: ${a} vs ${e}`).toBeLessThanOrEqual(tol + 1e-6 * Math.abs(e));
}

describe('one-line @examples in src/', () => {
  it('finds the examples (at least one per op family)', () => {
    expect(EXAMPLES.length).toBeGreaterThan(100);
  });
});

describe.each(BACKENDS)('@examples on %s', (backend) => {
  beforeAll(async () => {
    await sg.setBackend(backend);
  });
  checkNoLeaks();

  it.each(EXAMPLES.map((e) => [e.where, e] as const))('%s', (_where, ex) => {
    let value: unknown;
    sg.tidy(() => {
      value = plain(new Function('sg', `return (${ex.expr});`)(sg));
      return undefined;
    });
    close(value, plain(ex.expected), ex.tol);
  });
});
