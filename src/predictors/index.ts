// Public API of the kernel predictors.
export type { Sample, Prediction, Predictor, PredictorJSON } from "./types.js";
export {
  featureVector, compileFeatureSpec, FEATURE_FIELDS, DEFAULT_TREE_SPEC, DEFAULT_LINEAR_SPEC, DEFAULT_LOG_LINEAR_SPEC,
  type FeatureSpec, type CompiledFeatures,
} from "./features.js";
export { nnls, nnlsNormal, type NnlsOptions } from "./nnls.js";
export { weightedLeastSquares, type LeastSquaresOptions } from "./lstsq.js";
export { resolveOptions, type OptionSchema, type OptionSpec, type ResolvedOptions } from "./options.js";
export { noiseStd, residualNoise, type NoiseModel, type Loss } from "./uncertainty.js";
export { FlopsLinearPredictor, fitFlopsLinear, flopsLinearFromJSON, FLOPS_LINEAR_OPTIONS, type FlopsLinearParams } from "./flops-linear.js";
export { LinearPredictor, fitLinear, linearFromJSON, LINEAR_OPTIONS, type LinearParams, type LinearOptions, type LinearTarget } from "./linear.js";
export { predictorFromJSON, PREDICTOR_LOADERS } from "./json.js";
