// The TF.js (wasm backend) profiler: the IR executor runs the reference networks with every node's output shape
// checked against shape inference, per-node times map to the simulator's kernels, and a real profiling run on a tiny
// budget gives a profile that loads, predicts, and validates (also through the CLI, on a TF.js graph model of the
// corpus when present). Nothing here asserts an absolute time.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { loadDevice } from "../src/devices/load.js";
import { fuse } from "../src/fusion/fuse.js";
import { GraphBuilder } from "../src/ir/builder.js";
import { buildMobileNetV2, buildMobileNetV3Small, buildResNet18 } from "../src/models/index.js";
import { predictLatency } from "../src/predict.js";
import { checkGraph, compileGraph, unsupportedOps } from "../src/profile/tfjs-exec.js";
import { prepareTfjsModel, TfjsRunner } from "../src/profile/tfjs.js";
import { createRunner, runtimeOfDevice } from "../src/profile/runner.js";
import { buildKernelModel, defaultFusionCases, mapOrtNodes, measureE2e, measureKernels, prepareModel, profileDevice, readLog, validateDevice } from "../src/profile/index.js";
import { inferShapes } from "../src/shape/infer.js";
import type { Graph } from "../src/ir/types.js";
import { poolFromConfigs, poolFromModels, tfTypeDesign } from "../src/profile/sampling.js";
import { configFlops, configFromKey, configKey, perturbConfig, type KernelConfig } from "../src/profile/templates.js";
import { createRng } from "../src/util/rng.js";
type Tensor4D = import("@tensorflow/tfjs").Tensor4D;
import { buildNasBench201Graph } from "../src/spaces/nasbench201.js";
import { corpusModels } from "./helpers/corpus.js";

const tmp = mkdtempSync(join(tmpdir(), "edgelat-tfjs-"));
const workDir = join(tmp, "work");

