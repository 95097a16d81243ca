/**
 * Training the built-in phone profiles from mobile-ml-benchmark (used by scripts/train-phone-devices.ts and
 * scripts/eval-phones.ts; not part of the runtime bundle).
 *
 * GPU (TFLite GPU delegate, fp16): one predictor per kernel class fitted on the per-op latencies, then an aggregation
 * model fitted on end-to-end latencies (./phones-gpu.ts): α·Σkernels (optionally one α per class group, folded into
 * the class predictors) + the unprofiled element-wise kernels (optionally) + c·nKernels + d, chosen by grouped CV
 * over the training families.
 * CPU (TFLite CPU, per core set and precision): only end-to-end latency is published, so per-kernel costs are learnt
 * from e2e totals: each model's kernels (from its GPU op list) give per-route feature sums, and a non-negative ridge
 * fit on relative error gives the coefficients of one linear predictor per route (1×1 vs k×k conv, dw 3×3 vs larger…).
 */
import { familyFolds, type MlbE2e, type MlbGpuDevice, type MlbModel, type MlbOp, type MobileMlBenchmark } from "../../datasets/mobileMlBenchmark.js";
import type { Kernel, KernelClass, KernelFeatures, KernelGraph } from "../../fusion/types.js";
import { compileFeatureSpec } from "../../predictors/features.js";
import { fitGbt } from "../../predictors/gbt.js";
import { weightedLeastSquares } from "../../predictors/lstsq.js";
import { LinearPredictor, fitLinear } from "../../predictors/linear.js";
import type { Predictor, PredictorJSON, Sample } from "../../predictors/types.js";
import { aggregate, predictKernels } from "../estimate.js";
import {
  aggregateRowOf,
  applyAggregation,
  classScale,
  familyGroups,
  type GpuAggregateRow,
  fitAggregation,
  measuredAggregateRow,
  GPU_INNER_FOLDS,
  opLinked,
  scalePredictorJSON,
  selectGpuAggregation,
  sharesKernelWithPrevious,
  unprofiledFeatures,
  unprofiledOps,
  type GpuAggregation,
} from "./phones-gpu.js";
import {
  DEVICE_SCHEMA,
  type Device,
  type DeviceIdentity,
  type DeviceProfileJSON,
  type OverheadModelJSON,
  type OverheadTerm,
  type PredictorRouteJSON,
  type RouteField,
} from "../types.js";

export const GPU_BACKEND = "tflite-gpu@2.10";
export const CPU_BACKEND = "tflite-cpu@2.10";
export const DATASET = "mobile-ml-benchmark (qed-usc, MIT), TFLite real CNNs";
export const DATASET_COMMIT = "40ba833a9ca560a3035a76a5c3da504082dec001";
export const SPLIT = "leave-one-family-out, 26 families (docs/baselines.md)";

export { opLinked };

function kernelType(op: MlbOp, linked: readonly string[]): string {
  return [op.operation.toLowerCase(), ...linked].join("-");
}

/** The element-wise ops the device linked into a dataset op. */
function gpuOpLinked(op: MlbOp, device: MlbGpuDevice): string[] {
  const m = op.gpu[device];
  return m === undefined || m.winograd ? opLinked(op) : m.linked;
}

/**
 * The GPU kernel graph of a dataset model as the device ran it: element-wise ops linked into their producer, and the
 * element-wise ops that ran alone without a profiled row (`unprofiledOps`) as `elementwise` kernels in front of the
 * op they preceded.
 */
export function gpuKernelGraph(model: MlbModel, device: MlbGpuDevice): KernelGraph {
  const kernels: Kernel[] = [];
  const alone = unprofiledOps(model, device);
  let j = 0;
  model.ops.forEach((op, i) => {
    for (; j < alone.length && alone[j]!.before === i; j++) {
      kernels.push(datasetKernel(model, op, ["elementwise"], "elementwise", unprofiledFeatures(alone[j]!), `e${j}`));
    }
    const linked = gpuOpLinked(op, device);
    kernels.push(datasetKernel(model, op, linked, op.class, { ...op.features, nodes: 1 + linked.length }));
  });
  return { backend: GPU_BACKEND, kernels, noKernel: [] };
}

