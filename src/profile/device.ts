/**
 * Turning measurements into a device profile (`edgelat-device@1`, the schema `loadDevice` checks): per-class
 * predictors from kernel sampling, and the overhead model latency = a·Σkernels + b·kernels + c fitted on the measured
 * end-to-end latency of a few whole models (non-negative relative least squares).
 */
import { cpus, hostname } from "node:os";
import { fitOverhead } from "../devices/train/phones.js";
import { weightedLeastSquares } from "../predictors/lstsq.js";
import { aggregate, predictKernels } from "../devices/estimate.js";
import { loadDevice } from "../devices/load.js";
import { DEVICE_SCHEMA, type DeviceIdentity, type DeviceProfileJSON, type DeviceProvenance, type OverheadModelJSON } from "../devices/types.js";
import type { KernelClass, KernelGraph } from "../fusion/types.js";
import type { ClassFit } from "./fit.js";

export interface LocalTarget {
  /** "onnxruntime-node" or "tfjs-wasm". */
  runtime: string;
  runtimeVersion: string;
  threads: number;
  /** Fusion rule-set id, e.g. "ort-cpu@1.30/all". */
  backend: string;
  /** Short settings label, e.g. "all" (optimization level). */
  settings: string;
}

/** Identity of this machine's CPU running a local runtime. */
export function localIdentity(t: LocalTarget): DeviceIdentity {
  const cpu = cpus()[0]?.model?.trim() || "unknown CPU";
  return {
    device: `local: ${hostname()}`, soc: `${process.arch} (${cpus().length} logical cores)`, processor: "cpu", processorName: cpu,
    threads: t.threads, precision: "fp32", runtime: t.runtime, runtimeVersion: t.runtimeVersion,
  };
}

/** Catalog-style id: "local-ort-node-t1-all". */
export function localDeviceId(t: LocalTarget): string {
  const rt = t.runtime === "onnxruntime-node" ? "ort-node" : t.runtime;
  return `local-${rt}-t${t.threads}-${t.settings}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
}

/** A profile with the fitted predictors and a plain-sum overhead (replaced by `withOverhead`). */
export function profileFromFits(t: LocalTarget, fits: ReadonlyMap<KernelClass, ClassFit>, provenance: DeviceProvenance, id = localDeviceId(t)): DeviceProfileJSON {
  const predictors: DeviceProfileJSON["predictors"] = {};
  for (const [cls, f] of fits) predictors[cls] = f.predictor.toJSON();
  return {
    schema: DEVICE_SCHEMA,
    id,
    name: `${localIdentity(t).processorName} — ${t.runtime} ${t.runtimeVersion}, ${t.threads} thread${t.threads > 1 ? "s" : ""}, ${t.settings}`,
    identity: localIdentity(t),
    backend: t.backend,
    predictors,
    overhead: { coef: { sumKernelMs: 1 }, relStd: 0 },
    provenance,
  };
}

export interface CalibrationRow {
  name: string;
  measuredMs: number;
  sumKernelMs: number;
  kernels: number;
  fusedOps: number;
}

/** Aggregate terms of a kernel graph under a profile's predictors (the quantities the overhead model weighs). */
export function overheadTerms(profile: DeviceProfileJSON, kg: KernelGraph): Omit<CalibrationRow, "name" | "measuredMs"> {
  const dev = loadDevice({ ...profile, overhead: { coef: { sumKernelMs: 1 }, relStd: 0 } });
  const est = aggregate(predictKernels(kg, dev), dev);
  let kernels = 0, fusedOps = 0;
  for (const e of est.kernels) if (e.counted) {
    kernels++;
    fusedOps += Math.max(0, e.nodes.length - 1);
  }
  return { sumKernelMs: est.latencyMs, kernels, fusedOps };
}

/** The free fit a·Σkernels + b·kernels + c (relative least squares), or undefined when it is not physical. */
function fitFree(rows: readonly CalibrationRow[]): OverheadModelJSON | undefined {
  const X = rows.map((r) => [r.sumKernelMs, r.kernels, 1]);
  const y = rows.map((r) => r.measuredMs);
  const [a, b, c] = weightedLeastSquares(X, y, y.map((v) => 1 / (v * v)), { ridge: 0 }) as [number, number, number];
  const pred = X.map((x) => a * x[0]! + b * x[1]! + c);
  if (!(a > 0) || c < 0 || pred.some((p) => !(p > 0))) return undefined;
  const rel = pred.map((p, i) => (p - y[i]!) / y[i]!);
  return { coef: { sumKernelMs: a, kernels: b, constant: c }, relStd: Math.sqrt(rel.reduce((s, r) => s + r * r, 0) / Math.max(1, rows.length - 3)) };
}

/** Overhead candidates, simplest first: a scale, a scale and a constant, the free three-term fit. */
const OVERHEAD_FORMS: readonly ((rows: readonly CalibrationRow[]) => OverheadModelJSON | undefined)[] = [
  (rows) => fitOverhead([...rows], rows.map((r) => r.measuredMs), ["sumKernelMs"]),
  (rows) => fitOverhead([...rows], rows.map((r) => r.measuredMs), ["sumKernelMs", "constant"]),
  (rows) => fitFree(rows) ?? fitOverhead([...rows], rows.map((r) => r.measuredMs), ["sumKernelMs", "kernels", "constant"]),
];

const applyOverhead = (m: OverheadModelJSON, r: CalibrationRow): number =>
  (m.coef.sumKernelMs ?? 0) * r.sumKernelMs + (m.coef.kernels ?? 0) * r.kernels + (m.coef.constant ?? 0);

/**
 * Fits the overhead model latency = a·Σkernels + b·kernels + c on calibration rows by relative least squares. `b` may
 * be negative: kernel times read from ORT's profiler include about a microsecond of profiling cost per node, which
 * the unprofiled end-to-end run does not pay; the free fit falls back to non-negative terms when it is not physical
 * (a ≤ 0, c < 0, or a model predicted ≤ 0). Which form is used — a scale, a scale and a constant, or all three terms —
 * is chosen by leave-one-out relative error on the calibration rows (ties to the simpler form), so a few calibration
 * models cannot buy a three-term fit that extrapolates badly to models with many more kernels. Fewer than 6 rows: a
 * scale only.
 */
export function fitLocalOverhead(rows: readonly CalibrationRow[]): OverheadModelJSON {
  if (rows.length === 0) return { coef: { sumKernelMs: 1 }, relStd: 0.25 };
  if (rows.length < 6) return OVERHEAD_FORMS[0]!(rows)!;
  let best = { form: 0, loo: Number.POSITIVE_INFINITY };
  OVERHEAD_FORMS.forEach((form, f) => {
    let sq = 0;
    for (let i = 0; i < rows.length; i++) {
      const m = form(rows.filter((_, j) => j !== i));
      const r = rows[i]!;
      sq += m === undefined ? Number.POSITIVE_INFINITY : ((applyOverhead(m, r) - r.measuredMs) / r.measuredMs) ** 2;
    }
    if (sq < best.loo * (1 - 1e-9)) best = { form: f, loo: sq };
  });
  return OVERHEAD_FORMS[best.form]!(rows)!;
}
