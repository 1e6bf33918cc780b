// L-BFGS: a quasi-Newton minimiser of a whole function (not a per-batch Optimizer), as the Keras
// examples neural_style_transfer and deep_dream use through scipy.optimize.fmin_l_bfgs_b.
//
// The method (Nocedal & Wright, Numerical Optimization, 2nd ed., algorithms 7.4 and 7.5): the
// search direction is -H g, with H the inverse-Hessian estimate of the last `historySize` pairs
// s = x_{k+1} - x_k, y = g_{k+1} - g_k, applied by the two-loop recursion and scaled by
// s.y / y.y; the first direction is -g. The step along it comes from a line search satisfying the
// strong Wolfe conditions (bracketing, then zoom with safeguarded cubic interpolation, algorithms
// 3.5 and 3.6) or, on request, Armijo backtracking. Defaults and stopping rules follow scipy's
// L-BFGS-B: history 10, relative reduction of f below ftol = 2.22e-9 (factr 1e7 times machine
// epsilon), largest gradient entry below gtol = 1e-5, maxIter = maxEval = 15000, first step
// 1 / ||g||. Bounds (the "-B") are not supported.
//
// Why Float64Array on the host: the recursion is O(m n) dot products per iteration, cheap next to
// one evaluation of a network; doubles keep the curvature pairs accurate even when the variables
// are float32.
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import { Tensor, type Variable } from '../engine/tensor.js';
import { variableGrads } from '../ops/gradients.js';

/** Options of `lbfgs` and `minimizeLbfgs`; the defaults are scipy's L-BFGS-B defaults. */
export interface LbfgsOptions {
  /** Correction pairs kept (scipy's maxcor / m). Default 10. */
  historySize?: number;
  /** Most iterations (scipy's maxiter). Default 15000. */
  maxIter?: number;
  /** Most function evaluations, line searches included (scipy's maxfun). Default 15000. */
  maxEval?: number;
  /** Stop when (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= ftol (scipy's ftol). Default 2.220446049250313e-9. */
  ftol?: number;
  /** Stop when the largest |gradient entry| <= gtol (scipy's gtol / pgtol). Default 1e-5. */
  gtol?: number;
  /** 'strongWolfe' (default) or 'backtracking' (Armijo: halve the step until f decreases enough). */
  lineSearch?: 'strongWolfe' | 'backtracking';
  /** Sufficient-decrease constant of the line search. Default 1e-4. */
  c1?: number;
  /** Curvature constant of the strong Wolfe conditions. Default 0.9. */
  c2?: number;
  /** Most evaluations in one line search. Default 25. */
  maxLineSearch?: number;
  /** Called after each iteration with its number (from 1) and f; return true to stop. */
  callback?: (info: { iteration: number; loss: number; evaluations: number }) => boolean | void;
}

/** What a minimisation ended with. */
export interface LbfgsResult {
  /** The minimiser found (for `lbfgs`; `minimizeLbfgs` leaves it in the variables). */
  x: Float64Array;
  /** f at x. */
  loss: number;
  /** The gradient at x. */
  grad: Float64Array;
  /** Iterations done (scipy's nit). */
  iterations: number;
  /** Function evaluations (scipy's nfev). */
  evaluations: number;
  /** True when ftol or gtol stopped it (scipy's success). */
  converged: boolean;
  /** Why it stopped, in scipy's words where it has some. */
  message: string;
}

/** f and its gradient at x (the gradient may be a new array or reused; it is copied). */
export type LbfgsObjective = (x: Float64Array) => { loss: number; grad: ArrayLike<number> };

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const maxAbs = (a: Float64Array): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

function checkOptions(o: LbfgsOptions): Required<Omit<LbfgsOptions, 'callback'>> & Pick<LbfgsOptions, 'callback'> {
  if (o === null || typeof o !== 'object') throw new Error(`lbfgs: options must be an object but is ${String(o)}`);
  const int = (k: keyof LbfgsOptions, d: number) => {
    const v = (o[k] as number | undefined) ?? d;
    if (!Number.isInteger(v) || v < 1) throw new Error(`lbfgs: '${k}' must be a positive integer but is ${String(o[k])}`);
    return v;
  };
  const num = (k: keyof LbfgsOptions, d: number, lo: number, hi: number) => {
    const v = (o[k] as number | undefined) ?? d;
    if (typeof v !== 'number' || !(v >= lo && v <= hi)) throw new Error(`lbfgs: '${k}' must be a number in [${lo}, ${hi}] but is ${String(o[k])}`);
    return v;
  };
  const ls = o.lineSearch ?? 'strongWolfe';
  if (ls !== 'strongWolfe' && ls !== 'backtracking') {
    throw new Error(`lbfgs: 'lineSearch' must be 'strongWolfe' or 'backtracking' but is ${String(ls)}`);
  }
  const c1 = num('c1', 1e-4, 0, 1);
  const c2 = num('c2', 0.9, 0, 1);
  if (!(c1 < c2)) throw new Error(`lbfgs: 'c1' (${c1}) must be smaller than 'c2' (${c2})`);
  if (o.callback !== undefined && typeof o.callback !== 'function') throw new Error("lbfgs: 'callback' must be a function");
  return {
    historySize: int('historySize', 10),
    maxIter: int('maxIter', 15000),
    maxEval: int('maxEval', 15000),
    ftol: num('ftol', 2.220446049250313e-9, 0, Infinity),
    gtol: num('gtol', 1e-5, 0, Infinity),
    lineSearch: ls,
    c1,
    c2,
    maxLineSearch: int('maxLineSearch', 25),
    callback: o.callback,
  };
}

