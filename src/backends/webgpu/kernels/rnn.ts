// WebGPU fused recurrent sequences: 'LstmSequence', 'GruSequence', 'SimpleRnnSequence' and their
// backward-through-time kernels ('...Grad'). One workgroup per batch row walks all time steps
// (rows are independent; a step needs the whole previous state of its row), its invocations
// splitting the units; the state lives in the output buffers themselves (h_{t-1} is hs[b, s-1]),
// made visible to the row's other invocations by a storage barrier between steps. The masks and
// the recurrent dropout mask are optional (a pipeline per combination); with the weights and initial
// states they are copied into one AUX buffer so that every program binds at most 8 storage buffers
// (WebGPU's default per shader stage; see LAYOUT).
// Contract (inputs, attrs, outputs, layouts, masked steps): src/backends/js/kernels/rnn.ts.
import type { Attrs, TensorInfo } from '../../backend.js';
import type { WebGPUBackend } from '../backend.js';
import { registerWebGPUKernel } from '../registry.js';
import { FLAT_MAIN, flatGroups } from './conv.js';
import { MAX_GROUPS, dispatch, inputDecl, outputDecl, withParams } from './matmul.js';

/** Invocations per row (workgroup). */
const WG = 64;

/** WGSL `ract(x, code)` and `ractGrad(y, code)`: the activations by code (src/ops/rnn.ts RNN_ACT). */
export const RNN_ACT_WGSL = `
fn expm1f(x: f32) -> f32 { if (abs(x) < 1e-3) { return x + 0.5 * x * x; } return exp(x) - 1.0; }
fn log1pf(x: f32) -> f32 { if (abs(x) < 1e-3) { return x - 0.5 * x * x; } return log(1.0 + x); }
fn ract(x: f32, code: i32) -> f32 {
  switch code {
    case 1: { return tanh(clamp(x, -15.0, 15.0)); }
    case 2: { return 1.0 / (1.0 + exp(-x)); }
    case 3: { return clamp(x + 3.0, 0.0, 6.0) / 6.0; }
    case 4: { return max(x, 0.0); }
    case 5: { return clamp(0.2 * x + 0.5, 0.0, 1.0); }
    case 6: { return select(expm1f(x), x, x > 0.0); }
    case 7: { return x / (1.0 + abs(x)); }
    case 8: { return clamp(x, 0.0, 6.0); }
    case 9: { return select(1.0507009873554805 * 1.6732632423543772 * expm1f(x), 1.0507009873554805 * x, x > 0.0); }
    case 10: { return max(x, 0.0) + log1pf(exp(-abs(x))); }
    case 11: { return exp(x); }
    default: { return x; }
  }
}
fn ractGrad(y: f32, code: i32) -> f32 {
  switch code {
    case 1: { return 1.0 - y * y; }
    case 2: { return y * (1.0 - y); }
    case 3: { return select(0.0, 1.0 / 6.0, y > 0.0 && y < 1.0); }
    case 4: { return select(0.0, 1.0, y > 0.0); }
    case 5: { return select(0.0, 0.2, y > 0.0 && y < 1.0); }
    case 6: { return select(y + 1.0, 1.0, y > 0.0); }
    case 7: { return (1.0 - abs(y)) * (1.0 - abs(y)); }
    case 8: { return select(0.0, 1.0, y > 0.0 && y < 6.0); }
    case 9: { return select(y + 1.0507009873554805 * 1.6732632423543772, 1.0507009873554805, y > 0.0); }
    case 10: { return -expm1f(-y); }
    case 11: { return y; }
    default: { return 1.0; }
  }
}
`;

/**
 * b0: the first batch row of this launch (batches over 65535 rows run as several launches);
 * lastOnly: LstmSequenceGrad's DHS and DCS are [B, 1, U], the last step's gradients only.
 */
const PARAMS = ['B', 'T', 'U', 'goBack', 'act', 'recAct', 'resetAfter', 'total', 'b0', 'lastOnly'];

