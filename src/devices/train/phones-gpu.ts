/**
 * The TFLite GPU aggregation model: how the per-op latencies of mobile-ml-benchmark add up to end-to-end latency
 * (used by the GPU section of ./phones.ts; not part of the runtime bundle).
 *
 * Three effects beyond α·Σops + c·nKernels + d, each a candidate the training folds may select:
 * - **Unprofiled element-wise kernels.** The node numbers in the kernel names (`convolution_2d_19_linked_:_add_20`)
 *   number every op of the delegate's graph; a gap before a kernel is an op that ran without a row. A gap of one node
 *   in front of a padded convolution or pool is the PAD that the delegate merged into it (free); every other gap node
 *   is an element-wise op that stayed alone (the SE block's MUL, an ADD whose inputs were not ready, …). They become
 *   `elementwise` kernels of the training graph (elements = the next kernel's input), priced by a linear predictor
 *   (per kernel + per element) fitted on the e2e totals — the same class `fuse` gives such ops on a real graph.
 * - **Per-class scale.** The isolated op timings relate to in-pipeline time differently per kernel kind
 *   (memory-bound depthwise vs compute-bound dense convolutions, reductions): one α per group (conv, gconv, dwconv,
 *   global-pool, other),
 *   folded into each class predictor (ln α added to the base of a log-target model), so the profile stays a plain
 *   sum of kernel predictions.
 * - The dispatch cost per kernel and the constant stay in the overhead model (`kernels`, `constant`).
 *
 * The aggregation is fitted on the *measured* op latencies of the training models (the quantity the kernel
 * predictors estimate; their in-sample predictions would be optimistic), by non-negative least squares on relative
 * error. Which candidate is used is chosen by grouped cross-validation over the training families only
 * (`selectGpuAggregation`), so nothing is tuned on a held-out family.
 */
import { familyFolds, type MlbGpuDevice, type MlbModel, type MlbOp } from "../../datasets/mobileMlBenchmark.js";
import type { KernelClass, KernelFeatures } from "../../fusion/types.js";
import { weightedLeastSquares } from "../../predictors/lstsq.js";
import type { PredictorJSON } from "../../predictors/types.js";
import { EdgelatError } from "../../errors.js";

/** The element-wise ops linked into an op (the longest list over devices: Winograd kernel names omit them). */
export function opLinked(op: MlbOp): string[] {
  let best: string[] = [];
  for (const m of Object.values(op.gpu)) if (m !== undefined && m.linked.length > best.length) best = m.linked;
  return best;
}

/**
 * The delegate node numbers in a TFLite GPU kernel name: the anchor's (several for a kernel that runs several ops,
 * `depthwise_conv_plus_1x1_conv_5_6_7`), then the linked ops' (`convolution_2d_19_linked_:_add_20` → [19, 20]).
 */
export function kernelNodeNumbers(kernel: string): number[] {
  const out: number[] = [];
  for (const part of kernel.split("_linked_:_")) {
    const m = /(?:_\d+)+$/.exec(part);
    if (m !== null) for (const n of m[0].slice(1).split("_")) out.push(Number(n));
  }
  return out;
}

/**
 * Whether op `i` of the model shares its kernel with the previous op on `device`: the iOS delegate runs a depthwise
 * and the following 1×1 convolution as one `depthwise_conv_plus_1x1_conv` kernel and reports it on both rows.
 */
export function sharesKernelWithPrevious(model: MlbModel, i: number, device: MlbGpuDevice): boolean {
  const k = model.ops[i]?.gpu[device]?.kernel;
  return i > 0 && k !== undefined && k === model.ops[i - 1]!.gpu[device]?.kernel;
}

const PADDABLE: ReadonlySet<KernelClass> = new Set(["conv", "gconv", "dwconv", "pool"]);

/** An op that ran on the GPU without a profiled row, inferred from the kernel numbering. */
export interface UnprofiledOp {
  /** Index (in `model.ops`) of the profiled op it ran before. */
  before: number;
  /** Elements of its output (the input of the next profiled kernel). */
  elements: number;
  /** Output shape [1, C, H, W] used for the kernel features. */
  shape: number[];
}

/** Whether the op's padded input exceeds what its producer wrote: an explicit PAD ran (merged) in front of it. */
function padded(op: MlbOp, prev: MlbOp | undefined): boolean {
  const f = op.features;
  if (!PADDABLE.has(op.class) || (f.kernelH ?? 1) <= 1) return false;
  const prevOut = prev?.features.hOut;
  return prevOut === undefined || (f.hIn ?? 0) > prevOut;
}

/**
 * The element-wise ops of a dataset model that ran alone (no row) on `device`, from gaps in the node numbering
 * (see the module comment). Ops after the last profiled kernel cannot be seen and are not listed. Empty when the
 * device has no kernel names for the model.
 */
