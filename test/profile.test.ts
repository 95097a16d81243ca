// The local profiler: statistics, JSONL log resume, ORT trace mapping, fusion detection vs ORT's optimized graph,
// kernel extraction and templates, and a real profiling run on a tiny budget whose profile loads and predicts.
// Nothing here asserts an absolute time.
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDevice } from "../src/devices/load.js";
import { isEdgelatError } from "../src/errors.js";
import { fuse } from "../src/fusion/fuse.js";
import { buildMobileNetV2 } from "../src/models/index.js";
import { buildNasBench201Graph } from "../src/spaces/nasbench201.js";
import { predictLatency } from "../src/predict.js";
import { inferShapes } from "../src/shape/infer.js";
import { main } from "../src/cli/main.js";
import { parseDuration } from "../src/cli/profile.js";
import {
  MeasurementLog, OrtRunner, fitLocalOverhead, buildKernelModel, configFlops, configFromKernel, configKey, defaultFusionCases, detectFusion, iqr, kernelExtractor,
  loadOrt, mad, mapOrtNodes, measureE2e, median, parseOrtTrace, perturbConfig, prepareModel, profileDevice, quantile, readLog, rejectOutliers,
  summarize, type KernelConfig, type ModelRunner,
} from "../src/profile/index.js";
import { createRng } from "../src/util/rng.js";

const tmp = mkdtempSync(join(tmpdir(), "edgelat-profile-"));
const workDir = join(tmp, "work");

describe("stats", () => {
  it("median, quantiles, IQR, MAD, Tukey rejection", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(iqr([1, 2, 3, 4, 5])).toBe(2);
    expect(mad([1, 2, 3, 4, 100])).toBe(1);
    expect(rejectOutliers([10, 11, 10, 12, 11, 10, 95])).toEqual([10, 11, 10, 12, 11, 10]);
    const s = summarize([10, 11, 10, 12, 11, 10, 95]);
    expect(s.median).toBe(10.5);
    expect(s.kept).toBe(6);
    expect(s.n).toBe(7);
    expect(s.relIqr).toBeCloseTo(1 / 10.5, 10);
  });
});

describe("measurement log", () => {
  it("appends, resumes per configuration, and skips a torn last line", () => {
    const file = join(tmp, "log.jsonl");
    const a = new MeasurementLog(file, "cfg-a");
    a.append({ kind: "e2e", key: "m1", load: [1, 1, 1], ms: [1, 2, 3] });
    a.append({ kind: "kernels", key: "m1", load: [1, 1, 1], kernelsUs: { k0: [5, 6] } });
    new MeasurementLog(file, "cfg-b").append({ kind: "e2e", key: "m1", load: [0, 0, 0], ms: [9] });
    appendFileSync(file, '{"kind":"e2e","key":"m1","con'); // a crash mid-write
    const b = new MeasurementLog(file, "cfg-a");
    expect(b.resumed).toBe(2);
    expect(b.e2eMs("m1")).toEqual([1, 2, 3]);
    expect(b.kernelsUs("m1").get("k0")).toEqual([5, 6]);
    expect(readLog(file)).toHaveLength(3);
    writeFileSync(join(tmp, "bad.jsonl"), "not json\n{}\n");
    expect(() => readLog(join(tmp, "bad.jsonl"))).toThrow(expect.objectContaining({ code: "invalid_json" }));
  });

  it("measureE2e resumes from the log without re-running the models", async () => {
    const runner = await OrtRunner.create({ workDir });
    let opened = 0;
    const counting: ModelRunner = { config: runner.config, open: (m, o) => (opened++, runner.open(m, o)) };
    const { model } = prepareModel("tiny", buildMobileNetV2({ widthMultiplier: 0.35, resolution: 32 }));
    const file = join(tmp, "resume.jsonl");
    const opts = { rounds: 5, warmup: 1, maxRetries: 0 };
    const first = await measureE2e(counting, [model], { ...opts, log: new MeasurementLog(file, runner.config) });
    expect(opened).toBe(1);
    expect(first.get("tiny")!.ms).toHaveLength(5);
    const second = await measureE2e(counting, [model], { ...opts, log: new MeasurementLog(file, runner.config) });
    expect(opened).toBe(1);
    expect(second.get("tiny")!.ms).toEqual(first.get("tiny")!.ms);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ kind: "e2e", key: "tiny", config: runner.config });
  });
});

