// Public API of edgelat. Each stage is usable on its own; `predictLatency` composes them.
export { EdgelatError, isEdgelatError, LIMITS, type EdgelatErrorCode } from "./errors.js";
export type * from "./ir/types.js";
export { validateGraph, topoSort, producerIndex, consumerIndex, numElements, checkShape } from "./ir/graph.js";
export { GraphBuilder } from "./ir/builder.js";
export { parseOnnx, toOnnx, SUPPORTED_OPSETS, type ParseOnnxOptions, type ToOnnxOptions } from "./parsers/onnx/index.js";
export { parseModel, parseTfjs, parseNnMeterIR, detectFormat, type ParseModelOptions, type TfjsParseOptions, type DetectedFormat } from "./parsers/index.js";
export { tfOpSpecs } from "./ops/tf/index.js";
export type * from "./ops/types.js";
export { opKey } from "./ops/types.js";
export { createOpRegistry, defaultOpRegistry, lookupOp } from "./ops/registry.js";
export type * from "./shape/types.js";
export { inferShapes, summarizeGraph, type GraphSummary } from "./shape/infer.js";
export { UnknownShape, unknownShape } from "./shape/unknown.js";
export { DTYPE_BYTES } from "./shape/dtype.js";
export { onnxOpSpecs } from "./ops/onnx/index.js";
export {
  buildMobileNetV2,
  buildMobileNetV3Large,
  buildMobileNetV3Small,
  buildResNet18,
  buildResNet34,
  buildResNet50,
  buildViT,
  buildViTBlock,
  Layers,
  type ClassifierNetOptions,
  type ResNetOptions,
  type ViTOptions,
  type ViTBlockOptions,
} from "./models/index.js";
export type * from "./fusion/types.js";
export { fuse, ruleSets, getRuleSet, backendIds, type FuseEngineOptions } from "./fusion/index.js";
export type { FusionRule, RuleSet, PatternNode, ExtendStep, OpMatcher, InputRef, Elision, MatchEnv } from "./fusion/pattern.js";
export * as fusionPatterns from "./fusion/pattern.js";
export { kernelSignatures, compareSignatures, type KernelSignatures, type SignatureComparison } from "./fusion/compare.js";
export { ortSignatures, type OrtSignatures } from "./fusion/ort-signatures.js";
export type * from "./predictors/types.js";
export * from "./predictors/index.js";
export * from "./metrics/index.js";
export { createRng, shuffled, type Rng } from "./util/rng.js";
export { predictLatency, predictKernels, aggregate, type KernelEstimate, type LatencyEstimate, type PredictOptions } from "./predict.js";
export { loadDevice, KERNEL_CLASSES } from "./devices/load.js";
export { getDevice, listDevices, suggestDevices, type DeviceSummary } from "./devices/catalog.js";
export { DEVICE_SCHEMA, ROUTE_FIELDS, OVERHEAD_TERMS } from "./devices/types.js";
export type * from "./devices/types.js";
