/**
 * Training the built-in TFLite CPU profiles of mobile-ml-benchmark (84 configurations: phone × core set × fp32/int8).
 *
 * Only end-to-end latency is published for CPUs, so per-kernel costs are learnt from e2e totals: each model's kernels
 * (from its GPU op list, `cpuKernelGraph`) give per-route feature sums (a design row), and a non-negative ridge fit on
 * relative error gives one linear predictor per route (1×1 vs k×k conv, dw 3×3 vs larger, …).
 *
 * Multi-task sharing: ~100 models per configuration identify ~45 coefficients poorly, but the 84 configurations
 * share the same models and largely the same cost structure (the same phone's other core sets and precisions, the same
 * core types on other phones). A non-negative low-rank model of the configuration × coefficient matrix
 * (β_c ≈ u_c·V, rank K, fitted on all configurations' training models at once) is a prior, and each configuration's
 * own fit is shrunk toward its row of that prior (ridge toward β⁰_c instead of toward 0). Whether to shrink, how much,
 * and toward which rank is chosen per configuration by grouped cross-validation over the training families only; the
 * prior of every inner fold is refitted without that fold's families in every configuration.
 */
import { familyFolds, type MlbModel, type MobileMlBenchmark } from "../../datasets/mobileMlBenchmark.js";
import type { Kernel, KernelClass, KernelGraph } from "../../fusion/types.js";
import { compileFeatureSpec } from "../../predictors/features.js";
import { LinearPredictor } from "../../predictors/linear.js";
import { nnlsNormal } from "../../predictors/nnls.js";
import type { PredictorJSON } from "../../predictors/types.js";
import { DEVICE_SCHEMA, type DeviceIdentity, type DeviceProfileJSON, type PredictorRouteJSON, type RouteField } from "../types.js";
import { CPU_BACKEND, cpuKernelGraph, DATASET, DATASET_COMMIT, e2eIndex } from "./phones.js";

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
 * Element-wise ops a TFLite converter folds into the producer as its fused activation (a clamp): priced apart from the
 * other linked ops (ADD, MUL, HARD_SWISH, LOGISTIC…), which the TFLite CPU runtime runs as kernels of their own.
 */
export const CPU_ACTIVATIONS: ReadonlySet<string> = new Set(["relu", "relu6", "relu_n1_to_1", "clamp", "min", "max", "minimum", "maximum"]);

/**
 * The design of a CPU cost model: routes with their work terms, then per-kernel terms shared by all routes. A
 * design row of a model is: per route Σ terms; Σ1 (kernel count); Σ linked activations and Σ their output elements;
 * when `splitLinked`, Σ other linked element-wise ops and Σ their output elements (else they count as activations);
 * the model constant (last).
 */
export interface CpuFeatureSet {
  label: string;
  routes: readonly CpuRoute[];
  terms: readonly string[];
  splitLinked: boolean;
  /** Price the explicit PAD ops of the TFLite graphs (count and padded elements, see `explicitPads`). */
  pads?: boolean;
}

export const CPU_FEATURES: CpuFeatureSet = { label: "stem+fine routes", routes: CPU_ROUTES, terms: CPU_ROUTE_TERMS, splitLinked: false };
export const CPU_FEATURES_NO_STEM: CpuFeatureSet = {
  label: "fine routes", routes: CPU_ROUTES.filter((r) => r.label !== "stem"), terms: CPU_ROUTE_TERMS, splitLinked: false,
};
export const CPU_FEATURES_SPLIT: CpuFeatureSet = { ...CPU_FEATURES, label: "stem+fine routes, activations apart", splitLinked: true };
export const CPU_FEATURES_PADS: CpuFeatureSet = { ...CPU_FEATURES, label: "stem+fine routes, explicit pads", pads: true };
export const CPU_FEATURES_SPLIT_PADS: CpuFeatureSet = { ...CPU_FEATURES, label: "stem+fine routes, activations apart, explicit pads", splitLinked: true, pads: true };

/** Input image size of every mobile-ml-benchmark model. */
const MLB_IMAGE = 224;

/**
 * Which kernels of a dataset graph read an explicitly padded input. The dataset's `Input_shape` includes explicit
 * padding (TFLite carries a PAD op in front of the op; the GPU delegate merges it): an op with a window > 1 whose input
 * size is neither the image size nor the output size of any earlier op had a PAD op in front of it (e.g. 58 after
 * 56×56 maps in pre-activation ResNets, 230 for a 7×7 stem), while implicit SAME padding leaves the size unchanged.
 */
