/**
 * `profileDevice`: builds a device profile for a local runtime, end to end and unattended, within a time budget:
 *   1. fusion-rule detection (≤ 15% of the budget) — a rule selection and its agreement with the runtime's graphs;
 *   2. adaptive kernel sampling over single-kernel models (until 75% of the budget or the error target);
 *   3. the calibration models (a few whole models) profiled kernel by kernel — their in-context kernel times join the
 *      training samples — and measured end to end for the overhead model; for a runtime whose profiler adds a cost of
 *      its own to every node (ORT with more than one intra-op thread), that per-node cost, estimated from the whole models
 *      profiled in context against their e2e latency, is removed from every kernel sample before the predictors are fitted;
 * and writes every raw measurement to the JSONL log first, so a rerun with the same log resumes.
 */
import { loadavg } from "node:os";
import type { DeviceProfileJSON } from "../devices/types.js";
import { fuse } from "../fusion/fuse.js";
import type { KernelClass } from "../fusion/types.js";
import { detectFusion, defaultFusionCases, type FusionCase, type FusionDetection } from "./fusion-detect.js";
import { MeasurementLog } from "./log.js";
import { measureE2e, measureKernels, type MeasureOptions } from "./measure.js";
import { nodeOverheadUs, profiledSum, withoutNodeOverhead } from "./trace.js";
import { fitClass, fitTypeOverrides, type ClassFit, type TypeFit } from "./fit.js";
import { fitLocalOverhead, overheadTerms, predictCalibration, profileFromFits, type CalibrationRow, type LocalTarget } from "./device.js";
import { prepareModel, type NamedGraph } from "./models.js";
import type { OrtLevel } from "./ort.js";
import { createRunner, type ProfileRunner } from "./runner.js";
import type { RuntimeId } from "./runtime.js";
import { poolFromConfigs, poolFromModels, sampleKernels, type KernelSample, type PriorModel } from "./sampling.js";
import type { KernelConfig } from "./templates.js";
import { EdgelatError } from "../errors.js";

export interface ProfileProgress {
  phase: "fusion" | "kernels" | "overhead" | "done";
  /** Elapsed share of the budget (0–1). */
  fraction: number;
  /** Estimated ms left. */
  etaMs: number;
  message: string;
}

export interface ProfileOptions {
  /** Runtime to profile (default "ort-node"). */
  runtime?: RuntimeId;
  threads?: number;
  level?: OrtLevel;
  /** Wall-clock budget in ms. */
  budgetMs: number;
  /** JSONL measurement log (resume); none → measurements kept in memory only. */
  logFile?: string;
  /** Folder for the runtime's temporary files. */
  workDir: string;
  seed?: number;
  /** Models whose kernels form the sampling pool (inferred, input shapes fixed). */
  priorModels: readonly PriorModel[];
  /** Template configurations added to the pool (e.g. `nnMeterPriors(dataRoot())`). */
  templateConfigs?: readonly KernelConfig[];
  /** Whole models for the overhead model. */
  calibrationModels: readonly NamedGraph[];
  /** Clock of the calibration e2e latency (default "cpu" with one thread — robust to other processes — else "wall"). */
  clock?: "wall" | "cpu";
  /** Whole prior models profiled kernel by kernel (in-context samples, ≤ 35% of the budget) before single-kernel sampling. */
  contextModels?: readonly NamedGraph[];
  /** Fitting weight of an in-context kernel sample relative to a single-kernel-model sample (default 4). */
  contextWeight?: number;
  /** Also profile the calibration models kernel by kernel and train on those in-context kernel times (default true). */
  contextSamples?: boolean;
  /** Fusion test cases (default `defaultFusionCases()`); `false` skips detection. */
  fusionCases?: readonly FusionCase[] | false;
  /** Stop sampling when every class's CV MAPE is at most this (default 0.05). */
  errorTarget?: number;
  measure?: MeasureOptions;
  /** Profile id (default "local-ort-node-t<threads>-<level>"). */
  id?: string;
  /** The runner to drive instead of one created from runtime / threads / level (tests: a simulated runtime). */
  runner?: ProfileRunner;
  onProgress?: (p: ProfileProgress) => void;
}