describe("TF.js executor", () => {
  it("runs MobileNetV2/V3, ResNet-18 and an NB201 network with every node's shape as inferred", async () => {
    const runner = await TfjsRunner.create();
    expect(runner.threads).toBe(1);
    expect(runner.backend).toBe("tfjs-wasm@4.22");
    expect(runner.config).toMatch(/^tfjs-wasm@4\.22\.\d+\/t1\/(simd|nosimd)$/);
    const graphs = [
      buildMobileNetV2({ widthMultiplier: 0.35, resolution: 64 }),
      buildMobileNetV3Small({ resolution: 64 }),
      buildResNet18({ resolution: 32, widthMultiplier: 0.5 }),
      buildNasBench201Graph([4, 4, 2, 2, 0, 1], { cellsPerStage: 1 }),
    ];
    for (const g of graphs) {
      const inferred = inferShapes(g);
      expect(unsupportedOps(inferred)).toEqual([]);
      const prog = compileGraph(runner.tf, inferred);
      try {
        const events = prog.run(true)!; // throws invalid_model on a shape that differs from shape inference
        const executed = inferred.graph.nodes.filter((n) => !inferred.folded.has(n.name));
        expect(events.map((e) => e.node)).toEqual(executed.map((n) => n.name));
        expect(events.every((e) => e.durUs >= 0)).toBe(true);
        // ONNX graphs on tfjs-wasm: no fusion, every executed node is one simulator kernel
        const kg = fuse(inferred, runner.backend);
        const mapping = mapOrtNodes(inferred.graph, kg, inferred.graph);
        const mapped = new Set(events.map((e) => mapping.kernelOf(e.node, e.occurrence)));
        expect(mapped.has(undefined)).toBe(false);
        expect(mapped.size).toBe(kg.kernels.length);
        // tf.profile sees at least one TF.js kernel per executed node
        expect(await prog.kernelCount()).toBeGreaterThanOrEqual(executed.length);
        if (g === graphs[0]) {
          // MobileNetV2: each ONNX node is the TF.js kernel a TF.js port runs (tf.batchNorm adds a Reshape of its own)
          const count = (xs: readonly string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
          const ops = count(executed.map((n) => n.opType));
          const k = count(await prog.kernelNames());
          expect((k.get("FusedConv2D") ?? 0) + (k.get("FusedDepthwiseConv2D") ?? 0)).toBe(ops.get("Conv"));
          expect(k.get("FusedDepthwiseConv2D")).toBe(17);
          expect(k.get("FusedBatchNorm")).toBe(ops.get("BatchNormalization"));
          expect(k.get("ClipByValue")).toBe(ops.get("Clip"));
          expect(k.get("Add")).toBe(ops.get("Add"));
          expect(k.get("Mean")).toBe(1);
          expect(k.get("_FusedMatMul")).toBe(1);
        }
      } finally {
        prog.dispose();
      }
    }
  });

  it("bad input: an op it cannot run, more than one thread, a device of another runtime", async () => {
    const b = new GraphBuilder("lrn");
    b.output(b.op("LRN", [b.input("x", [1, 8, 4, 4])], { size: 3 }));
    const inferred = inferShapes(b.build());
    expect(unsupportedOps(inferred)).toEqual(["LRN"]);
    const runner = await TfjsRunner.create();
    expect(() => compileGraph(runner.tf, inferred)).toThrow(expect.objectContaining({ code: "unsupported_op" }));
    expect(runner.supports(b.build())).toBe(false);
    expect(runner.supports(buildKernelModel({ op: "pool", kind: "max", c: 8, h: 16, w: 16, k: 3, s: 2 }))).toBe(true);
    // a supported op with an attribute the executor does not lower is refused before anything runs
    const c = new GraphBuilder("ceil");
    c.output(c.op("MaxPool", [c.input("x", [1, 8, 15, 15])], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }));
    expect(runner.supports(c.build())).toBe(false);
    expect(() => checkGraph(inferShapes(c.build()))).toThrow(expect.objectContaining({ code: "unsupported_op" }));
    await expect(TfjsRunner.create({ threads: 2 })).rejects.toMatchObject({ code: "invalid_argument" });
    expect(() => runtimeOfDevice({ id: "x", backend: "tflite-cpu@2.10", identity: { runtime: "tflite" } })).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(runtimeOfDevice({ id: "x", backend: "tfjs-wasm@4.22", identity: { runtime: "tfjs-wasm" } })).toBe("tfjs-wasm");
  });

  it("measureKernels: single-kernel models' node times land on the simulator's kernel ids (CPU µs, > 0)", async () => {
    const runner = await createRunner({ runtime: "tfjs-wasm", workDir });
    const cfgs = [
      buildKernelModel({ op: "conv", cin: 16, cout: 32, h: 28, w: 28, k: 3, s: 1, groups: 1, bn: true, act: "relu6", residual: false }),
      buildKernelModel({ op: "conv", cin: 32, cout: 32, h: 28, w: 28, k: 3, s: 2, groups: 32, bn: true, act: "hardswish", residual: false }),
      buildKernelModel({ op: "fc", cin: 256, cout: 100, act: "none" }),
    ];
    const items = cfgs.map((g, i) => {
      const { model, inferred } = prepareModel(`k${i}`, g);
      return { model, kernels: fuse(inferred, runner.backend) };
    });
    const res = await measureKernels(runner, items, { rounds: 5, warmup: 1, maxRetries: 0 });
    for (const it of items) {
      const m = res.get(it.model.key)!;
      expect([...m.unmappedUs.keys()]).toEqual([]);
      expect(new Set(m.summaries.keys())).toEqual(new Set(it.kernels.kernels.map((k) => k.id)));
      for (const v of m.kernelsUs.values()) expect(v).toHaveLength(5);
    }
    // the 3×3 convolution (2.1e7 FLOPs) takes longer than the ReLU6 after it (2.5e4 elements)
    const conv = items[0]!.kernels.kernels.find((k) => k.class === "conv")!;
    const act = items[0]!.kernels.kernels.find((k) => k.opTypes[0] === "Clip")!;
    expect(res.get("k0")!.summaries.get(conv.id)!.median).toBeGreaterThan(res.get("k0")!.summaries.get(act.id)!.median);
  });
});