/** The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds. */
function cubicMin(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, lo?: number, hi?: number): number {
  const [xmin, xmax] = lo !== undefined && hi !== undefined ? [lo, hi] : x1 <= x2 ? [x1, x2] : [x2, x1];
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 * d1 - g1 * g2;
  if (d2sq >= 0 && Number.isFinite(d2sq)) {
    const d2 = Math.sqrt(d2sq);
    const m = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    if (Number.isFinite(m)) return Math.min(Math.max(m, xmin), xmax);
  }
  return (xmin + xmax) / 2;
}

interface Point {
  t: number;
  f: number;
  g: Float64Array;
  gtd: number;
}

/**
 * Minimises f over a flat vector of doubles (scipy's `fmin_l_bfgs_b(func, x0)` where func returns
 * the value and the gradient). `x0` is not changed.
 * @example
 * // Rosenbrock's function from (-1.2, 1)
 * const r = sg.lbfgs((x) => ({
 *   loss: 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2,
 *   grad: [-400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]), 200 * (x[1] - x[0] ** 2)],
 * }), [-1.2, 1]);
 * r.x; // ≈ [1, 1]
 */
export function lbfgs(fg: LbfgsObjective, x0: ArrayLike<number>, options: LbfgsOptions = {}): LbfgsResult {
  if (typeof fg !== 'function') throw new Error('lbfgs: the objective must be a function x -> { loss, grad }');
  const o = checkOptions(options);
  const n = x0.length;
  if (n === 0) throw new Error('lbfgs: x0 is empty');
  const x = Float64Array.from(x0);
  let evals = 0;
  const evaluate = (at: Float64Array): { f: number; g: Float64Array } => {
    evals++;
    const r = fg(at);
    if (!r || typeof r.loss !== 'number' || !r.grad) throw new Error('lbfgs: the objective must return { loss: number, grad: array }');
    if (r.grad.length !== n) throw new Error(`lbfgs: the objective returned a gradient of ${r.grad.length} entries for ${n} variables`);
    return { f: r.loss, g: Float64Array.from(r.grad) };
  };
  for (let i = 0; i < n; i++) if (!Number.isFinite(x[i])) throw new Error(`lbfgs: x0 holds ${x[i]} at index ${i}`);
  let { f, g } = evaluate(x);
  if (!Number.isFinite(f)) throw new Error(`lbfgs: the objective is ${f} at x0`);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(o.historySize);
  const trial = new Float64Array(n);
  const at = (t: number, d: Float64Array): Point => {
    for (let i = 0; i < n; i++) trial[i] = x[i] + t * d[i];
    const r = evaluate(trial);
    return { t, f: r.f, g: r.g, gtd: dot(r.g, d) };
  };
  const done = (message: string, converged: boolean, iterations: number): LbfgsResult => ({
    x: Float64Array.from(x),
    loss: f,
    grad: g,
    iterations,
    evaluations: evals,
    converged,
    message,
  });
  if (maxAbs(g) <= o.gtol) return done('CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL', true, 0);

  const d = new Float64Array(n);
  for (let k = 1; k <= o.maxIter; k++) {
    // Two-loop recursion: d = -H g.
    d.set(g);
    for (let i = S.length - 1; i >= 0; i--) {
      alpha[i] = rho[i] * dot(S[i], d);
      const y = Y[i];
      for (let j = 0; j < n; j++) d[j] -= alpha[i] * y[j];
    }
    if (S.length) {
      const last = S.length - 1;
      const gamma = dot(S[last], Y[last]) / dot(Y[last], Y[last]);
      for (let j = 0; j < n; j++) d[j] *= gamma;
    }
    for (let i = 0; i < S.length; i++) {
      const beta = rho[i] * dot(Y[i], d);
      const s = S[i];
      for (let j = 0; j < n; j++) d[j] += s[j] * (alpha[i] - beta);
    }
    for (let j = 0; j < n; j++) d[j] = -d[j];
    let gtd = dot(g, d);
    if (!(gtd < 0)) {
      // Not a descent direction (lost curvature information): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let j = 0; j < n; j++) d[j] = -g[j];
      gtd = dot(g, d);
    }
    // scipy's first step: 1 / ||d||; later ones the quasi-Newton step 1.
    const t0 = S.length === 0 ? Math.min(1, 1 / Math.sqrt(dot(d, d))) : 1;
    const fOld = f;
    const p =
      o.lineSearch === 'strongWolfe'
        ? strongWolfe(at, f, g, gtd, t0, d, o, () => evals >= o.maxEval)
        : backtracking(at, f, gtd, t0, d, o, () => evals >= o.maxEval);
    if (!p || !(p.f <= fOld) || !Number.isFinite(p.f)) {
      return done('ABNORMAL: the line search found no lower point', false, k - 1);
    }
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      s[j] = p.t * d[j];
      y[j] = p.g[j] - g[j];
      x[j] += s[j];
    }
    f = p.f;
    g = p.g;
    const sy = dot(s, y);
    // Keep the pair only with positive curvature (scipy skips it when s.y <= eps * y.y).
    if (sy > 2.220446049250313e-16 * dot(y, y)) {
      if (S.length === o.historySize) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    if (o.callback?.({ iteration: k, loss: f, evaluations: evals }) === true) return done('STOP: CALLBACK', false, k);
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= o.ftol) {
      return done('CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH', true, k);
    }
    if (maxAbs(g) <= o.gtol) return done('CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL', true, k);
    if (evals >= o.maxEval) return done('STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT', false, k);
  }
  return done('STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT', false, o.maxIter);
}

