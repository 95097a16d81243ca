import { describe, expect, it } from "vitest";
import { inferNode } from "./test-utils.js";

const x = (...shape: (number | string)[]) => ({ shape });
const i64 = (...values: number[]) => ({ shape: [values.length], dtype: "int64" as const, values });

describe("reductions", () => {
  it("ReduceMean with axes attribute (opset < 18), keepdims", () => {
    const r = inferNode("ReduceMean", [x(1, 64, 7, 7)], { axes: [2, 3] });
    expect(r.shapes[0]).toEqual([1, 64, 1, 1]);
    expect(r.flops).toBe(64 * 49);
    expect(inferNode("ReduceMean", [x(1, 64, 7, 7)], { axes: [-1, -2], keepdims: 0 }).shapes[0]).toEqual([1, 64]);
  });
  it("ReduceSum takes axes as an input from opset 13; other reductions from 18", () => {
    expect(inferNode("ReduceSum", [x(2, 3, 4), i64(1)], { keepdims: 0 }).shapes[0]).toEqual([2, 4]);
    expect(inferNode("ReduceMax", [x(2, 3, 4), i64(0, 2)], {}, { opset: 18 }).shapes[0]).toEqual([1, 3, 1]);
    expect(inferNode("ReduceSum", [x(2, 3)], { keepdims: 0 }).shapes[0]).toEqual([]);
    expect(inferNode("ReduceSum", [x(2, 3)], { noop_with_empty_axes: 1 }).shapes[0]).toEqual([2, 3]);
  });
  it("an axes attribute where the opset expects an input is invalid_attribute (runtimes reject it)", () => {
    expect(() => inferNode("ReduceMean", [x(2, 3, 4)], { axes: [-1] }, { opset: 18 })).toThrow(expect.objectContaining({ code: "invalid_attribute" }));
    expect(() => inferNode("Unsqueeze", [x(2, 3)], { axes: [0] }, { opset: 13 })).toThrow(expect.objectContaining({ code: "invalid_attribute" }));
    expect(() => inferNode("Clip", [x(2, 3)], { min: 0 }, { opset: 11 })).toThrow(expect.objectContaining({ code: "invalid_attribute" }));
  });
  it("ReduceL2 counts 2 per input element; ReduceProd folds known values", () => {
    expect(inferNode("ReduceL2", [x(4, 5)], { axes: [1] }).flops).toBe(40);
    const p = inferNode("ReduceProd", [i64(3, 7, 7)], { axes: [0], keepdims: 0 });
    expect(p.shapes[0]).toEqual([]);
    expect(p.values[0]).toEqual([147]);
  });
  it("ArgMax and TopK", () => {
    const a = inferNode("ArgMax", [x(1, 1000)], { axis: 1, keepdims: 0 });
    expect(a.shapes[0]).toEqual([1]);
    expect(a.inferred.graph.tensors.get("n:0")!.dtype).toBe("int64");
    expect(inferNode("TopK", [x(1, 1000), i64(5)], { axis: -1 }, { outputs: 2 }).shapes).toEqual([[1, 5], [1, 5]]);
  });
});