describe("profileDevice --runtime tfjs-wasm on a tiny budget", () => {
  it("profiles for real; the profile loads, predicts, validates (API and CLI)", async () => {
    const prior = [{ name: "mbv2-tiny", inferred: inferShapes(buildMobileNetV2({ widthMultiplier: 0.35, resolution: 48 })) }];
    const calib = [0.35, 0.5, 0.75].map((w) => ({ name: `mbv2-${w}`, family: "mobilenetv2", graph: buildMobileNetV2({ widthMultiplier: w, resolution: 40 }) }));
    const logFile = join(tmp, "profile.jsonl");
    const res = await profileDevice({
      runtime: "tfjs-wasm", budgetMs: 5000, workDir, logFile, priorModels: prior, calibrationModels: calib,
      fusionCases: defaultFusionCases().filter((c) => c.name === "conv-bn" || c.name === "add-relu"),
      measure: { rounds: 4, warmup: 1, maxRetries: 0 },
    });
    const p = res.profile;
    expect(p.schema).toBe("edgelat-device@1");
    expect(p.id).toMatch(/^local-tfjs-wasm-t1-(simd|nosimd)$/);
    expect(p.backend).toBe("tfjs-wasm@4.22");
    expect(p.identity.runtime).toBe("tfjs-wasm");
    expect(p.identity.threads).toBe(1);
    expect(Object.keys(p.predictors)).toContain("conv");
    expect(res.calibration.length).toBe(3);
    // the executor fuses nothing: TF.js runs as many kernels for a∘b as for a and b apart, and the simulator agrees
    for (const c of res.fusion!.cases) {
      expect(c.runtimeFused).toBe(false);
      expect(c.simulatorFused).toBe(false);
    }
    // the detection is written into the profile: evidence per case, nothing disabled (TF.js's runtime evidence decides)
    expect(p.fusion).toMatchObject({ base: "tfjs-wasm@4.22", disable: [] });
    expect(p.fusion!.cases.map((c) => [c.name, c.decision, c.source])).toEqual([["conv-bn", "separate", "runtime"], ["add-relu", "separate", "runtime"]]);
    const records = readLog(logFile);
    expect(records.some((r) => r.kind === "kernels")).toBe(true);
    expect(records.every((r) => r.config.startsWith("tfjs-wasm@"))).toBe(true);
    const device = loadDevice(JSON.parse(JSON.stringify(p)));
    const graph = buildMobileNetV2({ widthMultiplier: 0.5, resolution: 48 });
    const est = predictLatency(graph, device);
    expect(est.latencyMs).toBeGreaterThan(0);
    expect(Number.isFinite(est.latencyMs)).toBe(true);

    const runner = await createRunner({ runtime: "tfjs-wasm", workDir });
    const { model, inferred } = prepareModel("val:mbv2", graph);
    const v = await validateDevice(runner, device, [{ name: "mbv2", family: "mobilenetv2", model, inferred }], { rounds: 3, warmup: 1, clock: "cpu" });
    expect(v.rows).toHaveLength(1);
    expect(v.rows[0]!.predictedMs).toBeCloseTo(est.latencyMs, 9);
    expect(v.rows[0]!.measuredMs).toBeGreaterThan(0);
    expect(v.summary.clock).toBe("cpu");

    // CLI: an ONNX file runs through the executor
    const devFile = join(tmp, "device.json");
    writeFileSync(devFile, JSON.stringify(p));
    const { toOnnx } = await import("../src/parsers/onnx/index.js");
    const onnx = join(tmp, "m.onnx");
    writeFileSync(onnx, toOnnx(graph, { weights: "random", seed: 1 }));
    const out: string[] = [];
    const code = await main(["validate", "--device", devFile, onnx, "--rounds", "3", "--json"], { out: (t) => out.push(t), err: (t) => out.push(t) });
    expect(code).toBe(0);
    const j = JSON.parse(out.join("\n"));
    expect(j.config).toMatch(/^tfjs-wasm@/);
    expect(j.rows[0].predictedMs).toBeCloseTo(est.latencyMs, 9);
    expect(j.summary.clock).toBe("cpu");

    // CLI: a TF.js model.json of the corpus runs as a graph model (its symbolic batch dim taken as 1)
    const emotion = corpusModels("tfjs-graph").find((m) => m.name === "emotion");
    if (emotion !== undefined) {
      out.length = 0;
      expect(await main(["validate", "--device", devFile, emotion.path, "--rounds", "2", "--json"], { out: (t) => out.push(t), err: (t) => out.push(t) })).toBe(0);
      const r = JSON.parse(out.join("\n")).rows[0];
      expect(r.predictedMs).toBeGreaterThan(0);
      expect(r.measuredMs).toBeGreaterThan(0);
    }
    // a TF.js model on an onnxruntime-node device is refused
    const ortDev = join(tmp, "ort.json");
    // (without the TF.js fusion evidence, whose base rule set must be the profile's backend)
    writeFileSync(ortDev, JSON.stringify({ ...p, identity: { ...p.identity, runtime: "onnxruntime-node" }, backend: "ort-cpu@1.30/all", fusion: undefined }));
    out.length = 0;
    expect(await main(["validate", "--device", ortDev, join(tmp, "model.json")], { out: (t) => out.push(t), err: (t) => out.push(t) })).toBe(1);
    expect(out.at(-1)).toContain("[invalid_argument]");
  });
});

