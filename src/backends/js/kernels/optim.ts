// In-place optimizer update kernels in plain loops: the readable oracle for the SIMD kernels in
// assembly/optim.ts. Each kernel updates a variable and its slot variables in place and returns
// nothing; it is run by ENGINE.runKernelInPlace(name, [variable, ...slots], [gradient], attrs),
// so infos are [variable, ...slots, gradient] and the gradient is always the last one.
//
// Attributes shared by every kernel (computed per step on the JS side by src/optimizers/):
//   gscale  factor applied to the gradient first (clipnorm / globalClipnorm; 1 when unset)
//   clip    clipvalue: the scaled gradient is clamped to [-clip, clip] (Infinity when unset)
//   wdlr    weightDecay * lr: decoupled weight decay p -= p * wdlr before the update (0: none)
// Every formula is Keras 3's update_step; the per-step scalars (learning rate, bias corrections)
// arrive precomputed so that the loops below are the per-element arithmetic and nothing else.
import type { Attrs, TensorInfo } from '../../backend.js';
import type { HostBackend } from '../../host.js';

type Views = Float32Array[];

/** The common gradient pre-processing: scale, then clamp (NaN passes through). */
function prepGrad(g: number, attrs: Attrs): number {
  const clip = attrs.clip as number;
  return Math.min(Math.max(g * (attrs.gscale as number), -clip), clip);
}

/** Decoupled weight decay, skipped when wdlr is 0 (an infinite weight stays infinite). */
function decay(p: number, wdlr: number): number {
  return wdlr !== 0 ? p - p * wdlr : p;
}

