/**
 * Training the built-in TFLite CPU profiles of mobile-ml-benchmark (84 configurations: phone × core set × fp32/int8).
 *
 * Only end-to-end latency is published for CPUs, so per-kernel costs are learnt from e2e totals: each model's kernels
 * (from its GPU op list, `cpuKernelGraph`) give per-route feature sums (a design row), and a non-negative ridge fit on
 * relative error gives one linear predictor per route (1×1 vs k×k conv, dw 3×3 vs larger, …). The route set (with /
 * without the stem route) and λ are chosen per configuration by grouped cross-validation over the training families.
 */
import { familyFolds, type MlbModel, type MobileMlBenchmark } from "../../datasets/mobileMlBenchmark.js";
import type { Kernel, KernelClass, KernelGraph } from "../../fusion/types.js";
import { compileFeatureSpec } from "../../predictors/features.js";
import { LinearPredictor } from "../../predictors/linear.js";
import { nnlsNormal } from "../../predictors/nnls.js";
import type { PredictorJSON } from "../../predictors/types.js";
import { DEVICE_SCHEMA, type DeviceIdentity, type DeviceProfileJSON, type PredictorRouteJSON, type RouteField } from "../types.js";
import { CPU_BACKEND, cpuKernelGraph, DATASET, DATASET_COMMIT } from "./phones.js";

// ---------------------------------------------------------------------------------------------------------------
// Configurations

export interface CpuConfig {
  device: string;
  hwConfig: string;
  precision: "float" | "quant";
  threads: number;
}

/** "pixel4/1large/float": the e2e index key of a configuration. */
export function cpuConfigKey(cfg: Pick<CpuConfig, "device" | "hwConfig" | "precision">): string {
  return `${cfg.device}/${cfg.hwConfig}/${cfg.precision}`;
}

