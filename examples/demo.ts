// The engine under the Keras API, without it: a 2-8-1 network learns XOR with simdgrad's
// autodiff (`variableGrads` over four variables) and plain gradient descent written out by hand,
// no layers, no optimizer object, on the default (wasm) backend. Each step runs in `tidy`, so the
// count of live tensors stays flat from the first step to the last (printed at the end).
// For the Keras-style walk-through see examples/mnist_mlp.ts (`npm start`); for the browser,
// the demo page (`npm run demo:build && npm run demo`, demo/).
//
// Prints: the backend, the loss every 100 steps (it falls below 0.01), the four predictions
// (near 0 1 1 0) and the live tensors after the first and the last step.
//
//   npx tsx examples/demo.ts                     # STEPS=500 LR=1.0 (environment variables)
import * as sg from 'simdgrad';

await sg.ready();
console.log(`simdgrad on the '${sg.getBackend()}' backend`);

const x = sg.tensor([
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
]);
const y = sg.tensor([[0], [1], [1], [0]]);
// A variable owns a copy of its initial value: free the value once copied.
const variable = (init: sg.Tensor, name: string) => {
  const v = sg.variable(init, true, name);
  init.dispose();
  return v;
};
const w1 = variable(sg.randomNormal([2, 8], 0, 1, 'float32', 1), 'w1');
const b1 = variable(sg.zeros([8]), 'b1');
const w2 = variable(sg.randomNormal([8, 1], 0, 1, 'float32', 2), 'w2');
const b2 = variable(sg.zeros([1]), 'b2');
const params = [w1, b1, w2, b2];

const predict = (inp: sg.Tensor) => sg.sigmoid(sg.add(sg.matMul(sg.tanh(sg.add(sg.matMul(inp, w1), b1)), w2), b2));
const lr = Number(process.env.LR ?? 1.0);
const steps = Number(process.env.STEPS ?? 500);
const losses: number[] = [];
let memAfterFirst = 0;
for (let step = 1; step <= steps; step++) {
  const loss = sg.tidy(() => {
    const { value, grads } = sg.variableGrads(() => sg.mean(sg.square(sg.sub(predict(x), y))), params);
    for (const p of params) p.assign(sg.sub(p, sg.mul(grads[p.name], lr)));
    return value;
  });
  losses.push(loss.dataSync()[0]);
  if (step % 100 === 0) console.log(`step ${step}: loss ${losses[step - 1].toFixed(5)}`);
  loss.dispose();
  if (step === 1) memAfterFirst = sg.memory().numTensors;
}
const memAfterLast = sg.memory().numTensors;
const out = sg.tidy(() => predict(x));
const predictions = Array.from(out.dataSync());
console.log('predictions for [0,0] [0,1] [1,0] [1,1]:', predictions.map((v) => v.toFixed(3)).join(' '));
out.dispose();
sg.dispose([x, y, ...params]);
console.log(
  `live tensors after step 1: ${memAfterFirst}, after step ${steps}: ${memAfterLast}` +
    (memAfterFirst === memAfterLast ? ' (flat: nothing leaked)' : ' (LEAK)'),
);

/** What the run gave (read by test/demo/xor_example.test.ts). */
export const result = { losses, predictions, memAfterFirst, memAfterLast };