/**
 * Buffers packed into one binding, read through an element offset parameter `o<NAME>`: the WGSL
 * is written with one array per name (`RK[r]`) and rewritten to `AUX[P.oRK + r]`.
 */
const PACKED = ['RK', 'RB', 'H0', 'C0', 'MASK', 'RECMASK', 'DH', 'DC', 'DB', 'DGX', 'DGR'];
const OFFSET_PARAMS = PACKED.map((n) => `o${n}`);
const ALL_PARAMS = [...PARAMS, ...OFFSET_PARAMS];

type Kind = 'LstmSequence' | 'GruSequence' | 'SimpleRnnSequence' | 'LstmSequenceGrad' | 'GruSequenceGrad' | 'SimpleRnnSequenceGrad' | 'RnnHPrev';

/**
 * The bindings of each program. WebGPU's default maxStorageBuffersPerShaderStage is 8 and every
 * program must fit it (params included): the small inputs (weights, initial states, masks) are
 * copied into one AUX buffer, and the Grad kernels write two of their outputs into one buffer
 * (`pack`: group name and its parts), copied out afterwards. `ins` are bound as they are.
 */
const LAYOUT: Record<Kind, { aux: string[]; ins: string[]; outs: string[]; pack?: [string, string[]] }> = {
  LstmSequence: { aux: ['RK', 'H0', 'C0'], ins: ['XP'], outs: ['HS', 'CS', 'GATES'] },
  GruSequence: { aux: ['RK', 'RB', 'H0'], ins: ['XP'], outs: ['HS', 'GATES', 'RECH'] },
  SimpleRnnSequence: { aux: ['RK', 'H0'], ins: ['XP'], outs: ['HS'] },
  // The Grad kernels' h_{t-1} output is written by the separate RnnHPrev program (fewer bindings).
  LstmSequenceGrad: { aux: ['RK', 'C0'], ins: ['CS', 'GATES', 'DHS', 'DCS'], outs: ['DG', 'DHC'], pack: ['DHC', ['DH', 'DC', 'DB']] },
  GruSequenceGrad: { aux: ['RK', 'H0'], ins: ['HS', 'GATES', 'RECH', 'DHS'], outs: ['DGXR', 'DH'], pack: ['DGXR', ['DGX', 'DGR']] },
  SimpleRnnSequenceGrad: { aux: ['RK'], ins: ['HS', 'DHS'], outs: ['DG', 'DH'] },
  RnnHPrev: { aux: ['H0'], ins: ['HS'], outs: ['HPREV'] },
};

/** The names packed into AUX: the kind's small inputs, then the masks present. */
function auxNames(kind: Kind, hasMask: boolean, hasRecMask: boolean): string[] {
  return [...LAYOUT[kind].aux, ...(hasMask ? ['MASK'] : []), ...(hasRecMask ? ['RECMASK'] : [])];
}

/** Binding declarations and the mask helpers (`skipped(b, tin)`, `rm(b, k)`). */
function header(kind: Kind, hasMask: boolean, hasRecMask: boolean): { decls: string; nBindings: number } {
  const l = LAYOUT[kind];
  const names = ['AUX', ...l.ins];
  let decls = names.map((n, i) => inputDecl(n, i)).join('');
  decls += l.outs.map((n, i) => outputDecl(n, names.length + i)).join('');
  decls += `
fn skipped(b: i32, tin: i32) -> bool { ${hasMask ? 'return MASK[b * P.T + tin] == 0.0;' : 'return false;'} }
fn rm(b: i32, k: i32) -> f32 { ${hasRecMask ? 'return RECMASK[b * P.U + k];' : 'return 1.0;'} }
`;
  return { decls, nBindings: names.length + l.outs.length };
}

