// Multi-threaded ORT profiling on a simulated runtime (no ORT run, no absolute time asserted): the profiler's own
// per-node cost in the trace is estimated from whole models and removed from the kernel samples, and a runner whose
// batches are slowed down as a whole is summarized by its fastest batch.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fuse } from "../src/fusion/fuse.js";
import type { Graph, Node } from "../src/ir/types.js";
import { buildMobileNetV2 } from "../src/models/index.js";
import { inferShapes } from "../src/shape/infer.js";
import { buildNasBench201Graph, sampleNb201Archs } from "../src/spaces/nasbench201.js";
import {
  MeasurementLog, measureE2e, measureKernels, nodeOverheadUs, pickKernelBatch, prepareModel, profileDevice, withoutNodeOverhead,
  type ModelRunner, type ProfileRunner, type RunnableModel, type TraceNodeEvent,
} from "../src/profile/index.js";

const tmp = mkdtempSync(join(tmpdir(), "edgelat-threads-"));
const BACKEND = "ort-cpu@1.30/basic";

const elems = (g: Graph, t: string | undefined): number => {
  const shape = t === undefined ? undefined : g.tensors.get(t)?.shape;
  return shape === undefined ? 1 : shape.reduce<number>((a, d) => a * (typeof d === "number" ? d : 1), 1);
};

/** Simulated true time of a node, µs: a fixed cost plus its output size, plus its multiply-adds for Conv / Gemm. */
function nodeUs(g: Graph, n: Node): number {
  const out = elems(g, n.outputs[0]);
  const w = n.opType === "Conv" || n.opType === "Gemm" ? elems(g, n.inputs[1]) : 0;
  const cout = n.opType === "Conv" ? (g.tensors.get(n.inputs[1]!)?.shape?.[0] as number | undefined) ?? 1 : 1;
  return 0.8 + out / 4000 + (w > 0 ? (out * w) / cout / 4e5 : 0);
}

/** Each executed kernel of a graph (as the simulator fuses it) by the name of its last node, with its true time in µs. */
function executed(g: Graph): { node: string; opType: string; us: number }[] {
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  return fuse(inferShapes(g), BACKEND).kernels.filter((k) => k.nodes.length > 0).map((k) => ({
    node: k.nodes.at(-1)!, opType: k.opTypes[0] ?? k.type, us: k.nodes.reduce((t, n) => t + nodeUs(g, byName.get(n)!), 0),
  }));
}

/**
 * A simulated multi-threaded ORT: it runs the simulator's kernels (one node each, named after the kernel's last source
 * node); end-to-end runs take Σ true kernel times + 20 µs; its profiler reports every node's true time plus `costUs`
 * of its own.
 */
function simulatedOrt(costUs: number, traceNodeOverhead: boolean, firstSessionSlowdown = 1): ProfileRunner {
  const opened = new Map<string, number>();
  return {
    runtime: "ort-node", version: "sim", threads: 2, config: `sim/t2/${costUs}/${traceNodeOverhead}`, backend: BACKEND,
    target: { runtime: "onnxruntime-node", runtimeVersion: "sim", threads: 2, backend: BACKEND, settings: "basic" },
    kernelTimes: "simulated profiler", exclusiveSessions: true, traceNodeOverhead,
    executedNodes: async () => undefined,
    open: async (m: RunnableModel, opts = {}) => {
      const g = m.graph;
      const first = !opened.has(m.key);
      opened.set(m.key, (opened.get(m.key) ?? 0) + 1);
      const nodes = executed(g).map((n) => ({ ...n, us: first ? n.us * firstSessionSlowdown : n.us }));
      const e2eMs = (nodes.reduce((t, n) => t + n.us, 0) + 20) / 1000;
      const trace: TraceNodeEvent[][] = [];
      return {
        run: async () => {
          if (opts.profile) trace.push(nodes.map((n) => ({ node: n.node, opType: n.opType, provider: "CPU", durUs: n.us + costUs, occurrence: 0 })));
          return { wallMs: e2eMs, cpuMs: 2 * e2eMs };
        },
        close: async () => ({ ...(opts.profile ? { trace } : {}), ...(opts.optimized ? { optimized: g } : {}) }),
      };
    },
  };
}

