/**
 * Kernel sampling. The candidate pool holds single-kernel models: every distinct kernel of the prior models (real
 * corpus models, reference builders, search-space samples), cut out of its model, plus template configurations
 * (nn-Meter's prior library). Sampling starts with a FLOPs-stratified draw per kernel class, fits per-class
 * predictors, and keeps measuring where the cross-validated error is high — unmeasured pool kernels of the worst
 * classes and neighbours (`perturbConfig`) of their worst-predicted samples — until the time budget or the error
 * target is reached.
 */
import { isEdgelatError } from "../errors.js";
import { fuse } from "../fusion/fuse.js";
import type { Kernel, KernelClass, KernelGraph } from "../fusion/types.js";
import type { Graph } from "../ir/types.js";
import { toOnnx } from "../parsers/onnx/index.js";
import type { Sample } from "../predictors/types.js";
import { inferShapes } from "../shape/infer.js";
import type { InferredGraph } from "../shape/types.js";
import { createRng, shuffled } from "../util/rng.js";
import { kernelExtractor } from "./extract.js";
import { fitClass, type ClassFit } from "./fit.js";
import { measureKernels, type KernelMeasurement, type MeasureOptions, type ModelRunner } from "./measure.js";
import type { RunnableModel } from "./ort.js";
import { buildKernelModel, configFlops, configFromKernel, configFromKey, configKey, perturbConfig, type KernelConfig } from "./templates.js";

/** One candidate single-kernel model. */
export interface PoolItem {
  key: string;
  cls: KernelClass;
  flops: number;
  /** Where it comes from: "<model>/<kernel id>" or "template". */
  source: string;
  /** Template configuration, when a template covers the kernel (enables perturbation). */
  config?: KernelConfig;
  /** The simulator's kernel type ("conv-bn-relu", "max", …). */
  type?: string;
  /** Builds the single-kernel graph (lazily: pools are large). */
  graph(): Graph;
}

/** FNV-1a 32-bit hash, hex: short deterministic keys. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

function kernelIdentity(k: Kernel): string {
  const f = k.features;
  return JSON.stringify([k.type, f.inputShape, f.outputShape, f.kernelH, f.kernelW, f.strideH, f.groups, f.params, f.flops, k.opTypes]);
}

/** A prior model: its name and inferred graph (input shapes fixed). */
export interface PriorModel {
  name: string;
  inferred: InferredGraph;
}

/** Every distinct kernel of the prior models as a pool item (layout kernels excluded: they come with the others). */
export function poolFromModels(models: readonly PriorModel[], backend: string): PoolItem[] {
  const seen = new Set<string>();
  const out: PoolItem[] = [];
  for (const m of models) {
    const kg = fuse(m.inferred, backend);
    const extract = kernelExtractor(m.inferred);
    for (const k of kg.kernels) {
      if (k.nodes.length === 0 || k.class === "layout-reorder") continue;
      const id = kernelIdentity(k);
      if (seen.has(id)) continue;
      seen.add(id);
      const key = `real:${k.type}:${hash(id)}`;
      // probe once that the kernel stands alone
      let g: Graph | undefined;
      try {
        g = extract(k, key);
      } catch (e) {
        if (!isEdgelatError(e)) throw e;
        g = undefined; // a kernel that cannot stand alone (e.g. it reads a tensor of a subgraph scope) is not sampled
      }
      if (g === undefined) continue;
      const item: PoolItem = { key, cls: k.class, type: k.type, flops: k.features.flops, source: `${m.name}/${k.id}`, graph: () => g };
      const cfg = configFromKernel(k, m.inferred.graph);
      if (cfg !== undefined) item.config = cfg;
      out.push(item);
    }
  }
  return out;
}

/** Template configurations as pool items (class from the simulator's kernel of the built model). */
export function poolFromConfigs(configs: readonly KernelConfig[], backend: string, maxFlops = 2e9): PoolItem[] {
  const out: PoolItem[] = [];
  const seen = new Set<string>();
  for (const cfg of configs) {
    if (configFlops(cfg) > maxFlops) continue;
    const key = configKey(cfg);
    if (seen.has(key)) continue;
    seen.add(key);
    const g = buildKernelModel(cfg);
    const kg = fuse(inferShapes(g), backend);
    const main = mainKernel(kg);
    if (main === undefined) continue;
    out.push({ key, cls: main.class, type: main.type, flops: main.features.flops, source: "template", config: cfg, graph: () => g });
  }
  return out;
}

