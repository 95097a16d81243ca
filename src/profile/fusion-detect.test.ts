// Fusion detection's decision rule (noise band, decision policy, rule selection) and its device-profile field.
// Pure functions, and one real onnxruntime-node run (two cases, a few rounds; no absolute time asserted).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDevice } from "../devices/load.js";
import type { DeviceProfileJSON } from "../devices/types.js";
import { createRng } from "../util/rng.js";
import { OrtRunner } from "./ort.js";
import { decideCase, defaultFusionCases, detectFusion, deviceFusion, rulesToDisable, savedStandardError, timingDecision, type FusionCaseResult } from "./fusion-detect.js";

describe("timing decision with a noise band", () => {
  it("abstains when the margin to the threshold is within z standard errors, else decides as nn-Meter's test", () => {
    // ORT conv-sigmoid (docs/local-devices.md): saved 12 µs vs threshold 13 µs
    expect(timingDecision(12, 13, 2, 1.96)).toBe("inconclusive");
    expect(timingDecision(12, 13, undefined, 1.96)).toBe("separate"); // no spread known: the published test
    expect(timingDecision(12, 13, 2, 0)).toBe("separate");
    expect(timingDecision(30, 10, 2, 1.96)).toBe("fused");
    expect(timingDecision(14.1, 10, 2, 1.96)).toBe("fused");
    expect(timingDecision(13.9, 10, 2, 1.96)).toBe("inconclusive");
    expect(timingDecision(-5, 10, 2, 1.96)).toBe("separate");
    expect(timingDecision(Number.NaN, 10, undefined, 1.96)).toBe("inconclusive"); // left unmeasured
  });

  it("pairs the runs of one round: a slowdown shared by the round mostly cancels out of the saving's standard error", () => {
    const rng = createRng(7);
    const n = 15;
    const slow = Array.from({ length: n }, () => 1 + 0.4 * rng.next()); // the round's load stretches every kernel by 0–40%
    const noise = () => rng.next() - 0.5; // ±0.5 µs own noise
    const a = slow.map((f) => 70 * f + noise());
    const b = slow.map((f) => 20 * f + noise());
    const ab = slow.map((f) => 85 * f + noise());
    const paired = savedStandardError(a, b, ab)!;
    const unpaired = savedStandardError(a, b, ab.slice(1))!; // lengths differ: not the same rounds
    expect(paired).toBeGreaterThan(0);
    expect(paired).toBeLessThan(unpaired / 5);
    expect(savedStandardError([1], [2], [3])).toBeUndefined();
    expect(savedStandardError([], [], [])).toBeUndefined();
  });
});

describe("decision policy and rule selection", () => {
  it("runtime evidence decides; else a conclusive timing test; else the base rule set", () => {
    expect(decideCase("fused", "separate", "fused")).toEqual({ decision: "separate", source: "runtime" });
    expect(decideCase("separate", undefined, "fused")).toEqual({ decision: "separate", source: "timing" });
    expect(decideCase("inconclusive", undefined, "fused")).toEqual({ decision: "fused", source: "base" });
  });

  it("disables a rule only when every case it fuses is finally separate", () => {
    expect(rulesToDisable([{ rules: ["conv-bn-add-mul"], decision: "separate" }, { rules: ["conv-bn-add-mul"], decision: "fused" }])).toEqual([]);
    expect(rulesToDisable([{ rules: ["conv-bn-add-mul"], decision: "separate" }, { rules: ["gemm-act"], decision: "fused" }, { rules: [], decision: "fused" }])).toEqual(["conv-bn-add-mul"]);
  });
});

