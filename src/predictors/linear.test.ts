import { describe, expect, it } from "vitest";
import { createRng } from "../util/rng.js";
import { fitFlopsLinear } from "./flops-linear.js";
import { predictorFromJSON } from "./json.js";
import { fitLinear } from "./linear.js";
import { randomConvFeatures, syntheticSamples } from "./synthetic.js";

describe("flops-linear", () => {
  it("recovers latency = 2e-9·flops + 0.01 exactly from noiseless data", () => {
    const samples = syntheticSamples(200, (f) => 2e-9 * f.flops + 0.01, 3);
    for (const loss of ["relative", "absolute"] as const) {
      const p = fitFlopsLinear(samples, { loss });
      expect(p.params.msPerFlop / 2e-9).toBeCloseTo(1, 8);
      expect(p.params.interceptMs / 0.01).toBeCloseTo(1, 6);
      expect(p.predict({ flops: 1e9, params: 0, bytesRead: 0, bytesWritten: 0, nodes: 1 }).latencyMs).toBeCloseTo(2.01, 8);
    }
  });
  it("keeps coefficients non-negative and reports relative noise", () => {
    // Latency falls with FLOPs: the unconstrained slope is negative; NNLS clamps it to 0.
    const samples = syntheticSamples(100, (f) => 5 / (1 + 1e-9 * f.flops), 4);
    const p = fitFlopsLinear(samples);
    expect(p.params.msPerFlop).toBe(0);
    expect(p.params.interceptMs).toBeGreaterThan(0);
    const noisy = fitFlopsLinear(syntheticSamples(2000, (f) => 2e-9 * f.flops + 0.01, 5, 0.1));
    expect(noisy.params.noise.relStd).toBeGreaterThan(0.08);
    expect(noisy.params.noise.relStd).toBeLessThan(0.12);
    const pr = noisy.predict({ flops: 1e9, params: 0, bytesRead: 0, bytesWritten: 0, nodes: 1 });
    expect(pr.stdMs / pr.latencyMs).toBeCloseTo(noisy.params.noise.relStd, 12);
  });
});

describe("sample weights", () => {
  it("steer the fit toward heavily weighted samples and ignore weight 0", () => {
    const a = syntheticSamples(100, (f) => 1e-9 * f.flops + 0.01, 15);
    const b = syntheticSamples(100, (f) => 3e-9 * f.flops + 0.01, 16);
    const heavyB = [...a.map((s) => ({ ...s, weight: 0 })), ...b.map((s) => ({ ...s, weight: 1 }))];
    expect(fitFlopsLinear(heavyB).params.msPerFlop / 3e-9).toBeCloseTo(1, 8);
    const mixed = fitFlopsLinear([...a, ...b]).params.msPerFlop;
    expect(mixed).toBeGreaterThan(1.2e-9);
    expect(mixed).toBeLessThan(2.8e-9);
    expect(() => fitFlopsLinear([{ ...a[0]!, weight: -1 }])).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
  });
});

