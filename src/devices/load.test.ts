import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { toOnnx } from "../parsers/onnx/index.js";
import { isEdgelatError } from "../errors.js";
import type { Kernel, KernelGraph } from "../fusion/types.js";
import { aggregate, predictKernels, predictorFeatures } from "./estimate.js";
import { fuse } from "../fusion/fuse.js";
import { GraphBuilder } from "../ir/builder.js";
import { predictLatency } from "../predict-core.js";
import { inferShapes } from "../shape/infer.js";
import { loadDevice } from "./load.js";
import type { DeviceFusionJSON, DeviceProfileJSON, FusionCaseEvidenceJSON } from "./types.js";

const linear = (coef: number[], spec = ["1", "flops"]) => ({
  kind: "linear", version: 1, spec, coef, target: "linear", noise: { relStd: 0.1, absStdMs: 0 }, samples: 10,
});

function profile(): DeviceProfileJSON {
  return {
    schema: "edgelat-device@1",
    id: "test-gpu",
    name: "test device",
    identity: { device: "Test", soc: "T1", processor: "gpu", processorName: "G1", precision: "fp16", runtime: "tflite", runtimeVersion: "2.10" },
    backend: "tflite-gpu@2.10",
    predictors: {
      conv: [
        { when: { field: "kernelH", max: 1 }, label: "1x1", predictor: linear([0.01, 1e-9]) },
        { predictor: linear([0.02, 2e-9]) },
      ],
      concat: linear([0.005, 0]),
    },
    overhead: { coef: { sumKernelMs: 1.5, kernels: 0.01, constant: 0.2 }, relStd: 0.05, absorbs: ["pad"] },
    provenance: { dataset: "unit test", method: "hand-written", samples: { models: 0 } },
  };
}

function kernel(id: string, cls: Kernel["class"], extra: Partial<Kernel["features"]> = {}, opTypes = ["Conv"]): Kernel {
  return {
    id, type: cls, class: cls, nodes: opTypes.map((_, i) => `${id}n${i}`), opTypes, inputs: [], outputs: [],
    features: { flops: 1e6, params: 0, bytesRead: 0, bytesWritten: 0, nodes: opTypes.length, outputShape: [1, 8, 4, 4], ...extra },
    rule: "test",
  };
}

function expectDeviceError(mutate: (p: Record<string, any>) => void, field: string): void {
  const p = profile() as unknown as Record<string, any>;
  mutate(p);
  try {
    loadDevice(p);
    expect.unreachable("loadDevice accepted an invalid profile");
  } catch (e) {
    expect(isEdgelatError(e, "invalid_device")).toBe(true);
    expect((e as { details: { field: string } }).details.field).toBe(field);
  }
}

describe("loadDevice", () => {
  it("loads a valid profile with routes", () => {
    const d = loadDevice(profile());
    expect(d.id).toBe("test-gpu");
    expect(d.routes.get("conv")!.length).toBe(2);
    expect(d.routes.get("conv")![0]!.max).toBe(1);
  });
  it("names the offending field", () => {
    expectDeviceError((p) => (p.schema = "x"), "schema");
    expectDeviceError((p) => (p.identity.precision = "fp64"), "identity.precision");
    expectDeviceError((p) => delete p.identity.soc, "identity.soc");
    expectDeviceError((p) => (p.predictors.concat.kind = "nope"), "predictors.concat.kind");
    expectDeviceError((p) => (p.predictors.conv[1].predictor.coef = [1]), "predictors.conv[1].predictor.coef");
    expectDeviceError((p) => (p.predictors.conv[0].when.field = "colour"), "predictors.conv[0].when.field");
    expectDeviceError((p) => delete p.predictors.conv[0].when, "predictors.conv[0].when");
    expectDeviceError((p) => (p.predictors.blob = linear([1, 1])), "predictors.blob");
    expectDeviceError((p) => (p.overhead.coef.kernels = "1"), "overhead.coef.kernels");
    expectDeviceError((p) => (p.overhead.coef.magic = 1), "overhead.coef.magic");
    expectDeviceError((p) => (p.overhead.absorbs = ["pad", "warp"]), "overhead.absorbs[1]");
    expectDeviceError((p) => (p.identity.processor = "cpu"), "identity.threads");
    expectDeviceError((p) => (p.provenance.samples.models = -1), "provenance.samples.models");
    expectDeviceError((p) => (p.id = "Bad Id"), "id");
  });
});

