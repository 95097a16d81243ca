import { describe, expect, it } from "vitest";
import { inferNode } from "./test-utils.js";

const x = (...shape: (number | string)[]) => ({ shape });
const i64 = (...values: number[]) => ({ shape: [values.length], dtype: "int64" as const, values });
const s64 = (v: number) => ({ shape: [], dtype: "int64" as const, values: [v] });
const w = (...shape: number[]) => ({ shape, constant: true });

describe("less common ops: exact shapes and FLOPs", () => {
  it("GatherND, GatherElements, ScatterND, OneHot, Compress", () => {
    expect(inferNode("GatherND", [x(2, 3, 4), { shape: [5, 2], dtype: "int64" }]).shapes[0]).toEqual([5, 4]);
    expect(inferNode("GatherND", [x(2, 3, 4), { shape: [2, 1], dtype: "int64" }], { batch_dims: 1 }).shapes[0]).toEqual([2, 4]);
    expect(inferNode("GatherElements", [x(3, 4), { shape: [3, 2], dtype: "int64" }], { axis: 1 }).shapes[0]).toEqual([3, 2]);
    expect(inferNode("ScatterND", [x(4, 5), { shape: [2, 1], dtype: "int64" }, x(2, 5)]).shapes[0]).toEqual([4, 5]);
    expect(inferNode("OneHot", [{ shape: [2, 3], dtype: "int64" }, s64(10), w(2)], { axis: 1 }).shapes[0]).toEqual([2, 10, 3]);
    expect(inferNode("Compress", [x(3, 4), { shape: [4], dtype: "bool", values: [1, 0, 1, 1] }], { axis: 1 }).shapes[0]).toEqual([3, 3]);
  });
  it("CumSum (1 per element), Trilu, ReverseSequence, EyeLike, RandomNormal(Like)", () => {
    const c = inferNode("CumSum", [x(4, 5), s64(1)]);
    expect(c.shapes[0]).toEqual([4, 5]);
    expect(c.flops).toBe(20);
    expect(inferNode("Trilu", [x(2, 3, 3)]).shapes[0]).toEqual([2, 3, 3]);
    expect(inferNode("ReverseSequence", [x(5, 2, 3), { shape: [2], dtype: "int64" }]).shapes[0]).toEqual([5, 2, 3]);
    expect(inferNode("EyeLike", [x(3, 4)], { dtype: 7 }).inferred.graph.tensors.get("n:0")).toMatchObject({ dtype: "int64", shape: [3, 4] });
    expect(inferNode("RandomNormal", [], { shape: [2, 5] }).shapes[0]).toEqual([2, 5]);
    expect(inferNode("RandomUniformLike", [x(3, 3)]).shapes[0]).toEqual([3, 3]);
  });
  it("GroupNormalization, LRN, LpPool, Hardmax, LogSoftmax", () => {
    expect(inferNode("GroupNormalization", [x(1, 32, 8, 8), w(32), w(32)], { num_groups: 8 }, { opset: 18 }).flops).toBe(5 * 32 * 64);
    expect(() => inferNode("GroupNormalization", [x(1, 30, 8, 8), w(30), w(30)], { num_groups: 8 }, { opset: 18 })).toThrow(
      expect.objectContaining({ code: "invalid_shape" }),
    );
    expect(inferNode("LRN", [x(1, 16, 8, 8)], { size: 5 }).flops).toBe(8 * 16 * 64);
    const lp = inferNode("LpPool", [x(1, 4, 8, 8)], { kernel_shape: [2, 2], strides: [2, 2] });
    expect(lp.shapes[0]).toEqual([1, 4, 4, 4]);
    expect(lp.flops).toBe(2 * 4 * 64); // 2 · kernel (4) · 64 outputs
    expect(inferNode("Hardmax", [x(2, 10)]).flops).toBe(40);
    expect(inferNode("LogSoftmax", [x(2, 10)]).flops).toBe(100);
  });
  it("Mod (Python and C semantics), BitShift, comparison ops fold", () => {
    expect(inferNode("Mod", [i64(-7, 7), s64(3)]).values[0]).toEqual([2, 1]);
    expect(inferNode("Mod", [i64(-7, 7), s64(3)], { fmod: 1 }).values[0]).toEqual([-1, 1]);
    expect(inferNode("BitShift", [{ shape: [2], dtype: "uint8" }, { shape: [2], dtype: "uint8" }], { direction: "LEFT" }).shapes[0]).toEqual([2]);
    expect(inferNode("GreaterOrEqual", [i64(1, 2, 3), s64(2)]).values[0]).toEqual([0, 1, 1]);
  });
  it("Pad with negative pads crops; Pad axes (opset 18)", () => {
    expect(inferNode("Pad", [x(1, 3, 8, 8), i64(0, 0, -1, -1, 0, 0, -1, -1)]).shapes[0]).toEqual([1, 3, 6, 6]);
    expect(inferNode("Pad", [x(1, 3, 8, 8), i64(2, 2), null, i64(-1)], {}, { opset: 18 }).shapes[0]).toEqual([1, 3, 8, 12]);
  });
  it("Slice / Squeeze / Unsqueeze / Split fold values of shape tensors", () => {
    expect(inferNode("Slice", [i64(1, 3, 224, 224), i64(2), i64(4)]).values[0]).toEqual([224, 224]);
    expect(inferNode("Squeeze", [{ shape: [1], dtype: "int64", values: [7] }, i64(0)]).values[0]).toEqual([7]);
    expect(inferNode("Unsqueeze", [s64(7), i64(0)]).values[0]).toEqual([7]);
    expect(inferNode("Split", [i64(1, 2, 3, 4), i64(1, 3)], {}, { outputs: 2 }).values).toEqual([[1], [2, 3, 4]]);
    expect(inferNode("ReduceSum", [i64(2, 3, 4), i64(0)], { keepdims: 0 }).values[0]).toEqual([9]);
  });
});

describe("LLM and sampling ops", () => {
  it("MatMulNBits, RotaryEmbedding, SkipSimplifiedLayerNormalization, GridSample", () => {
    const q = inferNode("MatMulNBits", [x(1, 7, 2048), w(4096, 64, 16), w(4096 * 64)], { K: 2048, N: 4096, bits: 4, block_size: 32 }, { domain: "com.microsoft" });
    expect(q.shapes[0]).toEqual([1, 7, 4096]);
    expect(q.flops).toBe(2 * 7 * 4096 * 2048);
    expect(inferNode("RotaryEmbedding", [x(1, 7, 2048), { shape: [1, 7], dtype: "int64" }, w(64, 32), w(64, 32)], {}, { domain: "com.microsoft" }).shapes[0]).toEqual([1, 7, 2048]);
    expect(inferNode("SkipSimplifiedLayerNormalization", [x(1, 7, 64), x(1, 7, 64), w(64)], {}, { domain: "com.microsoft" }).flops).toBe(5 * 7 * 64);
    const gs = inferNode("GridSample", [x(2, 3, 20, 30), x(2, 8, 9, 2)], {}, { opset: 16 });
    expect(gs.shapes[0]).toEqual([2, 3, 8, 9]);
    expect(gs.flops).toBe(4 * 2 * 3 * 72);
  });
});
