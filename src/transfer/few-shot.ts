/**
 * Few-shot latency prediction on an unseen device: k measured architectures on the target, plus the full latency
 * tables of source devices. Every method returns a score per architecture of the universe (in ms where the method
 * is calibrated); ranking metrics only need the order.
 *
 * Methods:
 *   - `flopsOnly`: FLOPs, no target data;
 *   - `bestProxy`: the source device whose latencies rank the k samples best (OneProxy's latency monotonicity),
 *     rescaled by a linear fit on the samples;
 *   - `sourceRidge`: ridge regression of the target on the z-scored source-device columns;
 *   - `featureRidge`: ridge regression on architecture features from the k samples alone;
 *   - `proxyAdaptation`: OneProxy's proxy adaptation: the best proxy's latencies plus a ridge-regularized feature
 *     correction fit on the k samples;
 *   - `sourcePrior` (edgelat's combined method): Bayesian linear regression on architecture features whose prior
 *     (mean and covariance of the normalized coefficients) is learnt from the source devices, optionally weighted by
 *     hardware similarity (MAPLE-X); the noise level and prior inflation are chosen per task by maximizing the
 *     marginal likelihood of the k samples; optional virtual examples add near-duplicate architectures as extra points.
 */
import { CholeskyDecomposition, Matrix, solve } from "ml-matrix";
import { EdgelatError } from "../errors.js";
import { spearman } from "../metrics/index.js";
import { weightedLeastSquares } from "../predictors/lstsq.js";
import { fitRidge, predictRows } from "./linear-model.js";

export interface SourceDevice {
  device: string;
  /** Latency of every architecture of the universe (same row order as `features`). */
  latencyMs: Float64Array;
  /** Optional weight (e.g. hardware similarity); defaults to uniform. */
  weight?: number;
}

export interface FewShotTask {
  /** Feature rows of every architecture of the universe; the last column is the intercept. */
  features: readonly Float64Array[];
  /** FLOPs of every architecture (for `flopsOnly`). */
  flops?: Float64Array;
  sources: readonly SourceDevice[];
  /** Rows measured on the target, and their latencies. */
  sampleRows: readonly number[];
  sampleLatencyMs: readonly number[];
}

export type FewShotMethod = (task: FewShotTask) => Float64Array;

function checkTask(t: FewShotTask): void {
  if (t.sampleRows.length === 0 || t.sampleRows.length !== t.sampleLatencyMs.length) {
    throw new EdgelatError("invalid_argument", `few-shot task needs aligned, non-empty samples (got ${t.sampleRows.length} rows, ${t.sampleLatencyMs.length} latencies)`);
  }
  for (const r of t.sampleRows) if (!(r >= 0 && r < t.features.length)) throw new EdgelatError("invalid_argument", `sample row ${r} outside the universe`);
  for (const s of t.sources) {
    if (s.latencyMs.length !== t.features.length) throw new EdgelatError("invalid_argument", `source '${s.device}' has ${s.latencyMs.length} rows, expected ${t.features.length}`);
  }
}

const mean = (v: ArrayLike<number>): number => { let s = 0; for (let i = 0; i < v.length; i++) s += v[i]!; return s / v.length; };

/** Least-squares a·x + b through the samples, applied to all rows. */
function rescale(x: Float64Array, rows: readonly number[], y: readonly number[]): Float64Array {
  const xs = rows.map((r) => x[r]!);
  const mx = mean(xs), my = mean(y);
  let sxy = 0, sxx = 0;
  xs.forEach((v, i) => { sxy += (v - mx) * (y[i]! - my); sxx += (v - mx) ** 2; });
  // A non-positive slope (possible with few noisy samples) would invert the ranking of a latency proxy: keep it positive.
  const a = sxx > 0 && sxy > 0 ? sxy / sxx : 1e-9;
  return x.map((v) => my + a * (v - mx));
}

export const flopsOnly: FewShotMethod = (t) => {
  if (t.flops === undefined) throw new EdgelatError("invalid_argument", "flopsOnly needs task.flops");
  return rescale(t.flops, t.sampleRows, t.sampleLatencyMs);
};

/** The source whose latencies best rank the samples (Spearman ρ; ties → first listed). */
export function pickProxy(t: FewShotTask): SourceDevice {
  checkTask(t);
  if (t.sources.length === 0) throw new EdgelatError("invalid_argument", "needs at least one source device");
  let best = t.sources[0]!, bestRho = -Infinity;
  for (const s of t.sources) {
    const r = spearman(t.sampleRows.map((i) => s.latencyMs[i]!), t.sampleLatencyMs as number[]);
    if (r > bestRho) { bestRho = r; best = s; }
  }
  return best;
}

