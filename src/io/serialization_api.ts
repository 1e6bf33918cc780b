/**
 * The `serialization` namespace (tfjs' tf.serialization): the class registry and config helpers.
 * @module
 */
export {
  registerClass,
  getRegisteredClass,
  registeredClassNames,
  serializeLayer,
  deserializeLayer,
  modelConfig,
  type SerializableClass,
} from './serialization.js';
export { toSavedConfig, fromSavedConfig, KEY_EXCEPTIONS, VALUE_EXCEPTIONS } from './config_names.js';
export {
  Serializable,
  SerializationMap,
  getRegisteredName,
  type ConfigDict,
  type ConfigDictValue,
  type SerializableConstructor,
} from './serialization_extra.js';
