/**
 * Robust statistics of repeated latency measurements: median, quantiles, IQR, MAD, Tukey outlier rejection and a
 * one-call summary. Pure functions over plain arrays (inputs are never modified).
 */
import { EdgelatError } from "../errors.js";

/** Linear-interpolated quantile (q in [0, 1]) of the values (type 7, as numpy's default). Empty → NaN. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** Interquartile range q75 − q25. */
export const iqr = (values: readonly number[]): number => quantile(values, 0.75) - quantile(values, 0.25);

/** Median absolute deviation from the median (unscaled). */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/** Tukey's fences: drops values outside [q25 − k·IQR, q75 + k·IQR] (k = 1.5). Fewer than 4 values are kept as is. */
export function rejectOutliers(values: readonly number[], k = 1.5): number[] {
  if (values.length < 4) return [...values];
  const q1 = quantile(values, 0.25);
  const q3 = quantile(values, 0.75);
  const lo = q1 - k * (q3 - q1);
  const hi = q3 + k * (q3 - q1);
  return values.filter((v) => v >= lo && v <= hi);
}

export interface SpreadSummary {
  /** Median after outlier rejection. */
  median: number;
  /** IQR / median after outlier rejection (0 for a single value). */
  relIqr: number;
  /** MAD / median after outlier rejection. */
  relMad: number;
  /** Values kept / values given. */
  kept: number;
  n: number;
}

/** Median and relative spread of a sample after Tukey outlier rejection. Empty → `invalid_argument`. */
export function summarize(values: readonly number[]): SpreadSummary {
  if (values.length === 0) throw new EdgelatError("invalid_argument", "cannot summarize an empty sample");
  const kept = rejectOutliers(values);
  const m = median(kept);
  const rel = (x: number): number => (m > 0 ? x / m : 0);
  return { median: m, relIqr: rel(iqr(kept)), relMad: rel(mad(kept)), kept: kept.length, n: values.length };
}
