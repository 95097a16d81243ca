import { describe, expect, it } from "vitest";
import { isEdgelatError } from "../errors.js";
import type { Kernel, KernelGraph } from "../fusion/types.js";
import { aggregate, predictKernels, predictorFeatures } from "./estimate.js";
import { loadDevice } from "./load.js";
import type { DeviceProfileJSON } from "./types.js";

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
