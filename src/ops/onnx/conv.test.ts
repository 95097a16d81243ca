import { describe, expect, it } from "vitest";
import { isEdgelatError } from "../../errors.js";
import { inferNode } from "./test-utils.js";

const x = (...shape: number[]) => ({ shape });
const w = (...shape: number[]) => ({ shape, constant: true });

describe("Conv", () => {
  it("explicit pads, stride 1: 3x3 'same' conv keeps H, W; flops = 2·Cout·H·W·Cin·9", () => {
    const r = inferNode("Conv", [x(1, 3, 32, 32), w(8, 3, 3, 3)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    expect(r.shapes[0]).toEqual([1, 8, 32, 32]);
    expect(r.flops).toBe(2 * 8 * 32 * 32 * 3 * 9);
    expect(r.inferred.costs[0]!.params).toBe(8 * 3 * 9);
  });

  it("bias adds one FLOP per output element; kernel_shape inferred from W", () => {
    const r = inferNode("Conv", [x(1, 3, 8, 8), w(4, 3, 1, 1), w(4)], {});
    expect(r.shapes[0]).toEqual([1, 4, 8, 8]);
    expect(r.flops).toBe(4 * 64 * (2 * 3 + 1));
  });

  it("SAME_UPPER with stride 2 on an odd input gives ceil(in / 2)", () => {
    const r = inferNode("Conv", [x(1, 3, 225, 225), w(16, 3, 3, 3)], { auto_pad: "SAME_UPPER", strides: [2, 2] });
    expect(r.shapes[0]).toEqual([1, 16, 113, 113]);
    expect(r.flops).toBe(2 * 16 * 113 * 113 * 27);
    const lower = inferNode("Conv", [x(1, 3, 225, 224), w(16, 3, 4, 4)], { auto_pad: "SAME_LOWER", strides: [2, 2] });
    expect(lower.shapes[0]).toEqual([1, 16, 113, 112]);
  });

  it("VALID and dilations", () => {
    expect(inferNode("Conv", [x(1, 3, 10, 10), w(2, 3, 3, 3)], { auto_pad: "VALID" }).shapes[0]).toEqual([1, 2, 8, 8]);
    expect(inferNode("Conv", [x(1, 3, 10, 10), w(2, 3, 3, 3)], { dilations: [2, 2] }).shapes[0]).toEqual([1, 2, 6, 6]);
  });

  it("grouped and depthwise conv: flops use Cin/g", () => {
    const g = inferNode("Conv", [x(1, 32, 16, 16), w(64, 8, 3, 3)], { group: 4, pads: [1, 1, 1, 1] });
    expect(g.shapes[0]).toEqual([1, 64, 16, 16]);
    expect(g.flops).toBe(2 * 64 * 256 * 8 * 9);
    const dw = inferNode("Conv", [x(1, 32, 16, 16), w(32, 1, 3, 3)], { group: 32, pads: [1, 1, 1, 1], strides: [2, 2] });
    expect(dw.shapes[0]).toEqual([1, 32, 8, 8]);
    expect(dw.flops).toBe(2 * 32 * 64 * 9);
  });

  it("1-D and 3-D convolutions", () => {
    expect(inferNode("Conv", [x(2, 4, 100), w(8, 4, 5)], { strides: [2] }).shapes[0]).toEqual([2, 8, 48]);
    const c3 = inferNode("Conv", [x(1, 3, 8, 16, 16), w(4, 3, 3, 3, 3)], { pads: [1, 1, 1, 1, 1, 1] });
    expect(c3.shapes[0]).toEqual([1, 4, 8, 16, 16]);
    expect(c3.flops).toBe(2 * 4 * 8 * 16 * 16 * 3 * 27);
  });

  it("channel mismatch is invalid_shape naming the node", () => {
    let err: unknown;
    try {
      inferNode("Conv", [x(1, 3, 8, 8), w(8, 4, 3, 3)], {});
    } catch (e) {
      err = e;
    }
    expect(isEdgelatError(err, "invalid_shape")).toBe(true);
    expect((err as Error).message).toContain("'n'");
  });

  it("bad auto_pad is invalid_attribute", () => {
    expect(() => inferNode("Conv", [x(1, 3, 8, 8), w(8, 3, 3, 3)], { auto_pad: "FULL" })).toThrow(/auto_pad/);
  });

  it("symbolic batch propagates (and is reported as unknown)", () => {
    const r = inferNode("Conv", [{ shape: ["N", 3, 8, 8] }, w(8, 3, 3, 3)], { pads: [1, 1, 1, 1] });
    expect(r.shapes[0]).toEqual(["N", 8, 8, 8]);
    expect(r.inferred.unknown[0]!.reason).toMatch(/symbolic/);
  });
});

describe("ConvTranspose", () => {
  it("stride 2, pads, output_padding", () => {
    const r = inferNode("ConvTranspose", [x(1, 16, 7, 7), w(16, 8, 3, 3)], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] });
    expect(r.shapes[0]).toEqual([1, 8, 14, 14]);
    expect(r.flops).toBe(2 * 16 * 49 * 8 * 9);
  });

  it("output_shape overrides, group multiplies output channels", () => {
    const r = inferNode("ConvTranspose", [x(1, 4, 5, 5), w(4, 2, 3, 3)], { strides: [3, 2], output_shape: [15, 11], group: 2 });
    expect(r.shapes[0]).toEqual([1, 4, 15, 11]);
  });
});

describe("com.microsoft::FusedConv", () => {
  it("conv geometry plus one FLOP per element for the activation", () => {
    const r = inferNode("FusedConv", [x(1, 3, 8, 8), w(4, 3, 3, 3), w(4)], { pads: [1, 1, 1, 1], activation: "Relu" }, { domain: "com.microsoft" });
    expect(r.shapes[0]).toEqual([1, 4, 8, 8]);
    expect(r.flops).toBe(4 * 64 * (2 * 27 + 2));
  });
});
