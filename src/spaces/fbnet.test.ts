import { describe, expect, it } from "vitest";
import { inferShapes } from "../shape/infer.js";
import {
  FBNET_OPS, buildFbnetGraph, fbnetConvFlops, fbnetFeatures, fbnetLayers, formatFbnetOpList, parseFbnetOpList, sampleFbnetArchs,
} from "./fbnet.js";

describe("FBNet space (HW-NAS-Bench variant)", () => {
  it("has HW-NAS-Bench's CIFAR macro layout", () => {
    const L = fbnetLayers();
    expect(L).toHaveLength(22);
    expect(L.filter((l) => l.stride === 2).map((l) => [l.cin, l.cout, l.hIn])).toEqual([[24, 32, 32], [32, 64, 16], [112, 184, 8]]);
    expect(L[21]).toEqual({ cin: 184, cout: 352, stride: 1, hIn: 4 });
    expect(fbnetLayers("imagenet")[0]!.hIn).toBe(112);
  });
  it("parses and formats op_idx_list, rejects bad lists", () => {
    const s = "7-8-1-8-4-8-8-8-7-4-1-4-7-3-2-7-3-2-4-2-4-5";
    expect(formatFbnetOpList(parseFbnetOpList(s))).toBe(s);
    expect(() => parseFbnetOpList("7-8-1")).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => parseFbnetOpList(s.replace("5", "9"))).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(sampleFbnetArchs(3, 4)).toEqual(sampleFbnetArchs(3, 4));
    expect(fbnetFeatures(parseFbnetOpList(s)).reduce((a, b) => a + b, 0)).toBe(23);
  });
  it("builds graphs whose inferred Conv + Gemm FLOPs equal the closed form (+ 100 classifier bias adds)", () => {
    for (const arch of [...sampleFbnetArchs(3, 9), new Array(22).fill(8), new Array(22).fill(7)]) {
      const inf = inferShapes(buildFbnetGraph(arch));
      expect(inf.unknown).toEqual([]);
      expect(inf.graph.tensors.get(inf.graph.outputs[0]!)!.shape).toEqual([1, 100]);
      let f = 0;
      inf.graph.nodes.forEach((n, i) => { if (n.opType === "Conv" || n.opType === "Gemm") f += inf.costs[i]!.flops; });
      expect(f).toBe(fbnetConvFlops(arch) + 100);
    }
  });
  it("uses channel shuffle for grouped blocks and residual adds where shapes match", () => {
    const g2 = buildFbnetGraph(new Array(22).fill(FBNET_OPS.indexOf("k3_e1_g2")));
    expect(g2.nodes.filter((n) => n.opType === "Transpose")).toHaveLength(22);
    // residual when cin = cout and stride 1: 22 layers minus the 6 that change channels or stride (layers 0 has 16→16: residual)
    const adds = buildFbnetGraph(new Array(22).fill(0)).nodes.filter((n) => n.opType === "Add").length;
    expect(adds).toBe(22 - fbnetLayers().filter((l) => l.cin !== l.cout || l.stride !== 1).length);
    const skip = buildFbnetGraph(new Array(22).fill(8));
    expect(skip.nodes.filter((n) => n.opType === "Conv")).toHaveLength(1 + fbnetLayers().filter((l) => l.cin !== l.cout || l.stride !== 1).length + 1);
  });
});
