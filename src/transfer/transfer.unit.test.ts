import { describe, expect, it } from "vitest";
import { allNb201Archs, nb201ArchAt, nb201Code, formatNb201ArchStr } from "../spaces/nasbench201.js";
import { hardwareSimilarityWeights, helpDeviceSpec } from "./device-specs.js";
import { nb201FeatureDim, nb201Features } from "./features.js";
import { bestProxy, featureRidge, pickProxy, sourcePrior, type FewShotTask } from "./few-shot.js";
import { checkCostTable, compileNb201CostTable, fitFromEndToEnd, predictNb201Latency, type Nb201CostTableJSON } from "./fit-e2e.js";
import { adaptationSamples, trimByLatency } from "./help-protocol.js";
import { chooseProxy, latencyMonotonicity } from "./monotonicity.js";
import { createRng } from "../util/rng.js";
import { spearman } from "../metrics/index.js";

const truth: Nb201CostTableJSON = {
  kind: "nb201-cost-table", space: "nasbench201", overheadMs: 2.5,
  costsMs: Array.from({ length: 6 }, (_, e) => [0.01, 0.02, 0.3 + 0.01 * e, 1.1 + 0.02 * e, 0.15]),
  fit: { samples: 0, rmseMs: 0, ridge: 0 },
};

describe("features", () => {
  it("have the documented sizes and values", () => {
    expect(nb201FeatureDim("counts")).toBe(5);
    expect(nb201FeatureDim("onehot")).toBe(31);
    expect(nb201FeatureDim("onehot-live")).toBe(61);
    expect(nb201FeatureDim("pairwise")).toBe(61 + 15 * 25);
    expect(Array.from(nb201Features([3, 3, 2, 4, 1, 0], "counts"))).toEqual([1, 1, 2, 1, 1]);
    const x = nb201Features([0, 3, 3, 3, 3, 3], "onehot-live");
    expect(x.reduce((a, b) => a + b, 0)).toBe(6 + 3 + 1); // 6 one-hot, 3 live edges (1, 3, 5), intercept
  });
});

describe("fitFromEndToEnd", () => {
  it("recovers per-(edge, op) costs and overhead from end-to-end totals (noise-free)", () => {
    const archs = [...allNb201Archs()].filter((_, i) => i % 7 === 0);
    const samples = archs.map((a) => ({ arch: a, latencyMs: predictNb201Latency(truth, a) }));
    const fit = fitFromEndToEnd(samples);
    expect(fit.fit.rmseMs).toBeLessThan(1e-4);
    // Only differences within an edge are identifiable (a constant can move between an edge and the overhead),
    // so compare predictions on unseen architectures.
    for (let i = 1; i < 15_625; i += 997) expect(predictNb201Latency(fit, nb201ArchAt(i))).toBeCloseTo(predictNb201Latency(truth, nb201ArchAt(i)), 3);
    expect(fit.costsMs.flat().every((c) => c >= 0)).toBe(true);
  });
  it("accepts arch strings and rejects bad samples", () => {
    const a = nb201ArchAt(5);
    expect(predictNb201Latency(truth, formatNb201ArchStr(a))).toBe(predictNb201Latency(truth, a));
    expect(() => fitFromEndToEnd([])).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => fitFromEndToEnd([{ arch: a, latencyMs: NaN }])).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => checkCostTable({ kind: "x" })).toThrow(expect.objectContaining({ code: "invalid_predictor" }));
  });
  it("compiled fast path gives the table's numbers", () => {
    const c = compileNb201CostTable(truth);
    for (let i = 0; i < 15_625; i += 101) {
      const a = nb201ArchAt(i);
      expect(c.byEncoding(a)).toBe(predictNb201Latency(truth, a));
      expect(c.byCode(nb201Code(a))).toBeCloseTo(predictNb201Latency(truth, a), 12);
    }
    const all = c.allByIndex();
    expect(all.length).toBe(15_625);
    expect(all[0]).toBeCloseTo(predictNb201Latency(truth, nb201ArchAt(0)), 12);
  });
});