const tfjsCorpus = corpusModels("tfjs-graph").filter((m) => m.name === "emotion" || m.name === "liveness");
describe.skipIf(tfjsCorpus.length === 0)("TF.js graph models of the corpus", () => {
  it("run end to end through tf.loadGraphModel (memory) and predict with the simulator's TF graph", async () => {
    const runner = await createRunner({ runtime: "tfjs-wasm", workDir });
    const models = tfjsCorpus.map((m) => ({ name: m.name, family: "corpus", ...prepareTfjsModel(`corpus:${m.name}`, m.path, m.inputShapes, m.outputs) }));
    const e2e = await measureE2e(runner, models.map((m) => m.model), { rounds: 3, warmup: 1, maxRetries: 0, clock: "cpu" });
    for (const m of models) {
      expect(e2e.get(m.model.key)!.summary.median).toBeGreaterThan(0);
      expect(m.inferred.graph.format).toBe("tfjs-graph");
    }
    // a graph model executes as TF.js kernels (tf.profile)
    expect(await runner.executedNodes(models[0]!.model)).toBeGreaterThan(0);
    // profiled kernel by kernel, its TF ops run through the executor: every node's time lands on a simulator kernel
    const items = models.map((m) => ({ model: m.model, kernels: fuse(m.inferred, runner.backend) }));
    const km = await measureKernels(runner, items, { rounds: 3, warmup: 1, maxRetries: 0 });
    for (const it of items) {
      const m = km.get(it.model.key)!;
      expect([...m.unmappedUs.keys()]).toEqual([]);
      const executed = it.kernels.kernels.filter((k) => k.nodes.length > 0).map((k) => k.id);
      expect(new Set(m.summaries.keys())).toEqual(new Set(executed));
    }
  });
});

/**
 * A small converted-TF.js-style graph (TF ops, NHWC): a convolution, BatchNorm left unfused as a per-channel Mul / Add,
 * ReLU6 as clip_by_value (Minimum / Maximum with scalar constants) and a residual AddV2 — the kernel forms of the
 * corpus's graph models (faceres, liveness, blazeface) that the kernel sampler must draw.
 */
function tfBlockGraph(): Graph {
  const b = new GraphBuilder("tf-block", { tf: 1 }, "tfjs-graph");
  const tf = { domain: "tf" };
  const x = b.input("x", [1, 12, 12, 8]);
  const conv = b.op("Conv2D", [x, b.constant("w", [3, 3, 8, 16])], { strides: [1, 1, 1, 1], padding: "SAME", data_format: "NHWC", dilations: [1, 1, 1, 1] }, tf);
  const mul = b.op("Mul", [conv, b.constant("bn_scale", [16])], {}, tf);
  const add = b.op("Add", [mul, b.constant("bn_shift", [16])], {}, tf);
  const lo = b.op("Minimum", [add, b.constant("six", [], "float32", [6])], {}, tf);
  const hi = b.op("Maximum", [lo, b.constant("zero", [], "float32", [0])], {}, tf);
  const res = b.op("AddV2", [hi, conv], {}, tf);
  b.output(res);
  return b.build();
}

