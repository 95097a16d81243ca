import { describe, expect, it } from "vitest";
import { getDevice, listDevices } from "./devices/catalog.js";
import { isEdgelatError } from "./errors.js";
import { fuse } from "./fusion/fuse.js";
import { GraphBuilder } from "./ir/builder.js";
import { buildMobileNetV2 } from "./models/index.js";
import { aggregate, predictKernels, predictLatency } from "./predict.js";
import { inferShapes } from "./shape/infer.js";

describe("predictLatency on built-in devices", () => {
  const g = buildMobileNetV2();
  const inferred = inferShapes(g);
  it("is the composition of the stages and deterministic", () => {
    const dev = getDevice("pixel4-gpu");
    const a = predictLatency(g, "pixel4-gpu");
    const b = predictLatency(inferred, dev);
    const c = aggregate(predictKernels(fuse(inferred, dev.backend), dev), dev);
    expect(a).toEqual(b);
    expect(c.latencyMs).toBe(a.latencyMs);
    expect(a.kernels.length).toBe(fuse(inferred, "tflite-gpu@2.10").kernels.length);
    expect(a.interval[0]).toBeLessThan(a.latencyMs);
    expect(a.interval[1]).toBeGreaterThan(a.latencyMs);
    expect(a.warnings).toEqual([]);
    expect(a.kernels.every((k) => k.predictor.startsWith(`${k.class}:`))).toBe(true);
  });
  it("ranks devices plausibly: iPhone XS GPU faster than its 1-core CPU", () => {
    const gpu = predictLatency(inferred, "iphonexs-gpu").latencyMs;
    const cpu = predictLatency(inferred, "iphonexs-cpu-1large-fp32").latencyMs;
    expect(gpu).toBeLessThan(cpu);
  });
  it("every built-in device loads and predicts a positive latency", () => {
    for (const d of listDevices()) {
      const e = predictLatency(inferred, d.id);
      expect(e.latencyMs, d.id).toBeGreaterThan(0);
    }
  });
  it("warns about unknown shapes and unpredictable kernels instead of dropping them", () => {
    const b = new GraphBuilder("odd");
    const x = b.input("x", ["batch", 8, 16, 16]);
    const y = b.op("Softmax", [x], { axis: 1 });
    b.output(y);
    const e = predictLatency(b.build(), "pixel4-gpu");
    expect(e.kernels.length).toBe(1);
    expect(e.kernels[0]!.predictor).toMatch(/^fallback:/);
    expect(e.warnings.some((w) => /no softmax predictor/.test(w))).toBe(true);
    const fixed = predictLatency(b.build(), "pixel4-gpu", { inputShapes: { x: [1, 8, 16, 16] } });
    expect(fixed.kernels[0]!.latencyMs).toBeGreaterThan(0);
  });
  it("unknown device ids fail with suggestions", () => {
    try {
      predictLatency(inferred, "pixel4gpu");
      expect.unreachable();
    } catch (e) {
      expect(isEdgelatError(e, "unknown_device")).toBe(true);
      expect((e as { details: { suggestions: string[] } }).details.suggestions[0]).toBe("pixel4-gpu");
    }
  });
});
