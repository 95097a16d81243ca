/**
 * Real-data sanity check: `gbt` fitted on TFLite GPU CONV_2D ops of the Pixel 4 (mobile-ml-benchmark), evaluated by
 * group 5-fold cross-validation with whole models held out. Floors sit a little below the values measured on
 * 2026-11-25 (same split, 3,801 ops of 102 models):
 *   gbt + linear stage (DEFAULT_GBT_LINEAR_SPEC): MAPE 6.38%, 81.9% of ops within ±10%, Spearman 0.9967
 *   gbt (defaults):                                MAPE 7.48%, 76.7% within ±10%, Spearman 0.9936
 *   forest (defaults):                             MAPE 7.85%, 75.5% within ±10%; 1σ / 2σ coverage ≈80% / 95%
 *   flops-linear:                                  MAPE 33.1%, 16.4% within ±10%, Spearman 0.927
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DATA } from "../../test/helpers/data.js";
import { csvRecords } from "../datasets/csv.js";
import { mape, spearman, withinShare } from "../metrics/index.js";
import { crossValidate } from "./cv.js";
import { DEFAULT_GBT_LINEAR_SPEC } from "./features.js";
import { fitPredictor } from "./fit.js";
import type { Sample } from "./types.js";

/** CONV_2D rows of one device as samples (latency µs → ms; fp16 byte counts), grouped by model. */
const cache = new Map<string, { samples: Sample[]; groups: string[] }>();
function convSamples(device: string): { samples: Sample[]; groups: string[] } {
  const hit = cache.get(device);
  if (hit) return hit;
  const text = readFileSync(join(DATA!, "mobile-ml-benchmark", "cnn", "ops_gpu_long.csv"), "utf8");
  const samples: Sample[] = [];
  const groups: string[] = [];
  for (const r of csvRecords(text)) {
    if (r.framework !== "tflite" || r.operation !== "CONV_2D" || r.device !== device) continue;
    const f = JSON.parse(r.feature_json!) as Record<string, number>;
    // Input_shape is the spatial size including explicit padding: hIn = Input_shape, padH = 0.
    const h = f.Input_shape!, cin = f.Input_channel!, ho = f.Output_shape!, k = f.Kernel!, s = f.Stride!, cout = f.Filter!;
    const g = f.Group ?? 1;
    const params = k * k * (cin / g) * cout;
    samples.push({
      latencyMs: Number(r.latency_us) / 1000,
      features: {
        flops: f.FLOPS!, params, bytesRead: 2 * (h * h * cin + params), bytesWritten: 2 * ho * ho * cout,
        cin, cout, hIn: h, wIn: h, hOut: ho, wOut: ho, kernelH: k, kernelW: k, strideH: s, strideW: s, groups: g,
        // Element-wise ops fused into the GPU kernel are named in it: "convolution_2d_1_linked_:_relu_2".
        padH: 0, padW: 0, nodes: r.gpu_kernel!.split("_linked_:_").length,
      },
    });
    groups.push(r.model!);
  }
  cache.set(device, { samples, groups });
  return { samples, groups };
}

describe.skipIf(!DATA)("gbt on real TFLite GPU conv latencies (Pixel 4)", () => {
  it("generalizes to held-out models (group 5-fold)", () => {
    const { samples, groups } = convSamples("pixel4");
    expect(samples.length).toBe(3801);
    expect(new Set(groups).size).toBe(102);
    const within = (p: readonly number[], m: readonly number[]) => withinShare(p, m, 0.1);
    const gbt = crossValidate(samples, groups, (tr) => fitPredictor("gbt", tr, { noiseFolds: 0, linearSpec: DEFAULT_GBT_LINEAR_SPEC }), within, { k: 5 });
    const base = crossValidate(samples, groups, (tr) => fitPredictor("flops-linear", tr), within, { k: 5 });
    expect(gbt.score).toBeGreaterThan(0.79);
    expect(mape(gbt.predicted, gbt.measured)).toBeLessThan(0.07);
    expect(spearman(gbt.predicted, gbt.measured)).toBeGreaterThan(0.995);
    expect(base.score).toBeLessThan(0.2);
    expect(mape(base.predicted, base.measured)).toBeGreaterThan(0.3);
  });
  it("reports calibrated uncertainty out of fold (forest)", () => {
    const { samples, groups } = convSamples("pixel4");
    const cv = crossValidate(samples, groups, (tr) => fitPredictor("forest", tr), mape, { k: 5 });
    const z = cv.predicted.map((p, i) => Math.abs(p - cv.measured[i]!) / cv.stdMs[i]!);
    const cover = (k: number) => z.filter((v) => v <= k).length / z.length;
    // Measured: ≈80% of held-out errors within 1σ, ≈95% within 2σ (a Gaussian gives 68% / 95%).
    expect(cover(1)).toBeGreaterThan(0.65);
    expect(cover(1)).toBeLessThan(0.9);
    expect(cover(2)).toBeGreaterThan(0.9);
  });
});
