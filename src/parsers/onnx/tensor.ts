/**
 * TensorProto / TypeProto → IR tensor facts (dtype, shape, constant info). Every claimed dimension is validated with
 * `checkShape` before anything is derived from it; a weight's payload is only measured (its byte length), never
 * read — values are decoded for small tensors only (integers ≤ LIMITS.maxFoldedElements elements, floats
 * ≤ MAX_FLOAT_VALUES), which shape inference needs.
 */
import { EdgelatError, LIMITS } from "../../errors.js";
import { checkShape, numElements } from "../../ir/graph.js";
import type { ConstantInfo, ConstantSource, DType, Shape, TensorInfo } from "../../ir/types.js";
import { DATA_LOCATION_EXTERNAL, has, toNumber, type Int64, type PSparseTensor, type PTensor, type PType } from "./schema.js";
import {
  decodePackedFixed,
  decodePackedVarints,
  decodeRaw,
  dtypeOfCode,
  int32DataToValues,
  ONNX_TYPE_NAMES,
  rawByteLength,
} from "./tensor-data.js";
import { wrapDecodeError } from "./wire.js";

/** What tensor conversion needs from the surrounding parse. */
export interface TensorContext {
  /** Records a fact that makes predictions less certain (deduplicated by the caller). */
  warn(message: string): void;
  /** A fresh name for a dimension the file leaves unnamed ("?0", "?1", …). */
  freshSymbol(): string;
}

/** Longest tensor / node / attribute name accepted (names are read into memory as strings). */
export const MAX_NAME_LENGTH = 65_536;

export function checkName(name: string, what: string): string {
  if (name.length > MAX_NAME_LENGTH) {
    throw new EdgelatError("too_large", `${what} name of ${name.length} characters exceeds ${MAX_NAME_LENGTH}`);
  }
  return name;
}

function dtypeOf(code: number | undefined, what: string, ctx: TensorContext): DType {
  const dtype = dtypeOfCode(code);
  if (dtype === "unknown" && code !== undefined && code !== 0) {
    const name = ONNX_TYPE_NAMES[code];
    ctx.warn(
      name === undefined
        ? `${what}: unknown ONNX data type ${code}; dtype left unknown`
        : `${what}: ONNX data type ${name} has no edgelat dtype; dtype left unknown (byte counts omit it)`,
    );
  }
  return dtype;
}

/** Dims of a TensorProto / SparseTensorProto, validated. */
export function tensorDims(dims: Int64[] | undefined, what: string): number[] {
  const shape = (dims ?? []).map(toNumber);
  checkShape(shape, what);
  return shape;
}

/** The constant's external-data reference (`data_location = EXTERNAL`); the side file is never opened. */
function externalRef(t: PTensor, what: string): ConstantInfo["external"] {
  const entries = new Map((t.external_data ?? []).map((e) => [e.key ?? "", e.value ?? ""]));
  const location = entries.get("location");
  if (location === undefined || location === "") {
    throw new EdgelatError("invalid_model", `${what}: external data without a location`);
  }
  const ref: NonNullable<ConstantInfo["external"]> = { location: checkName(location, `${what} external data`) };
  for (const key of ["offset", "length"] as const) {
    const text = entries.get(key);
    if (text === undefined) continue;
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
      throw new EdgelatError("invalid_model", `${what}: external data ${key} '${text.slice(0, 40)}' is not a byte count`);
    }
    ref[key] = n;
  }
  return ref;
}

/**
 * Float tensors keep their values up to this many elements (integer tensors up to LIMITS.maxFoldedElements). The
 * float operands shape inference needs (Resize / Upsample scales, Range bounds, scalars in shape arithmetic) are
 * tiny; a larger float constant is a weight (BatchNormalization parameters, depthwise kernels), and decoding those
 * would be per-element work on weights for nothing.
 */
export const MAX_FLOAT_VALUES = 64;

const FLOAT_CODES = new Set([1, 10, 11, 16]);

/**
 * Values of a small tensor stored inline (raw_data or a typed field), after checking the payload size against the
 * shape. Returns undefined for large tensors, strings and types whose values edgelat does not keep.
 */