describe("deviceFusion: the profile's fusion field", () => {
  const result = (name: string, over: Partial<FusionCaseResult>): FusionCaseResult => ({
    name, aUs: 70, bUs: 20, abUs: 88, savedUs: 2, thresholdUs: 10, savedSeUs: 1.2, detected: false, timing: "separate",
    runtimeFused: false, simulatorFused: true, rules: ["conv-bn-add-mul"], decision: "separate", source: "timing", ...over,
  });

  it("records every case's evidence, disables what the decisions say, and loads into the device's rule set", () => {
    const cases = [
      result("conv-bn", {}),
      result("conv-relu", { timing: "inconclusive", decision: "fused", source: "base", savedUs: 9.5 }),
      result("gemm-relu", { rules: ["gemm-act"], aUs: Number.NaN, savedUs: Number.NaN, timing: "inconclusive", decision: "fused", source: "base" }),
    ];
    const f = deviceFusion("ort-cpu@1.30/extended", 0.5, 1.96, cases);
    // conv-relu keeps conv-bn-add-mul (its final decision is fused)
    expect(f.disable).toEqual([]);
    expect(f.cases[1]).toMatchObject({ name: "conv-relu", decision: "fused", source: "base", timing: { decision: "inconclusive", savedUs: 9.5 } });
    expect(f.cases[2]!.timing).toBeUndefined(); // unmeasured: no numbers written
    const g = deviceFusion("ort-cpu@1.30/extended", 0.5, 1.96, [cases[0]!, cases[2]!]);
    expect(g.disable).toEqual(["conv-bn-add-mul"]);
    const profile: DeviceProfileJSON = {
      schema: "edgelat-device@1", id: "t", name: "t", backend: "ort-cpu@1.30/extended",
      identity: { device: "T", soc: "T", processor: "cpu", processorName: "T", threads: 1, precision: "fp32", runtime: "onnxruntime-node", runtimeVersion: "1.30.0" },
      predictors: { conv: { kind: "linear", version: 1, spec: ["1", "flops"], coef: [0, 1e-9], target: "linear", noise: { relStd: 0.1, absStdMs: 0 }, samples: 1 } as never },
      overhead: { coef: { sumKernelMs: 1 }, relStd: 0.1 },
      provenance: { dataset: "unit", method: "unit", samples: { models: 0 } },
      fusion: g,
    };
    const d = loadDevice(JSON.parse(JSON.stringify(profile)));
    expect(d.ruleSet!.rules.map((r) => r.name)).not.toContain("conv-bn-add-mul");
    expect(d.ruleSet!.rules.map((r) => r.name)).toContain("gemm-act");
  });
});

describe("detectFusion on onnxruntime-node (real)", () => {
  it("records ORT's optimized-graph evidence, the simulator's rule per case, and writes a loadable fusion field", async () => {
    const runner = await OrtRunner.create({ workDir: mkdtempSync(join(tmpdir(), "edgelat-fusion-detect-")), level: "extended" });
    const cases = defaultFusionCases().filter((c) => c.name === "conv-bn" || c.name === "gemm-relu" || c.name === "add-relu");
    const d = await detectFusion(runner, cases, { rounds: 6, warmup: 1, maxRetries: 0 });
    const by = new Map(d.cases.map((c) => [c.name, c]));
    expect(by.get("conv-bn")).toMatchObject({ rules: ["conv-bn-add-mul"], simulatorFused: true, runtime: { kind: "ORT optimized graph nodes", apart: 2, combined: 1, decision: "fused" }, decision: "fused", source: "runtime" });
    expect(by.get("gemm-relu")).toMatchObject({ rules: ["gemm-act"], runtime: { apart: 2, combined: 1, decision: "fused" }, decision: "fused", source: "runtime" });
    expect(by.get("add-relu")).toMatchObject({ rules: [], simulatorFused: false, runtime: { apart: 2, combined: 2, decision: "separate" }, decision: "separate", source: "runtime" });
    for (const c of d.cases) {
      expect(c.savedUs).toBeCloseTo(c.aUs + c.bUs - c.abUs, 9);
      expect(["fused", "separate", "inconclusive"]).toContain(c.timing);
    }
    expect(d.fusion).toMatchObject({ base: "ort-cpu@1.30/extended", disable: [], alpha: 0.5, z: 1.96 });
    expect(d.fusion.cases.map((c) => c.name)).toEqual(["conv-bn", "gemm-relu", "add-relu"]);
    const profile: DeviceProfileJSON = {
      schema: "edgelat-device@1", id: "t", name: "t", backend: d.backend,
      identity: { device: "T", soc: "T", processor: "cpu", processorName: "T", threads: 1, precision: "fp32", runtime: "onnxruntime-node", runtimeVersion: "1.30.0" },
      predictors: { conv: { kind: "linear", version: 1, spec: ["1", "flops"], coef: [0, 1e-9], target: "linear", noise: { relStd: 0.1, absStdMs: 0 }, samples: 1 } as never },
      overhead: { coef: { sumKernelMs: 1 }, relStd: 0.1 },
      provenance: { dataset: "unit", method: "unit", samples: { models: 0 } },
      fusion: d.fusion,
    };
    expect(loadDevice(JSON.parse(JSON.stringify(profile))).json.fusion).toEqual(d.fusion);
  });
});