export function explicitPads(graph: KernelGraph): boolean[] {
  const seen = new Set<number>([MLB_IMAGE]);
  return graph.kernels.map((k) => {
    const f = k.features;
    const padded = (f.kernelH ?? 1) > 1 && f.hIn !== undefined && !seen.has(f.hIn);
    if (f.hOut !== undefined) seen.add(f.hOut);
    return padded;
  });
}

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
export function cpuLayout(fs: CpuFeatureSet): { work: number; kernel: number; actN: number; actE: number; eltN: number; eltE: number; padN: number; padE: number; constant: number; n: number } {
  const work = fs.routes.length * fs.terms.length;
  const eltN = fs.splitLinked ? work + 3 : work + 1;
  const eltE = fs.splitLinked ? work + 4 : work + 2;
  const padN = fs.pads === true ? eltE + 1 : -1;
  const padE = fs.pads === true ? eltE + 2 : -1;
  const constant = fs.pads === true ? padE + 1 : eltE + 1;
  return { work, kernel: work, actN: work + 1, actE: work + 2, eltN, eltE, padN, padE, constant, n: constant + 1 };
}

/** The design row of a kernel graph (see `CpuFeatureSet`). */
export function cpuDesignRow(graph: KernelGraph, fs: CpuFeatureSet): number[] {
  const T = fs.terms.length;
  const L = cpuLayout(fs);
  const row = new Array<number>(L.n).fill(0);
  const compiled = compileFeatureSpec(fs.terms);
  const x = new Float64Array(T);
  const pads = fs.pads === true ? explicitPads(graph) : [];
  graph.kernels.forEach((k, ki) => {
    const ri = routeIndex(fs.routes, k);
    if (ri < 0) return;
    if (pads[ki] === true) {
      row[L.padN]! += 1;
      row[L.padE]! += (k.features.inputShape ?? []).reduce((a, b) => a * b, 1);
    }
    compiled.write(k.features, x);
    for (let t = 0; t < T; t++) row[ri * T + t]! += x[t]!;
    const outElems = (k.features.outputShape ?? []).reduce((a, b) => a * b, 1);
    let act = 0, other = 0;
    for (const op of k.opTypes.slice(1)) {
      if (!fs.splitLinked || CPU_ACTIVATIONS.has(op.toLowerCase())) act++;
      else other++;
    }
    row[L.kernel]! += 1;
    row[L.actN]! += act;
    row[L.actE]! += act * outElems;
    if (fs.splitLinked) {
      row[L.eltN]! += other;
      row[L.eltE]! += other * outElems;
    }
  });
  row[L.constant] = 1;
  return row;
}

/**
 * The kernel graph a TFLite CPU runtime runs for a dataset model: the explicit PAD ops (`explicitPads`) as `pad`
 * kernels; each op with its leading fused activations (ReLU family: the converter's fused activation), and every other linked
 * element-wise op (ADD, HARD_SWISH, LOGISTIC) as an element-wise kernel of its own with the activations that follow
 * it. The CPU profiles price both structures alike (see `cpuPredictors`); the design rows come from `cpuKernelGraph`.
 */
