/**
 * `gbt`: gradient-boosted regression trees (squared loss; by default on ln(latency), so what is minimized is relative
 * error and a model never predicts a negative latency). Row subsampling per tree uses a seeded RNG: the same samples,
 * options and seed give the identical JSON.
 *
 *   score(x)   = base + Σ_j linearCoef_j · l_j(x) + Σ_k tree_k(x)   (learning rate folded into the stored leaf values)
 *   latencyMs  = exp(score) for target "log", max(score, 0) for target "linear"
 *
 * The optional linear stage (`linearSpec`, off by default) is a ridge regression of the target fitted first; the
 * trees then boost its residuals. With `log:` terms it captures the smooth power-law scaling of latency, which
 * piecewise-constant trees approximate poorly between training configurations. On the TFLite GPU CONV_2D ops of
 * mobile-ml-benchmark (group 5-fold by model) DEFAULT_GBT_LINEAR_SPEC lowers the MAPE on all six phones
 * (Pixel 4: 7.48% → 6.38%, ops within ±10%: 76.7% → 81.9%; iPhone XS: 5.93% → 5.34%, 82.4% → 86.1%).
 *
 * stdMs comes from a residual model: a shallow tree fitted on squared residuals (ln-space for the log target) that
 * are out-of-fold when `noiseFolds` ≥ 2 (honest; costs noiseFolds extra fits of the ensemble) or in-sample when 0
 * (optimistic). For the log target stdMs = latency · √(e^{σ²(x)} − 1), else σ(x) in ms; both are widened by
 * (1 + d(x)), d = how far x lies outside the training feature box in units of each feature's range.
 */
import { EdgelatError } from "../errors.js";
import type { KernelFeatures } from "../fusion/types.js";
import { createRng, type Rng } from "../util/rng.js";
import { compileFeatureSpec, DEFAULT_TREE_SPEC, type CompiledFeatures, type FeatureSpec } from "./features.js";
import { resolveOptions, type OptionSchema } from "./options.js";
import { binFeatures, buildTree, FlatTrees, readTree, readTrees, treeToJSON, type BinnedData, type TreeArrays } from "./tree.js";
import type { Prediction, Predictor, PredictorJSON, Sample } from "./types.js";
import { checkSamples, DomainBox, domainOf, readDomain, sampleWeights, type Domain } from "./uncertainty.js";
import { weightedLeastSquares } from "./lstsq.js";
import { checkHeader, fail, type Json, noNegZero, PREDICTOR_FORMAT_VERSION, readNumber, readNumberArray, readObject, readString, readStringArray } from "./validate.js";

export const GBT_OPTIONS = {
  spec: { type: "spec", default: DEFAULT_TREE_SPEC, doc: "feature terms the trees split on" },
  linearSpec: { type: "spec", default: [], doc: "terms of a ridge-regression stage fitted before boosting (empty: none); e.g. DEFAULT_GBT_LINEAR_SPEC" },
  linearRidge: { type: "number", default: 1e-4, min: 0, doc: "ridge λ of the linear stage (the '1' term is not penalized)" },
  target: { type: "enum", values: ["log", "linear"], default: "log", doc: "boost on ln(latency) (relative error) or latency in ms" },
  nEstimators: { type: "int", default: 200, min: 1, max: 100000, doc: "number of trees" },
  learningRate: { type: "number", default: 0.1, min: 1e-6, max: 1, doc: "shrinkage per tree" },
  maxDepth: { type: "int", default: 6, min: 0, max: 30, doc: "maximum tree depth" },
  minSamplesLeaf: { type: "int", default: 3, min: 1, doc: "minimum training rows per leaf" },
  subsample: { type: "number", default: 0.8, min: 0.01, max: 1, doc: "share of rows drawn (without replacement) per tree" },
  l2: { type: "number", default: 1, min: 0, doc: "L2 penalty on leaf values, in units of the mean row weight" },
  maxBins: { type: "int", default: 64, min: 2, max: 4096, doc: "histogram bins per feature" },
  seed: { type: "int", default: 1, doc: "RNG seed (row subsampling, noise folds)" },
  noiseFolds: { type: "int", default: 3, min: 0, max: 20, doc: "folds for out-of-fold residuals of the noise model (0: in-sample)" },
  noiseDepth: { type: "int", default: 2, min: 0, max: 8, doc: "depth of the residual (noise) tree" },
} as const satisfies OptionSchema;

