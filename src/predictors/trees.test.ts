import { describe, expect, it } from "vitest";
import type { KernelFeatures } from "../fusion/types.js";
import { mape, withinShare } from "../metrics/index.js";
import { createRng } from "../util/rng.js";
import { fitForest } from "./forest.js";
import { fitGbt } from "./gbt.js";
import { predictorFromJSON } from "./json.js";
import { randomConvFeatures, syntheticSamples } from "./synthetic.js";
import { binFeatures, buildTree, FlatTrees, splitBetween } from "./tree.js";

/** Piecewise ground truth: a step in kernel size and input size on top of a FLOPs term. */
const piecewise = (f: KernelFeatures) => (f.kernelH === 1 ? 1e-9 : 3e-9) * f.flops + (f.hIn! >= 56 ? 0.3 : 0.05) * (f.strideH === 2 ? 2 : 1);

describe("tree builder", () => {
  it("finds an exact step function and splits between the two values", () => {
    const X = Array.from({ length: 40 }, (_, i) => Float64Array.of(i, (i * 7) % 5));
    const y = Float64Array.from(X, (x) => (x[0]! < 20 ? 1 : 5));
    const data = binFeatures(X, 2, 64);
    const t = buildTree(data, y, new Float64Array(40).fill(1), Uint32Array.from({ length: 40 }, (_, i) => i), { maxDepth: 3, minSamplesLeaf: 1, maxFeatures: 2, l2: 0 }, createRng(1));
    expect(t.feature[0]).toBe(0);
    expect(t.threshold[0]).toBe(19.5);
    expect(t.feature.length).toBe(3); // pure leaves are not split further
    const flat = new FlatTrees([t]);
    expect(flat.evalTree(0, [3, 0])).toBe(1);
    expect(flat.evalTree(0, [30, 0])).toBe(5);
  });
  it("evaluates identically in the heap and pointer layouts, NaN features included", () => {
    const m = fitGbt(syntheticSamples(400, piecewise, 71, 0.05), { nEstimators: 25, maxDepth: 4, noiseFolds: 0 });
    const trees = m.params.trees;
    // A chain of depth 12 forces the pointer layout for the whole ensemble.
    const chain = { feature: [] as number[], threshold: [] as number[], left: [] as number[], right: [] as number[], value: [] as number[] };
    for (let i = 0; i < 12; i++) {
      chain.feature.push(0, -1); chain.threshold.push(i, 0); chain.left.push(2 * i + 1, -1); chain.right.push(2 * i + 2, -1); chain.value.push(0, i);
    }
    chain.feature.push(-1); chain.threshold.push(0); chain.left.push(-1); chain.right.push(-1); chain.value.push(99);
    const heap = new FlatTrees(trees), pointer = new FlatTrees([...trees, chain]);
    expect(heap.heapDepth).toBe(4);
    expect(pointer.heapDepth).toBe(-1);
    expect(pointer.evalTree(trees.length, [5.5])).toBe(6); // first threshold ≥ 5.5 is 6
    const rng = createRng(8);
    for (let i = 0; i < 300; i++) {
      const x = Array.from({ length: 12 }, () => (rng.next() < 0.1 ? Number.NaN : rng.next() * 30));
      for (let k = 0; k < trees.length; k++) expect(Object.is(heap.evalTree(k, x), pointer.evalTree(k, x))).toBe(true);
    }
  });
  it("picks short thresholds strictly between two values", () => {
    expect(splitBetween(0.1, 0.3)).toBe(0.2);
    expect(splitBetween(1, 1 + 2 ** -52)).toBe(1);
    expect(splitBetween(-3, -1)).toBe(-2);
    expect(splitBetween(-1e-9, 1e-9)).toBe(0);
    const rng = createRng(4);
    for (let i = 0; i < 2000; i++) {
      const a = (rng.next() - 0.5) * 10 ** rng.int(-8, 12);
      const c = a + Math.abs(a) * 10 ** -rng.int(1, 16) + Number.MIN_VALUE;
      if (!(c > a)) continue;
      const t = splitBetween(a, c);
      expect(a <= t && t < c).toBe(true);
    }
  });
  it("bins many distinct values into ≤ maxBins ordered bins", () => {
    const X = Array.from({ length: 1000 }, (_, i) => Float64Array.of(Math.sqrt(i)));
    const data = binFeatures(X, 1, 16);
    expect(data.nBins[0]).toBe(16);
    for (let r = 1; r < 1000; r++) expect(data.bins[0]![r]! >= data.bins[0]![r - 1]!).toBe(true);
    const thr = data.thresholds[0]!;
    for (let r = 0; r < 1000; r++) {
      const b = data.bins[0]![r]!;
      if (b > 0) expect(X[r]![0]! > thr[b - 1]!).toBe(true);
      if (b < 15) expect(X[r]![0]! <= thr[b]!).toBe(true);
    }
  });
});

