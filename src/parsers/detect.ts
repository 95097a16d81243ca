/**
 * Cheap format signatures, checked before any decoding (as Netron does): a few protobuf tags for ONNX, a few JSON keys
 * for TF.js and nn-Meter. Never throws: an unrecognised input gives undefined.
 */
import type { ModelFormat } from "../ir/types.js";

export type DetectedFormat = Exclude<ModelFormat, "builder">;

/** ModelProto field number → wire type (ir_version 1 varint, graph 7 bytes, opset_import 8 bytes, …). */
const ONNX_MODEL_FIELDS: Record<number, number> = { 1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2 };

function readVarint(bytes: Uint8Array, pos: number): [number, number] | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= bytes.length) return undefined;
    const b = bytes[pos + i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return [value, pos + i + 1];
  }
  return undefined;
}

/**
 * True when the bytes start like an ONNX ModelProto: the first (up to 16) top-level fields are ModelProto fields
 * with the right wire types and in-bounds lengths, and one of them is ir_version, graph or opset_import.
 * Length-delimited fields are skipped, never decoded, so this costs O(fields), not O(bytes).
 */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  let pos = 0;
  let strong = false;
  for (let fields = 0; fields < 16 && pos < bytes.length; fields++) {
    const tag = readVarint(bytes, pos);
    if (tag === undefined) return false;
    const field = Math.floor(tag[0] / 8);
    const wire = tag[0] % 8;
    if (ONNX_MODEL_FIELDS[field] !== wire) return false;
    pos = tag[1];
    if (wire === 0) {
      const v = readVarint(bytes, pos);
      if (v === undefined) return false;
      if (field === 1 && (v[0] < 1 || v[0] > 100)) return false;
      pos = v[1];
    } else {
      const len = readVarint(bytes, pos);
      if (len === undefined || len[1] + len[0] > bytes.length) return strong && len !== undefined; // truncated tail: let the parser report it
      pos = len[1] + len[0];
    }
    if (field === 1 || field === 7 || field === 8) strong = true;
  }
  return strong;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Format of a parsed JSON value: TF.js model.json (graph or layers) or nn-Meter IR. */
export function detectJson(value: unknown): DetectedFormat | undefined {
  if (!isObj(value)) return undefined;
  if ("modelTopology" in value && ("format" in value || "weightsManifest" in value || "generatedBy" in value)) {
    const topo = value.modelTopology;
    if (value.format === "layers-model") return "tfjs-layers";
    if (value.format === "graph-model") return "tfjs-graph";
    return isObj(topo) && ("class_name" in topo || "model_config" in topo || "config" in topo) ? "tfjs-layers" : "tfjs-graph";
  }
  const entries = Object.values(value);
  if (entries.length > 0 && entries.slice(0, 8).every((n) => isObj(n) && "inbounds" in n && isObj(n.attr) && typeof n.attr.type === "string")) {
    return "nnmeter-ir";
  }
  return undefined;
}

function firstNonSpace(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < Math.min(bytes.length, 64); i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09 && b !== 0xef && b !== 0xbb && b !== 0xbf) return b;
  }
  return undefined;
}

/** The format of a model given as bytes, JSON text or a parsed JSON object; undefined when unrecognised. */
export function detectFormat(input: Uint8Array | string | object): DetectedFormat | undefined {
  return sniff(input).format;
}

/**
 * `detectFormat`, also handing back the parsed JSON (so JSON text is parsed once) or, for malformed JSON that names
 * its format, the text for the parser to report on.
 */
export function sniff(input: Uint8Array | string | object): { format?: DetectedFormat; value: unknown } {
  if (input instanceof Uint8Array) {
    if (firstNonSpace(input) === 0x7b /* { */) return sniff(new TextDecoder().decode(input));
    return looksLikeOnnx(input) ? { format: "onnx", value: input } : { value: input };
  }
  if (typeof input === "string") {
    if (!input.trimStart().startsWith("{")) return { value: input };
    let json: unknown;
    try {
      json = JSON.parse(input);
    } catch {
      // Truncated / malformed JSON that still names its format: report it as that format, the parser says what is wrong.
      return /"modelTopology"\s*:/.test(input.slice(0, 4096)) ? { format: "tfjs-graph", value: input } : { value: input };
    }
    const format = detectJson(json);
    return format ? { format, value: json } : { value: json };
  }
  const format = detectJson(input);
  return format ? { format, value: input } : { value: input };
}
