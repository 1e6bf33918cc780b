// WebGPU pooling kernels (src/backends/webgpu/kernels/pool.ts: Pool, MaxPoolGrad, AvgPoolGrad)
// against the js oracle: max/avg in 1-d, 2-d and 3-d, strides, same/valid padding, windows that
// overlap and ones that skip input pixels, ties (first maximum wins); gradients via sg.grads.
import { it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, randArray } from '../helpers.js';
import { describeGpu, onWebGpuWithNativeKernels, vsJs } from './helpers.js';

const r = (shape: number[], seed: number) => sg.tensor(randArray(shape.reduce((a, b) => a * b, 1), seed), shape);
const KERNELS = ['Pool', 'MaxPoolGrad', 'AvgPoolGrad'];

describeGpu('webgpu pooling vs the js oracle', () => {
  checkNoLeaks();
  onWebGpuWithNativeKernels(KERNELS);

  it('maxPool / avgPool 2-d: overlapping same-padded windows, strided valid windows', () =>
    vsJs(() => {
      const x = r([2, 7, 6, 3], 1);
      return [
        sg.maxPool(x, 3, 2, 'same'),
        sg.avgPool(x, 3, 2, 'same'),
        sg.maxPool(x, [2, 1], [3, 2], 'valid'),
        sg.avgPool(x, [2, 3], 1, 'valid'),
      ];
    }));

  it('max pool ties: the first maximum of the window wins (forward and gradient)', () =>
    vsJs(() => {
      const x = sg.tensor([1, 3, 3, 0, 3, 2, 1, 3, 0], [1, 3, 3, 1]);
      const [g] = sg.grads((t: sg.Tensor) => sg.sum(sg.mul(sg.maxPool(t, 2, 1, 'same'), sg.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]))))([x]);
      return [sg.maxPool(x, 2, 1, 'same'), g];
    }));

  it('maxPool3d / avgPool3d', () =>
    vsJs(() => {
      const x = r([1, 4, 5, 4, 2], 2);
      return [sg.maxPool3d(x, 2, [1, 2, 2], 'same'), sg.avgPool3d(x, [2, 3, 2], 2, 'valid')];
    }));

  it('gradients of max and avg pooling (2-d and 1-d via a unit height)', () =>
    vsJs(() => {
      const f = (x: sg.Tensor, y: sg.Tensor) =>
        sg.add(
          sg.sum(sg.square(sg.maxPool(x, 3, 2, 'same'))),
          sg.add(sg.sum(sg.square(sg.avgPool(x, [3, 2], [1, 2], 'valid'))), sg.sum(sg.square(sg.avgPool(y, [1, 3], [1, 2], 'same')))),
        );
      return sg.grads(f)([r([2, 7, 6, 3], 3), r([2, 1, 9, 2], 4)]);
    }));
});
