// examples/demo.ts run as written (imported, with fewer steps): XOR learnt by hand-written
// gradient descent on variableGrads, the live tensor count flat over the steps, nothing left.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';

describe('example demo (XOR by autodiff)', () => {
  it('learns XOR in 300 steps with a flat tensor count and frees everything', async () => {
    process.env.STEPS = '300';
    const before = sg.memory().numTensors;
    const ex = await import('../../examples/demo.js');
    const { losses, predictions, memAfterFirst, memAfterLast } = ex.result;
    expect(losses).toHaveLength(300);
    expect(losses[0]).toBeGreaterThan(0.1); // mean squared error of a random start
    expect(losses[299]).toBeLessThan(0.01);
    expect(predictions.map((p: number) => Math.round(p))).toEqual([0, 1, 1, 0]);
    expect(memAfterLast).toBe(memAfterFirst);
    expect(sg.memory().numTensors).toBe(before);
  });
});
