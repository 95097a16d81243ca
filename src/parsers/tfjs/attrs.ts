/**
 * TensorFlow's proto-JSON forms as they appear in TF.js `model.json`: attribute values (`{"i": "1"}`,
 * `{"list": {"i": [...]}}`, `{"s": base64}`, `{"type": "DT_FLOAT"}`, `{"shape": {"dim": [...]}}`, `{"tensor": ...}`),
 * data types and tensor shapes. Everything read from the file is untrusted: wrong types raise `invalid_json`,
 * unbounded sizes `too_large` / `invalid_shape` (through `checkShape`).
 */
import { EdgelatError, LIMITS } from "../../errors.js";
import { checkShape } from "../../ir/graph.js";
import type { AttrValue, DType, Shape, TensorInfo } from "../../ir/types.js";

const TF_DTYPES: Record<string, DType> = {
  DT_FLOAT: "float32",
  DT_HALF: "float16",
  DT_BFLOAT16: "bfloat16",
  DT_DOUBLE: "float64",
  DT_INT8: "int8",
  DT_UINT8: "uint8",
  DT_INT16: "int16",
  DT_UINT16: "uint16",
  DT_INT32: "int32",
  DT_UINT32: "uint32",
  DT_INT64: "int64",
  DT_UINT64: "uint64",
  DT_BOOL: "bool",
  DT_STRING: "string",
  DT_COMPLEX64: "complex64",
  DT_COMPLEX128: "complex128",
};

/** TF `DT_*` enum name (or its numeric code) → IR dtype; DT_VARIANT / DT_RESOURCE and unknown names → "unknown". */
export function tfDType(value: unknown): DType {
  if (typeof value === "string") return TF_DTYPES[value] ?? TF_DTYPES[value.replace(/_REF$/, "")] ?? "unknown";
  if (typeof value === "number") {
    const byCode: Record<number, DType> = { 1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string", 8: "complex64", 9: "int64", 10: "bool", 14: "bfloat16", 17: "uint16", 18: "complex128", 19: "float16", 22: "uint32", 23: "uint64" };
    return byCode[value] ?? "unknown";
  }
  return "unknown";
}

/** Weights-manifest dtype names ("float32", "int32", "bool", "string", "complex64", "float16", "uint8", …). */
export function manifestDType(value: unknown): DType {
  const known: DType[] = ["float32", "float16", "int32", "bool", "string", "complex64", "uint8", "uint16", "int8", "int16", "int64", "float64"];
  return typeof value === "string" && (known as string[]).includes(value) ? (value as DType) : "unknown";
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function invalid(what: string, details: Record<string, unknown> = {}): never {
  throw new EdgelatError("invalid_json", what, details);
}

/** An int64 in proto-JSON ("123" or 123). Values beyond ±2^53 are clamped (they only ever mean "unbounded"). */
export function toInt(v: unknown, what: string): number {
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n) || !Number.isInteger(n)) invalid(`${what}: '${String(v)}' is not an integer`);
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
}

function toFloat(v: unknown, what: string): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return invalid(`${what}: '${String(v)}' is not a number`);
}

const UTF8 = new TextDecoder("utf-8", { fatal: false });
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_CODES = new Map([...BASE64].map((c, i) => [c.charCodeAt(0), i]));

/** Base64 → text (TF.js stores string attributes base64-encoded). Invalid base64 is kept verbatim. */
export function decodeBase64(s: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) return s;
  return UTF8.decode(base64Bytes(s));
}

