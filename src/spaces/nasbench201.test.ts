import { describe, expect, it } from "vitest";
import { isEdgelatError } from "../errors.js";
import { inferShapes, summarizeGraph } from "../shape/infer.js";
import {
  NB201_SIZE, allNb201Archs, buildNasBench201Graph, formatNb201ArchStr, nb201ArchAt, nb201ArchStrAt, nb201Code,
  nb201ConvFlops, nb201FromCode, nb201HasPath, nb201IndexOf, nb201LiveEdges, parseNb201ArchStr, sampleNb201Archs,
} from "./nasbench201.js";
import { pythonRandom } from "./python-random.js";

describe("pythonRandom (CPython MT19937)", () => {
  it("matches CPython 3.11 for seed 88 and shuffle with seed 5", () => {
    const r = pythonRandom(88);
    expect([r.getrandbits(32), r.getrandbits(32), r.getrandbits(7), r.randbelow(1000)]).toEqual([1707201716, 4182107318, 24, 340]);
    const a = [...Array(10).keys()];
    pythonRandom(5).shuffle(a);
    expect(a).toEqual([2, 3, 1, 0, 8, 7, 6, 5, 4, 9]);
  });
  it("rejects bad seeds", () => {
    expect(() => pythonRandom(-1)).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });
});

describe("NAS-Bench-201 index", () => {
  it("reproduces the indices NB201's generate_meta_info asserts", () => {
    expect(nb201ArchStrAt(0)).toBe("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|");
    expect(nb201ArchStrAt(9)).toBe("|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|");
    expect(nb201ArchStrAt(123)).toBe("|avg_pool_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|");
  });
  it("is a bijection: string ↔ encoding ↔ index ↔ code", () => {
    const seen = new Set<number>();
    let i = 0;
    for (const arch of allNb201Archs()) {
      const s = formatNb201ArchStr(arch);
      expect(parseNb201ArchStr(s)).toEqual(arch);
      expect(nb201IndexOf(arch)).toBe(i);
      expect(nb201FromCode(nb201Code(arch))).toEqual(arch);
      seen.add(nb201Code(arch));
      i++;
    }
    expect(i).toBe(NB201_SIZE);
    expect(seen.size).toBe(NB201_SIZE);
  });
  it("rejects malformed strings and encodings with invalid_argument", () => {
    for (const bad of ["", "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|"]) {
      try { parseNb201ArchStr(bad); expect.unreachable(); } catch (e) { expect(isEdgelatError(e, "invalid_argument")).toBe(true); }
    }
    expect(() => nb201ArchAt(NB201_SIZE)).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => nb201Code([0, 0, 0, 0, 0, 5])).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });
  it("samples deterministically", () => {
    expect(sampleNb201Archs(5, 1)).toEqual(sampleNb201Archs(5, 1));
    expect(sampleNb201Archs(5, 1)).not.toEqual(sampleNb201Archs(5, 2));
    expect(sampleNb201Archs(200, 3).every((a) => a.length === 6 && a.every((o) => o >= 0 && o < 5))).toBe(true);
  });
});

describe("NAS-Bench-201 network", () => {
  it("has NB201's published MAC range (7.78M–220.11M on CIFAR-10); FLOPs = 2 × MACs", () => {
    expect(nb201ConvFlops([0, 0, 0, 0, 0, 0])).toBe(2 * 7_783_040);
    expect(nb201ConvFlops([3, 3, 3, 3, 3, 3])).toBe(2 * 220_119_680);
  });
  it("builds the CIFAR network with the expected ops", () => {
    const count = (arch: number[]) => {
      const g = buildNasBench201Graph(arch);
      const c: Record<string, number> = {};
      for (const n of g.nodes) c[n.opType] = (c[n.opType] ?? 0) + 1;
      return { g, c };
    };
    // all conv3x3: 15 cells × 6 ReLU-Conv-BN; stem conv; 2 reduction blocks with 3 convs each; 15 × 3 node sums (0+1+2 adds)
    const { g, c } = count([3, 3, 3, 3, 3, 3]);
    expect(c.Conv).toBe(90 + 1 + 6);
    expect(c.BatchNormalization).toBe(90 + 1 + 4 + 1);
    expect(c.Relu).toBe(90 + 4 + 1);
    expect(c.Add).toBe(15 * 3 + 2);
    expect(c.Gemm).toBe(1);
    expect(g.tensors.get("input")!.shape).toEqual([1, 3, 32, 32]);
    // none edges are Mul-by-zero (what the PyTorch model runs), skips add no node
    const z = count([0, 1, 1, 0, 0, 4]).c;
    expect(z.Mul).toBe(15 * 3);
    expect(z.AveragePool).toBe(15 + 2);
    expect(z.Conv).toBe(1 + 6);
  });
  it("shape inference on the built graph agrees with the closed-form FLOPs (Conv + Gemm; Gemm bias adds 10)", () => {
    for (const arch of [[0, 0, 0, 0, 0, 0], [3, 3, 3, 3, 3, 3], nb201ArchAt(0), [4, 1, 2, 3, 0, 4]]) {
      const inf = inferShapes(buildNasBench201Graph(arch));
      expect(inf.unknown).toEqual([]);
      expect(inf.graph.tensors.get(inf.graph.outputs[0]!)!.shape).toEqual([1, 10]);
      let convFlops = 0;
      inf.graph.nodes.forEach((n, i) => { if (n.opType === "Conv" || n.opType === "Gemm") convFlops += inf.costs[i]!.flops; });
      expect(convFlops).toBe(nb201ConvFlops(arch) + 10);
      expect(summarizeGraph(inf).flops).toBeGreaterThan(convFlops);
    }
  });
  it("prunes dead edges on request (TFLite-style constant folding)", () => {
    const convs = (arch: number[], prune: boolean) => buildNasBench201Graph(arch, { pruneDeadEdges: prune }).nodes.filter((n) => n.opType === "Conv").length;
    // edge 0 none: node 1 is zero, so edges 2 and 4 (from node 1) are dead; 3 live conv edges per cell
    expect(convs([0, 3, 3, 3, 3, 3], false)).toBe(15 * 5 + 7);
    expect(convs([0, 3, 3, 3, 3, 3], true)).toBe(15 * 3 + 7);
    expect(buildNasBench201Graph([0, 3, 3, 3, 3, 3], { pruneDeadEdges: true }).nodes.some((n) => n.opType === "Mul")).toBe(false);
    expect(nb201HasPath([1, 1, 1, 0, 0, 0])).toBe(false);
    expect(() => buildNasBench201Graph([1, 1, 1, 0, 0, 0], { pruneDeadEdges: true })).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(inferShapes(buildNasBench201Graph([2, 0, 4, 1, 0, 3], { pruneDeadEdges: true })).unknown).toEqual([]);
  });
  it("finds the edges that reach the output", () => {
    expect(nb201LiveEdges([3, 3, 3, 3, 3, 3])).toEqual([true, true, true, true, true, true]);
    // node 1 is zero (edge 0 none): edges from node 1 are dead
    expect(nb201LiveEdges([0, 3, 3, 3, 3, 3])).toEqual([false, true, false, true, false, true]);
    // node 2 never reaches node 3 (edge 5 none): edges into node 2 are dead
    expect(nb201LiveEdges([3, 3, 3, 3, 3, 0])).toEqual([true, false, false, true, true, false]);
    expect(nb201LiveEdges([1, 1, 1, 0, 0, 0])).toEqual([false, false, false, false, false, false]);
  });
});