describe("ORT trace", () => {
  it("splits node events into runs and numbers repeated names", () => {
    const ev = (name: string, ts: number, dur: number, op = "Conv") => ({ cat: "Node", name: `${name}_kernel_time`, ts, dur, args: { op_name: op, provider: "CPUExecutionProvider" } });
    const runs = parseOrtTrace([
      { cat: "Session", name: "model_run", ts: 100, dur: 50 },
      ev("a", 101, 10), ev("ReorderOutput", 112, 2, "ReorderOutput"), ev("ReorderOutput", 120, 3, "ReorderOutput"),
      { cat: "Session", name: "model_run", ts: 200, dur: 50 },
      ev("a", 201, 11), ev("a_fence_before", 202, 1),
    ]);
    expect(runs).toHaveLength(2);
    expect(runs[0]!.map((e) => [e.node, e.occurrence, e.durUs])).toEqual([["a", 0, 10], ["ReorderOutput", 0, 2], ["ReorderOutput", 1, 3]]);
    expect(runs[1]!.map((e) => e.node)).toEqual(["a", "a_fence_before"]);
    expect(() => parseOrtTrace({})).toThrow(expect.objectContaining({ code: "invalid_json" }));
  });

  it("maps every ORT node of a MobileNetV2 (NCHWc, level all) to the simulator's kernels", async () => {
    const runner = await OrtRunner.create({ workDir, level: "all" });
    const { model, inferred } = prepareModel("mbv2", buildMobileNetV2({ widthMultiplier: 0.5, resolution: 64 }));
    const kg = fuse(inferred, runner.backend);
    const s = await runner.open(model, { profile: true, optimized: true });
    await s.run();
    await s.run();
    const { trace, optimized } = await s.close();
    expect(trace).toHaveLength(2);
    const mapping = mapOrtNodes(model.graph, kg, optimized!);
    const mapped = new Set(trace![1]!.map((e) => mapping.kernelOf(e.node, e.occurrence)));
    expect(mapped.has(undefined)).toBe(false);
    expect(mapped.size).toBe(kg.kernels.length);
  });
});

describe("mapping with common-subexpression elimination", () => {
  it("NB201 cells whose duplicate pools ORT keeps under the other name map completely", async () => {
    const runner = await OrtRunner.create({ workDir, level: "all" });
    // avg_pool on edges 0→1 and 0→2: two identical AveragePools of the same input, one eliminated
    const { model, inferred } = prepareModel("nb", buildNasBench201Graph([4, 4, 2, 2, 0, 1], { cellsPerStage: 1 }));
    const kg = fuse(inferred, runner.backend);
    expect(kg.noKernel.some((n) => n.reason.startsWith("common subexpression"))).toBe(true);
    const s = await runner.open(model, { profile: true, optimized: true });
    await s.run();
    const { trace, optimized } = await s.close();
    const mapping = mapOrtNodes(model.graph, kg, optimized!);
    expect(trace![0]!.filter((e) => mapping.kernelOf(e.node, e.occurrence) === undefined)).toEqual([]);
  });
});

