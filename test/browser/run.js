// The browser test's page script: window.run('main') runs the workload on the page's main thread;
// window.run('worker') runs it inside a dedicated module worker (engine-worker.js).
import * as sg from './simdgrad.js';

window.run = async (where) => {
  if (where === 'main') return sg.runWorkload(sg, 'page');
  return new Promise((resolve, reject) => {
    const w = new Worker('./engine-worker.js', { type: 'module' });
    w.onmessage = (e) => {
      w.terminate();
      resolve(e.data);
    };
    w.onerror = (e) => reject(new Error(`engine worker: ${e.message}`));
  });
};
