/**
 * ONNX export (`sg.onnx`): a model as an ONNX file that ONNX Runtime and other ONNX tools run.
 * @module
 */
export {
  exportModel,
  toOnnx,
  exportableLayers,
  SUPPORTED_OPSETS,
  DEFAULT_OPSET,
  IR_VERSION,
  type ExportOptions,
} from './export.js';
export { exportableActivations } from './activations.js';
