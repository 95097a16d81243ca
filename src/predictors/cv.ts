/**
 * Cross-validation of predictors: k-fold (seeded shuffle) or group k-fold (whole groups — e.g. all kernels of one
 * model — held out together, so a score measures generalization to unseen models). Metrics come from src/metrics.
 */
import { EdgelatError } from "../errors.js";
import { createRng, shuffled } from "../util/rng.js";
import type { Predictor, Sample } from "./types.js";

/** Fold index (0..k-1) of each of n items after a seeded shuffle; fold sizes differ by at most one. */
export function kFoldAssignment(n: number, k: number, seed = 1): number[] {
  if (!Number.isInteger(k) || k < 2 || k > n) throw new EdgelatError("invalid_argument", `k-fold needs 2 ≤ k ≤ n (k = ${k}, n = ${n})`);
  const fold = new Array<number>(n);
  shuffled(Array.from({ length: n }, (_, i) => i), createRng(seed)).forEach((item, pos) => { fold[item] = pos % k; });
  return fold;
}

/**
 * Group k-fold: every group lands in exactly one fold; groups are placed largest first into the fold with the fewest
 * items so far (ties: lower fold index; equal-size groups in sorted-name order), so the split is deterministic.
 * With fewer distinct groups than k, k becomes the number of groups (leave-one-group-out).
 */
export function groupKFoldAssignment(groups: readonly (string | number)[], k: number): number[] {
  const sizes = new Map<string, number>();
  for (const g of groups) sizes.set(String(g), (sizes.get(String(g)) ?? 0) + 1);
  if (sizes.size < 2) throw new EdgelatError("invalid_argument", `group k-fold needs at least 2 distinct groups, got ${sizes.size}`);
  if (!Number.isInteger(k) || k < 2) throw new EdgelatError("invalid_argument", `group k-fold needs an integer k ≥ 2, got ${k}`);
  const kk = Math.min(k, sizes.size);
  const order = [...sizes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const load = new Array<number>(kk).fill(0);
  const foldOf = new Map<string, number>();
  for (const [g, size] of order) {
    let best = 0;
    for (let f = 1; f < kk; f++) if (load[f]! < load[best]!) best = f;
    foldOf.set(g, best);
    load[best] += size;
  }
  return groups.map((g) => foldOf.get(String(g))!);
}

export interface CrossValidationOptions {
  /** Number of folds (default 5). */
  k?: number;
  /** Shuffle seed for plain k-fold (default 1). */
  seed?: number;
}

export interface CrossValidationResult {
  /** Out-of-fold prediction for every sample, aligned with the input. */
  predicted: number[];
  stdMs: number[];
  measured: number[];
  fold: number[];
  /** metric(predicted, measured) over all out-of-fold predictions. */
  score: number;
  /** metric within each fold. */
  foldScores: number[];
}

/**
 * Fits `fit` on all folds but one and predicts the held-out fold, for every fold. `groups` (aligned with samples)
 * selects group k-fold; `undefined` selects a seeded plain k-fold. `metric(predicted, measured)` is e.g.
 * `mape` or `(p, m) => withinShare(p, m, 0.1)` from src/metrics.
 */
export function crossValidate(
  samples: readonly Sample[],
  groups: readonly (string | number)[] | undefined,
  fit: (train: Sample[]) => Predictor,
  metric: (predicted: readonly number[], measured: readonly number[]) => number,
  options: CrossValidationOptions = {},
): CrossValidationResult {
  const k = options.k ?? 5;
  if (groups !== undefined && groups.length !== samples.length) {
    throw new EdgelatError("invalid_argument", `groups has ${groups.length} entries for ${samples.length} samples`);
  }
  const fold = groups ? groupKFoldAssignment(groups, k) : kFoldAssignment(samples.length, k, options.seed ?? 1);
  const nFolds = Math.max(...fold) + 1;
  const predicted = new Array<number>(samples.length);
  const stdMs = new Array<number>(samples.length);
  const measured = samples.map((s) => s.latencyMs);
  const foldScores: number[] = [];
  for (let f = 0; f < nFolds; f++) {
    const train = samples.filter((_, i) => fold[i] !== f);
    const testIdx = fold.flatMap((g, i) => (g === f ? [i] : []));
    if (testIdx.length === 0) continue;
    const model = fit(train);
    for (const i of testIdx) {
      const p = model.predict(samples[i]!.features);
      predicted[i] = p.latencyMs;
      stdMs[i] = p.stdMs;
    }
    foldScores.push(metric(testIdx.map((i) => predicted[i]!), testIdx.map((i) => measured[i]!)));
  }
  return { predicted, stdMs, measured, fold, score: metric(predicted, measured), foldScores };
}