/** Rewrites `NAME[i]` of packed names into reads of their group at their offset. */
function rewritePacked(code: string, kind: Kind, aux: string[]): string {
  const group = new Map<string, string>(aux.map((n) => [n, 'AUX']));
  const pack = LAYOUT[kind].pack;
  if (pack) for (const n of pack[1]) group.set(n, pack[0]);
  return code.replace(/\b([A-Z][A-Z0-9]*)\[/g, (m, n: string) => (group.has(n) ? `${group.get(n)}[P.o${n} + ` : m));
}

/** Start of a per-row program: b is the row, lid the invocation within it. */
const ROW_MAIN = `@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) l: vec3<u32>, @builtin(workgroup_id) w: vec3<u32>) {
  let b = i32(w.x) + P.b0; let lid = i32(l.x);
  let U = P.U; let T = P.T;`;

const BARRIER = 'storageBarrier(); workgroupBarrier();';

/** h_{t-1}[b, j] before step s: h0 at the first step, else hs[b, s - 1]. */
const PREV_H = `fn prevH(b: i32, s: i32, j: i32) -> f32 { if (s == 0) { return H0[b * P.U + j]; } return HS[(b * P.T + s - 1) * P.U + j]; }`;

/** The WGSL of one recurrent program. */
export function rnnWgsl(kind: Kind, hasMask: boolean, hasRecMask: boolean): string {
  const { decls, nBindings } = header(kind, hasMask, hasRecMask);
  let body: string;
  switch (kind) {
    case 'LstmSequence':
      body = `${PREV_H}
fn prevC(b: i32, s: i32, j: i32) -> f32 { if (s == 0) { return C0[b * P.U + j]; } return CS[(b * P.T + s - 1) * P.U + j]; }
${ROW_MAIN}
  let G = 4 * U;
  for (var s = 0; s < T; s++) {
    let tin = select(s, T - 1 - s, P.goBack != 0);
    let o = (b * T + s) * U;
    let g0 = (b * T + tin) * G;
    if (skipped(b, tin)) {
      for (var j = lid; j < U; j += ${WG}) {
        HS[o + j] = prevH(b, s, j); CS[o + j] = prevC(b, s, j);
        GATES[g0 + j] = 0.0; GATES[g0 + U + j] = 0.0; GATES[g0 + 2 * U + j] = 0.0; GATES[g0 + 3 * U + j] = 0.0;
      }
    } else {
      for (var j = lid; j < U; j += ${WG}) {
        var z = vec4<f32>(XP[g0 + j], XP[g0 + U + j], XP[g0 + 2 * U + j], XP[g0 + 3 * U + j]);
        for (var k = 0; k < U; k++) {
          let h = prevH(b, s, k) * rm(b, k);
          let r = k * G + j;
          z += h * vec4<f32>(RK[r], RK[r + U], RK[r + 2 * U], RK[r + 3 * U]);
        }
        let ig = ract(z.x, P.recAct); let fg = ract(z.y, P.recAct);
        let gg = ract(z.z, P.act); let og = ract(z.w, P.recAct);
        let cell = fg * prevC(b, s, j) + ig * gg;
        CS[o + j] = cell;
        HS[o + j] = og * ract(cell, P.act);
        GATES[g0 + j] = ig; GATES[g0 + U + j] = fg; GATES[g0 + 2 * U + j] = gg; GATES[g0 + 3 * U + j] = og;
      }
    }
    ${BARRIER}
  }
}
`;
      break;
    case 'GruSequence':
      body = `${PREV_H}
${ROW_MAIN}
  let G = 3 * U;
  let ra = P.resetAfter != 0;
  for (var s = 0; s < T; s++) {
    let tin = select(s, T - 1 - s, P.goBack != 0);
    let o = (b * T + s) * U;
    let g0 = (b * T + tin) * G;
    let p0 = (b * T + tin) * U;
    let sk = skipped(b, tin);
    // phase 1: update and reset gates; r * h_{t-1} (or the reset-after recurrent term) into RECH
    for (var j = lid; j < U; j += ${WG}) {
      if (sk) {
        HS[o + j] = prevH(b, s, j);
        GATES[g0 + j] = 0.0; GATES[g0 + U + j] = 0.0; GATES[g0 + 2 * U + j] = 0.0; RECH[p0 + j] = 0.0;
        continue;
      }
      var zr = vec3<f32>(XP[g0 + j], XP[g0 + U + j], 0.0);
      if (ra) { zr += vec3<f32>(RB[j], RB[U + j], RB[2 * U + j]); }
      for (var k = 0; k < U; k++) {
        let h = prevH(b, s, k) * rm(b, k);
        let r = k * G + j;
        zr += h * vec3<f32>(RK[r], RK[r + U], select(0.0, RK[r + 2 * U], ra));
      }
      let zg = ract(zr.x, P.recAct); let rg = ract(zr.y, P.recAct);
      GATES[g0 + j] = zg; GATES[g0 + U + j] = rg;
      RECH[p0 + j] = select(rg * prevH(b, s, j) * rm(b, j), zr.z, ra);
    }
    ${BARRIER}
    // phase 2: candidate and new state
    if (!sk) {
      for (var j = lid; j < U; j += ${WG}) {
        var pre = XP[g0 + 2 * U + j];
        if (ra) {
          pre += GATES[g0 + U + j] * RECH[p0 + j];
        } else {
          for (var k = 0; k < U; k++) { pre += RECH[p0 + k] * RK[k * G + 2 * U + j]; }
        }
        let hh = ract(pre, P.act);
        GATES[g0 + 2 * U + j] = hh;
        let zg = GATES[g0 + j];
        HS[o + j] = zg * prevH(b, s, j) + (1.0 - zg) * hh;
      }
    }
    ${BARRIER}
  }
}
`;
      break;
    case 'SimpleRnnSequence':
      body = `${PREV_H}
${ROW_MAIN}
  for (var s = 0; s < T; s++) {
    let tin = select(s, T - 1 - s, P.goBack != 0);
    let o = (b * T + s) * U;
    let sk = skipped(b, tin);
    for (var j = lid; j < U; j += ${WG}) {
      if (sk) { HS[o + j] = prevH(b, s, j); continue; }
      var acc = XP[(b * T + tin) * U + j];
      for (var k = 0; k < U; k++) { acc += prevH(b, s, k) * rm(b, k) * RK[k * U + j]; }
      HS[o + j] = ract(acc, P.act);
    }
    ${BARRIER}
  }
}
`;
      break;
    case 'RnnHPrev':
      // hprev[b, tin, j] = h_{t-1} * recMask for the weights' gradient; 0 on masked steps.
      body = `${PREV_H}
${FLAT_MAIN}
  let j = i % P.U; let bt = i / P.U; let tin = bt % P.T; let b = bt / P.T;
  let s = select(tin, P.T - 1 - tin, P.goBack != 0);
  if (skipped(b, tin)) { HPREV[i] = 0.0; return; }
  HPREV[i] = prevH(b, s, j) * rm(b, j);
}
`;
      break;
    case 'LstmSequenceGrad':
      // DH / DC hold the running dh, dc of the row and end as the outputs dh0, dc0.
      body = `
fn prevC(b: i32, s: i32, j: i32) -> f32 { if (s == 0) { return C0[b * P.U + j]; } return CS[(b * P.T + s - 1) * P.U + j]; }
${ROW_MAIN}
  let G = 4 * U;
  for (var j = lid; j < U; j += ${WG}) {
    DH[b * U + j] = 0.0; DC[b * U + j] = 0.0;
    DB[b * G + j] = 0.0; DB[b * G + U + j] = 0.0; DB[b * G + 2 * U + j] = 0.0; DB[b * G + 3 * U + j] = 0.0;
  }
  for (var s = T - 1; s >= 0; s--) {
    let tin = select(s, T - 1 - s, P.goBack != 0);
    let o = (b * T + s) * U;
    let g0 = (b * T + tin) * G;
    let sk = skipped(b, tin);
    for (var j = lid; j < U; j += ${WG}) {
      let last = P.lastOnly != 0;
      let od = select(o, b * U, last);
      let none = last && s != T - 1;
      let dh = DH[b * U + j] + select(DHS[od + j], 0.0, none);
      let dc = DC[b * U + j] + select(DCS[od + j], 0.0, none);
      DH[b * U + j] = dh;
      if (sk) {
        DC[b * U + j] = dc;
        DG[g0 + j] = 0.0; DG[g0 + U + j] = 0.0; DG[g0 + 2 * U + j] = 0.0; DG[g0 + 3 * U + j] = 0.0;
        continue;
      }
      let ig = GATES[g0 + j]; let fg = GATES[g0 + U + j]; let gg = GATES[g0 + 2 * U + j]; let og = GATES[g0 + 3 * U + j];
      let tc = ract(CS[o + j], P.act);
      let dcv = dc + dh * og * ractGrad(tc, P.act);
      DG[g0 + j] = dcv * gg * ractGrad(ig, P.recAct);
      DG[g0 + U + j] = dcv * prevC(b, s, j) * ractGrad(fg, P.recAct);
      DG[g0 + 2 * U + j] = dcv * ig * ractGrad(gg, P.act);
      DG[g0 + 3 * U + j] = dh * tc * ractGrad(og, P.recAct);
      DC[b * U + j] = dcv * fg;
      // each row's dG summed over its steps (attr biasRows: the bias gradient's per-row part)
      DB[b * G + j] += DG[g0 + j]; DB[b * G + U + j] += DG[g0 + U + j];
      DB[b * G + 2 * U + j] += DG[g0 + 2 * U + j]; DB[b * G + 3 * U + j] += DG[g0 + 3 * U + j];
    }
    ${BARRIER}
    if (!sk) {
      for (var k = lid; k < U; k += ${WG}) {
        var acc = 0.0;
        for (var j = 0; j < G; j++) { acc += DG[g0 + j] * RK[k * G + j]; }
        DH[b * U + k] = acc * rm(b, k);
      }
    }
    ${BARRIER}
  }
}
`;
      break;
    case 'SimpleRnnSequenceGrad':
      body = `${ROW_MAIN}
  for (var j = lid; j < U; j += ${WG}) { DH[b * U + j] = 0.0; }
  for (var s = T - 1; s >= 0; s--) {
    let tin = select(s, T - 1 - s, P.goBack != 0);
    let o = (b * T + s) * U;
    let p0 = (b * T + tin) * U;
    let sk = skipped(b, tin);
    for (var j = lid; j < U; j += ${WG}) {
      let dh = DH[b * U + j] + DHS[o + j];
      DH[b * U + j] = dh;
      DG[p0 + j] = select(dh * ractGrad(HS[o + j], P.act), 0.0, sk);
    }
    ${BARRIER}
    if (!sk) {
      for (var k = lid; k < U; k += ${WG}) {
        var acc = 0.0;
        for (var j = 0; j < U; j++) { acc += DG[p0 + j] * RK[k * U + j]; }
        DH[b * U + k] = acc * rm(b, k);
      }
    }
    ${BARRIER}
  }
}
`;
      break;
    case 'GruSequenceGrad':
      // DH holds the running dh of the row. Without resetAfter, DGR[2U + k] holds drh[k] between
      // phases 2 and 3 (js: d(r * hm) = dzh R_h^T) and gets its final value dGx[2U + k] in phase 3.
      body = `
fn prevH(b: i32, s: i32, j: i32) -> f32 { if (s == 0) { return H0[b * P.U + j]; } return HS[(b * P.T + s - 1) * P.U + j]; }
${ROW_MAIN}
  let G = 3 * U;
  let ra = P.resetAfter != 0;
  for (var j = lid; j < U; j += ${WG}) { DH[b * U + j] = 0.0; }
  for (var s = T - 1; s >= 0; s--) {
    let tin = select(s, T - 1 - s, P.goBack != 0);
    let o = (b * T + s) * U;
    let g0 = (b * T + tin) * G;
    let p0 = (b * T + tin) * U;
    let sk = skipped(b, tin);
    // phase 1: update-gate and candidate gradients
    for (var j = lid; j < U; j += ${WG}) {
      let dh = DH[b * U + j] + DHS[o + j];
      DH[b * U + j] = dh;
      if (sk) {
        DGX[g0 + j] = 0.0; DGX[g0 + U + j] = 0.0; DGX[g0 + 2 * U + j] = 0.0;
        DGR[g0 + j] = 0.0; DGR[g0 + U + j] = 0.0; DGR[g0 + 2 * U + j] = 0.0;
        continue;
      }
      let zg = GATES[g0 + j]; let hh = GATES[g0 + 2 * U + j];
      DGX[g0 + j] = dh * (prevH(b, s, j) - hh) * ractGrad(zg, P.recAct);
      let dzh = dh * (1.0 - zg) * ractGrad(hh, P.act);
      DGX[g0 + 2 * U + j] = dzh;
      if (ra) {
        let rg = GATES[g0 + U + j];
        DGX[g0 + U + j] = dzh * RECH[p0 + j] * ractGrad(rg, P.recAct);
        DGR[g0 + j] = DGX[g0 + j];
        DGR[g0 + U + j] = DGX[g0 + U + j];
        DGR[g0 + 2 * U + j] = dzh * rg;
      }
    }
    ${BARRIER}
    // phase 2 (reset before): drh = dzh R_h^T and the reset-gate gradient
    if (!sk && !ra) {
      for (var k = lid; k < U; k += ${WG}) {
        var drh = 0.0;
        for (var j = 0; j < U; j++) { drh += DGX[g0 + 2 * U + j] * RK[k * G + 2 * U + j]; }
        let rg = GATES[g0 + U + k];
        DGX[g0 + U + k] = drh * prevH(b, s, k) * rm(b, k) * ractGrad(rg, P.recAct);
        DGR[g0 + 2 * U + k] = drh;
      }
    }
    ${BARRIER}
    // phase 3: dh_{t-1} = (dGr R^T or the reset-before sum) * recMask + dh * z
    if (!sk) {
      for (var k = lid; k < U; k += ${WG}) {
        var acc = 0.0;
        if (ra) {
          for (var j = 0; j < G; j++) { acc += DGR[g0 + j] * RK[k * G + j]; }
        } else {
          for (var j = 0; j < 2 * U; j++) { acc += DGX[g0 + j] * RK[k * G + j]; }
          acc += DGR[g0 + 2 * U + k] * GATES[g0 + U + k];
          DGR[g0 + k] = DGX[g0 + k]; DGR[g0 + U + k] = DGX[g0 + U + k]; DGR[g0 + 2 * U + k] = DGX[g0 + 2 * U + k];
        }
        DH[b * U + k] = acc * rm(b, k) + DH[b * U + k] * GATES[g0 + k];
      }
    }
    ${BARRIER}
  }
}
`;
      break;
  }
  return withParams(rewritePacked(`${decls}${RNN_ACT_WGSL}${body}`, kind, auxNames(kind, hasMask, hasRecMask)), ALL_PARAMS, nBindings);
}

const texts = new Map<string, string>();
function program(kind: Kind, attrs: Attrs, values: number[], workgroups: [number, number, number]) {
  const hm = !!attrs.hasMask;
  const hr = !!attrs.hasRecMask;
  const key = `${kind}:${+hm}${+hr}`;
  let code = texts.get(key);
  if (!code) texts.set(key, (code = rnnWgsl(kind, hm, hr)));
  return { key, code, workgroups, params: values };
}

function paramValues(B: number, T: number, U: number, attrs: Attrs, total = 0): number[] {
  return [B, T, U, attrs.goBackwards ? 1 : 0, (attrs.act as number) ?? 0, (attrs.recAct as number) ?? 0, attrs.resetAfter ? 1 : 0, total, 0, attrs.lastOnly ? 1 : 0];
}

let rowLimit = MAX_GROUPS;

/** Lowers the batch rows one recurrent launch covers (tests exercise the split with it); `MAX_GROUPS` restores it. */
export function setRnnLaunchLimit(n: number): void {
  rowLimit = n;
}

/** Dispatches a per-row program (one workgroup a batch row) as launches of at most rowLimit rows. */
function dispatchRows(gpu: WebGPUBackend, prog: ReturnType<typeof program>, inputs: TensorInfo[], outputs: TensorInfo[]): void {
  const B = prog.workgroups[0];
  for (let b0 = 0; b0 < B; b0 += rowLimit) {
    const params = prog.params.slice();
    params[PARAMS.indexOf('b0')] = b0;
    dispatch(gpu, Object.assign({}, prog, { params, workgroups: [Math.min(rowLimit, B - b0), 1, 1] }), inputs, outputs);
  }
}

const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

/**
 * Runs one recurrent program with its bindings packed as LAYOUT says: `aux` (the tensors named by
 * auxNames, in that order) copied into one buffer (bound as is when it is a single tensor), `ins`
 * bound as they are, `outs` the kernel's outputs in LAYOUT order with a packed group's parts in
 * its place (written into one buffer, then copied out). Per row (`flat` false) or one invocation
 * per element of `flat` elements.
 */
function run(
  gpu: WebGPUBackend,
  kind: Kind,
  attrs: Attrs,
  dims: [number, number, number],
  aux: TensorInfo[],
  ins: TensorInfo[],
  outs: TensorInfo[],
  flat = 0,
): void {
  const names = auxNames(kind, !!attrs.hasMask, !!attrs.hasRecMask);
  if (names.length !== aux.length) throw new Error(`webgpu ${kind}: ${aux.length} packed inputs for ${names.length} names`);
  const offs = new Map<string, number>();
  const temps: TensorInfo[] = [];
  let auxT = aux[0];
  if (aux.length > 1) {
    const total = aux.reduce((a, t) => a + size(t), 0);
    auxT = gpu.makeOutput([total], 'float32');
    temps.push(auxT);
    let at = 0;
    aux.forEach((t, k) => {
      offs.set(names[k], at);
      gpu.copyElements(t, 0, auxT, at, size(t));
      at += size(t);
    });
  }
  const bound: TensorInfo[] = [];
  const copyOut: [TensorInfo, number, TensorInfo][] = [];
  let next = 0;
  for (const n of LAYOUT[kind].outs) {
    const pack = LAYOUT[kind].pack;
    if (pack && pack[0] === n) {
      const parts = outs.slice(next, next + pack[1].length);
      next += parts.length;
      const g = gpu.makeOutput([parts.reduce((a, t) => a + size(t), 0)], 'float32');
      temps.push(g);
      let at = 0;
      parts.forEach((t, k) => {
        offs.set(pack[1][k], at);
        copyOut.push([g, at, t]);
        at += size(t);
      });
      bound.push(g);
    } else bound.push(outs[next++]);
  }
  const [B, T, U] = dims;
  const values = [...paramValues(B, T, U, attrs, flat), ...PACKED.map((n) => offs.get(n) ?? 0)];
  if (flat > 0) dispatch(gpu, program(kind, attrs, values, flatGroups(flat)), [auxT, ...ins], bound);
  else dispatchRows(gpu, program(kind, attrs, values, [B, 1, 1]), [auxT, ...ins], bound);
  for (const [g, at, t] of copyOut) gpu.copyElements(g, at, t, 0, size(t));
  for (const t of temps) gpu.disposeData(t.dataId);
}

const nMasks = (attrs: Attrs) => (attrs.hasMask ? 1 : 0) + (attrs.hasRecMask ? 1 : 0);

/** The masks among the inputs (they follow `at` inputs). */
const masksOf = (ins: TensorInfo[], at: number, attrs: Attrs) => ins.slice(at, at + nMasks(attrs));

/** Runs RnnHPrev: hprev[b, tin] = h_{t-1} * recMask (0 on masked steps). */
function hPrev(gpu: WebGPUBackend, h0: TensorInfo, masks: TensorInfo[], hs: TensorInfo, attrs: Attrs): TensorInfo {
  const [B, T, U] = hs.shape;
  const out = gpu.makeOutput([B, T, U], 'float32');
  const total = B * T * U;
  if (total > 0) run(gpu, 'RnnHPrev', attrs, [B, T, U], [h0, ...masks], [hs], [out], total);
  return out;
}

registerWebGPUKernel('LstmSequence', (ins, attrs, gpu) => {
  const [xp, rk, h0, c0] = ins;
  const [B, T, G] = xp.shape;
  const U = G / 4;
  const outs = [gpu.makeOutput([B, T, U], 'float32'), gpu.makeOutput([B, T, U], 'float32'), gpu.makeOutput([B, T, G], 'float32')];
  if (B * T * U > 0) run(gpu, 'LstmSequence', attrs, [B, T, U], [rk, h0, c0, ...masksOf(ins, 4, attrs)], [xp], outs);
  return outs;
});

registerWebGPUKernel('GruSequence', (ins, attrs, gpu) => {
  const [xp, rk, rb, h0] = ins;
  const [B, T, G] = xp.shape;
  const U = G / 3;
  const outs = [gpu.makeOutput([B, T, U], 'float32'), gpu.makeOutput([B, T, G], 'float32'), gpu.makeOutput([B, T, U], 'float32')];
  if (B * T * U > 0) run(gpu, 'GruSequence', attrs, [B, T, U], [rk, rb, h0, ...masksOf(ins, 4, attrs)], [xp], outs);
  return outs;
});

registerWebGPUKernel('SimpleRnnSequence', (ins, attrs, gpu) => {
  const [xp, rk, h0] = ins;
  const [B, T, U] = xp.shape;
  const hs = gpu.makeOutput([B, T, U], 'float32');
  if (B * T * U > 0) run(gpu, 'SimpleRnnSequence', attrs, [B, T, U], [rk, h0, ...masksOf(ins, 3, attrs)], [xp], [hs]);
  return [hs];
});

registerWebGPUKernel('LstmSequenceGrad', (ins, attrs, gpu) => {
  const [rk, h0, c0] = ins;
  const masks = masksOf(ins, 3, attrs);
  const [hs, cs, gates, dhs, dcs] = ins.slice(3 + masks.length);
  const [B, T, U] = hs.shape;
  const dG = gpu.makeOutput([B, T, 4 * U], 'float32');
  const dh = gpu.makeOutput([B, U], 'float32');
  const dc = gpu.makeOutput([B, U], 'float32');
  const db = gpu.makeOutput([B, 4 * U], 'float32');
  if (B * U > 0) run(gpu, 'LstmSequenceGrad', attrs, [B, T, U], [rk, c0, ...masks], [cs, gates, dhs, dcs], [dG, dh, dc, db]);
  const res = [dG, hPrev(gpu, h0, masks, hs, attrs), dh, dc];
  if (attrs.biasRows) return [...res, db];
  gpu.disposeData(db.dataId);
  return res;
});

registerWebGPUKernel('GruSequenceGrad', (ins, attrs, gpu) => {
  const [rk, h0] = ins;
  const masks = masksOf(ins, 2, attrs);
  const [hs, gates, recH, dhs] = ins.slice(2 + masks.length);
  const [B, T, U] = hs.shape;
  const dGx = gpu.makeOutput([B, T, 3 * U], 'float32');
  const dGr = gpu.makeOutput([B, T, 3 * U], 'float32');
  const dh = gpu.makeOutput([B, U], 'float32');
  if (B * U > 0) run(gpu, 'GruSequenceGrad', attrs, [B, T, U], [rk, h0, ...masks], [hs, gates, recH, dhs], [dGx, dGr, dh]);
  return [dGx, dGr, hPrev(gpu, h0, masks, hs, attrs), dh];
});

registerWebGPUKernel('SimpleRnnSequenceGrad', (ins, attrs, gpu) => {
  const [rk, h0] = ins;
  const masks = masksOf(ins, 2, attrs);
  const [hs, dhs] = ins.slice(2 + masks.length);
  const [B, T, U] = hs.shape;
  const dG = gpu.makeOutput([B, T, U], 'float32');
  const dh = gpu.makeOutput([B, U], 'float32');
  if (B * U > 0) run(gpu, 'SimpleRnnSequenceGrad', attrs, [B, T, U], [rk, ...masks], [hs, dhs], [dG, dh]);
  return [dG, hPrev(gpu, h0, masks, hs, attrs), dh];
});
