/**
 * Where a profile's end-to-end error comes from. For each validation model profiled kernel by kernel with the
 * runtime's profiler (the same path that measures training kernels), the error of the prediction splits into
 *   (a) the aggregation ceiling: the overhead model applied to the *profiled* kernel times of the model itself — the
 *       error a profile with perfect kernel predictors would still make;
 *   (b) the kernel predictors: predicted vs profiled time of each simulator kernel, per class;
 * plus the kernel-list check: simulator kernels the runtime never ran (no profiled time) and runtime nodes that map to
 * no simulator kernel; and the aggregation floor of whole models measured both ways (`aggregationFloor`). Pure:
 * measurements in, tables out.
 */
import { aggregate, applyOverhead, predictKernels } from "../devices/estimate.js";
import type { Device, OverheadModelJSON } from "../devices/types.js";
import { fuse } from "../fusion/fuse.js";
import type { KernelClass, KernelGraph } from "../fusion/types.js";
import type { InferredGraph } from "../shape/types.js";
import type { KernelMeasurement } from "./measure.js";
import { fitLocalOverhead, predictCalibration } from "./device.js";
import { median } from "./stats.js";

export interface DiagnosedKernel {
  id: string;
  type: string;
  cls: KernelClass;
  predictedMs: number;
  /** Median profiled time; undefined when the runtime ran nothing the simulator kernel maps to. */
  profiledMs?: number;
}

export interface ModelDiagnosis {
  name: string;
  family: string;
  /** Measured end-to-end latency (the validation clock). */
  measuredMs: number;
  predictedMs: number;
  /** Σ profiled kernel medians (mapped) and of runtime nodes mapped to no simulator kernel. */
  profiledKernelMs: number;
  unmappedMs: number;
  /** Overhead model applied to the profiled kernel times (unmapped nodes included): the perfect-predictor ceiling. */
  ceilingMs: number;
  /** Σ predicted kernel ms (before the overhead model). */
  predictedKernelMs: number;
  /** Kernels the overhead model counts (its `kernels` term). */
  counted: number;
  /** Simulator kernels and the counted ones without profiled time. */
  kernels: DiagnosedKernel[];
  missing: string[];
  /** Unmapped runtime nodes (`<node>#<occurrence>`) with their median µs. */
  extra: { node: string; us: number }[];
}

export interface ClassDiagnosis {
  cls: KernelClass;
  /** Kernels with a profiled time. */
  n: number;
  profiledMs: number;
  predictedMs: number;
  /** Mean |pred − profiled| / profiled over kernels. */
  mape: number;
  /** Σ(pred − profiled) / Σ measured e2e over all models: this class's signed share of the total e2e error. */
  contribution: number;
  /** Mean over models of |Σ_class(pred − profiled)| / measured e2e: how much this class moves a model's error. */
  meanAbsModelShare: number;
}

export interface Diagnosis {
  models: ModelDiagnosis[];
  classes: ClassDiagnosis[];
}

/** Diagnoses one model from its kernel profile (`measureKernels`) and its measured e2e latency. */
export function diagnoseModel(
  device: Device,
  m: { name: string; family: string; inferred: InferredGraph; measuredMs: number },
  profiled: KernelMeasurement,
): ModelDiagnosis {
  const kg = fuse(m.inferred, device.backend);
  const est = predictKernels(kg, device);
  const predicted = aggregate(est, device);
  const kernels: DiagnosedKernel[] = [];
  const missing: string[] = [];
  let profiledKernelMs = 0, predictedKernelMs = 0, counted = 0, fusedOps = 0, weightParams = 0;
  for (const e of est) {
    const s = profiled.summaries.get(e.id);
    const k: DiagnosedKernel = { id: e.id, type: e.type, cls: e.class, predictedMs: e.latencyMs };
    if (s !== undefined) {
      k.profiledMs = s.median / 1000;
      profiledKernelMs += k.profiledMs;
    } else if (e.counted) missing.push(e.id);
    predictedKernelMs += e.latencyMs;
    if (e.counted) {
      counted++;
      fusedOps += e.nodes.length - 1;
      weightParams += e.weightParams ?? 0;
    }
    kernels.push(k);
  }
  const extra = [...profiled.unmappedUs].map(([node, us]) => ({ node, us: us.length ? median(us) : 0 })).sort((a, b) => b.us - a.us);
  const unmappedMs = extra.reduce((s, x) => s + x.us, 0) / 1000;
  const ceilingMs = applyOverhead(device.overhead.coef, { sumKernelMs: profiledKernelMs + unmappedMs, kernels: counted, fusedOps, weightMParams: weightParams / 1e6 });
  return { name: m.name, family: m.family, measuredMs: m.measuredMs, predictedMs: predicted.latencyMs, profiledKernelMs, unmappedMs, ceilingMs, predictedKernelMs, counted, kernels, missing, extra };
}