export type GbtOptions = Partial<{
  spec: FeatureSpec;
  linearSpec: FeatureSpec;
  linearRidge: number;
  target: "log" | "linear";
  nEstimators: number;
  learningRate: number;
  maxDepth: number;
  minSamplesLeaf: number;
  subsample: number;
  l2: number;
  maxBins: number;
  seed: number;
  noiseFolds: number;
  noiseDepth: number;
}>;

export interface GbtParams {
  spec: FeatureSpec;
  target: "log" | "linear";
  base: number;
  /** Linear stage: terms and coefficients (both empty when there is none). */
  linearSpec: FeatureSpec;
  linearCoef: number[];
  trees: TreeArrays[];
  /** Predicts the squared residual σ²(x) of the score. */
  noiseTree: TreeArrays;
  domain: Domain;
  samples: number;
}

export class GbtPredictor implements Predictor {
  readonly kind = "gbt";
  // The evaluation form, compiled once from `params` (which stay as loaded, for toJSON): typed arrays and plain
  // fields, so a prediction allocates nothing but its result and reads no JSON-shaped data.
  private readonly features: CompiledFeatures;
  private readonly flat: FlatTrees;
  private readonly noise: FlatTrees;
  private readonly x: Float64Array;
  private readonly linear: CompiledFeatures;
  private readonly xl: Float64Array;
  private readonly coef: Float64Array;
  private readonly base: number;
  private readonly logTarget: boolean;
  private readonly box: DomainBox;

  constructor(readonly params: Readonly<GbtParams>) {
    this.features = compileFeatureSpec(params.spec, "invalid_predictor", "spec");
    this.linear = compileFeatureSpec(params.linearSpec, "invalid_predictor", "linearSpec");
    if (params.linearCoef.length !== this.linear.length) {
      throw new EdgelatError("invalid_predictor", `linearCoef has ${params.linearCoef.length} entries but linearSpec has ${this.linear.length}`, { field: "linearCoef" });
    }
    this.flat = new FlatTrees(params.trees);
    this.noise = new FlatTrees([params.noiseTree]);
    this.x = new Float64Array(this.features.length);
    this.xl = new Float64Array(this.linear.length);
    this.coef = Float64Array.from(params.linearCoef);
    this.base = params.base;
    this.logTarget = params.target === "log";
    this.box = new DomainBox(params.domain);
  }

  /** base + linear stage + Σ trees (ln latency for the log target), added in that order. Leaves the features in x. */
  score(f: KernelFeatures): number {
    this.features.write(f, this.x);
    if (this.coef.length > 0) this.linear.write(f, this.xl);
    return this.scoreOfX();
  }

  predict(f: KernelFeatures): Prediction {
    return this.predictionOf(this.score(f));
  }

  /**
   * `predict(f)` from f's feature key (`featureKey(f, key, offset)`) — the same numbers bit for bit when f's fields
   * are numbers, without reading the kernel object again (`PredictionBatch` keys kernels by it anyway).
   */
  predictKey(key: ArrayLike<number>, offset: number): Prediction {
    this.features.fromKey(key, offset, this.x);
    if (this.coef.length > 0) this.linear.fromKey(key, offset, this.xl);
    return this.predictionOf(this.scoreOfX());
  }

  /** The score from the feature vectors in x (and xl). */
  private scoreOfX(): number {
    let z = this.base;
    const c = this.coef;
    if (c.length > 0) {
      const xl = this.xl;
      let l = 0;
      for (let j = 0; j < c.length; j++) l += c[j]! * xl[j]!;
      z += l;
    }
    return z + this.flat.sum(this.x);
  }

  private predictionOf(z: number): Prediction {
    const var_ = Math.max(this.noise.evalTree(0, this.x), 0);
    const widen = 1 + this.box.outside(this.x);
    if (this.logTarget) {
      const latencyMs = Math.exp(z);
      return { latencyMs, stdMs: latencyMs * Math.sqrt(Math.expm1(var_)) * widen };
    }
    return { latencyMs: Math.max(z, 0), stdMs: Math.sqrt(var_) * widen };
  }

