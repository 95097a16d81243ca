// ONNX support: parse ModelProto bytes into the IR, and write IR graphs back as ONNX models.
export { parseOnnx } from "./parse.js";
export { type ParseOnnxOptions, SUPPORTED_OPSETS } from "./to-ir.js";
export { toOnnx, type ToOnnxOptions } from "./encode.js";
