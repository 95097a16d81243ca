/** A fitted linear model over a feature set: prediction = β · features. Plain data, JSON-serializable. */
import { EdgelatError } from "../errors.js";
import { Matrix, solve } from "ml-matrix";
import { weightedLeastSquares } from "../predictors/lstsq.js";

export function dot(beta: ArrayLike<number>, x: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += beta[j]! * x[j]!;
  return s;
}

/** Predictions β·x for each row. */
export function predictRows(beta: ArrayLike<number>, rows: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(rows.length);
  rows.forEach((x, i) => { out[i] = dot(beta, x); });
  return out;
}

/** Ridge least squares on rows; the last column (intercept) is not penalized. */
export function fitRidge(rows: readonly ArrayLike<number>[], y: readonly number[], ridge: number, nonNegative = false): number[] {
  if (rows.length === 0) throw new EdgelatError("invalid_argument", "fitRidge needs at least one row");
  const last = rows[0]!.length - 1;
  return weightedLeastSquares(rows, y, undefined, { ridge, unpenalized: [last], nonNegative, free: [last] });
}

/**
 * Ridge least squares for many rows of sparse 0/1-like features (one-hot, pairwise): the normal equations are
 * accumulated over non-zeros only. λ is absolute (features are indicators); the last column (intercept) is free.
 */
export function fitRidgeSparse(rows: readonly ArrayLike<number>[], y: readonly number[], ridge: number): number[] {
  if (rows.length === 0 || rows.length !== y.length) throw new EdgelatError("invalid_argument", `fitRidgeSparse needs aligned, non-empty rows (got ${rows.length}, ${y.length})`);
  const d = rows[0]!.length;
  const G = Array.from({ length: d }, () => new Float64Array(d));
  const h = new Array<number>(d).fill(0);
  const nz: number[] = [];
  rows.forEach((x, r) => {
    nz.length = 0;
    for (let j = 0; j < d; j++) if (x[j] !== 0) nz.push(j);
    for (const i of nz) {
      const xi = x[i]!;
      h[i] += xi * y[r]!;
      const Gi = G[i]!;
      for (const j of nz) Gi[j] += xi * x[j]!;
    }
  });
  for (let j = 0; j < d; j++) G[j]![j] += (j === d - 1 ? 0 : ridge) + 1e-9;
  return solve(new Matrix(G.map((r) => Array.from(r))), Matrix.columnVector(h)).getColumn(0);
}
