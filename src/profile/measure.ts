/**
 * Measurement discipline for a noisy machine. Models are measured in groups whose runs are interleaved (round-robin:
 * a load spike hits every model of the group alike instead of one), after a warm-up; each model's sample is summarized
 * by its median after outlier rejection with its IQR / MAD; a model whose relative IQR is wider than `maxRelIqr` is
 * measured again in a later batch (up to `maxRetries` times) and its batches pooled. Every batch is appended to the
 * JSONL log before the next one starts, and a model the log already holds enough stable runs of is not re-measured.
 */
import { loadavg } from "node:os";
import type { KernelGraph } from "../fusion/types.js";
import type { MeasurementLog } from "./log.js";
import type { OpenSession, RunnableModel, SessionResult } from "./ort.js";
import { summarize, type SpreadSummary } from "./stats.js";
import { kernelTimes, mapOrtNodes, profiledSum, type RunKernelTimes } from "./trace.js";

/** What measuring needs from a runtime runner. */
export interface ModelRunner {
  readonly config: string;
  /**
   * True when an open, idle session slows the others down — onnxruntime with more than one intra-op thread: each
   * session's pool threads keep spin-waiting after a run (measured: MobileNetV2 at 2 threads 3.1 ms alone, 17.9 ms
   * interleaved with 5 other open sessions). Such a runner's batches are measured one session at a time.
   */
  readonly exclusiveSessions?: boolean;
  open(model: RunnableModel, opts?: { profile?: boolean; optimized?: boolean }): Promise<OpenSession>;
}

export interface MeasureOptions {
  /** Untimed runs per model before timing (default 3). */
  warmup?: number;
  /** Timed runs per model per batch (default 15). */
  rounds?: number;
  /**
   * Kernel profiling only: consecutive runs of a model per round (default 2); the first run of each burst is dropped,
   * so a kernel is timed with its model's data in cache — as in a whole model, where a kernel's input was just written
   * by its producer — while rounds stay interleaved across the batch.
   */
  burst?: number;
  /** Models interleaved in one batch (default 8). */
  groupSize?: number;
  /** Re-measure when IQR / median exceeds this (default 0.1). */
  maxRelIqr?: number;
  /** Extra batches for an unstable model (default 2). */
  maxRetries?: number;
  log?: MeasurementLog;
  /** Date.now() after which no new batch starts (models left unmeasured are absent from the result); the first batch always runs. */
  deadline?: number;
  /**
   * The clock the e2e summary uses (default "wall"): "cpu" = process CPU time of the run, the uncontended latency of a
   * single-threaded runtime on a shared machine. Both clocks are always recorded.
   */
  clock?: "wall" | "cpu";
  /**
   * How a model's batches make its summary: "pooled" (every run of every batch) or "fastest" (the runs of its batch with
   * the lowest median — kernel profiles: the lowest Σ of node medians; in `measureE2e` every model then gets at least
   * two batches, the second one after every other model's first, when `maxRetries` allows). Default: "fastest" for a
   * runner with `exclusiveSessions`, else "pooled". A
   * multi-threaded runtime on a shared machine has whole batches slowed down, not single runs: measured at 2 ORT threads,
   * the same MobileNetV2 ran 1.40 ms in one batch and 2.29 ms (its single-thread speed) in a batch taken seconds later,
   * both with a spread below 4% — no outlier rejection within a batch can see that; a second batch at another time can.
   */
  batchSummary?: "pooled" | "fastest";
  /**
   * `measureKernels`: batches every model gets at least (default 1; at most 1 + `maxRetries`), the second one after every
   * other model's first — with a "fastest" summary, for whole models whose kernel profile matters more than one sample:
   * at 2 ORT threads the Σ profiled node times of the same MobileNetV2 varied by ±7% from session to session on a quiet
   * machine, with one session in ten about 50% slower.
   */
  minBatches?: number;
  /** Called after each batch with the models finished so far. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Never run the runtime: return only what the log already holds (a refit from logged measurements; models the log
   * lacks are absent from the result, as after a deadline).
   */
  offline?: boolean;
}

export interface E2eMeasurement {
  key: string;
  /** Wall-clock and CPU ms of every timed run. */
  ms: number[];
  cpuMs: number[];
  /** Summary of the chosen clock, and of each clock. */
  summary: SpreadSummary;
  wall: SpreadSummary;
  cpu: SpreadSummary;
}

