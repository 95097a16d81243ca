// The examples are part of the test suite so they cannot rot: the NAS search (imported, small settings) and the
// notebook-style walkthrough (executed as a script, its printed results checked).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { formatResult, paretoFront, runNasSearch, surrogateAccuracy } from "../examples/nas-search.js";

describe("examples/nas-search.ts", () => {
  const opts = { evaluations: 150, population: 20, sampleSize: 5, seed: 3 };
  const r = runNasSearch(opts);

  it("finds a feasible best architecture and a Pareto front sorted by latency with rising accuracy", () => {
    expect(r.evaluated).toBeGreaterThan(40);
    expect(r.evaluated).toBeLessThanOrEqual(150);
    expect(r.best.proxyMs).toBeLessThanOrEqual(r.options.budgetMs);
    expect(r.front.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < r.front.length; i++) {
      expect(r.front[i]!.proxyMs).toBeGreaterThanOrEqual(r.front[i - 1]!.proxyMs);
      expect(r.front[i]!.surrogateAccuracy).toBeGreaterThan(r.front[i - 1]!.surrogateAccuracy);
    }
    // The best feasible architecture is on the front (nothing faster is as accurate).
    expect(r.front.map((c) => c.index)).toContain(r.best.index);
    // Re-ranking keeps the same architectures.
    expect(new Set(r.frontOnTarget.map((c) => c.index))).toEqual(new Set(r.front.map((c) => c.index)));
    for (let i = 1; i < r.frontOnTarget.length; i++) expect(r.frontOnTarget[i]!.targetMs!).toBeGreaterThanOrEqual(r.frontOnTarget[i - 1]!.targetMs!);
  });

  it("reports latency monotonicity between the proxy and the target, and OneProxy's decision", () => {
    const m = r.monotonicity;
    // GPU and CPU latencies of NB201 networks both grow with convolution work: strongly, not perfectly, correlated.
    expect(m.rhoAll).toBeGreaterThan(0.6);
    expect(m.rhoAll).toBeLessThan(1);
    expect(Math.abs(m.tauAll)).toBeLessThanOrEqual(Math.abs(m.rhoAll) + 1e-9);
    expect(m.decision).toBe(m.rhoAll >= 0.9 ? "reuse" : "adapt");
    expect(m.frontRecall).toBeGreaterThan(0);
    expect(m.frontRecall).toBeLessThanOrEqual(1);
    // OneProxy's adapt branch: 10 target latencies + the proxy correct the ranking of the other architectures.
    expect(r.adaptation.samples).toBe(10);
    expect(r.adaptation.rhoAdapted).toBeGreaterThan(r.adaptation.rhoProxy);
    expect(r.adaptation.frontRecall).toBeGreaterThan(0);
    const text = formatResult(r);
    expect(text).toContain("SURROGATE");
    expect(text).toContain(`Spearman ρ ${m.rhoAll.toFixed(3)}`);
  });

  it("is deterministic for a seed", () => {
    const again = runNasSearch(opts);
    expect(again.front.map((c) => c.index)).toEqual(r.front.map((c) => c.index));
    expect(again.monotonicity.rhoAll).toBe(r.monotonicity.rhoAll);
  });

  it("labels its accuracy as a surrogate with the documented shape", () => {
    const [none, skip, c1, c3] = [0, 1, 2, 3]; // NB201_OPS order
    expect(surrogateAccuracy([none, none, none, none, none, none])).toBe(10); // no input–output path: chance
    expect(surrogateAccuracy([c1, none, none, none, none, c1])).toBe(10); // node 2 is dead: still no path
    const small = surrogateAccuracy([c1, none, none, none, none, none].reverse()); // edge 3←2 only: dead
    expect(small).toBe(10);
    const one = surrogateAccuracy([none, none, none, c1, none, none]); // edge 3←0: conv 1×1
    const three = surrogateAccuracy([none, none, none, c3, none, none]);
    expect(three).toBeGreaterThan(one);
    expect(one).toBeGreaterThan(10);
    const big = surrogateAccuracy([c3, c3, c3, c3, c3, c3]);
    expect(big).toBeGreaterThan(three);
    expect(surrogateAccuracy([c3, c3, c3, skip, c3, c3])).toBeLessThan(95);
    expect(paretoFront([{ a: 1, l: 2 }, { a: 2, l: 1 }, { a: 3, l: 3 }], (x) => x.a, (x) => x.l)).toEqual([{ a: 2, l: 1 }, { a: 3, l: 3 }]);
    expect(readFileSync("examples/nas-search.ts", "utf8")).toMatch(/ACCURACY IS A SURROGATE/);
  });
});

describe("examples/walkthrough.ts", () => {
  it("runs every cell and prints parse → inspect → fuse → predict → compare → few-shot results", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "examples/walkthrough.ts"], { timeout: 180_000, maxBuffer: 1 << 20 });
    // Parse + inspect: the bundled MobileNetV2 (FLOPs = 2 × MACs: 300.8 M MACs + adds/clips).
    expect(stdout).toMatch(/parsed .*: 152 nodes/);
    expect(stdout).toContain("FLOPs 621.3 M, params 3.54 M");
    // Fuse: Conv+BN(+ReLU6) kernels on the GPU delegate; XNNPACK keeps residual Adds apart, so more kernels.
    const gpuK = Number(stdout.match(/tflite-gpu@2\.10: (\d+) kernels/)![1]);
    const cpuK = Number(stdout.match(/tflite-cpu@2\.10: (\d+) kernels/)![1]);
    expect(gpuK).toBe(54);
    expect(cpuK).toBeGreaterThan(gpuK);
    // Predict: total inside its interval.
    const [, ms, lo, hi] = stdout.match(/pixel4-gpu: ([\d.]+) ms \(90% ([\d.]+)–([\d.]+) ms\)/)!.map(Number);
    expect(lo).toBeLessThan(ms!);
    expect(hi).toBeGreaterThan(ms!);
    // Compare: the six phone GPUs, sorted fastest first.
    const devLines = [...stdout.matchAll(/^ {2}(\S+-gpu) +([\d.]+) ms$/gm)].map((m) => Number(m[2]));
    expect(devLines).toHaveLength(6);
    expect([...devLines].sort((a, b) => a - b)).toEqual(devLines);
    // Few-shot: three methods, each with a Spearman ρ.
    const rhos = [...stdout.matchAll(/Spearman ρ (-?[\d.]+)/g)].map((m) => Number(m[1]));
    expect(rhos).toHaveLength(3);
    for (const r of rhos) expect(Math.abs(r)).toBeLessThanOrEqual(1);
    expect(stdout).toMatch(/target: .*10 samples/);
  });
});
