import { describe, expect, it } from "vitest";
import { inferNode } from "./test-utils.js";

const x = (...shape: (number | string)[]) => ({ shape });
const i64 = (...values: number[]) => ({ shape: [values.length], dtype: "int64" as const, values });
const s64 = (v: number) => ({ shape: [], dtype: "int64" as const, values: [v] });

describe("binary and n-ary element-wise ops", () => {
  it("Add broadcasts, 1 FLOP per output element", () => {
    const r = inferNode("Add", [x(1, 64, 56, 56), x(64, 1, 1)]);
    expect(r.shapes[0]).toEqual([1, 64, 56, 56]);
    expect(r.flops).toBe(64 * 56 * 56);
  });
  it("Sum of 3 inputs counts 2 per element; comparisons give bool", () => {
    expect(inferNode("Sum", [x(4, 5), x(5), x(4, 1)]).flops).toBe(2 * 20);
    const r = inferNode("Less", [x(3, 1), x(1, 4)]);
    expect(r.shapes[0]).toEqual([3, 4]);
    expect(r.inferred.graph.tensors.get("n:0")!.dtype).toBe("bool");
  });
  it("incompatible broadcast is invalid_shape naming the node", () => {
    expect(() => inferNode("Mul", [x(2, 3), x(4, 3)])).toThrow(expect.objectContaining({ code: "invalid_shape", details: expect.objectContaining({ node: "n" }) }));
  });
  it("folds small integer arithmetic (integer Div truncates)", () => {
    expect(inferNode("Mul", [i64(2, 3), s64(4)]).values[0]).toEqual([8, 12]);
    expect(inferNode("Div", [i64(7, -7), s64(2)]).values[0]).toEqual([3, -3]);
    expect(inferNode("Sub", [i64(10), i64(1, 2)]).values[0]).toEqual([9, 8]);
    expect(inferNode("Equal", [i64(1, 2), s64(2)]).values[0]).toEqual([0, 1]);
    expect(inferNode("Where", [{ shape: [2], dtype: "bool", values: [1, 0] }, i64(5, 6), s64(-1)]).values[0]).toEqual([5, -1]);
    expect(inferNode("Max", [i64(1, 9), i64(4, 2), s64(3)]).values[0]).toEqual([4, 9]);
  });
  it("a folded node launches no kernel: zero cost", () => {
    const r = inferNode("Add", [i64(1, 2), s64(1)]);
    expect(r.inferred.folded.has("n")).toBe(true);
    expect(r.inferred.costs[0]).toEqual({ flops: 0, params: 0, bytesRead: 0, bytesWritten: 0 });
  });
});