function e2eMeasurement(key: string, ms: number[], cpuMs: number[], clock: "wall" | "cpu"): E2eMeasurement {
  const wall = summarize(ms);
  const cpu = cpuMs.length > 0 ? summarize(cpuMs) : wall;
  return { key, ms, cpuMs, wall, cpu, summary: clock === "cpu" ? cpu : wall };
}

/** One batch's timed runs of a model. */
interface E2eBatch {
  ms: number[];
  cpuMs: number[];
}

/** A model's summary from its batches: every run pooled, or the runs of its fastest batch (lowest median on `clock`). */
export function summarizeBatches(key: string, batches: readonly E2eBatch[], clock: "wall" | "cpu", how: "pooled" | "fastest"): E2eMeasurement {
  const all = e2eMeasurement(key, batches.flatMap((b) => b.ms), batches.flatMap((b) => b.cpuMs), clock);
  if (how === "pooled" || batches.length < 2) return all;
  const timed = batches.filter((b) => b.ms.length > 0 && (clock === "wall" || b.cpuMs.length === b.ms.length));
  if (timed.length === 0) return all;
  const best = timed.map((b) => ({ b, m: e2eMeasurement(key, b.ms, b.cpuMs, clock) })).reduce((x, y) => (y.m.summary.median < x.m.summary.median ? y : x));
  return { ...best.m, ms: all.ms, cpuMs: all.cpuMs };
}

export interface KernelMeasurement {
  key: string;
  /** Simulator kernel id → µs per timed run. */
  kernelsUs: Map<string, number[]>;
  /** Kernel id → summary of its µs. */
  summaries: Map<string, SpreadSummary>;
  /** Runtime nodes that mapped to no simulator kernel → µs per run. */
  unmappedUs: Map<string, number[]>;
}

const defaults = (o: MeasureOptions) => ({
  warmup: o.warmup ?? 3,
  rounds: o.rounds ?? 15,
  groupSize: o.groupSize ?? 8,
  maxRelIqr: o.maxRelIqr ?? 0.1,
  maxRetries: o.maxRetries ?? 2,
  burst: Math.max(1, o.burst ?? 2),
});

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface BatchTimes {
  ms: number[][];
  cpuMs: number[][];
  results: SessionResult[];
}

/** How a group is run: untimed warm-up runs, timed rounds, consecutive runs per round (the last one timed). */
interface GroupRun {
  warmup: number;
  rounds: number;
  opts: { profile?: boolean; optimized?: boolean };
  burst?: number;
}

/**
 * Measures a group: interleaved (every model open, round-robin rounds), or — for a runner whose idle sessions disturb
 * the others — one model at a time (open, warm up, rounds, close). ms per model.
 */
async function measureGroup(runner: ModelRunner, group: readonly RunnableModel[], run: GroupRun): Promise<BatchTimes> {
  if (!runner.exclusiveSessions || group.length < 2) return roundRobin(runner, group, run);
  const out: BatchTimes = { ms: [], cpuMs: [], results: [] };
  for (const m of group) {
    const one = await roundRobin(runner, [m], run);
    out.ms.push(one.ms[0]!);
    out.cpuMs.push(one.cpuMs[0]!);
    out.results.push(one.results[0]!);
  }
  return out;
}

/** Opens every model of a group, warms each up, runs the interleaved rounds, closes them: ms per model. */
async function roundRobin(runner: ModelRunner, group: readonly RunnableModel[], { warmup, rounds, opts, burst = 1 }: GroupRun): Promise<BatchTimes> {
  const sessions: OpenSession[] = [];
  try {
    for (const m of group) sessions.push(await runner.open(m, opts));
    for (let w = 0; w < warmup; w++) for (const s of sessions) await s.run();
    const ms = group.map(() => [] as number[]);
    const cpuMs = group.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < sessions.length; i++) {
        for (let b = 1; b < burst; b++) await sessions[i]!.run();
        const t = await sessions[i]!.run();
        ms[i]!.push(t.wallMs);
        cpuMs[i]!.push(t.cpuMs);
      }
    }
    const results: SessionResult[] = [];
    for (const s of sessions.splice(0)) results.push(await s.close());
    return { ms, cpuMs, results };
  } finally {
    for (const s of sessions) await s.close().catch(() => undefined);
  }
}

