import { describe, expect, it } from "vitest";
import { mape, withinShare } from "../metrics/index.js";
import { crossValidate, groupKFoldAssignment, kFoldAssignment } from "./cv.js";
import { fitPredictor } from "./fit.js";
import { predictorFromJSON } from "./json.js";
import { PREDICTOR_KINDS } from "./registry.js";
import { syntheticSamples } from "./synthetic.js";

const hasNegZero = (v: unknown): boolean =>
  Object.is(v, -0) || (typeof v === "object" && v !== null && Object.values(v).some(hasNegZero));

describe("fitPredictor", () => {
  const samples = syntheticSamples(300, (f) => 2e-9 * f.flops + 0.01, 13, 0.02);
  it("fits every kind through one entry point, each round-tripping through JSON", () => {
    const small: Record<string, Record<string, unknown>> = { gbt: { nEstimators: 60, learningRate: 0.3, noiseFolds: 0 }, forest: { nEstimators: 10 } };
    for (const kind of Object.keys(PREDICTOR_KINDS)) {
      const m = fitPredictor(kind, samples, small[kind] ?? {});
      expect(m.kind).toBe(kind);
      expect(predictorFromJSON(JSON.parse(JSON.stringify(m))).toJSON()).toEqual(m.toJSON());
      // JSON writes -0 as 0: a fitted model must never hold -0, or its reloaded copy could differ in a bit.
      expect(hasNegZero(m.toJSON()), kind).toBe(false);
      const p = samples.map((s) => m.predict(s.features).latencyMs);
      expect(mape(p, samples.map((s) => s.latencyMs)), kind).toBeLessThan(0.1);
    }
  });
  it("publishes a declarative schema with docs and defaults", () => {
    expect(PREDICTOR_KINDS.gbt.options.learningRate).toMatchObject({ type: "number", default: 0.1 });
    for (const spec of Object.values(PREDICTOR_KINDS)) for (const o of Object.values(spec.options)) expect(o.doc.length).toBeGreaterThan(5);
  });
  it("rejects unknown kinds and bad options naming them", () => {
    expect(() => fitPredictor("svm", samples)).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => fitPredictor("gbt", samples, { depth: 3 })).toThrowError(expect.objectContaining({ code: "invalid_argument", details: expect.objectContaining({ option: "depth" }) }));
    expect(() => fitPredictor("gbt", samples, { maxDepth: 2.5 })).toThrowError(expect.objectContaining({ details: expect.objectContaining({ option: "maxDepth" }) }));
    expect(() => fitPredictor("forest", samples, { maxFeatures: 2 })).toThrowError(expect.objectContaining({ details: expect.objectContaining({ option: "maxFeatures" }) }));
    expect(() => fitPredictor("linear", samples, { target: "exp" })).toThrowError(expect.objectContaining({ details: expect.objectContaining({ option: "target" }) }));
  });
});

describe("cross-validation", () => {
  it("k-fold assigns balanced, seeded folds", () => {
    const f = kFoldAssignment(103, 5, 7);
    const sizes = [0, 1, 2, 3, 4].map((k) => f.filter((x) => x === k).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(kFoldAssignment(103, 5, 7)).toEqual(f);
    expect(kFoldAssignment(103, 5, 8)).not.toEqual(f);
  });
  it("group k-fold keeps groups whole and balances sizes", () => {
    const groups = ["a", "a", "a", "a", "b", "b", "b", "c", "c", "d", "e", "e"];
    const f = groupKFoldAssignment(groups, 3);
    for (const g of new Set(groups)) expect(new Set(groups.flatMap((x, i) => (x === g ? [f[i]] : []))).size).toBe(1);
    const sizes = [0, 1, 2].map((k) => f.filter((x) => x === k).length);
    expect(sizes.sort()).toEqual([4, 4, 4]);
    expect(new Set(groupKFoldAssignment(["x", "y", "y"], 5)).size).toBe(2); // fewer groups than k → leave-one-group-out
    expect(() => groupKFoldAssignment(["x", "x"], 2)).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
  });
  it("predicts every sample out of fold", () => {
    const samples = syntheticSamples(200, (f) => 2e-9 * f.flops + 0.01, 14, 0.05);
    const groups = samples.map((_, i) => `m${i % 17}`);
    const cv = crossValidate(samples, groups, (tr) => fitPredictor("flops-linear", tr), mape, { k: 5 });
    expect(cv.predicted.every((p) => p > 0)).toBe(true);
    expect(cv.foldScores.length).toBe(5);
    expect(cv.score).toBeGreaterThan(0.02);
    expect(cv.score).toBeLessThan(0.07);
    const within = crossValidate(samples, undefined, (tr) => fitPredictor("flops-linear", tr), (p, m) => withinShare(p, m, 0.1));
    expect(within.score).toBeGreaterThan(0.9);
  });
});
