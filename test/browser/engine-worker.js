// The browser test's engine worker: simdgrad inside a dedicated worker, where the calling thread
// may block in Atomics.wait (as in Node) while its own pool workers compute.
import * as sg from './simdgrad.js';

postMessage(await sg.runWorkload(sg, 'worker'));
