// `edgelat/core`: the public API of `edgelat` without the built-in device catalog (no getDevice, listDevices,
// suggestDevices; `predictLatency` takes a loaded `Device`), so bundles of it carry no device profiles. Load one with
// `loadDevice` (profiles ship as `edgelat/devices/<id>.json`). This is where public exports are listed: src/index.ts
// re-exports all of it and adds the catalog.
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
export { fuse, ruleSets, getRuleSet, backendIds, withRulesDisabled, selectableRuleNames, type FuseEngineOptions } from "./fusion/index.js";
export type { FusionRule, RuleSet, PatternNode, ExtendStep, OpMatcher, InputRef, Elision, MatchEnv, Duplication } from "./fusion/pattern.js";
export * as fusionPatterns from "./fusion/pattern.js";
export { kernelSignatures, compareSignatures, type KernelSignatures, type SignatureComparison } from "./fusion/compare.js";
export { ortSignatures, type OrtSignatures } from "./fusion/ort-signatures.js";
export type * from "./predictors/types.js";
export * from "./predictors/index.js";
export * from "./metrics/index.js";
export { createRng, shuffled, type Rng } from "./util/rng.js";
export { predictLatency, predictKernels, aggregate, type KernelEstimate, type LatencyEstimate, type PredictOptions } from "./predict-core.js";
export { loadDevice, KERNEL_CLASSES } from "./devices/load.js";
export { DEVICE_SCHEMA, ROUTE_FIELDS, OVERHEAD_TERMS, FUSION_SOURCES } from "./devices/types.js";
export type * from "./devices/types.js";
export {
  NB201_OPS, NB201_EDGES, NB201_SIZE, parseNb201ArchStr, formatNb201ArchStr, nb201Code, nb201FromCode, nb201ArchAt, nb201IndexOf,
  nb201ArchStrAt, allNb201Archs, sampleNb201Archs, nb201LiveEdges, nb201HasPath, buildNasBench201Graph, nb201ConvFlops,
  type Nb201Arch, type Nb201Op, type Nb201NetworkOptions,
} from "./spaces/nasbench201.js";
export {
  FBNET_OPS, fbnetLayers, parseFbnetOpList, formatFbnetOpList, sampleFbnetArchs, buildFbnetGraph, fbnetConvFlops, fbnetFeatures,
  type FbnetOp, type FbnetNetworkOptions, type FbnetLayerGeometry,
} from "./spaces/fbnet.js";
export {
  OFA_KERNELS, OFA_EXPANDS, OFA_DEPTHS, checkOfaArch, parseOfaArch, sampleOfaArchs, ofaFeatures, buildOfaGraph, type OfaArch,
} from "./spaces/ofa.js";
export { pythonRandom, type PythonRandom } from "./spaces/python-random.js";
export { nb201Features, nb201FeatureDim, nb201FeatureMatrix, NB201_FEATURE_SETS, type Nb201FeatureSet } from "./transfer/features.js";
export {
  flopsOnly, bestProxy, pickProxy, sourceRidge, featureRidge, proxyAdaptation, sourcePrior, sourceCoefficients, virtualExamples,
  SOURCE_PRIOR_DEFAULTS, type FewShotTask, type FewShotMethod, type SourceDevice, type SourcePriorOptions,
} from "./transfer/few-shot.js";
export { latencyMonotonicity, chooseProxy, type MonotonicityMatrix, type ProxyDecision } from "./transfer/monotonicity.js";
export { HELP_DEVICE_SPECS, hardwareSimilarityWeights, helpDeviceSpec, specVector, type DeviceSpec, type ProcessorKind } from "./transfer/device-specs.js";
export {
  HELP_NB201_DEVICES, HELP_FBNET_DEVICES, trimByLatency, helpSplit, adaptationSamples, runHelp, helpCeiling,
  type HelpSplit, type HelpEvalInput, type DeviceResult,
} from "./transfer/help-protocol.js";
export { brpSplit, runBrp, type BrpSplit, type BrpDeviceResult, type AccuracyReport } from "./transfer/brp-protocol.js";
export {
  fitFromEndToEnd, predictNb201Latency, compileNb201CostTable, checkCostTable, type Nb201CostTableJSON, type EndToEndSample,
} from "./transfer/fit-e2e.js";
export { fitDeviceFromEndToEnd, type EndToEndGraphSample, type FitDeviceOptions } from "./transfer/fit-device-e2e.js";
export * from "./report/index.js";