describe("TF.js kernel priors: converter-unfused element-wise kernels", () => {
  it("are read from a TF graph's kernels as tfbinary configurations, rebuilt as the same kernel, and drawn per type", () => {
    const inferred = inferShapes(tfBlockGraph());
    const pool = poolFromModels([{ name: "tf-block", inferred }], "tfjs-wasm@4.22");
    const cfgOf = (type: string) => pool.find((p) => p.type === type)?.config;
    expect(cfgOf("max")).toEqual({ op: "tfbinary", kind: "max", operand: "scalar", c: 16, h: 12, w: 12 });
    expect(cfgOf("min")).toEqual({ op: "tfbinary", kind: "min", operand: "scalar", c: 16, h: 12, w: 12 });
    expect(cfgOf("mul")).toEqual({ op: "tfbinary", kind: "mul", operand: "channel", c: 16, h: 12, w: 12 });
    // the Add of a per-channel constant and the residual AddV2 of two activations are different configurations
    expect(pool.filter((p) => p.type === "add").map((p) => p.config)).toEqual([
      { op: "tfbinary", kind: "add", operand: "channel", c: 16, h: 12, w: 12 },
      { op: "tfbinary", kind: "add", operand: "tensor", c: 16, h: 12, w: 12 },
    ]);
    expect(cfgOf("conv")).toBeUndefined(); // a TF convolution is no tfbinary
    for (const item of pool.filter((p) => p.config?.op === "tfbinary")) {
      const cfg = item.config!;
      expect(configFromKey(configKey(cfg))).toEqual(cfg);
      // the template graph is TF ops and fuses to a kernel of the same class and type as the corpus kernel
      const g = buildKernelModel(cfg);
      expect(g.nodes.map((n) => n.domain)).toEqual(["tf"]);
      const [t] = poolFromConfigs([cfg], "tfjs-wasm@4.22");
      expect([t!.cls, t!.type, t!.key]).toEqual([item.cls, item.type, configKey(cfg)]);
      expect(configFlops(cfg)).toBe(16 * 12 * 12);
      // neighbours keep the op and the operand form
      const rng = createRng(3);
      for (let i = 0; i < 10; i++) {
        const n = perturbConfig(cfg, rng) as Extract<KernelConfig, { op: "tfbinary" }>;
        expect([n.op, n.kind, n.operand]).toEqual(["tfbinary", (cfg as typeof n).kind, (cfg as typeof n).operand]);
      }
    }
    // the TF.js initial design: n per (class, type) among TF-op items, whatever their class's size
    const design = tfTypeDesign(pool, 1);
    expect(design.map((p) => `${p.cls}/${p.type}`).sort()).toEqual(["conv/conv", "elementwise/add", "elementwise/max", "elementwise/min", "elementwise/mul"]);
    expect(tfTypeDesign(pool, 2).filter((p) => p.type === "add")).toHaveLength(2);
    // ONNX-op items (other runtimes' pools) are not part of it
    expect(tfTypeDesign(poolFromConfigs([{ op: "eltwise", kind: "add", c: 8, h: 4, w: 4 }], "tfjs-wasm@4.22"), 3)).toEqual([]);
    expect(() => buildKernelModel({ op: "tfbinary", kind: "pow" as "add", operand: "scalar", c: 1, h: 1, w: 1 })).toThrow(/unknown kind/);
  });

  it("the executor runs them with TF.js's own op results (scalar, per-channel and tensor operands)", async () => {
    const runner = await TfjsRunner.create();
    const tf = runner.tf;
    const inferred = inferShapes(tfBlockGraph());
    // the same TF ops on the same values through TF.js directly
    const prog = compileGraph(tf, inferred, 11);
    try {
      const got = prog.outputs();
      expect(got).toHaveLength(1);
      const [x, w, scale, shift] = prog.inputValues(["x", "w", "bn_scale", "bn_shift"]);
      // the clip's bounds are the graph's own constants (the kernel configuration), not random values
      expect(prog.inputValues(["six", "zero"]).map((t) => t.dataSync()[0])).toEqual([6, 0]);
      const want = tf.tidy(() => {
        const conv = tf.conv2d(x as Tensor4D, w as Tensor4D, 1, "same");
        const bn = tf.add(tf.mul(conv, scale!), shift!);
        return tf.add(tf.maximum(tf.minimum(bn, prog.inputValues(["six"])[0]!), prog.inputValues(["zero"])[0]!), conv);
      });
      expect(got[0]!.shape).toEqual([1, 12, 12, 16]);
      const a = got[0]!.dataSync(), e = want.dataSync();
      let maxErr = 0;
      for (let i = 0; i < a.length; i++) maxErr = Math.max(maxErr, Math.abs(a[i]! - e[i]!));
      expect(maxErr).toBeLessThan(1e-5);
      tf.dispose([...got, want]);
    } finally {
      prog.dispose();
    }
  });
});

