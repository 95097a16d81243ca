/**
 * The subset of the ONNX protobuf schema (onnx/onnx.proto, IR version 10) that edgelat reads and writes, as a
 * protobufjs JSON descriptor. Field numbers are the spec's; fields edgelat never needs (doc strings, training info,
 * model-local functions, sparse-tensor values) are left out so the decoder skips them without allocating anything.
 *
 * Deliberate deviations from the spec, all wire-compatible:
 * - `data_type` / `type` / `data_location` are plain int32 (not enums) so unknown values survive decoding.
 * - TensorProto's packed numeric arrays (`float_data`, `int32_data`, `int64_data`, `double_data`, `uint64_data`) are
 *   declared `bytes`: the decoder then hands out a view of the packed payload instead of decoding every weight
 *   element; the few small constants whose values shape inference needs are decoded from that view on demand
 *   (see tensor-data.ts). Unpacked encodings of these fields (legal but never produced by ONNX writers, as the spec
 *   marks them `packed = true`) are skipped: such tensors keep their shape but not their values.
 * Every message is proto2 (as onnx.proto), so optional scalars keep their presence (a `dim_value` of 0 is kept).
 * Decoded messages inherit defaults from their prototype: test presence with `has` (own property), not `undefined`.
 */
import protobuf from "protobufjs/light.js";

const str = (id: number) => ({ type: "string", id });
const i64 = (id: number) => ({ type: "int64", id });
const i32 = (id: number) => ({ type: "int32", id });
const bytes = (id: number) => ({ type: "bytes", id });
const msg = (type: string, id: number) => ({ type, id });
const rep = (type: string, id: number) => ({ rule: "repeated", type, id });

/** The ONNX messages edgelat uses (package `onnx`), as protobufjs JSON. */
const messages = {
  ModelProto: {
    fields: {
      ir_version: i64(1),
      opset_import: rep("OperatorSetIdProto", 8),
      producer_name: str(2),
      producer_version: str(3),
      domain: str(4),
      model_version: i64(5),
      graph: msg("GraphProto", 7),
      metadata_props: rep("StringStringEntryProto", 14),
      functions: rep("FunctionProto", 25),
    },
  },
  // Model-local functions: only their names are read (to report them; they are not expanded).
  FunctionProto: { fields: { name: str(1), domain: str(10) } },
  OperatorSetIdProto: { fields: { domain: str(1), version: i64(2) } },
  StringStringEntryProto: { fields: { key: str(1), value: str(2) } },
  GraphProto: {
    fields: {
      node: rep("NodeProto", 1),
      name: str(2),
      initializer: rep("TensorProto", 5),
      sparse_initializer: rep("SparseTensorProto", 15),
      input: rep("ValueInfoProto", 11),
      output: rep("ValueInfoProto", 12),
      value_info: rep("ValueInfoProto", 13),
    },
  },
  NodeProto: {
    fields: {
      input: rep("string", 1),
      output: rep("string", 2),
      name: str(3),
      op_type: str(4),
      domain: str(7),
      attribute: rep("AttributeProto", 5),
    },
  },
  AttributeProto: {
    fields: {
      name: str(1),
      ref_attr_name: str(21),
      type: i32(20),
      f: { type: "float", id: 2 },
      i: i64(3),
      s: bytes(4),
      t: msg("TensorProto", 5),
      g: msg("GraphProto", 6),
      sparse_tensor: msg("SparseTensorProto", 22),
      tp: msg("TypeProto", 14),
      floats: rep("float", 7),
      ints: rep("int64", 8),
      strings: rep("bytes", 9),
      tensors: rep("TensorProto", 10),
      graphs: rep("GraphProto", 11),
      sparse_tensors: rep("SparseTensorProto", 23),
      type_protos: rep("TypeProto", 15),
    },
  },
  ValueInfoProto: { fields: { name: str(1), type: msg("TypeProto", 2) } },
  TypeProto: {
    oneofs: { value: { oneof: ["tensor_type", "sequence_type", "map_type", "optional_type", "sparse_tensor_type"] } },
    fields: {
      tensor_type: msg("TypeTensor", 1),
      sequence_type: msg("TypeSequence", 4),
      map_type: msg("TypeMap", 5),
      optional_type: msg("TypeOptional", 9),
      sparse_tensor_type: msg("TypeTensor", 8),
    },
  },
  // TypeProto.Tensor and TypeProto.SparseTensor have the same fields.
  TypeTensor: { fields: { elem_type: i32(1), shape: msg("TensorShapeProto", 2) } },
  TypeSequence: { fields: { elem_type: msg("TypeProto", 1) } },
  TypeMap: { fields: { key_type: i32(1), value_type: msg("TypeProto", 2) } },
  TypeOptional: { fields: { elem_type: msg("TypeProto", 1) } },
  TensorShapeProto: { fields: { dim: rep("Dimension", 1) } },
  Dimension: {
    oneofs: { value: { oneof: ["dim_value", "dim_param"] } },
    fields: { dim_value: i64(1), dim_param: str(2) },
  },
  TensorProto: {
    fields: {
      dims: rep("int64", 1),
      data_type: i32(2),
      float_data: bytes(4),
      int32_data: bytes(5),
      string_data: rep("bytes", 6),
      int64_data: bytes(7),
      name: str(8),
      raw_data: bytes(9),
      external_data: rep("StringStringEntryProto", 13),
      data_location: i32(14),
      double_data: bytes(10),
      uint64_data: bytes(11),
    },
  },
  SparseTensorProto: { fields: { values: msg("TensorProto", 1), indices: msg("TensorProto", 2), dims: rep("int64", 3) } },
};

