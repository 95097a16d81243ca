/**
 * Device profiles: plain JSON that says how a (hardware, runtime, settings) target runs kernels.
 *
 * A profile names the fusion backend (which kernels the runtime forms), one predictor per kernel class (optionally
 * routed by a geometry field, e.g. 1×1 vs larger convolutions, and overridden for exact kernel types), an overhead model
 * that turns the kernel sum into end-to-end latency, and the provenance of all of it. `loadDevice` checks every field.
 */
import type { RuleSet } from "../fusion/pattern.js";
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
export const OVERHEAD_TERMS = ["sumKernelMs", "kernels", "fusedOps", "constant", "weightMParams"] as const;
export type OverheadTerm = (typeof OVERHEAD_TERMS)[number];

/**
 * End-to-end latency from the predicted kernels:
 *   latencyMs = Σ_t coef[t] · term_t
 * with terms sumKernelMs (Σ kernel predictions), kernels (number of predicted kernels), fusedOps (Σ (nodes − 1), ops
 * fused into a kernel), constant (1), and weightMParams (optional, absent = 0: weight elements of the counted kernels,
 * millions — the time to stream weights that are cold in a whole model; ≥ 0). `relStd` is the relative error std of
 * the whole prediction estimated by cross-validation on whole held-out model families; the interval is
 * latencyMs · exp(±z·relStd).
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

export type FusionDecision = "fused" | "separate";
/** Where a fusion case's final decision comes from. */
export const FUSION_SOURCES = ["runtime", "timing", "base"] as const;
export type FusionSource = (typeof FUSION_SOURCES)[number];

/**
 * nn-Meter's timing test on one case: fused when T(a) + T(b) − T(a∘b) > α·min(T(a), T(b)). With the repetitions'
 * spread the test may abstain: "inconclusive" when the margin savedUs − thresholdUs lies within ±z·savedSeUs.
 */
export interface FusionTimingJSON {
  /** Median summed kernel time of a, b and a∘b, µs. */
  aUs: number;
  bUs: number;
  abUs: number;
  /** T(a) + T(b) − T(a∘b) and α·min(T(a), T(b)), µs. */
  savedUs: number;
  thresholdUs: number;
  /** Standard error of savedUs estimated from the repetitions' spread, µs (absent: no spread known). */
  savedSeUs?: number;
  decision: FusionDecision | "inconclusive";
}

/** What the runtime itself exposes about a case: the nodes / kernels it executes (ORT's optimized graph, tf.profile). */
export interface FusionRuntimeEvidenceJSON {
  /** e.g. "ORT optimized graph nodes", "TF.js kernels (tf.profile)". */
  kind: string;
  /** Nodes / kernels executed for a and b as separate models (summed), and for the combined model a∘b. */
  apart: number;
  combined: number;
  /** "fused" when combined < apart. */
  decision: FusionDecision;
}

export interface FusionCaseEvidenceJSON {
  /** Test case, e.g. "conv-bn". */
  name: string;
  /** Base rules that fuse this case in the simulator (empty: the base rule set keeps a and b apart). */
  rules: string[];
  /** What the base rule set forms for a∘b. */
  base: FusionDecision;
  /** Absent when the case was left unmeasured (profiling budget). */
  timing?: FusionTimingJSON;
  runtime?: FusionRuntimeEvidenceJSON;
  /**
   * Final decision: the runtime's evidence where it exists (authoritative), else the timing test when conclusive,
   * else the base rule set's behaviour. Disagreements between the sources stay visible in the fields above.
   */
  decision: FusionDecision;
  source: FusionSource;
}

/**
 * Fusion rules measured on the device: the base rule set (`backend`) refined by disabling the rules the device does
 * not apply. `fuse` and `predictLatency` use the base rule set without `disable` for this device.
 */
export interface DeviceFusionJSON {
  /** Rule-set id this selection refines; must equal the profile's `backend`. */
  base: string;
  /** Rules (or duplications) of the base set the device does not apply. */
  disable: string[];
  /** α of the timing test. */
  alpha: number;
  /** z of the timing test's noise band (0: no band). */
  z?: number;
  /** How the selection was obtained, one line. */
  method?: string;
  cases: FusionCaseEvidenceJSON[];
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
  /** Fusion rules measured on the device (absent: the base rule set `backend` as is). */
  fusion?: DeviceFusionJSON;
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
  /**
   * The rule set `fuse` uses for this device when its profile's `fusion` disables rules: the base rule set `backend`
   * without them (same id), resolved once at load. Absent: the base rule set. Fuse with `device.ruleSet ?? device.backend`.
   */
  readonly ruleSet?: RuleSet;
}
