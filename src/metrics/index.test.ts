import { describe, expect, it } from "vitest";
import { kendall, mape, ranks, rmse, spearman, withinShare } from "./index.js";

describe("metrics", () => {
  it("computes within-k share, MAPE and RMSE", () => {
    expect(withinShare([10, 11, 13], [10, 10, 10], 0.1)).toBeCloseTo(2 / 3);
    expect(mape([11, 9], [10, 10])).toBeCloseTo(0.1);
    expect(rmse([1, 3], [2, 2])).toBeCloseTo(1);
  });
  it("ranks ties by their average", () => {
    expect(ranks([3, 1, 3, 2])).toEqual([3.5, 1, 3.5, 2]);
  });
  it("computes Spearman and Kendall", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1);
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8);
    expect(kendall([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.6);
  });
  it("rejects mismatched input with a typed error", () => {
    expect(() => mape([1], [1, 2])).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
  });
});
