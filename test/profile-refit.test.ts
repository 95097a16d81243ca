// Refitting a local profile from logged measurements only (no runtime call), template keys back to configurations,
// and the error diagnosis (aggregation ceiling vs kernel predictors). Pure: no ORT run, no absolute time asserted.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KERNEL_CLASSES, loadDevice } from "../src/devices/load.js";
import { predictKernels } from "../src/devices/estimate.js";
import { DEVICE_SCHEMA, type DeviceProfileJSON } from "../src/devices/types.js";
import { fuse } from "../src/fusion/fuse.js";
import { buildMobileNetV2 } from "../src/models/index.js";
import { fitFlopsLinear } from "../src/predictors/flops-linear.js";
import { inferShapes } from "../src/shape/infer.js";
import { aggregationFloor, diagnoseClasses, diagnoseModel } from "../src/profile/diagnose.js";
import {
  MeasurementLog, buildKernelModel, configFromKey, configKey, measureE2e, measureKernels, poolFromConfigs, sampleKernels, summarize,
  type KernelConfig, type ModelRunner,
} from "../src/profile/index.js";

const tmp = mkdtempSync(join(tmpdir(), "edgelat-refit-"));
const BACKEND = "ort-cpu@1.30/all";
/** A runner that must never be asked to run anything. */
const refusing: ModelRunner & { backend: string } = {
  config: "cfg",
  backend: BACKEND,
  open: () => {
    throw new Error("offline: the runtime must not be called");
  },
};

const configs: KernelConfig[] = [
  { op: "conv", cin: 16, cout: 32, h: 28, w: 28, k: 3, s: 1, groups: 1, bn: true, act: "relu", residual: false },
  { op: "conv", cin: 32, cout: 32, h: 14, w: 14, k: 3, s: 2, groups: 32, bn: false, act: "relu6", residual: true },
  { op: "pool", kind: "avg", c: 16, h: 8, w: 8, k: 3, s: 1 },
  { op: "gap", c: 64, h: 7, w: 7 },
  { op: "fc", cin: 128, cout: 10, act: "none" },
  { op: "eltwise", kind: "add-relu", c: 8, h: 4, w: 4 },
  { op: "concat", c1: 8, c2: 24, h: 5, w: 5 },
];

describe("template keys", () => {
  it("configFromKey inverts configKey for every template op, and rejects other strings", () => {
    for (const c of configs) expect(configFromKey(configKey(c))).toEqual(c);
    expect(configFromKey("real:conv:0badc0de")).toBeUndefined();
    expect(configFromKey("tpl:conv:cin=0,cout=1")).toBeUndefined();
    expect(configFromKey("tpl:warp:c=1")).toBeUndefined();
    expect(configFromKey("tpl:gap:c=8,h=2")).toBeUndefined(); // not a complete configuration
  });
});

