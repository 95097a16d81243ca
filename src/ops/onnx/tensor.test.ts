import { describe, expect, it } from "vitest";
import { inferNode } from "./test-utils.js";

const x = (...shape: (number | string)[]) => ({ shape });
const i64 = (...values: number[]) => ({ shape: [values.length], dtype: "int64" as const, values });

describe("Reshape", () => {
  it("0 copies a dim, -1 is inferred; no kernel", () => {
    const r = inferNode("Reshape", [x(2, 3, 4, 5), i64(0, -1, 5)]);
    expect(r.shapes[0]).toEqual([2, 12, 5]);
    expect(r.flops).toBe(0);
  });
  it("allowzero keeps a literal 0", () => {
    expect(inferNode("Reshape", [x(0, 4), i64(0, 4)], { allowzero: 1 }).shapes[0]).toEqual([0, 4]);
  });
  it("symbolic batch survives 0 / -1", () => {
    expect(inferNode("Reshape", [x("N", 1280, 1, 1), i64(0, -1)]).shapes[0]).toEqual(["N", 1280]);
    expect(inferNode("Reshape", [x("N", 4, 6), i64(-1, 24)]).shapes[0]).toEqual(["N", 24]);
  });
  it("element-count mismatch is invalid_shape", () => {
    expect(() => inferNode("Reshape", [x(2, 3), i64(4, 2)])).toThrow(expect.objectContaining({ code: "invalid_shape" }));
  });
  it("opset < 5 takes the shape attribute", () => {
    expect(inferNode("Reshape", [x(2, 3, 4)], { shape: [6, -1] }, { opset: 1 }).shapes[0]).toEqual([6, 4]);
  });
  it("an unknown target leaves the output unknown with a reason", () => {
    const r = inferNode("Reshape", [x(2, 3), { shape: [2], dtype: "int64" }]);
    expect(r.shapes[0]).toBeUndefined();
    expect(r.inferred.unknown[0]!.reason).toMatch(/Reshape target .* not a known constant/);
  });
});

describe("Slice", () => {
  it("negative steps reverse, INT_MAX ends clamp", () => {
    const r = inferNode("Slice", [x(10, 20), i64(-1, 0), i64(-(2 ** 53), 2 ** 53), i64(0, 1), i64(-1, 3)]);
    expect(r.shapes[0]).toEqual([10, 7]);
  });
  it("folds values of a slice of a known tensor (reversed)", () => {
    const r = inferNode("Slice", [i64(1, 2, 3, 4, 5), i64(-1), i64(-(2 ** 53)), i64(0), i64(-2)]);
    expect(r.shapes[0]).toEqual([3]);
    expect(r.values[0]).toEqual([5, 3, 1]);
  });
  it("opset < 10 uses attributes", () => {
    expect(inferNode("Slice", [x(1, 3, 8, 8)], { starts: [1, 2], ends: [3, -2], axes: [1, 2] }, { opset: 9 }).shapes[0]).toEqual([1, 2, 4, 8]);
  });
});

