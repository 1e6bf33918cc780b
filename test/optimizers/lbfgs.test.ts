// L-BFGS (src/optimizers/lbfgs.ts) against scipy.optimize.minimize(method='L-BFGS-B') from the
// venv (scripts/setup-venv.sh), same start, same defaults: Rosenbrock in 2 and 10 dimensions and
// an ill-conditioned quadratic reach the same minimum with iteration counts within a few of
// scipy's. The tensor form (minimizeLbfgs) is checked against the flat form, its final gradient
// against finite differences, and for leaks. Without the venv this file FAILS (test/io/hdf5_python.ts).
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { lbfgs, minimizeLbfgs, type LbfgsObjective } from '../../src/optimizers/lbfgs.js';
import { checkNoLeaks, randArray } from '../helpers.js';
import { runPython } from '../io/hdf5_python.js';

const rosen: LbfgsObjective = (x) => {
  let f = 0;
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * x[i] * a - 2 * b;
    g[i + 1] += 200 * a;
  }
  return { loss: f, grad: g };
};

// 0.5 x'Ax - b'x with A = Q diag(1..100 spread) Q', from a seeded Q (via Gram-Schmidt of random rows).
const N = 12;
function quadraticSpec(): { A: number[][]; b: number[] } {
  const r = randArray(N * N, 7);
  const q: number[][] = [];
  for (let i = 0; i < N; i++) {
    const v = Array.from(r.subarray(i * N, (i + 1) * N));
    for (const u of q) {
      const p = v.reduce((s, vi, k) => s + vi * u[k], 0);
      for (let k = 0; k < N; k++) v[k] -= p * u[k];
    }
    const nrm = Math.hypot(...v);
    q.push(v.map((vi) => vi / nrm));
  }
  const eig = Array.from({ length: N }, (_, i) => 1 + (99 * i) / (N - 1));
  const A = Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => q.reduce((s, u, k) => s + u[i] * eig[k] * u[j], 0)));
  return { A, b: Array.from(randArray(N, 8)) };
}
const { A, b } = quadraticSpec();
const quad: LbfgsObjective = (x) => {
  const g = new Float64Array(N);
  let f = 0;
  for (let i = 0; i < N; i++) {
    let ax = 0;
    for (let j = 0; j < N; j++) ax += A[i][j] * x[j];
    g[i] = ax - b[i];
    f += 0.5 * x[i] * ax - b[i] * x[i];
  }
  return { loss: f, grad: g };
};

const PY = `
import json, sys
import numpy as np
from scipy.optimize import minimize, rosen, rosen_der
spec = json.loads(sys.argv[1])
A = np.array(spec['A']); b = np.array(spec['b'])
out = {}
for name, x0 in [('rosen2', [-1.2, 1.0]), ('rosen10', [-1.2, 1.0] * 5)]:
    r = minimize(rosen, np.array(x0), jac=rosen_der, method='L-BFGS-B')
    out[name] = {'x': r.x.tolist(), 'fun': float(r.fun), 'nit': int(r.nit), 'nfev': int(r.nfev), 'message': str(r.message)}
r = minimize(lambda x: 0.5 * x @ A @ x - b @ x, np.zeros(len(b)), jac=lambda x: A @ x - b, method='L-BFGS-B')
out['quad'] = {'x': r.x.tolist(), 'fun': float(r.fun), 'nit': int(r.nit), 'nfev': int(r.nfev), 'message': str(r.message)}
print(json.dumps(out))
`;

type ScipyResult = { x: number[]; fun: number; nit: number; nfev: number; message: string };

