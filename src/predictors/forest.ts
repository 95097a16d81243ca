/**
 * `forest`: a random forest of regression trees — each grown on a bootstrap sample (seeded; rows drawn with
 * probability ∝ sample weight) with a random subset of features tried at each split. By default on ln(latency): the prediction is the geometric mean of the trees.
 *
 * stdMs combines, in score space (ln ms for the log target),
 *   spread(x)²  the variance of the trees' predictions at x (model uncertainty; large where trees disagree), and
 *   noise²      the out-of-bag squared error not explained by the average spread (irreducible noise),
 * as σ² = c · spread² + noise², calibrated on the out-of-bag error E: if the mean spread² over the training rows
 * exceeds E (usual for deep trees: single trees disagree more than the average errs), c = E / mean spread² and
 * noise² = 0, else c = 1 and noise² = E − mean spread². So σ² matches the OOB error on average, widened by (1 + d(x)) where d is how far x lies outside the training feature box (in units
 * of each feature's range): stdMs = latency · √(e^{σ²} − 1) · (1 + d) for the log target, σ · (1 + d) ms otherwise.
 */
import { EdgelatError } from "../errors.js";
import type { KernelFeatures } from "../fusion/types.js";
import { createRng } from "../util/rng.js";
import { compileFeatureSpec, DEFAULT_TREE_SPEC, type CompiledFeatures, type FeatureSpec } from "./features.js";
import { resolveOptions, type OptionSchema } from "./options.js";
import { binFeatures, buildTree, FlatTrees, readTrees, treeToJSON, type TreeArrays } from "./tree.js";
import type { Prediction, Predictor, PredictorJSON, Sample } from "./types.js";
import { checkSamples, DomainBox, domainOf, readDomain, sampleWeights, type Domain } from "./uncertainty.js";
import { checkHeader, fail, PREDICTOR_FORMAT_VERSION, readNumber, readObject, readString, readStringArray } from "./validate.js";

export const FOREST_OPTIONS = {
  spec: { type: "spec", default: DEFAULT_TREE_SPEC, doc: "feature terms the trees split on" },
  target: { type: "enum", values: ["log", "linear"], default: "log", doc: "average ln(latency) (geometric mean) or latency in ms" },
  nEstimators: { type: "int", default: 100, min: 1, max: 100000, doc: "number of trees" },
  maxDepth: { type: "int", default: 12, min: 0, max: 40, doc: "maximum tree depth" },
  minSamplesLeaf: { type: "int", default: 2, min: 1, doc: "minimum training rows per leaf (bootstrap duplicates count)" },
  maxFeatures: { type: "number", default: 0.6, min: 0.01, max: 1, doc: "share of features tried at each split" },
  bootstrap: { type: "boolean", default: true, doc: "grow each tree on a bootstrap sample (else on all rows)" },
  maxBins: { type: "int", default: 64, min: 2, max: 4096, doc: "histogram bins per feature" },
  seed: { type: "int", default: 1, doc: "RNG seed (bootstrap, feature subsets)" },
} as const satisfies OptionSchema;

export type ForestOptions = Partial<{
  spec: FeatureSpec;
  target: "log" | "linear";
  nEstimators: number;
  maxDepth: number;
  minSamplesLeaf: number;
  maxFeatures: number;
  bootstrap: boolean;
  maxBins: number;
  seed: number;
}>;

export interface ForestParams {
  spec: FeatureSpec;
  target: "log" | "linear";
  trees: TreeArrays[];
  /** Variance (score space) of the out-of-bag error not explained by the spread across trees. */
  noiseVar: number;
  /** c: factor on the across-tree variance (≤ 1), calibrated on the out-of-bag error. */
  spreadScale: number;
  domain: Domain;
  samples: number;
}

export class ForestPredictor implements Predictor {
  readonly kind = "forest";
  private readonly features: CompiledFeatures;
  private readonly flat: FlatTrees;
  private readonly x: Float64Array;
  private readonly box: DomainBox;

  constructor(readonly params: Readonly<ForestParams>) {
    this.features = compileFeatureSpec(params.spec, "invalid_predictor", "spec");
    this.flat = new FlatTrees(params.trees);
    this.x = new Float64Array(this.features.length);
    this.box = new DomainBox(params.domain);
  }

  predict(f: KernelFeatures): Prediction {
    this.features.write(f, this.x);
    return this.predictionOfX();
  }

  /** `predict(f)` from f's feature key (`featureKey(f, key, offset)`); the same numbers when f's fields are numbers. */
  predictKey(key: ArrayLike<number>, offset: number): Prediction {
    this.features.fromKey(key, offset, this.x);
    return this.predictionOfX();
  }