  toJSON(): PredictorJSON {
    const p = this.params;
    return {
      kind: this.kind, version: PREDICTOR_FORMAT_VERSION, spec: [...p.spec], target: p.target, base: p.base,
      // The linear stage is written only when present, so models without one keep their exact JSON.
      ...(p.linearSpec.length > 0 ? { linearSpec: [...p.linearSpec], linearCoef: [...p.linearCoef] } : {}),
      trees: p.trees.map(treeToJSON), noiseTree: treeToJSON(p.noiseTree),
      domain: { min: [...p.domain.min], max: [...p.domain.max] }, samples: p.samples,
    };
  }
}

type Resolved = ReturnType<typeof resolveGbt>;
const resolveGbt = (options: unknown) => resolveOptions(GBT_OPTIONS, options, "gbt");

/** Boosts `o.nEstimators` trees on the rows `train` of the binned data; returns base, trees and in-sample scores. */
function boost(data: BinnedData, X: Float64Array[], y: Float64Array, w: Float64Array, train: Uint32Array, o: Resolved, rng: Rng) {
  let ws = 0, ys = 0;
  for (const r of train) { ws += w[r]!; ys += w[r]! * y[r]!; }
  const base = ws > 0 ? noNegZero(ys / ws) : 0;
  const F = new Float64Array(y.length).fill(base);
  const resid = new Float64Array(y.length);
  const nSub = Math.max(1, Math.round(o.subsample * train.length));
  const pool = Uint32Array.from(train);
  const trees: TreeArrays[] = [];
  const params = { maxDepth: o.maxDepth, minSamplesLeaf: o.minSamplesLeaf, maxFeatures: X[0]!.length, l2: o.l2 };
  for (let m = 0; m < o.nEstimators; m++) {
    for (const r of train) resid[r] = y[r]! - F[r]!;
    // Partial Fisher–Yates: the first nSub entries of `pool` are this round's rows.
    if (nSub < pool.length) {
      for (let a = 0; a < nSub; a++) {
        const b = a + Math.floor(rng.next() * (pool.length - a));
        const t = pool[a]!; pool[a] = pool[b]!; pool[b] = t;
      }
    }
    const rows = pool.slice(0, nSub);
    const tree = buildTree(data, resid, w, rows, params, rng);
    for (let i = 0; i < tree.value.length; i++) tree.value[i] = noNegZero(tree.value[i]! * o.learningRate);
    trees.push(tree);
    const flat = new FlatTrees([tree]);
    for (let r = 0; r < X.length; r++) F[r] = F[r]! + flat.evalTree(0, X[r]!);
  }
  return { base, trees, F };
}

/** A linear stage fitted on `train` rows (weighted ridge), or none. Returns its coefficients and per-row offsets. */
function linearStage(XL: Float64Array[] | undefined, spec: FeatureSpec, y: Float64Array, w: Float64Array, train: Uint32Array, ridge: number) {
  const offset = new Float64Array(y.length);
  if (XL === undefined) return { coef: [] as number[], offset };
  const rows = Array.from(train);
  const intercept = spec.map((t, j) => (t.trim() === "1" ? j : -1)).filter((j) => j >= 0);
  const coef = weightedLeastSquares(rows.map((r) => XL[r]!), rows.map((r) => y[r]!), rows.map((r) => w[r]!), { ridge, unpenalized: intercept });
  for (let r = 0; r < y.length; r++) {
    let l = 0;
    for (let j = 0; j < coef.length; j++) l += coef[j]! * XL[r]![j]!;
    offset[r] = l;
  }
  return { coef, offset };
}

/** Linear stage + boosting on `train`; F = the in-sample score of every row (train or not). */
function fitStages(data: BinnedData, X: Float64Array[], XL: Float64Array[] | undefined, y: Float64Array, w: Float64Array, train: Uint32Array, o: Resolved, rng: Rng) {
  const { coef, offset } = linearStage(XL, o.linearSpec, y, w, train, o.linearRidge);
  const yr = Float64Array.from(y, (v, r) => v - offset[r]!);
  const { base, trees, F } = boost(data, X, yr, w, train, o, rng);
  for (let r = 0; r < F.length; r++) F[r] = F[r]! + offset[r]!;
  return { coef, base, trees, F };
}

