/**
 * Non-negative least squares (Lawson & Hanson 1974, "Solving Least Squares Problems", ch. 23), on the normal
 * equations: minimize ½xᵀGx − hᵀx subject to x ≥ 0, with G = AᵀA and h = Aᵀb. Working on (G, h) keeps the cost
 * independent of the number of samples once G is formed. Variables listed in `free` are unconstrained.
 */
import { Matrix, solve } from "ml-matrix";
import { EdgelatError } from "../errors.js";

/** Solves G_PP z = h_P for the passive set P (tiny systems: P ≤ number of features). */
function solvePassive(G: readonly (readonly number[])[], h: readonly number[], P: readonly number[]): number[] {
  const k = P.length;
  const M = new Matrix(k, k);
  const r = new Matrix(k, 1);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) M.set(a, b, G[P[a]!]![P[b]!]!);
    r.set(a, 0, h[P[a]!]!);
  }
  return solve(M, r, true).getColumn(0);
}

export interface NnlsOptions {
  /** Indices of variables without the x ≥ 0 constraint. */
  free?: readonly number[];
  maxIterations?: number;
  tolerance?: number;
}

/** Lawson–Hanson active-set NNLS on the normal equations G x = h. Returns x (length n). */
export function nnlsNormal(G: readonly (readonly number[])[], h: readonly number[], options: NnlsOptions = {}): number[] {
  const n = h.length;
  if (G.length !== n || G.some((row) => row.length !== n)) {
    throw new EdgelatError("invalid_argument", `nnls: G must be ${n}×${n}`, { n });
  }
  const isFree = new Array<boolean>(n).fill(false);
  for (const j of options.free ?? []) isFree[j] = true;
  let scale = 0;
  for (let j = 0; j < n; j++) scale = Math.max(scale, Math.abs(h[j]!), Math.abs(G[j]![j]!));
  const tol = options.tolerance ?? 1e-12 * Math.max(scale, 1e-300);
  const maxIter = options.maxIterations ?? 30 * n + 30;
  const x = new Array<number>(n).fill(0);
  const inP = new Array<boolean>(n).fill(false);
  const gradient = (): number[] => {
    const w = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let s = h[i]!;
      for (let j = 0; j < n; j++) s -= G[i]![j]! * x[j]!;
      w[i] = s;
    }
    return w;
  };
  // Free variables start (and stay) in the passive set.
  for (let j = 0; j < n; j++) if (isFree[j]) inP[j] = true;
  let first = true;
  for (let iter = 0; iter < maxIter; iter++) {
    const w = gradient();
    if (!first) {
      let t = -1;
      let best = tol;
      for (let j = 0; j < n; j++) if (!inP[j] && w[j]! > best) { best = w[j]!; t = j; }
      if (t < 0) break;
      inP[t] = true;
    }
    first = false;
    // Inner loop: keep the constrained passive variables strictly positive.
    for (let inner = 0; inner < maxIter; inner++) {
      const P: number[] = [];
      for (let j = 0; j < n; j++) if (inP[j]) P.push(j);
      if (P.length === 0) break;
      const zP = solvePassive(G, h, P);
      const z = new Array<number>(n).fill(0);
      P.forEach((j, a) => { z[j] = zP[a]!; });
      let alpha = Infinity;
      for (const j of P) {
        if (!isFree[j] && z[j]! <= 0) {
          const d = x[j]! - z[j]!;
          const a = d > 0 ? x[j]! / d : 0;
          if (a < alpha) alpha = a;
        }
      }
      if (alpha === Infinity) {
        for (let j = 0; j < n; j++) x[j] = z[j]!;
        break;
      }
      for (let j = 0; j < n; j++) x[j] = x[j]! + alpha * (z[j]! - x[j]!);
      for (const j of P) if (!isFree[j] && x[j]! <= tol) { inP[j] = false; x[j] = 0; }
    }
  }
  for (let j = 0; j < n; j++) if (!isFree[j] && x[j]! < 0) x[j] = 0;
  return x;
}

/** NNLS on a design matrix: argmin ‖Ax − b‖₂ subject to x ≥ 0 (except `free`). A is m×n as rows. */
export function nnls(A: readonly (readonly number[])[], b: readonly number[], options: NnlsOptions = {}): number[] {
  if (A.length !== b.length || A.length === 0) {
    throw new EdgelatError("invalid_argument", `nnls: A has ${A.length} rows but b has ${b.length} entries`);
  }
  const n = A[0]!.length;
  const G = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const h = new Array<number>(n).fill(0);
  for (let r = 0; r < A.length; r++) {
    const row = A[r]!;
    if (row.length !== n) throw new EdgelatError("invalid_argument", `nnls: row ${r} has ${row.length} columns, expected ${n}`);
    for (let i = 0; i < n; i++) {
      h[i] += row[i]! * b[r]!;
      for (let j = 0; j < n; j++) G[i]![j] += row[i]! * row[j]!;
    }
  }
  return nnlsNormal(G, h, options);
}
