/**
 * Training the built-in phone profiles from mobile-ml-benchmark (used by scripts/train-phone-devices.ts and
 * scripts/eval-phones.ts; not part of the runtime bundle).
 *
 * GPU (TFLite GPU delegate, fp16): one predictor per kernel class fitted on the per-op latencies, then an overhead
 * model latency = α·Σkernels + c·nKernels + d fitted on end-to-end latencies (relative least squares, α, c, d ≥ 0).
 * CPU (TFLite CPU, per core set and precision): only end-to-end latency is published, so per-kernel costs are learnt
 * from e2e totals: each model's kernels (from its GPU op list) give per-route feature sums, and a non-negative ridge
 * fit on relative error gives the coefficients of one linear predictor per route (1×1 vs k×k conv, dw 3×3 vs larger…).
 */
import type { MlbE2e, MlbGpuDevice, MlbModel, MlbOp, MobileMlBenchmark } from "../../datasets/mobileMlBenchmark.js";
import type { Kernel, KernelClass, KernelFeatures, KernelGraph } from "../../fusion/types.js";
import { compileFeatureSpec } from "../../predictors/features.js";
import { fitGbt } from "../../predictors/gbt.js";
import { weightedLeastSquares } from "../../predictors/lstsq.js";
import { LinearPredictor, fitLinear } from "../../predictors/linear.js";
import type { Predictor, PredictorJSON, Sample } from "../../predictors/types.js";
import { aggregate, predictKernels } from "../estimate.js";
import { loadDevice } from "../load.js";
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

/** Element-wise ops the TFLite CPU (XNNPACK) fuses into the producing op; the other linked ops run as own kernels. */
const CPU_FUSED_ACTIVATIONS = new Set(["relu", "relu6", "relu_n1_to_1"]);

/** The element-wise ops linked into an op (the longest list over devices: Winograd kernel names omit them). */
export function opLinked(op: MlbOp): string[] {
  let best: string[] = [];
  for (const m of Object.values(op.gpu)) if (m !== undefined && m.linked.length > best.length) best = m.linked;
  return best;
}

function kernelType(op: MlbOp, linked: readonly string[]): string {
  return [op.operation.toLowerCase(), ...linked].join("-");
}