describe("predictKernels / aggregate", () => {
  const d = loadDevice(profile());
  const graph: KernelGraph = {
    backend: "tflite-gpu@2.10",
    kernels: [
      kernel("k0", "conv", { kernelH: 1 }),
      kernel("k1", "conv", { kernelH: 3 }),
      kernel("k2", "pad"),
      kernel("k3", "elementwise"),
      kernel("k4", "concat", { outputShape: undefined }),
    ],
    noKernel: [],
  };
  const est = predictKernels(graph, d);
  it("routes by geometry and never drops a kernel", () => {
    expect(est.map((e) => e.id)).toEqual(["k0", "k1", "k2", "k3", "k4"]);
    expect(est[0]!.latencyMs).toBeCloseTo(0.01 + 1e-3, 12);
    expect(est[0]!.predictor).toBe("conv/1x1:linear");
    expect(est[1]!.latencyMs).toBeCloseTo(0.02 + 2e-3, 12);
  });
  it("labels absorbed and fallback kernels and warns", () => {
    expect(est[2]!).toMatchObject({ latencyMs: 0, predictor: "overhead:pad", counted: false });
    expect(est[2]!.warning).toBeUndefined();
    expect(est[3]!.predictor).toBe("fallback:concat:linear");
    expect(est[3]!.latencyMs).toBeCloseTo(0.005, 12);
    expect(est[3]!.warning).toMatch(/no elementwise predictor/);
    expect(est[4]!.warning).toMatch(/output shape unknown/);
  });
  it("applies the overhead model and the interval", () => {
    const a = aggregate(est, d);
    const sum = 0.011 + 0.022 + 0 + 0.005 + 0.005;
    expect(a.latencyMs).toBeCloseTo(1.5 * sum + 0.01 * 4 + 0.2, 12);
    expect(a.interval[0]).toBeLessThan(a.latencyMs);
    expect(a.interval[1] / a.latencyMs).toBeCloseTo(Math.exp(1.6448536269514722 * 0.05), 12);
    expect(a.warnings.length).toBe(2);
  });
  it("rejects a kernel graph of another backend", () => {
    expect(() => predictKernels({ ...graph, backend: "tflite-cpu@2.10" }, d)).toThrow(/fused for backend/);
  });
  it("does not count folded BatchNormalization as a fused op", () => {
    expect(predictorFeatures(kernel("k", "conv", {}, ["Conv", "BatchNormalization", "Relu"])).nodes).toBe(2);
    expect(predictorFeatures(kernel("k", "conv", {}, ["Conv", "Relu"])).nodes).toBe(2);
  });
});

// ---- the optional `fusion` field: measured rule selection on top of the base rule set -------------------------------

/** conv(1×1) → BatchNormalization → Relu: one kernel on ort-cpu@1.30/extended (ConvBNFusion + ConvActivationFusion). */
function convBnRelu() {
  const b = new GraphBuilder("conv-bn-relu");
  const x = b.input("x", [1, 8, 16, 16]);
  const c = b.op("Conv", [x, b.constant("w", [8, 8, 1, 1]), b.constant("bias", [8])], { kernel_shape: [1, 1], pads: [0, 0, 0, 0], strides: [1, 1] }, { name: "conv" });
  const n = b.op("BatchNormalization", [c, b.constant("s", [8]), b.constant("bb", [8]), b.constant("m", [8]), b.constant("v", [8])], { epsilon: 1e-5 }, { name: "bn" });
  b.output(b.op("Relu", [n], {}, { name: "relu" }));
  return inferShapes(b.build());
}