/** Registers the js backend's in-place optimizer kernels. */
export function registerJsOptimKernels(backend: HostBackend): void {
  const views = (infos: TensorInfo[]): Views => infos.map((t) => backend.view(t.dataId, 'float32') as Float32Array);
  const define = (name: string, body: (v: Views, attrs: Attrs) => void) => {
    backend.kernels.set(name, (infos, attrs) => {
      body(views(infos), attrs);
      return [];
    });
  };

  // SGD: slots [momentum?]. Keras' velocity form: m = momentum*m - lr*g; p += m
  // (nesterov: p += momentum*m - lr*g with the new m); without momentum p -= lr*g.
  define('SgdUpdate', (v, attrs) => {
    const p = v[0];
    const m = v.length === 3 ? v[1] : null;
    const g = v[v.length - 1];
    const lr = attrs.lr as number;
    const mom = attrs.momentum as number;
    const nesterov = !!attrs.nesterov;
    const wdlr = attrs.wdlr as number;
    for (let i = 0; i < p.length; i++) {
      const gi = prepGrad(g[i], attrs);
      const pi = decay(p[i], wdlr);
      if (m === null) {
        p[i] = pi - lr * gi;
      } else {
        m[i] = m[i] * mom - gi * lr;
        p[i] = pi + (nesterov ? m[i] * mom - gi * lr : m[i]);
      }
    }
  });

  // RMSprop: slots [velocity, momentum? (attrs.momentum > 0), meanGrad? (attrs.centered)].
  define('RmspropUpdate', (v, attrs) => {
    const { lr, rho, momentum, epsilon, wdlr } = attrs as Record<string, number>;
    const centered = !!attrs.centered;
    const p = v[0];
    const vel = v[1];
    let k = 2;
    const mom = momentum > 0 ? v[k++] : null;
    const mg = centered ? v[k++] : null;
    const g = v[v.length - 1];
    for (let i = 0; i < p.length; i++) {
      const gi = prepGrad(g[i], attrs);
      const pi = decay(p[i], wdlr);
      vel[i] = rho * vel[i] + (1 - rho) * gi * gi;
      let den: number;
      if (mg !== null) {
        mg[i] = rho * mg[i] + (1 - rho) * gi;
        den = vel[i] - mg[i] * mg[i] + epsilon;
      } else {
        den = vel[i] + epsilon;
      }
      const inc = (lr * gi) / Math.sqrt(den);
      if (mom !== null) {
        mom[i] = momentum * mom[i] + inc;
        p[i] = pi - mom[i];
      } else {
        p[i] = pi - inc;
      }
    }
  });

  // Adam / AdamW: slots [m, v, vhat? (attrs.amsgrad)]; alpha = lr*sqrt(1-b2^t)/(1-b1^t).
  define('AdamUpdate', (v, attrs) => {
    const { alpha, beta1, beta2, epsilon, wdlr } = attrs as Record<string, number>;
    const [p, m, s] = v;
    const vhat = attrs.amsgrad ? v[3] : null;
    const g = v[v.length - 1];
    for (let i = 0; i < p.length; i++) {
      const gi = prepGrad(g[i], attrs);
      const pi = decay(p[i], wdlr);
      m[i] = m[i] + (gi - m[i]) * (1 - beta1);
      s[i] = s[i] + (gi * gi - s[i]) * (1 - beta2);
      let vi = s[i];
      if (vhat !== null) {
        vhat[i] = Math.max(vhat[i], s[i]);
        vi = vhat[i];
      }
      p[i] = pi - (m[i] * alpha) / (Math.sqrt(vi) + epsilon);
    }
  });

  // Adagrad: slots [accumulator]. acc += g^2; p -= lr*g / sqrt(acc + eps).
  define('AdagradUpdate', (v, attrs) => {
    const { lr, epsilon, wdlr } = attrs as Record<string, number>;
    const [p, acc, g] = v;
    for (let i = 0; i < p.length; i++) {
      const gi = prepGrad(g[i], attrs);
      const pi = decay(p[i], wdlr);
      acc[i] = acc[i] + gi * gi;
      p[i] = pi - (lr * gi) / Math.sqrt(acc[i] + epsilon);
    }
  });

  // Adadelta: slots [accumulated grad, accumulated delta].
  define('AdadeltaUpdate', (v, attrs) => {
    const { lr, rho, epsilon, wdlr } = attrs as Record<string, number>;
    const [p, ag, ad, g] = v;
    for (let i = 0; i < p.length; i++) {
      const gi = prepGrad(g[i], attrs);
      const pi = decay(p[i], wdlr);
      ag[i] = rho * ag[i] + (1 - rho) * gi * gi;
      const delta = -(Math.sqrt(ad[i] + epsilon) * gi) / Math.sqrt(ag[i] + epsilon);
      ad[i] = rho * ad[i] + (1 - rho) * delta * delta;
      p[i] = pi + lr * delta;
    }
  });

  // Adamax: slots [m, u]; biasCorrection1 = 1 - b1^t.
  define('AdamaxUpdate', (v, attrs) => {
    const { lr, beta1, beta2, biasCorrection1, epsilon, wdlr } = attrs as Record<string, number>;
    const [p, m, u, g] = v;
    for (let i = 0; i < p.length; i++) {
      const gi = prepGrad(g[i], attrs);
      const pi = decay(p[i], wdlr);
      m[i] = m[i] + (gi - m[i]) * (1 - beta1);
      u[i] = Math.max(beta2 * u[i], Math.abs(gi));
      p[i] = pi - (lr * m[i]) / (biasCorrection1 * (u[i] + epsilon));
    }
  });

  // Nadam: slots [m, v]; c1, c2 are the momentum-schedule factors, biasCorrection2 = 1 - b2^t.
  define('NadamUpdate', (v, attrs) => {
    const { lr, beta1, beta2, c1, c2, biasCorrection2, epsilon, wdlr } = attrs as Record<string, number>;
    const [p, m, s, g] = v;
    for (let i = 0; i < p.length; i++) {
      const gi = prepGrad(g[i], attrs);
      const pi = decay(p[i], wdlr);
      m[i] = m[i] + (gi - m[i]) * (1 - beta1);
      s[i] = s[i] + (gi * gi - s[i]) * (1 - beta2);
      const mhat = c1 * m[i] + c2 * gi;
      const vhat = s[i] / biasCorrection2;
      p[i] = pi - (mhat * lr) / (Math.sqrt(vhat) + epsilon);
    }
  });
}