/** The kernel with the most FLOPs (ties: most nodes), layout kernels excluded. */
function mainKernel(kg: KernelGraph): Kernel | undefined {
  let best: Kernel | undefined;
  for (const k of kg.kernels) {
    if (k.class === "layout-reorder") continue;
    if (best === undefined || k.features.flops > best.features.flops || (k.features.flops === best.features.flops && k.nodes.length > best.nodes.length)) best = k;
  }
  return best;
}

/** One measured kernel sample. */
export interface KernelSample extends Sample {
  cls: KernelClass;
  type: string;
  /** Pool item key of the single-kernel model it was measured in. */
  model: string;
  /** IQR / median of its runs. */
  relIqr: number;
}

export interface SamplingOptions {
  /** Date.now() at which sampling stops. */
  deadline: number;
  /** Stop when every class's cross-validated MAPE is at most this (default 0.05). */
  errorTarget?: number;
  /** Initial pool items per class (default 10). */
  initialPerClass?: number;
  /**
   * TF.js: initial items per kernel type among the kernels of TF-op graphs (the TF.js graph models' own kernels and
   * `tfbinary` templates), on top of the per-class draw (default 8: a type needs 8 samples for a predictor of its own),
   * so that a kernel type the converter-fused models use (Maximum / Minimum of a clip, a broadcast BatchNorm Mul) is
   * measured even where its class is large.
   */
  initialPerTfType?: number;
  /** Items added per class and iteration (default 6). */
  perIteration?: number;
  seed?: number;
  measure?: MeasureOptions;
  /** Samples measured elsewhere (kernels of whole models profiled in context) that join every fit. */
  seedSamples?: readonly KernelSample[];
  onProgress?: (info: { measured: number; classes: number; worst?: { cls: KernelClass; cvMape: number } }) => void;
}

export interface SamplingResult {
  samples: KernelSample[];
  fits: Map<KernelClass, ClassFit>;
  /** Models measured. */
  models: number;
  iterations: number;
  /** "logged": an offline refit (`measure.offline`) that took every logged sample of the pool and of logged templates. */
  stoppedBy: "budget" | "error-target" | "pool-exhausted" | "logged";
}

/** FLOPs-stratified pick of n items (evenly spaced over the FLOPs order). */
function stratified(items: readonly PoolItem[], n: number): PoolItem[] {
  if (items.length <= n) return [...items];
  const sorted = [...items].sort((a, b) => a.flops - b.flops || (a.key < b.key ? -1 : 1));
  const out: PoolItem[] = [];
  for (let i = 0; i < n; i++) out.push(sorted[Math.round((i * (sorted.length - 1)) / Math.max(1, n - 1))]!);
  return [...new Set(out)];
}

/** TF.js branch of the initial design: a FLOPs-stratified pick of n items per (class, type) among the TF-op items of the pool. */
export function tfTypeDesign(pool: readonly PoolItem[], n: number): PoolItem[] {
  if (n <= 0) return [];
  const byType = new Map<string, PoolItem[]>();
  for (const p of pool) {
    if (p.type === undefined || !p.graph().nodes.some((x) => x.domain === "tf")) continue;
    const k = `${p.cls}/${p.type}`;
    (byType.get(k) ?? byType.set(k, []).get(k)!).push(p);
  }
  return [...byType].sort((a, b) => (a[0] < b[0] ? -1 : 1)).flatMap(([, items]) => stratified(items, n));
}