function datasetKernel(model: MlbModel, op: MlbOp, linked: readonly string[], cls: KernelClass, features: KernelFeatures, suffix = ""): Kernel {
  const anchor = `${model.name}/${op.seq}`;
  return {
    id: `k${op.seq}${suffix}`,
    type: suffix === "" ? kernelType(op, linked) : linked[0]!,
    class: cls,
    nodes: suffix === "" ? [anchor, ...linked.map((l, i) => `${anchor}/${l}${i}`)] : [`${anchor}${suffix}`],
    opTypes: suffix === "" ? [op.operation, ...linked] : [linked[0]!],
    inputs: [],
    outputs: [],
    features,
    rule: "dataset",
  };
}

/**
 * The kernel graph of a dataset model for CPU training: each op with every element-wise op linked to it (nodes =
 * 1 + linked). The CPU cost model prices the linked ops with per-op terms shared by all routes (count and elements),
 * so a runtime that fuses them (ReLU into a conv) or runs them on their own (ADD as an element-wise kernel) gets the
 * same total: see `trainCpuDevice`.
 */
export function cpuKernelGraph(model: MlbModel): KernelGraph {
  const kernels = model.ops.map((op) => {
    const linked = opLinked(op);
    return datasetKernel(model, op, linked, op.class, { ...op.features, nodes: 1 + linked.length });
  });
  return { backend: CPU_BACKEND, kernels, noKernel: [] };
}

// ---------------------------------------------------------------------------------------------------------------
// GPU

export type ClassFitter = (cls: KernelClass, samples: Sample[], seed: number) => Predictor;

/** Log-linear power law per class (the default GPU kernel model). */
export const GPU_LOG_SPEC = [
  "log:flops", "log:inElems", "log:outElems", "log:params", "log:cin", "log:cout", "log:hInPad", "log:hOut",
  "kernelH", "strideH", "nodes", "1",
];

export const fitLogLinear: ClassFitter = (_cls, samples) => fitLinear(samples, { target: "log", spec: GPU_LOG_SPEC, ridge: 1e-3 });

/** Tree features of GPU kernels: sizes on log scale, geometry raw (padded input size: hIn + padH). */
export const GPU_TREE_SPEC = [
  "log:flops", "log:inElems", "log:outElems", "log:params", "cin", "cout", "hInPad", "hOut", "kernelH", "strideH", "groups", "nodes",
];

/** Gradient-boosted trees on ln(latency) per class (the default GPU kernel model). */
export const GPU_GBT_OPTIONS = { spec: GPU_TREE_SPEC, nEstimators: 60, maxDepth: 5, learningRate: 0.25, minSamplesLeaf: 3, subsample: 0.8, noiseFolds: 0 };

export const fitGpuGbt: ClassFitter = (_cls, samples, seed) =>
  samples.length >= 20 ? fitGbt(samples, { ...GPU_GBT_OPTIONS, seed }) : fitLogLinear(_cls, samples, seed);

/** The same trees boosting the residual of a power-law stage (GPU_LOG_SPEC): extrapolates in size where trees are flat. */
export const fitGpuGbtPowerLaw: ClassFitter = (_cls, samples, seed) =>
  samples.length >= 20 ? fitGbt(samples, { ...GPU_GBT_OPTIONS, linearSpec: GPU_LOG_SPEC, seed }) : fitLogLinear(_cls, samples, seed);

/** Candidate kernel models; `selectGpuFitter` picks one by grouped CV over the training families. */
export const GPU_FITTERS: readonly { label: string; fitter: ClassFitter }[] = [
  { label: "gradient-boosted trees", fitter: fitGpuGbt },
  { label: "gradient-boosted trees on a power-law stage", fitter: fitGpuGbtPowerLaw },
];

/** Inner folds (groups of whole families) of the kernel-model selection. */
export const GPU_FITTER_FOLDS = 3;