/** Every TFLite CPU configuration in the e2e data (84), sorted by key. */
export function cpuConfigs(data: MobileMlBenchmark): CpuConfig[] {
  const seen = new Map<string, CpuConfig>();
  for (const e of data.e2e) {
    if (e.hwConfig === "gpu" || e.threads === undefined) continue;
    const k = cpuConfigKey(e);
    if (!seen.has(k)) seen.set(k, { device: e.device, hwConfig: e.hwConfig, precision: e.precision, threads: e.threads });
  }
  return [...seen.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((e) => e[1]);
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

// ---------------------------------------------------------------------------------------------------------------
// Features

/** A route of the CPU model: a kernel class, optionally narrowed by a geometry field. */
export interface CpuRoute {
  cls: KernelClass;
  label: string;
  when?: { field: RouteField; min?: number; max?: number };
}

/** Per-route work terms (each route has its own coefficients). */
export const CPU_ROUTE_TERMS = ["flops", "inElems", "outElems", "params"];

/**
 * Default CPU routes: the stem conv (≤ 4 input channels, im2col-bound), 1×1 vs k×k conv, grouped, dw 3×3 vs larger,
 * fc, pools, concat.
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

/**
 * Element-wise ops a TFLite converter folds into the producer as its fused activation (a clamp); the other linked ops
 * (ADD, MUL, HARD_SWISH, LOGISTIC…) run as kernels of their own on the TFLite CPU runtime (see `cpuRuntimeGraph`).
 */
export const CPU_ACTIVATIONS: ReadonlySet<string> = new Set(["relu", "relu6", "relu_n1_to_1", "clamp", "min", "max", "minimum", "maximum"]);

/**
 * The design of a CPU cost model: routes with their work terms, then per-kernel terms shared by all routes. A
 * design row of a model is: per route Σ terms; Σ1 (kernel count); Σ linked element-wise ops and Σ their output
 * elements; the model constant (last).
 */
export interface CpuFeatureSet {
  label: string;
  routes: readonly CpuRoute[];
  terms: readonly string[];
}

export const CPU_FEATURES: CpuFeatureSet = { label: "stem+fine routes", routes: CPU_ROUTES, terms: CPU_ROUTE_TERMS };
export const CPU_FEATURES_NO_STEM: CpuFeatureSet = {
  label: "fine routes", routes: CPU_ROUTES.filter((r) => r.label !== "stem"), terms: CPU_ROUTE_TERMS,
};

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

/** Column layout of a feature set's design rows. */
export function cpuLayout(fs: CpuFeatureSet): { work: number; kernel: number; actN: number; actE: number; constant: number; n: number } {
  const work = fs.routes.length * fs.terms.length;
  return { work, kernel: work, actN: work + 1, actE: work + 2, constant: work + 3, n: work + 4 };
}

/** The design row of a kernel graph (see `CpuFeatureSet`). */
export function cpuDesignRow(graph: KernelGraph, fs: CpuFeatureSet): number[] {
  const T = fs.terms.length;
  const L = cpuLayout(fs);
  const row = new Array<number>(L.n).fill(0);
  const compiled = compileFeatureSpec(fs.terms);
  const x = new Float64Array(T);
  for (const k of graph.kernels) {
    const ri = routeIndex(fs.routes, k);
    if (ri < 0) continue;
    compiled.write(k.features, x);
    for (let t = 0; t < T; t++) row[ri * T + t]! += x[t]!;
    const outElems = (k.features.outputShape ?? []).reduce((a, b) => a * b, 1);
    const linked = k.opTypes.length - 1;
    row[L.kernel]! += 1;
    row[L.actN]! += linked;
    row[L.actE]! += linked * outElems;
  }
  row[L.constant] = 1;
  return row;
}

/**
 * The kernel graph a TFLite CPU runtime runs for a dataset model: each op with its leading fused activations (ReLU
 * family: the converter's fused activation), and every other linked element-wise op (ADD, HARD_SWISH, LOGISTIC) as an
 * element-wise kernel of its own with the activations that follow it. The CPU profiles price both structures alike
 * (see `cpuPredictors`); the design rows come from `cpuKernelGraph`. Explicit PAD ops are priced inside the
 * convolution coefficients (as on the graph path, whose fusion merges a Pad into its convolution).
 */
export function cpuRuntimeGraph(model: MlbModel): KernelGraph {
  const base = cpuKernelGraph(model);
  const kernels: Kernel[] = [];
  for (const k of base.kernels) {
    const linked = k.opTypes.slice(1);
    let i = 0;
    while (i < linked.length && CPU_ACTIVATIONS.has(linked[i]!.toLowerCase())) i++;
    kernels.push({ ...k, nodes: k.nodes.slice(0, 1 + i), opTypes: k.opTypes.slice(0, 1 + i), features: { ...k.features, nodes: 1 + i } });
    while (i < linked.length) {
      const start = i++;
      while (i < linked.length && CPU_ACTIVATIONS.has(linked[i]!.toLowerCase())) i++;
      const ops = linked.slice(start, i);
      kernels.push({
        id: `${k.id}-${start}`, type: ops.join("-"), class: "elementwise", nodes: k.nodes.slice(1 + start, 1 + i), opTypes: ops,
        inputs: [], outputs: [], rule: "dataset",
        features: {
          flops: 0, params: 0, bytesRead: k.features.bytesWritten, bytesWritten: k.features.bytesWritten,
          inputShape: k.features.outputShape, outputShape: k.features.outputShape, nodes: ops.length,
        },
      });
    }
  }
  return { ...base, kernels };
}

/** Design rows are pure functions of (model, feature set): memoized for the many fits of cross-validation. */
const rowMemo = new WeakMap<CpuFeatureSet, WeakMap<MlbModel, number[]>>();

export function cpuModelRow(model: MlbModel, fs: CpuFeatureSet): number[] {
  let byModel = rowMemo.get(fs);
  if (byModel === undefined) rowMemo.set(fs, (byModel = new WeakMap()));
  let row = byModel.get(model);
  if (row === undefined) byModel.set(model, (row = cpuDesignRow(cpuKernelGraph(model), fs)));
  return row;
}

// ---------------------------------------------------------------------------------------------------------------
// Least squares on Gram matrices (relative error: weights 1/y²)

/** Σ w·x·xᵀ, Σ w·x·y, Σ w with w = 1/y², so fold fits subtract held-out rows instead of refitting. */
export interface Gram {
  n: number;
  G: Float64Array;
  h: Float64Array;
  wSum: number;
}

export function gramOf(X: readonly (readonly number[])[], y: readonly number[]): Gram {
  const n = X[0]!.length;
  const G = new Float64Array(n * n), h = new Float64Array(n);
  let wSum = 0;
  for (let r = 0; r < X.length; r++) {
    const x = X[r]!, yr = y[r]!;
    const w = 1 / (yr * yr);
    wSum += w;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      const wi = w * xi;
      h[i]! += wi * yr;
      for (let j = i; j < n; j++) G[i * n + j]! += wi * x[j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) G[i * n + j] = G[j * n + i]!;
  return { n, G, h, wSum };
}

function addGram(into: Gram, g: Gram, sign: 1 | -1): void {
  for (let i = 0; i < g.G.length; i++) into.G[i]! += sign * g.G[i]!;
  for (let i = 0; i < g.n; i++) into.h[i]! += sign * g.h[i]!;
  into.wSum += sign * g.wSum;
}

function copyGram(g: Gram): Gram {
  return { n: g.n, G: g.G.slice(), h: g.h.slice(), wSum: g.wSum };
}

/**
 * Cyclic coordinate descent for min ½zᵀAz − bᵀz, z ≥ 0 except index `free` (flat n×n A), started from `start`: the
 * fallback of `activeSetNnls` when a passive block is not positive definite.
 */
function coordinateNnls(A: Float64Array, b: Float64Array, n: number, start: ArrayLike<number> | undefined, free: number): Float64Array {
  const maxSweeps = 2000, tol = 1e-9;
  const z = new Float64Array(n);
  if (start !== undefined) for (let j = 0; j < n; j++) z[j] = start[j]!;
  const grad = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = -b[i]!;
    for (let k = 0; k < n; k++) s += A[i * n + k]! * z[k]!;
    grad[i] = s;
  }
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let change = 0;
    for (let j = 0; j < n; j++) {
      const ajj = A[j * n + j]!;
      if (!(ajj > 0)) continue;
      let v = z[j]! - grad[j]! / ajj;
      if (j !== free && v < 0) v = 0;
      const d = v - z[j]!;
      if (d === 0) continue;
      z[j] = v;
      const row = j * n;
      for (let k = 0; k < n; k++) grad[k]! += d * A[row + k]!;
      const c = Math.abs(d) * Math.sqrt(ajj);
      if (c > change) change = c;
    }
    if (change < tol) break;
  }
  return z;
}

/** Solves A_PP z = b_P by Cholesky (A symmetric positive definite on P); false when A_PP is not. */
function choleskySolve(A: Float64Array, b: Float64Array, n: number, P: readonly number[], z: Float64Array): boolean {
  const k = P.length;
  const L = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[P[i]! * n + P[j]!]!;
      for (let m = 0; m < j; m++) s -= L[i * k + m]! * L[j * k + m]!;
      if (i === j) {
        if (!(s > 0)) return false;
        L[i * k + i] = Math.sqrt(s);
      } else L[i * k + j] = s / L[j * k + j]!;
    }
  }
  const t = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[P[i]!]!;
    for (let m = 0; m < i; m++) s -= L[i * k + m]! * t[m]!;
    t[i] = s / L[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = t[i]!;
    for (let m = i + 1; m < k; m++) s -= L[m * k + i]! * t[m]!;
    t[i] = s / L[i * k + i]!;
  }
  z.fill(0);
  for (let i = 0; i < k; i++) z[P[i]!] = t[i]!;
  return true;
}