describe("offline measurement (refit)", () => {
  it("measureKernels / measureE2e return logged data only and never call the runtime", async () => {
    const log = new MeasurementLog(join(tmp, "offline.jsonl"), "cfg");
    log.append({ kind: "kernels", key: "a", load: [0, 0, 0], kernelsUs: { k0: [10, 12, 11] }, unmappedUs: { "x#0": [3, 3, 3] } });
    log.append({ kind: "e2e", key: "a", load: [0, 0, 0], ms: [1, 1.1, 1.2], cpuMs: [1, 1, 1] });
    const g = buildKernelModel(configs[0]!);
    const model = (key: string) => ({ key, bytes: new Uint8Array(), graph: g });
    const kg = fuse(inferShapes(g), BACKEND);
    const k = await measureKernels(refusing, [{ model: model("a"), kernels: kg }, { model: model("b"), kernels: kg }], { log, offline: true });
    expect([...k.keys()]).toEqual(["a"]);
    expect(k.get("a")!.summaries.get("k0")!.median).toBe(11);
    expect(k.get("a")!.unmappedUs.get("x#0")).toEqual([3, 3, 3]); // unmapped node times survive a resume
    const e = await measureE2e(refusing, [model("a"), model("b")], { log, offline: true, clock: "cpu" });
    expect([...e.keys()]).toEqual(["a"]);
    expect(e.get("a")!.summary.median).toBe(1);
    expect(log.keys("kernels")).toEqual(["a"]);
  });

  it("sampleKernels offline takes every logged pool item and logged template neighbours rebuilt from their keys", async () => {
    const log = new MeasurementLog(join(tmp, "sampling.jsonl"), "cfg");
    const pool = poolFromConfigs(configs.slice(0, 4), BACKEND);
    const neighbour: KernelConfig = { op: "gap", c: 96, h: 7, w: 7 };
    const logged = [pool[0]!.key, pool[2]!.key, configKey(neighbour)];
    for (const key of logged) {
      const kg = fuse(inferShapes(buildKernelModel(configFromKey(key)!)), BACKEND);
      log.append({ kind: "kernels", key, load: [0, 0, 0], kernelsUs: Object.fromEntries(kg.kernels.map((x) => [x.id, [40, 42, 41]])) });
    }
    const res = await sampleKernels(refusing, pool, { deadline: Date.now() + 60_000, measure: { log, offline: true } });
    expect(res.stoppedBy).toBe("logged");
    expect(res.models).toBe(3);
    expect(new Set(res.samples.map((s) => s.model))).toEqual(new Set(logged));
    expect(res.samples.every((s) => s.latencyMs === 0.041)).toBe(true);
    expect(res.fits.has("global-pool")).toBe(true);
  });
});

describe("error diagnosis", () => {
  const flat = fitFlopsLinear([
    { features: { flops: 1e6, params: 0, bytesRead: 0, bytesWritten: 0, nodes: 1 }, latencyMs: 0.02 },
    { features: { flops: 1e8, params: 0, bytesRead: 0, bytesWritten: 0, nodes: 1 }, latencyMs: 1.01 },
  ]).toJSON();
  const json: DeviceProfileJSON = {
    schema: DEVICE_SCHEMA, id: "diag-test", name: "diagnosis test", backend: BACKEND,
    identity: { device: "test", soc: "test", processor: "cpu", processorName: "test", threads: 1, precision: "fp32", runtime: "onnxruntime-node", runtimeVersion: "1.30.0" },
    predictors: Object.fromEntries(KERNEL_CLASSES.map((c) => [c, flat])),
    overhead: { coef: { sumKernelMs: 1.1, kernels: -0.001, constant: 0.2 }, relStd: 0.1 },
    provenance: { dataset: "synthetic", method: "test", samples: { models: 0 } },
  };
  const device = loadDevice(json);
  const inferred = inferShapes(buildMobileNetV2({ widthMultiplier: 0.35, resolution: 64 }));
  const est = predictKernels(fuse(inferred, BACKEND), device);
  const measurement = (us: Map<string, number[]>, unmapped = new Map<string, number[]>()) => ({
    key: "m", kernelsUs: us, unmappedUs: unmapped, summaries: new Map([...us].map(([k, v]) => [k, summarize(v)])),
  });

  it("profiled times equal to the predictions: the ceiling is the prediction, no kernel error", () => {
    const us = new Map(est.map((e) => [e.id, [e.latencyMs * 1000]]));
    const d = diagnoseModel(device, { name: "m", family: "f", inferred, measuredMs: 3 }, measurement(us));
    expect(d.ceilingMs).toBeCloseTo(d.predictedMs, 9);
    expect(d.missing).toEqual([]);
    expect(d.profiledKernelMs).toBeCloseTo(d.predictedKernelMs, 9);
    for (const c of diagnoseClasses([d])) {
      expect(c.mape).toBeCloseTo(0, 12);
      expect(c.contribution).toBeCloseTo(0, 12);
    }
  });

  it("a kernel ORT never ran is missing, unmapped nodes count in the ceiling, a slower class shows as under-prediction", () => {
    const dw = est.filter((e) => e.class === "dwconv");
    expect(dw.length).toBeGreaterThan(2);
    const dropped = est.find((e) => e.class === "conv")!;
    const us = new Map(est.filter((e) => e !== dropped).map((e) => [e.id, [e.latencyMs * 1000 * (e.class === "dwconv" ? 2 : 1)]]));
    const d = diagnoseModel(device, { name: "m", family: "f", inferred, measuredMs: 3 }, measurement(us, new Map([["Extra#0", [500]]])));
    expect(d.missing).toEqual([dropped.id]);
    expect(d.unmappedMs).toBeCloseTo(0.5, 12);
    const dwMs = dw.reduce((s, e) => s + e.latencyMs, 0);
    expect(d.profiledKernelMs).toBeCloseTo(d.predictedKernelMs - dropped.latencyMs + dwMs, 9);
    expect(d.ceilingMs).toBeCloseTo(d.predictedMs + 1.1 * (0.5 + dwMs - dropped.latencyMs), 9);
    const classes = diagnoseClasses([d]);
    expect(classes[0]!.cls).toBe("dwconv");
    expect(classes[0]!.mape).toBeCloseTo(0.5, 12);
    expect(classes[0]!.contribution).toBeCloseTo(-dwMs / 3, 12);
  });
});

