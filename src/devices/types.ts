/**
 * Device profiles: plain JSON that says how a (hardware, runtime, settings) target runs kernels.
 *
 * A profile names the fusion backend (which kernels the runtime forms), one predictor per kernel class (optionally
 * routed by a geometry field, e.g. 1×1 vs larger convolutions, and overridden for exact kernel types), an overhead model
 * that turns the kernel sum into end-to-end latency, and the provenance of all of it. `loadDevice` checks every field.
 */
import type { KernelClass } from "../fusion/types.js";
import type { Predictor, PredictorJSON } from "../predictors/types.js";

export const DEVICE_SCHEMA = "edgelat-device@1";

export type Processor = "gpu" | "cpu" | "npu" | "dsp";
export type Precision = "fp32" | "fp16" | "int8";

export interface DeviceIdentity {
  /** Human name of the device, e.g. "Google Pixel 4". */
  device: string;
  soc: string;
  processor: Processor;
  /** Name of the processor, e.g. "Adreno 640", "Kryo 485 (1 large core)". */
  processorName: string;
  /** CPU core set as the data names it ("1large", "1large2med", "4small"); absent for GPUs. */
  coreSet?: string;
  /** Threads used (CPU); absent for GPUs. */
  threads?: number;
  /** Arithmetic precision the kernels run in. */
  precision: Precision;
  runtime: string;
  runtimeVersion: string;
}

/**
 * One routing rule: applies when `field` of the kernel features lies in [min, max] (either bound optional).
 * Without `when` it always applies. Rules are tried in order; the last rule of a list must have no `when`.
 */
export interface PredictorRouteJSON {
  when?: { field: RouteField; min?: number; max?: number };
  /** Label shown in breakdowns, e.g. "conv 1x1". */
  label?: string;
  predictor: PredictorJSON;
}

/** Fields a route may test: integer geometry of the kernel's anchor op. */
export const ROUTE_FIELDS = ["kernelH", "kernelW", "strideH", "groups", "cin", "cout", "hIn", "hOut", "nodes"] as const;
export type RouteField = (typeof ROUTE_FIELDS)[number];

/** Aggregate terms an overhead model may weigh. */
export const OVERHEAD_TERMS = ["sumKernelMs", "kernels", "fusedOps", "constant"] as const;
export type OverheadTerm = (typeof OVERHEAD_TERMS)[number];

/**
 * End-to-end latency from the predicted kernels:
 *   latencyMs = Σ_t coef[t] · term_t
 * with terms sumKernelMs (Σ kernel predictions), kernels (number of predicted kernels), fusedOps (Σ (nodes − 1), ops
 * fused into a kernel), constant (1). `relStd` is the relative error std of the whole prediction estimated by
 * cross-validation on whole held-out model families; the interval is latencyMs · exp(±z·relStd).
 */
export interface OverheadModelJSON {
  coef: Partial<Record<OverheadTerm, number>>;
  relStd: number;
  /**
   * Kernel classes the training measurements never profiled on their own but whose time the overhead model absorbs
   * (e.g. PAD on the TFLite GPU delegate): such kernels get 0 ms in the breakdown, labelled, without a warning.
   */
  absorbs?: KernelClass[];
}

export interface DeviceProvenance {
  dataset: string;
  /** Upstream commit of the dataset. */
  datasetCommit?: string;
  /** What trained the kernel predictors and what trained the overhead model. */
  method: string;
  samples: { kernels?: number; models: number };
  split?: string;
  seed?: number;
  /** Validation metrics (fractions), e.g. { within10: 0.93, mape: 0.05, spearman: 0.99 }, and how they were obtained. */
  validation?: { protocol: string; within10: number; within5?: number; mape: number; spearman: number };
  trainedBy?: string;
  notes?: string[];
}

export interface DeviceProfileJSON {
  schema: typeof DEVICE_SCHEMA;
  /** Catalog id, e.g. "pixel4-gpu", "pixel4-cpu-1large-fp32". Lowercase, digits, dashes. */
  id: string;
  /** One-line description. */
  name: string;
  identity: DeviceIdentity;
  /** Fusion backend rule-set id passed to `fuse`, e.g. "tflite-gpu@2.10". */
  backend: string;
  /** One predictor (or route list) per kernel class. */
  predictors: Partial<Record<KernelClass, PredictorJSON | PredictorRouteJSON[]>>;
  /** Optional per-kernel-type predictors that take precedence over the class (e.g. "conv-add-relu"). */
  typeOverrides?: Record<string, PredictorJSON>;
  overhead: OverheadModelJSON;
  provenance: DeviceProvenance;
}

/** A loaded route: predicate compiled, predictor instantiated. */
export interface LoadedRoute {
  field?: RouteField;
  min: number;
  max: number;
  label: string;
  predictor: Predictor;
  /** Breakdown name "<class>[/<label>]:<kind>", precomputed so prediction builds no strings. */
  name: string;
}

/** A validated, ready-to-use device: the JSON plus instantiated predictors. */
export interface Device {
  readonly id: string;
  readonly name: string;
  readonly identity: DeviceIdentity;
  readonly backend: string;
  readonly json: DeviceProfileJSON;
  /** Class → routes (a single predictor becomes one unconditional route). */
  readonly routes: ReadonlyMap<KernelClass, readonly LoadedRoute[]>;
  readonly typeOverrides: ReadonlyMap<string, Predictor>;
  readonly overhead: Readonly<OverheadModelJSON>;
}