/**
 * Exact min ½zᵀAz − bᵀz, z ≥ 0 except index `free`, A positive definite (flat n×n): Lawson–Hanson active set with
 * Cholesky solves, warm-started from the positive set of `warm` (e.g. the solution of a nearby problem), which usually
 * needs one or two solves instead of n. Falls back to coordinate descent if a passive block is not positive definite.
 */
export function activeSetNnls(A: Float64Array, b: Float64Array, n: number, free: number, warm?: ArrayLike<number>): Float64Array {
  const inP = new Uint8Array(n);
  for (let j = 0; j < n; j++) if (j === free || (warm !== undefined && warm[j]! > 0)) inP[j] = 1;
  const x = new Float64Array(n), z = new Float64Array(n);
  let bmax = 0;
  for (let j = 0; j < n; j++) bmax = Math.max(bmax, Math.abs(b[j]!), Math.abs(A[j * n + j]!));
  const tol = 1e-11 * Math.max(bmax, 1e-300);
  const passive = () => {
    const P: number[] = [];
    for (let j = 0; j < n; j++) if (inP[j]) P.push(j);
    return P;
  };
  // Feasible start: drop the warm indices whose unconstrained solution is not positive until it is.
  for (let guard = 0; guard <= n; guard++) {
    if (!choleskySolve(A, b, n, passive(), z)) return coordinateNnls(A, b, n, warm, free);
    let ok = true;
    for (let j = 0; j < n; j++) if (inP[j] && j !== free && z[j]! <= 0) { inP[j] = 0; ok = false; }
    if (ok) break;
  }
  x.set(z);
  const w = new Float64Array(n);
  for (let iter = 0; iter < 3 * n + 10; iter++) {
    let t = -1, best = tol;
    for (let i = 0; i < n; i++) {
      if (inP[i]) continue;
      let s = b[i]!;
      for (let k = 0; k < n; k++) s -= A[i * n + k]! * x[k]!;
      w[i] = s;
      if (s > best) { best = s; t = i; }
    }
    if (t < 0) break;
    inP[t] = 1;
    for (let inner = 0; inner <= n; inner++) {
      if (!choleskySolve(A, b, n, passive(), z)) return coordinateNnls(A, b, n, x, free);
      let alpha = Infinity;
      for (let j = 0; j < n; j++) {
        if (inP[j] && j !== free && z[j]! <= 0) {
          const d = x[j]! - z[j]!;
          const a = d > 0 ? x[j]! / d : 0;
          if (a < alpha) alpha = a;
        }
      }
      if (alpha === Infinity) {
        x.set(z);
        break;
      }
      for (let j = 0; j < n; j++) x[j] = x[j]! + alpha * (z[j]! - x[j]!);
      for (let j = 0; j < n; j++) if (inP[j] && j !== free && x[j]! <= 1e-300) { inP[j] = 0; x[j] = 0; }
    }
  }
  for (let j = 0; j < n; j++) if (j !== free && x[j]! < 0) x[j] = 0;
  return x;
}