describe("overhead model", () => {
  it("recovers a·Σ + b·kernels + c (b may be negative) from exact rows", () => {
    const rows = Array.from({ length: 8 }, (_, i) => {
      const sumKernelMs = 1 + i * 0.7, kernels = 20 + ((i * 37) % 90);
      return { name: `m${i}`, sumKernelMs, kernels, fusedOps: 0, measuredMs: 1.05 * sumKernelMs - 0.001 * kernels + 0.2 };
    });
    const o = fitLocalOverhead(rows);
    expect(o.coef.sumKernelMs).toBeCloseTo(1.05, 6);
    expect(o.coef.kernels).toBeCloseTo(-0.001, 6);
    expect(o.coef.constant).toBeCloseTo(0.2, 6);
    expect(o.relStd).toBeLessThan(1e-6);
    expect(fitLocalOverhead(rows.slice(0, 3)).coef.kernels).toBeUndefined();
  });

  it("keeps a scale only when extra terms only fit the noise (chosen by leave-one-out)", () => {
    // e2e = 1.1·Σkernels with ±3% alternating noise that correlates with nothing: the three-term fit cannot predict
    // held-out rows better than the scale, so the simpler form is kept
    const rows = Array.from({ length: 8 }, (_, i) => {
      const sumKernelMs = 2 + i * 1.3, kernels = 30 + ((i * 53) % 70);
      return { name: `m${i}`, sumKernelMs, kernels, fusedOps: 0, measuredMs: 1.1 * sumKernelMs * (1 + (i % 2 ? 0.03 : -0.03) * (i % 3 ? 1 : -1)) };
    });
    const o = fitLocalOverhead(rows);
    expect(Object.keys(o.coef)).toEqual(["sumKernelMs"]);
    expect(o.coef.sumKernelMs).toBeCloseTo(1.1, 1);
  });
});

describe("fusion detection", () => {
  it("conv-bn: the timing test, ORT's optimized graph and the simulator agree", async () => {
    const runner = await OrtRunner.create({ workDir, level: "all" });
    const convBn = defaultFusionCases().filter((c) => c.name === "conv-bn" || c.name === "add-relu");
    const d = await detectFusion(runner, convBn, { rounds: 15, warmup: 2 });
    const cb = d.cases.find((c) => c.name === "conv-bn")!;
    expect(cb.runtimeFused).toBe(true);
    expect(cb.simulatorFused).toBe(true);
    expect(cb.detected).toBe(true);
    expect(cb.savedUs).toBeGreaterThan(cb.thresholdUs);
    const ar = d.cases.find((c) => c.name === "add-relu")!;
    expect(ar.runtimeFused).toBe(false);
    expect(ar.simulatorFused).toBe(false);
    expect(d.selection).toEqual({});
  });
});

describe("kernel models", () => {
  it("templates: key, FLOPs and shapes; perturbation keeps depthwise convolutions depthwise", () => {
    const cfg: KernelConfig = { op: "conv", cin: 16, cout: 32, h: 28, w: 28, k: 3, s: 2, groups: 1, bn: true, act: "relu6", residual: false };
    expect(configKey(cfg)).toBe("tpl:conv:act=relu6,bn=true,cin=16,cout=32,groups=1,h=28,k=3,residual=false,s=2,w=28");
    const inferred = inferShapes(buildKernelModel(cfg));
    const kg = fuse(inferred, "ort-cpu@1.30/all");
    const conv = kg.kernels.find((k) => k.class === "conv")!;
    expect(conv.type).toBe("conv-bn-relu6");
    expect(conv.features.flops).toBe(configFlops(cfg) + conv.features.flops - 2 * 14 * 14 * 32 * 16 * 9);
    expect(configFromKernel(conv)).toEqual(cfg);
    const dw: KernelConfig = { op: "conv", cin: 32, cout: 32, h: 14, w: 14, k: 3, s: 1, groups: 32, bn: true, act: "relu", residual: false };
    const rng = createRng(3);
    for (let i = 0; i < 20; i++) {
      const p = perturbConfig(dw, rng) as Extract<KernelConfig, { op: "conv" }>;
      expect(p.groups).toBe(p.cin);
      expect(p.cout).toBe(p.cin);
    }
    expect(() => buildKernelModel({ ...cfg, groups: 3 })).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });

  it("a real model's kernel cut out as a single-kernel model fuses to the same kernel type", () => {
    const inferred = inferShapes(buildMobileNetV2({ widthMultiplier: 0.5, resolution: 96 }));
    const kg = fuse(inferred, "ort-cpu@1.30/all");
    const extract = kernelExtractor(inferred);
    let checked = 0;
    const kernels = kg.kernels.filter((x) => x.nodes.length > 0);
    expect(kernels.some((x) => x.type === "conv-bn-add")).toBe(true);
    for (const k of [...kernels.slice(0, 8), ...kernels.filter((x) => x.type === "conv-bn-add").slice(0, 4)]) {
      const g = extract(k, `k-${k.id}`)!;
      expect(g.nodes.map((n) => n.name).filter((n) => !n.endsWith("__producer"))).toEqual(k.nodes);
      const sub = fuse(inferShapes(g), "ort-cpu@1.30/all").kernels.find((x) => x.nodes.includes(k.nodes[0]!))!;
      expect(sub.type).toBe(k.type);
      expect(sub.nodes).toEqual(k.nodes);
      expect(sub.features.flops).toBe(k.features.flops);
      checked++;
    }
    expect(checked).toBe(12);
  });
});

