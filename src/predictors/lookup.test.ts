import { describe, expect, it } from "vitest";
import type { KernelFeatures } from "../fusion/types.js";
import { createRng } from "../util/rng.js";
import { predictorFromJSON } from "./json.js";
import { fitLookup } from "./lookup.js";
import type { Sample } from "./types.js";

const conv = (k: number, cin: number, cout: number, hIn: number): KernelFeatures => ({
  flops: 2 * k * k * cin * cout * hIn * hIn, params: k * k * cin * cout, bytesRead: 0, bytesWritten: 0, nodes: 1,
  kernelH: k, strideH: 1, cin, cout, hIn,
});
// Ground truth on a grid: latency ∝ cout · cin^0.9 · hIn² (k = 3) plus a launch cost.
const truth = (f: KernelFeatures) => 1e-7 * f.cout! * f.cin! ** 0.9 * f.hIn! ** 2 + 0.01;
const grid: Sample[] = [];
for (const cin of [16, 32, 64, 128]) for (const cout of [16, 32, 64, 128]) for (const hIn of [14, 28, 56]) {
  const features = conv(3, cin, cout, hIn);
  grid.push({ features, latencyMs: truth(features) });
}

describe("lookup", () => {
  const m = fitLookup(grid);
  it("is exact on table points", () => {
    for (const s of grid) expect(m.predict(s.features).latencyMs).toBe(s.latencyMs);
    expect(m.params.points.length).toBe(48);
  });
  it("averages repeated measurements and reports their spread", () => {
    const f = conv(3, 16, 16, 14);
    const t = fitLookup([{ features: f, latencyMs: 1 }, { features: f, latencyMs: 3 }, { features: conv(1, 8, 8, 7), latencyMs: 0.5 }]);
    const p = t.predict(f);
    expect(p.latencyMs).toBe(2);
    expect(p.stdMs).toBeCloseTo(Math.SQRT2, 12); // sample std of {1, 3}
  });
  it("interpolates monotonically between bracketing table points along one dimension", () => {
    let prev = m.predict(conv(3, 32, 32, 28)).latencyMs;
    for (let cout = 33; cout <= 64; cout++) {
      const p = m.predict(conv(3, 32, cout, 28));
      expect(p.latencyMs).toBeGreaterThanOrEqual(prev);
      prev = p.latencyMs;
    }
    expect(prev).toBe(m.predict(conv(3, 32, 64, 28)).latencyMs);
    // Log-log interpolation is close to the power law between grid points.
    const f = conv(3, 48, 64, 28);
    expect(Math.abs(m.predict(f).latencyMs / truth(f) - 1)).toBeLessThan(0.03);
  });
  it("falls back to inverse-distance weighting off the grid lines, with leave-one-out uncertainty", () => {
    const f = conv(3, 48, 96, 40); // no grid line through it
    const p = m.predict(f);
    expect(p.latencyMs).toBeGreaterThan(m.predict(conv(3, 32, 64, 28)).latencyMs);
    expect(p.latencyMs).toBeLessThan(m.predict(conv(3, 64, 128, 56)).latencyMs);
    expect(m.params.interpRelStd).toBeGreaterThan(0);
    expect(p.stdMs).toBeCloseTo(m.params.interpRelStd * p.latencyMs, 12);
  });
  it("round-trips through JSON bit-identically and validates it", () => {
    const back = predictorFromJSON(JSON.parse(JSON.stringify(m)));
    const rng = createRng(3);
    for (let i = 0; i < 300; i++) {
      const f = conv([1, 3, 5][rng.int(0, 3)]!, rng.int(8, 200), rng.int(8, 200), rng.int(7, 80));
      const a = m.predict(f), b = back.predict(f);
      expect(Object.is(a.latencyMs, b.latencyMs) && Object.is(a.stdMs, b.stdMs)).toBe(true);
    }
    const bad = (mut: (o: any) => void) => { const o = JSON.parse(JSON.stringify(m)); mut(o); return () => predictorFromJSON(o); };
    expect(bad((o) => { o.points[3] = [1, 2]; })).toThrowError(expect.objectContaining({ code: "invalid_predictor", message: expect.stringContaining("points[3]") }));
    expect(bad((o) => { o.latencyMs[0] = -1; })).toThrowError(expect.objectContaining({ code: "invalid_predictor", message: expect.stringContaining("latencyMs[0]") }));
    expect(bad((o) => { o.counts.pop(); })).toThrowError(expect.objectContaining({ code: "invalid_predictor", message: expect.stringContaining("counts") }));
    expect(bad((o) => { [o.points[4], o.points[5]] = [o.points[5], o.points[4]]; })).toThrowError(expect.objectContaining({ code: "invalid_predictor", message: expect.stringContaining("points[5]") }));
    expect(bad((o) => { o.neighbors = 0; })).toThrowError(expect.objectContaining({ code: "invalid_predictor", message: expect.stringContaining("neighbors") }));
  });
});