export function fitGbt(samples: readonly Sample[], options?: GbtOptions): GbtPredictor {
  const o = resolveGbt(options);
  checkSamples(samples);
  const c = compileFeatureSpec(o.spec);
  const n = samples.length;
  const X = samples.map((s) => { const row = new Float64Array(c.length); c.write(s.features, row); return row; });
  let XL: Float64Array[] | undefined;
  if (o.linearSpec.length > 0) {
    const cl = compileFeatureSpec(o.linearSpec, "invalid_argument", "linearSpec");
    XL = samples.map((s) => { const row = new Float64Array(cl.length); cl.write(s.features, row); return row; });
  }
  const logT = o.target === "log";
  const y = Float64Array.from(samples, (s) => (logT ? Math.log(s.latencyMs) : s.latencyMs));
  const w = Float64Array.from(sampleWeights(samples));
  const data = binFeatures(X, c.length, o.maxBins);
  const rng = createRng(o.seed);
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  // Rows with weight 0 take no part in fitting (they are still predicted, e.g. for the noise model).
  const live = all.filter((r) => w[r]! > 0);
  if (live.length === 0) throw new EdgelatError("invalid_argument", "gbt: every sample has weight 0");
  const { coef, base, trees, F } = fitStages(data, X, XL, y, w, live, o, rng);

  // Residuals for the noise model: out-of-fold when requested and there are enough rows, else in-sample.
  const r2 = new Float64Array(n);
  const folds = o.noiseFolds >= 2 && live.length >= 2 * o.noiseFolds ? o.noiseFolds : 0;
  if (folds > 0) {
    const foldRng = createRng(o.seed ^ 0x5bd1e995);
    const fold = new Int32Array(n).fill(-1);
    const order = Array.from(live);
    for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(foldRng.next() * (i + 1)); const t = order[i]!; order[i] = order[j]!; order[j] = t; }
    order.forEach((r, k) => { fold[r] = k % folds; });
    for (let k = 0; k < folds; k++) {
      const train = Uint32Array.from(order.filter((r) => fold[r] !== k));
      const fit = fitStages(data, X, XL, y, w, train, o, foldRng);
      for (let r = 0; r < n; r++) if (fold[r] === k) r2[r] = (y[r]! - fit.F[r]!) ** 2;
    }
  } else {
    for (let r = 0; r < n; r++) r2[r] = (y[r]! - F[r]!) ** 2;
  }
  const noiseTree = buildTree(data, r2, w, Uint32Array.from(live), {
    maxDepth: o.noiseDepth, minSamplesLeaf: Math.max(20, Math.ceil(n / 20)), maxFeatures: c.length, l2: 0,
  }, rng);
  return new GbtPredictor({
    spec: [...o.spec], target: o.target, base, linearSpec: [...o.linearSpec], linearCoef: coef, trees, noiseTree,
    domain: domainOf(X, c.length), samples: n,
  });
}

export function gbtFromJSON(json: unknown): GbtPredictor {
  const o = readObject(json, "$");
  checkHeader(o, "gbt");
  const spec = readStringArray(o, "spec", "");
  if (spec.length === 0) fail("spec", "must have at least one term");
  const d = spec.length;
  return new GbtPredictor({
    spec,
    target: readString(o, "target", "", ["log", "linear"] as const),
    base: readNumber(o, "base", ""),
    ...readLinearStage(o),
    trees: readTrees(o, "trees", d),
    noiseTree: readTree(o.noiseTree, "noiseTree", d),
    domain: readDomain(o, "domain", d),
    samples: readNumber(o, "samples", "", { min: 0, int: true }),
  });
}

/** The optional linear stage of a gbt JSON: both fields absent (no stage) or both present with equal lengths. */
function readLinearStage(o: Json): { linearSpec: string[]; linearCoef: number[] } {
  if (o.linearSpec === undefined && o.linearCoef === undefined) return { linearSpec: [], linearCoef: [] };
  const linearSpec = readStringArray(o, "linearSpec", "");
  return { linearSpec, linearCoef: readNumberArray(o, "linearCoef", "", { length: linearSpec.length }) };
}
