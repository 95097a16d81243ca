/**
 * Accuracy metrics for latency predictors. `predicted` and `measured` are aligned arrays of equal length.
 * Relative errors are taken against the measured value.
 */
import { EdgelatError } from "../errors.js";

function check(predicted: readonly number[], measured: readonly number[]): void {
  if (predicted.length !== measured.length || predicted.length === 0) {
    throw new EdgelatError("invalid_argument", `metrics need two non-empty arrays of equal length (got ${predicted.length} and ${measured.length})`);
  }
}

/** Share (0–1) of predictions within ±k (e.g. 0.1 for ±10%) of the measured value. */
export function withinShare(predicted: readonly number[], measured: readonly number[], k: number): number {
  check(predicted, measured);
  let n = 0;
  for (let i = 0; i < predicted.length; i++) if (Math.abs(predicted[i]! - measured[i]!) <= k * Math.abs(measured[i]!)) n++;
  return n / predicted.length;
}

/** Mean absolute percentage error, as a fraction (0.05 = 5%). */
export function mape(predicted: readonly number[], measured: readonly number[]): number {
  check(predicted, measured);
  let s = 0;
  for (let i = 0; i < predicted.length; i++) s += Math.abs(predicted[i]! - measured[i]!) / Math.abs(measured[i]!);
  return s / predicted.length;
}

export function rmse(predicted: readonly number[], measured: readonly number[]): number {
  check(predicted, measured);
  let s = 0;
  for (let i = 0; i < predicted.length; i++) s += (predicted[i]! - measured[i]!) ** 2;
  return Math.sqrt(s / predicted.length);
}

/** Ranks with ties given their average rank (1-based). */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]![1]] = avg;
    i = j + 1;
  }
  return r;
}

export function pearson(x: readonly number[], y: readonly number[]): number {
  check(x, y);
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]!; my += y[i]!; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx, dy = y[i]! - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rank correlation ρ (Pearson on tie-averaged ranks). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  return pearson(ranks(x), ranks(y));
}

/** Kendall's τ-b, O(n²) — fine up to a few thousand points. */
export function kendall(x: readonly number[], y: readonly number[]): number {
  check(x, y);
  let concordant = 0, discordant = 0, tiesX = 0, tiesY = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i]! - x[j]!), dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiesX++;
      else if (dy === 0) tiesY++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY));
  return denom === 0 ? 0 : (concordant - discordant) / denom;
}