const prior = [{ name: "mbv2-prior", inferred: inferShapes(buildMobileNetV2({ widthMultiplier: 0.35, resolution: 32 })) }];
const calibration = [
  ...[0.35, 0.5, 0.75].map((w) => ({ name: `mbv2-${w}`, family: "mobilenetv2", graph: buildMobileNetV2({ widthMultiplier: w, resolution: 32 }) })),
  ...sampleNb201Archs(3, 5).map((a, i) => ({ name: `nb201-${i}`, family: "nb201", graph: buildNasBench201Graph(a, { channels: 8 }) })),
];
const trueUs = (g: Graph): number => executed(inferShapes(g).graph).reduce((t, n) => t + n.us, 0);

async function profileWith(runner: ProfileRunner) {
  return profileDevice({
    runner, budgetMs: 1500, workDir: join(tmp, "work"), priorModels: prior, calibrationModels: calibration, fusionCases: false,
    errorTarget: 0.5, measure: { rounds: 3, warmup: 1, maxRetries: 1 },
  });
}

describe("the profiler's per-node cost (multi-threaded ORT)", () => {
  it("nodeOverheadUs: the median per-node excess of profiled sums over e2e, never negative", () => {
    const rows = [
      { profiledUs: 1000 + 4 * 200, nodes: 200, measuredUs: 1000 },
      { profiledUs: 5000 + 4 * 50, nodes: 50, measuredUs: 5000 },
      { profiledUs: 300 + 4 * 120, nodes: 120, measuredUs: 300 },
      { profiledUs: 9000, nodes: 25, measuredUs: 9900 }, // a model whose e2e run was slowed down: outvoted
    ];
    expect(nodeOverheadUs(rows)).toBeCloseTo(4, 9);
    expect(nodeOverheadUs([{ profiledUs: 900, nodes: 10, measuredUs: 1000 }])).toBe(0);
    expect(nodeOverheadUs([])).toBe(0);
    expect(withoutNodeOverhead(10, 4)).toBe(6);
    expect(withoutNodeOverhead(10, 4, 3)).toBe(1); // never below a tenth of the profiled time
  });

  it("is estimated from the whole models and removed from every kernel sample; without the flag nothing changes", async () => {
    const cost = 5;
    const corrected = await profileWith(simulatedOrt(cost, true));
    const raw = await profileWith(simulatedOrt(cost, false));
    expect(corrected.nodeOverheadUs).toBeDefined();
    // Σ profiled − e2e is exactly cost·nodes − 20 µs for every whole model
    expect(Math.abs(corrected.nodeOverheadUs! - cost)).toBeLessThan(0.5);
    expect(raw.nodeOverheadUs).toBeUndefined();
    expect(corrected.profile.provenance.notes?.some((n) => n.includes("per-node cost"))).toBe(true);
    // Σ predicted kernels of each calibration model: close to its true Σ node time once the cost is removed; above it
    // by about cost·kernels when it is not
    for (const m of calibration) {
      const truth = trueUs(m.graph) / 1000;
      const kernels = fuse(inferShapes(m.graph), BACKEND).kernels.length;
      const c = corrected.calibration.find((r) => r.name === m.name)!;
      const r = raw.calibration.find((x) => x.name === m.name)!;
      expect(Math.abs(c.sumKernelMs - truth) / truth).toBeLessThan(0.15);
      expect(r.sumKernelMs - c.sumKernelMs).toBeGreaterThan((0.5 * cost * kernels) / 1000);
    }
  });
});