export function cpuRuntimeGraph(model: MlbModel): KernelGraph {
  const base = cpuKernelGraph(model);
  const kernels: Kernel[] = [];
  const pads = explicitPads(base);
  for (const [ki, k] of base.kernels.entries()) {
    if (pads[ki] === true) {
      kernels.push({
        id: `${k.id}-pad`, type: "pad", class: "pad", nodes: [`${k.nodes[0]}/pad`], opTypes: ["PAD"], inputs: [], outputs: [], rule: "dataset",
        features: { flops: 0, params: 0, bytesRead: k.features.bytesRead, bytesWritten: k.features.bytesRead, inputShape: k.features.inputShape, outputShape: k.features.inputShape, nodes: 1 },
      });
    }
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

export function gramOf(X: readonly (readonly number[])[], y: readonly number[], mult?: ArrayLike<number>): Gram {
  const n = X[0]!.length;
  const G = new Float64Array(n * n), h = new Float64Array(n);
  let wSum = 0;
  for (let r = 0; r < X.length; r++) {
    const x = X[r]!, yr = y[r]!;
    const w = (mult === undefined ? 1 : mult[r]!) / (yr * yr);
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
 * Cyclic coordinate descent for min ½zᵀAz − bᵀz, z ≥ 0 except index `free` (flat n×n A). Fast and warm-startable;
 * used for cross-validation scores and the inner steps of the low-rank fit.
 */
function coordinateNnls(A: Float64Array, b: Float64Array, n: number, start: ArrayLike<number> | undefined, free: number, maxSweeps = 2000, tol = 1e-9): Float64Array {
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
 * last column, the model constant, is free and not penalized): min Σw(xβ − y)²/Σw + λ Σ_j (s_j(β_j − β⁰_j))².
 * `prior` β⁰ defaults to 0 (plain ridge). `exact` uses the repository's Lawson–Hanson solver (the final fit), else the
 * warm-started active-set solver (`start`: only its positive set matters).
 */
export function solveCpuGram(g: Gram, ridge: number, prior?: readonly number[], exact = false, start?: readonly number[]): number[] {
  const n = g.n;
  const scale = new Float64Array(n);
  for (let j = 0; j < n; j++) scale[j] = g.G[j * n + j]! > 0 ? Math.sqrt(g.G[j * n + j]! / g.wSum) : 1;
  const A = new Float64Array(n * n), b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) A[i * n + j] = g.G[i * n + j]! / (scale[i]! * scale[j]!) / g.wSum;
    b[i] = g.h[i]! / scale[i]! / g.wSum;
  }
  for (let j = 0; j < n; j++) {
    const lam = j === n - 1 ? 0 : ridge;
    A[j * n + j]! += lam + 1e-12;
    if (prior !== undefined && lam > 0) b[j]! += lam * prior[j]! * scale[j]!;
  }
  let z: ArrayLike<number>;
  if (exact) {
    const G = Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * n, i * n + n)));
    z = nnlsNormal(G, Array.from(b), { free: [n - 1] });
  } else {
    z = activeSetNnls(A, b, n, n - 1, start);
  }
  return Array.from({ length: n }, (_, j) => z[j]! / scale[j]!);
}

/** Reweighting rounds of the robust fit. */
const ROBUST_ROUNDS = 6;

/**
 * Huber loss on relative error by iteratively reweighted least squares: a model whose relative residual exceeds δ
 * gets weight δ/|r| (outliers pull the fit linearly, not quadratically). Otherwise as `solveCpuGram`.
 */
export function solveCpuRobust(X: readonly (readonly number[])[], y: readonly number[], ridge: number, delta: number, prior?: readonly number[], exact = false, start?: readonly number[]): number[] {
  const mult = new Float64Array(X.length).fill(1);
  let beta = solveCpuGram(gramOf(X, y), ridge, prior, false, start);
  for (let round = 0; round < ROBUST_ROUNDS; round++) {
    for (let i = 0; i < X.length; i++) {
      const x = X[i]!;
      let p = 0;
      for (let j = 0; j < x.length; j++) p += x[j]! * beta[j]!;
      const r = Math.abs(p / y[i]! - 1);
      mult[i] = r <= delta ? 1 : delta / r;
    }
    beta = solveCpuGram(gramOf(X, y, mult), ridge, prior, exact && round === ROBUST_ROUNDS - 1, beta);
  }
  return beta;
}

// ---------------------------------------------------------------------------------------------------------------
// Multi-task prior: non-negative low-rank model of the configuration × coefficient matrix

/**
 * Options of the low-rank prior fit (alternating non-negative least squares): iterations from the deterministic
 * initialization, iterations when warm-started from a superset's fit, ridge on V (relative to its mean diagonal).
 */
export const CPU_PRIOR_FIT = { iterations: 40, warmIterations: 12, ridge: 1e-4 };

/**
 * Fits β_c ≈ u_c·V (u_c ≥ 0: K weights, V ≥ 0: K × (n − 1) non-constant coefficients) plus a free constant per
 * configuration, minimizing Σ_c Σ_m (x_m·β_c / y_cm − 1)² over all configurations at once. Coefficients are compared
 * on a common column scale (unit weighted RMS averaged over configurations). Deterministic: initialized from the
 * per-configuration ridge fits (the mean direction, then greedily the configurations worst explained so far), or
 * warm-started from `start` (the V of a superset's fit). Returns the prior β of each configuration (constant = 0:
 * the constant is never shrunk) and V.
 */
