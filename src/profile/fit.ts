/**
 * Per-class kernel predictors for a profiled device: each class gets the candidate with the lowest cross-validated
 * MAPE among a non-negative linear cost model (latency ≈ a + b·FLOPs + c·elements in/out + d·weights, relative
 * loss), a log-linear power law (≥ 30 samples), gradient-boosted trees on ln(latency) (≥ 24 samples; no linear
 * stage, so a configuration outside the sampled range cannot be extrapolated exponentially — a log-linear stage on
 * LOG_TERMS did predict 800 ms for a 1 ms BlazeFace kernel) and the same trees after a two-term power law in FLOPs and
 * bytes (`gbt-pl`, POWER_TERMS). Few samples → the linear model only (fewer than 2 → FLOPs-linear).
 */
import type { KernelClass } from "../fusion/types.js";
import { mape } from "../metrics/index.js";
import { crossValidate } from "../predictors/cv.js";
import { fitFlopsLinear } from "../predictors/flops-linear.js";
import { fitGbt } from "../predictors/gbt.js";
import { fitLinear } from "../predictors/linear.js";
import type { Predictor, Sample } from "../predictors/types.js";

export const LINEAR_TERMS = ["1", "flops", "inElems", "outElems", "params", "nodes*outElems"];
export const LOG_TERMS = ["1", "log:flops", "log:inElems", "log:outElems", "log:params", "log:cin", "log:cout", "log:hOut", "kernelH", "strideH", "nodes"];
export const TREE_TERMS = ["log:flops", "log:inElems", "log:outElems", "log:params", "cin", "cout", "hInPad", "hOut", "kernelH", "strideH", "groups", "nodes"];
/**
 * The power-law stage of `gbt-pl` (ln latency ≈ a·ln FLOPs + b·ln bytes + c, then trees on the residual): it carries
 * the smooth scaling with work and data size between and beyond the sampled configurations, where trees alone are
 * piecewise constant; two size terms only, so it cannot extrapolate exponentially (as LOG_TERMS' linear geometry
 * terms could). On the quiet 10-minute ORT CPU log it lowered the e2e MAPE from 6.8% to 5.4% (refit, 65 models).
 */
export const POWER_TERMS = ["1", "log:flops", "log:bytes"];

interface Candidate {
  name: string;
  minSamples: number;
  fit: (s: Sample[], seed: number) => Predictor;
}

const CANDIDATES: Candidate[] = [
  { name: "linear", minSamples: 2, fit: (s) => fitLinear(s, { spec: LINEAR_TERMS, target: "linear", loss: "relative", nonNegative: true, ridge: 1e-6 }) },
  { name: "log-linear", minSamples: 30, fit: (s) => fitLinear(s, { spec: LOG_TERMS, target: "log", ridge: 1e-3 }) },
  {
    name: "gbt", minSamples: 24,
    // trees only (no linear stage): bounded by the training range, they cannot extrapolate a config far outside it
    fit: (s, seed) => fitGbt(s, { spec: TREE_TERMS, nEstimators: 80, maxDepth: 4, learningRate: 0.1, minSamplesLeaf: 3, subsample: 0.8, noiseFolds: 0, seed }),
  },
  {
    name: "gbt-pl", minSamples: 24,
    fit: (s, seed) => fitGbt(s, { spec: TREE_TERMS, linearSpec: POWER_TERMS, nEstimators: 80, maxDepth: 4, learningRate: 0.1, minSamplesLeaf: 3, subsample: 0.8, noiseFolds: 0, seed }),
  },
];

export interface ClassFit {
  cls: KernelClass;
  samples: number;
  /** Chosen candidate and its cross-validated MAPE (fraction; NaN with fewer than 4 samples). */
  model: string;
  cvMape: number;
  /** Out-of-fold relative error of each sample (aligned with the samples), for adaptive sampling. */
  relErrors: number[];
  predictor: Predictor;
}

/** Fits one class: every candidate with enough samples is cross-validated (5-fold), the best is refitted on all. */
export function fitClass(cls: KernelClass, samples: readonly Sample[], seed = 1): ClassFit {
  const s = [...samples];
  if (s.length < 2) {
    return { cls, samples: s.length, model: "flops-linear", cvMape: Number.NaN, relErrors: s.map(() => Number.NaN), predictor: fitFlopsLinear(s) };
  }
  if (s.length < 4) {
    return { cls, samples: s.length, model: "linear", cvMape: Number.NaN, relErrors: s.map(() => Number.NaN), predictor: CANDIDATES[0]!.fit(s, seed) };
  }
  let best: { c: Candidate; score: number; rel: number[] } | undefined;
  for (const c of CANDIDATES) {
    if (s.length < c.minSamples) continue;
    const cv = crossValidate(s, undefined, (train) => c.fit(train, seed), mape, { k: Math.min(5, s.length), seed });
    const rel = cv.predicted.map((p, i) => (p - cv.measured[i]!) / cv.measured[i]!);
    if (best === undefined || cv.score < best.score) best = { c, score: cv.score, rel };
  }
  return { cls, samples: s.length, model: best!.c.name, cvMape: best!.score, relErrors: best!.rel, predictor: best!.c.fit(s, seed) };
}

export interface TypeFit {
  type: string;
  samples: number;
  model: string;
  cvMape: number;
  /** Mean |relative error| of the class predictor's out-of-fold predictions on this type's samples. */
  classMape: number;
  predictor: Predictor;
}

/**
 * Per-kernel-type overrides: a type with at least `minSamples` samples whose own cross-validated MAPE beats the class
 * predictor's out-of-fold error on the same samples (e.g. Sigmoid vs Add among element-wise kernels, conv-bn-add vs
 * conv-bn among convolutions) gets its own predictor.
 */
export function fitTypeOverrides(classFit: ClassFit, samples: readonly (Sample & { type: string })[], minSamples = 8, seed = 1): TypeFit[] {
  const byType = new Map<string, number[]>();
  samples.forEach((s, i) => (byType.get(s.type) ?? byType.set(s.type, []).get(s.type)!).push(i));
  if (byType.size < 2) return [];
  const out: TypeFit[] = [];
  for (const [type, idx] of [...byType].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (idx.length < minSamples) continue;
    const classMape = idx.reduce((s, i) => s + Math.abs(classFit.relErrors[i] ?? Number.NaN), 0) / idx.length;
    if (!Number.isFinite(classMape)) continue;
    const f = fitClass(classFit.cls, idx.map((i) => samples[i]!), seed);
    if (f.cvMape < classMape) out.push({ type, samples: idx.length, model: f.model, cvMape: f.cvMape, classMape, predictor: f.predictor });
  }
  return out;
}

