// WebGPU convolution kernels (src/backends/webgpu/kernels/conv.ts) against the js oracle: 'Conv'
// and both gradients as implicit GEMMs (conv1d/2d/3d, strides, dilations, same/valid/explicit
// padding, channel counts that allow vec4 loads and ones that do not, bias + relu), conv2dTranspose
// (ConvBackpropInput run forward), and the depthwise kernels; gradients through sg.grads.
import { it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, randArray } from '../helpers.js';
import { describeGpu, onWebGpuWithNativeKernels, vsJs } from './helpers.js';

const r = (shape: number[], seed: number) => sg.tensor(randArray(shape.reduce((a, b) => a * b, 1), seed), shape);
const KERNELS = ['Conv', 'ConvBackpropInput', 'ConvBackpropFilter', 'DepthwiseConv', 'DepthwiseConvBackpropInput', 'DepthwiseConvBackpropFilter'];

describeGpu('webgpu convolutions vs the js oracle', () => {
  checkNoLeaks();
  onWebGpuWithNativeKernels(KERNELS);

  it('conv2d: odd channels (scalar loads), strides, same / explicit padding', () =>
    vsJs(() => [
      sg.conv2d(r([2, 7, 6, 3], 1), r([3, 2, 3, 5], 2), [2, 1], 'same'),
      sg.conv2d(r([1, 5, 6, 3], 3), r([2, 3, 3, 5], 4), 1, [[0, 0], [1, 2], [2, 0], [0, 0]]),
    ]));

  it('conv2d: channels multiple of 4 (vec4 loads), dilation, valid; fused bias + relu', () =>
    vsJs(() => [
      sg.conv2d(r([1, 7, 8, 4], 5), r([3, 3, 4, 8], 6), 1, 'valid', 'NHWC', 2),
      sg.fused.conv2d({ x: r([2, 5, 5, 4], 7), filter: r([3, 3, 4, 8], 8), strides: 1, pad: 'same', bias: r([8], 9), activation: 'relu' }),
    ]));

  it('conv1d and conv3d on the same kernel', () =>
    vsJs(() => [
      sg.conv1d(r([2, 9, 3], 10), r([3, 3, 5], 11), 2, 'same'),
      sg.conv3d(r([1, 3, 4, 4, 3], 12), r([2, 2, 2, 3, 5], 13), 1, 'valid'),
    ]));

  for (const [name, xs, fs, strides, pad, dil] of [
    ['odd channels, stride 2, same', [2, 6, 5, 3], [3, 3, 3, 5], 2, 'same', 1],
    ['channels multiple of 4, dilation 2, valid', [1, 7, 7, 4], [2, 3, 4, 8], 1, 'valid', 2],
  ] as const) {
    it(`gradients of conv2d (${name}): ConvBackpropInput and ConvBackpropFilter`, () =>
      vsJs(() => {
        const f = (x: sg.Tensor, w: sg.Tensor) =>
          sg.sum(sg.mul(sg.conv2d(x, w, strides, pad, 'NHWC', dil), sg.conv2d(x, w, strides, pad, 'NHWC', dil)));
        return sg.grads(f)([r([...xs], 14), r([...fs], 15)]);
      }));
  }

  it('conv2dTranspose (ConvBackpropInput forward)', () =>
    vsJs(() => sg.conv2dTranspose(r([2, 3, 3, 5], 16), r([3, 3, 3, 5], 17), [2, 6, 6, 3], 2, 'same')));

  it('depthwiseConv2d forward: multiplier 2, stride 2 same; dilation 2 valid', () =>
    vsJs(() => [
      sg.depthwiseConv2d(r([2, 7, 7, 3], 18), r([3, 3, 3, 2], 19), 2, 'same'),
      sg.depthwiseConv2d(r([1, 6, 7, 2], 20), r([2, 2, 2, 1], 21), 1, 'valid', 'NHWC', 2),
    ]));

  it('gradients of depthwiseConv2d', () =>
    vsJs(() => {
      const f = (x: sg.Tensor, w: sg.Tensor) => sg.sum(sg.square(sg.depthwiseConv2d(x, w, 2, 'same')));
      return sg.grads(f)([r([2, 5, 6, 3], 22), r([3, 3, 3, 2], 23)]);
    }));
});