/** Armijo backtracking: halve t until f(x + t d) <= f + c1 t g.d. */
function backtracking(
  at: (t: number, d: Float64Array) => Point,
  f: number,
  gtd: number,
  t0: number,
  d: Float64Array,
  o: { c1: number; maxLineSearch: number },
  outOfEvals: () => boolean,
): Point | null {
  let t = t0;
  for (let i = 0; i < o.maxLineSearch; i++) {
    const p = at(t, d);
    if (Number.isFinite(p.f) && p.f <= f + o.c1 * t * gtd) return p;
    if (outOfEvals()) return null;
    t /= 2;
  }
  return null;
}

/**
 * A step t along d satisfying the strong Wolfe conditions f(t) <= f + c1 t g.d and
 * |g(t).d| <= c2 |g.d|: bracketing with cubic extrapolation, then zoom with safeguarded cubic
 * interpolation (Nocedal & Wright 3.5/3.6, in the form of PyTorch's LBFGS `_strong_wolfe`).
 * Returns the best point found (its f below f0 when the search failed) or null.
 */
function strongWolfe(
  at: (t: number, d: Float64Array) => Point,
  f0: number,
  g0: Float64Array,
  gtd0: number,
  t: number,
  d: Float64Array,
  o: { c1: number; c2: number; maxLineSearch: number },
  outOfEvals: () => boolean,
): Point | null {
  const dNorm = maxAbs(d);
  const start: Point = { t: 0, f: f0, g: g0, gtd: gtd0 };
  let prev = start;
  let cur = at(t, d);
  let iter = 1;
  let bracket: Point[] | null = null;
  let found: Point | null = null;
  while (iter < o.maxLineSearch) {
    if (!Number.isFinite(cur.f)) {
      // Stepped out of the domain: zoom between the last good point and here.
      bracket = [prev, cur];
      break;
    }
    if (cur.f > f0 + o.c1 * cur.t * gtd0 || (iter > 1 && cur.f >= prev.f)) {
      bracket = [prev, cur];
      break;
    }
    if (Math.abs(cur.gtd) <= -o.c2 * gtd0) {
      found = cur;
      break;
    }
    if (cur.gtd >= 0) {
      bracket = [prev, cur];
      break;
    }
    if (outOfEvals()) return cur.f < f0 ? cur : null;
    const lo = cur.t + 0.01 * (cur.t - prev.t);
    const hi = cur.t * 10;
    const next = cubicMin(prev.t, prev.f, prev.gtd, cur.t, cur.f, cur.gtd, lo, hi);
    prev = cur;
    cur = at(next, d);
    iter++;
  }
  if (found) return found;
  if (!bracket) bracket = [start, cur];
  // Zoom: bracket[lowIdx] is the best point so far, the solution lies between the two.
  let insufficient = false;
  let low = bracket[0].f <= bracket[1].f ? 0 : 1;
  while (iter < o.maxLineSearch && !outOfEvals()) {
    const [a, b] = bracket;
    if (Math.abs(b.t - a.t) * dNorm < 1e-9) break;
    const bHi = Math.max(a.t, b.t);
    const bLo = Math.min(a.t, b.t);
    let tt = Number.isFinite(a.f) && Number.isFinite(b.f) ? cubicMin(a.t, a.f, a.gtd, b.t, b.f, b.gtd) : (bLo + bHi) / 2;
    // Keep the trial away from the ends (progress safeguard).
    const eps = 0.1 * (bHi - bLo);
    if (Math.min(bHi - tt, tt - bLo) < eps) {
      if (insufficient || tt >= bHi || tt <= bLo) {
        tt = Math.abs(tt - bHi) < Math.abs(tt - bLo) ? bHi - eps : bLo + eps;
        insufficient = false;
      } else insufficient = true;
    } else insufficient = false;
    const p = at(tt, d);
    iter++;
    const high = 1 - low;
    if (!Number.isFinite(p.f) || p.f > f0 + o.c1 * tt * gtd0 || p.f >= bracket[low].f) {
      bracket[high] = p;
      low = bracket[0].f <= bracket[1].f ? 0 : 1;
    } else {
      if (Math.abs(p.gtd) <= -o.c2 * gtd0) return p;
      if (p.gtd * (bracket[high].t - bracket[low].t) >= 0) bracket[high] = bracket[low];
      bracket[low] = p;
    }
  }
  const best = bracket[low];
  return best.t > 0 && best.f < f0 ? best : null;
}

