// Public surface of the local profiler (onnxruntime-node runner, fusion-rule detection, kernel sampling, validation).
export { loadOrt, loadTfjsWasm, RUNTIME_IDS, type RuntimeId } from "./runtime.js";
export { quantile, median, iqr, mad, rejectOutliers, summarize, type SpreadSummary } from "./stats.js";
export { MeasurementLog, readLog, type MeasurementRecord } from "./log.js";
export { parseOrtTrace, mapOrtNodes, kernelTimes, type TraceNodeEvent, type KernelMapping } from "./trace.js";
export { OrtRunner, makeFeeds, ORT_LEVELS, type OrtLevel, type RunnableModel, type OpenSession, type OrtRunnerOptions } from "./ort.js";
export { measureE2e, measureKernels, mainSpread, type ModelRunner, type MeasureOptions, type E2eMeasurement, type KernelMeasurement } from "./measure.js";
export { kernelExtractor } from "./extract.js";
export { buildKernelModel, configKey, configFlops, configFromKernel, perturbConfig, nnMeterPriors, type KernelConfig, type Act } from "./templates.js";
export { detectFusion, defaultFusionCases, type FusionCase, type FusionCaseResult, type FusionDetection, type FusionRunner } from "./fusion-detect.js";
export { fitClass, type ClassFit } from "./fit.js";
export { poolFromModels, poolFromConfigs, sampleKernels, type PoolItem, type PriorModel, type KernelSample, type SamplingOptions, type SamplingResult } from "./sampling.js";
export { localIdentity, localDeviceId, profileFromFits, fitLocalOverhead, overheadTerms, type LocalTarget, type CalibrationRow } from "./device.js";
export { priorModels, calibrationModels, validationModels, prepareModel, prepareOnnx, withInputShapes, type NamedGraph } from "./models.js";
export { corpusOnnxModels, type CorpusOnnxModel } from "./corpus.js";
export { profileDevice, type ProfileOptions, type ProfileResult, type ProfileProgress } from "./profile.js";
export { validateDevice, type ValidationModel, type ValidationRow, type ValidationSummary } from "./validate.js";