function base64Bytes(s: string): Uint8Array {
  const clean = s.replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    acc = ((acc << 6) | BASE64_CODES.get(clean.charCodeAt(i))!) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

/**
 * A TensorShapeProto → dims: `-1` (unknown size) stays -1 here; callers turn it into a symbol. `unknownRank` →
 * undefined. Sizes are bounded (`checkShape` on the known dims).
 */
export function tfShape(v: unknown, what: string): number[] | undefined {
  if (v === undefined || v === null) return [];
  if (!isObject(v)) return invalid(`${what}: shape is not an object`);
  if (v.unknownRank === true) return undefined;
  const dims = v.dim ?? [];
  if (!Array.isArray(dims)) return invalid(`${what}: shape.dim is not a list`);
  if (dims.length > LIMITS.maxRank) throw new EdgelatError("too_large", `${what}: rank ${dims.length} exceeds ${LIMITS.maxRank}`);
  const out = dims.map((d, i) => {
    if (!isObject(d)) return invalid(`${what}: shape.dim[${i}] is not an object`);
    return d.size === undefined ? 0 : toInt(d.size, `${what}: shape.dim[${i}].size`);
  });
  for (const d of out) if (d < -1) throw new EdgelatError("invalid_shape", `${what}: dimension ${d} is negative`, { shape: out });
  checkShape(out.filter((d) => d >= 0), what);
  return out;
}

/** Turns -1 dims into symbols `${prefix}_d${i}` (batch dim: "batch"). */
export function symbolize(dims: number[], prefix: string): Shape {
  return dims.map((d, i) => (d >= 0 ? d : i === 0 ? "batch" : `${prefix}_d${i}`));
}

/** A TensorProto (attr `value` of Const nodes): dtype, shape and inline values (intVal, floatVal, …) when small. */
export function tfTensor(v: unknown, name: string): TensorInfo {
  if (!isObject(v)) return invalid(`${name}: tensor attribute is not an object`);
  const dims = tfShape(v.tensorShape, name);
  const shape = dims === undefined ? undefined : symbolize(dims, name);
  if (shape !== undefined) checkShape(shape, name);
  const info: TensorInfo = { name, dtype: tfDType(v.dtype), shape, constant: { source: "constant-node" } };
  for (const key of ["intVal", "int64Val", "floatVal", "doubleVal", "boolVal", "halfVal"]) {
    const raw = v[key];
    if (raw === undefined) continue;
    if (!Array.isArray(raw)) return invalid(`${name}: tensor.${key} is not a list`);
    if (raw.length > LIMITS.maxFoldedElements) break;
    const values = raw.map((x) => (key === "boolVal" ? (x ? 1 : 0) : key.startsWith("int") ? toInt(x, name) : toFloat(x, name)));
    const n = shape?.reduce<number>((a, d) => a * (typeof d === "number" ? d : NaN), 1);
    // TF repeats the last value to fill the shape ("splat" encoding).
    if (n !== undefined && Number.isFinite(n) && n <= LIMITS.maxFoldedElements && values.length > 0 && values.length < n) {
      while (values.length < n) values.push(values[values.length - 1]!);
    }
    info.constant = { source: "constant-node", values };
  }
  return info;
}

/** One attribute value in proto-JSON form → IR attribute value. Returns undefined for forms edgelat does not use (func). */
export function tfAttr(v: unknown, what: string): AttrValue | undefined {
  if (!isObject(v)) return invalid(`${what}: attribute is not an object`);
  if ("s" in v) return typeof v.s === "string" ? decodeBase64(v.s) : invalid(`${what}: s is not a string`);
  if ("i" in v) return toInt(v.i, what);
  if ("f" in v) return toFloat(v.f, what);
  if ("b" in v) return v.b === true || v.b === "true" ? 1 : 0;
  if ("type" in v) return tfDType(v.type);
  if ("shape" in v) return tfShape(v.shape, what); // undefined (attribute dropped) for an unknown rank
  if ("tensor" in v) return tfTensor(v.tensor, what);
  if ("list" in v) {
    const list = v.list;
    if (list === undefined || list === null) return [];
    if (!isObject(list)) return invalid(`${what}: list is not an object`);
    const items = (key: string): unknown[] | undefined => {
      const x = list[key];
      if (x === undefined) return undefined;
      if (!Array.isArray(x)) return invalid(`${what}: list.${key} is not an array`);
      if (x.length > 1_000_000) throw new EdgelatError("too_large", `${what}: list of ${x.length} items`);
      return x;
    };
    const s = items("s");
    if (s) return s.map((x) => (typeof x === "string" ? decodeBase64(x) : invalid(`${what}: list.s item is not a string`)));
    const i = items("i");
    if (i) return i.map((x) => toInt(x, what));
    const f = items("f");
    if (f) return f.map((x) => toFloat(x, what));
    const b = items("b");
    if (b) return b.map((x) => (x === true || x === "true" ? 1 : 0));
    const t = items("type");
    if (t) return t.map((x) => tfDType(x));
    const sh = items("shape");
    if (sh) return sh.map((x) => JSON.stringify(tfShape(x, what) ?? null));
    return [];
  }
  return undefined;
}
