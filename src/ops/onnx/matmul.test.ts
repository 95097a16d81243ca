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
