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
  /** Measured latency on the chosen clock (median after outlier rejection). */
  measuredMs: number;
  /** IQR / median of the measured runs. */
  relIqr: number;
  /** Both clocks: wall-clock and process-CPU medians and spreads. */
  wallMs: number;
  wallRelIqr: number;
  cpuMs: number;
  /** (predicted − wall) / wall. */
  relErrorWall: number;
  runs: number;
  predictedMs: number;
  /** (predicted − measured) / measured. */
  relError: number;
  warnings: number;
}

export interface ValidationSummary {
  /** Clock the measured latency is read from. */
  clock: "wall" | "cpu";
  n: number;
  within10: number;
  within5: number;
  mape: number;
  spearman: number;
  /** Median relative IQR of the measurements. */
  medianRelIqr: number;
  /** The same against wall-clock medians (equal to the above when clock is "wall"). */
  wall: { within10: number; mape: number; medianRelIqr: number };
  load: { start: number[]; end: number[] };
}

/**
 * Measures every model (interleaved; `options.clock` picks wall-clock or process-CPU time as "measured", both are kept)
 * and predicts it with `predictLatency`.
 */
export async function validateDevice(runner: ModelRunner, device: Device, models: readonly ValidationModel[], options: MeasureOptions = {}): Promise<{ rows: ValidationRow[]; summary: ValidationSummary }> {
  const start = loadavg();
  const measured = await measureE2e(runner, models.map((m) => m.model), options);
  const rows: ValidationRow[] = [];
  for (const m of models) {
    const meas = measured.get(m.model.key);
    if (meas === undefined) continue;
    const est = predictLatency(m.inferred, device);
    rows.push({
      name: m.name, family: m.family, measuredMs: meas.summary.median, relIqr: meas.summary.relIqr,
      wallMs: meas.wall.median, wallRelIqr: meas.wall.relIqr, cpuMs: meas.cpu.median, relErrorWall: (est.latencyMs - meas.wall.median) / meas.wall.median,
      runs: meas.ms.length, predictedMs: est.latencyMs, relError: (est.latencyMs - meas.summary.median) / meas.summary.median, warnings: est.warnings.length,
    });
  }
  return { rows, summary: summarizeRows(rows, options.clock ?? "wall", start) };
}

const medianOf = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : Number.NaN;
};

/** Summary metrics of validation rows (e.g. of a subset: corpus models only). */
export function summarizeRows(rows: readonly ValidationRow[], clock: "wall" | "cpu", loadStart: number[] = loadavg()): ValidationSummary {
  const p = rows.map((r) => r.predictedMs);
  const y = rows.map((r) => r.measuredMs);
  const yw = rows.map((r) => r.wallMs);
  const n = rows.length;
  return {
    clock,
    n,
    within10: n ? withinShare(p, y, 0.1) : Number.NaN,
    within5: n ? withinShare(p, y, 0.05) : Number.NaN,
    mape: n ? mape(p, y) : Number.NaN,
    spearman: n > 1 ? spearman(p, y) : Number.NaN,
    medianRelIqr: medianOf(rows.map((r) => r.relIqr)),
    wall: { within10: n ? withinShare(p, yw, 0.1) : Number.NaN, mape: n ? mape(p, yw) : Number.NaN, medianRelIqr: medianOf(rows.map((r) => r.wallRelIqr)) },
    load: { start: loadStart, end: loadavg() },
  };
}
