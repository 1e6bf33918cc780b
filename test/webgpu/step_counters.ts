// fit() callbacks that count, on webgpu, the submits and reads of each training step (from
// onBatchBegin to onBatchEnd, so the step's own reads at its end are included) and the memory at
// each epoch's end; shared by the webgpu fit suites.
import { expect } from 'vitest';
import * as sg from '../../src/index.js';

/** What the callbacks saw. */
export interface StepCounts {
  /** Per step: submits and reads. */
  steps: { submits: number; reads: number }[];
  /** At each epoch's end: live tensors, live GPU bytes, GPU bytes held (live + pooled). */
  memory: number[][];
}

/** The callbacks for fit() and the counts they fill in. */
export function stepCounters(): { callbacks: Record<string, () => void>; counts: StepCounts } {
  const counts: StepCounts = { steps: [], memory: [] };
  let at: Record<string, number> = {};
  const callbacks = {
    onBatchBegin: () => void (at = sg.webgpu.stats()),
    onBatchEnd: () => {
      const s = sg.webgpu.stats();
      counts.steps.push({ submits: s.submits - at.submits, reads: s.reads - at.reads });
    },
    onEpochEnd: () => {
      const m = sg.memory();
      counts.memory.push([m.numTensors, m['webgpu.bytes'] as number, m['webgpu.gpuBytes'] as number]);
    },
  };
  return { callbacks, counts };
}

/**
 * Every step was one submit with `reads` reads at its end (nothing inside the step waited on the
 * GPU: a wait would have submitted), and every epoch ended with the memory of the first.
 */
export function expectOneSubmitAStep(c: StepCounts, steps: number, reads: number): void {
  expect(c.steps).toHaveLength(steps);
  for (const s of c.steps) expect(s).toEqual({ submits: 1, reads });
  for (const m of c.memory.slice(1)) expect(m).toEqual(c.memory[0]);
}