/**
 * Non-negative ridge on relative error from a Gram, columns scaled to unit weighted RMS (so λ is dimensionless; the
 * last column, the model constant, is free and not penalized): min Σw(xβ − y)²/Σw + λ Σ_j (s_j β_j)². `exact` uses
 * the repository's Lawson–Hanson solver (the final fit), else the warm-started active-set solver (`start`: only its
 * positive set matters; the cross-validation fits).
 */
export function solveCpuGram(g: Gram, ridge: number, exact = false, start?: readonly number[]): number[] {
  const n = g.n;
  const scale = new Float64Array(n);
  for (let j = 0; j < n; j++) scale[j] = g.G[j * n + j]! > 0 ? Math.sqrt(g.G[j * n + j]! / g.wSum) : 1;
  const A = new Float64Array(n * n), b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) A[i * n + j] = g.G[i * n + j]! / (scale[i]! * scale[j]!) / g.wSum;
    b[i] = g.h[i]! / scale[i]! / g.wSum;
  }
  for (let j = 0; j < n; j++) A[j * n + j]! += (j === n - 1 ? 0 : ridge) + 1e-12;
  let z: ArrayLike<number>;
  if (exact) {
    const G = Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * n, i * n + n)));
    z = nnlsNormal(G, Array.from(b), { free: [n - 1] });
  } else {
    z = activeSetNnls(A, b, n, n - 1, start);
  }
  return Array.from({ length: n }, (_, j) => z[j]! / scale[j]!);
}

// ---------------------------------------------------------------------------------------------------------------
// Candidates and model selection

/** One candidate CPU model: a feature set and a ridge λ. */
export interface CpuCandidate {
  label: string;
  features: CpuFeatureSet;
  ridge: number;
}

const cpuCandidate = (fs: CpuFeatureSet, ridge: number): CpuCandidate => ({ label: `${fs.label}, λ=${ridge}`, features: fs, ridge });