function inlineValues(t: PTensor, code: number, n: number, what: string): number[] | undefined {
  if (n === 0) return rawByteLength(code, 0) === undefined ? undefined : [];
  const small = n <= (FLOAT_CODES.has(code) ? MAX_FLOAT_VALUES : LIMITS.maxFoldedElements);
  const raw = t.raw_data;
  if (raw !== undefined && raw.length > 0) {
    const want = rawByteLength(code, n);
    if (want !== undefined && raw.length !== want) payloadMismatch(what, "raw_data", raw.length, want);
    return small && want !== undefined ? decodeRaw(raw, code, n) : undefined;
  }
  // Typed fields: fixed-width payloads are measured exactly; varint payloads are decoded only when small.
  const complex = code === 14 || code === 15 ? 2 : 1;
  if (t.float_data !== undefined && t.float_data.length > 0 && (code === 1 || code === 14)) {
    if (t.float_data.length !== 4 * n * complex) payloadMismatch(what, "float_data", t.float_data.length, 4 * n * complex);
    return small && code === 1 ? decodePackedFixed(t.float_data, 4) : undefined;
  }
  if (t.double_data !== undefined && t.double_data.length > 0 && (code === 11 || code === 15)) {
    if (t.double_data.length !== 8 * n * complex) payloadMismatch(what, "double_data", t.double_data.length, 8 * n * complex);
    return small && code === 11 ? decodePackedFixed(t.double_data, 8) : undefined;
  }
  if (!small) return undefined;
  if (code === 7) return varintValues(t.int64_data, "int64", n, what);
  if (code === 12 || code === 13) return varintValues(t.uint64_data, "uint64", n, what);
  const ints = varintValues(t.int32_data, "int32", n, what);
  return ints === undefined ? undefined : int32DataToValues(ints, code);
}

function payloadMismatch(what: string, field: string, have: number, want: number): never {
  throw new EdgelatError("invalid_model", `${what}: ${field} holds ${have} bytes/elements, its shape needs ${want}`, {
    tensor: what,
  });
}

/** Exactly `n` values from a packed varint payload (undefined when the field is empty). */
function varintValues(data: Uint8Array | undefined, kind: "int32" | "int64" | "uint64", n: number, what: string): number[] | undefined {
  if (data === undefined || data.length === 0) return undefined;
  let values: number[] | undefined;
  try {
    values = decodePackedVarints(data, kind, n);
  } catch (e) {
    throw wrapDecodeError(e, what);
  }
  if (values === undefined || values.length !== n) payloadMismatch(what, `${kind}_data`, values?.length ?? n + 1, n);
  return values;
}

/** A TensorProto (initializer, Constant value, tensor attribute) as a constant TensorInfo. */
export function tensorInfo(t: PTensor, name: string, source: ConstantSource, ctx: TensorContext): TensorInfo {
  const what = `tensor '${name}'`;
  const shape = tensorDims(t.dims, what);
  const code = t.data_type ?? 0;
  const dtype = dtypeOf(code, what, ctx);
  const constant: ConstantInfo = { source };
  if (t.data_location === DATA_LOCATION_EXTERNAL) {
    constant.external = externalRef(t, what);
  } else {
    const values = inlineValues(t, code, numElements(shape)!, what);
    if (values !== undefined) constant.values = values;
  }
  return { name, dtype, shape, constant };
}

/** A SparseTensorProto as a constant: its dense shape and the dtype of its values (values never kept). */
export function sparseTensorInfo(t: PSparseTensor, name: string, source: ConstantSource, ctx: TensorContext): TensorInfo {
  const what = `sparse tensor '${name}'`;
  const shape = tensorDims(t.dims, what);
  if (t.values != null) tensorDims(t.values.dims, `${what} values`);
  if (t.indices != null) tensorDims(t.indices.dims, `${what} indices`);
  return { name, dtype: dtypeOf(t.values?.data_type, what, ctx), shape, constant: { source } };
}

/**
 * dtype and shape of a ValueInfo's type. Non-tensor types (sequence, map) give dtype "unknown" and no shape; an
 * optional tensor is read as its element type. Missing or empty dim names get fresh symbols.
 */
export function typeInfo(type: PType | null | undefined, what: string, ctx: TensorContext): { dtype: DType; shape?: Shape } {
  let tt = type?.tensor_type ?? type?.sparse_tensor_type;
  const inner = type?.optional_type?.elem_type;
  if (tt == null && inner != null) tt = inner.tensor_type ?? inner.sparse_tensor_type;
  if (tt == null) return { dtype: "unknown" };
  const dtype = dtypeOf(tt.elem_type, what, ctx);
  if (tt.shape == null) return { dtype };
  const dims = tt.shape.dim ?? [];
  const shape: Shape = new Array<number | string>(dims.length);
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i]!;
    shape[i] = has(d, "dim_value") ? toNumber(d.dim_value) : d.dim_param ? checkName(d.dim_param, `${what} dimension`) : ctx.freshSymbol();
  }
  checkShape(shape, what);
  return { dtype, shape };
}