describe("linear (ridge)", () => {
  it("recovers a multi-term linear law on raw latency", () => {
    const truth = (f: { flops: number; bytesRead: number; bytesWritten: number }) => 1e-9 * f.flops + 3e-8 * (f.bytesRead + f.bytesWritten) + 0.02;
    const p = fitLinear(syntheticSamples(300, truth, 7), { spec: ["flops", "bytes", "1"], ridge: 0 });
    expect(p.params.coef[0]! / 1e-9).toBeCloseTo(1, 6);
    expect(p.params.coef[1]! / 3e-8).toBeCloseTo(1, 6);
    expect(p.params.coef[2]! / 0.02).toBeCloseTo(1, 6);
  });
  it("fits a power law in log space", () => {
    const truth = (f: { flops: number }) => 0.5e-6 * f.flops ** 0.8;
    const p = fitLinear(syntheticSamples(300, truth, 8), { spec: ["log:flops", "1"], target: "log", ridge: 0 });
    expect(p.params.coef[0]).toBeCloseTo(0.8, 4);
    expect(p.params.noise.relStd).toBeLessThan(1e-3);
  });
  it("ridge shrinks coefficients", () => {
    const s = syntheticSamples(100, (f) => 1e-9 * f.flops + 0.05, 9, 0.05);
    const a = fitLinear(s, { spec: ["flops", "bytes", "1"], ridge: 0 });
    const b = fitLinear(s, { spec: ["flops", "bytes", "1"], ridge: 10 });
    const norm = (c: number[]) => Math.abs(c[0]! * 1e9) + Math.abs(c[1]! * 1e7);
    expect(norm(b.params.coef)).toBeLessThan(norm(a.params.coef));
  });
  it("non-negative option keeps every coefficient ≥ 0", () => {
    const s = syntheticSamples(200, (f) => 1e-9 * f.flops + 0.05 - 1e-9 * f.bytesRead, 10);
    const p = fitLinear(s, { spec: ["flops", "bytesRead", "1"], nonNegative: true });
    expect(p.params.coef.every((c) => c >= 0)).toBe(true);
    expect(p.params.coef[1]).toBe(0);
  });
  it("rejects bad options and samples with invalid_argument", () => {
    const s = syntheticSamples(10, (f) => f.flops * 1e-9, 1);
    expect(() => fitLinear(s, { ridge: -1 })).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => fitLinear(s, { spec: ["nope"] })).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => fitLinear(s, { bogus: 1 } as never)).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => fitLinear([{ ...s[0]!, latencyMs: 0 }])).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => fitLinear([])).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
  });
});

describe("JSON round trip (linear models)", () => {
  it("gives bit-identical predictions after JSON.stringify / parse", () => {
    const s = syntheticSamples(300, (f) => 1.7e-9 * f.flops ** 1.01 + 0.013, 11, 0.07);
    const models = [fitFlopsLinear(s), fitLinear(s), fitLinear(s, { target: "log" }), fitLinear(s, { nonNegative: true, loss: "absolute" })];
    const rng = createRng(99);
    for (const m of models) {
      const back = predictorFromJSON(JSON.parse(JSON.stringify(m)));
      expect(back.kind).toBe(m.kind);
      expect(JSON.stringify(back.toJSON())).toBe(JSON.stringify(m.toJSON()));
      for (let i = 0; i < 500; i++) {
        const f = randomConvFeatures(rng);
        const a = m.predict(f), b = back.predict(f);
        expect(Object.is(a.latencyMs, b.latencyMs) && Object.is(a.stdMs, b.stdMs)).toBe(true);
      }
    }
  });
  it("doubles survive JSON exactly", () => {
    const rng = createRng(5);
    for (let i = 0; i < 10000; i++) {
      const x = (rng.next() - 0.5) * 10 ** rng.int(-300, 300);
      expect(Object.is(JSON.parse(JSON.stringify(x)), x)).toBe(true);
    }
  });
  it("names the invalid field", () => {
    const good = fitLinear(syntheticSamples(20, (f) => 1e-9 * f.flops + 0.1, 2)).toJSON();
    const cases: [unknown, string][] = [
      [{ ...good, kind: "mystery" }, "kind"],
      [{ ...good, version: 2 }, "version"],
      [{ ...good, coef: [1, 2] }, "coef"],
      [{ ...good, coef: (good.coef as number[]).map((c, i) => (i === 1 ? Number.NaN : c)) }, "coef[1]"],
      [{ ...good, coef: (good.coef as number[]).map((c, i) => (i === 2 ? "x" : c)) }, "coef[2]"],
      [{ ...good, target: "sqrt" }, "target"],
      [{ ...good, spec: ["flops", "wat", "x", "1"] }, "spec[1]"],
      [{ ...good, noise: { relStd: -1, absStdMs: 0 } }, "noise.relStd"],
      [{ ...good, samples: 1.5 }, "samples"],
      [42, "$"],
    ];
    for (const [json, field] of cases) {
      expect(() => predictorFromJSON(json), field).toThrowError(expect.objectContaining({ code: "invalid_predictor", message: expect.stringContaining(field) }));
    }
  });
});
