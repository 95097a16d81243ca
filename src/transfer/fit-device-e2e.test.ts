import { describe, expect, it } from "vitest";
import { loadDevice } from "../devices/load.js";
import { predictLatency } from "../predict.js";
import { inferShapes } from "../shape/infer.js";
import { buildNasBench201Graph, sampleNb201Archs } from "../spaces/nasbench201.js";
import { fitDeviceFromEndToEnd } from "./fit-device-e2e.js";

describe("fitDeviceFromEndToEnd", () => {
  const graphs = sampleNb201Archs(160, 11).map((a) => inferShapes(buildNasBench201Graph(a)));
  it("recovers a device whose kernels are linear in (flops, bytes, 1): predictions match the truth on unseen graphs", () => {
    // The "measurements" come from a known profile: fit it back from end-to-end totals only.
    const truth = fitDeviceFromEndToEnd(graphs.slice(0, 40).map((g, i) => ({ graph: g, latencyMs: 1 + (i % 7) })), { id: "seed", backend: "ort-cpu@1.30/basic" });
    const lin = (coef: number[]) => ({ kind: "linear", version: 1, spec: ["flops", "bytes", "1"], coef, target: "linear", noise: { relStd: 0, absStdMs: 0 }, samples: 1 });
    truth.predictors = {
      ...truth.predictors,
      conv: [
        { when: { field: "kernelH", max: 1 }, label: "conv 1x1", predictor: lin([2e-9, 1e-8, 0.003]) },
        { label: "conv", predictor: lin([1.5e-9, 2e-8, 0.01]) },
      ],
      pool: lin([3e-9, 5e-9, 0.002]),
      elementwise: lin([0, 4e-9, 0.001]),
    };
    truth.overhead = { coef: { sumKernelMs: 1, constant: 0.7 }, relStd: 0 };
    const dev = loadDevice(truth);
    const measured = graphs.map((g) => predictLatency(g, dev).latencyMs);
    const fit = fitDeviceFromEndToEnd(graphs.slice(0, 120).map((g, i) => ({ graph: g, latencyMs: measured[i]! })), { id: "refit", backend: "ort-cpu@1.30/basic" });
    const refit = loadDevice(JSON.parse(JSON.stringify(fit)));
    expect(refit.id).toBe("refit");
    expect(fit.overhead.relStd).toBeLessThan(1e-3);
    for (let i = 120; i < 160; i++) expect(predictLatency(graphs[i]!, refit).latencyMs / measured[i]!).toBeCloseTo(1, 3);
  });
  it("rejects empty or invalid measurements", () => {
    expect(() => fitDeviceFromEndToEnd([], { id: "x", backend: "ort-cpu@1.30/basic" })).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => fitDeviceFromEndToEnd([{ graph: graphs[0]!, latencyMs: 0 }], { id: "x", backend: "ort-cpu@1.30/basic" })).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => fitDeviceFromEndToEnd([{ graph: graphs[0]!, latencyMs: 1 }], { id: "x", backend: "nope" })).toThrow(expect.objectContaining({ code: "unknown_backend" }));
  });
});
