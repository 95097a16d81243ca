/**
 * Kernel-level estimation on a device: `predictKernels` (one estimate per kernel, never dropping one) and `aggregate`
 * (the device's overhead model turns the kernel estimates into an end-to-end latency with an interval).
 *
 * A kernel class the device has no predictor for gets an estimate from the device's closest class predictor (labelled
 * `fallback:…`) and a warning; kernels with unknown output shapes are warned about too.
 */
import { EdgelatError } from "../errors.js";
import type { Kernel, KernelClass, KernelFeatures, KernelGraph } from "../fusion/types.js";
import { PredictionBatch } from "../predictors/batch.js";
import type { Device, LoadedRoute, OverheadModelJSON, OverheadTerm } from "./types.js";

export interface KernelEstimate {
  id: string;
  type: string;
  class: KernelClass;
  /** Member graph nodes, anchor first. */
  nodes: string[];
  latencyMs: number;
  /** One standard deviation of the kernel prediction, ms. */
  stdMs: number;
  /**
   * What produced the number: "<class>[/<route label>]:<predictor kind>", "type:<type>:<kind>" for a type override,
   * "fallback:<kind>" when the device has no predictor for the class, "overhead:<class>" when the device's overhead
   * model already accounts for the class (0 ms here).
   */
  predictor: string;
  /** Counted by the overhead model's `kernels` / `fusedOps` / `weightMParams` terms (false for overhead-absorbed kernels). */
  counted: boolean;
  /** Weight elements of the kernel (`KernelFeatures.params`), for the overhead model's `weightMParams` term. */
  weightParams?: number;
  /** Why this estimate is less trustworthy (fallback predictor, unknown shapes), if it is. */
  warning?: string;
}

export interface LatencyEstimate {
  /** Predicted end-to-end latency, ms. */
  latencyMs: number;
  /** ≈90% interval [low, high] in ms, from the device's validated relative error. */
  interval: [number, number];
  device: string;
  backend: string;
  kernels: KernelEstimate[];
  warnings: string[];
}

/** z for a two-sided 90% normal interval. */
const Z90 = 1.6448536269514722;

function routeFieldValue(f: KernelFeatures, field: NonNullable<LoadedRoute["field"]>): number {
  return field === "nodes" ? f.nodes : (f[field] ?? Number.NaN);
}

function pickRoute(routes: readonly LoadedRoute[], f: KernelFeatures): LoadedRoute {
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    if (r.field === undefined) return r;
    const v = routeFieldValue(f, r.field);
    if (v >= r.min && v <= r.max) return r;
  }
  return routes[routes.length - 1]!;
}

/** Kernel classes a fallback may borrow a predictor from, in order of preference (closest computation first). */
const FALLBACK_ORDER: Readonly<Record<KernelClass, readonly KernelClass[]>> = {
  conv: ["gconv", "dwconv"],
  gconv: ["conv", "dwconv"],
  dwconv: ["gconv", "conv"],
  convtranspose: ["conv"],
  fc: ["conv"],
  matmul: ["fc", "conv"],
  pool: ["global-pool", "concat"],
  "global-pool": ["pool", "concat"],
  concat: ["pool", "global-pool"],
  elementwise: ["concat", "pool"],
  norm: ["concat", "pool"],
  softmax: ["global-pool", "pool"],
  reduce: ["global-pool", "pool"],
  resize: ["concat", "pool"],
  pad: ["concat", "pool"],
  "data-movement": ["concat", "pool"],
  "layout-reorder": ["concat", "pool"],
  other: ["concat", "pool"],
};

/** Normalization ops every inference converter folds into the preceding convolution's weights. */
const FOLDED_NORM: ReadonlySet<string> = new Set(["BatchNormalization", "FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3", "BatchNorm"]);
const FOLDS_NORM: ReadonlySet<KernelClass> = new Set(["conv", "gconv", "dwconv", "convtranspose", "fc"]);

/**
 * The features predictors see: a BatchNormalization fused after a convolution is folded into its weights by the
 * converter (TFLite, ONNX Runtime), so it does not count as a fused op in `nodes` (the device data never saw it).
 */
export function predictorFeatures(k: Kernel): KernelFeatures {
  if (!FOLDS_NORM.has(k.class) || k.opTypes.length < 2) return k.features;
  let folded = 0;
  for (let i = 1; i < k.opTypes.length; i++) if (FOLDED_NORM.has(k.opTypes[i]!)) folded++;
  return folded === 0 ? k.features : { ...k.features, nodes: Math.max(1, k.features.nodes - folded) };
}

function hasKnownShapes(k: Kernel): boolean {
  const s = k.features.outputShape;
  if (s === undefined) return false;
  for (let i = 0; i < s.length; i++) if (!Number.isFinite(s[i])) return false;
  return true;
}

/**
 * Predicts every kernel of a kernel graph on a device. One estimate per kernel, in kernel order. Kernels a tree
 * predictor cannot tell apart are evaluated once per call (`PredictionBatch`; same numbers, bit for bit).
 */