export const bestProxy: FewShotMethod = (t) => rescale(pickProxy(t).latencyMs, t.sampleRows, t.sampleLatencyMs);

export function sourceRidge(ridge = 1): FewShotMethod {
  return (t) => {
    checkTask(t);
    const n = t.features.length;
    const cols = t.sources.map((s) => {
      const m = mean(s.latencyMs);
      let v = 0;
      for (let i = 0; i < n; i++) v += (s.latencyMs[i]! - m) ** 2;
      const sd = Math.sqrt(v / n) || 1;
      return s.latencyMs.map((x) => (x - m) / sd);
    });
    const row = (i: number) => [...cols.map((c) => c[i]!), 1];
    const beta = fitRidge(t.sampleRows.map(row), t.sampleLatencyMs as number[], ridge);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) { let s = beta[cols.length]!; cols.forEach((c, j) => { s += beta[j]! * c[i]!; }); out[i] = s; }
    return out;
  };
}

export function featureRidge(ridge = 1e-3): FewShotMethod {
  return (t) => {
    checkTask(t);
    const beta = fitRidge(t.sampleRows.map((r) => t.features[r]!), t.sampleLatencyMs as number[], ridge);
    return predictRows(beta, t.features);
  };
}

/**
 * OneProxy proxy adaptation: target ≈ a·proxy + b + features·δ, with a ridge penalty on δ only (the correction), so
 * with few samples the prediction stays close to the rescaled proxy.
 */
export function proxyAdaptation(ridge = 0.1, proxy?: string): FewShotMethod {
  return (t) => {
    checkTask(t);
    const p = proxy === undefined ? pickProxy(t) : t.sources.find((s) => s.device === proxy);
    if (p === undefined) throw new EdgelatError("unknown_device", `proxy '${proxy}' is not a source device`);
    const row = (i: number) => [p.latencyMs[i]!, ...t.features[i]!];
    const d = t.features[0]!.length;
    const beta = weightedLeastSquares(t.sampleRows.map(row), t.sampleLatencyMs as number[], undefined, { ridge, unpenalized: [0, d] });
    const out = new Float64Array(t.features.length);
    for (let i = 0; i < out.length; i++) { const r = row(i); let s = 0; for (let j = 0; j < r.length; j++) s += beta[j]! * r[j]!; out[i] = s; }
    return out;
  };
}

export interface SourcePriorOptions {
  /** Candidate noise levels (relative to the mean sample latency); chosen by marginal likelihood. */
  noiseGrid?: readonly number[];
  /** Isotropic inflation of the prior covariance (relative units²), chosen by marginal likelihood. */
  inflationGrid?: readonly number[];
  /** Use the sources' `weight` (hardware similarity) for the prior mean and covariance. */
  weighted?: boolean;
  /** Virtual examples: per sample, this many nearest architectures in normalized source-latency space (0 = off). */
  virtualPerSample?: number;
  /** Noise multiplier of virtual examples relative to real ones. */
  virtualNoiseFactor?: number;
}

export const SOURCE_PRIOR_DEFAULTS: Required<SourcePriorOptions> = {
  noiseGrid: [0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1],
  inflationGrid: [1e-3],
  weighted: false,
  virtualPerSample: 0,
  virtualNoiseFactor: 3,
};

/** Normalized feature coefficients of each source (latency / mean latency, least squares on all architectures). */
export function sourceCoefficients(features: readonly Float64Array[], sources: readonly SourceDevice[]): number[][] {
  const d = features[0]!.length;
  const G = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const x of features) for (let i = 0; i < d; i++) { const xi = x[i]!; if (xi !== 0) for (let j = 0; j < d; j++) G[i]![j] += xi * x[j]!; }
  for (let i = 0; i < d; i++) G[i]![i] += 1e-9;
  const Gm = new Matrix(G);
  return sources.map((s) => {
    const m = mean(s.latencyMs);
    const h = new Array<number>(d).fill(0);
    features.forEach((x, r) => { const y = s.latencyMs[r]! / m; for (let i = 0; i < d; i++) h[i] += x[i]! * y; });
    return solve(Gm, Matrix.columnVector(h)).getColumn(0);
  });
}

