// CPU profile training (src/devices/train/phones-cpu.ts): the NNLS solver, and the consistency of the written profiles
// with the design rows. Accuracy floors on the measured data are in test/phones.test.ts.
import { describe, expect, it } from "vitest";
import { readMobileMlBenchmark } from "../src/datasets/mobileMlBenchmark.js";
import { loadDevice } from "../src/devices/load.js";
import { activeSetNnls, CPU_CANDIDATES, cpuConfigs, cpuModelRow, cpuRuntimeGraph, fitCpuConfig, trainCpuDevice } from "../src/devices/train/phones-cpu.js";
import { cpuKernelGraph, e2eIndex, predictGraph } from "../src/devices/train/phones.js";
import { buildMobileNetV2, buildResNet18 } from "../src/models/index.js";
import { predictLatency } from "../src/predict.js";
import { nnlsNormal } from "../src/predictors/nnls.js";
import { createRng } from "../src/util/rng.js";
import { DATA } from "./helpers/data.js";

describe("CPU training solvers", () => {
  it("active-set NNLS matches Lawson–Hanson (cold and warm-started, with a free variable)", () => {
    const rng = createRng(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 6 + (trial % 5), m = 3 * n;
      const X = Array.from({ length: m }, () => Array.from({ length: n }, () => rng.normal()));
      const y = Array.from({ length: m }, () => rng.normal());
      const G = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => X.reduce((s, r) => s + r[i]! * r[j]!, 0) + (i === j ? 1e-3 : 0)));
      const h = Array.from({ length: n }, (_, i) => X.reduce((s, r, k) => s + r[i]! * y[k]!, 0));
      const ref = nnlsNormal(G, h, { free: [n - 1] });
      const A = Float64Array.from(G.flat()), b = Float64Array.from(h);
      const cold = activeSetNnls(A, b, n, n - 1);
      const warm = activeSetNnls(A, b, n, n - 1, Array.from({ length: n }, (_, j) => (j % 2 === 0 ? 1 : 0)));
      for (let j = 0; j < n; j++) {
        expect(cold[j]).toBeCloseTo(ref[j]!, 8);
        expect(warm[j]).toBeCloseTo(ref[j]!, 8);
      }
      expect(ref.some((v, j) => j < n - 1 && v === 0)).toBe(true);
    }
  });
});

describe.skipIf(!DATA)("CPU profiles on mobile-ml-benchmark", () => {
  const data = readMobileMlBenchmark(DATA!);

  it("built-in int8 profiles predict real graphs (builder → fuse, PADs merged) like their measured e2e", () => {
    // Guards against pricing explicit PAD ops apart: the graph path never sees them (−35% for MobileNetV2 if it did).
    for (const [build, model] of [[buildMobileNetV2, "mobilenetv2_w1"], [buildResNet18, "resnet18"]] as const) {
      for (const [id, device] of [["pixel4-cpu-1large-int8", "pixel4"], ["a03s-cpu-1large-int8", "a03s"]] as const) {
        const measured = data.e2e.find((e) => e.model === model && e.device === device && e.hwConfig === "1large" && e.precision === "quant")!.latencyMs;
        expect(Math.abs(predictLatency(build(), id).latencyMs / measured - 1), `${model} on ${id}`).toBeLessThan(0.12);
      }
    }
  });

  it("the written profile predicts through the production path exactly what the design row gives", () => {
    // a03s 1large: inner CV picks the routes without the stem for fp32 and with it for int8 (both feature sets covered).
    const cfgs = cpuConfigs(data).filter((c) => c.device === "a03s" && c.hwConfig === "1large");
    const chosen = new Set<string>();
    for (const cfg of cfgs) {
      const e2e = e2eIndex(data.e2e).get(`a03s/1large/${cfg.precision}`)!;
      const fit = fitCpuConfig(data.models, e2e);
      const dev = loadDevice(trainCpuDevice(data, data.models, cfg, e2e));
      expect(CPU_CANDIDATES).toContain(fit.candidate);
      chosen.add(fit.candidate.features.label);
      expect(fit.beta.every((b, j) => j === fit.beta.length - 1 || b >= 0)).toBe(true);
      for (const m of data.models.filter((_m, i) => i % 5 === 0)) {
        const runtime = cpuRuntimeGraph(m);
        const linked = cpuKernelGraph(m).kernels.reduce((s, k) => s + k.opTypes.length - 1, 0);
        const standalone = runtime.kernels.filter((k) => k.class === "elementwise");
        // ReLUs stay fused; ADD / HARD_SWISH / LOGISTIC become element-wise kernels of their own.
        expect(runtime.kernels.reduce((s, k) => s + k.features.nodes, 0)).toBe(m.ops.length + linked);
        expect(standalone.every((k) => !["relu"].includes(k.opTypes[0]!))).toBe(true);
        const row = cpuModelRow(m, fit.candidate.features);
        const viaRow = row.reduce((s, v, j) => s + v * fit.beta[j]!, 0);
        expect(predictGraph(dev, runtime) / viaRow).toBeCloseTo(1, 9);
      }
    }
    expect([...chosen].sort()).toEqual(["fine routes", "stem+fine routes"]);
  });
});
