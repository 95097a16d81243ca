import { describe, expect, it } from "vitest";
import { getDevice, listDevices } from "../devices/catalog.js";
import { predictKernels, predictorFeatures } from "../devices/estimate.js";
import { fuse } from "../fusion/fuse.js";
import type { KernelFeatures } from "../fusion/types.js";
import { buildMobileNetV2, buildMobileNetV3Small } from "../models/index.js";
import { buildFbnetGraph, sampleFbnetArchs } from "../spaces/fbnet.js";
import { inferShapes } from "../shape/infer.js";
import { PredictionBatch } from "./batch.js";
import { FEATURE_KEY_LENGTH, featureKey, sameFeatureKey } from "./features.js";
import { fitGbt, GbtPredictor } from "./gbt.js";
import { fitLinear } from "./linear.js";
import { syntheticSamples } from "./synthetic.js";
import type { Prediction } from "./types.js";

/** A gbt predictor that counts its evaluations (the batch evaluates from the feature key). */
class Counting extends GbtPredictor {
  calls = 0;
  override predictKey(key: ArrayLike<number>, offset: number): Prediction {
    this.calls++;
    return super.predictKey(key, offset);
  }
}

const samples = syntheticSamples(300, (f) => 1e-9 * f.flops + 0.05, 3, 0.02);
const counting = () => new Counting(fitGbt(samples, { nEstimators: 10, noiseFolds: 0 }).params);

describe("sameFeatureKey", () => {
  it("agrees with comparing featureKey vectors (Object.is), missing fields, -0 and NaN included", () => {
    const key = (f: KernelFeatures) => {
      const k = new Float64Array(FEATURE_KEY_LENGTH);
      featureKey(f, k);
      return k;
    };
    const base = samples.slice(0, 40).map((s) => s.features);
    const variants: KernelFeatures[] = base.flatMap((f) => [
      f,
      { ...f },
      { ...f, padW: (f.padW ?? 0) + 1 },
      { ...f, groups: undefined },
      { ...f, cin: 0 },
      { ...f, cin: -0 },
      { ...f, hOut: Number.NaN },
      { ...f, outputShape: [...(f.outputShape ?? []), 2] },
    ]);
    let same = 0;
    for (const a of variants.slice(0, 64)) {
      for (const b of variants) {
        const ka = key(a), kb = key(b);
        const want = ka.every((v, i) => Object.is(v, kb[i]));
        expect(sameFeatureKey(a, b)).toBe(want);
        if (want) same++;
      }
    }
    expect(same).toBeGreaterThan(64);
  });
});

describe("PredictionBatch", () => {
  it("evaluates a tree predictor once per distinct feature key, with the same numbers", () => {
    const p = counting();
    const a = samples[0]!.features;
    const batch = new PredictionBatch(4);
    const first = batch.predict(p, a, 0);
    expect(batch.predict(p, { ...a }, 1)).toEqual(first);
    expect(p.calls).toBe(1);
    // a field the hash does not read still separates kernels
    const b = { ...a, hIn: (a.hIn ?? 0) + 1 };
    const pb = batch.predict(p, b, 2);
    expect(p.calls).toBe(2);
    expect(Object.is(pb.latencyMs, p.predict(b).latencyMs)).toBe(true);
    // another predictor never shares a prediction
    const q = counting();
    batch.predict(q, a, 3);
    expect(q.calls).toBe(1);
  });

  it("keeps nothing across batches and calls other predictors every time", () => {
    const p = counting();
    const f = samples[1]!.features;
    new PredictionBatch(1).predict(p, f, 0);
    new PredictionBatch(1).predict(p, f, 0);
    expect(p.calls).toBe(2);
    const lin = fitLinear(samples);
    let calls = 0;
    const spy = { kind: "linear", predict: (x: KernelFeatures) => (calls++, lin.predict(x)), toJSON: () => lin.toJSON() };
    const batch = new PredictionBatch(2);
    batch.predict(spy, f, 0);
    batch.predict(spy, f, 1);
    expect(calls).toBe(2);
  });

  it("predictKernels matches every kernel predicted on its own on every built-in device (Object.is)", () => {
    const graphs = [buildMobileNetV2(), buildMobileNetV3Small(), ...sampleFbnetArchs(2, 3).map((a) => buildFbnetGraph(a))].map((g) => inferShapes(g));
    let checked = 0;
    for (const { id } of listDevices()) {
      const dev = getDevice(id);
      for (const g of graphs) {
        const kg = fuse(g, dev.backend);
        const est = predictKernels(kg, dev);
        kg.kernels.forEach((k, i) => {
          const f = predictorFeatures(k);
          // the route the estimate names (type overrides, fallbacks and absorbed classes name none)
          const route = dev.routes.get(k.class)?.find((r) => r.name === est[i]!.predictor);
          if (route === undefined) return;
          const p = route.predictor.predict(f);
          expect(Object.is(est[i]!.latencyMs, p.latencyMs) && Object.is(est[i]!.stdMs, p.stdMs), `${id} ${k.id}`).toBe(true);
          checked++;
        });
      }
    }
    expect(checked).toBeGreaterThan(10000);
  });

  it("predictKernels on MobileNetV2 matches every kernel predicted on its own (Object.is)", () => {
    const dev = getDevice("pixel4-gpu");
    const kg = fuse(inferShapes(buildMobileNetV2()), dev.backend);
    const est = predictKernels(kg, dev);
    kg.kernels.forEach((k, i) => {
      const p = dev.routes.get(k.class)![0]!.predictor.predict(predictorFeatures(k));
      expect(Object.is(est[i]!.latencyMs, p.latencyMs) && Object.is(est[i]!.stdMs, p.stdMs), k.id).toBe(true);
    });
  });
});