describe('lbfgs against scipy L-BFGS-B', () => {
  checkNoLeaks();
  const scipy = JSON.parse(runPython(PY, [JSON.stringify({ A, b })], 120_000).trim().split('\n').pop()!) as Record<string, ScipyResult>;

  const cases: [string, LbfgsObjective, number[]][] = [
    ['rosen2', rosen, [-1.2, 1]],
    ['rosen10', rosen, [-1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1]],
    ['quad', quad, new Array(N).fill(0)],
  ];
  for (const [name, fn, x0] of cases) {
    it(`${name}: the same minimum as scipy, iterations within 20% + 3 of scipy's`, () => {
      const s = scipy[name];
      const r = lbfgs(fn, x0);
      expect(r.converged).toBe(true);
      expect(r.message).toBe(s.message);
      r.x.forEach((v, i) => expect(Math.abs(v - s.x[i])).toBeLessThan(2e-3));
      expect(Math.abs(r.loss - s.fun)).toBeLessThan(1e-6 * Math.max(1, Math.abs(s.fun)));
      expect(Math.abs(r.iterations - s.nit)).toBeLessThanOrEqual(Math.ceil(0.2 * s.nit) + 3);
      expect(Math.abs(r.evaluations - s.nfev)).toBeLessThanOrEqual(Math.ceil(0.2 * s.nfev) + 3);
      // Armijo backtracking reaches the same minimum too.
      const rb = lbfgs(fn, x0, { lineSearch: 'backtracking' });
      expect(rb.converged).toBe(true);
      rb.x.forEach((v, i) => expect(Math.abs(v - s.x[i])).toBeLessThan(2e-3));
    });
  }

  it('limits: maxIter, maxEval and a callback stop it, saying why; bad options are refused', () => {
    expect(lbfgs(rosen, [-1.2, 1], { maxIter: 5 })).toMatchObject({ iterations: 5, converged: false, message: 'STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT' });
    const e = lbfgs(rosen, [-1.2, 1], { maxEval: 10 });
    expect(e.converged).toBe(false);
    expect(e.evaluations).toBeLessThanOrEqual(12);
    const seen: number[] = [];
    const c = lbfgs(rosen, [-1.2, 1], { callback: ({ iteration, loss }) => (seen.push(loss), iteration === 3) });
    expect(c.iterations).toBe(3);
    expect(seen.length).toBe(3);
    // Every accepted step decreases f.
    expect(seen[1]).toBeLessThan(seen[0]);
    expect(() => lbfgs(rosen, [1, 2], { historySize: 0 })).toThrow(/lbfgs: 'historySize' must be a positive integer but is 0/);
    expect(() => lbfgs(rosen, [1, 2], { c1: 0.95 })).toThrow(/'c1' \(0.95\) must be smaller than 'c2' \(0.9\)/);
    expect(() => lbfgs(rosen, [NaN, 2])).toThrow(/x0 holds NaN at index 0/);
    expect(() => lbfgs(() => ({ loss: 1, grad: [1] }), [1, 2])).toThrow(/gradient of 1 entries for 2 variables/);
  });

  it('minimizeLbfgs on variables: same result as the flat form, autodiff gradient = finite differences, no leaks', () => {
    const At = sg.tensor(A.flat(), [N, N]);
    const bt = sg.tensor(b, [N, 1]);
    const x0 = sg.zeros([N, 1]);
    const x = sg.variable(x0, true, 'lbfgs_x');
    x0.dispose();
    const f = () => sg.sub(sg.mul(0.5, sg.sum(sg.mul(x, sg.matMul(At, x)))), sg.sum(sg.mul(bt, x)));
    // float32 variables: the gradient cannot reach scipy's 1e-5 here, so gtol 1e-4 (the flat form likewise).
    const r = minimizeLbfgs(f, [x], { gtol: 1e-4 });
    const flat = lbfgs(quad, new Array(N).fill(0), { gtol: 1e-4 });
    expect(r.converged).toBe(true);
    expect(Math.abs(r.iterations - flat.iterations)).toBeLessThanOrEqual(2);
    const xv = x.dataSync();
    xv.forEach((v, i) => expect(Math.abs(v - scipy.quad.x[i])).toBeLessThan(1e-3));
    // The gradient it used, at the end point, against central differences of f (float32: h = 1e-2 on a quadratic is exact).
    for (const i of [0, 5, N - 1]) {
      const base = Float32Array.from(xv);
      const at = (h: number) => {
        const p = Float32Array.from(base);
        p[i] += h;
        const t = sg.tensor(p, [N, 1]);
        x.assign(t);
        t.dispose();
        return sg.tidy(() => f().dataSync()[0]);
      };
      const fd = (at(1e-2) - at(-1e-2)) / 2e-2;
      expect(Math.abs(fd - r.grad[i])).toBeLessThan(2e-3);
    }
    sg.dispose([At, bt, x]);
    expect(() => minimizeLbfgs(f, [])).toThrow(/varList must be a non-empty list/);
  });
});
