/**
 * The local overhead model's forms (src/profile/device.ts): the cold-weight term `weightMParams`, the per-kernel term
 * with a free sign, the leave-one-out choice between forms, and the term through `aggregate` and `loadDevice`.
 */
import { describe, expect, it } from "vitest";
import { aggregate, applyOverhead, overheadTermValues, predictKernels } from "../src/devices/estimate.js";
import { KERNEL_CLASSES, loadDevice } from "../src/devices/load.js";
import { DEVICE_SCHEMA, type DeviceProfileJSON } from "../src/devices/types.js";
import { isEdgelatError } from "../src/errors.js";
import { fuse } from "../src/fusion/fuse.js";
import { fitFlopsLinear } from "../src/predictors/flops-linear.js";
import { aggregationFloor, weightMParamsOf } from "../src/profile/diagnose.js";
import { OVERHEAD_FORMS, fitOverheadForm, selectLocalOverhead, type CalibrationRow } from "../src/profile/device.js";
import { buildMobileNetV2, buildResNet18 } from "../src/models/index.js";
import { inferShapes } from "../src/shape/infer.js";
import { createRng } from "../src/util/rng.js";

/**
 * Synthetic calibration set where the cold-weight term is needed: e2e = 1.02·Σ − 2 µs·kernels + 0.1 ms/M weights + 0.08,
 * with weight counts that vary independently of Σ (a weight-heavy small model and a light big one), ±1% noise.
 */
function coldWeightRows(n: number, seed: number, withWeights = true): CalibrationRow[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const sumKernelMs = 0.5 + 30 * rng.next();
    const kernels = Math.round(20 + 220 * rng.next());
    const weightMParams = 0.2 + 12 * rng.next();
    const exact = 1.02 * sumKernelMs - 0.002 * kernels + 0.1 * weightMParams + 0.08;
    const row: CalibrationRow = { name: `m${i}`, measuredMs: exact * (1 + 0.01 * (2 * rng.next() - 1)), sumKernelMs, kernels, fusedOps: 0 };
    return withWeights ? { ...row, weightMParams } : row;
  });
}

describe("local overhead forms", () => {
  it("recovers the cold-weight term when the data need it, and leave-one-out selects that form", () => {
    const rows = coldWeightRows(28, 11);
    const sel = selectLocalOverhead(rows);
    expect(sel.form.columns).toEqual(["sumKernelMs", "kernels", "weightMParams", "constant"]);
    expect(sel.model.coef.weightMParams).toBeCloseTo(0.1, 1);
    expect(Math.abs(sel.model.coef.weightMParams! - 0.1)).toBeLessThan(0.02);
    expect(sel.model.coef.sumKernelMs).toBeCloseTo(1.02, 1);
    expect(sel.model.coef.kernels).toBeLessThan(0); // the free-sign per-kernel term
    expect(sel.model.relStd).toBeLessThan(0.01);
    // every applicable form was scored; the chosen one has the lowest leave-one-out error, well below the form without weights
    expect(sel.candidates.map((c) => c.form.name)).toEqual(OVERHEAD_FORMS.map((f) => f.name));
    const loo = new Map(sel.candidates.map((c) => [c.form.columns.join(","), c.looRms]));
    expect(loo.get("sumKernelMs,kernels,weightMParams,constant")!).toBeLessThan(0.5 * loo.get("sumKernelMs,kernels,constant")!);
  });

  it("keeps the simpler form when weights explain nothing, and skips the weight form for rows without weights", () => {
    // e2e = 1.05·Σ − 2 µs·kernels + 0.2 exactly; weights random and irrelevant
    const rng = createRng(5);
    const rows = coldWeightRows(12, 3).map((r) => ({ ...r, weightMParams: 10 * rng.next(), measuredMs: 1.05 * r.sumKernelMs - 0.002 * r.kernels + 0.2 }));
    const sel = selectLocalOverhead(rows);
    expect(sel.form.columns).toEqual(["sumKernelMs", "kernels", "constant"]);
    expect(sel.model.coef.weightMParams).toBeUndefined();
    expect(sel.model.coef.kernels).toBeCloseTo(-0.002, 6);
    const noWeights = selectLocalOverhead(coldWeightRows(12, 3, false));
    expect(noWeights.candidates.some((c) => c.form.columns.includes("weightMParams"))).toBe(false);
    expect(fitOverheadForm(OVERHEAD_FORMS[3]!, coldWeightRows(12, 3, false))).toBeUndefined();
  });

  it("never fits a negative weight coefficient (non-negative least squares on every term but kernels)", () => {
    // e2e shrinks with weights: the unconstrained fit would give w < 0; the constrained one stops at 0
    const rows = coldWeightRows(10, 8).map((r) => ({ ...r, measuredMs: 1.1 * r.sumKernelMs + 0.3 - 0.02 * r.weightMParams! }));
    const m = fitOverheadForm(OVERHEAD_FORMS[3]!, rows)!;
    expect(m.coef.weightMParams).toBeGreaterThanOrEqual(0);
    expect(m.coef.weightMParams).toBeLessThan(1e-9);
  });

  it("the aggregation floor uses weights when the rows carry them", () => {
    const rows = coldWeightRows(12, 21).map((r) => ({ name: r.name, measuredMs: r.measuredMs, profiledMs: r.sumKernelMs, kernels: r.kernels, weightMParams: r.weightMParams! }));
    const f = aggregationFloor(rows);
    expect(f.overhead.coef.weightMParams).toBeGreaterThan(0.08);
    expect(f.within10).toBe(1);
    const without = aggregationFloor(rows.map(({ weightMParams: _w, ...r }) => r));
    expect(without.overhead.coef.weightMParams).toBeUndefined();
    expect(without.mape).toBeGreaterThan(f.mape);
  });
});

