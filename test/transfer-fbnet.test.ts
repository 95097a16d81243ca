import { describe, expect, it } from "vitest";
import { loadHelpFbnet } from "../src/datasets/fbnet.js";
import { fbnetFeatures } from "../src/spaces/fbnet.js";
import { hardwareSimilarityWeights, helpDeviceSpec } from "../src/transfer/device-specs.js";
import { sourcePrior } from "../src/transfer/few-shot.js";
import { HELP_FBNET_DEVICES as D, HELP_FBNET_POOL, helpSplit, runHelp } from "../src/transfer/help-protocol.js";
import { DATA } from "./helpers/data.js";

describe.skipIf(!DATA)("HELP FBNet protocol (shared data)", () => {
  const t = DATA ? loadHelpFbnet(DATA) : undefined;
  it("loads 5,000 archs × 27 devices with op names matching the space", () => {
    expect(t!.archs).toHaveLength(5000);
    expect(t!.devices).toHaveLength(27);
    expect(t!.archs[0]!.join("-")).toBe("7-8-1-8-4-8-8-8-7-4-1-4-7-3-2-7-3-2-4-2-4-5");
    for (const d of [...D.metaTrain, ...D.metaValid, ...D.metaTest]) expect(t!.latencyMs[d]).toBeDefined();
  });
  it("splits pool 0–3,999 → 3,200 and query 4,000–4,999 → 800", () => {
    const { pool, query } = helpSplit(t!.latencyMs.raspi4!, { poolSize: HELP_FBNET_POOL });
    expect(pool).toHaveLength(3200);
    expect(query).toHaveLength(800);
    expect(Math.min(...query)).toBeGreaterThanOrEqual(4000);
  });
  it("source prior with hardware similarity reaches ≥ 0.87 mean ρ with 10 samples (2 seeds)", () => {
    const input = { latencyMs: t!.latencyMs, features: t!.archs.map((a) => fbnetFeatures(a)) };
    const spec = (d: string) => helpDeviceSpec(d.replace(/_64$/, "_256"));
    const r = runHelp(input, sourcePrior({ inflationGrid: [1e-5, 1e-4, 1e-3], weighted: true }), {
      targets: D.metaTest, sources: D.metaTrain, k: 10, seeds: 2, poolSize: HELP_FBNET_POOL,
      sourceWeights: (d) => hardwareSimilarityWeights(spec(d), D.metaTrain.map(spec)),
    });
    const mean = r.reduce((a, b) => a + b.meanRho, 0) / r.length;
    expect(mean).toBeGreaterThan(0.87);
    for (const x of r) expect(x.meanRho).toBeGreaterThan(0.83);
  });
});