describe("multi-threaded e2e batches", () => {
  /** Exclusive-session runner whose first batch of every model runs at half speed (a stretch of machine contention). */
  const contended = (exclusiveSessions: boolean) => {
    const opened = new Map<string, number>();
    const runner: ModelRunner = {
      config: "contended",
      exclusiveSessions,
      open: async (m) => {
        const n = opened.get(m.key) ?? 0;
        opened.set(m.key, n + 1);
        const ms = (m.key === "big" ? 4 : 1) * (n === 0 ? 2 : 1);
        let r = 0;
        return { run: async () => ({ wallMs: ms * (1 + 0.01 * (r++ % 3)), cpuMs: ms }), close: async () => ({}) };
      },
    };
    return { runner, opened };
  };
  const models = ["small", "big"].map((key) => ({ key, bytes: new Uint8Array(), graph: buildMobileNetV2({ widthMultiplier: 0.35, resolution: 32 }) }));

  it("an exclusive-session runner measures every model in two batches and keeps the fastest; the log replays it", async () => {
    const log = new MeasurementLog(join(tmp, "e2e.jsonl"), "contended");
    const { runner, opened } = contended(true);
    const res = await measureE2e(runner, models, { rounds: 3, warmup: 1, log });
    expect([...opened.values()]).toEqual([2, 2]);
    const small = res.get("small")!, big = res.get("big")!;
    expect(small.ms).toHaveLength(6); // every run is kept
    expect(big.summary.median / small.summary.median).toBeCloseTo(4, 1);
    expect(small.summary.median).toBeLessThan(Math.min(...small.ms.filter((x) => x >= 1.5))); // the slow batch left out
    const replay = await measureE2e(runner, models, { rounds: 3, warmup: 1, log: new MeasurementLog(join(tmp, "e2e.jsonl"), "contended"), offline: true });
    expect(replay.get("small")!.summary.median).toBe(small.summary.median);
    // pooled (the default of a runner that interleaves sessions): one batch, the slow one
    const shared = contended(false);
    const pooled = await measureE2e(shared.runner, models, { rounds: 3, warmup: 1 });
    expect([...shared.opened.values()]).toEqual([1, 1]);
    expect(pooled.get("small")!.summary.median).toBeGreaterThan(1.5 * small.summary.median);
  });
});

describe("multi-threaded kernel-profile batches", () => {
  it("minBatches 2: every whole model is profiled in two sessions and its faster one is kept", async () => {
    const items = calibration.slice(0, 2).map((m) => {
      const p = prepareModel(`m:${m.name}`, m.graph);
      return { model: p.model, kernels: fuse(p.inferred, BACKEND) };
    });
    const sumOf = (k: { summaries: Map<string, { median: number }> }) => [...k.summaries.values()].reduce((t, s) => t + s.median, 0);
    const one = await measureKernels(simulatedOrt(0, true, 1.5), items, { rounds: 3, warmup: 1 });
    const two = await measureKernels(simulatedOrt(0, true, 1.5), items, { rounds: 3, warmup: 1, minBatches: 2 });
    for (const it of items) {
      const truth = trueUs(it.model.graph);
      expect(sumOf(one.get(it.model.key)!) / truth).toBeCloseTo(1.5, 6); // one session: the slow one
      expect(sumOf(two.get(it.model.key)!) / truth).toBeCloseTo(1, 6);
    }
  });

  it("pickKernelBatch: the batch with the lowest Σ node medians, or every run pooled", () => {
    const batch = (k: number[], u: number[]) => ({ kernelsUs: new Map([["k0", k]]), unmappedUs: new Map([["n#0", u]]) });
    const slow = batch([20, 21, 22], [4, 4, 4]);
    const fast = batch([10, 11, 12], [5, 5, 5]);
    const pooled = batch([20, 21, 22, 10, 11, 12], [4, 4, 4, 5, 5, 5]);
    expect(pickKernelBatch([slow, fast], pooled, "fastest")).toBe(fast);
    expect(pickKernelBatch([slow, fast], pooled, "pooled")).toBe(pooled);
    expect(pickKernelBatch([slow], pooled, "fastest")).toBe(pooled);
  });
});
