// ConvLSTM2D forward + backward (all weight gradients): peak memory above the start and the best
// time of N rounds, interleaved, with the same weights, for
//   fused         the layer (fused kernels: one input conv, per step the recurrent conv and one
//                 gate kernel; backward likewise, weight gradients once per sequence)
//   checkpointed  the previous implementation: the same recurrence composed of ops per step as one
//                 checkpointed tape node (what the layer still runs for activations the fused
//                 kernels lack; forced here by activations given as functions)
//   composed      the op-by-op version before that (every step's ops on the tape)
// The defaults are the conv_lstm example's first layer at batch 4 and 8 filters.
//   npm run bench -- convlstm [--batch 4] [--filters 8] [--steps 15] [--size 40] [--rounds 3] [--layer-only]
//     [--without composed]   (the per-step composed version runs out of the heap at the example's sizes)
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
  // The same math through activation functions the fused kernels do not know: the composed path.
  const tanhOp = (t: sg.Tensor) => sg.tanh(t);
  const sigmoidOp = (t: sg.Tensor) => sg.sigmoid(t);
  const old = sg.layers.convLstm2d({
    filters: F,
    kernelSize: 3,
    padding: 'same',
    returnSequences: true,
    activation: tanhOp,
    recurrentActivation: sigmoidOp,
  }) as sg.ConvLSTM2D;
  const x = sg.randomNormal([B, T, S, S, 1], 0, 1, 'float32', 1);
  sg.tidy(() => void layer.apply(sg.slice(x, [0, 0, 0, 0, 0], [1, 2, S, S, 1])));
  sg.tidy(() => void old.apply(sg.slice(x, [0, 0, 0, 0, 0], [1, 2, S, S, 1])));
  if (!layer.fusable || old.fusable) throw new Error('bench convlstm: expected the fused layer and a composed one');
  const vars = layer.trainableWeights.map((w) => w.variable);
  old.trainableWeights.forEach((w, i) => w.variable.assign(vars[i]));
  const runs: Record<string, { f: () => sg.Tensor; vars: sg.Variable[] }> = {
    fused: { f: () => layer.apply(x) as sg.Tensor, vars },
  };
  if (!args.includes('--layer-only')) {
    runs.checkpointed = { f: () => old.apply(x) as sg.Tensor, vars: old.trainableWeights.map((w) => w.variable) };
    runs.composed = { f: () => composed(layer, x), vars };
  }
  const w = args.indexOf('--without');
  if (w >= 0) delete runs[args[w + 1]];
  const res: Record<string, { t: number[]; peak: number; loss: number }> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, { f, vars: vs }] of Object.entries(runs)) {
      const base = sg.memory().numBytes;
      ENGINE.resetPeak();
      const t0 = performance.now();
      const { value, grads } = sg.variableGrads(() => sg.mean(sg.square(f())), vs);
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
  const best = (e: { t: number[] }) => Math.min(...e.t);
  for (const [name, e] of Object.entries(res)) {
    const ratio = name === 'fused' ? '' : `, fused is ${(best(e) / best(res.fused)).toFixed(2)}x faster`;
    console.log(
      `  ${name.padEnd(12)} best ${best(e).toFixed(0)} ms (all: ${e.t.map((t) => t.toFixed(0)).join(', ')}), ` +
        `peak ${(e.peak / 2 ** 20).toFixed(1)} MiB above the start, loss ${e.loss}${ratio}`,
    );
  }
  x.dispose();
  layer.dispose();
  old.dispose();
}
