// Every WGSL kernel module, imported for its registrations (registerWebGPUKernel at module level).
// A new kernel module: add one `import * as` line and its name to KERNEL_MODULES.
// Why namespaces and a list, not `import './x.js'`: simdgrad's package.json marks its modules free
// of side effects (only dist/index.js is listed), so a bundler drops a bare side-effect import and
// the kernels with it (the browser test caught every kernel falling back). A module whose namespace
// is used is kept whole, registrations included.
import * as elementwise from './elementwise.js';
import * as reduce from './reduce.js';
import * as movement from './movement.js';
import * as optim from './optim.js';
import * as matmul from './matmul.js';
import * as conv from './conv.js';
import * as pool from './pool.js';
import * as rnn from './rnn.js';
import * as attention from './attention.js';
import * as image from './image.js';
import * as scan from './scan.js';
import * as topk from './topk.js';
import * as fft from './fft.js';

/** The kernel modules; createWebGPUBackend reads this list so that bundlers keep them. */
export const KERNEL_MODULES: readonly object[] = [elementwise, reduce, movement, optim, matmul, conv, pool, rnn, attention, image, scan, topk, fft];
