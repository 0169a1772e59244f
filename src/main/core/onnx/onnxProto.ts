import * as ns from 'onnx-proto';

// onnx-proto is CommonJS (`module.exports = $root`): under Node's ESM loader the namespace sits on `default`,
// under a bundler it is the module itself. One place resolves it so no other file cares.
export const onnx = ((ns as unknown as { default?: typeof ns }).default ?? ns).onnx;

export type ModelProto = ns.onnx.ModelProto;
export type ValueInfoProto = ns.onnx.IValueInfoProto;
export type TensorProto = ns.onnx.ITensorProto;
export type AttributeProto = ns.onnx.IAttributeProto;
/** Decoded messages always carry their repeated fields (protobufjs defaults them to empty arrays). */
export type NodeProto = ns.onnx.INodeProto & { input: string[]; output: string[] };
export type GraphProto = Omit<ns.onnx.IGraphProto, 'node' | 'initializer' | 'input' | 'output' | 'valueInfo'> & {
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
};

/** The graph of a validated model (parseModelBytes refuses models without one). */
export function graphOf(model: ModelProto): GraphProto {
  if (!model.graph) throw new Error('model has no graph');
  return model.graph as GraphProto;
}

/** protobufjs gives int64 fields as Long objects (or numbers when small): always a JS number here. */
export function toNum(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}

export function encodeModel(model: ns.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Copy for graph edits: nodes, inputs, outputs and value infos are deep copies (through the wire format), so edits
 * never touch the caller's model; the initializers (the weights, most of the bytes) are the SAME objects, shared:
 * weights are read-only once a model is loaded. Why: a deep copy of a 350 MB model costs seconds per edit.
 */
export function cloneModel(model: ModelProto): ModelProto {
  const g = graphOf(model);
  const copy = decodeModel(Uint8Array.from(encodeModel({ ...model, graph: { ...g, initializer: [] } })));
  graphOf(copy).initializer = [...g.initializer];
  return copy;
}

export const ELEM_TYPES: Record<number, string> = {
  0: 'undefined',
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};
