/**
 * Bytes → decoded ModelProto, with every failure classified into a specific EdgelatError code:
 *   truncated         the file ends inside a record of what otherwise reads as a ModelProto
 *   invalid_protobuf  not protobuf wire data (random bytes, corrupt tags / lengths / varints)
 *   invalid_model     a well-formed protobuf that is not a ModelProto (a TensorProto, a GraphProto, …) or has no graph
 *   too_large         more graph entries than LIMITS allow (checked before protobufjs allocates them)
 */
import { EdgelatError, LIMITS } from "../../errors.js";
import { onnxTypes, type PModel } from "./schema.js";
import { scanMessage, walkMessage, Wire, wrapDecodeError, type WireField } from "./wire.js";

/** Wire type of every ModelProto field of the ONNX spec (IR 10), including those edgelat does not decode. */
const MODEL_FIELD_WIRES: Record<number, number> = {
  1: Wire.Varint, // ir_version
  2: Wire.Bytes, // producer_name
  3: Wire.Bytes, // producer_version
  4: Wire.Bytes, // domain
  5: Wire.Varint, // model_version
  6: Wire.Bytes, // doc_string
  7: Wire.Bytes, // graph
  8: Wire.Bytes, // opset_import
  14: Wire.Bytes, // metadata_props
  20: Wire.Bytes, // training_info
  25: Wire.Bytes, // functions
  26: Wire.Bytes, // configuration
};
const GRAPH_FIELD = 7;
/** GraphProto fields holding repeated entries (node, initializer, input, output, value_info, sparse_initializer, …). */
const GRAPH_REPEATED_FIELDS = new Set([1, 5, 11, 12, 13, 14, 15, 16]);
/** A graph may hold this many entries of all kinds together (nodes are bounded separately by LIMITS.maxNodes). */
const MAX_GRAPH_ENTRIES = 4 * LIMITS.maxNodes;
/** Largest plausible IR version: a first field `ir_version` above this is not read as the start of a model. */
const MAX_IR_VERSION = 100;

const matchesModel = (f: WireField): boolean => MODEL_FIELD_WIRES[f.field] === f.wire;

/** Decodes `bytes` as an ONNX ModelProto that has a graph. */
export function decodeModel(bytes: Uint8Array): PModel {
  if (bytes.length === 0) throw new EdgelatError("truncated", "Empty file: no ONNX model data");
  if (bytes.length > LIMITS.maxFileBytes) {
    throw new EdgelatError("too_large", `File of ${bytes.length} bytes exceeds ${LIMITS.maxFileBytes}`, { bytes: bytes.length });
  }

  const top = scanMessage(bytes);
  if (top.failure !== undefined) {
    // A cut-off model still starts like one: every field read is a ModelProto field of the right wire type, and the
    // first one is a plausible ir_version (every ONNX writer emits it first). Anything else is not protobuf we know.
    // (A file cut inside that first varint is the one exception: its only field is an unfinished ir_version.)
    const first = top.fields[0];
    const plausibleIrVersion =
      first?.varint === undefined ? top.fields.length === 1 : first.varint >= 1 && first.varint <= MAX_IR_VERSION;
    const looksLikeModel =
      first !== undefined && first.field === 1 && first.wire === Wire.Varint && plausibleIrVersion && top.fields.every(matchesModel);
    if (top.failure.kind === "truncated" && looksLikeModel) {
      throw new EdgelatError("truncated", `Truncated ONNX file: ${top.failure.reason} (at byte ${top.failure.at} of ${bytes.length})`, {
        offset: top.failure.at,
        bytes: bytes.length,
      });
    }
    throw new EdgelatError("invalid_protobuf", `Not an ONNX model: invalid protobuf data (${top.failure.reason} at byte ${top.failure.at})`, {
      offset: top.failure.at,
    });
  }

  const mismatched = top.fields.find((f) => MODEL_FIELD_WIRES[f.field] !== undefined && !matchesModel(f));
  if (mismatched !== undefined) {
    throw new EdgelatError(
      "invalid_model",
      `Not an ONNX ModelProto: field ${mismatched.field} has wire type ${mismatched.wire}, expected ${MODEL_FIELD_WIRES[mismatched.field]} (another protobuf message?)`,
      { field: mismatched.field },
    );
  }
  const graphs = top.fields.filter((f) => f.field === GRAPH_FIELD);
  if (graphs.length === 0) {
    throw new EdgelatError("invalid_model", "Not an ONNX model: the ModelProto has no graph", {
      fields: [...new Set(top.fields.map((f) => f.field))],
    });
  }

  // Bound the graph's entry counts before protobufjs allocates an object per entry.
  for (const g of graphs) {
    let nodes = 0;
    let entries = 0;
    const failure = walkMessage(bytes, g.start, g.end, (f) => {
      if (f.field === 1) nodes++;
      if (GRAPH_REPEATED_FIELDS.has(f.field)) entries++;
      return nodes <= LIMITS.maxNodes && entries <= MAX_GRAPH_ENTRIES;
    });
    if (failure !== undefined) {
      throw new EdgelatError("invalid_protobuf", `Malformed ONNX graph: ${failure.reason} (at byte ${failure.at})`, {
        offset: failure.at,
      });
    }
    if (nodes > LIMITS.maxNodes) {
      throw new EdgelatError("too_large", `Graph has ${nodes} nodes (limit ${LIMITS.maxNodes})`, { nodes });
    }
    if (entries > MAX_GRAPH_ENTRIES) {
      throw new EdgelatError("too_large", `Graph has more than ${MAX_GRAPH_ENTRIES} entries`, { entries });
    }
  }

  try {
    return onnxTypes().model.decode(bytes) as unknown as PModel;
  } catch (e) {
    throw wrapDecodeError(e, "ONNX model");
  }
}
