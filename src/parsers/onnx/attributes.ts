/**
 * ONNX attributes in both directions: AttributeProto → AttrValue (parse) and AttrValue → AttributeProto (write).
 * The IR's AttrValue does not carry the ONNX attribute type, so the writer resolves it from the op spec registry,
 * then from the names ONNX uses for float attributes, then from the value itself.
 */
import { EdgelatError } from "../../errors.js";
import type { AttrValue, Graph, TensorInfo } from "../../ir/types.js";
import type { AttrType as SpecAttrType } from "../../ops/types.js";
import { AttrType, has, toNumber, type PAttribute, type PGraph, type PSparseTensor, type PTensor } from "./schema.js";

const utf8 = new TextDecoder("utf-8");
const utf8Encoder = new TextEncoder();

/** What attribute decoding needs from the surrounding parse (tensor and subgraph conversion, warnings). */
export interface AttrDecodeContext {
  tensor(t: PTensor, name: string): TensorInfo;
  sparseTensor(t: PSparseTensor, name: string): TensorInfo;
  graph(g: PGraph, label: string): Graph;
  warn(message: string): void;
}

/**
 * The shortest decimal that is the same float32: attributes are stored as float32, so 1e-5 reads back as
 * 9.999999747378752e-6; this gives 0.00001 again (what the model's author wrote).
 */
export function shortestFloat32(f: number): number {
  if (!Number.isFinite(f) || f === 0) return f;
  const target = Math.fround(f);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  return f;
}

/** AttributeProto type inferred from the populated field, for IR v1 files that did not set `type`. */
function inferType(a: PAttribute): number {
  if (a.floats?.length) return AttrType.FLOATS;
  if (a.ints?.length) return AttrType.INTS;
  if (a.strings?.length) return AttrType.STRINGS;
  if (a.tensors?.length) return AttrType.TENSORS;
  if (a.graphs?.length) return AttrType.GRAPHS;
  if (a.t != null) return AttrType.TENSOR;
  if (a.g != null) return AttrType.GRAPH;
  if (a.sparse_tensor != null) return AttrType.SPARSE_TENSOR;
  if (has(a, "s")) return AttrType.STRING;
  if (has(a, "i")) return AttrType.INT;
  if (has(a, "f")) return AttrType.FLOAT;
  return AttrType.UNDEFINED;
}

/**
 * One attribute's value; undefined for attributes the IR cannot hold (type protos, references to function
 * attributes), which are reported through `ctx.warn`.
 */
export function decodeAttribute(a: PAttribute, node: string, ctx: AttrDecodeContext): AttrValue | undefined {
  if (a.ref_attr_name) {
    ctx.warn(`attribute '${a.name}' of node '${node}' refers to function attribute '${a.ref_attr_name}'; left out`);
    return undefined;
  }
  const type = a.type || inferType(a);
  switch (type) {
    case AttrType.FLOAT:
      return shortestFloat32(a.f ?? 0);
    case AttrType.INT:
      return toNumber(a.i);
    case AttrType.STRING:
      return has(a, "s") ? utf8.decode(a.s) : "";
    case AttrType.TENSOR:
      return a.t == null ? missingValue(a, node, type, "t") : ctx.tensor(a.t, a.t.name || subName(a, node));
    case AttrType.GRAPH:
      return a.g == null ? missingValue(a, node, type, "g") : ctx.graph(a.g, subName(a, node));
    case AttrType.SPARSE_TENSOR:
      return a.sparse_tensor == null ? missingValue(a, node, type, "sparse_tensor") : ctx.sparseTensor(a.sparse_tensor, subName(a, node));
    case AttrType.FLOATS:
      return (a.floats ?? []).map(shortestFloat32);
    case AttrType.INTS:
      return (a.ints ?? []).map(toNumber);
    case AttrType.STRINGS:
      return (a.strings ?? []).map((s) => utf8.decode(s));
    case AttrType.TENSORS:
      return (a.tensors ?? []).map((t, i) => ctx.tensor(t, t.name || subName(a, node, i)));
    case AttrType.GRAPHS:
      return (a.graphs ?? []).map((g, i) => ctx.graph(g, subName(a, node, i)));
    case AttrType.SPARSE_TENSORS:
      return (a.sparse_tensors ?? []).map((t, i) => ctx.sparseTensor(t, subName(a, node, i)));
    case AttrType.TYPE_PROTO:
    case AttrType.TYPE_PROTOS:
      ctx.warn(`attribute '${a.name}' of node '${node}' holds a type description, which the IR does not represent; left out`);
      return undefined;
    default:
      throw new EdgelatError("invalid_attribute", `attribute '${a.name}' of node '${node}' has unknown attribute type ${type}`, {
        node,
        attribute: a.name,
      });
  }
}