/** protobufjs JSON descriptor: every message proto2, as in onnx.proto. */
export const onnxDescriptor = {
  nested: {
    onnx: { nested: Object.fromEntries(Object.entries(messages).map(([name, m]) => [name, { edition: "proto2", ...m }])) },
  },
};

/** Whether a decoded message carries `field` (protobufjs puts absent fields' defaults on the prototype). */
export function has<T extends object>(message: T | null | undefined, field: keyof T & string): boolean {
  return message != null && Object.prototype.hasOwnProperty.call(message, field);
}

/** int64 as decoded by protobufjs: a number, or a Long when the `long` package is loadable. */
export interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
  toNumber(): number;
}
export type Int64 = number | LongLike;

// Decoded message shapes (only what edgelat reads; every field may be absent).
export interface PModel {
  ir_version?: Int64;
  opset_import?: { domain?: string; version?: Int64 }[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: Int64;
  graph?: PGraph | null;
  metadata_props?: PEntry[];
  functions?: { name?: string; domain?: string }[];
}
export interface PEntry {
  key?: string;
  value?: string;
}
export interface PGraph {
  node?: PNode[];
  name?: string;
  initializer?: PTensor[];
  sparse_initializer?: PSparseTensor[];
  input?: PValueInfo[];
  output?: PValueInfo[];
  value_info?: PValueInfo[];
}
export interface PNode {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: PAttribute[];
}
export interface PAttribute {
  name?: string;
  ref_attr_name?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: PTensor | null;
  g?: PGraph | null;
  sparse_tensor?: PSparseTensor | null;
  tp?: PType | null;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: PTensor[];
  graphs?: PGraph[];
  sparse_tensors?: PSparseTensor[];
  type_protos?: PType[];
}
export interface PValueInfo {
  name?: string;
  type?: PType | null;
}
export interface PType {
  tensor_type?: PTypeTensor | null;
  sequence_type?: { elem_type?: PType | null } | null;
  map_type?: { key_type?: number; value_type?: PType | null } | null;
  optional_type?: { elem_type?: PType | null } | null;
  sparse_tensor_type?: PTypeTensor | null;
}
export interface PTypeTensor {
  elem_type?: number;
  shape?: { dim?: PDim[] } | null;
}
export interface PDim {
  dim_value?: Int64;
  dim_param?: string;
}
export interface PTensor {
  dims?: Int64[];
  data_type?: number;
  float_data?: Uint8Array;
  int32_data?: Uint8Array;
  string_data?: Uint8Array[];
  int64_data?: Uint8Array;
  name?: string;
  raw_data?: Uint8Array;
  external_data?: PEntry[];
  data_location?: number;
  double_data?: Uint8Array;
  uint64_data?: Uint8Array;
}
export interface PSparseTensor {
  values?: PTensor | null;
  indices?: PTensor | null;
  dims?: Int64[];
}

/** AttributeProto.AttributeType values. */
export const AttrType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

/** TensorProto.DataLocation.EXTERNAL */
export const DATA_LOCATION_EXTERNAL = 1;

export interface OnnxTypes {
  model: protobuf.Type;
  graph: protobuf.Type;
  tensor: protobuf.Type;
}

let cached: OnnxTypes | undefined;

/**
 * The reflection types, built on first use (building compiles the codecs, ~1 ms) and memoised: an immutable codec,
 * not a registry, so no import-time side effect.
 */
export function onnxTypes(): OnnxTypes {
  if (cached === undefined) {
    const root = protobuf.Root.fromJSON(onnxDescriptor as unknown as protobuf.INamespace);
    cached = {
      model: root.lookupType("onnx.ModelProto"),
      graph: root.lookupType("onnx.GraphProto"),
      tensor: root.lookupType("onnx.TensorProto"),
    };
  }
  return cached;
}

/** int64 (number or Long) → number; values beyond ±2^53 are clamped to the safe-integer range. */
export function toNumber(v: Int64 | undefined | null): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === "number" ? v : v.toNumber();
  if (n > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  if (n < -Number.MAX_SAFE_INTEGER) return -Number.MAX_SAFE_INTEGER;
  return n;
}