/** End-to-end latency of each model (profiling off). */
export async function measureE2e(runner: ModelRunner, models: readonly RunnableModel[], options: MeasureOptions = {}): Promise<Map<string, E2eMeasurement>> {
  const o = defaults(options);
  const out = new Map<string, E2eMeasurement>();
  const batches = new Map<string, E2eBatch[]>();
  const count = (key: string): number => batches.get(key)?.length ?? 0;
  const how = options.batchSummary ?? (runner.exclusiveSessions ? "fastest" : "pooled");
  // "fastest" needs a second batch to choose from (one of the retries)
  const minBatches = how === "fastest" ? Math.min(2, 1 + o.maxRetries) : 1;
  const done = (): number => [...out.values()].filter((m) => count(m.key) >= minBatches && (m.summary.relIqr <= o.maxRelIqr || count(m.key) > o.maxRetries)).length;
  const clock = options.clock ?? "wall";
  for (const m of models) {
    const ms = options.log?.e2eMs(m.key) ?? [];
    const cpu = options.log?.e2eCpuMs(m.key) ?? [];
    if (ms.length > 0 && (clock === "wall" || cpu.length === ms.length)) {
      const logged = options.log!.records("e2e", m.key).map((r) => ({ ms: r.ms ?? [], cpuMs: r.cpuMs ?? [] }));
      batches.set(m.key, logged);
      out.set(m.key, summarizeBatches(m.key, logged, clock, how));
    }
  }
  const needs = (m: RunnableModel): boolean => {
    const have = out.get(m.key);
    if (have === undefined || have.ms.length < o.rounds) return true;
    if (count(m.key) < minBatches) return true;
    return have.summary.relIqr > o.maxRelIqr && count(m.key) <= o.maxRetries;
  };
  if (options.offline) return out;
  let ran = 0;
  for (let attempt = 0; attempt <= o.maxRetries; attempt++) {
    const pending = models.filter(needs);
    if (pending.length === 0) break;
    for (const group of chunks(pending, o.groupSize)) {
      if (ran++ > 0 && options.deadline !== undefined && Date.now() > options.deadline) return out;
      const { ms, cpuMs } = await measureGroup(runner, group, { warmup: o.warmup, rounds: o.rounds, opts: {} });
      const load = loadavg();
      group.forEach((m, i) => {
        options.log?.append({ kind: "e2e", key: m.key, load, ms: ms[i]!, cpuMs: cpuMs[i]! });
        const all = [...(batches.get(m.key) ?? []), { ms: ms[i]!, cpuMs: cpuMs[i]! }];
        batches.set(m.key, all);
        out.set(m.key, summarizeBatches(m.key, all, clock, how));
      });
      options.onProgress?.(done(), models.length);
    }
  }
  return out;
}

/** A model to profile kernel by kernel, with the simulator's kernel graph of its source graph. */
export interface KernelProfileItem {
  model: RunnableModel;
  kernels: KernelGraph;
}

function kernelMeasurement(key: string, kernelsUs: Map<string, number[]>, unmappedUs: Map<string, number[]>): KernelMeasurement {
  const summaries = new Map<string, SpreadSummary>();
  for (const [id, v] of kernelsUs) if (v.length > 0) summaries.set(id, summarize(v));
  return { key, kernelsUs, unmappedUs, summaries };
}

/** A model's kernel profile from its batches: `pooled` (every batch's runs merged), or its fastest batch (lowest Σ node medians). */
export function pickKernelBatch(batches: readonly RunKernelTimes[], pooled: RunKernelTimes, how: "pooled" | "fastest"): RunKernelTimes {
  if (how === "pooled" || batches.length < 2) return pooled;
  return batches.reduce((a, b) => (profiledSum(b.kernelsUs, b.unmappedUs).profiledUs < profiledSum(a.kernelsUs, a.unmappedUs).profiledUs ? b : a));
}

/** Relative IQR of the kernel with the largest median (the one that matters for a model's stability). */
export function mainSpread(m: KernelMeasurement): number {
  let best: SpreadSummary | undefined;
  for (const s of m.summaries.values()) if (best === undefined || s.median > best.median) best = s;
  return best?.relIqr ?? Infinity;
}

