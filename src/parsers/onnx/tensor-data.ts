/**
 * ONNX element types and the byte-level encoding of tensor data: ONNX data-type codes ↔ IR dtypes, expected payload
 * sizes, and decoding/encoding of *small* tensors' values. Nothing here is ever applied to a weight tensor's payload
 * beyond reading its length.
 */
import protobuf from "protobufjs/light.js";
import type { DType } from "../../ir/types.js";
import { ONNX_DTYPES } from "../../ops/onnx/dtypes.js";
import { toNumber, type Int64 } from "./schema.js";

/** TensorProto.DataType code → IR dtype. Codes the IR has no dtype for (float8, 4-bit, 2-bit) map to "unknown". */
const CODE_TO_DTYPE: Readonly<Record<number, DType>> = ONNX_DTYPES;

/** Names of the ONNX data types (for messages), including those the IR has no dtype for. */
export const ONNX_TYPE_NAMES: Record<number, string> = {
  0: "undefined",
  ...CODE_TO_DTYPE,
  17: "float8e4m3fn",
  18: "float8e4m3fnuz",
  19: "float8e5m2",
  20: "float8e5m2fnuz",
  21: "uint4",
  22: "int4",
  23: "float4e2m1",
  24: "float8e8m0",
  25: "uint2",
  26: "int2",
};

/** Bits per element of every fixed-size ONNX data type (string has none). */
const BITS: Record<number, number> = {
  1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 9: 8, 10: 16, 11: 64, 12: 32, 13: 64, 14: 64, 15: 128, 16: 16,
  17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4, 23: 4, 24: 8, 25: 2, 26: 2,
};

const DTYPE_TO_CODE: Partial<Record<DType, number>> = Object.fromEntries(
  Object.entries(CODE_TO_DTYPE).map(([code, dtype]) => [dtype, Number(code)]),
);

export function dtypeOfCode(code: number | undefined): DType {
  return CODE_TO_DTYPE[code ?? 0] ?? "unknown";
}

/** IR dtype → ONNX code; undefined for "unknown". */
export function codeOfDtype(dtype: DType): number | undefined {
  return DTYPE_TO_CODE[dtype];
}

/** Bytes `raw_data` must hold for `n` elements of type `code`; undefined for string / unknown codes. */
export function rawByteLength(code: number, n: number): number | undefined {
  const bits = BITS[code];
  return bits === undefined ? undefined : Math.ceil((n * bits) / 8);
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** IEEE half-precision bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** number → IEEE half-precision bits (round to nearest even, overflow → ±Infinity). */
export function floatToHalf(x: number): number {
  const f32 = new Float32Array([x]);
  const u = new Uint32Array(f32.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half; // a carry into the exponent is the correct rounding (up to Infinity)
}

const bf16ToFloat = (b: number): number => new Float32Array(new Uint32Array([b << 16]).buffer)[0]!;

const clampBig = (v: bigint): number =>
  v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : v < -BigInt(Number.MAX_SAFE_INTEGER) ? -Number.MAX_SAFE_INTEGER : Number(v);

/**
 * Values of `n` elements of type `code` stored little-endian in `raw` (the caller checked the length). Undefined for
 * types whose values edgelat does not keep (strings, complex, float8, sub-byte ints).
 */
export function decodeRaw(raw: Uint8Array, code: number, n: number): number[] | undefined {
  const dv = view(raw);
  const out = new Array<number>(n);
  switch (code) {
    case 1: for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true); break;
    case 11: for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true); break;
    case 10: for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true)); break;
    case 16: for (let i = 0; i < n; i++) out[i] = bf16ToFloat(dv.getUint16(2 * i, true)); break;
    case 2: for (let i = 0; i < n; i++) out[i] = dv.getUint8(i); break;
    case 3: for (let i = 0; i < n; i++) out[i] = dv.getInt8(i); break;
    case 9: for (let i = 0; i < n; i++) out[i] = dv.getUint8(i) ? 1 : 0; break;
    case 4: for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, true); break;
    case 5: for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, true); break;
    case 6: for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true); break;
    case 12: for (let i = 0; i < n; i++) out[i] = dv.getUint32(4 * i, true); break;
    case 7: for (let i = 0; i < n; i++) out[i] = clampBig(dv.getBigInt64(8 * i, true)); break;
    case 13: for (let i = 0; i < n; i++) out[i] = clampBig(dv.getBigUint64(8 * i, true)); break;
    default: return undefined;
  }
  return out;
}

