// Loaded by LayersModel.save (a dynamic import) when the saving hooks are not filled in yet: in a
// bundle of the package, a bundler honouring `sideEffects` drops src/io/models_io.ts and
// src/io/keras/save.ts unless the program uses one of their exports, and with them the statements
// that fill modelIOHooks. Using an export of each here keeps both, in their order (keras/save.ts
// imports models_io.ts first and replaces its hook with the one that also knows .keras and .h5).
import { saveKeras } from './keras/save.js';
import { loadLayersModel } from './models_io.js';

/** True once the saving hooks of the tfjs-layers and Keras formats are installed. */
export const ioInstalled: boolean = typeof saveKeras === 'function' && typeof loadLayersModel === 'function';