const fusionCase = (over: Partial<FusionCaseEvidenceJSON> = {}): FusionCaseEvidenceJSON => ({
  name: "conv-bn",
  rules: ["conv-bn-add-mul"],
  base: "fused",
  timing: { aUs: 70, bUs: 18, abUs: 86, savedUs: 2, thresholdUs: 9, savedSeUs: 1.5, decision: "separate" },
  runtime: { kind: "ORT optimized graph nodes", apart: 2, combined: 2, decision: "separate" },
  decision: "separate",
  source: "runtime",
  ...over,
});

function cpuProfile(fusion?: DeviceFusionJSON): DeviceProfileJSON {
  const p: DeviceProfileJSON = {
    ...profile(),
    id: "test-ort",
    identity: { device: "Test", soc: "T1", processor: "cpu", processorName: "C1", threads: 1, precision: "fp32", runtime: "onnxruntime-node", runtimeVersion: "1.30.0" },
    backend: "ort-cpu@1.30/extended",
    predictors: { conv: linear([0.01, 1e-9]), norm: linear([0.003, 1e-9]), elementwise: linear([0.002, 1e-9]) },
  };
  if (fusion !== undefined) p.fusion = fusion;
  return p;
}

const disablingFusion = (): DeviceFusionJSON => ({ base: "ort-cpu@1.30/extended", disable: ["conv-bn-add-mul"], alpha: 0.5, z: 1.96, cases: [fusionCase()] });

