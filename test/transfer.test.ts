import { describe, expect, it } from "vitest";
import { byArchIndex, loadHelpNb201, loadHelpReferenceIndices } from "../src/datasets/nasbench201.js";
import { NB201_SIZE, nb201ArchAt, nb201ConvFlops } from "../src/spaces/nasbench201.js";
import { runBrp } from "../src/transfer/brp-protocol.js";
import { hardwareSimilarityWeights, helpDeviceSpec } from "../src/transfer/device-specs.js";
import { nb201Features } from "../src/transfer/features.js";
import { flopsOnly, sourcePrior } from "../src/transfer/few-shot.js";
import { HELP_NB201_DEVICES as D, adaptationSamples, helpCeiling, helpSplit, runHelp } from "../src/transfer/help-protocol.js";
import { DATA } from "./helpers/data.js";

describe.skipIf(!DATA)("HELP protocol on NAS-Bench-201 (shared data)", () => {
  const lat = DATA ? byArchIndex(loadHelpNb201(DATA)) : {};
  const archs = Array.from({ length: NB201_SIZE }, (_, i) => nb201ArchAt(i));
  const input = {
    latencyMs: lat,
    features: archs.map((a) => nb201Features(a, "counts")),
    flops: Float64Array.from(archs, (a) => nb201ConvFlops(a)),
  };

  it("uses HELP's device lists, all present in the data", () => {
    expect(D.metaTrain).toHaveLength(9);
    expect(D.metaValid).toEqual(["titanx_1", "titanx_32", "titanx_256", "gold_6240"]);
    expect(D.metaTest).toEqual(["titan_rtx_256", "gold_6226", "fpga", "pixel2", "raspi4", "eyeriss"]);
    for (const d of [...D.metaTrain, ...D.metaValid, ...D.metaTest]) expect(lat[d]).toBeDefined();
  });

  it("splits: pool 0–899 → 720, query 900–1899 → 800, trimmed to the 10th–90th percentile", () => {
    const y = lat.raspi4!;
    const { pool, query } = helpSplit(y);
    expect(pool).toHaveLength(720);
    expect(query).toHaveLength(800);
    expect(pool.every((r) => r >= 0 && r < 900)).toBe(true);
    expect(query.every((r) => r >= 900 && r < 1900)).toBe(true);
    const q = Array.from({ length: 1000 }, (_, i) => y[900 + i]!).sort((a, b) => a - b);
    const kept = query.map((r) => y[r]!);
    expect(Math.min(...kept)).toBe(q[100]);
    expect(Math.max(...kept)).toBe(q[899]);
    expect(adaptationSamples(pool, 10, 0)).toEqual(adaptationSamples(pool, 10, 0));
  });

  it("reads HELP's 10 reference architectures and adds them to the k samples without duplicates", () => {
    const refs = loadHelpReferenceIndices("nasbench201", DATA);
    expect(refs).toEqual([11982, 431, 55, 9, 14451, 8636, 9881, 13479, 6196, 1462]);
    let seen: number[] = [];
    runHelp(input, (t) => { seen = [...t.sampleRows]; return input.flops; }, { targets: ["raspi4"], sources: D.metaTrain, k: 10, seeds: 1, extraRows: refs });
    expect(seen).toHaveLength(20);
    expect(new Set(seen).size).toBe(20);
  });

  it("FLOPs-only ρ matches HELP's published 0.787 (edgelat: 0.783)", () => {
    const r = runHelp(input, flopsOnly, { targets: D.metaTest, sources: D.metaTrain, k: 10, seeds: 1 });
    const mean = r.reduce((a, b) => a + b.meanRho, 0) / r.length;
    expect(mean).toBeGreaterThan(0.77);
    expect(mean).toBeLessThan(0.8);
  });

  it("the combined method (source prior + hardware similarity) reaches ≥ 0.94 mean ρ with 10 samples (3 seeds)", () => {
    const w = (t: string) => hardwareSimilarityWeights(helpDeviceSpec(t), D.metaTrain.map(helpDeviceSpec));
    const r = runHelp(input, sourcePrior({ weighted: true }), { targets: D.metaTest, sources: D.metaTrain, k: 10, seeds: 3, sourceWeights: w });
    const by = Object.fromEntries(r.map((x) => [x.device, x.meanRho]));
    const mean = r.reduce((a, b) => a + b.meanRho, 0) / r.length;
    expect(mean).toBeGreaterThan(0.94);
    expect(by.fpga).toBeGreaterThan(0.995);
    expect(by.gold_6226).toBeGreaterThan(0.99);
    expect(by.eyeriss).toBeGreaterThan(0.985);
    expect(by.pixel2).toBeGreaterThan(0.79);
    expect(by.raspi4).toBeGreaterThan(0.87);
  });

  it("ceiling: pairwise ridge on all other archs (raspi4 ≈ 0.948, pixel2 ≈ 0.83)", () => {
    const pw = archs.map((a) => nb201Features(a, "pairwise"));
    expect(helpCeiling(lat.raspi4!, pw)).toBeGreaterThan(0.94);
    const p2 = helpCeiling(lat.pixel2!, pw);
    expect(p2).toBeGreaterThan(0.82);
    expect(p2).toBeLessThan(0.85);
  });

  it("BRP-NAS: 900 training archs; fpga ±10% = 100%, pixel2 is whole-ms and noise-limited", () => {
    const f = { onehot: archs.map((a) => nb201Features(a, "onehot")), "onehot-live": archs.map((a) => nb201Features(a, "onehot-live")), pairwise: archs.map((a) => nb201Features(a, "pairwise")) };
    const fpga = runBrp("fpga", lat.fpga!, f, 0);
    expect(fpga.trainSize).toBe(900);
    expect(fpga.testSize).toBe(15_625 - 1000);
    expect(fpga.edgelat.within10).toBeGreaterThan(0.99);
    expect(fpga.edgelat.rho).toBeGreaterThan(0.99);
    const p2 = runBrp("pixel2", lat.pixel2!, f, 0);
    expect(p2.noise.integerShare).toBe(1);
    expect(p2.noise.stepMs).toBe(1);
    expect(p2.noise.trainWithin10).toBeLessThan(0.6);
    expect(p2.edgelat.within10).toBeGreaterThanOrEqual(p2.additive.within10 - 0.02);
  });
});
