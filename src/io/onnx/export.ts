// onnx.exportModel: a Sequential or functional model as an ONNX model (opset 17 by default, IR
// version 8), as bytes or written to a file:// destination. The layer graph is walked in
// topological order (shared layers convert once per call and share their initializers; a model
// used as a layer is inlined); every layer is converted by its class's converter, and a model
// with layers that have none fails with one error listing all of them.
import { Layer } from '../../layers/layer.js';
import { InputLayer } from '../../layers/core/input.js';
import type { Node, SymbolicShape, SymbolicTensor } from '../../layers/symbolic.js';
import { LayersModel } from '../../models/model.js';
import { activationConverters } from './activations.js';
import { convConverters } from './conv.js';
import { convLstmConverters } from './conv_lstm.js';
import { coreConverters } from './core.js';
import { OnnxGraph, Unsupported, onnxType, type Converter, type Val } from './graph.js';
import { encodeModel, type ValueInfoData } from './proto.js';
import { mergeConverters } from './merge.js';
import { recurrentConverters } from './recurrent.js';

/**
 * The opsets this exporter writes. Where the ops it uses changed (HardSwish 14, LayerNormalization
 * 17, reductions' axes as an input 18, Mish 18, Gelu 20) both forms are written.
 */
export const SUPPORTED_OPSETS = { min: 13, max: 21 } as const;
/** The opset written when `ExportOptions.opset` is not given: 17 (ONNX 1.12+, ONNX Runtime 1.12+). */
export const DEFAULT_OPSET = 17;
/** ONNX IR version 8 (ONNX 1.10+), the one that goes with opset 17 (and reads 13 to 16 too). */
export const IR_VERSION = 8;
const PRODUCER_VERSION = '0.1.0';

/** Options of `onnx.exportModel` / `onnx.toOnnx`. */
export interface ExportOptions {
  /** The default-domain opset (13 to 21; default 17). */
  opset?: number;
  /** The graph's doc_string. */
  docString?: string;
  /** Extra metadata_props entries. */
  metadata?: Record<string, string>;
}

const CONVERTERS: Record<string, Converter> = {
  ...coreConverters,
  ...activationConverters,
  ...convConverters,
  ...recurrentConverters,
  ...mergeConverters,
  ...convLstmConverters,
};

/** Class names of the layers the exporter converts. */
export const exportableLayers: readonly string[] = Object.keys(CONVERTERS).sort();

/** Layers whose call reads a mask: a masked input would change their result. */
const MASK_CONSUMERS = new Set(['LSTM', 'GRU', 'SimpleRNN', 'Bidirectional', 'Multiply', 'Maximum', 'Minimum', 'GlobalAveragePooling1D']);
const RECURRENT = new Set(['LSTM', 'GRU', 'SimpleRNN', 'Bidirectional']);

interface Failure {
  layer: Layer;
  reason: string;
}

/** Nodes between a model's inputs and outputs, each after the nodes it reads (as LayersModel.setGraph). */
function topoOrder(model: LayersModel): Node[] {
  const inputIds = new Set(model.inputs.map((t) => t.id));
  const done = new Set<Node>();
  const order: Node[] = [];
  const visit = (t: SymbolicTensor) => {
    const node = t.node!;
    if (done.has(node)) return;
    done.add(node);
    if (!inputIds.has(t.id)) node.inputs.forEach(visit);
    order.push(node);
  };
  model.outputs.forEach(visit);
  return order.filter((n) => !n.outputs.every((o) => inputIds.has(o.id)));
}

class Exporter {
  readonly failures: Failure[] = [];
  /** Symbolic tensors that carry a Keras mask (from Embedding maskZero or Masking). */
  private readonly masked = new Set<number>();

  constructor(readonly g: OnnxGraph) {}

  /** Converts a model's graph on the given input values; returns its output values. */
  graph(model: LayersModel, inputs: Val[]): Val[] {
    const values = new Map<number, Val>();
    model.inputs.forEach((t, i) => values.set(t.id, inputs[i]));
    for (const node of topoOrder(model)) {
      const ins = node.inputs.map((t) => values.get(t.id)!);
      const outs = this.call(node.layer, ins, node.outputs.map((o) => o.shape), node.kwargs);
      node.outputs.forEach((o, i) => values.set(o.id, { name: outs[i], shape: o.shape, dtype: o.dtype }));
      this.trackMasks(node);
    }
    return model.outputs.map((t) => values.get(t.id)!);
  }