describe("profileDevice on a tiny budget", () => {
  it("profiles for real; the profile loads, predicts, and validate compares", async () => {
    const prior = [{ name: "mbv2-tiny", inferred: inferShapes(buildMobileNetV2({ widthMultiplier: 0.35, resolution: 64 })) }];
    const calib = [0.35, 0.5, 0.75].map((w) => ({ name: `mbv2-${w}`, family: "mobilenetv2", graph: buildMobileNetV2({ widthMultiplier: w, resolution: 48 }) }));
    const logFile = join(tmp, "profile.jsonl");
    const res = await profileDevice({
      budgetMs: 4000, workDir, logFile, priorModels: prior, calibrationModels: calib, fusionCases: false,
      measure: { rounds: 5, warmup: 1, maxRetries: 0 },
    });
    const p = res.profile;
    expect(p.schema).toBe("edgelat-device@1");
    expect(p.id).toBe("local-ort-node-t1-all");
    expect(p.backend).toBe("ort-cpu@1.30/all");
    expect(p.identity.threads).toBe(1);
    expect(Object.keys(p.predictors)).toContain("conv");
    expect(res.calibration.length).toBe(3);
    expect(readLog(logFile).length).toBeGreaterThan(0);
    const device = loadDevice(JSON.parse(JSON.stringify(p)));
    const est = predictLatency(buildMobileNetV2({ widthMultiplier: 0.5, resolution: 64 }), device);
    expect(est.latencyMs).toBeGreaterThan(0);
    expect(Number.isFinite(est.latencyMs)).toBe(true);
    expect(est.kernels.filter((k) => k.class === "conv").every((k) => /^(conv:|type:conv)/.test(k.predictor))).toBe(true);

    // the CLI validate command measures and compares (JSON output)
    const devFile = join(tmp, "device.json");
    writeFileSync(devFile, JSON.stringify(p));
    const { toOnnx } = await import("../src/parsers/onnx/index.js");
    const onnx = join(tmp, "m.onnx");
    writeFileSync(onnx, toOnnx(buildMobileNetV2({ widthMultiplier: 0.5, resolution: 64 }), { weights: "random", seed: 1 }));
    const out: string[] = [];
    const code = await main(["validate", "--device", devFile, onnx, "--rounds", "3", "--json"], { out: (t) => out.push(t), err: () => undefined });
    expect(code).toBe(0);
    const v = JSON.parse(out.join("\n"));
    expect(v.rows).toHaveLength(1);
    expect(v.rows[0].predictedMs).toBeCloseTo(est.latencyMs, 9);
    expect(v.rows[0].measuredMs).toBeGreaterThan(0);
  });
});

describe("CLI and runtimes", () => {
  it("durations, argument errors, a missing runtime", async () => {
    expect(parseDuration("10m")).toBe(600_000);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("2")).toBe(2000);
    expect(() => parseDuration("soon")).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    const err: string[] = [];
    const io = { out: () => undefined, err: (t: string) => err.push(t) };
    expect(await main(["profile", "--budget", "1s"], io)).toBe(1);
    expect(err.at(-1)).toContain("[invalid_argument]");
    expect(await main(["profile", "--runtime", "tflite", "--out", join(tmp, "x.json")], io)).toBe(1);
    expect(await main(["validate", "--device", join(tmp, "absent.json"), "m.onnx"], io)).toBe(1);
    expect(err.at(-1)).toContain("[io_error]");
    const e = await loadOrt(() => Promise.reject(new Error("Cannot find module 'onnxruntime-node'"))).catch((x: unknown) => x);
    expect(isEdgelatError(e, "missing_runtime")).toBe(true);
    expect((e as Error).message).toContain("npm install onnxruntime-node");
  });
});