  private predictionOfX(): Prediction {
    const k = this.flat.count;
    let s = 0, ss = 0;
    for (let t = 0; t < k; t++) { const v = this.flat.evalTree(t, this.x); s += v; ss += v * v; }
    const mean = s / k;
    const spread2 = Math.max(ss / k - mean * mean, 0);
    const var_ = this.params.spreadScale * spread2 + this.params.noiseVar;
    const widen = 1 + this.box.outside(this.x);
    if (this.params.target === "log") {
      const latencyMs = Math.exp(mean);
      return { latencyMs, stdMs: latencyMs * Math.sqrt(Math.expm1(var_)) * widen };
    }
    return { latencyMs: Math.max(mean, 0), stdMs: Math.sqrt(var_) * widen };
  }

  toJSON(): PredictorJSON {
    const p = this.params;
    return {
      kind: this.kind, version: PREDICTOR_FORMAT_VERSION, spec: [...p.spec], target: p.target,
      trees: p.trees.map(treeToJSON), noiseVar: p.noiseVar, spreadScale: p.spreadScale, domain: { min: [...p.domain.min], max: [...p.domain.max] },
      samples: p.samples,
    };
  }
}

export function fitForest(samples: readonly Sample[], options?: ForestOptions): ForestPredictor {
  const o = resolveOptions(FOREST_OPTIONS, options, "forest");
  checkSamples(samples);
  const c = compileFeatureSpec(o.spec);
  const n = samples.length, d = c.length;
  const X = samples.map((s) => { const row = new Float64Array(d); c.write(s.features, row); return row; });
  const logT = o.target === "log";
  const y = Float64Array.from(samples, (s) => (logT ? Math.log(s.latencyMs) : s.latencyMs));
  const w = Float64Array.from(sampleWeights(samples));
  // Weighted bootstrap: rows are drawn with probability ∝ weight and then count once per draw (unit tree weights).
  const cum = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) { acc += w[i]!; cum[i] = acc; }
  if (!(acc > 0)) throw new EdgelatError("invalid_argument", "forest: every sample has weight 0");
  const draw = (u: number): number => {
    const t = u * acc;
    let lo = 0, hi = n - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid]! > t) hi = mid; else lo = mid + 1; }
    return lo;
  };
  const treeWeight = o.bootstrap ? new Float64Array(n).fill(1) : w;
  const live = Array.from({ length: n }, (_, i) => i).filter((i) => w[i]! > 0);
  const data = binFeatures(X, d, o.maxBins);
  const rng = createRng(o.seed);
  const params = { maxDepth: o.maxDepth, minSamplesLeaf: o.minSamplesLeaf, maxFeatures: Math.max(1, Math.round(o.maxFeatures * d)), l2: 0 };
  const trees: TreeArrays[] = [];
  // Out-of-bag bookkeeping: Σ predictions and counts from trees that did not see the row.
  const oobSum = new Float64Array(n), oobCount = new Int32Array(n);
  const inBag = new Uint8Array(n);
  for (let t = 0; t < o.nEstimators; t++) {
    const rows = new Uint32Array(o.bootstrap ? n : live.length);
    inBag.fill(0);
    for (let i = 0; i < rows.length; i++) {
      const r = o.bootstrap ? draw(rng.next()) : live[i]!;
      rows[i] = r;
      inBag[r] = 1;
    }
    const tree = buildTree(data, y, treeWeight, rows, params, rng);
    trees.push(tree);
    if (o.bootstrap) {
      const flat = new FlatTrees([tree]);
      for (let r = 0; r < n; r++) if (!inBag[r]) { oobSum[r] += flat.evalTree(0, X[r]!); oobCount[r]++; }
    }
  }
  // Calibration on the OOB error (see the module doc). Without bootstrap there is no OOB estimate: c = 1, noise 0.
  const flat = new FlatTrees(trees);
  let err = 0, spread = 0, m = 0;
  for (let r = 0; r < n; r++) {
    if (oobCount[r] === 0 || w[r] === 0) continue;
    err += (y[r]! - oobSum[r]! / oobCount[r]!) ** 2;
    let s = 0, ss = 0;
    for (let k = 0; k < flat.count; k++) { const v = flat.evalTree(k, X[r]!); s += v; ss += v * v; }
    const mean = s / flat.count;
    spread += Math.max(ss / flat.count - mean * mean, 0);
    m++;
  }
  const noiseVar = m > 0 ? Math.max((err - spread) / m, 0) : 0;
  const spreadScale = m > 0 && spread > err ? err / spread : 1;
  return new ForestPredictor({ spec: [...o.spec], target: o.target, trees, noiseVar, spreadScale, domain: domainOf(X, d), samples: n });
}

export function forestFromJSON(json: unknown): ForestPredictor {
  const o = readObject(json, "$");
  checkHeader(o, "forest");
  const spec = readStringArray(o, "spec", "");
  if (spec.length === 0) fail("spec", "must have at least one term");
  const d = spec.length;
  return new ForestPredictor({
    spec,
    target: readString(o, "target", "", ["log", "linear"] as const),
    trees: readTrees(o, "trees", d),
    noiseVar: readNumber(o, "noiseVar", "", { min: 0 }),
    spreadScale: readNumber(o, "spreadScale", "", { min: 0 }),
    domain: readDomain(o, "domain", d),
    samples: readNumber(o, "samples", "", { min: 0, int: true }),
  });
}