  private trackMasks(node: Node): void {
    const l = node.layer as Layer & { maskZero?: boolean; returnSequences?: boolean };
    const inMasked = node.inputs.some((t) => this.masked.has(t.id));
    if (inMasked && MASK_CONSUMERS.has(l.className)) {
      this.fail(l, 'its input carries a mask (from Embedding maskZero or Masking), which the ONNX export does not carry');
    }
    const makes = (l.className === 'Embedding' && l.maskZero) || l.className === 'Masking';
    // The mask goes on where the layer passes it (recurrent layers: with returned sequences).
    const passes = inMasked && l.supportsMasking && (!RECURRENT.has(l.className) || l.returnSequences);
    if (makes || passes) this.masked.add(node.outputs[0].id);
  }

  private fail(layer: Layer, reason: string): void {
    if (!this.failures.some((f) => f.layer === layer && f.reason === reason)) this.failures.push({ layer, reason });
  }

  /** One layer call; on failure records it and returns placeholder names so the walk goes on. */
  call(layer: Layer, inputs: Val[], outShapes: SymbolicShape[], kwargs: Record<string, unknown>): string[] {
    // After a failure the walk goes on with placeholder names, so that every layer is checked
    // (a converter only reads its inputs' names and shapes; nothing is written in the end).
    const placeholder = () => outShapes.map((_, i) => `${layer.name}:unconverted${i}`);
    // A subclass that does not name itself may have its own call(): converting it by its
    // parent's class name would silently export the parent's computation.
    if (!Object.prototype.hasOwnProperty.call(layer.constructor, 'className')) {
      this.fail(layer, `a subclass of ${layer.className} without a className of its own; its call() cannot be exported`);
      return placeholder();
    }
    if (layer instanceof LayersModel) {
      // Inlined as its graph, which is what it computes unless it overrides call().
      if (layer.call !== LayersModel.prototype.call) {
        this.fail(layer, 'a model that overrides call(): its computation is not its layer graph');
        return placeholder();
      }
      return this.graph(layer, inputs).map((v) => v.name);
    }
    const conv = CONVERTERS[layer.className];
    if (!conv) {
      this.fail(layer, 'no ONNX converter for this layer class');
      return placeholder();
    }
    const unsupportedKw = Object.keys(kwargs).filter((k) => kwargs[k] !== undefined && k !== 'training');
    if (unsupportedKw.length) {
      this.fail(layer, `call arguments ${unsupportedKw.join(', ')} are not exported`);
      return placeholder();
    }
    try {
      const outs = conv(this.g, {
        layer,
        inputs,
        outShapes,
        kwargs,
        convert: (inner, ins, shapes) => this.call(inner as Layer, ins, shapes, {}),
      });
      if (outs.length !== outShapes.length) {
        throw new Error(`onnx: converter of ${layer.className} gave ${outs.length} outputs for ${outShapes.length}`);
      }
      return outs;
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      this.fail(layer, e.message);
      return placeholder();
    }
  }
}

/** A value's type for graph inputs and outputs: the batch dimension is 'batch', other unknowns named or left open. */
function valueInfo(name: string, dtype: string, shape: SymbolicShape, unknown: (i: number) => string): ValueInfoData {
  return { name, elemType: onnxType(dtype), dims: shape.map((d, i) => (d !== null ? d : i === 0 ? 'batch' : unknown(i))) };
}

/**
 * The ONNX bytes of a model. Throws when a layer cannot be exported, listing every such layer.
 * @example
 * const bytes = sg.onnx.exportModel(model);               // Uint8Array
 * await sg.onnx.exportModel(model, 'file://model.onnx');  // writes the file too
 */