/** Name of a tensor / subgraph held by an attribute: `node/attr` or `node/attr[i]`. */
const subName = (a: PAttribute, node: string, i?: number): string => `${node}/${a.name}${i === undefined ? "" : `[${i}]`}`;

function missingValue(a: PAttribute, node: string, type: number, field: string): never {
  throw new EdgelatError("invalid_attribute", `attribute '${a.name}' of node '${node}' has type ${type} but no '${field}' value`, {
    node,
    attribute: a.name,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

/** Attribute names that are floats wherever ONNX uses them (used when no op spec gives the type). */
const FLOAT_ATTRIBUTE_NAMES = new Set([
  "alpha",
  "beta",
  "bias",
  "epsilon",
  "gamma",
  "lambd",
  "max",
  "min",
  "momentum",
  "ratio",
  "scale",
  "scales",
  "spatial_scale",
  "cubic_coeff_a",
  "extrapolation_value",
  "value_float",
  "value_floats",
]);

const isGraph = (v: unknown): v is Graph => typeof v === "object" && v !== null && "nodes" in v && "tensors" in v;
const isTensor = (v: unknown): v is TensorInfo => typeof v === "object" && v !== null && "dtype" in v && !("nodes" in v);

/** The ONNX attribute type for a value: the spec's type if known, else from the name and the value. */
export function attributeType(name: string, value: AttrValue, specType: SpecAttrType | undefined): number {
  switch (specType) {
    case "int": return AttrType.INT;
    case "float": return AttrType.FLOAT;
    case "string": return AttrType.STRING;
    case "ints": return AttrType.INTS;
    case "floats": return AttrType.FLOATS;
    case "strings": return AttrType.STRINGS;
    case "tensor": return AttrType.TENSOR;
    case "graph": return AttrType.GRAPH;
    case "graphs": return AttrType.GRAPHS;
    default: break;
  }
  const floatName = FLOAT_ATTRIBUTE_NAMES.has(name);
  if (typeof value === "number") return floatName || !Number.isInteger(value) ? AttrType.FLOAT : AttrType.INT;
  if (typeof value === "string") return AttrType.STRING;
  if (isGraph(value)) return AttrType.GRAPH;
  if (isTensor(value)) return AttrType.TENSOR;
  const list = value as unknown[];
  if (list.length === 0) return floatName ? AttrType.FLOATS : AttrType.INTS;
  const first = list[0];
  if (typeof first === "string") return AttrType.STRINGS;
  if (isGraph(first)) return AttrType.GRAPHS;
  if (isTensor(first)) return AttrType.TENSORS;
  return floatName || (list as number[]).some((x) => !Number.isInteger(x)) ? AttrType.FLOATS : AttrType.INTS;
}

/** What attribute encoding needs from the writer. */
export interface AttrEncodeContext {
  tensor(t: TensorInfo): PTensor;
  graph(g: Graph): PGraph;
}

/** An AttributeProto (as a plain object for the protobufjs encoder). */
export function encodeAttribute(
  name: string,
  value: AttrValue,
  specType: SpecAttrType | undefined,
  node: string,
  ctx: AttrEncodeContext,
): PAttribute {
  const type = attributeType(name, value, specType);
  const bad = (): never => {
    throw new EdgelatError("invalid_attribute", `Attribute '${name}' of node '${node}' does not fit ONNX type ${type}`, {
      node,
      attribute: name,
    });
  };
  const nums = (): number[] => (Array.isArray(value) && value.every((x) => typeof x === "number") ? (value as number[]) : bad());
  const out: PAttribute = { name, type };
  switch (type) {
    case AttrType.INT:
      out.i = typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : bad();
      break;
    case AttrType.FLOAT:
      out.f = typeof value === "number" ? value : bad();
      break;
    case AttrType.STRING:
      out.s = typeof value === "string" ? utf8Encoder.encode(value) : bad();
      break;
    case AttrType.INTS:
      out.ints = nums().map((x) => Math.trunc(x));
      break;
    case AttrType.FLOATS:
      out.floats = nums();
      break;
    case AttrType.STRINGS:
      out.strings = (Array.isArray(value) && value.every((x) => typeof x === "string") ? (value as string[]) : bad()).map((s) =>
        utf8Encoder.encode(s),
      );
      break;
    case AttrType.TENSOR:
      out.t = isTensor(value) ? ctx.tensor(value) : bad();
      break;
    case AttrType.GRAPH:
      out.g = isGraph(value) ? ctx.graph(value) : bad();
      break;
    case AttrType.TENSORS:
      out.tensors = (Array.isArray(value) && value.every(isTensor) ? (value as TensorInfo[]) : bad()).map((t) => ctx.tensor(t));
      break;
    case AttrType.GRAPHS:
      out.graphs = (Array.isArray(value) && value.every(isGraph) ? (value as Graph[]) : bad()).map((g) => ctx.graph(g));
      break;
    default:
      bad();
  }
  return out;
}
