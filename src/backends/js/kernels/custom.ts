// 'CustomGrad': the identity on one of its inputs (attrs.at). customGrad runs its forward
// function off the tape and records this kernel instead, whose gradient is the user's function.
import type { CpuKernelDef } from '../../host.js';

export const customDefs: CpuKernelDef[] = [
  {
    name: 'CustomGrad',
    outShape: (ins, attrs) => ({ shape: ins[attrs.at as number].shape, dtype: ins[attrs.at as number].dtype }),
    run: (ins, out, _infos, attrs) => out.set(ins[attrs.at as number]),
  },
];