export function predictKernels(kernels: KernelGraph, device: Device): KernelEstimate[] {
  if (kernels.backend !== device.backend) {
    throw new EdgelatError(
      "invalid_argument",
      `kernel graph was fused for backend '${kernels.backend}' but device '${device.id}' runs '${device.backend}'`,
      { backend: kernels.backend, device: device.id },
    );
  }
  const absorbs = device.overhead.absorbs ?? [];
  const out: KernelEstimate[] = new Array(kernels.kernels.length);
  const batch = new PredictionBatch(kernels.kernels.length);
  for (let i = 0; i < kernels.kernels.length; i++) {
    const k = kernels.kernels[i]!;
    const f = predictorFeatures(k);
    const est: KernelEstimate = { id: k.id, type: k.type, class: k.class, nodes: k.nodes, latencyMs: 0, stdMs: 0, predictor: "", counted: true, weightParams: k.features.params };
    const override = device.typeOverrides.size > 0 ? device.typeOverrides.get(k.type) : undefined;
    const routes = device.routes.get(k.class);
    if (override !== undefined) {
      const p = batch.predict(override, f, i);
      est.latencyMs = p.latencyMs;
      est.stdMs = p.stdMs;
      est.predictor = `type:${k.type}:${override.kind}`;
    } else if (routes !== undefined) {
      const r = pickRoute(routes, f);
      const p = batch.predict(r.predictor, f, i);
      est.latencyMs = p.latencyMs;
      est.stdMs = p.stdMs;
      est.predictor = r.name;
    } else if (absorbs.includes(k.class)) {
      est.predictor = `overhead:${k.class}`;
      est.counted = false;
    } else {
      const borrowed = FALLBACK_ORDER[k.class].find((c) => device.routes.has(c));
      const routesFb = borrowed !== undefined ? device.routes.get(borrowed)! : [...device.routes.values()][0]!;
      const r = pickRoute(routesFb, f);
      const p = batch.predict(r.predictor, f, i);
      est.latencyMs = p.latencyMs;
      // A borrowed predictor is a rough guess: report its error as at least the estimate itself.
      est.stdMs = Math.max(p.stdMs, p.latencyMs);
      const from = borrowed ?? [...device.routes.keys()][0]!;
      est.predictor = `fallback:${from}:${r.predictor.kind}`;
      est.warning = `kernel ${k.id} (${k.type}, class ${k.class}): device '${device.id}' has no ${k.class} predictor; estimated with its ${from} predictor (fallback, low confidence)`;
    }
    if (!hasKnownShapes(k) && est.counted) {
      const w = `kernel ${k.id} (${k.type}): output shape unknown; its features may be incomplete`;
      est.warning = est.warning === undefined ? w : `${est.warning}; ${w}`;
    }
    out[i] = est;
  }
  return out;
}

/** Values of the overhead model's aggregate terms (all but `constant`). */
export type OverheadTermValues = Record<Exclude<OverheadTerm, "constant">, number>;

/** The overhead model's aggregate terms of a list of kernel estimates. */
export function overheadTermValues(estimates: readonly KernelEstimate[]): OverheadTermValues {
  const t: OverheadTermValues = { sumKernelMs: 0, kernels: 0, fusedOps: 0, weightMParams: 0 };
  for (let i = 0; i < estimates.length; i++) {
    const e = estimates[i]!;
    t.sumKernelMs += e.latencyMs;
    if (e.counted) {
      t.kernels++;
      t.fusedOps += e.nodes.length - 1;
      t.weightMParams += (e.weightParams ?? 0) / 1e6;
    }
  }
  return t;
}

/** End-to-end latency Σ coef[t]·term_t of an overhead model (a missing coefficient is 0, `sumKernelMs` defaults to 1). */
export function applyOverhead(coef: OverheadModelJSON["coef"], t: Partial<OverheadTermValues>): number {
  return (coef.sumKernelMs ?? 1) * (t.sumKernelMs ?? 0) + (coef.kernels ?? 0) * (t.kernels ?? 0) + (coef.fusedOps ?? 0) * (t.fusedOps ?? 0) +
    (coef.weightMParams ?? 0) * (t.weightMParams ?? 0) + (coef.constant ?? 0);
}

/** Combines kernel estimates into the end-to-end estimate with the device's overhead model. */
export function aggregate(estimates: readonly KernelEstimate[], device: Device, extraWarnings: readonly string[] = []): LatencyEstimate {
  const warnings: string[] = [...extraWarnings];
  for (let i = 0; i < estimates.length; i++) {
    const w = estimates[i]!.warning;
    if (w !== undefined) warnings.push(w);
  }
  const latencyMs = applyOverhead(device.overhead.coef, overheadTermValues(estimates));
  const spread = Math.exp(Z90 * device.overhead.relStd);
  return {
    latencyMs,
    interval: [latencyMs / spread, latencyMs * spread],
    device: device.id,
    backend: device.backend,
    kernels: estimates as KernelEstimate[],
    warnings,
  };
}