/** Per-class predictors of one device fitted on `models`. */
function fitGpuPredictors(models: readonly MlbModel[], device: MlbGpuDevice, fitter: ClassFitter, seed: number): Map<KernelClass, Predictor> {
  const out = new Map<KernelClass, Predictor>();
  for (const [cls, s] of [...gpuSamples(models, device).entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out.set(cls, fitter(cls, s, seed));
  return out;
}

/** A kernel model chosen by `selectGpuFitter`, with its out-of-fold aggregate rows (model name → row). */
export interface GpuFitterChoice {
  label: string;
  fitter: ClassFitter;
  scores: { hits: number; mre: number }[];
  oofRows: Map<string, GpuAggregateRow>;
}

/**
 * Chooses the kernel model by grouped CV over `models` (training families only; GPU_FITTER_FOLDS groups of whole
 * families), scored as the outer evaluation scores: per inner fold the kernel predictors and the given aggregation are
 * fitted on the other groups, the held-out models' e2e is predicted from their predicted op latencies; most models
 * within ±10%, ties broken by the lower mean relative error, then by the earlier candidate. Also returns the chosen
 * model's out-of-fold aggregate rows (each model's ops predicted without its family), on which `trainGpuDevice` fits
 * the aggregation.
 */
export function selectGpuFitter(
  models: readonly MlbModel[],
  device: MlbGpuDevice,
  e2e: ReadonlyMap<string, number>,
  aggregation: GpuAggregation,
  seed: number,
): GpuFitterChoice {
  const used = models.filter((m) => e2e.has(m.name));
  const groups = familyGroups(used, GPU_FITTER_FOLDS).map((g) => new Set(g));
  const oof = GPU_FITTERS.map(() => new Map<string, GpuAggregateRow>());
  const scores = GPU_FITTERS.map((c, ci) => {
    let hits = 0, mre = 0;
    for (const held of groups) {
      const train = used.filter((m) => !held.has(m.name));
      const predictors = fitGpuPredictors(train, device, c.fitter, seed);
      const agg = fitAggregation(aggregation, train.map((m) => measuredAggregateRow(m, device)), train.map((m) => e2e.get(m.name)!));
      for (const m of used) {
        if (!held.has(m.name)) continue;
        const row = aggregateRowOf(m, device, (op) => predictors.get(op.class)?.predict({ ...op.features, nodes: 1 + gpuOpLinked(op, device).length }).latencyMs ?? 0);
        oof[ci]!.set(m.name, row);
        const e = Math.abs(applyAggregation(agg, row) / e2e.get(m.name)! - 1);
        if (e <= 0.1) hits++;
        mre += e;
      }
    }
    return { hits, mre: mre / Math.max(used.length, 1) };
  });
  let best = 0;
  scores.forEach((v, i) => {
    const b = scores[best]!;
    if (v.hits > b.hits || (v.hits === b.hits && v.mre < b.mre - 1e-12)) best = i;
  });
  return { ...GPU_FITTERS[best]!, scores, oofRows: oof[best]! };
}

/** Per-class kernel samples of one GPU device from the given models (rows of two-op kernels left out). */
export function gpuSamples(models: readonly MlbModel[], device: MlbGpuDevice): Map<KernelClass, Sample[]> {
  const by = new Map<KernelClass, Sample[]>();
  for (const m of models) {
    for (let i = 0; i < m.ops.length; i++) {
      const op = m.ops[i]!;
      const meas = op.gpu[device];
      // A kernel that ran two ops (reported on both rows) is no sample of either.
      if (meas === undefined || sharesKernelWithPrevious(m, i, device) || sharesKernelWithPrevious(m, i + 1, device)) continue;
      const list = by.get(op.class) ?? [];
      list.push({ features: { ...op.features, nodes: 1 + gpuOpLinked(op, device).length }, latencyMs: meas.latencyMs });
      by.set(op.class, list);
    }
  }
  return by;
}

/** Overhead model: non-negative relative least squares of e2e on the chosen aggregate terms. */
export function fitOverhead(rows: { sumKernelMs: number; kernels: number; fusedOps: number }[], e2eMs: number[], terms: readonly OverheadTerm[]): OverheadModelJSON {
  const X = rows.map((r) => terms.map((t) => (t === "constant" ? 1 : r[t])));
  const w = e2eMs.map((y) => 1 / (y * y));
  const beta = weightedLeastSquares(X, e2eMs, w, { nonNegative: true, ridge: 0 });
  const coef: OverheadModelJSON["coef"] = {};
  terms.forEach((t, j) => (coef[t] = beta[j]!));
  if (!(coef.sumKernelMs! > 0)) coef.sumKernelMs = 1e-9;
  let s = 0;
  rows.forEach((r, i) => {
    const p = terms.reduce((acc, t, j) => acc + beta[j]! * (t === "constant" ? 1 : r[t]), 0);
    s += ((p - e2eMs[i]!) / e2eMs[i]!) ** 2;
  });
  return { coef, relStd: Math.sqrt(s / Math.max(rows.length - terms.length, 1)) };
}

/** Aggregate terms of a kernel graph's estimates (the quantities the overhead model weighs). */
export function aggregateTerms(device: Device, graph: KernelGraph): { sumKernelMs: number; kernels: number; fusedOps: number } {
  const est = predictKernels(graph, device);
  let sumKernelMs = 0, kernels = 0, fusedOps = 0;
  for (const e of est) {
    sumKernelMs += e.latencyMs;
    if (e.counted) {
      kernels++;
      fusedOps += e.nodes.length - 1;
    }
  }
  return { sumKernelMs, kernels, fusedOps };
}

export interface GpuTrainOptions {
  /** A given kernel model (the aggregation is then fitted on measured op latencies). */
  fitter?: ClassFitter;
  /** The kernel model chosen by `selectGpuFitter` on these models (default: chosen here when `fitter` is not given). */
  fitterChoice?: GpuFitterChoice;
  /** The aggregation model; default: chosen by `selectGpuAggregation` (grouped CV over the training families). */
  aggregation?: GpuAggregation;
  seed?: number;
}

/** Classes the TFLite GPU data never profiled on their own; their time is inside the e2e residual. */
const GPU_ABSORBED: KernelClass[] = ["pad", "elementwise", "data-movement", "layout-reorder"];

export function gpuIdentity(data: MobileMlBenchmark, device: MlbGpuDevice): DeviceIdentity {
  const d = data.devices.find((x) => x.key === device);
  return {
    device: d?.name ?? device, soc: d?.soc ?? "unknown", processor: "gpu", processorName: d?.gpu ?? "unknown GPU",
    precision: "fp16", runtime: "tflite", runtimeVersion: "2.10",
  };
}

/** e2e latency (ms) of each model on a configuration, keyed by model name. */
export function e2eIndex(e2e: readonly MlbE2e[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const e of e2e) {
    const key = `${e.device}/${e.hwConfig}/${e.precision}`;
    let m = out.get(key);
    if (m === undefined) out.set(key, (m = new Map()));
    m.set(e.model, e.latencyMs);
  }
  return out;
}

/**
 * Trains a GPU device profile on `models`: per-class kernel predictors on the per-op latencies, then the aggregation
 * (./phones-gpu.ts) fitted on the measured op latencies of the models with an e2e measurement, its per-class scales
 * folded into the class predictors, its unprofiled element-wise term written as the `elementwise` predictor.
 */
export function trainGpuDevice(
  data: MobileMlBenchmark,
  models: readonly MlbModel[],
  device: MlbGpuDevice,
  e2e: ReadonlyMap<string, number>,
  options: GpuTrainOptions = {},
): DeviceProfileJSON {
  const seed = options.seed ?? 1;
  const withE2e = models.filter((m) => e2e.has(m.name));
  const rows = withE2e.map((m) => measuredAggregateRow(m, device));
  const y = withE2e.map((m) => e2e.get(m.name)!);
  const aggregation = options.aggregation ?? selectGpuAggregation(withE2e, rows, y).best;
  const choice = options.fitterChoice
    ?? (options.fitter !== undefined ? { label: "given", fitter: options.fitter, oofRows: undefined } : selectGpuFitter(models, device, e2e, aggregation, seed));
  const fitter = choice.fitter;
  // Fitted on out-of-fold predicted op latencies when there are any: the aggregation then also absorbs the kernel
  // model's systematic bias on unseen families (e.g. a log-target model predicts medians, whose sum is below the mean).
  const oof = choice.oofRows;
  const agg = fitAggregation(aggregation, oof !== undefined ? withE2e.map((m, i) => oof.get(m.name) ?? rows[i]!) : rows, y);
  const samples = gpuSamples(models, device);
  const predictors: DeviceProfileJSON["predictors"] = {};
  let nKernels = 0;
  for (const [cls, s] of [...samples.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    predictors[cls] = scalePredictorJSON(fitter(cls, s, seed).toJSON(), classScale(agg, cls));
    nKernels += s.length;
  }
  let absorbs = GPU_ABSORBED;
  if (aggregation.elementwise !== "absorbed") {
    // Learnt from e2e totals only (no per-op rows): its std is stated as the estimate itself.
    predictors.elementwise = new LinearPredictor({
      spec: ["outElems", "1"], coef: [agg.coef.ewElements ?? 0, agg.coef.ewKernels!], target: "linear",
      noise: { relStd: 1, absStdMs: 0 }, samples: withE2e.length,
    }).toJSON();
    absorbs = GPU_ABSORBED.filter((c) => c !== "elementwise");
  }
  return {
    schema: DEVICE_SCHEMA,
    id: `${device}-gpu`,
    name: `${gpuIdentity(data, device).device} — TFLite 2.10 GPU delegate (fp16)`,
    identity: gpuIdentity(data, device),
    backend: GPU_BACKEND,
    predictors,
    overhead: { coef: { sumKernelMs: 1, kernels: agg.coef.kernels!, constant: agg.coef.constant! }, relStd: agg.relStd, absorbs },
    provenance: {
      dataset: DATASET, datasetCommit: DATASET_COMMIT,
      method: `per-class kernel predictors on per-op GPU latencies (${choice.label}, chosen by grouped ${GPU_FITTER_FOLDS}-fold CV over whole training families); aggregation fitted on the ${oof !== undefined ? "out-of-fold predicted" : "measured"} op latencies of ${withE2e.length} models' e2e by non-negative relative least squares, chosen by grouped ${GPU_INNER_FOLDS}-fold CV over whole training families: ${aggregation.label} (class scales folded into the predictors)`,
      samples: { kernels: nKernels, models: withE2e.length }, seed,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// CPU

/** A route of the CPU model: a kernel class, optionally narrowed by a geometry field. */
export interface CpuRoute {
  cls: KernelClass;
  label: string;
  when?: { field: RouteField; min?: number; max?: number };
}

/** Per-route work terms (each route has its own coefficients). */
export const CPU_ROUTE_TERMS = ["flops", "inElems", "outElems", "params"];

/**
 * Default CPU routes, chosen by leave-one-family-out cross-validation inside the training folds (docs/accuracy.md):
 * the stem conv (≤ 4 input channels, im2col-bound), 1×1 vs k×k conv, grouped, dw 3×3 vs larger, fc, pools, concat.
 */
export const CPU_ROUTES: CpuRoute[] = [
  { cls: "conv", label: "stem", when: { field: "cin", max: 4 } },
  { cls: "conv", label: "1x1", when: { field: "kernelH", max: 1 } },
  { cls: "conv", label: "kxk" },
  { cls: "gconv", label: "" },
  { cls: "dwconv", label: "3x3", when: { field: "kernelH", max: 3 } },
  { cls: "dwconv", label: "kxk" },
  { cls: "fc", label: "" },
  { cls: "global-pool", label: "" },
  { cls: "pool", label: "" },
  { cls: "concat", label: "" },
];

function routeIndex(routes: readonly CpuRoute[], k: Kernel): number {
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    if (r.cls !== k.class) continue;
    if (r.when === undefined) return i;
    const f = k.features as unknown as Record<string, number | undefined>;
    const v = f[r.when.field] ?? Number.NaN;
    if (v >= (r.when.min ?? -Infinity) && v <= (r.when.max ?? Infinity)) return i;
  }
  return -1;
}

/**
 * One design row: per route Σ CPU_ROUTE_TERMS; then the shared per-kernel terms Σ1 (kernel count), Σ(nodes − 1)
 * (linked element-wise ops), Σ(nodes − 1)·outElems (their elements); then the model constant.
 */
/** Design rows are pure functions of (model, routes): memoized for the many fits of cross-validation. */
const rowMemo = new WeakMap<readonly CpuRoute[], WeakMap<MlbModel, number[]>>();

export function cpuModelRow(model: MlbModel, routes: readonly CpuRoute[]): number[] {
  let byModel = rowMemo.get(routes);
  if (byModel === undefined) rowMemo.set(routes, (byModel = new WeakMap()));
  let row = byModel.get(model);
  if (row === undefined) byModel.set(model, (row = cpuDesignRow(cpuKernelGraph(model), routes)));
  return row;
}

export function cpuDesignRow(graph: KernelGraph, routes: readonly CpuRoute[]): number[] {
  const T = CPU_ROUTE_TERMS.length;
  const n = routes.length * T;
  const row = new Array<number>(n + 4).fill(0);
  const compiled = compileFeatureSpec(CPU_ROUTE_TERMS);
  const x = new Float64Array(T);
  for (const k of graph.kernels) {
    const ri = routeIndex(routes, k);
    if (ri < 0) continue;
    compiled.write(k.features, x);
    for (let t = 0; t < T; t++) row[ri * T + t]! += x[t]!;
    const linked = k.features.nodes - 1;
    row[n]! += 1;
    row[n + 1]! += linked;
    row[n + 2]! += linked * (k.features.outputShape ?? []).reduce((a, b) => a * b, 1);
  }
  row[n + 3] = 1;
  return row;
}

export interface CpuConfig {
  device: string;
  hwConfig: string;
  precision: "float" | "quant";
  threads: number;
}

/** Default ridge λ of the CPU fit (on unit-scaled columns). */
export const CPU_RIDGE = 0.01;

/** Candidate CPU models; `selectCpuModel` picks one by leave-one-family-out CV on the training families only. */
export const CPU_CANDIDATES: { label: string; routes: readonly CpuRoute[]; ridge: number }[] = [0.003, 0.01, 0.03].flatMap((ridge) => [
  { label: `stem+fine routes, λ=${ridge}`, routes: CPU_ROUTES, ridge },
  { label: `fine routes, λ=${ridge}`, routes: CPU_ROUTES.filter((r) => r.label !== "stem"), ridge },
]);

/** Non-negative ridge on relative error; the last column (model constant) is not penalized. */
export function fitCpuCoef(X: readonly number[][], y: readonly number[], ridge: number): number[] {
  return weightedLeastSquares(X, y, y.map((v) => 1 / (v * v)), { nonNegative: true, ridge, unpenalized: [X[0]!.length - 1] });
}

/** Inner folds of model selection: whole families dealt round-robin (largest first) into this many groups. */
export const CPU_INNER_FOLDS = 5;

/**
 * Chooses routes and λ by grouped CV among `models` (the training families only; whole families held out together,
 * CPU_INNER_FOLDS groups): the candidate with the highest share within ±10%, ties broken by the lower mean relative
 * error.
 */
export function selectCpuModel(models: readonly MlbModel[], y: readonly number[]): { routes: readonly CpuRoute[]; ridge: number; label: string } {
  const groups: string[][] = Array.from({ length: CPU_INNER_FOLDS }, () => []);
  familyFolds(models)
    .sort((a, b) => b.models.length - a.models.length || (a.family < b.family ? -1 : 1))
    .forEach((f, i) => groups[i % CPU_INNER_FOLDS]!.push(...f.models));
  const folds = groups.filter((g) => g.length > 0).map((g) => ({ models: g }));
  const index = new Map(models.map((m, i) => [m.name, i]));
  const grams = new Map<readonly CpuRoute[], { X: number[][]; total: Gram; rows: Gram[] }>();
  let best = { score: -Infinity, mre: Infinity, c: CPU_CANDIDATES[0]! };
  for (const c of CPU_CANDIDATES) {
    let g = grams.get(c.routes);
    if (g === undefined) {
      const X = models.map((m) => cpuModelRow(m, c.routes));
      const rows = X.map((x, i) => gramOf([x], [y[i]!]));
      grams.set(c.routes, (g = { X, rows, total: sumGrams(rows) }));
    }
    let hits = 0, mre = 0;
    const all = solveGram(g.total, c.ridge);
    for (const f of folds) {
      const held = f.models.map((n) => index.get(n)!);
      const beta = solveGram(subtractGrams(g.total, held.map((i) => g!.rows[i]!)), c.ridge, all);
      for (const i of held) {
        const p = g.X[i]!.reduce((a, v, j) => a + v * beta[j]!, 0);
        const e = Math.abs(p / y[i]! - 1);
        if (e <= 0.1) hits++;
        mre += e;
      }
    }
    if (hits > best.score || (hits === best.score && mre < best.mre)) best = { score: hits, mre, c };
  }
  return best.c;
}

/** Σ w·x·xᵀ, Σ w·x·y, Σ w with w = 1/y² (relative error), so fold fits subtract held-out rows instead of refitting. */
interface Gram {
  n: number;
  G: Float64Array;
  h: Float64Array;
  wSum: number;
}

function gramOf(X: readonly number[][], y: readonly number[]): Gram {
  const n = X[0]!.length;
  const G = new Float64Array(n * n), h = new Float64Array(n);
  let wSum = 0;
  X.forEach((x, r) => {
    const w = 1 / (y[r]! * y[r]!);
    wSum += w;
    for (let i = 0; i < n; i++) {
      const wi = w * x[i]!;
      h[i]! += wi * y[r]!;
      for (let j = 0; j < n; j++) G[i * n + j]! += wi * x[j]!;
    }
  });
  return { n, G, h, wSum };
}

function sumGrams(gs: readonly Gram[]): Gram {
  const n = gs[0]!.n;
  const out: Gram = { n, G: new Float64Array(n * n), h: new Float64Array(n), wSum: 0 };
  for (const g of gs) {
    for (let i = 0; i < n * n; i++) out.G[i]! += g.G[i]!;
    for (let i = 0; i < n; i++) out.h[i]! += g.h[i]!;
    out.wSum += g.wSum;
  }
  return out;
}

function subtractGrams(total: Gram, held: readonly Gram[]): Gram {
  const minus = sumGrams(held);
  const n = total.n;
  return {
    n, G: total.G.map((v, i) => v - minus.G[i]!), h: total.h.map((v, i) => v - minus.h[i]!), wSum: total.wSum - minus.wSum,
  };
}

/** The same problem as `fitCpuCoef` (weightedLeastSquares with unit-RMS column scaling), solved from a Gram. */
function solveGram(g: Gram, ridge: number, start?: readonly number[]): number[] {
  const n = g.n;
  const scale = Array.from({ length: n }, (_, j) => (g.G[j * n + j]! > 0 ? Math.sqrt(g.G[j * n + j]! / g.wSum) : 1));
  const G = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => g.G[i * n + j]! / (scale[i]! * scale[j]!) / g.wSum));
  const h = Array.from({ length: n }, (_, i) => g.h[i]! / scale[i]! / g.wSum);
  for (let j = 0; j < n; j++) G[j]![j]! += (j === n - 1 ? 0 : ridge) + 1e-12;
  // Warm start from an unscaled solution (e.g. of all training families) when given.
  const z0 = start?.map((b, j) => b * scale[j]!);
  return coordinateNnls(G, h, z0).map((b, j) => b / scale[j]!);
}

/**
 * Non-negative quadratic minimization ½βᵀGβ − hᵀβ by cyclic coordinate descent (the last variable, the model
 * constant, is free). Approximate but fast (O(n²) per sweep): used only to score candidates during model selection;
 * the final fit uses the exact Lawson–Hanson solver.
 */
function coordinateNnls(G: readonly number[][], h: readonly number[], start?: readonly number[], maxSweeps = 3000, tol = 1e-9): number[] {
  const n = h.length;
  const beta = start ? [...start] : new Array<number>(n).fill(0);
  const grad = h.map((v, i) => G[i]!.reduce((a, g, k) => a + g * beta[k]!, 0) - v); // G·β − h
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let change = 0;
    for (let j = 0; j < n; j++) {
      const gjj = G[j]![j]!;
      if (!(gjj > 0)) continue;
      let v = beta[j]! - grad[j]! / gjj;
      if (j !== n - 1 && v < 0) v = 0;
      const d = v - beta[j]!;
      if (d === 0) continue;
      beta[j] = v;
      const col = G[j]!;
      for (let k = 0; k < n; k++) grad[k]! += d * col[k]!;
      change = Math.max(change, Math.abs(d) * Math.sqrt(gjj));
    }
    if (change < tol) break;
  }
  return beta;
}

export interface CpuTrainOptions {
  routes?: readonly CpuRoute[];
  /** Ridge λ on unit-scaled columns. */
  ridge?: number;
}

export function cpuIdentity(data: MobileMlBenchmark, cfg: CpuConfig): DeviceIdentity {
  const d = data.devices.find((x) => x.key === cfg.device);
  const cores = cfg.hwConfig.replace(/(\d+)([a-z]+)/g, (_s, n: string, kind: string) => {
    const c = d?.clusters.find((x) => x.kind === kind);
    return `${n}×${kind}${c ? ` @${c.ghz} GHz` : ""} `;
  }).trim();
  return {
    device: d?.name ?? cfg.device, soc: d?.soc ?? "unknown", processor: "cpu", processorName: `CPU ${cores}`,
    coreSet: cfg.hwConfig, threads: cfg.threads, precision: cfg.precision === "quant" ? "int8" : "fp32",
    runtime: "tflite", runtimeVersion: "2.10",
  };
}

export function cpuDeviceId(cfg: Pick<CpuConfig, "device" | "hwConfig" | "precision">): string {
  return `${cfg.device}-cpu-${cfg.hwConfig}-${cfg.precision === "quant" ? "int8" : "fp32"}`;
}

/** Fits the CPU coefficients of one configuration on `models` (those with an e2e measurement). */
export function trainCpuDevice(
  data: MobileMlBenchmark,
  models: readonly MlbModel[],
  cfg: CpuConfig,
  e2e: ReadonlyMap<string, number>,
  options: CpuTrainOptions = {},
): DeviceProfileJSON {
  const used = models.filter((m) => e2e.has(m.name));
  const y = used.map((m) => e2e.get(m.name)!);
  const choice = options.routes !== undefined || options.ridge !== undefined
    ? { routes: options.routes ?? CPU_ROUTES, ridge: options.ridge ?? CPU_RIDGE, label: "given" }
    : selectCpuModel(used, y);
  const routes = choice.routes;
  const X = used.map((m) => cpuModelRow(m, routes));
  const nCols = X[0]!.length;
  const beta = fitCpuCoef(X, y, choice.ridge);
  let s = 0;
  X.forEach((row, i) => {
    const p = row.reduce((a, v, j) => a + v * beta[j]!, 0);
    s += ((p - y[i]!) / y[i]!) ** 2;
  });
  const relStd = Math.sqrt(s / Math.max(used.length - nCols, 1));
  const T = CPU_ROUTE_TERMS.length;
  const nR = routes.length * T;
  const perKernel = beta[nR]!, perLinked = beta[nR + 1]!, perLinkedElem = beta[nR + 2]!;
  // Per kernel: Σ β·work + perKernel + perLinked·(nodes − 1) + perLinkedElem·(nodes − 1)·outElems, written with the
  // spec terms of the linear predictor (nodes, nodes*outElems, 1).
  const spec = [...CPU_ROUTE_TERMS, "nodes", "nodes*outElems", "1"];
  const noise = { relStd, absStdMs: 0 };
  const predictors: DeviceProfileJSON["predictors"] = {};
  routes.forEach((r, ri) => {
    const work = beta.slice(ri * T, ri * T + T);
    work[CPU_ROUTE_TERMS.indexOf("outElems")]! -= perLinkedElem;
    const coef = [...work, perLinked, perLinkedElem, perKernel - perLinked];
    const p = new LinearPredictor({ spec, coef, target: "linear", noise, samples: used.length }).toJSON();
    const route: PredictorRouteJSON = { predictor: p };
    if (r.label !== "") route.label = r.label;
    if (r.when !== undefined) route.when = r.when;
    const list = (predictors[r.cls] as PredictorRouteJSON[] | undefined) ?? [];
    list.push(route);
    predictors[r.cls] = list;
  });
  // Element-wise kernels a runtime runs on their own (ADD, HARD_SWISH, …) cost what a linked op costs.
  predictors.elementwise = new LinearPredictor({ spec: ["nodes", "nodes*outElems"], coef: [perLinked, perLinkedElem], target: "linear", noise, samples: used.length }).toJSON();
  for (const [cls, v] of Object.entries(predictors)) {
    if (!Array.isArray(v)) continue;
    const list = v as PredictorRouteJSON[];
    if (list.length === 1 && list[0]!.when === undefined && list[0]!.label === undefined) predictors[cls as KernelClass] = list[0]!.predictor as PredictorJSON;
  }
  const id = cpuIdentity(data, cfg);
  return {
    schema: DEVICE_SCHEMA,
    id: cpuDeviceId(cfg),
    name: `${id.device} — TFLite 2.10 CPU, ${cfg.hwConfig} (${cfg.threads} thread${cfg.threads > 1 ? "s" : ""}), ${id.precision}`,
    identity: id,
    backend: CPU_BACKEND,
    predictors,
    overhead: { coef: { sumKernelMs: 1, constant: beta[nCols - 1]! }, relStd, absorbs: ["pad", "data-movement", "layout-reorder"] },
    provenance: {
      dataset: DATASET, datasetCommit: DATASET_COMMIT,
      method: `per-kernel linear costs learnt from end-to-end latencies: non-negative ridge (relative error) over per-route feature sums of each model's kernels; routes and λ chosen by grouped ${CPU_INNER_FOLDS}-fold CV over whole training families: ${choice.label}`,
      samples: { models: used.length },
    },
  };
}

/** Predicted e2e latency (ms) of a dataset kernel graph on a loaded device, through the production code path. */
export function predictGraph(device: Device, graph: KernelGraph): number {
  return aggregate(predictKernels(graph, device), device).latencyMs;
}