/** Per-class kernel-predictor error over diagnosed models (kernels without a profiled time left out). */
export function diagnoseClasses(models: readonly ModelDiagnosis[]): ClassDiagnosis[] {
  const acc = new Map<KernelClass, { n: number; prof: number; pred: number; rel: number; perModel: number }>();
  const totalMeasured = models.reduce((s, m) => s + m.measuredMs, 0);
  for (const m of models) {
    const perModel = new Map<KernelClass, number>();
    for (const k of m.kernels) {
      if (k.profiledMs === undefined || !(k.profiledMs > 0)) continue;
      const a = acc.get(k.cls) ?? acc.set(k.cls, { n: 0, prof: 0, pred: 0, rel: 0, perModel: 0 }).get(k.cls)!;
      a.n++;
      a.prof += k.profiledMs;
      a.pred += k.predictedMs;
      a.rel += Math.abs(k.predictedMs - k.profiledMs) / k.profiledMs;
      perModel.set(k.cls, (perModel.get(k.cls) ?? 0) + k.predictedMs - k.profiledMs);
    }
    for (const [cls, d] of perModel) acc.get(cls)!.perModel += Math.abs(d) / m.measuredMs;
  }
  return [...acc]
    .map(([cls, a]) => ({
      cls, n: a.n, profiledMs: a.prof, predictedMs: a.pred, mape: a.rel / a.n,
      contribution: (a.pred - a.prof) / totalMeasured, meanAbsModelShare: a.perModel / Math.max(1, models.length),
    }))
    .sort((x, y) => y.meanAbsModelShare - x.meanAbsModelShare);
}

/** A whole model profiled kernel by kernel and measured end to end in the same profiling run. */
export interface AggregationRow {
  name: string;
  measuredMs: number;
  /** Σ median profiled time of its kernels (runtime nodes mapped to no kernel included). */
  profiledMs: number;
  /** Kernels the overhead model counts. */
  kernels: number;
  /** Weight elements of its kernels, millions (the overhead model's `weightMParams` term; absent: forms weighing it are skipped). */
  weightMParams?: number;
}

/** Weight elements of a kernel graph's kernels, millions (an `AggregationRow`'s `weightMParams`). */
export const weightMParamsOf = (kg: KernelGraph): number => kg.kernels.reduce((t, k) => t + k.features.params, 0) / 1e6;

export interface AggregationFloor {
  /** The overhead model fitted in-sample on the profiled sums. */
  overhead: OverheadModelJSON;
  /** Relative error of each row under it. */
  errors: { name: string; relError: number }[];
  within10: number;
  mape: number;
}

/**
 * The aggregation floor: how well an overhead model (`fitLocalOverhead`: its form chosen by leave-one-out) turns the
 * *measured* kernel times of whole models into their end-to-end latency, fitted in-sample — the error a profile would
 * keep with perfect kernel predictors. Needs ≥ 1 row.
 */
export function aggregationFloor(rows: readonly AggregationRow[]): AggregationFloor {
  const calib = rows.map((r) => ({
    name: r.name, measuredMs: r.measuredMs, sumKernelMs: r.profiledMs, kernels: r.kernels, fusedOps: 0,
    ...(r.weightMParams !== undefined ? { weightMParams: r.weightMParams } : {}),
  }));
  const overhead = fitLocalOverhead(calib);
  const errors = calib.map((r) => ({ name: r.name, relError: (predictCalibration(overhead, r) - r.measuredMs) / r.measuredMs }));
  const n = Math.max(1, errors.length);
  return { overhead, errors, within10: errors.filter((e) => Math.abs(e.relError) <= 0.1).length / n, mape: errors.reduce((s, e) => s + Math.abs(e.relError), 0) / n };
}