export function toOnnx(model: LayersModel, opts: ExportOptions = {}): Uint8Array {
  if (!(model instanceof LayersModel)) {
    throw new Error(`onnx.exportModel: expected a model (sequential or functional) but got ${model === null ? 'null' : typeof model}`);
  }
  const opset = opts.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < SUPPORTED_OPSETS.min || opset > SUPPORTED_OPSETS.max) {
    throw new Error(`onnx.exportModel: opset must be an integer from ${SUPPORTED_OPSETS.min} to ${SUPPORTED_OPSETS.max} but is ${opset}`);
  }
  if (model.outputs.length === 0) {
    throw new Error(`onnx.exportModel: model '${model.name}' is not built yet; give its first layer an inputShape or call it on data first`);
  }
  const g = new OnnxGraph(opset);
  const inputs: Val[] = model.inputs.map((t) => {
    const name = g.unique((t.node!.layer as InputLayer).name);
    return { name, shape: t.shape, dtype: t.dtype };
  });
  const ex = new Exporter(g);
  const outs = ex.graph(model, inputs);
  if (ex.failures.length) {
    const list = ex.failures.map((f) => `  ${f.layer.name} (${f.layer.className}): ${f.reason}`).join('\n');
    throw new Error(
      `onnx.exportModel: model '${model.name}' has ${ex.failures.length} layer(s) that cannot be exported to ONNX:\n${list}`,
    );
  }

  // Graph outputs carry the names of the layers that make them (renamed in place; an Identity
  // where the value is a graph input, an initializer or already another output).
  const inputNames = new Set(inputs.map((v) => v.name));
  const outputInfos: ValueInfoData[] = [];
  const taken = new Set<string>();
  model.outputs.forEach((t, i) => {
    const v = outs[i];
    const layer = t.node!.layer;
    const base = layer.name + (t.node!.outputs.length > 1 ? `_${t.outputIndex}` : '');
    let name: string;
    if (!inputNames.has(v.name) && !taken.has(v.name) && g.producer(v.name)) {
      name = g.unique(base);
      const old = v.name;
      g.rename(old, name);
      for (const o of outs) if (o.name === old) o.name = name;
    } else {
      name = g.op('Identity', [v.name], {}, base);
    }
    taken.add(name);
    outputInfos.push(valueInfo(name, t.dtype, t.shape, () => ''));
  });
  g.prune(outputInfos.map((o) => o.name));
  return encodeModel({
    irVersion: IR_VERSION,
    opsetImports: [{ domain: '', version: opset }],
    producerName: 'simdgrad',
    producerVersion: PRODUCER_VERSION,
    graph: {
      name: model.name,
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: inputs.map((v) => valueInfo(v.name, v.dtype, v.shape, (i) => `${v.name}_dim${i}`)),
      outputs: outputInfos,
      docString: opts.docString,
    },
    metadata: opts.metadata,
  });
}

type NodeFs = { writeFile(path: string, data: Uint8Array): Promise<void> };

function nodeFs(): NodeFs | undefined {
  const p = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (n: string) => unknown } }).process;
  return p?.versions?.node ? (p.getBuiltinModule?.('node:fs/promises') as NodeFs | undefined) : undefined;
}

/**
 * Exports a model to ONNX: returns the bytes, or with a `file://` destination writes them there
 * (Node) and resolves to the bytes.
 * @example
 * const bytes = sg.onnx.exportModel(model, { opset: 17 });
 * await sg.onnx.exportModel(model, 'file:///tmp/model.onnx');
 */
export function exportModel(model: LayersModel, opts?: ExportOptions): Uint8Array;
export function exportModel(model: LayersModel, destination: string, opts?: ExportOptions): Promise<Uint8Array>;
export function exportModel(
  model: LayersModel,
  destOrOpts?: string | ExportOptions,
  maybeOpts?: ExportOptions,
): Uint8Array | Promise<Uint8Array> {
  if (typeof destOrOpts !== 'string') return toOnnx(model, destOrOpts);
  const dest = destOrOpts;
  return (async () => {
    if (!dest.startsWith('file://')) {
      throw new Error(`onnx.exportModel: destination must be a file:// URL but is '${dest}'`);
    }
    const fs = nodeFs();
    if (!fs) throw new Error('onnx.exportModel: file:// destinations need Node (>= 20.16, process.getBuiltinModule)');
    const bytes = toOnnx(model, maybeOpts);
    await fs.writeFile(decodeURIComponent(dest.slice('file://'.length)), bytes);
    return bytes;
  })();
}
