import { describe, expect, it } from "vitest";
import { predictorFromJSON } from "./json.js";
import { fitRoofline, rooflineFromHardware } from "./roofline.js";
import { syntheticSamples } from "./synthetic.js";

describe("roofline", () => {
  it("is constructible from hardware specs", () => {
    const r = rooflineFromHardware({ peakGflops: 100, bandwidthGBps: 10, launchUs: 20 });
    // 1 GFLOP at 100 GFLOP/s = 10 ms; 1 MB at 10 GB/s = 0.1 ms → compute-bound.
    const p = r.predict({ flops: 1e9, params: 0, bytesRead: 5e5, bytesWritten: 5e5, nodes: 1 });
    expect(p.latencyMs).toBeCloseTo(10.02, 12);
    expect(r.bound({ flops: 1e6, params: 0, bytesRead: 1e8, bytesWritten: 0, nodes: 1 })).toEqual({ limit: "memory", ms: 10 });
  });
  it("recovers peak, bandwidth and launch from noiseless data with both roofs active", () => {
    const P = 5e7, B = 4e6, L = 0.015; // 50 GFLOP/s, 4 GB/s, 15 µs
    const samples = syntheticSamples(400, (f) => Math.max(f.flops / P, (f.bytesRead + f.bytesWritten) / B) + L, 12);
    const memBound = samples.filter((s) => s.features.flops / P < (s.features.bytesRead + s.features.bytesWritten) / B).length;
    expect(memBound).toBeGreaterThan(20);
    expect(memBound).toBeLessThan(380);
    const r = fitRoofline(samples);
    expect(r.params.peakFlopsPerMs / P).toBeCloseTo(1, 4);
    expect(r.params.bandwidthBytesPerMs / B).toBeCloseTo(1, 4);
    expect(r.params.launchMs / L).toBeCloseTo(1, 3);
    expect(r.params.noise.relStd).toBeLessThan(1e-4);
  });
  it("round-trips and validates JSON", () => {
    const r = fitRoofline(syntheticSamples(100, (f) => f.flops / 3e7 + 0.05, 2, 0.05), { loss: "absolute" });
    const back = predictorFromJSON(JSON.parse(JSON.stringify(r)));
    const f = { flops: 123456789, params: 0, bytesRead: 98765, bytesWritten: 4321, nodes: 1 };
    expect(Object.is(back.predict(f).latencyMs, r.predict(f).latencyMs)).toBe(true);
    expect(Object.is(back.predict(f).stdMs, r.predict(f).stdMs)).toBe(true);
    const o = JSON.parse(JSON.stringify(r));
    o.peakFlopsPerMs = 0;
    expect(() => predictorFromJSON(o)).toThrowError(expect.objectContaining({ code: "invalid_predictor", details: expect.objectContaining({ field: "peakFlopsPerMs" }) }));
  });
});
