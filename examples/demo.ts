// `npm start` until the Keras layer lands: a two-layer network learns XOR with simdgrad's
// autodiff and plain gradient descent, on the wasm backend, with memory flat across steps.
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
const w1 = sg.variable(sg.randomNormal([2, 8], 0, 1, 'float32', 1), true, 'w1');
const b1 = sg.variable(sg.zeros([8]), true, 'b1');
const w2 = sg.variable(sg.randomNormal([8, 1], 0, 1, 'float32', 2), true, 'w2');
const b2 = sg.variable(sg.zeros([1]), true, 'b2');
const params = [w1, b1, w2, b2];

const predict = (inp: sg.Tensor) => sg.sigmoid(sg.add(sg.matMul(sg.tanh(sg.add(sg.matMul(inp, w1), b1)), w2), b2));
const lr = 1.0;
let memAfterFirst = 0;
for (let step = 1; step <= 500; step++) {
  const loss = sg.tidy(() => {
    const { value, grads } = sg.variableGrads(() => sg.mean(sg.square(sg.sub(predict(x), y))), params);
    for (const p of params) p.assign(sg.sub(p, sg.mul(grads[p.name], lr)));
    return value;
  });
  if (step % 100 === 0) console.log(`step ${step}: loss ${loss.dataSync()[0].toFixed(5)}`);
  loss.dispose();
  if (step === 1) memAfterFirst = sg.memory().numTensors;
}
const memAfterLast = sg.memory().numTensors;
const out = sg.tidy(() => predict(x));
console.log('predictions for [0,0] [0,1] [1,0] [1,1]:', Array.from(out.dataSync(), (v) => v.toFixed(3)).join(' '));
out.dispose();
console.log(
  `live tensors after step 1: ${memAfterFirst}, after step 500: ${memAfterLast}` +
    (memAfterFirst === memAfterLast ? ' (flat: nothing leaked)' : ' (LEAK)'),
);
