// The browser bundle of the browser test (test/browser.test.ts): simdgrad's public API, plus the
// thread settings and the engine (for the backend's thread report), plus the shared workload.
export * from '../../src/index.js';
export { setThreads, getThreads } from '../../src/threads.js';
export { ENGINE } from '../../src/engine/engine.js';
export { matMulCase, trainCase, runWorkload } from './workload.js';