/**
 * Minimises the scalar `f()` over `varList` with L-BFGS (the tensor form of `lbfgs`, as
 * scipy's fmin_l_bfgs_b is used in Keras' neural_style_transfer and deep_dream examples): each
 * evaluation writes the trial point into the variables and takes f and its gradient with
 * `variableGrads`. At the end the variables hold the minimiser found. Every tensor made is freed.
 * The variables are float32: near the minimum, round-off can stop the line search before scipy's
 * gtol of 1e-5 is met (message 'ABNORMAL: ...', converged false, the point still the best
 * found); pass a looser `gtol`/`ftol` where that matters.
 * @example
 * const image = sg.variable(sg.randomUniform([1, 28, 28, 1]));
 * const r = sg.minimizeLbfgs(() => styleLoss(image), [image], { maxEval: 20 });
 * console.log(r.loss, r.iterations, r.message);
 */
export function minimizeLbfgs(f: () => Tensor, varList: Variable[], options: LbfgsOptions = {}): LbfgsResult {
  if (typeof f !== 'function') throw new Error('minimizeLbfgs: f must be a function returning a scalar tensor');
  if (!Array.isArray(varList) || varList.length === 0) throw new Error('minimizeLbfgs: varList must be a non-empty list of variables');
  varList.forEach((v, i) => {
    if (!(v instanceof Tensor) || !('assign' in v)) throw new Error(`minimizeLbfgs: varList[${i}] is not a variable`);
    ENGINE.assertLive(v, 'minimizeLbfgs');
    if (v.dtype !== 'float32') throw new Error(`minimizeLbfgs: variable '${v.name}' (shape ${fmt(v.shape)}) is ${v.dtype}; L-BFGS needs float32`);
  });
  const sizes = varList.map((v) => v.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const x0 = new Float64Array(total);
  let off = 0;
  for (const v of varList) {
    x0.set(v.dataSync(), off);
    off += v.size;
  }
  const write = (x: Float64Array) => {
    let o = 0;
    varList.forEach((v, i) => {
      const t = ENGINE.makeTensor(Float32Array.from(x.subarray(o, o + sizes[i])), v.shape, 'float32');
      v.assign(t);
      t.dispose();
      o += sizes[i];
    });
  };
  const grad = new Float64Array(total);
  const r = lbfgs(
    (x) => {
      write(x);
      const { value, grads } = variableGrads(f, varList);
      try {
        let o = 0;
        for (const v of varList) {
          const g = grads[v.name];
          if (g) grad.set(g.dataSync(), o);
          else grad.fill(0, o, o + v.size);
          o += v.size;
        }
        return { loss: value.dataSync()[0], grad };
      } finally {
        value.dispose();
        for (const g of Object.values(grads)) g.dispose();
      }
    },
    x0,
    options,
  );
  write(r.x);
  return r;
}