/**
 * Per-kernel latencies from ORT's profiler for each model: runs interleaved like `measureE2e`, the trace's node times
 * mapped to the simulator's kernels (`mapOrtNodes`), warm-up runs dropped.
 */
export async function measureKernels(runner: ModelRunner, items: readonly KernelProfileItem[], options: MeasureOptions = {}): Promise<Map<string, KernelMeasurement>> {
  const o = defaults(options);
  const out = new Map<string, KernelMeasurement>();
  // every batch's runs merged, and each batch apart (a "fastest" summary takes the batch with the lowest Σ node medians)
  const pooled = new Map<string, RunKernelTimes>();
  const batchesOf = new Map<string, RunKernelTimes[]>();
  const how = options.batchSummary ?? (runner.exclusiveSessions ? "fastest" : "pooled");
  const summary = (key: string): KernelMeasurement => {
    const pick = pickKernelBatch(batchesOf.get(key) ?? [], pooled.get(key)!, how);
    return kernelMeasurement(key, pick.kernelsUs, pick.unmappedUs);
  };
  const count = (key: string): number => batchesOf.get(key)?.length ?? 0;
  const minBatches = Math.min(Math.max(1, options.minBatches ?? 1), 1 + o.maxRetries);
  const asMap = (r: Record<string, number[]> | undefined): Map<string, number[]> => new Map(Object.entries(r ?? {}));
  for (const it of items) {
    const us = options.log?.kernelsUs(it.model.key);
    const unmapped = options.log?.unmappedUs(it.model.key);
    // a model whose runtime nodes all mapped to no simulator kernel (e.g. an inlined HardSwish alone) is measured too
    if (us !== undefined && unmapped !== undefined && us.size + unmapped.size > 0) {
      pooled.set(it.model.key, { kernelsUs: us, unmappedUs: unmapped });
      batchesOf.set(it.model.key, options.log!.records("kernels", it.model.key).map((r) => ({ kernelsUs: asMap(r.kernelsUs), unmappedUs: asMap(r.unmappedUs) })));
      out.set(it.model.key, summary(it.model.key));
    }
  }
  const needs = (it: KernelProfileItem): boolean => {
    const have = out.get(it.model.key);
    if (have === undefined) return true;
    const n = Math.max(0, ...[...have.kernelsUs.values(), ...have.unmappedUs.values()].map((v) => v.length));
    if (n < o.rounds || count(it.model.key) < minBatches) return true;
    return mainSpread(have) > o.maxRelIqr && count(it.model.key) <= o.maxRetries;
  };
  if (options.offline) return out;
  let finished = 0;
  let ran = 0;
  for (let attempt = 0; attempt <= o.maxRetries; attempt++) {
    const pending = items.filter(needs);
    if (pending.length === 0) break;
    for (const group of chunks(pending, o.groupSize)) {
      if (ran++ > 0 && options.deadline !== undefined && Date.now() > options.deadline) return out;
      const { results } = await measureGroup(runner, group.map((g) => g.model), { warmup: o.warmup, rounds: o.rounds, opts: { profile: true, optimized: true }, burst: o.burst });
      const load = loadavg();
      group.forEach((it, i) => {
        const r = results[i]!;
        const mapping = mapOrtNodes(it.model.graph, it.kernels, r.optimized!);
        const t = kernelTimes(r.trace!, mapping, o.warmup, o.burst);
        options.log?.append({
          kind: "kernels", key: it.model.key, load,
          kernelsUs: Object.fromEntries(t.kernelsUs), unmappedUs: Object.fromEntries(t.unmappedUs),
        });
        const prev = pooled.get(it.model.key);
        const merged = new Map(prev?.kernelsUs ?? []);
        for (const [id, v] of t.kernelsUs) merged.set(id, [...(merged.get(id) ?? []), ...v]);
        const unmapped = new Map(prev?.unmappedUs ?? []);
        for (const [id, v] of t.unmappedUs) unmapped.set(id, [...(unmapped.get(id) ?? []), ...v]);
        pooled.set(it.model.key, { kernelsUs: merged, unmappedUs: unmapped });
        batchesOf.set(it.model.key, [...(batchesOf.get(it.model.key) ?? []), t]);
        out.set(it.model.key, summary(it.model.key));
      });
      finished += group.length;
      options.onProgress?.(Math.min(finished, items.length), items.length);
    }
  }
  return out;
}