export function unprofiledOps(model: MlbModel, device: MlbGpuDevice): UnprofiledOp[] {
  return scanNumbering(model, device).alone;
}

/** Indices (in `model.ops`) of the ops a merged PAD ran in front of (a numbering gap before a padded op). */
export function mergedPadOps(model: MlbModel, device: MlbGpuDevice): Set<number> {
  return scanNumbering(model, device).mergedPad;
}

function scanNumbering(model: MlbModel, device: MlbGpuDevice): { alone: UnprofiledOp[]; mergedPad: Set<number> } {
  const alone: UnprofiledOp[] = [];
  const mergedPad = new Set<number>();
  let expected: number | undefined;
  model.ops.forEach((op, i) => {
    const m = op.gpu[device];
    const nums = m === undefined ? [] : kernelNodeNumbers(m.kernel);
    if (m === undefined || nums.length === 0) {
      expected = undefined;
      return;
    }
    const anchor = nums[0]!;
    if (expected !== undefined && anchor > expected) {
      const pad = padded(op, model.ops[i - 1]);
      if (pad) mergedPad.add(i);
      const gap = anchor - expected - (pad ? 1 : 0);
      const f = op.features;
      const shape = f.inputShape ?? [1, f.cin ?? 1, f.hIn ?? 1, f.wIn ?? 1];
      const elements = shape.reduce((x, y) => x * y, 1);
      for (let j = 0; j < gap; j++) alone.push({ before: i, elements, shape: [...shape] });
    }
    // A Winograd kernel name omits its linked ops; they still hold node numbers after the anchor.
    expected = Math.max(...nums, anchor + (m.winograd ? opLinked(op).length : 0)) + 1;
  });
  return { alone, mergedPad };
}

/**
 * The features of dataset op `i` in the convention of kernels `fuse` forms on a graph: the dataset's input size of an
 * op with a merged PAD includes the padding (`Input_shape`), a graph kernel carries the unpadded input (the producer's
 * output: hOut · stride for these "same"-padded ops) plus `padH` / `padW`. Both give the same `hIn + padH`; this keeps `inElems` and
 * `bytesRead` (the unpadded input) the same too. Other ops keep their features.
 */
export function graphConventionFeatures(model: MlbModel, i: number, mergedPad: ReadonlySet<number>): KernelFeatures {
  const op = model.ops[i]!;
  const f = op.features;
  // The unpadded input of a "same"-padded op: hOut · stride (the previous op need not be the producer: SE blocks).
  const h = f.hOut !== undefined ? f.hOut * (f.strideH ?? 1) : undefined;
  if (!mergedPad.has(i) || h === undefined || f.hIn === undefined || f.cin === undefined || !(f.hIn > h)) return f;
  const pad = f.hIn - h;
  const inElems = f.cin * h * h;
  const paddedElems = f.cin * f.hIn * f.hIn;
  return {
    ...f, hIn: h, wIn: h, padH: pad, padW: pad, inputShape: [1, f.cin, h, h],
    bytesRead: Math.max(0, f.bytesRead - 4 * (paddedElems - inElems)),
  };
}

