// The fused optimizer updates in WGSL, in place: the same kernel names, slot orders and attrs as
// the js oracle (src/backends/js/kernels/optim.ts; read its header for the attrs) and the wasm
// kernels. ENGINE.runKernelInPlace passes [variable, ...slots, gradient]; the variable and slots
// are this program's outputs (read_write), the gradient its one input.
import { sizeFromShape } from '../../../engine/shape.js';
import type { Attrs, TensorInfo } from '../../backend.js';
import { bindings, grid, type WebGPUBackend } from '../backend.js';
import { registerWebGPUKernel } from '../registry.js';

/**
 * Registers one update kernel. `slots(attrs)` names the slot buffers in order; `floats` are the
 * per-step scalars (after gscale, clip, wdlr, which every kernel gets); `body` updates p[i] and
 * the slots from gi (the scaled, clipped gradient) and pi (p after weight decay).
 */
function defineUpdate(
  name: string,
  slots: (attrs: Attrs, nSlots: number) => string[],
  floats: string[],
  body: (attrs: Attrs, names: string[]) => string,
  keyOf: (attrs: Attrs) => string,
): void {
  registerWebGPUKernel(name, (infos: TensorInfo[], attrs: Attrs, gpu: WebGPUBackend) => {
    const names = slots(attrs, infos.length - 2);
    const p = infos[0];
    const g = infos[infos.length - 1];
    const mutated = infos.slice(0, 1 + names.length);
    if (mutated.length !== infos.length - 1)
      throw new Error(`${name}: expected ${names.length} slot variables but got ${infos.length - 2}`);
    const n = sizeFromShape(p.shape);
    const all = ['gscale', 'clip', 'wdlr', ...floats];
    const fdecl = all.map((f, k) => `let ${f} = pF(${1 + k}u);`).join(' ');
    gpu.runProgram({
      key: `${name}_${names.length}_${keyOf(attrs)}`,
      wgsl: () => `${bindings(
        [['G', 'f32']],
        [['Pv', 'f32'], ...names.map((s) => [s, 'f32'] as [string, string])],
      )}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatIndex(gid, nwg);
  if (i >= pU(0)) { return; }
  ${fdecl}
  let g0 = G[i] * gscale;
  // A NaN gradient stays NaN, as in the js/wasm kernels (clamp would turn it into -clip).
  let gi = select(clamp(g0, -clip, clip), g0, (bitcast<u32>(g0) & 0x7fffffffu) > 0x7f800000u);
  var pi = Pv[i];
  if (wdlr != 0.0) { pi = pi - pi * wdlr; }
  ${body(attrs, names)}
}`,
      inputs: [g],
      outputs: mutated,
      params: [n],
      floatParams: all.map((f) => Number(attrs[f] ?? 0)),
      workgroups: grid(n),
    });
    return [];
  });
}

defineUpdate(
  'SgdUpdate',
  (_a, nSlots) => (nSlots === 1 ? ['M'] : []), // the momentum slot exists only with momentum (js: v.length === 3)
  ['lr', 'momentum'],
  (a, names) =>
    names.length === 1
      ? `let m = M[i] * momentum - gi * lr; M[i] = m; Pv[i] = pi + ${a.nesterov ? 'm * momentum - gi * lr' : 'm'};`
      : 'Pv[i] = pi - lr * gi;',
  (a) => `${!!a.nesterov}`,
);

defineUpdate(
  'RmspropUpdate',
  (a) => ['V', ...((a.momentum as number) > 0 ? ['MO'] : []), ...(a.centered ? ['MG'] : [])],
  ['lr', 'rho', 'momentum', 'epsilon'],
  (a) => {
    const mom = (a.momentum as number) > 0;
    return `let v = rho * V[i] + (1.0 - rho) * gi * gi; V[i] = v;
  ${a.centered ? 'let mg = rho * MG[i] + (1.0 - rho) * gi; MG[i] = mg; let den = v - mg * mg + epsilon;' : 'let den = v + epsilon;'}
  let inc = lr * gi / sqrt(den);
  ${mom ? 'let mo = momentum * MO[i] + inc; MO[i] = mo; Pv[i] = pi - mo;' : 'Pv[i] = pi - inc;'}`;
  },
  (a) => `${(a.momentum as number) > 0}_${!!a.centered}`,
);

defineUpdate(
  'AdamUpdate',
  (a) => ['M', 'S', ...(a.amsgrad ? ['VH'] : [])],
  ['alpha', 'beta1', 'beta2', 'epsilon'],
  (a) => `let m = M[i] + (gi - M[i]) * (1.0 - beta1); M[i] = m;
  let s = S[i] + (gi * gi - S[i]) * (1.0 - beta2); S[i] = s;
  ${a.amsgrad ? 'let vi = max(VH[i], s); VH[i] = vi;' : 'let vi = s;'}
  Pv[i] = pi - m * alpha / (sqrt(vi) + epsilon);`,
  (a) => `${!!a.amsgrad}`,
);

defineUpdate(
  'AdagradUpdate',
  () => ['ACC'],
  ['lr', 'epsilon'],
  () => `let acc = ACC[i] + gi * gi; ACC[i] = acc;
  Pv[i] = pi - lr * gi / sqrt(acc + epsilon);`,
  () => '',
);

defineUpdate(
  'AdadeltaUpdate',
  () => ['AG', 'AD'],
  ['lr', 'rho', 'epsilon'],
  () => `let ag = rho * AG[i] + (1.0 - rho) * gi * gi; AG[i] = ag;
  let delta = -(sqrt(AD[i] + epsilon) * gi) / sqrt(ag + epsilon);
  AD[i] = rho * AD[i] + (1.0 - rho) * delta * delta;
  Pv[i] = pi + lr * delta;`,
  () => '',
);

defineUpdate(
  'AdamaxUpdate',
  () => ['M', 'U'],
  ['lr', 'beta1', 'beta2', 'biasCorrection1', 'epsilon'],
  () => `let m = M[i] + (gi - M[i]) * (1.0 - beta1); M[i] = m;
  let u = max(beta2 * U[i], abs(gi)); U[i] = u;
  Pv[i] = pi - lr * m / (biasCorrection1 * (u + epsilon));`,
  () => '',
);

defineUpdate(
  'NadamUpdate',
  () => ['M', 'S'],
  ['lr', 'beta1', 'beta2', 'c1', 'c2', 'biasCorrection2', 'epsilon'],
  () => `let m = M[i] + (gi - M[i]) * (1.0 - beta1); M[i] = m;
  let s = S[i] + (gi * gi - S[i]) * (1.0 - beta2); S[i] = s;
  let mhat = c1 * m + c2 * gi;
  let vhat = s / biasCorrection2;
  Pv[i] = pi - mhat * lr / (sqrt(vhat) + epsilon);`,
  () => '',
);
