/**
 * Weighted ridge least squares, optionally non-negative: argmin Σ wᵢ (xᵢ·β − yᵢ)² / Σw + λ Σ_{j penalized} (sⱼβⱼ)².
 * Columns are scaled to unit weighted RMS first (sⱼ), so λ is dimensionless and features measured in FLOPs (1e9)
 * and in counts (1e1) are penalized alike; coefficients are returned in the original units.
 */
import { Matrix, solve } from "ml-matrix";
import { EdgelatError } from "../errors.js";
import { nnlsNormal } from "./nnls.js";
import { noNegZero } from "./validate.js";

export interface LeastSquaresOptions {
  /** Ridge strength λ ≥ 0 on the scaled columns (default 0). */
  ridge?: number;
  /** Column indices without ridge penalty (typically the intercept). */
  unpenalized?: readonly number[];
  /** Constrain coefficients to be ≥ 0 (Lawson–Hanson NNLS), except the `free` columns. */
  nonNegative?: boolean;
  free?: readonly number[];
}

export function weightedLeastSquares(
  X: readonly ArrayLike<number>[],
  y: readonly number[],
  weights: readonly number[] | undefined,
  options: LeastSquaresOptions = {},
): number[] {
  const m = X.length;
  if (m === 0 || y.length !== m || (weights && weights.length !== m)) {
    throw new EdgelatError("invalid_argument", `least squares needs aligned, non-empty rows (got ${m} rows, ${y.length} targets)`);
  }
  const n = X[0]!.length;
  const ridge = options.ridge ?? 0;
  if (!(ridge >= 0)) throw new EdgelatError("invalid_argument", `ridge must be ≥ 0, got ${ridge}`);
  let wSum = 0;
  const scale = new Array<number>(n).fill(0);
  for (let r = 0; r < m; r++) {
    const w = weights ? weights[r]! : 1;
    if (!(w >= 0) || !Number.isFinite(w)) throw new EdgelatError("invalid_argument", `weight ${r} must be a finite number ≥ 0, got ${w}`);
    if (!Number.isFinite(y[r]!)) throw new EdgelatError("invalid_argument", `target ${r} is not finite (${y[r]})`);
    wSum += w;
    for (let j = 0; j < n; j++) {
      const v = X[r]![j]!;
      if (!Number.isFinite(v)) throw new EdgelatError("invalid_argument", `feature ${j} of row ${r} is not finite (${v})`);
      scale[j] += w * v * v;
    }
  }
  if (!(wSum > 0)) throw new EdgelatError("invalid_argument", "least squares: all weights are zero");
  for (let j = 0; j < n; j++) scale[j] = scale[j]! > 0 ? Math.sqrt(scale[j]! / wSum) : 1;
  const G = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const h = new Array<number>(n).fill(0);
  const z = new Array<number>(n);
  for (let r = 0; r < m; r++) {
    const w = (weights ? weights[r]! : 1) / wSum;
    if (w === 0) continue;
    for (let j = 0; j < n; j++) z[j] = X[r]![j]! / scale[j]!;
    for (let i = 0; i < n; i++) {
      const wi = w * z[i]!;
      h[i] += wi * y[r]!;
      for (let j = i; j < n; j++) G[i]![j] += wi * z[j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) G[i]![j] = G[j]![i]!;
  const unpen = new Set(options.unpenalized ?? []);
  // A tiny jitter keeps exactly collinear or all-zero columns solvable; λ adds the real penalty.
  for (let j = 0; j < n; j++) G[j]![j] += (unpen.has(j) ? 0 : ridge) + 1e-12;
  let beta: number[];
  if (options.nonNegative) {
    beta = nnlsNormal(G, h, { free: options.free ?? [] });
  } else {
    beta = solve(new Matrix(G), Matrix.columnVector(h), true).getColumn(0);
  }
  return beta.map((b, j) => noNegZero(b / scale[j]!));
}