export function fitLowRankPrior(grams: readonly Gram[], K: number, start?: Float64Array): { beta: number[][]; V: Float64Array } {
  const C = grams.length, n = grams[0]!.n, q = n - 1;
  const t = new Float64Array(n);
  for (const g of grams) for (let j = 0; j < n; j++) t[j]! += g.G[j * n + j]! / g.wSum / C;
  for (let j = 0; j < n; j++) t[j] = t[j]! > 0 ? Math.sqrt(t[j]!) : 1;
  // Scaled Grams: G̃ = D⁻¹GD⁻¹, h̃ = D⁻¹h (per-config loss = Σ relative error², comparable across configurations).
  const Gs = grams.map((g) => {
    const A = new Float64Array(n * n), b = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) A[i * n + j] = g.G[i * n + j]! / (t[i]! * t[j]!);
      b[i] = g.h[i]! / t[i]!;
    }
    return { A, b };
  });
  const V = new Float64Array(K * q);
  if (start !== undefined && start.length === K * q) V.set(start);
  else initPrior(grams, t, K, q, V);
  const U = new Float64Array(C * K), a = new Float64Array(C);
  const iters = start !== undefined && start.length === K * q ? CPU_PRIOR_FIT.warmIterations : CPU_PRIOR_FIT.iterations;
  const KK = K + 1;
  const M = new Float64Array(KK * KK), r = new Float64Array(KK);
  const GV = new Float64Array(q * K);
  for (let it = 0; it <= iters; it++) {
    // U-step: per configuration, K non-negative weights and a free constant.
    for (let c = 0; c < C; c++) {
      const { A, b } = Gs[c]!;
      // GV = G̃_qq · Vᵀ (q × K)
      for (let i = 0; i < q; i++) {
        for (let k = 0; k < K; k++) {
          let s = 0;
          for (let j = 0; j < q; j++) s += A[i * n + j]! * V[k * q + j]!;
          GV[i * K + k] = s;
        }
      }
      const trace = A.reduce((acc, _v, idx) => (idx % (n + 1) === 0 ? acc + A[idx]! : acc), 0);
      for (let k = 0; k < K; k++) {
        for (let l = 0; l < K; l++) {
          let s = 0;
          for (let i = 0; i < q; i++) s += V[k * q + i]! * GV[i * K + l]!;
          M[k * KK + l] = s;
        }
        let s = 0, sb = 0;
        for (let i = 0; i < q; i++) {
          s += V[k * q + i]! * A[i * n + q]!;
          sb += V[k * q + i]! * b[i]!;
        }
        M[k * KK + K] = s;
        M[K * KK + k] = s;
        r[k] = sb;
        M[k * KK + k]! += 1e-9 * trace;
      }
      M[K * KK + K] = A[q * n + q]! + 1e-12;
      r[K] = b[q]!;
      const start = new Float64Array(KK);
      for (let k = 0; k < K; k++) start[k] = U[c * K + k]!;
      start[K] = a[c]!;
      const z = coordinateNnls(M, r, KK, it === 0 ? undefined : start, K, 500, 1e-12);
      for (let k = 0; k < K; k++) U[c * K + k] = z[k]!;
      a[c] = z[K]!;
    }
    if (it === iters) break;
    // V-step: one non-negative least squares in K·q unknowns, A = Σ_c (u_c u_cᵀ) ⊗ G̃_c, b = Σ_c u_c ⊗ (h̃_c − G̃_c,·q a_c).
    const N = K * q;
    const AA = new Float64Array(N * N), bb = new Float64Array(N);
    for (let c = 0; c < C; c++) {
      const { A, b } = Gs[c]!;
      for (let k = 0; k < K; k++) {
        const uk = U[c * K + k]!;
        if (uk === 0) continue;
        for (let i = 0; i < q; i++) bb[k * q + i]! += uk * (b[i]! - A[i * n + q]! * a[c]!);
        for (let l = 0; l < K; l++) {
          const ukl = uk * U[c * K + l]!;
          if (ukl === 0) continue;
          for (let i = 0; i < q; i++) {
            const dst = (k * q + i) * N + l * q, src = i * n;
            for (let j = 0; j < q; j++) AA[dst + j]! += ukl * A[src + j]!;
          }
        }
      }
    }
    let tr = 0;
    for (let i = 0; i < N; i++) tr += AA[i * N + i]!;
    for (let i = 0; i < N; i++) AA[i * N + i]! += CPU_PRIOR_FIT.ridge * (tr / N) + 1e-12;
    const z = coordinateNnls(AA, bb, N, V, -1, 300, 1e-10);
    // Normalize each component to unit norm (the scale moves into U).
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let i = 0; i < q; i++) s += z[k * q + i]! ** 2;
      const norm = Math.sqrt(s) || 1;
      for (let i = 0; i < q; i++) V[k * q + i] = z[k * q + i]! / norm;
      for (let c = 0; c < C; c++) U[c * K + k]! *= norm;
    }
  }
  const beta = grams.map((_g, c) => {
    const out = new Array<number>(n).fill(0);
    for (let j = 0; j < q; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += U[c * K + k]! * V[k * q + j]!;
      out[j] = s / t[j]!;
    }
    return out;
  });
  return { beta, V };
}

