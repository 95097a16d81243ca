import { EdgelatError } from "../../errors.js";
import type { Graph } from "../../ir/types.js";
import { decodeModel } from "./decode.js";
import { modelToGraph, type ParseOnnxOptions } from "./to-ir.js";

/**
 * Parses an ONNX model (ModelProto bytes) into the IR. Weights are never copied: constants keep shape and dtype (and
 * values only when small, for shape inference); external-data tensors are recognised without reading the side file.
 * Every failure is an EdgelatError: `truncated`, `invalid_protobuf`, `invalid_model`, `unsupported_opset`,
 * `too_large`, `invalid_shape`, `invalid_attribute`, `cyclic_graph`, `dangling_tensor`, `duplicate_producer`,
 * `invalid_argument` (bad options).
 */
export function parseOnnx(bytes: Uint8Array, opts: ParseOnnxOptions = {}): Graph {
  if (!(bytes instanceof Uint8Array)) {
    throw new EdgelatError("invalid_argument", "parseOnnx expects the model's bytes as a Uint8Array (or Buffer)");
  }
  return modelToGraph(decodeModel(bytes), opts);
}