describe("aggregation floor", () => {
  it("recovers an exact overhead model from measured kernel sums, and flags the row that breaks it", () => {
    const rows = [0.5, 1, 2, 4, 8, 16, 32].map((ms, i) => ({ name: `m${i}`, profiledMs: ms, kernels: 20 + 30 * i, measuredMs: 1.1 * ms - 0.002 * (20 + 30 * i) + 0.2 }));
    const exact = aggregationFloor(rows);
    expect(exact.overhead.coef.sumKernelMs).toBeCloseTo(1.1, 6);
    expect(exact.overhead.coef.kernels).toBeCloseTo(-0.002, 6);
    expect(exact.within10).toBe(1);
    expect(exact.mape).toBeLessThan(1e-6);
    const off = aggregationFloor(rows.map((r, i) => (i === 3 ? { ...r, measuredMs: 1.5 * r.measuredMs } : r)));
    expect(off.mape).toBeGreaterThan(0.02);
    const worst = [...off.errors].sort((a, b) => Math.abs(b.relError) - Math.abs(a.relError))[0]!;
    expect(worst.name).toBe("m3");
    expect(worst.relError).toBeLessThan(0); // measured 1.5× what the others imply: under-predicted
  });
});

describe("session exclusivity", () => {
  /** A fake runner recording how many sessions are open whenever one runs. */
  const counting = (exclusiveSessions: boolean) => {
    let open = 0;
    const seen: number[] = [];
    const runner: ModelRunner = {
      config: "cfg",
      exclusiveSessions,
      open: async () => {
        open++;
        return {
          run: async () => {
            seen.push(open);
            return { wallMs: 1, cpuMs: 1 };
          },
          close: async () => {
            open--;
            return {};
          },
        };
      },
    };
    return { runner, seen };
  };
  const g = buildKernelModel(configs[0]!);
  const models = ["a", "b", "c"].map((key) => ({ key, bytes: new Uint8Array(), graph: g }));

  it("interleaves open sessions by default, and runs one session at a time for a runner whose idle sessions disturb", async () => {
    const shared = counting(false);
    const e1 = await measureE2e(shared.runner, models, { rounds: 3, warmup: 1, maxRetries: 0 });
    expect(Math.max(...shared.seen)).toBe(3);
    const exclusive = counting(true);
    const e2 = await measureE2e(exclusive.runner, models, { rounds: 3, warmup: 1, maxRetries: 0 });
    expect(Math.max(...exclusive.seen)).toBe(1);
    expect(exclusive.seen.length).toBe(shared.seen.length); // same runs (3 models × (1 warm-up + 3 rounds))
    expect([...e2.keys()]).toEqual([...e1.keys()]);
  });
});