describe("weightMParams through a device profile", () => {
  const flat = fitFlopsLinear([
    { features: { flops: 1e6, params: 0, bytesRead: 0, bytesWritten: 0, nodes: 1 }, latencyMs: 0.02 },
    { features: { flops: 1e8, params: 0, bytesRead: 0, bytesWritten: 0, nodes: 1 }, latencyMs: 1.01 },
  ]).toJSON();
  const BACKEND = "ort-cpu@1.30/all";
  const profile = (coef: DeviceProfileJSON["overhead"]["coef"]): DeviceProfileJSON => ({
    schema: DEVICE_SCHEMA, id: "weights-test", name: "weights test", backend: BACKEND,
    identity: { device: "test", soc: "test", processor: "cpu", processorName: "test", threads: 1, precision: "fp32", runtime: "onnxruntime-node", runtimeVersion: "1.30.0" },
    predictors: Object.fromEntries(KERNEL_CLASSES.map((c) => [c, flat])),
    overhead: { coef, relStd: 0.05 },
    provenance: { dataset: "synthetic", method: "test", samples: { models: 0 } },
  });

  it("aggregate adds w × the counted kernels' weights (ResNet-18: 11.7 M), and a profile without the term is unchanged", () => {
    const kg = fuse(inferShapes(buildResNet18({ resolution: 64 })), BACKEND);
    expect(weightMParamsOf(kg)).toBeGreaterThan(11.6);
    expect(weightMParamsOf(kg)).toBeLessThan(11.8);
    const plain = loadDevice(profile({ sumKernelMs: 1.1, kernels: -0.001, constant: 0.2 }));
    const cold = loadDevice(profile({ sumKernelMs: 1.1, kernels: -0.001, constant: 0.2, weightMParams: 0.1 }));
    const est = predictKernels(kg, cold);
    const t = overheadTermValues(est);
    expect(t.weightMParams).toBeCloseTo(weightMParamsOf(kg), 9);
    expect(t.kernels).toBe(kg.kernels.length);
    expect(aggregate(est, cold).latencyMs - aggregate(est, plain).latencyMs).toBeCloseTo(0.1 * weightMParamsOf(kg), 9);
    expect(aggregate(est, plain).latencyMs).toBe(1.1 * t.sumKernelMs - 0.001 * t.kernels + 0.2);
    expect(applyOverhead({ sumKernelMs: 2 }, { sumKernelMs: 3, weightMParams: 5 })).toBe(6);
  });

  it("the weight term is MobileNetV2-sized for MobileNetV2 (3.5 M weights)", () => {
    const kg = fuse(inferShapes(buildMobileNetV2({ widthMultiplier: 1, resolution: 96 })), BACKEND);
    expect(weightMParamsOf(kg)).toBeGreaterThan(3.4);
    expect(weightMParamsOf(kg)).toBeLessThan(3.6);
  });

  it("loadDevice rejects a negative or non-numeric weightMParams with invalid_device at overhead.coef.weightMParams", () => {
    for (const bad of [-0.01, "0.1"]) {
      try {
        loadDevice(profile({ sumKernelMs: 1, weightMParams: bad as number }));
        expect.unreachable();
      } catch (e) {
        expect(isEdgelatError(e) && e.code).toBe("invalid_device");
        expect((e as { details: { field: string } }).details.field).toBe("overhead.coef.weightMParams");
      }
    }
    expect(loadDevice(profile({ sumKernelMs: 1, weightMParams: 0 })).overhead.coef.weightMParams).toBe(0);
  });
});
