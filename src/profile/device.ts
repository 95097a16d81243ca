/**
 * Turning measurements into a device profile (`edgelat-device@1`, the schema `loadDevice` checks): per-class
 * predictors from kernel sampling, and the overhead model (end-to-end latency from the kernel predictions) fitted on
 * the measured end-to-end latency of a few whole models by relative least squares, its form chosen by leave-one-out.
 */
import { cpus, hostname } from "node:os";
import { weightedLeastSquares } from "../predictors/lstsq.js";
import { applyOverhead, overheadTermValues, predictKernels } from "../devices/estimate.js";
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
  /** Weight elements of the counted kernels, millions (term `weightMParams`); forms weighing it are skipped when a row lacks it. */
  weightMParams?: number;
}

/** Aggregate terms of a kernel graph under a profile's predictors (the quantities the overhead model weighs). */
export function overheadTerms(profile: DeviceProfileJSON, kg: KernelGraph): Omit<CalibrationRow, "name" | "measuredMs"> {
  const dev = loadDevice({ ...profile, overhead: { coef: { sumKernelMs: 1 }, relStd: 0 } });
  return overheadTermValues(predictKernels(kg, dev));
}

/** Columns an overhead form may regress on. */
type FormColumn = "sumKernelMs" | "kernels" | "weightMParams" | "constant";

export interface OverheadForm {
  /** e.g. "a·Σ + b·kernels + c". */
  name: string;
  columns: readonly FormColumn[];
}

/**
 * Overhead candidates, fewest coefficients first. Every coefficient is ≥ 0 except `kernels`: kernel times read from a
 * profiler include about a microsecond of profiling cost per node that the unprofiled end-to-end run does not pay.
 *  - a·Σ, a·Σ + c, a·Σ + b·kernels + c: a scale, the run's fixed cost, a per-kernel cost;
 *  - w·weightMParams: weights that stay in cache while a single kernel is measured over and over are cold in a whole
 *    model (each layer's weights are read once per inference), so a weight-heavy kernel runs slower there (the time to
 *    stream its weights from memory, 1/w million weights per ms).
 * Every term is per kernel: a count, or a quantity of the kernel itself. (A separate scale for light kernels — the
 * element-wise, pool and reorder kernels of NAS-Bench-201 cells, a few µs each — cross-validated well on the
 * calibration models but stands in for "tiny": their light kernels are all tiny, so it shrank the corpus models' light
 * kernels of milliseconds too.)
 */
export const OVERHEAD_FORMS: readonly OverheadForm[] = [
  { name: "a·Σ", columns: ["sumKernelMs"] },
  { name: "a·Σ + c", columns: ["sumKernelMs", "constant"] },
  { name: "a·Σ + b·kernels + c", columns: ["sumKernelMs", "kernels", "constant"] },
  { name: "a·Σ + b·kernels + w·weightMParams + c", columns: ["sumKernelMs", "kernels", "weightMParams", "constant"] },
];

const column = (r: CalibrationRow, c: FormColumn): number | undefined => (c === "constant" ? 1 : r[c]);

/** Whether every row has the quantities a form regresses on. */
const formApplies = (form: OverheadForm, rows: readonly CalibrationRow[]): boolean =>
  rows.every((r) => form.columns.every((c) => column(r, c) !== undefined));

/** Predicted end-to-end latency of a calibration row under an overhead model. */
export const predictCalibration = (m: OverheadModelJSON, r: CalibrationRow): number => applyOverhead(m.coef, r);

/**
 * Relative least squares of one form (every coefficient ≥ 0 but `kernels`); undefined when it is not physical: a scale
 * ≤ 0 or a row predicted ≤ 0.
 */
export function fitOverheadForm(form: OverheadForm, rows: readonly CalibrationRow[]): OverheadModelJSON | undefined {
  if (rows.length === 0 || !formApplies(form, rows)) return undefined;
  const X = rows.map((r) => form.columns.map((c) => column(r, c)!));
  const y = rows.map((r) => r.measuredMs);
  const free = form.columns.flatMap((c, j) => (c === "kernels" ? [j] : []));
  const beta = weightedLeastSquares(X, y, y.map((v) => 1 / (v * v)), { ridge: 0, nonNegative: true, free });
  const coef: OverheadModelJSON["coef"] = {};
  form.columns.forEach((c, j) => (coef[c] = beta[j]!));
  if (!((coef.sumKernelMs ?? 0) > 0)) return undefined;
  const pred = rows.map((r) => applyOverhead(coef, r));
  if (pred.some((p) => !(p > 0))) return undefined;
  const sq = pred.reduce((s, p, i) => s + ((p - y[i]!) / y[i]!) ** 2, 0);
  return { coef, relStd: Math.sqrt(sq / Math.max(1, rows.length - form.columns.length)) };
}

export interface OverheadSelection {
  model: OverheadModelJSON;
  form: OverheadForm;
  /** Each applicable form's leave-one-out RMS relative error (Infinity when a fold's fit was not physical). */
  candidates: { form: OverheadForm; looRms: number }[];
}

/**
 * Fits the overhead model on calibration rows, its form (`OVERHEAD_FORMS`) chosen by leave-one-out relative error on
 * the rows (ties to the simpler form), so a few calibration models cannot buy terms that extrapolate badly — the
 * selection runs per device: a runtime whose cold weights cost nothing extra keeps a simpler form (TF.js wasm: a scale).
 * Fewer than 6 rows: a scale only. No rows: a plain sum with a 25% relative std.
 */
export function selectLocalOverhead(rows: readonly CalibrationRow[], forms: readonly OverheadForm[] = OVERHEAD_FORMS): OverheadSelection {
  if (rows.length === 0) return { model: { coef: { sumKernelMs: 1 }, relStd: 0.25 }, form: forms[0]!, candidates: [] };
  if (rows.length < 6) return { model: fitOverheadForm(forms[0]!, rows) ?? { coef: { sumKernelMs: 1 }, relStd: 0.25 }, form: forms[0]!, candidates: [] };
  const candidates: OverheadSelection["candidates"] = [];
  let best: { form: OverheadForm; model: OverheadModelJSON; loo: number } | undefined;
  for (const form of forms) {
    if (!formApplies(form, rows)) continue;
    const model = fitOverheadForm(form, rows);
    let sq = 0;
    for (let i = 0; i < rows.length && Number.isFinite(sq); i++) {
      const m = fitOverheadForm(form, rows.filter((_, j) => j !== i));
      const r = rows[i]!;
      sq += m === undefined ? Number.POSITIVE_INFINITY : ((predictCalibration(m, r) - r.measuredMs) / r.measuredMs) ** 2;
    }
    const looRms = Math.sqrt(sq / rows.length);
    candidates.push({ form, looRms });
    if (model !== undefined && (best === undefined || looRms < best.loo * (1 - 1e-9))) best = { form, model, loo: looRms };
  }
  if (best === undefined) return { model: fitOverheadForm(forms[0]!, rows) ?? { coef: { sumKernelMs: 1 }, relStd: 0.25 }, form: forms[0]!, candidates };
  return { model: best.model, form: best.form, candidates };
}

/** The overhead model `selectLocalOverhead` chooses (see there). */
export function fitLocalOverhead(rows: readonly CalibrationRow[]): OverheadModelJSON {
  return selectLocalOverhead(rows).model;
}
