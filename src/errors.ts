/**
 * Every failure edgelat reports on purpose is an `EdgelatError` with a machine-readable `code`.
 * Callers switch on `code`; `message` is for people; `details` carries the offending names and numbers.
 */
export type EdgelatErrorCode =
  // input files
  | "unknown_format" // parseModel could not recognise the bytes / JSON
  | "truncated" // the file ends inside a record
  | "invalid_protobuf" // malformed protobuf wire data
  | "invalid_model" // decodes, but is not a valid model of the claimed format (wrong message, missing graph, …)
  | "invalid_json" // JSON that does not parse or has the wrong structure
  | "missing_weights_manifest" // TF.js model.json without weightsManifest
  | "unsupported_opset" // opset outside the supported range
  | "too_large" // a size claimed in the file exceeds a safety bound (elements, bytes, nodes, dims)
  | "invalid_shape" // negative / non-integer dims, rank mismatch, incompatible broadcast
  | "invalid_attribute" // attribute missing, of the wrong type or out of range
  // graph structure
  | "cyclic_graph"
  | "dangling_tensor" // a node reads a tensor nobody produces
  | "duplicate_producer" // two nodes (or an input and a node) write the same tensor
  | "unsupported_op" // an op has no spec where one is required
  // prediction / devices
  | "invalid_device" // device profile JSON fails its schema
  | "unknown_device"
  | "unknown_backend"
  | "invalid_predictor"
  | "no_predictor"
  | "invalid_argument"
  // environment
  | "io_error"
  | "missing_runtime" // an optional peer dependency (onnxruntime-node, @tensorflow/tfjs) is not installed
  | "dataset_missing";

export class EdgelatError extends Error {
  override readonly name = "EdgelatError";
  constructor(
    readonly code: EdgelatErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function isEdgelatError(e: unknown, code?: EdgelatErrorCode): e is EdgelatError {
  return e instanceof EdgelatError && (code === undefined || e.code === code);
}

/** Safety bounds applied to untrusted files before anything is allocated. */
export const LIMITS = {
  /** Largest element count a single tensor may claim (2^31 ≈ 2.1e9). */
  maxTensorElements: 2 ** 31,
  /** Largest single dimension. */
  maxDim: 2 ** 31 - 1,
  maxRank: 16,
  maxNodes: 1_000_000,
  /** Largest model file read into memory (2 GiB, protobuf's own limit). */
  maxFileBytes: 2 ** 31 - 1,
  /** Constant tensors with at most this many elements keep their values (for shape folding). */
  maxFoldedElements: 4096,
} as const;