describe("HELP protocol helpers", () => {
  it("trims to sorted positions [⌊0.1n⌋, ⌊0.9n⌋)", () => {
    const y = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const rows = Array.from({ length: 1000 }, (_, i) => i);
    const kept = trimByLatency(rows, y);
    expect(kept).toHaveLength(800);
    expect(Math.min(...kept.map((r) => y[r]!))).toBe(100);
    expect(Math.max(...kept.map((r) => y[r]!))).toBe(899);
    expect(() => trimByLatency(rows, y, 0.9, 0.1)).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });
  it("draws k distinct samples deterministically per seed", () => {
    const pool = Array.from({ length: 720 }, (_, i) => i * 2);
    const a = adaptationSamples(pool, 10, 3);
    expect(a).toEqual(adaptationSamples(pool, 10, 3));
    expect(new Set(a).size).toBe(10);
    expect(a).not.toEqual(adaptationSamples(pool, 10, 4));
    expect(() => adaptationSamples(pool, 0, 1)).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });
});

describe("few-shot methods on a synthetic device family", () => {
  // Devices = per-op cost vectors; the target is a new mix of them plus noise.
  const archs = [...allNb201Archs()];
  const feats = archs.map((a) => nb201Features(a, "counts"));
  const rng = createRng(7);
  const device = (costs: number[]) => Float64Array.from(feats, (x) => costs.reduce((s, c, j) => s + c * x[j]!, 0) + 0.02 * rng.normal());
  const sources = [[0.1, 1, 5, 0.5, 3], [0.2, 2, 6, 1, 4], [0.05, 0.5, 9, 0.3, 2], [0.1, 3, 4, 2, 5]].map((c, i) => ({ device: `s${i}`, latencyMs: device(c) }));
  const target = device([0.15, 2.2, 6.5, 1.1, 3.8]);
  const sampleRows = Array.from({ length: 10 }, (_, i) => i * 1000 + 17);
  const task: FewShotTask = { features: feats, sources, sampleRows, sampleLatencyMs: sampleRows.map((r) => target[r]!) };
  const rho = (p: Float64Array) => spearman(Array.from(p), Array.from(target));
  it("source prior ranks the target almost perfectly from 10 samples", () => {
    expect(rho(sourcePrior()(task))).toBeGreaterThan(0.99);
    expect(rho(featureRidge()(task))).toBeGreaterThan(0.95);
    expect(["s0", "s1", "s2", "s3"]).toContain(pickProxy(task).device);
    expect(rho(bestProxy(task))).toBeGreaterThan(0.9);
  });
  it("rejects malformed tasks", () => {
    expect(() => sourcePrior()({ ...task, sampleRows: [], sampleLatencyMs: [] })).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => sourcePrior()({ ...task, sources: sources.slice(0, 1) })).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });
});

describe("monotonicity and hardware similarity", () => {
  it("computes ρ/τ matrices and OneProxy's reuse rule", () => {
    const a = [1, 2, 3, 4, 5, 6], b = [2, 4, 6, 8, 10, 12], c = [6, 5, 4, 3, 2, 1];
    const m = latencyMonotonicity({ a, b, c });
    expect(m.rho[0]![1]).toBeCloseTo(1, 12);
    expect(m.rho[0]![2]).toBeCloseTo(-1, 12);
    expect(m.tau[1]![2]).toBeCloseTo(-1, 12);
    expect(chooseProxy({ b: 0.95, c: 0.5 })).toEqual({ proxy: "b", rho: 0.95, action: "reuse" });
    expect(chooseProxy({ b: 0.7, c: 0.5 }).action).toBe("adapt");
    expect(() => latencyMonotonicity({ a }, { devices: ["zz"] })).toThrow(expect.objectContaining({ code: "unknown_device" }));
  });
  it("weights similar hardware more", () => {
    const w = hardwareSimilarityWeights(helpDeviceSpec("titan_rtx_256"), ["1080ti_256", "1080ti_1", "pixel3"].map(helpDeviceSpec));
    expect(w.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
    expect(w[0]).toBeGreaterThan(w[1]!);
    expect(w[1]).toBeGreaterThan(w[2]!);
    expect(() => helpDeviceSpec("nope")).toThrow(expect.objectContaining({ code: "unknown_device" }));
  });
});