/** Initial V: unit-norm per-configuration ridge fits; their mean, then greedily the worst-explained configuration. */
function initPrior(grams: readonly Gram[], t: Float64Array, K: number, q: number, V: Float64Array): void {
  const dirs = grams.map((g) => {
    const beta = solveCpuGram(g, 0.03);
    const z = beta.slice(0, q).map((v, j) => Math.max(v, 0) * t[j]!);
    const norm = Math.sqrt(z.reduce((s, v) => s + v * v, 0)) || 1;
    return z.map((v) => v / norm);
  });
  const mean = new Array<number>(q).fill(0);
  for (const d of dirs) for (let j = 0; j < q; j++) mean[j]! += d[j]! / dirs.length;
  const chosen: number[][] = [normalize(mean)];
  while (chosen.length < K) {
    // Residual of each direction after projection on the span of the chosen ones (Gram–Schmidt basis).
    const basis = orthonormal(chosen);
    let worst = -1, worstRes = -1;
    dirs.forEach((d, i) => {
      const r = [...d];
      for (const e of basis) {
        const p = e.reduce((s, v, j) => s + v * d[j]!, 0);
        for (let j = 0; j < q; j++) r[j]! -= p * e[j]!;
      }
      const res = r.reduce((s, v) => s + v * v, 0);
      if (res > worstRes + 1e-15) { worstRes = res; worst = i; }
    });
    chosen.push(dirs[worst]!);
  }
  chosen.forEach((d, k) => d.forEach((v, j) => (V[k * q + j] = v)));
}

function normalize(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / n);
}

