// ConvLSTM2D forward + backward (all weight gradients): peak memory above the start and the best
// time of N rounds, for the layer (one checkpointed tape node) and for the same recurrence composed
// of per-step ops on the tape (what the layer was before), with the same weights, interleaved.
// The defaults are the conv_lstm example's first layer at batch 4 and 8 filters.
//   npm run bench -- convlstm [--batch 4] [--filters 8] [--steps 15] [--size 40] [--rounds 3] [--layer-only]
import * as sg from '../src/index.js';
import { ENGINE } from '../src/engine/engine.js';

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

/** The composed recurrence (the layer's former call): every step's ops stay on the tape. */
function composed(layer: sg.ConvLSTM2D, x: sg.Tensor): sg.Tensor {
  const [B, T, , , C] = x.shape;
  const F = layer.filters;
  const [k, rk, b] = [layer.kernel!.variable, layer.recurrentKernel!.variable, layer.bias!.variable];
  const [, , S] = x.shape;
  let zx = sg.conv2d(sg.reshape(x, [B * T, S, S, C]), k, 1, 'same');
  zx = sg.reshape(sg.add(zx, b), [B, T, S, S, 4 * F]);
  let h = sg.zeros([B, S, S, F]);
  let c = sg.zeros([B, S, S, F]);
  const gate = (z: sg.Tensor, i: number) => sg.slice(z, [0, 0, 0, i * F], [B, S, S, F]);
  const outs: sg.Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const z = sg.add(sg.reshape(sg.slice(zx, [0, t, 0, 0, 0], [B, 1, S, S, 4 * F]), [B, S, S, 4 * F]), sg.conv2d(h, rk, 1, 'same'));
    c = sg.add(sg.mul(sg.sigmoid(gate(z, 1)), c), sg.mul(sg.sigmoid(gate(z, 0)), sg.tanh(gate(z, 2))));
    h = sg.mul(sg.sigmoid(gate(z, 3)), sg.tanh(c));
    outs.push(h);
  }
  return sg.stack(outs, 1);
}

export async function benchConvLstm(args: string[]): Promise<void> {
  const B = arg(args, 'batch', 4);
  const F = arg(args, 'filters', 8);
  const T = arg(args, 'steps', 15);
  const S = arg(args, 'size', 40);
  const rounds = arg(args, 'rounds', 3);
  const layer = sg.layers.convLstm2d({ filters: F, kernelSize: 3, padding: 'same', returnSequences: true }) as sg.ConvLSTM2D;
  const x = sg.randomNormal([B, T, S, S, 1], 0, 1, 'float32', 1);
  sg.tidy(() => void layer.apply(sg.slice(x, [0, 0, 0, 0, 0], [1, 2, S, S, 1])));
  const vars = layer.trainableWeights.map((w) => w.variable);
  const runs: Record<string, () => sg.Tensor> = { layer: () => layer.apply(x) as sg.Tensor };
  if (!args.includes('--layer-only')) runs.composed = () => composed(layer, x);
  const res: Record<string, { t: number[]; peak: number; loss: number }> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, f] of Object.entries(runs)) {
      const base = sg.memory().numBytes;
      ENGINE.resetPeak();
      const t0 = performance.now();
      const { value, grads } = sg.variableGrads(() => sg.mean(sg.square(f())), vars);
      const loss = value.dataSync()[0];
      for (const g of Object.values(grads)) g.dataSync();
      const ms = performance.now() - t0;
      const peak = sg.memory().peakBytes - base;
      sg.dispose([value, ...Object.values(grads)]);
      const e = (res[name] ??= { t: [], peak: 0, loss });
      e.t.push(ms);
      e.peak = Math.max(e.peak, peak);
    }
  }
  console.log(`ConvLSTM2D fwd+bwd, batch ${B}, ${T} steps, ${S}x${S}x1, ${F} filters, 3x3 same (${sg.getBackend()}):`);
  for (const [name, e] of Object.entries(res)) {
    console.log(`  ${name.padEnd(9)} best ${Math.min(...e.t).toFixed(0)} ms, peak ${(e.peak / 2 ** 20).toFixed(1)} MiB above the start, loss ${e.loss}`);
  }
  x.dispose();
  layer.dispose();
}