/** The GPU kernel graph of a dataset model as the device ran it (element-wise ops linked into their producer). */
export function gpuKernelGraph(model: MlbModel, device: MlbGpuDevice): KernelGraph {
  const kernels: Kernel[] = [];
  for (const op of model.ops) {
    const m = op.gpu[device];
    const linked = m === undefined || m.winograd ? opLinked(op) : m.linked;
    kernels.push(datasetKernel(model, op, linked, op.class, { ...op.features, nodes: 1 + linked.length }));
  }
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

const BINARY_OPS = new Set(["add", "mul", "sub", "div", "minimum", "maximum"]);

/**
 * The CPU kernel graph of a dataset model, as TFLite's converter forms it: a ReLU-family activation right after an op
 * is fused into it (nodes + 1); each binary element-wise op (ADD, MUL, …) is its own kernel and absorbs a following
 * ReLU-family activation; other unary ops (HARD_SWISH, LOGISTIC, …) are their own kernels.
 */
export function cpuKernelGraph(model: MlbModel): KernelGraph {
  const kernels: Kernel[] = [];
  for (const op of model.ops) {
    const linked = opLinked(op);
    let i = 0;
    while (i < linked.length && CPU_FUSED_ACTIVATIONS.has(linked[i]!)) i++;
    const fused = linked.slice(0, i);
    kernels.push(datasetKernel(model, op, fused, op.class, { ...op.features, nodes: 1 + fused.length }));
    const out = op.features.outputShape ?? [];
    const elems = out.reduce((a, b) => a * b, 1);
    while (i < linked.length) {
      const group = [linked[i]!];
      const binary = BINARY_OPS.has(linked[i]!);
      i++;
      while (i < linked.length && CPU_FUSED_ACTIVATIONS.has(linked[i]!)) group.push(linked[i++]!);
      const f: KernelFeatures = {
        flops: elems * group.length, params: 0, bytesRead: elems * 4 * (binary ? 2 : 1), bytesWritten: elems * 4,
        inputShape: [...out], outputShape: [...out], nodes: group.length,
      };
      if (out.length === 4) Object.assign(f, { cin: out[1], cout: out[1], hIn: out[2], wIn: out[3], hOut: out[2], wOut: out[3] });
      const k = datasetKernel(model, op, [group.join("-")], "elementwise", f, `/e${i}`);
      k.opTypes = group;
      kernels.push(k);
    }
  }
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
export const GPU_GBT_OPTIONS = { spec: GPU_TREE_SPEC, nEstimators: 120, maxDepth: 5, learningRate: 0.15, minSamplesLeaf: 3, subsample: 0.8, noiseFolds: 0 };

export const fitGpuGbt: ClassFitter = (_cls, samples, seed) =>
  samples.length >= 20 ? fitGbt(samples, { ...GPU_GBT_OPTIONS, seed }) : fitLogLinear(_cls, samples, seed);

/** Per-class kernel samples of one GPU device from the given models. */
export function gpuSamples(models: readonly MlbModel[], device: MlbGpuDevice): Map<KernelClass, Sample[]> {
  const by = new Map<KernelClass, Sample[]>();
  for (const m of models) {
    const g = gpuKernelGraph(m, device);
    m.ops.forEach((op, i) => {
      const meas = op.gpu[device];
      if (meas === undefined) return;
      const list = by.get(op.class) ?? [];
      list.push({ features: g.kernels[i]!.features, latencyMs: meas.latencyMs });
      by.set(op.class, list);
    });
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
  fitter?: ClassFitter;
  overheadTerms?: readonly OverheadTerm[];
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

/** Trains a GPU device profile on `models` (only those with an e2e measurement count for the overhead). */
export function trainGpuDevice(
  data: MobileMlBenchmark,
  models: readonly MlbModel[],
  device: MlbGpuDevice,
  e2e: ReadonlyMap<string, number>,
  options: GpuTrainOptions = {},
): DeviceProfileJSON {
  const fitter = options.fitter ?? fitGpuGbt;
  const seed = options.seed ?? 1;
  const samples = gpuSamples(models, device);
  const predictors: DeviceProfileJSON["predictors"] = {};
  let nKernels = 0;
  for (const [cls, s] of [...samples.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    predictors[cls] = fitter(cls, s, seed).toJSON();
    nKernels += s.length;
  }
  const profile: DeviceProfileJSON = {
    schema: DEVICE_SCHEMA,
    id: `${device}-gpu`,
    name: `${gpuIdentity(data, device).device} — TFLite 2.10 GPU delegate (fp16)`,
    identity: gpuIdentity(data, device),
    backend: GPU_BACKEND,
    predictors,
    overhead: { coef: { sumKernelMs: 1 }, relStd: 0, absorbs: GPU_ABSORBED },
    provenance: {
      dataset: DATASET, datasetCommit: DATASET_COMMIT,
      method: "per-class kernel predictors on per-op GPU latencies; overhead α·Σkernels + c·nKernels + d by non-negative relative least squares on e2e",
      samples: { kernels: nKernels, models: 0 }, seed,
    },
  };
  const dev = loadDevice(profile);
  const withE2e = models.filter((m) => e2e.has(m.name));
  const rows = withE2e.map((m) => aggregateTerms(dev, gpuKernelGraph(m, device)));
  const overhead = fitOverhead(rows, withE2e.map((m) => e2e.get(m.name)!), options.overheadTerms ?? ["sumKernelMs", "kernels", "constant"]);
  profile.overhead = { ...overhead, absorbs: GPU_ABSORBED };
  profile.provenance.samples.models = withE2e.length;
  return profile;
}

// ---------------------------------------------------------------------------------------------------------------
// CPU

/** A route of the CPU model: a kernel class, optionally narrowed by a geometry field, with its linear terms. */
export interface CpuRoute {
  cls: KernelClass;
  label: string;
  when?: { field: RouteField; min?: number; max?: number };
  terms: string[];
}

const CPU_TERMS = ["1", "flops", "inElems", "outElems", "params", "nodes*outElems"];

/** Default CPU routes: finer classes where the per-FLOP cost differs (1×1 vs k×k conv, dw 3×3 vs larger). */
export const CPU_ROUTES: CpuRoute[] = [
  { cls: "conv", label: "1x1", when: { field: "kernelH", max: 1 }, terms: CPU_TERMS },
  { cls: "conv", label: "kxk", terms: CPU_TERMS },
  { cls: "gconv", label: "", terms: CPU_TERMS },
  { cls: "dwconv", label: "3x3", when: { field: "kernelH", max: 3 }, terms: CPU_TERMS },
  { cls: "dwconv", label: "kxk", terms: CPU_TERMS },
  { cls: "fc", label: "", terms: ["1", "flops", "params"] },
  { cls: "global-pool", label: "", terms: ["1", "inElems"] },
  { cls: "pool", label: "", terms: ["1", "inElems", "outElems"] },
  { cls: "concat", label: "", terms: ["1", "outElems"] },
  { cls: "elementwise", label: "", terms: ["1", "outElems", "nodes*outElems"] },
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

/** Column layout of the CPU design matrix: (route, term) pairs, then the model constant. */
export function cpuDesignRow(graph: KernelGraph, routes: readonly CpuRoute[]): number[] {
  const offsets: number[] = [];
  let n = 0;
  for (const r of routes) {
    offsets.push(n);
    n += r.terms.length;
  }
  const row = new Array<number>(n + 1).fill(0);
  const compiled = routes.map((r) => compileFeatureSpec(r.terms));
  const x = new Float64Array(Math.max(...routes.map((r) => r.terms.length)));
  for (const k of graph.kernels) {
    const ri = routeIndex(routes, k);
    if (ri < 0) continue;
    compiled[ri]!.write(k.features, x);
    for (let t = 0; t < routes[ri]!.terms.length; t++) row[offsets[ri]! + t]! += x[t]!;
  }
  row[n] = 1;
  return row;
}

export interface CpuConfig {
  device: string;
  hwConfig: string;
  precision: "float" | "quant";
  threads: number;
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
  const routes = options.routes ?? CPU_ROUTES;
  const used = models.filter((m) => e2e.has(m.name));
  const X = used.map((m) => cpuDesignRow(cpuKernelGraph(m), routes));
  const y = used.map((m) => e2e.get(m.name)!);
  const w = y.map((v) => 1 / (v * v));
  const nCols = X[0]!.length;
  const beta = weightedLeastSquares(X, y, w, { nonNegative: true, ridge: options.ridge ?? 1e-4, unpenalized: [nCols - 1] });
  let s = 0;
  X.forEach((row, i) => {
    const p = row.reduce((a, v, j) => a + v * beta[j]!, 0);
    s += ((p - y[i]!) / y[i]!) ** 2;
  });
  const relStd = Math.sqrt(s / Math.max(used.length - nCols, 1));
  const predictors: DeviceProfileJSON["predictors"] = {};
  let off = 0;
  for (const r of routes) {
    const coef = beta.slice(off, off + r.terms.length);
    off += r.terms.length;
    const p = new LinearPredictor({ spec: r.terms, coef, target: "linear", noise: { relStd, absStdMs: 0 }, samples: used.length }).toJSON();
    const route: PredictorRouteJSON = { predictor: p };
    if (r.label !== "") route.label = r.label;
    if (r.when !== undefined) route.when = r.when;
    const list = (predictors[r.cls] as PredictorRouteJSON[] | undefined) ?? [];
    list.push(route);
    predictors[r.cls] = list;
  }
  // A class with a single unconditional route is stored as a plain predictor.
  for (const [cls, v] of Object.entries(predictors)) {
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
      method: "per-kernel linear costs learnt from end-to-end latencies: non-negative ridge (relative error) over per-route feature sums of each model's kernels",
      samples: { models: used.length },
    },
  };
}

/** Predicted e2e latency (ms) of a dataset kernel graph on a loaded device, through the production code path. */
export function predictGraph(device: Device, graph: KernelGraph): number {
  return aggregate(predictKernels(graph, device), device).latencyMs;
}