function orthonormal(vs: readonly number[][]): number[][] {
  const out: number[][] = [];
  for (const v of vs) {
    const r = [...v];
    for (const e of out) {
      const p = e.reduce((s, x, j) => s + x * v[j]!, 0);
      for (let j = 0; j < r.length; j++) r[j]! -= p * e[j]!;
    }
    const n = Math.sqrt(r.reduce((s, x) => s + x * x, 0));
    if (n > 1e-12) out.push(r.map((x) => x / n));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-dataset context: configurations, e2e, and the priors of each training set (shared by all configurations)

interface CpuContext {
  configs: CpuConfig[];
  keys: string[];
  e2e: Map<string, Map<string, number>>;
  /** Relative std of the repeated runs (std / mean) per configuration and model. */
  cv: Map<string, Map<string, number>>;
  /** `${featureSet}|${K}|${training model names}` → prior β per configuration key, and V (for warm starts). */
  priors: Map<string, { beta: Map<string, number[]>; V: Float64Array }>;
}

const contexts = new WeakMap<MobileMlBenchmark, CpuContext>();

function context(data: MobileMlBenchmark): CpuContext {
  let ctx = contexts.get(data);
  if (ctx === undefined) {
    const configs = cpuConfigs(data);
    const all = e2eIndex(data.e2e);
    const keys = configs.map(cpuConfigKey);
    const cv = new Map<string, Map<string, number>>(keys.map((k) => [k, new Map()]));
    for (const e of data.e2e) cv.get(cpuConfigKey(e))?.set(e.model, e.stdMs / e.latencyMs);
    ctx = { configs, keys, e2e: new Map(keys.map((k) => [k, all.get(k)!])), cv, priors: new Map() };
    contexts.set(data, ctx);
  }
  return ctx;
}

/**
 * The low-rank prior fitted on `train` (every configuration restricted to these models: a held-out family is absent
 * from all of them), cached per dataset. `parent` is a superset's training names: its V warm-starts this fit.
 */
export function cpuPrior(
  data: MobileMlBenchmark,
  train: readonly MlbModel[],
  fs: CpuFeatureSet,
  K: number,
  parent?: readonly MlbModel[],
  group = "",
): Map<string, number[]> {
  const ctx = context(data);
  const members = group === "" ? ctx.keys : ctx.keys.filter((k) => priorGroupOf(k, group) === group);
  const key = (ms: readonly MlbModel[]) => `${fs.label}|${K}|${group}|${ms.map((m) => m.name).sort().join(",")}`;
  const k = key(train);
  let hit = ctx.priors.get(k);
  if (hit === undefined) {
    const grams = members.map((ck) => {
      const e = ctx.e2e.get(ck)!;
      const used = train.filter((m) => e.has(m.name));
      return gramOf(used.map((m) => cpuModelRow(m, fs)), used.map((m) => e.get(m.name)!));
    });
    let start: Float64Array | undefined;
    if (parent !== undefined) {
      cpuPrior(data, parent, fs, K, undefined, group);
      start = ctx.priors.get(key(parent))!.V;
    }
    const fit = fitLowRankPrior(grams, K, start);
    hit = { beta: new Map(members.map((ck, i) => [ck, fit.beta[i]!])), V: fit.V };
    ctx.priors.set(k, hit);
  }
  return hit.beta;
}

/** Configurations a prior is shared by: all (""), or those of the same phone and precision ("pixel4/quant"). */
export type CpuPriorScope = "all" | "device-precision";

function priorGroupOf(cfgKey: string, scopeOrGroup: string): string {
  const [device, , precision] = cfgKey.split("/");
  return scopeOrGroup === "" || scopeOrGroup === "all" ? "" : `${device}/${precision}`;
}

/** The prior row of one configuration under a candidate's scope. */
function priorFor(data: MobileMlBenchmark, train: readonly MlbModel[], c: CpuCandidate, cfgKey: string, parent?: readonly MlbModel[]): number[] | undefined {
  if (c.priorRank === undefined) return undefined;
  const group = c.priorScope === "device-precision" ? priorGroupOf(cfgKey, "device-precision") : "";
  return cpuPrior(data, train, c.features, c.priorRank, parent, group).get(cfgKey);
}

// ---------------------------------------------------------------------------------------------------------------
// Candidates and model selection

/** One candidate CPU model: a feature set, ridge λ, and optionally shrinkage toward the rank-K prior. */
export interface CpuCandidate {
  label: string;
  features: CpuFeatureSet;
  ridge: number;
  /** Rank of the multi-task prior to shrink toward (absent: plain ridge toward 0). */
  priorRank?: number;
  /** Which configurations share the prior (default all). */
  priorScope?: CpuPriorScope;
  /** Huber δ on relative error (absent: squared relative error), see `solveCpuRobust`. */
  robust?: number;
  /**
   * Weigh each training model by its measurement precision: weight 1 / (1 + (cv/σ)²) on top of 1/y², with cv the
   * relative std of its repeated runs and σ this value (the model error expected without measurement noise).
   */
  noiseSigma?: number;
}

/** Measurement-precision weights of `models` on a configuration (see `CpuCandidate.noiseSigma`); undefined: all 1. */
function noiseWeights(data: MobileMlBenchmark, cfgKey: string, models: readonly MlbModel[], sigma: number | undefined): number[] | undefined {
  if (sigma === undefined) return undefined;
  const cv = context(data).cv.get(cfgKey);
  return models.map((m) => 1 / (1 + ((cv?.get(m.name) ?? 0) / sigma) ** 2));
}

const plain = (fs: CpuFeatureSet, ridge: number): CpuCandidate => ({ label: `${fs.label}, λ=${ridge}`, features: fs, ridge });
const shrunk = (fs: CpuFeatureSet, K: number, ridge: number): CpuCandidate => ({
  label: `${fs.label}, shrunk toward the rank-${K} multi-task prior, λ=${ridge}`, features: fs, ridge, priorRank: K,
});

/** The candidates before explicit pads (with / without the stem route, λ ∈ {0.003, 0.01, 0.03}). */
export const CPU_PLAIN_CANDIDATES: CpuCandidate[] = [0.003, 0.01, 0.03].flatMap((r) => [plain(CPU_FEATURES, r), plain(CPU_FEATURES_NO_STEM, r)]);

/** The same with the explicit PAD ops priced (`explicitPads`). */
export const CPU_PAD_CANDIDATES: CpuCandidate[] = [0.003, 0.01, 0.03].map((r) => plain(CPU_FEATURES_PADS, r));

/** Candidates that shrink toward the rank-K multi-task prior (not a default: see docs/accuracy.md). */
export function cpuSharedCandidates(fs: CpuFeatureSet, K: number, ridges: readonly number[] = [0.01, 0.03, 0.1, 0.3, 1]): CpuCandidate[] {
  return ridges.map((r) => shrunk(fs, K, r));
}

/**
 * Default candidates of a configuration: the plain routes for fp32 and int8 alike. Pricing the explicit PAD ops
 * (`CPU_PAD_CANDIDATES`) fits the int8 e2e of the dataset graphs better (TFLite's int8 kernels run PAD as an op of its
 * own, while XNNPACK merges it into the fp32 convolution), but whether a converted model carries PAD ops is an artefact
 * of its conversion (ResNet and pre-activation ResNet have the same op list apart from padding), invisible to a graph
 * whose fusion merges the Pad: profiles that price PAD apart under-predict such models on the graph path (−35% for
 * MobileNetV2 on pixel4 1large int8), so they are not the default.
 */
export function cpuCandidates(_cfg: Pick<CpuConfig, "precision">): CpuCandidate[] {
  return CPU_PLAIN_CANDIDATES;
}

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
 * families held out together, CPU_INNER_FOLDS groups; every prior refitted without the inner fold's families in all
 * configurations): the highest share within ±10%, ties broken by the lower mean relative error.
 */
export function selectCpuModel(
  data: MobileMlBenchmark,
  models: readonly MlbModel[],
  y: readonly number[],
  cfgKey: string,
  candidates: readonly CpuCandidate[] = cpuCandidates({ precision: cfgKey.endsWith("/quant") ? "quant" : "float" }),
): CpuSelection {
  const groups = innerGroups(models);
  const index = new Map(models.map((m, i) => [m.name, i]));
  const byFs = new Map<string, { X: number[][]; rows: Gram[]; total: Gram }>();
  const scores: CpuSelection["scores"] = [];
  let best = { hits: -Infinity, mre: Infinity, c: candidates[0]! };
  for (const c of candidates) {
    let d = byFs.get(`${c.features.label}|${c.noiseSigma ?? ""}`);
    if (d === undefined) {
      const X = models.map((m) => cpuModelRow(m, c.features));
      const mult = noiseWeights(data, cfgKey, models, c.noiseSigma);
      const rows = X.map((x, i) => gramOf([x], [y[i]!], mult === undefined ? undefined : [mult[i]!]));
      const total = copyGram(rows[0]!);
      for (let i = 1; i < rows.length; i++) addGram(total, rows[i]!, 1);
      byFs.set(`${c.features.label}|${c.noiseSigma ?? ""}`, (d = { X, rows, total }));
    }
    let hits = 0, mre = 0;
    // Warm start of the fold fits: the fit on all of `models` (their active sets are nearly the same).
    const warm = solveCpuGram(d.total, c.ridge, priorFor(data, models, c, cfgKey));
    for (const g of groups) {
      const held = g.map((m) => index.get(m.name)!);
      const heldSet = new Set(held);
      const gram = copyGram(d.total);
      for (const i of held) addGram(gram, d.rows[i]!, -1);
      const prior = priorFor(data, models.filter((_m, i) => !heldSet.has(i)), c, cfgKey, models);
      const beta = c.robust === undefined ? solveCpuGram(gram, c.ridge, prior, false, warm)
        : solveCpuRobust(d.X.filter((_x, i) => !heldSet.has(i)), y.filter((_v, i) => !heldSet.has(i)), c.ridge, c.robust, prior, false, warm);
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

export interface CpuTrainOptions {
  /** Use this candidate instead of choosing one by inner CV. */
  candidate?: CpuCandidate;
  /** Candidates to choose from (default `cpuCandidates(cfg)`). */
  candidates?: readonly CpuCandidate[];
}

/** A fitted CPU configuration: the chosen candidate and its coefficients over the candidate's design rows. */
export interface CpuFit {
  candidate: CpuCandidate;
  beta: number[];
  /** Relative residual std of the training models. */
  relStd: number;
  models: number;
}

/**
 * Fits the CPU coefficients of one configuration on `models` (those with an e2e measurement); the multi-task prior
 * uses every configuration of `data` restricted to `models`.
 */
export function fitCpuConfig(
  data: MobileMlBenchmark,
  models: readonly MlbModel[],
  cfg: CpuConfig,
  e2e: ReadonlyMap<string, number>,
  options: CpuTrainOptions = {},
): CpuFit {
  const used = models.filter((m) => e2e.has(m.name));
  const y = used.map((m) => e2e.get(m.name)!);
  const key = cpuConfigKey(cfg);
  const candidate = options.candidate ?? selectCpuModel(data, used, y, key, options.candidates ?? cpuCandidates(cfg)).candidate;
  const fs = candidate.features;
  const X = used.map((m) => cpuModelRow(m, fs));
  const prior = priorFor(data, models, candidate, key);
  const beta = candidate.robust === undefined ? solveCpuGram(gramOf(X, y, noiseWeights(data, key, used, candidate.noiseSigma)), candidate.ridge, prior, true)
    : solveCpuRobust(X, y, candidate.ridge, candidate.robust, prior, true);
  let s = 0;
  X.forEach((row, i) => {
    const p = row.reduce((a, v, j) => a + v * beta[j]!, 0);
    s += ((p - y[i]!) / y[i]!) ** 2;
  });
  return { candidate, beta, relStd: Math.sqrt(s / Math.max(used.length - X[0]!.length, 1)), models: used.length };
}

/** Trains the profile of one CPU configuration on `models` (see `fitCpuConfig`). */
export function trainCpuDevice(
  data: MobileMlBenchmark,
  models: readonly MlbModel[],
  cfg: CpuConfig,
  e2e: ReadonlyMap<string, number>,
  options: CpuTrainOptions = {},
): DeviceProfileJSON {
  const fit = fitCpuConfig(data, models, cfg, e2e, options);
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
      absorbs: fit.candidate.features.pads === true ? ["data-movement", "layout-reorder"] : ["pad", "data-movement", "layout-reorder"],
    },
    provenance: {
      dataset: DATASET, datasetCommit: DATASET_COMMIT,
      method: `per-kernel linear costs learnt from end-to-end latencies: non-negative ridge (relative error) over per-route feature sums of each model's kernels, optionally shrunk toward a non-negative low-rank model fitted on all ${context(data).configs.length} CPU configurations at once; candidate chosen by grouped ${CPU_INNER_FOLDS}-fold CV over whole training families: ${fit.candidate.label}`,
      samples: { models: fit.models },
    },
  };
}

/**
 * The predictors of a fitted coefficient vector. Per route kernel: Σ β·work + perKernel + actN·(nodes − 1) +
 * actE·(nodes − 1)·outElems, written with the spec terms nodes, nodes*outElems and 1 (a runtime that fuses the
 * activation into the conv gets the linked price). Element-wise kernels the runtime runs on their own (ADD,
 * HARD_SWISH…) cost what a linked non-activation op costs, each further op fused into them what an activation costs.
 */
function cpuPredictors(fs: CpuFeatureSet, beta: readonly number[], relStd: number, samples: number): DeviceProfileJSON["predictors"] {
  const L = cpuLayout(fs);
  const T = fs.terms.length;
  const perKernel = beta[L.kernel]!, actN = beta[L.actN]!, actE = beta[L.actE]!;
  const eltN = beta[L.eltN]!, eltE = beta[L.eltE]!;
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
  predictors.elementwise = fs.splitLinked
    ? new LinearPredictor({ spec: ["1", "outElems", "nodes", "nodes*outElems"], coef: [eltN - actN, eltE - actE, actN, actE], target: "linear", noise, samples }).toJSON()
    : new LinearPredictor({ spec: ["nodes", "nodes*outElems"], coef: [actN, actE], target: "linear", noise, samples }).toJSON();
  if (fs.pads === true) {
    predictors.pad = new LinearPredictor({ spec: ["1", "outElems"], coef: [beta[L.padN]!, beta[L.padE]!], target: "linear", noise, samples }).toJSON();
  }
  for (const [cls, v] of Object.entries(predictors)) {
    if (!Array.isArray(v)) continue;
    const list = v as PredictorRouteJSON[];
    if (list.length === 1 && list[0]!.when === undefined && list[0]!.label === undefined) predictors[cls as KernelClass] = list[0]!.predictor as PredictorJSON;
  }
  return predictors;
}
