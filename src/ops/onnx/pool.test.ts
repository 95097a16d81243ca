import { describe, expect, it } from "vitest";
import { inferNode } from "./test-utils.js";

const x = (...shape: (number | string)[]) => ({ shape });

describe("MaxPool / AveragePool", () => {
  it("ResNet stem pool: 3x3 s2 p1 on 112 → 56; kernel-size FLOPs per output", () => {
    const r = inferNode("MaxPool", [x(1, 64, 112, 112)], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    expect(r.shapes[0]).toEqual([1, 64, 56, 56]);
    expect(r.flops).toBe(9 * 64 * 56 * 56);
  });
  it("ceil_mode rounds up (but the last window must start inside the input)", () => {
    expect(inferNode("MaxPool", [x(1, 8, 112, 112)], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }).shapes[0]).toEqual([1, 8, 56, 56]);
    expect(inferNode("MaxPool", [x(1, 8, 112, 112)], { kernel_shape: [3, 3], strides: [2, 2] }).shapes[0]).toEqual([1, 8, 55, 55]);
    expect(inferNode("AveragePool", [x(1, 8, 5, 5)], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }).shapes[0]).toEqual([1, 8, 3, 3]);
    // A window that would start in the right padding only is dropped.
    expect(inferNode("MaxPool", [x(1, 1, 5, 5)], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }).shapes[0]).toEqual([1, 1, 3, 3]);
  });
  it("dilations and SAME_UPPER", () => {
    expect(inferNode("MaxPool", [x(1, 1, 10, 10)], { kernel_shape: [3, 3], dilations: [2, 2] }, { opset: 12 }).shapes[0]).toEqual([1, 1, 6, 6]);
    expect(inferNode("AveragePool", [x(1, 1, 7, 7)], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: "SAME_UPPER", count_include_pad: 1 }).shapes[0]).toEqual([1, 1, 4, 4]);
  });
  it("MaxPool Indices output is int64 of the same shape", () => {
    const r = inferNode("MaxPool", [x(1, 2, 4, 4)], { kernel_shape: [2, 2], strides: [2, 2] }, { outputs: 2 });
    expect(r.shapes).toEqual([[1, 2, 2, 2], [1, 2, 2, 2]]);
    expect(r.inferred.graph.tensors.get("n:1")!.dtype).toBe("int64");
  });
});

describe("global pools", () => {
  it("GlobalAveragePool: 1 FLOP per input element; GlobalMaxPool on 1-D spatial", () => {
    const r = inferNode("GlobalAveragePool", [x(1, 1280, 7, 7)]);
    expect(r.shapes[0]).toEqual([1, 1280, 1, 1]);
    expect(r.flops).toBe(1280 * 49);
    expect(inferNode("GlobalMaxPool", [x(2, 16, 30)]).shapes[0]).toEqual([2, 16, 1]);
  });
});