describe("activations", () => {
  it("every unary activation counts 1 FLOP per element", () => {
    for (const op of ["Relu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "LeakyRelu", "Elu", "Selu", "Gelu", "Erf", "Softplus", "Mish", "Exp", "Log", "Sqrt", "Reciprocal", "Neg", "Abs", "Floor", "Ceil", "Round", "Sin", "Cos"]) {
      const r = inferNode(op, [x(2, 8, 3, 3)]);
      expect(r.shapes[0], op).toEqual([2, 8, 3, 3]);
      expect(r.flops, op).toBe(144);
    }
    expect(inferNode("Not", [{ shape: [3], dtype: "bool" }]).shapes[0]).toEqual([3]);
  });
  it("Clip: bounds as attributes before opset 11, as inputs after (folded on known values)", () => {
    expect(inferNode("Clip", [x(1, 4)], { min: 0, max: 6 }, { opset: 6 }).shapes[0]).toEqual([1, 4]);
    const s = (v: number) => ({ shape: [], values: [v] });
    expect(inferNode("Clip", [x(1, 4), s(0), s(6)]).flops).toBe(4);
    expect(inferNode("Clip", [{ shape: [3], values: [-1, 3, 9] }, s(0), s(6)]).values[0]).toEqual([0, 3, 6]);
    expect(inferNode("Clip", [x(1, 4), null, s(6)]).shapes[0]).toEqual([1, 4]);
  });
  it("PRelu slope broadcasts to X", () => {
    expect(inferNode("PRelu", [x(1, 16, 8, 8), { shape: [16, 1, 1], constant: true }]).shapes[0]).toEqual([1, 16, 8, 8]);
    expect(() => inferNode("PRelu", [x(1, 16, 8, 8), { shape: [15, 1, 1], constant: true }])).toThrow(expect.objectContaining({ code: "invalid_shape" }));
  });
  it("Softmax: 5 FLOPs per element; opset < 13 keeps the shape with the 2-D coercion axis", () => {
    expect(inferNode("Softmax", [x(1, 12, 197, 197)], { axis: -1 }).flops).toBe(5 * 12 * 197 * 197);
    expect(inferNode("Softmax", [x(2, 3, 4)], {}, { opset: 11 }).shapes[0]).toEqual([2, 3, 4]);
    expect(() => inferNode("Softmax", [x(2, 3)], { axis: 2 })).toThrow(expect.objectContaining({ code: "invalid_attribute" }));
  });
  it("com.microsoft Gelu family", () => {
    for (const op of ["Gelu", "QuickGelu", "FastGelu"]) {
      expect(inferNode(op, [x(1, 4, 8)], {}, { domain: "com.microsoft" }).shapes[0], op).toEqual([1, 4, 8]);
    }
    const bg = inferNode("BiasGelu", [x(1, 4, 8), { shape: [8], constant: true }], {}, { domain: "com.microsoft" });
    expect(bg.shapes[0]).toEqual([1, 4, 8]);
    expect(bg.flops).toBe(64);
  });
});

describe("normalizations", () => {
  const c = (n: number) => ({ shape: [n], constant: true });
  it("BatchNormalization: 2 FLOPs per element, 4·C params", () => {
    const r = inferNode("BatchNormalization", [x(1, 32, 10, 10), c(32), c(32), c(32), c(32)]);
    expect(r.shapes[0]).toEqual([1, 32, 10, 10]);
    expect(r.flops).toBe(2 * 3200);
    expect(r.inferred.costs[0]!.params).toBe(128);
    expect(() => inferNode("BatchNormalization", [x(1, 32, 10, 10), c(16), c(32), c(32), c(32)])).toThrow(expect.objectContaining({ code: "invalid_shape" }));
  });
  it("LayerNormalization / InstanceNormalization / SkipLayerNormalization", () => {
    const ln = inferNode("LayerNormalization", [x(1, 197, 768), c(768), c(768)], { axis: -1 }, { outputs: 3 });
    expect(ln.shapes).toEqual([[1, 197, 768], [1, 197, 1], [1, 197, 1]]);
    expect(ln.flops).toBe(5 * 197 * 768);
    expect(inferNode("InstanceNormalization", [x(2, 8, 4, 4), c(8), c(8)]).flops).toBe(5 * 256);
    const sk = inferNode("SkipLayerNormalization", [x(1, 4, 8), x(1, 4, 8), c(8), c(8)], {}, { domain: "com.microsoft", outputs: 4 });
    expect(sk.shapes).toEqual([[1, 4, 8], [1, 4, 1], [1, 4, 1], [1, 4, 8]]);
    expect(sk.flops).toBe(6 * 32);
  });
});

describe("quantized ops", () => {
  const s = { shape: [], constant: true };
  const zp = { shape: [], dtype: "uint8" as const, constant: true };
  it("QLinearAdd broadcasts, DynamicQuantizeLinear gives three outputs, QLinearConcat concatenates", () => {
    const u8 = (...shape: number[]) => ({ shape, dtype: "uint8" as const });
    expect(inferNode("QLinearAdd", [u8(1, 8, 4, 4), s, zp, u8(1, 8, 1, 1), s, zp, s, zp], {}, { domain: "com.microsoft" }).shapes[0]).toEqual([1, 8, 4, 4]);
    expect(inferNode("DynamicQuantizeLinear", [x(2, 3)], {}, { outputs: 3 }).shapes).toEqual([[2, 3], [], []]);
    expect(inferNode("QLinearConcat", [s, zp, u8(1, 2, 4), s, zp, u8(1, 3, 4), s, zp], { axis: 1 }, { domain: "com.microsoft" }).shapes[0]).toEqual([1, 5, 4]);
    expect(inferNode("QLinearGlobalAveragePool", [u8(1, 7, 7, 32), s, zp, s, zp], { channels_last: 1 }, { domain: "com.microsoft" }).shapes[0]).toEqual([1, 1, 1, 32]);
  });
});

describe("legacy broadcasting (opset < 7)", () => {
  it("broadcast=1 with axis aligns B inside A: the output is A's shape", () => {
    expect(inferNode("Add", [x(1, 16, 8, 8), { shape: [16], constant: true }], { broadcast: 1, axis: 1 }, { opset: 6 }).shapes[0]).toEqual([1, 16, 8, 8]);
  });
});
