// tfjs-core's serialization.Serializable, SerializationMap and getRegisteredName, over simdgrad's
// one class registry (src/io/serialization.ts): a class registered either way is found both ways.
import { getRegisteredClass, registerClass, registeredClassNames, type SerializableClass } from './serialization.js';

/** A config value (tfjs' serialization.ConfigDictValue). */
export type ConfigDictValue = boolean | number | string | null | ConfigDictValue[] | { [key: string]: ConfigDictValue };
/** A config object (tfjs' serialization.ConfigDict). */
export type ConfigDict = { [key: string]: ConfigDictValue };

/** A class that serializes (tfjs' SerializableConstructor): a static className and fromConfig. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SerializableConstructor<T extends Serializable = Serializable> = (new (...args: any[]) => T) & {
  className: string;
  fromConfig?: (cls: SerializableConstructor<T>, config: ConfigDict) => T;
};

/**
 * The base of classes that save to and load from a config (tfjs' serialization.Serializable):
 * `getClassName()` is the static `className`, `getConfig()` the constructor's arguments, and
 * `Serializable.fromConfig(cls, config)` builds `new cls(config)`.
 * @example class Scale extends sg.serialization.Serializable { static className = 'Scale'; getConfig() { return {}; } }
 */
export abstract class Serializable {
  /** The class name used in configs: the static `className` (robust to minification). */
  getClassName(): string {
    return (this.constructor as unknown as { className: string }).className;
  }
  /** All the non-weight state needed to rebuild this object. */
  abstract getConfig(): ConfigDict;
  /** Builds an instance of `cls` from `config` (`new cls(config)`). */
  static fromConfig<T extends Serializable>(cls: SerializableConstructor<T>, config: ConfigDict): T {
    return new cls(config);
  }
}

/**
 * The registry of serializable classes (tfjs' serialization.SerializationMap), a view of
 * simdgrad's registry: `SerializationMap.getMap().classNameMap[name]` is `[cls, fromConfig]`.
 * @example sg.serialization.SerializationMap.getMap().classNameMap['Dense'];
 */
export class SerializationMap {
  private static instance: SerializationMap | undefined;
  private constructor() {}
  /** The singleton instance. */
  static getMap(): SerializationMap {
    return (SerializationMap.instance ??= new SerializationMap());
  }
  /** Registers `cls` under its static className (as serialization.registerClass). */
  static register(cls: SerializableConstructor | SerializableClass): void {
    registerClass(cls as unknown as SerializableClass);
  }
  /** Every registered class: name -> [class, fromConfig]. */
  get classNameMap(): Record<string, [SerializableClass, (cls: SerializableClass, config: Record<string, unknown>) => unknown]> {
    const out: Record<string, [SerializableClass, (cls: SerializableClass, config: Record<string, unknown>) => unknown]> = {};
    for (const name of registeredClassNames()) {
      const cls = getRegisteredClass(name)!;
      out[name] = [cls, (c, config) => (c.fromConfig ? c.fromConfig(config) : new c(config))];
    }
    return out;
  }
}

/**
 * The name `cls` is registered under (tfjs' serialization.getRegisteredName): the name given to
 * registerClass when it differs from the class's own, else its static `className`.
 * @example sg.serialization.getRegisteredName(sg.layers.Dense); // 'Dense'
 */
export function getRegisteredName(cls: { className: string }): string {
  if (getRegisteredClass(cls.className) === cls) return cls.className;
  for (const name of registeredClassNames()) if (getRegisteredClass(name) === (cls as unknown)) return name;
  return cls.className;
}