export interface ProfileResult {
  profile: DeviceProfileJSON;
  fusion?: FusionDetection;
  classes: { cls: KernelClass; samples: number; model: string; cvMape: number }[];
  /** Kernel types given their own predictor (better CV error than their class predictor). */
  types: { type: string; samples: number; model: string; cvMape: number; classMape: number }[];
  calibration: (CalibrationRow & { predictedMs: number })[];
  kernelModels: number;
  samplingStoppedBy: string;
  /** Log records reused from an earlier run. */
  resumedRecords: number;
  /** The profiler's per-node cost removed from every kernel sample, µs (runtimes with `traceNodeOverhead` only). */
  nodeOverheadUs?: number;
  elapsedMs: number;
  /** os.loadavg() at start and end. */
  load: { start: number[]; end: number[] };
}

/**
 * Kernel samples of whole models profiled with ORT's profiler (each kernel timed in its model's context), and each
 * model's Σ profiled node medians with its node count (`profiledSum`), by model key.
 */
async function contextKernelSamples(runner: ProfileRunner, models: readonly { key: string; graph: NamedGraph["graph"] }[], measure: MeasureOptions, weight: number): Promise<{ samples: KernelSample[]; sums: Map<string, { profiledUs: number; nodes: number }> }> {
  const prepared = models.map((m) => {
    const p = prepareModel(m.key, m.graph);
    return { model: p.model, kernels: fuse(p.inferred, runner.backend) };
  });
  // a runner measured one session at a time (multi-threaded ORT) profiles each whole model in two sessions, keeping the faster
  const km = await measureKernels(runner, prepared, runner.exclusiveSessions ? { minBatches: 2, ...measure } : measure);
  const out: KernelSample[] = [];
  const sums = new Map<string, { profiledUs: number; nodes: number }>();
  for (const p of prepared) {
    const m = km.get(p.model.key);
    if (m === undefined) continue;
    sums.set(p.model.key, profiledSum(m.kernelsUs, m.unmappedUs));
    for (const k of p.kernels.kernels) {
      const s = m.summaries.get(k.id);
      if (s === undefined || !(s.median > 0)) continue;
      out.push({ features: k.features, latencyMs: s.median / 1000, weight, cls: k.class, type: k.type, model: p.model.key, relIqr: s.relIqr });
    }
  }
  return { samples: out, sums };
}