/** Runs adaptive kernel sampling on `runner` over the candidate pool. */
export async function sampleKernels(runner: ModelRunner & { readonly backend: string }, pool: readonly PoolItem[], options: SamplingOptions): Promise<SamplingResult> {
  const rng = createRng(options.seed ?? 1);
  const target = options.errorTarget ?? 0.05;
  const backend = runner.backend;
  const byClass = new Map<KernelClass, PoolItem[]>();
  for (const p of pool) (byClass.get(p.cls) ?? byClass.set(p.cls, []).get(p.cls)!).push(p);
  const measuredKeys = new Set<string>();
  const samples: KernelSample[] = [...(options.seedSamples ?? [])];
  const known = new Map(pool.map((p) => [p.key, p]));

  const measureItems = async (items: PoolItem[]): Promise<void> => {
    const fresh = items.filter((p) => !measuredKeys.has(p.key));
    if (fresh.length === 0) return;
    const prepared = fresh.map((p) => {
      const g = p.graph();
      const inferred = inferShapes(g);
      // graphs of TF ops (kernels of TF.js models) run only through the TF.js executor, which reads the graph, not bytes
      const tfOps = g.nodes.some((n) => n.domain === "tf");
      const model: RunnableModel = { key: p.key, bytes: tfOps ? new Uint8Array(0) : toOnnx(g, { weights: "random", seed: 7 }), graph: inferred.graph };
      return { item: p, model, kernels: fuse(inferred, backend) };
    });
    const res = await measureKernels(runner, prepared.map((x) => ({ model: x.model, kernels: x.kernels })), { ...options.measure, deadline: options.deadline });
    for (const x of prepared) {
      const m: KernelMeasurement | undefined = res.get(x.item.key);
      if (m === undefined) continue;
      measuredKeys.add(x.item.key);
      for (const k of x.kernels.kernels) {
        const s = m.summaries.get(k.id);
        if (s === undefined || !(s.median > 0)) continue;
        samples.push({ features: k.features, latencyMs: s.median / 1000, cls: k.class, type: k.type, model: x.item.key, relIqr: s.relIqr });
      }
    }
  };

  const fitAll = (): Map<KernelClass, ClassFit> => {
    const by = new Map<KernelClass, KernelSample[]>();
    for (const s of samples) (by.get(s.cls) ?? by.set(s.cls, []).get(s.cls)!).push(s);
    const fits = new Map<KernelClass, ClassFit>();
    for (const [cls, s] of [...by].sort((a, b) => (a[0] < b[0] ? -1 : 1))) fits.set(cls, fitClass(cls, s, options.seed ?? 1));
    return fits;
  };

  if (options.measure?.offline) {
    // refit: every single-kernel model the log holds — pool items, and template neighbours rebuilt from their key
    const logged = options.measure.log?.keys("kernels") ?? [];
    const inLog = new Set(logged);
    const items = pool.filter((p) => inLog.has(p.key));
    for (const key of logged) {
      if (known.has(key)) continue;
      const cfg = configFromKey(key);
      const [item] = cfg === undefined ? [] : poolFromConfigs([cfg], backend, Infinity);
      if (item === undefined || item.key !== key) continue;
      known.set(key, item);
      items.push(item);
    }
    await measureItems(items);
    return { samples, fits: fitAll(), models: measuredKeys.size, iterations: 0, stoppedBy: "logged" };
  }

  // initial design
  const initial: PoolItem[] = [];
  for (const [, items] of [...byClass].sort((a, b) => (a[0] < b[0] ? -1 : 1))) initial.push(...stratified(items, options.initialPerClass ?? 10));
  initial.push(...tfTypeDesign(pool, options.initialPerTfType ?? 8).filter((p) => !initial.includes(p)));
  await measureItems(shuffled(initial, rng));
  let fits = fitAll();
  let iterations = 1;
  let stoppedBy: SamplingResult["stoppedBy"] = "budget";
  const per = options.perIteration ?? 6;
  while (Date.now() < options.deadline) {
    const worst = [...fits.values()]
      .map((f) => ({ f, err: Number.isNaN(f.cvMape) ? Infinity : f.cvMape }))
      .filter((x) => x.err > target)
      .sort((a, b) => b.err - a.err);
    options.onProgress?.({ measured: measuredKeys.size, classes: fits.size, ...(worst[0] ? { worst: { cls: worst[0].f.cls, cvMape: worst[0].err } } : {}) });
    if (worst.length === 0) {
      stoppedBy = "error-target";
      break;
    }
    const next: PoolItem[] = [];
    for (const { f } of worst) {
      const unmeasured = (byClass.get(f.cls) ?? []).filter((p) => !measuredKeys.has(p.key));
      next.push(...shuffled(unmeasured, rng).slice(0, Math.ceil(per / 2)));
      // neighbours of the worst-predicted samples that have a template configuration
      const cls = samples.filter((s) => s.cls === f.cls);
      const ranked = cls.map((s, i) => ({ s, e: Math.abs(f.relErrors[i] ?? 0) })).sort((a, b) => b.e - a.e);
      for (const { s } of ranked) {
        if (next.length >= per * worst.length) break;
        const cfg = known.get(s.model)?.config;
        if (cfg === undefined) continue;
        const n = perturbConfig(cfg, rng);
        if (configFlops(n) > 2e9) continue;
        const [item] = poolFromConfigs([n], backend);
        if (item === undefined || item.cls !== f.cls || measuredKeys.has(item.key) || known.has(item.key)) continue;
        known.set(item.key, item);
        next.push(item);
        if (next.filter((p) => p.cls === f.cls).length >= per) break;
      }
    }
    if (next.length === 0) {
      stoppedBy = "pool-exhausted";
      break;
    }
    await measureItems(next);
    fits = fitAll();
    iterations++;
  }
  return { samples, fits, models: measuredKeys.size, iterations, stoppedBy };
}