/** Features of an unprofiled element-wise kernel (fp32 storage bytes as for the dataset's other ops). */
export function unprofiledFeatures(u: UnprofiledOp): KernelFeatures {
  return {
    flops: u.elements, params: 0, bytesRead: 4 * u.elements, bytesWritten: 4 * u.elements,
    inputShape: [...u.shape], outputShape: [...u.shape], cin: u.shape[1], cout: u.shape[1],
    hIn: u.shape[2], wIn: u.shape[3], hOut: u.shape[2], wOut: u.shape[3], nodes: 1,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Aggregation candidates

/**
 * Groups that get their own scale α when `perClassScale` is on. The spatial MEAN (global-pool) has its own: a
 * reduction whose in-pipeline time differs most from its isolated timing on the iPhones (fitted α ≈ 2 on all models).
 */
export const GPU_SCALE_GROUPS = ["conv", "gconv", "dwconv", "global-pool", "other"] as const;
export type GpuScaleGroup = (typeof GPU_SCALE_GROUPS)[number];

export function scaleGroup(cls: KernelClass): GpuScaleGroup {
  return cls === "conv" || cls === "gconv" || cls === "dwconv" || cls === "global-pool" ? cls : "other";
}

export interface GpuAggregation {
  label: string;
  /** One α per GPU_SCALE_GROUPS entry instead of one shared α. */
  perClassScale: boolean;
  /** Unprofiled element-wise kernels: absorbed (not counted), counted as kernels (+ extra per kernel), or + per element. */
  elementwise: "absorbed" | "count" | "count+elements";
}

/** The candidates, simplest first (ties in selection keep the earlier one). The first is the pre-2026-11 model. */
export const GPU_AGGREGATIONS: readonly GpuAggregation[] = [false, true].flatMap((perClassScale) =>
  (["absorbed", "count", "count+elements"] as const).map((elementwise) => ({
    label: `${perClassScale ? "α per class group" : "shared α"}, unprofiled element-wise: ${elementwise}`,
    perClassScale, elementwise,
  })),
);

/** Per-model aggregate quantities (from measured or predicted kernel latencies). */
export interface GpuAggregateRow {
  /** Σ kernel latency per scale group, ms. */
  sumMs: Record<GpuScaleGroup, number>;
  /** Profiled kernels. */
  kernels: number;
  /** Unprofiled element-wise kernels and their elements. */
  ewKernels: number;
  ewElements: number;
}

/** The aggregate row of a dataset model from its *measured* op latencies on `device`. */
export function measuredAggregateRow(model: MlbModel, device: MlbGpuDevice): GpuAggregateRow {
  return aggregateRowOf(model, device);
}

/**
 * The aggregate row of a dataset model with op latencies from `latencyMs` (predicted: every op its own kernel, as
 * production sees them), or the measured ones when omitted (a two-op kernel counted once).
 */
export function aggregateRowOf(model: MlbModel, device: MlbGpuDevice, latencyMs?: (op: MlbOp, i: number) => number): GpuAggregateRow {
  const sumMs: Record<GpuScaleGroup, number> = { conv: 0, gconv: 0, dwconv: 0, "global-pool": 0, other: 0 };
  let kernels = 0;
  model.ops.forEach((op, i) => {
    const m = op.gpu[device];
    if (latencyMs !== undefined) {
      sumMs[scaleGroup(op.class)] += latencyMs(op, i);
      kernels++;
      return;
    }
    if (m === undefined) return;
    if (sharesKernelWithPrevious(model, i, device)) {
      // One kernel reported on two rows: count it once, at the mean of its two timings.
      const prev = model.ops[i - 1]!;
      sumMs[scaleGroup(prev.class)] -= prev.gpu[device]!.latencyMs / 2;
      sumMs[scaleGroup(op.class)] += m.latencyMs / 2;
      return;
    }
    sumMs[scaleGroup(op.class)] += m.latencyMs;
    kernels++;
  });
  const ew = unprofiledOps(model, device);
  return { sumMs, kernels, ewKernels: ew.length, ewElements: ew.reduce((a, u) => a + u.elements, 0) };
}

/** Design columns of a candidate: scale sums, kernel count, element-wise terms, constant. */
export function aggregationColumns(a: GpuAggregation): string[] {
  const cols = a.perClassScale ? GPU_SCALE_GROUPS.map((g) => `sum:${g}`) : ["sum"];
  cols.push("kernels");
  if (a.elementwise !== "absorbed") cols.push("ewKernels");
  if (a.elementwise === "count+elements") cols.push("ewElements");
  cols.push("constant");
  return cols;
}

export function aggregationRow(a: GpuAggregation, r: GpuAggregateRow): number[] {
  const x: number[] = a.perClassScale ? GPU_SCALE_GROUPS.map((g) => r.sumMs[g]) : [GPU_SCALE_GROUPS.reduce((s, g) => s + r.sumMs[g], 0)];
  // Counted element-wise kernels pay the common per-kernel cost too.
  x.push(r.kernels + (a.elementwise === "absorbed" ? 0 : r.ewKernels));
  if (a.elementwise !== "absorbed") x.push(r.ewKernels);
  if (a.elementwise === "count+elements") x.push(r.ewElements);
  x.push(1);
  return x;
}

/** A fitted aggregation: coefficients by column name, and the relative residual std of the fit. */
export interface FittedAggregation {
  aggregation: GpuAggregation;
  coef: Record<string, number>;
  relStd: number;
}

/** Non-negative least squares on relative error (weights 1/y²). */
export function fitAggregation(a: GpuAggregation, rows: readonly GpuAggregateRow[], e2eMs: readonly number[]): FittedAggregation {
  if (rows.length === 0 || rows.length !== e2eMs.length) {
    throw new EdgelatError("invalid_argument", `GPU aggregation fit needs aligned, non-empty rows (got ${rows.length} rows, ${e2eMs.length} targets)`);
  }
  const cols = aggregationColumns(a);
  const X = rows.map((r) => aggregationRow(a, r));
  const beta = weightedLeastSquares(X, [...e2eMs], e2eMs.map((y) => 1 / (y * y)), { nonNegative: true, ridge: 0 });
  const coef: Record<string, number> = {};
  cols.forEach((c, j) => (coef[c] = beta[j]!));
  let s = 0;
  X.forEach((x, i) => (s += (dot(x, beta) / e2eMs[i]! - 1) ** 2));
  return { aggregation: a, coef, relStd: Math.sqrt(s / Math.max(rows.length - cols.length, 1)) };
}

function dot(x: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += x[j]! * b[j]!;
  return s;
}

/** Predicted e2e latency (ms) of one aggregate row under a fitted aggregation. */
export function applyAggregation(f: FittedAggregation, r: GpuAggregateRow): number {
  const cols = aggregationColumns(f.aggregation);
  return dot(aggregationRow(f.aggregation, r), cols.map((c) => f.coef[c]!));
}

/** Inner folds of aggregation selection: whole families dealt round-robin (largest first) into this many groups. */
export const GPU_INNER_FOLDS = 5;

/** Whole families of `models` dealt round-robin (largest family first) into `k` groups of model names. */
export function familyGroups(models: readonly { name: string }[], k: number): string[][] {
  const groups: string[][] = Array.from({ length: k }, () => []);
  familyFolds(models)
    .sort((a, b) => b.models.length - a.models.length || (a.family < b.family ? -1 : 1))
    .forEach((f, i) => groups[i % k]!.push(...f.models));
  return groups.filter((g) => g.length > 0);
}

/** Inner-CV score of each candidate: held-out models within ±10% and their mean relative error. */
export interface AggregationScore {
  aggregation: GpuAggregation;
  hits: number;
  mre: number;
}

/**
 * Chooses the aggregation by grouped CV over `models` (training families only, GPU_INNER_FOLDS groups of whole
 * families): most held-out models within ±10%, ties broken by the lower mean relative error, then by the earlier
 * (simpler) candidate.
 */
export function selectGpuAggregation(
  models: readonly MlbModel[],
  rows: readonly GpuAggregateRow[],
  e2eMs: readonly number[],
  candidates: readonly GpuAggregation[] = GPU_AGGREGATIONS,
): { best: GpuAggregation; scores: AggregationScore[] } {
  const index = new Map(models.map((m, i) => [m.name, i]));
  const groups = familyGroups(models, GPU_INNER_FOLDS).map((g) => new Set(g.map((n) => index.get(n)!)));
  const scores: AggregationScore[] = candidates.map((a) => {
    let hits = 0, mre = 0;
    for (const held of groups) {
      const tr = rows.map((_, i) => i).filter((i) => !held.has(i));
      const f = fitAggregation(a, tr.map((i) => rows[i]!), tr.map((i) => e2eMs[i]!));
      for (const i of held) {
        const e = Math.abs(applyAggregation(f, rows[i]!) / e2eMs[i]! - 1);
        if (e <= 0.1) hits++;
        mre += e;
      }
    }
    return { aggregation: a, hits, mre: mre / rows.length };
  });
  let best = scores[0]!;
  for (const s of scores) if (s.hits > best.hits || (s.hits === best.hits && s.mre < best.mre - 1e-12)) best = s;
  return { best: best.aggregation, scores };
}

/** Smallest scale folded into a predictor (an NNLS zero would give ln 0). */
const MIN_SCALE = 1e-3;

/** The scale α of a class under a fitted aggregation. */
export function classScale(f: FittedAggregation, cls: KernelClass): number {
  const a = f.aggregation.perClassScale ? f.coef[`sum:${scaleGroup(cls)}`]! : f.coef.sum!;
  return Math.max(a, MIN_SCALE);
}

/**
 * A predictor JSON whose predictions are `scale` times the original: ln(scale) added to the base of a log-target
 * gbt, or to the intercept of a log-target linear model; the coefficients of a linear-target linear model
 * multiplied. Other kinds throw (the GPU fitters produce only these).
 */
export function scalePredictorJSON(p: PredictorJSON, scale: number): PredictorJSON {
  if (scale === 1) return p;
  const ln = Math.log(scale);
  if (p.kind === "gbt" && p.target === "log" && typeof p.base === "number") return { ...p, base: p.base + ln };
  if (p.kind === "linear" && Array.isArray(p.spec) && Array.isArray(p.coef)) {
    const coef = p.coef as number[];
    if (p.target === "linear") return { ...p, coef: coef.map((c) => c * scale) };
    const j = (p.spec as string[]).findIndex((t) => t.trim() === "1");
    if (j >= 0) return { ...p, coef: coef.map((c, i) => (i === j ? c + ln : c)) };
  }
  throw new EdgelatError("invalid_argument", `cannot scale a '${p.kind}' predictor (target ${String(p.target)}) by a constant`, { kind: p.kind });
}