describe("TF.js executor: comparisons, FloorDiv / FloorMod and Cast of TF graphs (centernet's / movenet's post-processing)", () => {
  it("give TF.js's own op results on the values it feeds (float, int32 and bool tensors; kept int constants)", async () => {
    const runner = await TfjsRunner.create();
    const tf = runner.tf;
    const b = new GraphBuilder("tf-post", { tf: 1 }, "tfjs-graph");
    const d = { domain: "tf" };
    const x = b.input("x", [1, 6, 6, 4]);
    const pooled = b.op("MaxPool", [x], { ksize: [1, 3, 3, 1], strides: [1, 1, 1, 1], padding: "SAME", data_format: "NHWC" }, d);
    const peak = b.op("Equal", [x, pooled], {}, d);
    const peakF = b.op("Cast", [peak], { SrcT: "bool", DstT: "float32" }, d);
    const idx = b.input("idx", [1, 10], "int32");
    const row = b.op("FloorDiv", [idx, b.constant("three", [], "int32", [3])], {}, d);
    const col = b.op("FloorMod", [idx, b.constant("three2", [], "int32", [3])], {}, d);
    const less = b.op("Less", [row, col], {}, d);
    const flag = b.input("flag", [1, 10], "bool");
    const both = b.op("Cast", [b.op("NotEqual", [less, flag], {}, d)], { SrcT: "bool", DstT: "int32" }, d);
    b.output(peakF, row, col, both);
    const inferred = inferShapes(b.build());
    expect(unsupportedOps(inferred)).toEqual([]);
    const prog = compileGraph(tf, inferred, 5);
    try {
      const got = prog.outputs();
      const [xv, iv, fv] = prog.inputValues(["x", "idx", "flag"]);
      expect([iv!.dtype, fv!.dtype]).toEqual(["int32", "bool"]);
      const want = tf.tidy(() => {
        const p = tf.cast(tf.equal(xv!, tf.maxPool(xv as Tensor4D, 3, 1, "same")), "float32");
        const r = tf.floorDiv(iv!, tf.scalar(3, "int32")), c = tf.mod(iv!, tf.scalar(3, "int32"));
        return [p, r, c, tf.cast(tf.notEqual(tf.less(r, c), fv!), "int32")];
      });
      expect(got.map((t) => t.dtype)).toEqual(["float32", "int32", "int32", "int32"]);
      got.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(want[i]!.dataSync())));
      // the peaks are real: some, not all, positions equal their 3×3 maximum
      const peaks = Array.from(got[0]!.dataSync()).reduce((s, v) => s + v, 0);
      expect(peaks).toBeGreaterThan(0);
      expect(peaks).toBeLessThan(36 * 4);
      tf.dispose([...got, ...want]);
    } finally {
      prog.dispose();
    }
    // depthwise convolutions with unequal strides are refused (the wasm backend applies the first stride to both axes)
    const dw = new GraphBuilder("dw-21");
    dw.output(dw.op("Conv", [dw.input("x", [1, 8, 6, 10]), dw.constant("w", [8, 1, 3, 3])], { group: 8, kernel_shape: [3, 3], strides: [2, 1], pads: [1, 1, 1, 1] }));
    expect(() => checkGraph(inferShapes(dw.build()))).toThrow(/unequal strides \[2, 1\]/);
    const tdw = new GraphBuilder("tf-dw-21", { tf: 1 }, "tfjs-graph");
    tdw.output(tdw.op("DepthwiseConv2dNative", [tdw.input("x", [1, 6, 10, 8]), tdw.constant("w", [3, 3, 8, 1])], { strides: [1, 2, 1, 1], padding: "SAME", data_format: "NHWC", dilations: [1, 1, 1, 1] }, { domain: "tf" }));
    expect(() => checkGraph(inferShapes(tdw.build()))).toThrow(/unsupported|unequal strides/);
    // an ONNX graph still takes float32 inputs only
    const ob = new GraphBuilder("onnx-int");
    ob.output(ob.op("Relu", [ob.input("i", [1, 4], "int32")]));
    expect(() => checkGraph(inferShapes(ob.build()))).toThrow(/dtype int32/);
  });
});
