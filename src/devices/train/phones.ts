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
import { type MlbE2e, type MlbGpuDevice, type MlbModel, type MlbOp, type MobileMlBenchmark } from "../../datasets/mobileMlBenchmark.js";
import type { Kernel, KernelClass, KernelFeatures, KernelGraph } from "../../fusion/types.js";
import { fitGbt } from "../../predictors/gbt.js";
import { weightedLeastSquares } from "../../predictors/lstsq.js";
import { LinearPredictor, fitLinear } from "../../predictors/linear.js";
import type { Predictor, Sample } from "../../predictors/types.js";
import { aggregate, predictKernels } from "../estimate.js";
import {
  aggregateRowOf,
  applyAggregation,
  classScale,
  familyGroups,
  graphConventionFeatures,
  mergedPadOps,
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
  const pad = mergedPadOps(model, device);
  let j = 0;
  model.ops.forEach((op, i) => {
    for (; j < alone.length && alone[j]!.before === i; j++) {
      kernels.push(datasetKernel(model, op, ["elementwise"], "elementwise", unprofiledFeatures(alone[j]!), `e${j}`));
    }
    const linked = gpuOpLinked(op, device);
    kernels.push(datasetKernel(model, op, linked, op.class, { ...graphConventionFeatures(model, i, pad), nodes: 1 + linked.length }));
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
        const pad = mergedPadOps(m, device);
        const row = aggregateRowOf(m, device, (op, i) => predictors.get(op.class)?.predict({ ...graphConventionFeatures(m, i, pad), nodes: 1 + gpuOpLinked(op, device).length }).latencyMs ?? 0);
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
    const pad = mergedPadOps(m, device);
    for (let i = 0; i < m.ops.length; i++) {
      const op = m.ops[i]!;
      const meas = op.gpu[device];
      // A kernel that ran two ops (reported on both rows) is no sample of either.
      if (meas === undefined || sharesKernelWithPrevious(m, i, device) || sharesKernelWithPrevious(m, i + 1, device)) continue;
      const list = by.get(op.class) ?? [];
      list.push({ features: { ...graphConventionFeatures(m, i, pad), nodes: 1 + gpuOpLinked(op, device).length }, latencyMs: meas.latencyMs });
      by.set(op.class, list);
    }
  }
  return by;
}

/** Overhead model: non-negative relative least squares of e2e on the chosen aggregate terms. */
export function fitOverhead(rows: { sumKernelMs: number; kernels: number; fusedOps: number }[], e2eMs: number[], terms: readonly Extract<OverheadTerm, "sumKernelMs" | "kernels" | "fusedOps" | "constant">[]): OverheadModelJSON {
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

// CPU: ./phones-cpu.ts (routes, candidate selection, trainCpuDevice).

/** Predicted e2e latency (ms) of a dataset kernel graph on a loaded device, through the production code path. */
export function predictGraph(device: Device, graph: KernelGraph): number {
  return aggregate(predictKernels(graph, device), device).latencyMs;
}