/** For each sample row, the `count` nearest other rows by normalized source-latency profile (Euclidean). */
export function virtualExamples(sources: readonly SourceDevice[], sampleRows: readonly number[], count: number): number[][] {
  const n = sources[0]?.latencyMs.length ?? 0;
  const norm = sources.map((s) => { const m = mean(s.latencyMs); return s.latencyMs.map((v) => v / m); });
  const taken = new Set(sampleRows);
  return sampleRows.map((r) => {
    const best: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      if (taken.has(i)) continue;
      let d = 0;
      for (const c of norm) d += (c[i]! - c[r]!) ** 2;
      if (best.length < count || d < best[best.length - 1]![0]) {
        best.push([d, i]);
        best.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        if (best.length > count) best.pop();
      }
    }
    return best.map(([, i]) => i);
  });
}

/** edgelat's combined few-shot method (see the module comment). */
export function sourcePrior(options: SourcePriorOptions = {}, cache?: Map<string, number[][]>): FewShotMethod {
  const o = { ...SOURCE_PRIOR_DEFAULTS, ...options };
  return (t) => {
    checkTask(t);
    if (t.sources.length < 2) throw new EdgelatError("invalid_argument", "sourcePrior needs at least two source devices");
    const key = t.sources.map((s) => s.device).join("|");
    let B = cache?.get(key);
    if (B === undefined) { B = sourceCoefficients(t.features, t.sources); cache?.set(key, B); }
    const d = B[0]!.length;
    const w = t.sources.map((s) => (o.weighted ? s.weight ?? 1 : 1));
    const wSum = w.reduce((a, b) => a + b, 0);
    const mu = new Array<number>(d).fill(0);
    B.forEach((b, j) => { for (let i = 0; i < d; i++) mu[i] += (w[j]! / wSum) * b[i]!; });
    const C0 = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    B.forEach((b, j) => {
      for (let i = 0; i < d; i++) for (let l = 0; l < d; l++) C0[i]![l] += (w[j]! / wSum) * (b[i]! - mu[i]!) * (b[l]! - mu[l]!);
    });
    const nEff = B.length;
    for (let i = 0; i < d; i++) for (let l = 0; l < d; l++) C0[i]![l] *= nEff / (nEff - 1);

    // Training points: real samples, then virtual ones (latency of the sample they are near, more noise).
    const rows = [...t.sampleRows];
    const ys = [...t.sampleLatencyMs];
    const noiseMul = rows.map(() => 1);
    if (o.virtualPerSample > 0) {
      virtualExamples(t.sources, t.sampleRows, o.virtualPerSample).forEach((near, s) => {
        for (const r of near) { rows.push(r); ys.push(t.sampleLatencyMs[s]!); noiseMul.push(o.virtualNoiseFactor); }
      });
    }
    const scale = mean(t.sampleLatencyMs);
    const yn = ys.map((y) => y / scale);
    const X = new Matrix(rows.map((r) => Array.from(t.features[r]!)));
    const resid = Matrix.columnVector(yn.map((y, i) => y - dotArr(mu, t.features[rows[i]!]!)));
    let best: { ll: number; beta: number[] } | undefined;
    for (const infl of o.inflationGrid) {
      const Sig = new Matrix(C0.map((r, i) => r.map((v, l) => v + (i === l ? infl : 0))));
      const XS = X.mmul(Sig);
      const K0 = XS.mmul(X.transpose());
      for (let i = 0; i < rows.length; i++) for (let l = 0; l < i; l++) { const v = (K0.get(i, l) + K0.get(l, i)) / 2; K0.set(i, l, v); K0.set(l, i, v); }
      for (const noise of o.noiseGrid) {
        const C = K0.clone();
        for (let i = 0; i < rows.length; i++) C.set(i, i, C.get(i, i) + (noise * noiseMul[i]!) ** 2);
        const chol = new CholeskyDecomposition(C);
        if (!chol.isPositiveDefinite()) continue;
        const alpha = chol.solve(resid);
        const Lm = chol.lowerTriangularMatrix;
        let logdet = 0;
        for (let i = 0; i < rows.length; i++) logdet += 2 * Math.log(Lm.get(i, i));
        let quad = 0;
        for (let i = 0; i < rows.length; i++) quad += resid.get(i, 0) * alpha.get(i, 0);
        const ll = -0.5 * quad - 0.5 * logdet;
        if (best === undefined || ll > best.ll) {
          const delta = XS.transpose().mmul(alpha).getColumn(0);
          best = { ll, beta: mu.map((m, i) => m + delta[i]!) };
        }
      }
    }
    if (best === undefined) throw new EdgelatError("invalid_argument", "sourcePrior: no noise level gave a positive-definite covariance");
    const beta = best.beta.map((b) => b * scale);
    return predictRows(beta, t.features);
  };
}

function dotArr(a: readonly number[], x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * x[i]!;
  return s;
}