export async function profileDevice(options: ProfileOptions): Promise<ProfileResult> {
  if (!(options.budgetMs > 0)) throw new EdgelatError("invalid_argument", `budget must be > 0 ms, got ${options.budgetMs}`);
  const start = Date.now();
  const loadStart = loadavg();
  const end = start + options.budgetMs;
  const runner = options.runner ?? (await createRunner({ runtime: options.runtime ?? "ort-node", threads: options.threads ?? 1, level: options.level ?? "all", workDir: options.workDir }));
  const log = new MeasurementLog(options.logFile, runner.config);
  const measure: MeasureOptions = { ...options.measure, log };
  const progress = (phase: ProfileProgress["phase"], message: string): void =>
    options.onProgress?.({ phase, fraction: Math.min(1, (Date.now() - start) / options.budgetMs), etaMs: Math.max(0, end - Date.now()), message });

  // 1. fusion rules
  let fusion: FusionDetection | undefined;
  if (options.fusionCases !== false) {
    progress("fusion", "fusion-rule detection");
    fusion = await detectFusion(runner, options.fusionCases ?? defaultFusionCases(), { ...measure, deadline: start + 0.15 * options.budgetMs });
  }
  const selection = fusion?.selection ?? {};
  if ((selection.disable ?? []).length > 0) {
    // written to the profile's `fusion` field below; loadDevice applies it (the kernel samples here use the base rules)
    progress("fusion", `base rules the device does not apply: ${selection.disable!.join(", ")}`);
  }

  // 2a. whole prior models profiled kernel by kernel: in-context kernel samples
  const seedSamples: KernelSample[] = [];
  // Σ profiled node times of the whole models profiled in context, by model key (the profiler's per-node cost)
  const profiledSums = new Map<string, { profiledUs: number; nodes: number }>();
  const contextModels = options.contextModels ?? [];
  if (contextModels.length > 0) {
    progress("kernels", `profiling ${contextModels.length} prior models kernel by kernel`);
    const ctx = await contextKernelSamples(runner, contextModels.map((m) => ({ key: `context:${m.name}`, graph: m.graph })), { ...measure, deadline: start + 0.35 * options.budgetMs }, options.contextWeight ?? 4);
    seedSamples.push(...ctx.samples);
    for (const [k, v] of ctx.sums) profiledSums.set(k, v);
  }

  // 2b. single-kernel models
  // a runtime that cannot run some ops (the TF.js executor) samples only the kernels it runs
  const pool = [...poolFromModels(options.priorModels, runner.backend), ...poolFromConfigs(options.templateConfigs ?? [], runner.backend)].filter((p) => runner.supports?.(p.graph()) ?? true);
  progress("kernels", `sampling kernels from a pool of ${pool.length}`);
  const sampling = await sampleKernels(runner, pool, {
    deadline: start + 0.75 * options.budgetMs,
    errorTarget: options.errorTarget ?? 0.05,
    seed: options.seed ?? 1,
    measure,
    seedSamples,
    onProgress: (i) => progress("kernels", `${i.measured} kernel models, ${i.classes} classes${i.worst ? `, worst ${i.worst.cls} ${Number.isFinite(i.worst.cvMape) ? `${(100 * i.worst.cvMape).toFixed(1)}%` : "(too few samples to cross-validate)"}` : ""}`),
  });
  if (sampling.fits.size === 0) throw new EdgelatError("invalid_argument", "kernel sampling measured nothing: the budget is too small or the pool is empty");

  // 3a. the calibration models' own kernels, profiled in context, join the training samples
  const prepared = options.calibrationModels.map((m) => ({ m, ...prepareModel(`calib:${m.name}`, m.graph) }));
  let samples: KernelSample[] = [...sampling.samples];
  if (options.contextSamples !== false) {
    progress("overhead", `profiling ${prepared.length} calibration models kernel by kernel`);
    const calib = await contextKernelSamples(runner, prepared.map((p) => ({ key: p.model.key, graph: p.m.graph })), { ...measure, deadline: end }, options.contextWeight ?? 4);
    samples.push(...calib.samples);
    for (const [k, v] of calib.sums) profiledSums.set(k, v);
  }
  const contextSamples = samples.length - sampling.samples.length + seedSamples.length;

  // 3b. end-to-end latency of the calibration models and the whole prior models (the overhead model below; and, for a
  // runtime whose profiler adds a cost to every node, that cost: their Σ profiled node times against e2e)
  const overheadSet = [...prepared, ...contextModels.map((m) => ({ m, ...prepareModel(`context:${m.name}`, m.graph) }))];
  progress("overhead", `calibrating on ${overheadSet.length} whole models`);
  const clock = options.clock ?? (runner.threads === 1 ? "cpu" : "wall");
  const e2e = await measureE2e(runner, overheadSet.map((p) => p.model), { ...measure, clock, deadline: end });
  let nodeCostUs: number | undefined;
  if (runner.traceNodeOverhead) {
    const rows = overheadSet.flatMap((p) => {
      const sum = profiledSums.get(p.model.key);
      const meas = e2e.get(p.model.key);
      return sum === undefined || meas === undefined ? [] : [{ ...sum, measuredUs: 1000 * meas.summary.median }];
    });
    nodeCostUs = nodeOverheadUs(rows);
    const cost = nodeCostUs;
    samples = samples.map((x) => ({ ...x, latencyMs: withoutNodeOverhead(1000 * x.latencyMs, cost) / 1000 }));
  }
  const fits = new Map<KernelClass, ClassFit>();
  const byClass = new Map<KernelClass, KernelSample[]>();
  for (const x of samples) (byClass.get(x.cls) ?? byClass.set(x.cls, []).get(x.cls)!).push(x);
  const overrides: TypeFit[] = [];
  for (const [cls, list] of [...byClass].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const f = fitClass(cls, list, options.seed ?? 1);
    fits.set(cls, f);
    overrides.push(...fitTypeOverrides(f, list, 8, options.seed ?? 1));
  }
  const target: LocalTarget = runner.target;
  const profile = profileFromFits(target, fits, {
    dataset: `local measurements, ${runner.config}`,
    method:
      `nn-Meter-style: per-class predictors (best CV MAPE of linear / log-linear / GBT) on ${runner.kernelTimes} of adaptively sampled single-kernel models and of the calibration models' kernels in context; overhead a·Σkernels + b·kernels + c on whole-model e2e latency`,
    samples: { kernels: samples.length, models: 0 },
    seed: options.seed ?? 1,
    trainedBy: "edgelat profile",
  }, options.id);

  // Kernel types of one class named the same (layout reorders, …) are told apart by class routes only; types are keyed
  // by `Kernel.type`, which the device's `typeOverrides` match exactly.
  const typeOverrides = overrides.filter((o) => o.type !== "layout-reorder");
  if (typeOverrides.length > 0) profile.typeOverrides = Object.fromEntries(typeOverrides.map((o) => [o.type, o.predictor.toJSON()]));

  // 3c. overhead
  // on the calibration models and the whole prior models (more rows keep the three coefficients stable)
  const rows: CalibrationRow[] = [];
  for (const p of overheadSet) {
    const meas = e2e.get(p.model.key);
    if (meas === undefined) continue;
    rows.push({ name: p.m.name, measuredMs: meas.summary.median, ...overheadTerms(profile, fuse(p.inferred, runner.backend)) });
  }
  profile.overhead = fitLocalOverhead(rows);
  profile.provenance.samples.models = rows.length;
  const overhead = profile.overhead;
  const calibration = rows.map((r) => ({ ...r, predictedMs: predictCalibration(overhead, r) }));
  const loadEnd = loadavg();
  const notes = [
    `overhead fitted on ${clock === "cpu" ? "process CPU time (single-threaded runs: the uncontended latency)" : "wall-clock"} medians`,
    `profiled ${new Date(start).toISOString()} in ${((Date.now() - start) / 1000).toFixed(0)} s (budget ${(options.budgetMs / 1000).toFixed(0)} s); load average ${loadStart.map((x) => x.toFixed(2)).join("/")} → ${loadEnd.map((x) => x.toFixed(2)).join("/")}`,
    ...(nodeCostUs === undefined ? [] : [`kernel samples less the profiler's own per-node cost, ${nodeCostUs.toFixed(2)} µs (median over the whole models profiled in context of (Σ profiled − e2e) / nodes)`]),
    `kernel sampling: ${sampling.models} single-kernel models, ${sampling.samples.length} kernel samples, ${sampling.iterations} iterations, stopped by ${sampling.stoppedBy}; ${contextSamples} in-context kernel samples from the calibration models`,
    ...typeOverrides.map((o) => `type ${o.type}: ${o.samples} samples, ${o.model}, CV MAPE ${(100 * o.cvMape).toFixed(1)}% (class predictor ${(100 * o.classMape).toFixed(1)}%)`),
    ...[...fits.values()].map((f) => `class ${f.cls}: ${f.samples} samples, ${f.model}, CV MAPE ${Number.isNaN(f.cvMape) ? "n/a" : (100 * f.cvMape).toFixed(1) + "%"}`),
  ];
  if (fusion !== undefined) {
    notes.push(`fusion detection (α = ${fusion.alpha}): timing agrees with ORT's optimized graphs on ${fusion.cases.filter((x) => x.detected === x.runtimeFused).length}/${fusion.cases.length} cases; simulator on ${fusion.cases.filter((x) => x.simulatorFused === x.runtimeFused).length}/${fusion.cases.length}`);
    if ((selection.disable ?? []).length > 0) notes.push(`rules disabled (fusion.disable): ${selection.disable!.join(", ")}`);
  }
  profile.provenance.notes = notes;
  if (fusion !== undefined) profile.fusion = fusion.fusion;
  progress("done", `profile ${profile.id} ready`);
  const result: ProfileResult = {
    profile,
    types: typeOverrides.map((o) => ({ type: o.type, samples: o.samples, model: o.model, cvMape: o.cvMape, classMape: o.classMape })),
    classes: [...fits.values()].map((f) => ({ cls: f.cls, samples: f.samples, model: f.model, cvMape: f.cvMape })),
    calibration,
    kernelModels: sampling.models,
    samplingStoppedBy: sampling.stoppedBy,
    resumedRecords: log.resumed,
    elapsedMs: Date.now() - start,
    load: { start: loadStart, end: loadEnd },
  };
  if (fusion !== undefined) result.fusion = fusion;
  if (nodeCostUs !== undefined) result.nodeOverheadUs = nodeCostUs;
  return result;
}
