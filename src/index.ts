// Public API of edgelat. Each stage is usable on its own; `predictLatency` composes them.
export { EdgelatError, isEdgelatError, LIMITS, type EdgelatErrorCode } from "./errors.js";
export type * from "./ir/types.js";
export { validateGraph, topoSort, producerIndex, consumerIndex, numElements, checkShape } from "./ir/graph.js";
export { GraphBuilder } from "./ir/builder.js";
export { parseOnnx, toOnnx, SUPPORTED_OPSETS, type ParseOnnxOptions, type ToOnnxOptions } from "./parsers/onnx/index.js";
export type * from "./ops/types.js";
export { opKey } from "./ops/types.js";
export { createOpRegistry, defaultOpRegistry, lookupOp } from "./ops/registry.js";
export type * from "./shape/types.js";
export { inferShapes, summarizeGraph, type GraphSummary } from "./shape/infer.js";
export { UnknownShape, unknownShape } from "./shape/unknown.js";
export { DTYPE_BYTES } from "./shape/dtype.js";
export { onnxOpSpecs } from "./ops/onnx/index.js";
export type * from "./fusion/types.js";
export type * from "./predictors/types.js";
export * from "./predictors/index.js";
export * from "./metrics/index.js";
export { createRng, shuffled, type Rng } from "./util/rng.js";
