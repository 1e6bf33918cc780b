// Imports every WGSL kernel module for its registrations (registerWebGPUKernel at module level).
// A new kernel module: add one import line here.
import './elementwise.js';
import './reduce.js';
import './movement.js';
import './optim.js';
// gpu-compute's modules (matmul, conv, pool, rnn) are imported below, one line each.
import './matmul.js';
import './conv.js';
import './pool.js';
import './rnn.js';
