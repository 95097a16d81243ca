/**
 * Kernel predictors: fit on samples (KernelFeatures → measured latencyMs), predict `{ latencyMs, stdMs }`, serialize
 * to plain JSON (`toJSON` / `predictorFromJSON`, bit-identical round trip). Every kind is in `PREDICTOR_KINDS` with
 * its option schema; `fitPredictor(kind, samples, options)` dispatches.
 *
 * | kind         | model                                                | stdMs means                                        |
 * |--------------|------------------------------------------------------|----------------------------------------------------|
 * | flops-linear | a·flops + b (NNLS, relative or absolute loss)        | training residual std (relative · L, or ms)        |
 * | roofline     | max(flops/peak, bytes/bandwidth) + launch            | training residual std (relative · L, or ms)        |
 * | lookup       | table of configurations, log-log / IDW interpolation | exact: spread of repeats; else leave-one-out error |
 * | linear       | ridge / NNLS on a FeatureSpec, raw or log target     | training residual std (log target: log-normal)     |
 * | gbt          | boosted trees on ln latency (+ optional linear stage) | residual tree on (out-of-fold) squared log error  |
 * | forest       | random forest on ln latency                          | spread across trees + OOB noise, calibrated on OOB |
 *
 * Tree models widen stdMs by (1 + d), d = distance outside the training feature box in units of each feature's range.
 */
export type { Sample, Prediction, Predictor, PredictorJSON } from "./types.js";
export {
  featureVector, compileFeatureSpec, featureKey, FEATURE_KEY_LENGTH, FEATURE_FIELD_NAMES, DEFAULT_TREE_SPEC, DEFAULT_GBT_LINEAR_SPEC, DEFAULT_LINEAR_SPEC, DEFAULT_LOG_LINEAR_SPEC,
  type FeatureSpec, type CompiledFeatures,
} from "./features.js";
export { nnls, nnlsNormal, type NnlsOptions } from "./nnls.js";
export { weightedLeastSquares, type LeastSquaresOptions } from "./lstsq.js";
export { resolveOptions, type OptionSchema, type OptionSpec, type ResolvedOptions } from "./options.js";
export { noiseStd, residualNoise, type NoiseModel, type Loss } from "./uncertainty.js";
export { FlopsLinearPredictor, fitFlopsLinear, flopsLinearFromJSON, FLOPS_LINEAR_OPTIONS, type FlopsLinearParams } from "./flops-linear.js";
export { LinearPredictor, fitLinear, linearFromJSON, LINEAR_OPTIONS, type LinearParams, type LinearOptions, type LinearTarget } from "./linear.js";
export { predictorFromJSON } from "./json.js";
export { RooflinePredictor, fitRoofline, rooflineFromJSON, rooflineFromHardware, ROOFLINE_OPTIONS, type RooflineParams } from "./roofline.js";
export { LookupPredictor, fitLookup, lookupFromJSON, LOOKUP_OPTIONS, DEFAULT_LOOKUP_KEYS, type LookupParams } from "./lookup.js";
export { GbtPredictor, fitGbt, gbtFromJSON, GBT_OPTIONS, type GbtParams, type GbtOptions } from "./gbt.js";
export { ForestPredictor, fitForest, forestFromJSON, FOREST_OPTIONS, type ForestParams, type ForestOptions } from "./forest.js";
export { type TreeArrays } from "./tree.js";
export { PREDICTOR_KINDS, isPredictorKind, type PredictorKind, type PredictorKindSpec } from "./registry.js";
export { fitPredictor } from "./fit.js";
export { crossValidate, kFoldAssignment, groupKFoldAssignment, type CrossValidationOptions, type CrossValidationResult } from "./cv.js";
export { syntheticSamples, randomConvFeatures } from "./synthetic.js";
export { memoizePredictor, MemoPredictor } from "./memo.js";
