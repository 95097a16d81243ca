import { describe, expect, it } from "vitest";
import { inferNode } from "./test-utils.js";

const x = (...shape: (number | string)[]) => ({ shape });
const f32 = (...values: number[]) => ({ shape: [values.length], values });
const i64 = (...values: number[]) => ({ shape: [values.length], dtype: "int64" as const, values });

describe("Resize / Upsample", () => {
  it("scales input (opset 11+, empty roi), nearest: 1 FLOP per output element", () => {
    const r = inferNode("Resize", [x(1, 8, 20, 30), f32(), f32(1, 1, 2, 2)], { mode: "nearest" });
    expect(r.shapes[0]).toEqual([1, 8, 40, 60]);
    expect(r.flops).toBe(8 * 40 * 60);
  });
  it("sizes input and linear mode (2^2 per output element)", () => {
    const r = inferNode("Resize", [x(1, 8, 20, 30), null, null, i64(1, 8, 64, 64)], { mode: "linear" });
    expect(r.shapes[0]).toEqual([1, 8, 64, 64]);
    expect(r.flops).toBe(4 * 8 * 64 * 64);
  });
  it("opset 10 takes scales as input 1; fractional scales floor", () => {
    expect(inferNode("Resize", [x(1, 3, 15, 15), f32(1, 1, 0.5, 0.5)], {}, { opset: 10 }).shapes[0]).toEqual([1, 3, 7, 7]);
  });
  it("opset 18 axes with sizes and keep_aspect_ratio_policy", () => {
    expect(inferNode("Resize", [x(1, 3, 100, 200), null, null, i64(50, 50)], { axes: [2, 3], keep_aspect_ratio_policy: "not_larger" }, { opset: 18 }).shapes[0]).toEqual([1, 3, 25, 50]);
  });
  it("Upsample: attribute scales (opset 7) and input scales (opset 9)", () => {
    expect(inferNode("Upsample", [x(1, 3, 4, 4)], { scales: [1, 1, 2, 2] }, { opset: 7 }).shapes[0]).toEqual([1, 3, 8, 8]);
    expect(inferNode("Upsample", [x(1, 3, 4, 4), f32(1, 1, 3, 3)], {}, { opset: 9 }).shapes[0]).toEqual([1, 3, 12, 12]);
  });
  it("tf_crop_and_resize scales the roi extent", () => {
    const r = inferNode("Resize", [x(1, 3, 20, 20), f32(0, 0, 0, 0, 1, 1, 0.5, 0.5), f32(1, 1, 2, 2)], { coordinate_transformation_mode: "tf_crop_and_resize", mode: "linear" });
    expect(r.shapes[0]).toEqual([1, 3, 20, 20]);
  });
  it("unknown scales leave the output unknown with a reason", () => {
    const r = inferNode("Resize", [x(1, 3, 4, 4), null, { shape: [4] }]);
    expect(r.shapes[0]).toBeUndefined();
    expect(r.inferred.unknown[0]!.reason).toMatch(/scales/);
  });
});
