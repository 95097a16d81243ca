// The TFLite GPU aggregation model (src/devices/train/phones-gpu.ts): unprofiled-op inference, fits, predictor scaling.
import { describe, expect, it } from "vitest";
import { readMobileMlBenchmark, type MlbModel, type MlbOp } from "../src/datasets/mobileMlBenchmark.js";
import { EdgelatError } from "../src/errors.js";
import { getDevice } from "../src/devices/catalog.js";
import { predictKernels } from "../src/devices/estimate.js";
import { gpuKernelGraph } from "../src/devices/train/phones.js";
import {
  applyAggregation,
  fitAggregation,
  GPU_AGGREGATIONS,
  graphConventionFeatures,
  kernelNodeNumbers,
  mergedPadOps,
  scalePredictorJSON,
  selectGpuAggregation,
  unprofiledOps,
  type GpuAggregateRow,
} from "../src/devices/train/phones-gpu.js";
import { fitGbt } from "../src/predictors/gbt.js";
import { fitLinear } from "../src/predictors/linear.js";
import { predictorFromJSON } from "../src/predictors/json.js";
import { createRng } from "../src/util/rng.js";
import { DATA } from "./helpers/data.js";

function op(seq: number, cls: MlbOp["class"], kernel: string, f: Partial<MlbOp["features"]>, winograd = false): MlbOp {
  const features = { flops: 1, params: 0, bytesRead: 0, bytesWritten: 0, nodes: 1, ...f };
  const linked = kernel.split("_linked_:_").slice(1).map((p) => p.replace(/_\d+$/, ""));
  return { seq, operation: cls.toUpperCase(), class: cls, features, nInputs: 1, gpu: { pixel4: { latencyMs: 0.1, kernel, linked, winograd } } };
}

describe("unprofiled GPU ops from the kernel numbering", () => {
  it("parses node numbers (anchor, then linked ops)", () => {
    expect(kernelNodeNumbers("convolution_2d_19_linked_:_add_20_linked_:_relu_21")).toEqual([19, 20, 21]);
    expect(kernelNodeNumbers("convolution_winograd_4x4_6x6_1")).toEqual([1]);
    expect(kernelNodeNumbers("depthwise_conv_plus_1x1_conv_12")).toEqual([12]);
    expect(kernelNodeNumbers("mean_116")).toEqual([116]);
  });

  it("a gap before a padded k×k op is the merged PAD; other gap nodes are element-wise ops that ran alone", () => {
    const conv = { cin: 3, cout: 32, kernelH: 3, strideH: 2, hIn: 225, hOut: 112, inputShape: [1, 3, 225, 225], outputShape: [1, 32, 112, 112] };
    const model: MlbModel = {
      name: "toy", family: "toy", flops: 0,
      ops: [
        op(0, "conv", "convolution_2d_0_linked_:_relu_1", conv),
        // node 2 = PAD (merged): 114 > 112.
        op(1, "dwconv", "depthwise_convolution_3_linked_:_relu_4", { cin: 32, cout: 32, kernelH: 3, strideH: 1, hIn: 114, hOut: 112, inputShape: [1, 32, 114, 114] }),
        // nodes 5, 6 ran alone (a 1×1 conv has no padding): two element-wise ops of 32·112·112 elements.
        op(2, "conv", "convolution_2d_7", { cin: 32, cout: 16, kernelH: 1, strideH: 1, hIn: 112, hOut: 112, inputShape: [1, 32, 112, 112] }),
        // Winograd name without its linked ADD (node 9): no gap before node 10.
        op(3, "conv", "convolution_winograd_4x4_6x6_8", { cin: 16, cout: 16, kernelH: 3, strideH: 1, hIn: 112, hOut: 112, inputShape: [1, 16, 112, 112] }, true),
        op(4, "conv", "convolution_2d_10", { cin: 16, cout: 16, kernelH: 1, strideH: 1, hIn: 112, hOut: 112, inputShape: [1, 16, 112, 112] }),
      ],
    };
    // The Winograd op's linked ops come from another device's name.
    model.ops[3]!.gpu.s10 = { latencyMs: 0.1, kernel: "convolution_2d_8_linked_:_add_9", linked: ["add"], winograd: false };
    const u = unprofiledOps(model, "pixel4");
    expect(u).toEqual([
      { before: 2, elements: 32 * 112 * 112, shape: [1, 32, 112, 112] },
      { before: 2, elements: 32 * 112 * 112, shape: [1, 32, 112, 112] },
    ]);
    expect(unprofiledOps(model, "iphonexs")).toEqual([]);
    // The merged PAD's op in the graph convention: unpadded input (the producer's 112) + padH 2.
    expect([...mergedPadOps(model, "pixel4")]).toEqual([1]);
    const f = graphConventionFeatures(model, 1, mergedPadOps(model, "pixel4"));
    expect(f).toMatchObject({ hIn: 112, wIn: 112, padH: 2, padW: 2, inputShape: [1, 32, 112, 112] });
    expect(graphConventionFeatures(model, 2, mergedPadOps(model, "pixel4"))).toBe(model.ops[2]!.features);
  });
});

