import { describe, expect, it } from "vitest";
import { parseOnnx, toOnnx } from "../parsers/index.js";
import { inferShapes, summarizeGraph } from "../shape/infer.js";
import type { InferredGraph } from "../shape/types.js";
import { buildMobileNetV2, buildMobileNetV3Large, buildMobileNetV3Small, buildResNet18, buildResNet34, buildResNet50, buildViT } from "./index.js";

/** MACs of the conv and fully-connected / matmul layers alone (bias adds excluded). */
function convFcMacs(inf: InferredGraph): number {
  let macs = 0;
  inf.graph.nodes.forEach((n, i) => {
    if (n.opType !== "Conv" && n.opType !== "Gemm" && n.opType !== "MatMul") return;
    const out = inf.graph.tensors.get(n.outputs[0]!)!.shape as number[];
    const outElems = out.reduce((a, b) => a * b, 1);
    const bias = n.opType !== "MatMul" && n.inputs[2] ? outElems : 0;
    macs += (inf.costs[i]!.flops - bias) / 2;
  });
  return macs;
}

describe("reference models", () => {
  it("MobileNetV2-1.0 @224: 300,774,272 MACs in conv+fc, 621,290,664 FLOPs in total, 3,538,986 params", () => {
    const inf = inferShapes(buildMobileNetV2());
    const s = summarizeGraph(inf);
    expect(s.unknownShapes).toBe(0);
    expect(convFcMacs(inf)).toBe(300_774_272);
    expect(Math.abs(convFcMacs(inf) / 300e6 - 1)).toBeLessThan(0.01);
    expect(s.flops).toBe(621_290_664);
    expect(s.params).toBe(3_538_986);
    expect(Math.abs(s.params / 3.5e6 - 1)).toBeLessThan(0.015);
    expect(s.opHistogram).toMatchObject({ Conv: 52, BatchNormalization: 52, Clip: 35, Add: 10, Gemm: 1 });
    expect(inf.graph.tensors.get(inf.graph.outputs[0]!)!.shape).toEqual([1, 1000]);
  });

  it("MobileNetV2 scales with width and resolution", () => {
    const half = convFcMacs(inferShapes(buildMobileNetV2({ widthMultiplier: 0.5, resolution: 160 })));
    expect(half).toBeGreaterThan(45e6);
    expect(half).toBeLessThan(55e6); // published: 50M MACs
  });

  it("ResNet-18 @224: 1,814,073,344 MACs (±1% of 1.82G), 3,638,007,272 FLOPs, 11,699,112 params", () => {
    const inf = inferShapes(buildResNet18());
    const s = summarizeGraph(inf);
    expect(s.unknownShapes).toBe(0);
    expect(convFcMacs(inf)).toBe(1_814_073_344);
    expect(Math.abs(convFcMacs(inf) / 1.82e9 - 1)).toBeLessThan(0.01);
    expect(s.flops).toBe(3_638_007_272);
    expect(s.params).toBe(11_699_112);
    expect(Math.abs(s.params / 11.7e6 - 1)).toBeLessThan(0.01);
  });

  it("ResNet-34 ≈ 3.6G MACs / 21.8M params, ResNet-50 ≈ 4.09G MACs / 25.6M params", () => {
    const r34 = inferShapes(buildResNet34());
    expect(Math.abs(convFcMacs(r34) / 3.66e9 - 1)).toBeLessThan(0.01);
    expect(Math.abs(summarizeGraph(r34).params / 21.8e6 - 1)).toBeLessThan(0.01);
    const r50 = inferShapes(buildResNet50());
    expect(Math.abs(convFcMacs(r50) / 4.09e9 - 1)).toBeLessThan(0.01);
    expect(Math.abs(summarizeGraph(r50).params / 25.6e6 - 1)).toBeLessThan(0.01);
  });

  it("MobileNetV3-Large ≈ 219M MACs, -Small ≈ 56M MACs (±3%)", () => {
    const large = inferShapes(buildMobileNetV3Large());
    const small = inferShapes(buildMobileNetV3Small());
    expect(convFcMacs(large)).toBe(216_589_760);
    expect(convFcMacs(small)).toBe(56_510_400);
    expect(Math.abs(convFcMacs(large) / 219e6 - 1)).toBeLessThan(0.03);
    expect(Math.abs(convFcMacs(small) / 56e6 - 1)).toBeLessThan(0.03);
    expect(summarizeGraph(large).opHistogram).toMatchObject({ HardSigmoid: 8, HardSwish: 21 });
    expect(summarizeGraph(small).unknownShapes).toBe(0);
  });

  it("ViT-S/16 and ViT-B/16 (decomposed LayerNorm, Erf Gelu): published MACs and params", () => {
    const s16 = inferShapes(buildViT({ depth: 12, dim: 384, heads: 6, patch: 16 }));
    expect(s16.unknown).toEqual([]);
    expect(Math.abs(convFcMacs(s16) / 4.6e9 - 1)).toBeLessThan(0.01);
    expect(Math.abs(summarizeGraph(s16).params / 22.05e6 - 1)).toBeLessThan(0.01);
    const b16 = inferShapes(buildViT({ depth: 12, dim: 768, heads: 12, patch: 16, layerNorm: "decomposed" }));
    expect(b16.unknown).toEqual([]);
    expect(Math.abs(convFcMacs(b16) / 17.56e9 - 1)).toBeLessThan(0.01);
    expect(Math.abs(summarizeGraph(b16).params / 86.57e6 - 1)).toBeLessThan(0.01);
    const dynamic = inferShapes(buildViT({ depth: 12, dim: 384, heads: 6, patch: 16, reshape: "dynamic" }));
    expect(dynamic.unknown).toEqual([]);
    expect(convFcMacs(dynamic)).toBe(convFcMacs(s16));
    // Every shape computation folds: 12 blocks × 2 targets × (Shape + 2 Gather + 2 Unsqueeze + Concat), + 4 for the
    // patch flatten, + 4 for the class token's Expand target and + 1 for that Expand (a constant broadcast).
    expect(dynamic.folded.size).toBe(12 * 2 * 6 + 4 + 4 + 1);
    const gelu = inferShapes(buildViT({ depth: 1, dim: 64, heads: 4, patch: 8, resolution: 32, gelu: "op" }));
    expect(summarizeGraph(gelu).opHistogram.Gelu).toBe(1);
    expect(gelu.graph.opsets[""]).toBe(20);
  });

  it("round trip builder → toOnnx → parseOnnx → inferShapes keeps MACs, FLOPs, params and every shape", () => {
    for (const build of [buildMobileNetV2, buildResNet18, buildMobileNetV3Small]) {
      const direct = inferShapes(build());
      const back = inferShapes(parseOnnx(toOnnx(build(), { weights: "stripped" })));
      expect(back.unknown).toEqual([]);
      expect(convFcMacs(back)).toBe(convFcMacs(direct));
      const [a, b] = [summarizeGraph(direct), summarizeGraph(back)];
      expect(b.flops).toBe(a.flops);
      expect(b.params).toBe(a.params);
      expect(b.opHistogram).toEqual(a.opHistogram);
      for (const n of direct.graph.nodes) {
        const out = n.outputs[0]!;
        expect(back.graph.tensors.get(out)?.shape, out).toEqual(direct.graph.tensors.get(out)!.shape);
      }
    }
    const vit = buildViT({ depth: 2, dim: 192, heads: 3, patch: 16 });
    const vitBack = inferShapes(parseOnnx(toOnnx(vit, { weights: "stripped" })));
    expect(vitBack.unknown).toEqual([]);
    expect(summarizeGraph(vitBack).flops).toBe(summarizeGraph(inferShapes(vit)).flops);
  });

  it("rejects bad options", () => {
    expect(() => buildMobileNetV2({ widthMultiplier: -1 })).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => buildViT({ depth: 1, dim: 10, heads: 3, patch: 16 })).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });
});
