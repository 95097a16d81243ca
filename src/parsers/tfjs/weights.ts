/**
 * The TF.js weights manifest: `[{ paths: [...], weights: [{ name, shape, dtype, quantization? }] }]`.
 * Weights live in the `.bin` shards, concatenated in manifest order. edgelat never needs them; it only decodes the
 * values of *small* constants (≤ LIMITS.maxFoldedElements elements: Reshape targets, Pad paddings, reduction axes,
 * resize sizes, StridedSlice bounds) when the caller passes the shard bytes, so shape inference can fold them.
 */
import { EdgelatError, LIMITS } from "../../errors.js";
import { checkShape } from "../../ir/graph.js";
import type { DType } from "../../ir/types.js";
import { invalid, isObject, manifestDType, toInt } from "./attrs.js";

export interface WeightEntry {
  name: string;
  shape: number[];
  /** The dtype ops see (a quantized float32 weight is float32 here). */
  dtype: DType;
  /** The dtype stored in the .bin (quantization.dtype when quantized). */
  storedDType: DType;
  quantization?: { dtype: DType; scale?: number; min?: number };
  /** Byte range in the concatenated shards; undefined after a variable-length (string) weight. */
  byteOffset?: number;
  byteLength?: number;
}

const STORED_BYTES: Partial<Record<DType, number>> = {
  float32: 4, int32: 4, bool: 1, complex64: 8, float16: 2, uint8: 1, uint16: 2, int8: 1, int16: 2, int64: 8, float64: 8,
};

/** Parses and bounds the manifest. Throws `missing_weights_manifest` when absent, `invalid_json` when malformed. */
export function readWeightsManifest(manifest: unknown): { entries: Map<string, WeightEntry>; paths: string[]; quantized: Set<string> } {
  if (manifest === undefined || manifest === null) {
    throw new EdgelatError("missing_weights_manifest", "TF.js model.json has no weightsManifest (the list of weight tensors)");
  }
  if (!Array.isArray(manifest)) invalid("weightsManifest is not a list");
  const entries = new Map<string, WeightEntry>();
  const paths: string[] = [];
  const quantized = new Set<string>();
  let offset: number | undefined = 0;
  for (const [g, group] of manifest.entries()) {
    if (!isObject(group)) invalid(`weightsManifest[${g}] is not an object`);
    if (group.paths !== undefined) {
      if (!Array.isArray(group.paths)) invalid(`weightsManifest[${g}].paths is not a list`);
      for (const p of group.paths) if (typeof p === "string") paths.push(p);
    }
    const weights = group.weights ?? [];
    if (!Array.isArray(weights)) invalid(`weightsManifest[${g}].weights is not a list`);
    for (const [i, w] of weights.entries()) {
      const what = `weightsManifest[${g}].weights[${i}]`;
      if (!isObject(w) || typeof w.name !== "string") invalid(`${what} has no name`);
      if (!Array.isArray(w.shape)) invalid(`${what} ('${w.name}') has no shape list`);
      const shape = w.shape.map((d, k) => toInt(d, `${what}.shape[${k}]`));
      checkShape(shape, `weight '${w.name}'`);
      const dtype = manifestDType(w.dtype);
      let storedDType = dtype;
      let quantization: WeightEntry["quantization"];
      if (w.quantization !== undefined) {
        if (!isObject(w.quantization)) invalid(`${what}.quantization is not an object`);
        const q = w.quantization;
        storedDType = manifestDType(q.dtype);
        quantization = { dtype: storedDType };
        if (typeof q.scale === "number") quantization.scale = q.scale;
        if (typeof q.min === "number") quantization.min = q.min;
        quantized.add(storedDType);
      }
      const elements = shape.reduce((a, d) => a * d, 1);
      const bytes = STORED_BYTES[storedDType];
      const entry: WeightEntry = { name: w.name, shape, dtype, storedDType };
      if (quantization) entry.quantization = quantization;
      if (offset !== undefined && bytes !== undefined) {
        entry.byteOffset = offset;
        entry.byteLength = elements * bytes;
        offset += elements * bytes;
      } else offset = undefined; // strings are length-prefixed: later offsets are unknown without reading them
      entries.set(w.name, entry);
    }
  }
  return { entries, paths, quantized };
}

/** Float constants up to this size keep values (scalars and short vectors used in shape arithmetic, not weights). */
const MAX_FLOAT_VALUES = 64;

/**
 * Decodes the values of a small constant from the concatenated shard bytes: integer / bool constants up to
 * LIMITS.maxFoldedElements elements (shape operands), float ones up to MAX_FLOAT_VALUES (scalars); undefined otherwise.
 */
export function smallWeightValues(entry: WeightEntry, data: Uint8Array): number[] | undefined {
  const n = entry.shape.reduce((a, d) => a * d, 1);
  const limit = entry.dtype === "int32" || entry.dtype === "bool" || entry.dtype === "int64" ? LIMITS.maxFoldedElements : MAX_FLOAT_VALUES;
  if (n > limit || entry.byteOffset === undefined || entry.byteLength === undefined) return undefined;
  if (entry.byteOffset + entry.byteLength > data.byteLength) return undefined;
  const view = new DataView(data.buffer, data.byteOffset + entry.byteOffset, entry.byteLength);
  const out = new Array<number>(n);
  const q = entry.quantization;
  for (let i = 0; i < n; i++) {
    let v: number;
    switch (entry.storedDType) {
      case "float32": v = view.getFloat32(i * 4, true); break;
      case "int32": v = view.getInt32(i * 4, true); break;
      case "bool": case "uint8": v = view.getUint8(i); break;
      case "int8": v = view.getInt8(i); break;
      case "uint16": v = view.getUint16(i * 2, true); break;
      case "int16": v = view.getInt16(i * 2, true); break;
      case "float16": v = halfToFloat(view.getUint16(i * 2, true)); break;
      default: return undefined;
    }
    out[i] = q?.scale !== undefined ? v * q.scale + (q.min ?? 0) : v;
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
