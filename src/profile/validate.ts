/**
 * End-to-end validation of a device profile on the local runtime: measured (interleaved, median with spread) vs
 * predicted (`predictLatency`) latency for each model, and the summary metrics (share within ±10%, MAPE, Spearman ρ).
 */
import { loadavg } from "node:os";
import type { Device } from "../devices/types.js";
import { mape, spearman, withinShare } from "../metrics/index.js";
import { predictLatency } from "../predict.js";
import type { InferredGraph } from "../shape/types.js";
import { measureE2e, type MeasureOptions, type ModelRunner } from "./measure.js";
import type { RunnableModel } from "./ort.js";

export interface ValidationModel {
  name: string;
  family: string;
  model: RunnableModel;
  inferred: InferredGraph;
}

export interface ValidationRow {
  name: string;
  family: string;
  measuredMs: number;
  /** IQR / median of the measured runs. */
  relIqr: number;
  runs: number;
  predictedMs: number;
  /** (predicted − measured) / measured. */
  relError: number;
  warnings: number;
}

export interface ValidationSummary {
  n: number;
  within10: number;
  within5: number;
  mape: number;
  spearman: number;
  /** Median relative IQR of the measurements. */
  medianRelIqr: number;
  load: { start: number[]; end: number[] };
}

export async function validateDevice(runner: ModelRunner, device: Device, models: readonly ValidationModel[], options: MeasureOptions = {}): Promise<{ rows: ValidationRow[]; summary: ValidationSummary }> {
  const start = loadavg();
  const measured = await measureE2e(runner, models.map((m) => m.model), options);
  const rows: ValidationRow[] = [];
  for (const m of models) {
    const meas = measured.get(m.model.key);
    if (meas === undefined) continue;
    const est = predictLatency(m.inferred, device);
    rows.push({
      name: m.name, family: m.family, measuredMs: meas.summary.median, relIqr: meas.summary.relIqr, runs: meas.ms.length,
      predictedMs: est.latencyMs, relError: (est.latencyMs - meas.summary.median) / meas.summary.median, warnings: est.warnings.length,
    });
  }
  const p = rows.map((r) => r.predictedMs);
  const y = rows.map((r) => r.measuredMs);
  const sortedIqr = rows.map((r) => r.relIqr).sort((a, b) => a - b);
  const summary: ValidationSummary = {
    n: rows.length,
    within10: rows.length ? withinShare(p, y, 0.1) : Number.NaN,
    within5: rows.length ? withinShare(p, y, 0.05) : Number.NaN,
    mape: rows.length ? mape(p, y) : Number.NaN,
    spearman: rows.length > 1 ? spearman(p, y) : Number.NaN,
    medianRelIqr: sortedIqr.length ? sortedIqr[Math.floor(sortedIqr.length / 2)]! : Number.NaN,
    load: { start, end: loadavg() },
  };
  return { rows, summary };
}