describe("loadDevice: fusion", () => {
  it("a profile whose fusion disables a rule forms more kernels than the base rule set (fuse and predictLatency)", () => {
    const g = convBnRelu();
    const base = loadDevice(cpuProfile());
    expect(base.ruleSet).toBeUndefined();
    expect(predictLatency(g, base).kernels.map((k) => k.type)).toEqual(["conv-bn-relu"]);
    const d = loadDevice(cpuProfile(disablingFusion()));
    expect(d.ruleSet!.id).toBe("ort-cpu@1.30/extended");
    expect(d.ruleSet!.rules.map((r) => r.name)).not.toContain("conv-bn-add-mul");
    const est = predictLatency(g, d);
    expect(est.kernels.map((k) => [k.type, k.nodes])).toEqual([
      ["conv", ["conv"]],
      ["bn", ["bn"]],
      ["relu", ["relu"]],
    ]);
    // the same kernels as fuse with the `disable` option, and the device's rule set compiled once, reused
    expect(fuse(g, d.ruleSet!).kernels).toEqual(fuse(g, "ort-cpu@1.30/extended", { disable: ["conv-bn-add-mul"] }).kernels);
    expect(est.latencyMs).toBeGreaterThan(predictLatency(g, base).latencyMs);
  });

  it("an empty selection keeps the base rule set; the evidence loads as written (JSON round trip)", () => {
    const f: DeviceFusionJSON = { ...disablingFusion(), disable: [], cases: [fusionCase({ runtime: { kind: "ORT optimized graph nodes", apart: 2, combined: 1, decision: "fused" }, decision: "fused" })] };
    const d = loadDevice(JSON.parse(JSON.stringify(cpuProfile(f))));
    expect(d.ruleSet).toBeUndefined();
    expect(d.json.fusion).toEqual(f);
    const r = loadDevice(JSON.parse(JSON.stringify(cpuProfile(disablingFusion()))));
    expect(r.json.fusion).toEqual(disablingFusion());
    expect(predictLatency(convBnRelu(), r).kernels).toHaveLength(3);
  });

  it("names the offending fusion field", () => {
    const bad = (mutate: (f: Record<string, any>) => void, field: string): void => {
      const f = disablingFusion() as unknown as Record<string, any>;
      mutate(f);
      const p = cpuProfile(f as unknown as DeviceFusionJSON);
      try {
        loadDevice(p);
        expect.unreachable("loadDevice accepted an invalid fusion field");
      } catch (e) {
        expect(isEdgelatError(e, "invalid_device")).toBe(true);
        expect((e as { details: { field: string } }).details.field).toBe(field);
      }
    };
    bad((f) => (f.base = "ort-cpu@1.30/all"), "fusion.base");
    bad((f) => (f.disable = ["conv-bn-add-mul", "no-such-rule"]), "fusion.disable[1]");
    bad((f) => (f.disable = ["conv-bn-add-mul", "conv-bn-add-mul"]), "fusion.disable[1]");
    bad((f) => (f.disable = "conv-bn-add-mul"), "fusion.disable");
    bad((f) => (f.alpha = -1), "fusion.alpha");
    bad((f) => (f.cases = {}), "fusion.cases");
    bad((f) => (f.cases[0].rules = ["gemm-act", "nope"]), "fusion.cases[0].rules[1]");
    bad((f) => (f.cases[0].timing.decision = "maybe"), "fusion.cases[0].timing.decision");
    bad((f) => (f.cases[0].timing.abUs = Number.NaN), "fusion.cases[0].timing.abUs");
    bad((f) => (f.cases[0].runtime.combined = 1), "fusion.cases[0].runtime.decision");
    bad((f) => (f.cases[0].decision = "fused"), "fusion.cases[0].decision");
    bad((f) => (f.cases[0].source = "timing"), "fusion.cases[0].source"); // runtime evidence exists: it decides
    bad((f) => (f.cases[0].source = "oracle"), "fusion.cases[0].source");
    bad((f) => delete f.cases[0].runtime, "fusion.cases[0].source");
    bad((f) => {
      delete f.cases[0].runtime;
      f.cases[0].source = "timing";
      f.cases[0].timing.decision = "inconclusive";
    }, "fusion.cases[0].source");
    // an unknown base rule set is named at fusion.base (the backend pattern alone accepts it)
    const p = cpuProfile(disablingFusion()) as unknown as Record<string, any>;
    p.backend = p.fusion.base = "ort-cpu@9.9/all";
    expect(() => loadDevice(p)).toThrow(expect.objectContaining({ code: "invalid_device", details: expect.objectContaining({ field: "fusion.base" }) }));
  });
});

describe("edgelat fuse / predict --device: the device's fusion selection", () => {
  it("shows the same kernels as predictLatency", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgelat-fusion-"));
    const model = join(dir, "conv-bn-relu.onnx");
    writeFileSync(model, toOnnx(convBnRelu().graph, { weights: "random", seed: 1 }));
    const dev = join(dir, "dev.json");
    writeFileSync(dev, JSON.stringify(cpuProfile(disablingFusion())));
    const run = async (args: string[]): Promise<string[]> => {
      const out: string[] = [];
      expect(await main(args, { out: (t) => out.push(t), err: (t) => out.push(t) })).toBe(0);
      return out;
    };
    const base = JSON.parse((await run(["fuse", model, "--backend", "ort-cpu@1.30/extended", "--json"])).join("\n"));
    expect(base.kernels.map((k: { type: string }) => k.type)).toEqual(["conv-bn-relu"]);
    const viaDevice = JSON.parse((await run(["fuse", model, "--device", dev, "--json"])).join("\n"));
    const predicted = JSON.parse((await run(["predict", model, "--device", dev, "--json"])).join("\n"));
    expect(viaDevice.kernels.map((k: { type: string }) => k.type)).toEqual(["conv", "bn", "relu"]);
    expect(predicted.kernels.map((k: { type: string }) => k.type)).toEqual(["conv", "bn", "relu"]);
    expect((await run(["fuse", model, "--device", dev])).join("\n")).toMatch(/disables conv-bn-add-mul/);
  });
});
