// ConvLSTM2D against Keras 3 itself (the Python venv of scripts/setup-venv.sh, JAX backend),
// the same weights on both sides: outputs and states, and the gradients of every weight and of
// the input (jax.grad through Keras' stateless_call) of a weighted sum of the outputs. The layer
// runs its fused kernels here (wasm); tfjs-layers and finite differences: conv_lstm.test.ts.
// Without the venv this file FAILS with the command that makes it (see test/io/hdf5_python.ts).
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, randArray, take, withBackend } from '../helpers.js';
import { runPython } from '../io/hdf5_python.js';

// One jitted value_and_grad per case (JAX compiles it once; an eager call first would compile
// every op again).
const PY = `
import json, sys
import numpy as np
import jax, jax.numpy as jnp
import keras
spec = json.loads(open(sys.argv[1]).read())
res = {}
for case in spec['cases']:
    x = jnp.array(np.array(spec['x'], 'float32').reshape(spec['shape']))
    layer = keras.layers.ConvLSTM2D(**case['keras'])
    layer.build(tuple(spec['shape']))
    layer.set_weights([np.array(w, 'float32').reshape(v.shape) for w, v in zip(case['weights'], layer.weights)])
    ws = [jnp.array(np.array(w, 'float32').reshape(s)) for w, s in zip(case['outWeights'], case['shapes'])]
    def loss(tv, ntv, xin):
        y, _ = layer.stateless_call(tv, ntv, xin)
        y = list(y) if isinstance(y, (list, tuple)) else [y]
        return sum(jnp.sum(o * w) for o, w in zip(y, ws)), y
    tv = [v.value for v in layer.trainable_variables]
    ntv = [v.value for v in layer.non_trainable_variables]
    (_, outs), (gw, gx) = jax.jit(jax.value_and_grad(loss, argnums=(0, 2), has_aux=True))(tv, ntv, x)
    res[case['name']] = {
        'shapes': [list(o.shape) for o in outs],
        'values': [np.asarray(o).ravel().tolist() for o in outs] + [np.asarray(g).ravel().tolist() for g in gw] + [np.asarray(gx).ravel().tolist()],
    }
print(json.dumps(res))
`;

const [B, T, H, W, C, F] = [2, 3, 6, 5, 2, 3];
// One case (each costs Keras a compile of the gradient, seconds on 2 cores): every option of
// the recurrence at once; the input convolution's strides, dilation and 'valid' padding are
// compared with tfjs-layers in conv_lstm.test.ts.
const CASES: { name: string; ours: Record<string, unknown>; keras: Record<string, unknown> }[] = [
  {
    name: 'same, sequences + states, goBackwards, relu / hard_sigmoid',
    ours: {
      kernelSize: 3,
      padding: 'same',
      returnSequences: true,
      returnState: true,
      goBackwards: true,
      activation: 'relu',
      recurrentActivation: 'hard_sigmoid',
    },
    keras: {
      kernel_size: 3,
      padding: 'same',
      return_sequences: true,
      return_state: true,
      go_backwards: true,
      activation: 'relu',
      recurrent_activation: 'hard_sigmoid',
    },
  },
];

describe('ConvLSTM2D against Keras 3', () => {
  checkNoLeaks();

  it('outputs, states and every gradient match Keras for the same weights (fused kernels, wasm)', async () => {
    const x = randArray(B * T * H * W * C, 5);
    const ours = await withBackend('wasm', () =>
      CASES.map((c) => {
        const layer = sg.layers.convLstm2d({ filters: F, ...c.ours } as never) as sg.ConvLSTM2D;
        const xt = sg.tensor(x, [B, T, H, W, C]);
        const first = layer.apply(xt) as sg.Tensor | sg.Tensor[];
        const shapes = [first].flat().map((o) => o.shape);
        sg.dispose(first);
        expect(layer.fusable).toBe(true);
        const weights = layer.weights.map((wt, i) => randArray(wt.shape.reduce((a, v) => a * v, 1), 20 + i, -0.5, 0.5));
        const wv = weights.map((w, i) => sg.tensor(w, layer.weights[i].shape));
        layer.setWeights(wv);
        sg.dispose(wv);
        const outWeights = shapes.map((s, i) => randArray(s.reduce((a, v) => a * v, 1), 30 + i, 0.5, 1.5));
        const ws = outWeights.map((w, i) => sg.tensor(w, shapes[i]));
        const loss = (xin: sg.Tensor) =>
          [layer.apply(xin) as sg.Tensor | sg.Tensor[]]
            .flat()
            .map((o, i) => sg.sum(sg.mul(o, ws[i])))
            .reduce((a, b) => sg.add(a, b));
        const values = [layer.apply(xt) as sg.Tensor | sg.Tensor[]].flat().map(take);
        const vars = layer.trainableWeights.map((wt) => wt.variable);
        const { value, grads } = sg.variableGrads(() => loss(xt), vars);
        value.dispose();
        values.push(...vars.map((v) => take(grads[v.name])), take(sg.grad(loss)(xt)));
        sg.dispose([xt, ...ws]);
        layer.dispose();
        return { name: c.name, keras: { filters: F, ...c.keras }, weights, outWeights, shapes, values };
      }),
    );
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'sg-convlstm-')), 'spec.json');
    const toList = (a: Float32Array[]) => a.map((w) => Array.from(w));
    writeFileSync(
      file,
      JSON.stringify({
        x: Array.from(x),
        shape: [B, T, H, W, C],
        cases: ours.map((o) => ({ name: o.name, keras: o.keras, weights: toList(o.weights), outWeights: toList(o.outWeights), shapes: o.shapes })),
      }),
    );
    const keras = JSON.parse(runPython(PY, [file], 240_000).trim().split('\n').pop()!) as Record<string, { shapes: number[][]; values: number[][] }>;
    for (const o of ours) {
      const k = keras[o.name];
      try {
        expect(o.shapes).toEqual(k.shapes);
        expect(o.values.length).toBe(k.values.length);
        o.values.forEach((v, i) => expectClose(v, k.values[i], 1e-4, 1e-5));
      } catch (e) {
        throw new Error(`${o.name}: ${(e as Error).message}`);
      }
    }
  }, 300_000);
});
