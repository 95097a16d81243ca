/**
 * Shared pieces of the predictors' uncertainty estimates and sample checks.
 *
 * A `NoiseModel` turns a predicted latency L into one standard deviation of its error:
 *   stdMs = √((relStd · L)² + absStdMs²)
 * Models fitted on relative or log error store `relStd` (the error scales with the latency); models fitted on absolute
 * error store `absStdMs`. Both are estimated from training residuals with a degrees-of-freedom correction √(n/(n−p)),
 * so they describe in-distribution error; tree models additionally widen it outside the training domain.
 */
import { EdgelatError } from "../errors.js";
import type { Sample } from "./types.js";
import { type Json, noNegZero, readNumber, readNumberArray, readObject, fail } from "./validate.js";

export interface NoiseModel {
  relStd: number;
  absStdMs: number;
}

export function noiseStd(noise: NoiseModel, latencyMs: number): number {
  const r = noise.relStd * latencyMs;
  return Math.sqrt(r * r + noise.absStdMs * noise.absStdMs);
}

export function readNoise(o: Json, key: string): NoiseModel {
  const n = readObject(o[key], key);
  return { relStd: readNumber(n, "relStd", key, { min: 0 }), absStdMs: readNumber(n, "absStdMs", key, { min: 0 }) };
}

export type Loss = "absolute" | "relative" | "log";

/**
 * Residual noise of fitted predictions: `absolute` → absStdMs, `relative` → relStd of (p − y)/y, `log` → the
 * log-normal relative std √(e^{σ²} − 1) of σ = std of ln p − ln y. `params` is the number of fitted parameters.
 */
export function residualNoise(predicted: readonly number[], measured: readonly number[], loss: Loss, params: number): NoiseModel {
  const n = measured.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const p = predicted[i]!, y = measured[i]!;
    const r = loss === "absolute" ? p - y : loss === "relative" ? (p - y) / y : Math.log(Math.max(p, 1e-300) / y);
    s += r * r;
  }
  const dof = Math.max(n - params, 1);
  const sd = Math.sqrt(s / dof);
  if (loss === "absolute") return { relStd: 0, absStdMs: sd };
  if (loss === "relative") return { relStd: sd, absStdMs: 0 };
  return { relStd: Math.sqrt(Math.expm1(sd * sd)), absStdMs: 0 };
}

/** Rejects empty sample sets and non-positive / non-finite latencies before any fitting starts. */
export function checkSamples(samples: readonly Sample[], min = 1): void {
  if (!Array.isArray(samples) || samples.length < min) {
    throw new EdgelatError("invalid_argument", `need at least ${min} samples, got ${Array.isArray(samples) ? samples.length : typeof samples}`);
  }
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (typeof s !== "object" || s === null || typeof s.features !== "object" || s.features === null) {
      throw new EdgelatError("invalid_argument", `sample ${i} has no features object`, { index: i });
    }
    if (!(s.latencyMs > 0) || !Number.isFinite(s.latencyMs)) {
      throw new EdgelatError("invalid_argument", `sample ${i} has latencyMs ${s.latencyMs}; latencies must be finite and > 0`, { index: i });
    }
    if (s.weight !== undefined && !(s.weight >= 0 && Number.isFinite(s.weight))) {
      throw new EdgelatError("invalid_argument", `sample ${i} has weight ${s.weight}; weights must be finite and ≥ 0`, { index: i });
    }
  }
}

/** Sample weights (1 when absent) times an optional per-sample factor. */
export function sampleWeights(samples: readonly Sample[], factor?: (s: Sample) => number): number[] {
  return samples.map((s) => (s.weight ?? 1) * (factor ? factor(s) : 1));
}

/**
 * The training domain: per-feature [min, max]. `outside` measures how far a vector lies outside it, summing for each
 * feature the overshoot in units of that feature's training range (0 inside the box).
 */
export interface Domain {
  min: number[];
  max: number[];
}

export function domainOf(rows: readonly ArrayLike<number>[], d: number): Domain {
  const min = new Array<number>(d).fill(Infinity), max = new Array<number>(d).fill(-Infinity);
  for (const r of rows) for (let j = 0; j < d; j++) {
    const v = r[j]!;
    if (v < min[j]!) min[j] = v;
    if (v > max[j]!) max[j] = v;
  }
  return { min: min.map(noNegZero), max: max.map(noNegZero) };
}

/** A feature's range as `outside` divides by: max − min, or max(|max|, 1) for a constant feature. */
const rangeOf = (lo: number, hi: number): number => (hi - lo > 0 ? hi - lo : Math.max(Math.abs(hi), 1));

export function outside(domain: Domain, x: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < domain.min.length; j++) {
    const lo = domain.min[j]!, hi = domain.max[j]!, v = x[j]!;
    const range = rangeOf(lo, hi);
    if (v < lo) s += (lo - v) / range;
    else if (v > hi) s += (v - hi) / range;
  }
  return s;
}

/**
 * `outside` for one domain with its bounds and ranges precomputed into typed arrays (for a predictor's hot path):
 * the same operations in the same order, so `box.outside(x) === outside(domain, x)` bit for bit.
 */
export class DomainBox {
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly range: Float64Array;

  constructor(domain: Domain) {
    this.lo = Float64Array.from(domain.min);
    this.hi = Float64Array.from(domain.max);
    this.range = this.lo.map((lo, j) => rangeOf(lo, this.hi[j]!));
  }

  outside(x: ArrayLike<number>): number {
    const lo = this.lo, hi = this.hi, range = this.range;
    let s = 0;
    for (let j = 0; j < lo.length; j++) {
      const v = x[j]!;
      if (v < lo[j]!) s += (lo[j]! - v) / range[j]!;
      else if (v > hi[j]!) s += (v - hi[j]!) / range[j]!;
    }
    return s;
  }
}

export function readDomain(o: Json, key: string, d: number): Domain {
  const dom = readObject(o[key], key);
  const min = readNumberArray(dom, "min", key, { length: d });
  const max = readNumberArray(dom, "max", key, { length: d });
  for (let j = 0; j < d; j++) if (min[j]! > max[j]!) fail(`${key}.min[${j}]`, "greater than max");
  return { min, max };
}