/**
 * The candidates of every configuration: with / without the stem route, λ ∈ {0.003, 0.01, 0.03}. Explicit PAD ops
 * are not priced apart: whether a converted model carries PAD ops is an artefact of its conversion (ResNet and
 * pre-activation ResNet have the same op list apart from padding), invisible to a graph whose fusion merges the Pad;
 * profiles that priced PAD apart fitted the int8 e2e of the dataset graphs better but under-predicted such models on
 * the graph path (−35% for MobileNetV2 on pixel4 1large int8).
 */
export const CPU_CANDIDATES: CpuCandidate[] = [0.003, 0.01, 0.03].flatMap((r) => [cpuCandidate(CPU_FEATURES, r), cpuCandidate(CPU_FEATURES_NO_STEM, r)]);

/** Inner folds of model selection: whole families dealt round-robin (largest first) into this many groups. */
export const CPU_INNER_FOLDS = 5;

function innerGroups(models: readonly MlbModel[]): MlbModel[][] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const groups: MlbModel[][] = Array.from({ length: CPU_INNER_FOLDS }, () => []);
  familyFolds(models)
    .sort((a, b) => b.models.length - a.models.length || (a.family < b.family ? -1 : 1))
    .forEach((f, i) => groups[i % CPU_INNER_FOLDS]!.push(...f.models.map((n) => byName.get(n)!)));
  return groups.filter((g) => g.length > 0);
}

export interface CpuSelection {
  candidate: CpuCandidate;
  /** Inner-CV share within ±10% and mean relative error of every candidate, in candidate order. */
  scores: { label: string; within10: number; mre: number }[];
}

/**
 * Chooses a candidate for one configuration by grouped CV among `models` (the training families only; whole
 * families held out together, CPU_INNER_FOLDS groups): the highest share within ±10%, ties broken by the lower mean
 * relative error.
 */
export function selectCpuModel(models: readonly MlbModel[], y: readonly number[], candidates: readonly CpuCandidate[] = CPU_CANDIDATES): CpuSelection {
  const groups = innerGroups(models);
  const index = new Map(models.map((m, i) => [m.name, i]));
  const byFs = new Map<CpuFeatureSet, { X: number[][]; rows: Gram[]; total: Gram }>();
  const scores: CpuSelection["scores"] = [];
  let best = { hits: -Infinity, mre: Infinity, c: candidates[0]! };
  for (const c of candidates) {
    let d = byFs.get(c.features);
    if (d === undefined) {
      const X = models.map((m) => cpuModelRow(m, c.features));
      const rows = X.map((x, i) => gramOf([x], [y[i]!]));
      const total = copyGram(rows[0]!);
      for (let i = 1; i < rows.length; i++) addGram(total, rows[i]!, 1);
      byFs.set(c.features, (d = { X, rows, total }));
    }
    let hits = 0, mre = 0;
    // Warm start of the fold fits: the fit on all of `models` (their active sets are nearly the same).
    const warm = solveCpuGram(d.total, c.ridge);
    for (const g of groups) {
      const held = g.map((m) => index.get(m.name)!);
      const gram = copyGram(d.total);
      for (const i of held) addGram(gram, d.rows[i]!, -1);
      const beta = solveCpuGram(gram, c.ridge, false, warm);
      for (const i of held) {
        const x = d.X[i]!;
        let p = 0;
        for (let j = 0; j < x.length; j++) p += x[j]! * beta[j]!;
        const e = Math.abs(p / y[i]! - 1);
        if (e <= 0.1) hits++;
        mre += e;
      }
    }
    scores.push({ label: c.label, within10: hits / models.length, mre: mre / models.length });
    if (hits > best.hits || (hits === best.hits && mre < best.mre)) best = { hits, mre, c };
  }
  return { candidate: best.c, scores };
}

// ---------------------------------------------------------------------------------------------------------------
// Training one configuration

/** A fitted CPU configuration: the chosen candidate and its coefficients over the candidate's design rows. */
export interface CpuFit {
  candidate: CpuCandidate;
  beta: number[];
  /** Relative residual std of the training models. */
  relStd: number;
  models: number;
}

