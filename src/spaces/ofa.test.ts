import { describe, expect, it } from "vitest";
import { inferShapes, summarizeGraph } from "../shape/infer.js";
import { buildOfaGraph, ofaFeatures, parseOfaArch, sampleOfaArchs, type OfaArch } from "./ofa.js";

const full = (k: number, e: number, d: number, r = 224): OfaArch => ({ resolution: r, ks: new Array(20).fill(k), e: new Array(20).fill(e), d: new Array(5).fill(d) });

describe("OFA MobileNetV3 space", () => {
  it("parses HELP's CSV encoding and rejects bad values", () => {
    const a = parseOfaArch("204", "7-5-5-5-7-7-5-7-5-7-3-7-5-3-7-3-5-3-5-3", "6-4-4-6-6-3-4-3-3-6-3-3-3-6-3-4-6-4-3-6", "2-2-2-2-3");
    expect(a.d).toEqual([2, 2, 2, 2, 3]);
    expect(() => parseOfaArch("204", "7-5", "6", "2")).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => parseOfaArch(204, new Array(20).fill(4).join("-"), new Array(20).fill(3).join("-"), "2-2-2-2-2")).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(sampleOfaArchs(2, 3)).toEqual(sampleOfaArchs(2, 3));
  });
  it("features count only active slots", () => {
    const x = ofaFeatures(full(3, 3, 2));
    expect(x.slice(0, 120).reduce((s, v) => s + v, 0)).toBe(2 * 5 * 2);
    expect(x[122]).toBe(1);
  });
  it("builds graphs that shape-infer to [1, 1000]; depth, kernel, expand and resolution all increase FLOPs", () => {
    const flops = (a: OfaArch) => {
      const inf = inferShapes(buildOfaGraph(a));
      expect(inf.unknown).toEqual([]);
      expect(inf.graph.tensors.get(inf.graph.outputs[0]!)!.shape).toEqual([1, 1000]);
      return summarizeGraph(inf).flops;
    };
    const base = flops(full(3, 3, 2));
    expect(flops(full(3, 3, 4))).toBeGreaterThan(base);
    expect(flops(full(7, 3, 2))).toBeGreaterThan(base);
    expect(flops(full(3, 6, 2))).toBeGreaterThan(base);
    expect(flops(full(3, 3, 2, 160))).toBeLessThan(base);
    // SE blocks in stages 2, 4, 5: one HardSigmoid per block there
    const g = buildOfaGraph(full(5, 4, 3));
    expect(g.nodes.filter((n) => n.opType === "HardSigmoid")).toHaveLength(3 * 3);
    // residual adds: first block + (d − 1) per stage
    expect(g.nodes.filter((n) => n.opType === "Add")).toHaveLength(1 + 5 * 2);
  });
});