describe("gbt", () => {
  const train = syntheticSamples(1500, piecewise, 21, 0.02);
  const test = syntheticSamples(400, piecewise, 22, 0);
  it("fits a piecewise function within tolerance on held-out points", () => {
    const m = fitGbt(train, { nEstimators: 150, noiseFolds: 0 });
    const p = test.map((s) => m.predict(s.features).latencyMs);
    const y = test.map((s) => s.latencyMs);
    expect(mape(p, y)).toBeLessThan(0.06);
    expect(withinShare(p, y, 0.1)).toBeGreaterThan(0.85);
  });
  it("is deterministic for a seed, and the seed matters when subsampling", () => {
    const a = JSON.stringify(fitGbt(train.slice(0, 300), { nEstimators: 20, seed: 5, noiseFolds: 2 }));
    const b = JSON.stringify(fitGbt(train.slice(0, 300), { nEstimators: 20, seed: 5, noiseFolds: 2 }));
    const c = JSON.stringify(fitGbt(train.slice(0, 300), { nEstimators: 20, seed: 6, noiseFolds: 2 }));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
  it("reports a relative std near the out-of-fold error", () => {
    const m = fitGbt(train, { nEstimators: 100, noiseFolds: 3 });
    const p = test.map((s) => m.predict(s.features));
    const meanRel = p.reduce((s, q) => s + q.stdMs / q.latencyMs, 0) / p.length;
    expect(meanRel).toBeGreaterThan(0.01);
    expect(meanRel).toBeLessThan(0.2);
  });
});

describe("gbt linear stage", () => {
  // A smooth power law: trees alone approximate it stepwise; the linear stage in log space captures it exactly.
  const law = (f: KernelFeatures) => 3e-7 * f.flops ** 0.85 * (f.kernelH === 1 ? 0.7 : 1);
  const train = syntheticSamples(600, law, 61, 0.01);
  const test = syntheticSamples(300, law, 62, 0);
  it("improves held-out accuracy on smooth scaling and round-trips", () => {
    const plain = fitGbt(train, { nEstimators: 60, noiseFolds: 0 });
    const staged = fitGbt(train, { nEstimators: 60, noiseFolds: 2, linearSpec: ["log:flops", "1"] });
    const err = (m: { predict: (f: KernelFeatures) => { latencyMs: number } }) => mape(test.map((s) => m.predict(s.features).latencyMs), test.map((s) => s.latencyMs));
    expect(staged.params.linearCoef[0]).toBeGreaterThan(0.8);
    expect(staged.params.linearCoef[0]).toBeLessThan(0.9);
    expect(err(staged)).toBeLessThan(0.03);
    expect(err(staged)).toBeLessThan(err(plain) / 2);
    const back = predictorFromJSON(JSON.parse(JSON.stringify(staged)));
    for (const s of test) expect(Object.is(back.predict(s.features).latencyMs, staged.predict(s.features).latencyMs)).toBe(true);
    // Models without a stage keep their JSON free of it; a half-present stage is rejected.
    expect("linearSpec" in plain.toJSON()).toBe(false);
    const bad = JSON.parse(JSON.stringify(staged));
    bad.linearCoef.pop();
    expect(() => predictorFromJSON(bad)).toThrowError(expect.objectContaining({ code: "invalid_predictor", message: expect.stringContaining("linearCoef") }));
    delete bad.linearCoef;
    expect(() => predictorFromJSON(bad)).toThrowError(expect.objectContaining({ code: "invalid_predictor", message: expect.stringContaining("linearCoef") }));
  });
});

describe("tree sample weights", () => {
  it("follow the weighted copy when two copies of each kernel disagree", () => {
    const base = syntheticSamples(300, piecewise, 51, 0);
    const twisted = [...base.map((s) => ({ ...s, weight: 1 })), ...base.map((s) => ({ ...s, latencyMs: s.latencyMs * 3, weight: 0 }))];
    for (const m of [fitGbt(twisted, { nEstimators: 80, noiseFolds: 0, subsample: 1 }), fitForest(twisted, { nEstimators: 20 })]) {
      const p = base.map((s) => m.predict(s.features).latencyMs);
      expect(mape(p, base.map((s) => s.latencyMs)), m.kind).toBeLessThan(0.1);
    }
  });
});

describe("forest", () => {
  const train = syntheticSamples(1200, piecewise, 31, 0.02);
  const test = syntheticSamples(300, piecewise, 32, 0);
  it("fits a piecewise function within tolerance", () => {
    const m = fitForest(train, { nEstimators: 60 });
    const p = test.map((s) => m.predict(s.features).latencyMs);
    expect(mape(p, test.map((s) => s.latencyMs))).toBeLessThan(0.1);
  });
  it("is deterministic for a seed", () => {
    const a = JSON.stringify(fitForest(train.slice(0, 200), { nEstimators: 10, seed: 3 }));
    expect(JSON.stringify(fitForest(train.slice(0, 200), { nEstimators: 10, seed: 3 }))).toBe(a);
    expect(JSON.stringify(fitForest(train.slice(0, 200), { nEstimators: 10, seed: 4 }))).not.toBe(a);
  });
  it("grows its uncertainty off-distribution", () => {
    const m = fitForest(train, { nEstimators: 60 });
    const inside = test.map((s) => m.predict(s.features)).map((p) => p.stdMs / p.latencyMs);
    const meanInside = inside.reduce((a, b) => a + b, 0) / inside.length;
    // Far outside the training box: 4× larger spatial size and channels than anything seen.
    const f = { ...test[0]!.features, hIn: 896, hOut: 896, cin: 2048, cout: 2048, flops: 1e13, bytesRead: 1e10, bytesWritten: 1e10, params: 1e8 };
    const off = m.predict(f);
    expect(off.stdMs / off.latencyMs).toBeGreaterThan(3 * meanInside);
  });
});

describe("tree JSON", () => {
  const s = syntheticSamples(300, piecewise, 41, 0.05);
  const models = [fitGbt(s, { nEstimators: 30, noiseFolds: 2 }), fitGbt(s, { nEstimators: 10, target: "linear", noiseFolds: 0 }), fitForest(s, { nEstimators: 15 })];
  it("round-trips bit-identically", () => {
    const rng = createRng(7);
    for (const m of models) {
      const back = predictorFromJSON(JSON.parse(JSON.stringify(m)));
      expect(JSON.stringify(back)).toBe(JSON.stringify(m));
      for (let i = 0; i < 500; i++) {
        const f = randomConvFeatures(rng);
        if (i % 5 === 0) { f.flops *= 1 + rng.next(); f.hIn = rng.int(1, 1000); }
        const a = m.predict(f), b = back.predict(f);
        expect(Object.is(a.latencyMs, b.latencyMs) && Object.is(a.stdMs, b.stdMs)).toBe(true);
      }
    }
  });
  it("stores trees as plain arrays", () => {
    const j = JSON.parse(JSON.stringify(models[0]));
    expect(Object.keys(j.trees[0]).sort()).toEqual(["feature", "left", "right", "threshold", "value"]);
    expect(j.trees[0].feature.every((v: unknown) => Number.isInteger(v))).toBe(true);
  });
  it("rejects corrupted trees naming the field", () => {
    const j = () => JSON.parse(JSON.stringify(models[0]));
    const internal = (t: { feature: number[] }) => t.feature.findIndex((f) => f >= 0);
    const cases: [(o: any) => void, string][] = [
      [(o) => { o.trees[1].feature[internal(o.trees[1])] = 99; }, "trees[1].feature"],
      [(o) => { const i = internal(o.trees[2]); o.trees[2].left[i] = i; }, `trees[2].left`],
      [(o) => { o.trees[0].right[0] = 10_000; }, "trees[0].right[0]"],
      [(o) => { o.trees[0].right[0] = o.trees[0].left[0]; }, "trees[0].right[0]"],
      [(o) => { const t = o.trees[3]; const i = internal(t); const j = t.feature.findIndex((f: number, q: number) => q > t.right[i] && f >= 0); t.left[j] = t.right[i]; }, "trees[3].left"],
      [(o) => { o.trees[0].threshold[0] = null; }, "trees[0].threshold[0]"],
      [(o) => { o.trees[0].value.pop(); }, "trees[0].value"],
      [(o) => { o.trees = []; }, "trees"],
      [(o) => { o.domain.min = [1]; }, "domain.min"],
      [(o) => { o.noiseTree = 3; }, "noiseTree"],
      [(o) => { o.base = "1"; }, "base"],
      [(o) => { o.target = "exp"; }, "target"],
    ];
    for (const [mutate, field] of cases) {
      const o = j();
      mutate(o);
      expect(() => predictorFromJSON(o), field).toThrowError(expect.objectContaining({ code: "invalid_predictor", message: expect.stringContaining(field) }));
    }
    const f = JSON.parse(JSON.stringify(models[2]));
    f.noiseVar = -1;
    expect(() => predictorFromJSON(f)).toThrowError(expect.objectContaining({ code: "invalid_predictor", details: expect.objectContaining({ field: "noiseVar" }) }));
  });
});