describe("Concat / Split / Transpose / Flatten / Squeeze / Unsqueeze", () => {
  it("Concat on channels and value folding", () => {
    expect(inferNode("Concat", [x(1, 3, 4, 4), x(1, 5, 4, 4)], { axis: 1 }).shapes[0]).toEqual([1, 8, 4, 4]);
    expect(inferNode("Concat", [i64(1, 2), i64(3)], { axis: 0 }).values[0]).toEqual([1, 2, 3]);
    expect(() => inferNode("Concat", [x(1, 3, 4, 4), x(1, 5, 4, 5)], { axis: 1 })).toThrow(expect.objectContaining({ code: "invalid_shape" }));
  });
  it("Split: equal, by attribute (opset < 13), by input (≥ 13), num_outputs (18)", () => {
    expect(inferNode("Split", [x(1, 6, 4)], { axis: 1 }, { outputs: 3 }).shapes).toEqual([[1, 2, 4], [1, 2, 4], [1, 2, 4]]);
    expect(inferNode("Split", [x(1, 6, 4)], { axis: 1, split: [1, 5] }, { outputs: 2, opset: 11 }).shapes).toEqual([[1, 1, 4], [1, 5, 4]]);
    expect(inferNode("Split", [x(1, 6, 4), i64(4, 2)], { axis: 1 }, { outputs: 2 }).shapes).toEqual([[1, 4, 4], [1, 2, 4]]);
    expect(inferNode("Split", [x(7)], { num_outputs: 3 }, { outputs: 3, opset: 18 }).shapes).toEqual([[3], [3], [1]]);
  });
  it("Transpose permutes dims (default: reverse) and values", () => {
    expect(inferNode("Transpose", [x(1, 3, 224, 224)], { perm: [0, 2, 3, 1] }).shapes[0]).toEqual([1, 224, 224, 3]);
    expect(inferNode("Transpose", [x(2, 3, 4)]).shapes[0]).toEqual([4, 3, 2]);
    const t = inferNode("Transpose", [{ shape: [2, 3], dtype: "int64", values: [1, 2, 3, 4, 5, 6] }], { perm: [1, 0] });
    expect(t.values[0]).toEqual([1, 4, 2, 5, 3, 6]);
  });
  it("Flatten, Squeeze and Unsqueeze (attribute and input forms)", () => {
    expect(inferNode("Flatten", [x(2, 3, 4, 5)], { axis: 2 }).shapes[0]).toEqual([6, 20]);
    expect(inferNode("Squeeze", [x(1, 3, 1, 5)]).shapes[0]).toEqual([3, 5]);
    expect(inferNode("Squeeze", [x(1, 3, 1, 5), i64(-2)]).shapes[0]).toEqual([1, 3, 5]);
    expect(inferNode("Squeeze", [x(1, 3, 1, 5)], { axes: [0] }, { opset: 11 }).shapes[0]).toEqual([3, 1, 5]);
    expect(inferNode("Unsqueeze", [x(3, 5), i64(0, -1)]).shapes[0]).toEqual([1, 3, 5, 1]);
    expect(inferNode("Unsqueeze", [x(3, 5)], { axes: [1] }, { opset: 12 }).shapes[0]).toEqual([3, 1, 5]);
    expect(() => inferNode("Squeeze", [x(1, 3), i64(1)])).toThrow(expect.objectContaining({ code: "invalid_shape" }));
  });
});

describe("Pad / Gather / Expand / Tile / DepthToSpace", () => {
  it("Pad: input form (≥ 11) and attribute form", () => {
    expect(inferNode("Pad", [x(1, 3, 8, 8), i64(0, 0, 1, 2, 0, 0, 3, 4)]).shapes[0]).toEqual([1, 3, 12, 14]);
    expect(inferNode("Pad", [x(1, 3, 8, 8)], { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: "reflect" }, { opset: 10 }).shapes[0]).toEqual([1, 3, 10, 10]);
  });
  it("Gather with a scalar and a vector index, folding values", () => {
    expect(inferNode("Gather", [x(5, 6, 7), i64(0, 2)], { axis: 1 }).shapes[0]).toEqual([5, 2, 7]);
    const g = inferNode("Gather", [i64(1, 3, 224, 224), { shape: [], dtype: "int64", values: [-1] }]);
    expect(g.shapes[0]).toEqual([]);
    expect(g.values[0]).toEqual([224]);
    expect(() => inferNode("Gather", [i64(1, 3), i64(2)])).toThrow(expect.objectContaining({ code: "invalid_shape" }));
  });
  it("Expand broadcasts both ways; Tile multiplies", () => {
    expect(inferNode("Expand", [x(3, 1), i64(2, 1, 6)]).shapes[0]).toEqual([2, 3, 6]);
    expect(inferNode("Tile", [x(2, 3), i64(2, 2)]).shapes[0]).toEqual([4, 6]);
    expect(inferNode("Tile", [i64(1, 2), i64(2)]).values[0]).toEqual([1, 2, 1, 2]);
  });
  it("DepthToSpace / SpaceToDepth", () => {
    expect(inferNode("DepthToSpace", [x(1, 16, 5, 5)], { blocksize: 2 }).shapes[0]).toEqual([1, 4, 10, 10]);
    expect(inferNode("SpaceToDepth", [x(1, 4, 10, 10)], { blocksize: 2 }).shapes[0]).toEqual([1, 16, 5, 5]);
  });
  it("Identity and Dropout are no-compute aliases", () => {
    expect(inferNode("Dropout", [x(1, 10)], {}, { outputs: 2 }).shapes).toEqual([[1, 10], [1, 10]]);
    expect(inferNode("Identity", [x(4)]).flops).toBe(0);
  });
});