/** Packed fixed-width payloads: float_data (4 bytes) and double_data (8 bytes). */
export function decodePackedFixed(data: Uint8Array, width: 4 | 8): number[] {
  const dv = view(data);
  const n = Math.floor(data.byteLength / width);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = width === 4 ? dv.getFloat32(4 * i, true) : dv.getFloat64(8 * i, true);
  return out;
}

/**
 * Packed varint payloads (int32_data, int64_data, uint64_data), at most `limit` values (undefined when more: the
 * caller only wants small tensors). Throws protobufjs' RangeError on a malformed varint (the caller wraps it).
 */
export function decodePackedVarints(data: Uint8Array, kind: "int32" | "int64" | "uint64", limit: number): number[] | undefined {
  const r = protobuf.Reader.create(data);
  const out: number[] = [];
  while (r.pos < r.len) {
    if (out.length >= limit) return undefined;
    out.push(kind === "int32" ? r.int32() : toNumber((kind === "int64" ? r.int64() : r.uint64()) as unknown as Int64));
  }
  return out;
}

/** Reinterprets int32_data entries of 16-bit float types (they carry the bit patterns). */
export function int32DataToValues(ints: number[], code: number): number[] | undefined {
  switch (code) {
    case 10: return ints.map((b) => halfToFloat(b & 0xffff));
    case 16: return ints.map((b) => bf16ToFloat(b & 0xffff));
    case 9: return ints.map((b) => (b ? 1 : 0));
    case 2: case 3: case 4: case 5: case 6: return ints;
    default: return undefined; // float8 and sub-byte types: values not kept
  }
}

/** Little-endian bytes of `values` as ONNX type `code` (the inverse of decodeRaw, for the writer). */
export function encodeRaw(values: ArrayLike<number>, code: number): Uint8Array {
  const n = values.length;
  const bytes = rawByteLength(code, n);
  if (bytes === undefined) throw new RangeError(`no raw encoding for ONNX type ${code}`);
  const out = new Uint8Array(bytes);
  const dv = view(out);
  const big = (v: number): bigint => BigInt(Math.trunc(Number.isFinite(v) ? v : 0));
  switch (code) {
    case 1: for (let i = 0; i < n; i++) dv.setFloat32(4 * i, values[i]!, true); break;
    case 11: for (let i = 0; i < n; i++) dv.setFloat64(8 * i, values[i]!, true); break;
    case 10: for (let i = 0; i < n; i++) dv.setUint16(2 * i, floatToHalf(values[i]!), true); break;
    case 16: {
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      for (let i = 0; i < n; i++) {
        f[0] = values[i]!;
        dv.setUint16(2 * i, u[0]! >>> 16, true);
      }
      break;
    }
    case 2: case 3: case 9: for (let i = 0; i < n; i++) dv.setUint8(i, code === 9 ? (values[i] ? 1 : 0) : values[i]! & 0xff); break;
    case 4: case 5: for (let i = 0; i < n; i++) dv.setUint16(2 * i, values[i]! & 0xffff, true); break;
    case 6: for (let i = 0; i < n; i++) dv.setInt32(4 * i, values[i]!, true); break;
    case 12: for (let i = 0; i < n; i++) dv.setUint32(4 * i, values[i]! >>> 0, true); break;
    case 7: for (let i = 0; i < n; i++) dv.setBigInt64(8 * i, big(values[i]!), true); break;
    case 13: for (let i = 0; i < n; i++) dv.setBigUint64(8 * i, BigInt.asUintN(64, big(values[i]!)), true); break;
    case 14: for (let i = 0; i < n; i++) dv.setFloat32(8 * i, values[i]!, true); break; // real parts
    case 15: for (let i = 0; i < n; i++) dv.setFloat64(16 * i, values[i]!, true); break;
    default: break; // float8 / sub-byte: zero bytes
  }
  return out;
}
