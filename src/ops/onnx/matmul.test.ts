import { describe, expect, it } from "vitest";
import { isEdgelatError } from "../../errors.js";
import { inferNode } from "./test-utils.js";

const x = (...shape: (number | string)[]) => ({ shape });
const w = (...shape: number[]) => ({ shape, constant: true });

describe("Gemm", () => {
  it("transB with bias: 2·M·N·K + M·N", () => {
    const r = inferNode("Gemm", [x(4, 1280), w(1000, 1280), w(1000)], { transB: 1 });
    expect(r.shapes[0]).toEqual([4, 1000]);
    expect(r.flops).toBe(4 * 1000 * (2 * 1280 + 1));
    expect(r.inferred.costs[0]!.params).toBe(1000 * 1280 + 1000);
  });
  it("transA", () => {
    expect(inferNode("Gemm", [x(64, 8), w(64, 32)], { transA: 1 }).shapes[0]).toEqual([8, 32]);
  });
  it("inner-dim mismatch is invalid_shape", () => {
    expect(() => inferNode("Gemm", [x(4, 10), w(11, 5)])).toThrow(expect.objectContaining({ code: "invalid_shape" }));
  });
});

describe("MatMul", () => {
  it("batched with broadcast batch dims", () => {
    const r = inferNode("MatMul", [x(2, 1, 5, 8), x(3, 8, 7)]);
    expect(r.shapes[0]).toEqual([2, 3, 5, 7]);
    expect(r.flops).toBe(2 * 2 * 3 * 5 * 7 * 8);
  });
  it("1-D operands are promoted and the added dims removed", () => {
    expect(inferNode("MatMul", [x(8), x(8, 3)]).shapes[0]).toEqual([3]);
    expect(inferNode("MatMul", [x(2, 4, 8), x(8)]).shapes[0]).toEqual([2, 4]);
    const dot = inferNode("MatMul", [x(8), x(8)]);
    expect(dot.shapes[0]).toEqual([]);
    expect(dot.flops).toBe(16);
  });
  it("3-D activation × 2-D weight (a Linear layer)", () => {
    const r = inferNode("MatMul", [x(1, 197, 768), w(768, 3072)]);
    expect(r.shapes[0]).toEqual([1, 197, 3072]);
    expect(r.flops).toBe(2 * 197 * 3072 * 768);
  });
  it("incompatible batch dims are invalid_shape", () => {
    let err: unknown;
    try {
      inferNode("MatMul", [x(2, 5, 8), x(3, 8, 7)]);
    } catch (e) {
      err = e;
    }
    expect(isEdgelatError(err, "invalid_shape")).toBe(true);
  });
});

describe("Einsum", () => {
  it("batched matmul 'bij,bjk->bik'", () => {
    const r = inferNode("Einsum", [x(2, 3, 4), x(2, 4, 5)], { equation: "bij,bjk->bik" });
    expect(r.shapes[0]).toEqual([2, 3, 5]);
    expect(r.flops).toBe(2 * 2 * 3 * 4 * 5);
  });
  it("implicit output and ellipsis", () => {
    expect(inferNode("Einsum", [x(3, 4), x(4, 5)], { equation: "ij,jk" }).shapes[0]).toEqual([3, 5]);
    expect(inferNode("Einsum", [x(7, 2, 3, 4), x(7, 2, 4, 6)], { equation: "...ij,...jk->...ik" }).shapes[0]).toEqual([7, 2, 3, 6]);
    expect(inferNode("Einsum", [x(3, 4)], { equation: "ij->ji" }).shapes[0]).toEqual([4, 3]);
  });
});

describe("com.microsoft::FusedGemm / FusedMatMul", () => {
  it("FusedGemm counts the activation", () => {
    const r = inferNode("FusedGemm", [x(2, 16), w(16, 4), w(4)], { activation: "Relu" }, { domain: "com.microsoft" });
    expect(r.shapes[0]).toEqual([2, 4]);
    expect(r.flops).toBe(2 * 4 * (32 + 2));
  });
  it("FusedMatMul with transB", () => {
    expect(inferNode("FusedMatMul", [x(2, 5, 8), x(2, 7, 8)], { transB: 1 }, { domain: "com.microsoft" }).shapes[0]).toEqual([2, 5, 7]);
  });
});

describe("recurrent layers and com.microsoft attention", () => {
  it("LSTM: shapes of Y / Y_h / Y_c and FLOPs", () => {
    const r = inferNode("LSTM", [x(10, 2, 16), w(1, 128, 16), w(1, 128, 32), w(1, 256)], { hidden_size: 32 }, { outputs: 3 });
    expect(r.shapes).toEqual([[10, 1, 2, 32], [1, 2, 32], [1, 2, 32]]);
    expect(r.flops).toBe(10 * 2 * (2 * 4 * 32 * (16 + 32) + 2 * 4 * 32 + 3 * 32));
  });
  it("bidirectional GRU with layout 1", () => {
    const r = inferNode("GRU", [x(2, 10, 16), w(2, 96, 16), w(2, 96, 32)], { direction: "bidirectional", layout: 1 }, { outputs: 2 });
    expect(r.shapes).toEqual([[2, 10, 2, 32], [2, 2, 32]]);
  });
  it("Attention and MultiHeadAttention", () => {
    const a = inferNode("Attention", [x(1, 128, 768), w(768, 2304), w(2304)], { num_heads: 12 }, { domain: "com.microsoft" });
    expect(a.shapes[0]).toEqual([1, 128, 768]);
    expect(a.flops).toBe(2 * 128 * 768 * 2304 + 2 * 128 * 128 * 1536 + 5 * 12 * 128 * 128);
    const m = inferNode("MultiHeadAttention", [x(1, 10, 64), x(1, 20, 64), x(1, 20, 32)], { num_heads: 4 }, { domain: "com.microsoft" });
    expect(m.shapes[0]).toEqual([1, 10, 32]);
  });
});
