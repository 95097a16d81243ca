import { describe, expect, it } from "vitest";
import { nnls } from "./nnls.js";
import { weightedLeastSquares } from "./lstsq.js";

describe("nnls (Lawson–Hanson)", () => {
  it("matches a hand-solved case where one coefficient hits the bound", () => {
    // A = I (2×2), b = [1, -1]: unconstrained x = [1, -1]; with x ≥ 0 the answer is [1, 0].
    expect(nnls([[1, 0], [0, 1]], [1, -1])).toEqual([1, 0]);
    // A = [[1,1],[1,2],[1,3]], b = [3,2,1]: unconstrained fit is x = [4, -1]; NNLS drops the slope: x = [2, 0]
    // (the mean of b), residual ‖[1,0,-1]‖² = 2.
    const x = nnls([[1, 1], [1, 2], [1, 3]], [3, 2, 1]);
    expect(x[0]).toBeCloseTo(2, 12);
    expect(x[1]).toBe(0);
  });
  it("equals ordinary least squares when the solution is interior", () => {
    const A = [[1, 0], [1, 1], [1, 2], [1, 3]];
    const b = [1, 3, 5, 7]; // exactly 1 + 2t
    const x = nnls(A, b);
    expect(x[0]).toBeCloseTo(1, 10);
    expect(x[1]).toBeCloseTo(2, 10);
  });
  it("leaves free variables unconstrained", () => {
    const x = nnls([[1, 1], [1, 2], [1, 3]], [3, 2, 1], { free: [1] });
    expect(x[0]).toBeCloseTo(4, 8);
    expect(x[1]).toBeCloseTo(-1, 8);
  });
  it("solves a 3-variable case against a brute-force active-set enumeration", () => {
    const A = [[2, 1, 0], [1, 3, 1], [0, 1, 4], [1, 1, 1], [3, 0, 1]];
    const b = [1, -2, 5, 0, 2];
    const x = nnls(A, b);
    const cost = (v: number[]) => A.reduce((s, row, i) => s + (row[0]! * v[0]! + row[1]! * v[1]! + row[2]! * v[2]! - b[i]!) ** 2, 0);
    // Every subset of variables solved unconstrained, kept if feasible: the best feasible one is the NNLS optimum.
    let best = Infinity;
    for (let mask = 1; mask < 8; mask++) {
      const cols = [0, 1, 2].filter((j) => mask & (1 << j));
      const sub = weightedLeastSquares(A.map((r) => cols.map((j) => r[j]!)), b, undefined);
      if (sub.some((v) => v < -1e-12)) continue;
      const v = [0, 0, 0];
      cols.forEach((j, a) => { v[j] = sub[a]!; });
      best = Math.min(best, cost(v));
    }
    expect(x.every((v) => v >= 0)).toBe(true);
    expect(cost(x)).toBeCloseTo(best, 8);
  });
});