describe("aggregation fits", () => {
  const rng = createRng(7);
  const rows: GpuAggregateRow[] = Array.from({ length: 60 }, () => ({
    sumMs: { conv: 2 + 20 * rng.next(), gconv: 0, dwconv: 1 + 5 * rng.next(), "global-pool": 0.1 * rng.next(), other: 0.2 * rng.next() },
    kernels: Math.round(20 + 100 * rng.next()), ewKernels: Math.round(10 * rng.next()), ewElements: Math.round(1e6 * rng.next()),
  }));
  // Truth: α_conv 1.2, α_dw 0.8, α_gp 2, α_other 1, 0.01 ms per kernel, 0.05 ms more per element-wise kernel + 1e-7 ms per element, 0.3 ms.
  const truth = (r: GpuAggregateRow) => 1.2 * r.sumMs.conv + 0.8 * r.sumMs.dwconv + 2 * r.sumMs["global-pool"] + r.sumMs.other + 0.01 * (r.kernels + r.ewKernels) + 0.05 * r.ewKernels + 1e-7 * r.ewElements + 0.3;
  const y = rows.map(truth);
  const full = GPU_AGGREGATIONS.find((a) => a.perClassScale && a.elementwise === "count+elements")!;

  it("recovers the coefficients of exact data", () => {
    const f = fitAggregation(full, rows, y);
    expect(f.coef["sum:conv"]).toBeCloseTo(1.2, 6);
    expect(f.coef["sum:dwconv"]).toBeCloseTo(0.8, 6);
    expect(f.coef["sum:global-pool"]).toBeCloseTo(2, 6);
    expect(f.coef.kernels).toBeCloseTo(0.01, 6);
    expect(f.coef.ewKernels).toBeCloseTo(0.05, 6);
    expect(f.coef.ewElements).toBeCloseTo(1e-7, 10);
    expect(f.coef.constant).toBeCloseTo(0.3, 6);
    expect(applyAggregation(f, rows[3]!)).toBeCloseTo(y[3]!, 6);
  });

  it("grouped CV over families selects the generating candidate", () => {
    const models = rows.map((_, i) => ({ name: `fam${String.fromCharCode(97 + (i % 12))}_${i}` })) as unknown as MlbModel[];
    const { best, scores } = selectGpuAggregation(models, rows, y);
    expect(scores.length).toBe(GPU_AGGREGATIONS.length);
    expect(best).toBe(full);
    expect(() => fitAggregation(full, [], [])).toThrow(EdgelatError);
  });
});

describe("predictor scaling", () => {
  const rng = createRng(3);
  const samples = Array.from({ length: 80 }, () => {
    const flops = 1e6 + 1e8 * rng.next(), cin = 8 + Math.round(64 * rng.next());
    return { features: { flops, params: cin * 9, bytesRead: flops / 10, bytesWritten: flops / 20, cin, cout: cin, nodes: 1 }, latencyMs: 0.02 + flops * 1e-9 * (1 + 0.1 * rng.next()) };
  });
  const f = samples[5]!.features;
  it("scales gbt and linear (log and linear target) predictions exactly", () => {
    for (const p of [fitGbt(samples, { nEstimators: 10, noiseFolds: 0 }), fitLinear(samples, { target: "log" }), fitLinear(samples)]) {
      const base = p.predict(f).latencyMs;
      const scaled = predictorFromJSON(scalePredictorJSON(p.toJSON(), 1.7)).predict(f).latencyMs;
      expect(scaled / base).toBeCloseTo(1.7, 10);
    }
  });
  it("refuses kinds it cannot scale", () => {
    expect(() => scalePredictorJSON({ kind: "lookup" }, 2)).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });
});

describe.skipIf(!DATA)("unprofiled ops in the real traces", () => {
  const data = readMobileMlBenchmark(DATA!);
  const model = (n: string) => data.models.find((m) => m.name === n)!;
  it("MobileNetV2 has none; MobileNetV3-Large has its standalone element-wise ops as kernels", () => {
    expect(unprofiledOps(model("mobilenetv2_w1"), "pixel4")).toEqual([]);
    const u = unprofiledOps(model("mobilenetv3_large_w1"), "pixel4");
    expect(u.length).toBe(MV3_LARGE_ALONE);
    const g = gpuKernelGraph(model("mobilenetv3_large_w1"), "pixel4");
    expect(g.kernels.filter((k) => k.class === "elementwise").length).toBe(MV3_LARGE_ALONE);
    expect(g.kernels.length).toBe(model("mobilenetv3_large_w1").ops.length + MV3_LARGE_ALONE);
    // The built-in profile either prices them (elementwise predictor) or leaves them to the overhead model.
    const est = predictKernels(g, getDevice("pixel4-gpu")).filter((e) => e.class === "elementwise");
    for (const e of est) expect(e.predictor === "overhead:elementwise" || e.latencyMs > 0).toBe(true);
  });
});

// Its 8 SE blocks: the MUL(x, scale) never links (it broadcasts).
const MV3_LARGE_ALONE = 8;
