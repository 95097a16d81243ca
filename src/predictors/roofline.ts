/**
 * `roofline`: latencyMs = max(flops / peakFlopsPerMs, bytes / bandwidthBytesPerMs) + launchMs, with
 * bytes = bytesRead + bytesWritten. Either built from hardware specs (`rooflineFromHardware`) or fitted: a
 * coarse-to-fine grid search over (log peak, log bandwidth) with the launch cost solved in closed form at each point
 * (weighted least squares of a constant, clamped ≥ 0), minimizing squared relative error (default) or squared error.
 * stdMs: residual std from training (relative or absolute, as the loss), see NoiseModel; 0 for hand-given specs
 * unless `relStd` is given.
 */
import { EdgelatError } from "../errors.js";
import type { KernelFeatures } from "../fusion/types.js";
import { resolveOptions, type OptionSchema } from "./options.js";
import type { Prediction, Predictor, PredictorJSON, Sample } from "./types.js";
import { checkSamples, noiseStd, readNoise, residualNoise, sampleWeights, type NoiseModel } from "./uncertainty.js";
import { checkHeader, PREDICTOR_FORMAT_VERSION, readNumber, readObject } from "./validate.js";

export const ROOFLINE_OPTIONS = {
  loss: { type: "enum", values: ["relative", "absolute"], default: "relative", doc: "squared relative error (weights 1/y²) or squared error in ms" },
  gridSize: { type: "int", default: 25, min: 5, max: 401, doc: "grid points per axis at each refinement level" },
  levels: { type: "int", default: 8, min: 1, max: 40, doc: "coarse-to-fine refinement levels" },
} as const satisfies OptionSchema;

export interface RooflineParams {
  peakFlopsPerMs: number;
  bandwidthBytesPerMs: number;
  launchMs: number;
  noise: NoiseModel;
  samples: number;
}

export class RooflinePredictor implements Predictor {
  readonly kind = "roofline";
  constructor(readonly params: Readonly<RooflineParams>) {
    const p = params;
    if (!(p.peakFlopsPerMs > 0 && Number.isFinite(p.peakFlopsPerMs))) throw new EdgelatError("invalid_predictor", "peakFlopsPerMs must be finite and > 0", { field: "peakFlopsPerMs" });
    if (!(p.bandwidthBytesPerMs > 0 && Number.isFinite(p.bandwidthBytesPerMs))) throw new EdgelatError("invalid_predictor", "bandwidthBytesPerMs must be finite and > 0", { field: "bandwidthBytesPerMs" });
    if (!(p.launchMs >= 0 && Number.isFinite(p.launchMs))) throw new EdgelatError("invalid_predictor", "launchMs must be finite and ≥ 0", { field: "launchMs" });
  }

  /** Which roof bounds this kernel, and the bound's time (without launch). */
  bound(f: KernelFeatures): { limit: "compute" | "memory"; ms: number } {
    const c = (f.flops ?? 0) / this.params.peakFlopsPerMs;
    const m = ((f.bytesRead ?? 0) + (f.bytesWritten ?? 0)) / this.params.bandwidthBytesPerMs;
    return c >= m ? { limit: "compute", ms: c } : { limit: "memory", ms: m };
  }

  predict(f: KernelFeatures): Prediction {
    const c = (f.flops ?? 0) / this.params.peakFlopsPerMs;
    const m = ((f.bytesRead ?? 0) + (f.bytesWritten ?? 0)) / this.params.bandwidthBytesPerMs;
    const latencyMs = (c >= m ? c : m) + this.params.launchMs;
    return { latencyMs, stdMs: noiseStd(this.params.noise, latencyMs) };
  }

  toJSON(): PredictorJSON {
    const p = this.params;
    return {
      kind: this.kind, version: PREDICTOR_FORMAT_VERSION, peakFlopsPerMs: p.peakFlopsPerMs,
      bandwidthBytesPerMs: p.bandwidthBytesPerMs, launchMs: p.launchMs, noise: { ...p.noise }, samples: p.samples,
    };
  }
}