/** Fits the CPU coefficients of one configuration on `models` (those with an e2e measurement). */
export function fitCpuConfig(models: readonly MlbModel[], e2e: ReadonlyMap<string, number>): CpuFit {
  const used = models.filter((m) => e2e.has(m.name));
  const y = used.map((m) => e2e.get(m.name)!);
  const candidate = selectCpuModel(used, y).candidate;
  const X = used.map((m) => cpuModelRow(m, candidate.features));
  const beta = solveCpuGram(gramOf(X, y), candidate.ridge, true);
  let s = 0;
  X.forEach((row, i) => {
    const p = row.reduce((a, v, j) => a + v * beta[j]!, 0);
    s += ((p - y[i]!) / y[i]!) ** 2;
  });
  return { candidate, beta, relStd: Math.sqrt(s / Math.max(used.length - X[0]!.length, 1)), models: used.length };
}

/** Trains the profile of one CPU configuration on `models` (see `fitCpuConfig`). */
export function trainCpuDevice(data: MobileMlBenchmark, models: readonly MlbModel[], cfg: CpuConfig, e2e: ReadonlyMap<string, number>): DeviceProfileJSON {
  const fit = fitCpuConfig(models, e2e);
  const { beta, relStd } = fit;
  const id = cpuIdentity(data, cfg);
  return {
    schema: DEVICE_SCHEMA,
    id: cpuDeviceId(cfg),
    name: `${id.device} — TFLite 2.10 CPU, ${cfg.hwConfig} (${cfg.threads} thread${cfg.threads > 1 ? "s" : ""}), ${id.precision}`,
    identity: id,
    backend: CPU_BACKEND,
    predictors: cpuPredictors(fit.candidate.features, beta, relStd, fit.models),
    overhead: {
      coef: { sumKernelMs: 1, constant: beta[beta.length - 1]! }, relStd,
      absorbs: ["pad", "data-movement", "layout-reorder"],
    },
    provenance: {
      dataset: DATASET, datasetCommit: DATASET_COMMIT,
      method: `per-kernel linear costs learnt from end-to-end latencies: non-negative ridge (relative error) over per-route feature sums of each model's kernels; candidate chosen by grouped ${CPU_INNER_FOLDS}-fold CV over whole training families: ${fit.candidate.label}`,
      samples: { models: fit.models },
    },
  };
}

/**
 * The predictors of a fitted coefficient vector. Per route kernel: Σ β·work + perKernel + actN·(nodes − 1) +
 * actE·(nodes − 1)·outElems, written with the spec terms nodes, nodes*outElems and 1 (a runtime that fuses the
 * activation into the conv gets the linked price). Element-wise kernels the runtime runs on their own (ADD,
 * HARD_SWISH…) cost what their linked ops cost: actN·nodes + actE·nodes·outElems.
 */
function cpuPredictors(fs: CpuFeatureSet, beta: readonly number[], relStd: number, samples: number): DeviceProfileJSON["predictors"] {
  const L = cpuLayout(fs);
  const T = fs.terms.length;
  const perKernel = beta[L.kernel]!, actN = beta[L.actN]!, actE = beta[L.actE]!;
  const iOut = fs.terms.indexOf("outElems");
  const spec = [...fs.terms, "nodes", "nodes*outElems", "1"];
  const noise = { relStd, absStdMs: 0 };
  const predictors: DeviceProfileJSON["predictors"] = {};
  fs.routes.forEach((r, ri) => {
    const work = beta.slice(ri * T, ri * T + T);
    work[iOut]! -= actE;
    const coef = [...work, actN, actE, perKernel - actN];
    const p = new LinearPredictor({ spec, coef, target: "linear", noise, samples }).toJSON();
    const route: PredictorRouteJSON = { predictor: p };
    if (r.label !== "") route.label = r.label;
    if (r.when !== undefined) route.when = r.when;
    const list = (predictors[r.cls] as PredictorRouteJSON[] | undefined) ?? [];
    list.push(route);
    predictors[r.cls] = list;
  });
  predictors.elementwise = new LinearPredictor({ spec: ["nodes", "nodes*outElems"], coef: [actN, actE], target: "linear", noise, samples }).toJSON();
  for (const [cls, v] of Object.entries(predictors)) {
    if (!Array.isArray(v)) continue;
    const list = v as PredictorRouteJSON[];
    if (list.length === 1 && list[0]!.when === undefined && list[0]!.label === undefined) predictors[cls as KernelClass] = list[0]!.predictor as PredictorJSON;
  }
  return predictors;
}