/** A roofline from data-sheet numbers: peak GFLOP/s, memory bandwidth GB/s, per-kernel launch µs. */
export function rooflineFromHardware(spec: { peakGflops: number; bandwidthGBps: number; launchUs?: number; relStd?: number }): RooflinePredictor {
  return new RooflinePredictor({
    peakFlopsPerMs: spec.peakGflops * 1e6,
    bandwidthBytesPerMs: spec.bandwidthGBps * 1e6,
    launchMs: (spec.launchUs ?? 0) / 1000,
    noise: { relStd: spec.relStd ?? 0, absStdMs: 0 },
    samples: 0,
  });
}

export function fitRoofline(samples: readonly Sample[], options?: Partial<{ loss: "relative" | "absolute"; gridSize: number; levels: number }>): RooflinePredictor {
  const o = resolveOptions(ROOFLINE_OPTIONS, options, "roofline");
  checkSamples(samples);
  const n = samples.length;
  const fl = Float64Array.from(samples, (s) => s.features.flops ?? 0);
  const by = Float64Array.from(samples, (s) => (s.features.bytesRead ?? 0) + (s.features.bytesWritten ?? 0));
  const y = Float64Array.from(samples, (s) => s.latencyMs);
  const w = Float64Array.from(sampleWeights(samples, o.loss === "relative" ? (s) => 1 / (s.latencyMs * s.latencyMs) : undefined));
  let wSum = 0;
  for (let i = 0; i < n; i++) wSum += w[i]!;
  if (!(wSum > 0)) throw new EdgelatError("invalid_argument", "roofline: all sample weights are zero");

  // Evaluate (log10 P, log10 B): best launch in closed form, then the weighted squared error.
  const evaluate = (lp: number, lb: number): { cost: number; launch: number } => {
    const P = 10 ** lp, B = 10 ** lb;
    let s = 0;
    for (let i = 0; i < n; i++) s += w[i]! * (y[i]! - Math.max(fl[i]! / P, by[i]! / B));
    const launch = Math.max(s / wSum, 0);
    let cost = 0;
    for (let i = 0; i < n; i++) { const r = y[i]! - Math.max(fl[i]! / P, by[i]! / B) - launch; cost += w[i]! * r * r; }
    return { cost, launch };
  };
  // Search ranges: the effective rates seen in the data, widened by a few decades.
  const range = (num: Float64Array): [number, number] => {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) if (num[i]! > 0) { const r = Math.log10(num[i]! / y[i]!); lo = Math.min(lo, r); hi = Math.max(hi, r); }
    return lo === Infinity ? [0, 15] : [lo - 1, hi + 3];
  };
  let [pLo, pHi] = range(fl);
  let [bLo, bHi] = range(by);
  let best = { lp: (pLo + pHi) / 2, lb: (bLo + bHi) / 2, cost: Infinity, launch: 0 };
  const g = o.gridSize;
  for (let level = 0; level < o.levels; level++) {
    const dp = (pHi - pLo) / (g - 1), db = (bHi - bLo) / (g - 1);
    for (let a = 0; a < g; a++) {
      for (let b = 0; b < g; b++) {
        const lp = pLo + a * dp, lb = bLo + b * db;
        const e = evaluate(lp, lb);
        if (e.cost < best.cost) best = { lp, lb, cost: e.cost, launch: e.launch };
      }
    }
    [pLo, pHi] = [best.lp - 2 * dp, best.lp + 2 * dp];
    [bLo, bHi] = [best.lb - 2 * db, best.lb + 2 * db];
  }
  const params0: RooflineParams = { peakFlopsPerMs: 10 ** best.lp, bandwidthBytesPerMs: 10 ** best.lb, launchMs: best.launch, noise: { relStd: 0, absStdMs: 0 }, samples: n };
  const m0 = new RooflinePredictor(params0);
  const predicted = samples.map((s) => m0.predict(s.features).latencyMs);
  return new RooflinePredictor({ ...params0, noise: residualNoise(predicted, Array.from(y), o.loss, 3) });
}

export function rooflineFromJSON(json: unknown): RooflinePredictor {
  const o = readObject(json, "$");
  checkHeader(o, "roofline");
  return new RooflinePredictor({
    peakFlopsPerMs: readNumber(o, "peakFlopsPerMs", "", { gt: 0 }),
    bandwidthBytesPerMs: readNumber(o, "bandwidthBytesPerMs", "", { gt: 0 }),
    launchMs: readNumber(o, "launchMs", "", { min: 0 }),
    noise: readNoise(o, "noise"),
    samples: readNumber(o, "samples", "", { min: 0, int: true }),
  });
}
