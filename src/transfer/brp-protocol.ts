/**
 * The BRP-NAS protocol on NAS-Bench-201 (Dudziak et al., NeurIPS 2020): 900 random training architectures (seeded),
 * 100 validation, the rest as test; ±5% / ±10% accuracy, RMSE, MAPE and Spearman ρ on the test set, per device.
 *
 * Models compared: the linear additive baseline (one coefficient per (edge, op), least squares), and edgelat's model:
 * the candidate (feature set × ridge λ, from `BRP_CANDIDATES`: additive, + live-edge indicators, + edge-pair
 * interactions) with the best ±10% accuracy on the 100 validation architectures (ties: lower MAPE). Noise evidence per device: the model's ±10% accuracy on its own training data, and the
 * quantization step of the recorded values (whole milliseconds on some phones) relative to the median latency.
 */
import { EdgelatError } from "../errors.js";
import { mape, rmse, spearman, withinShare } from "../metrics/index.js";
import { createRng, shuffled } from "../util/rng.js";
import { fitRidgeSparse, predictRows } from "./linear-model.js";

export interface BrpSplit { train: number[]; valid: number[]; test: number[] }

/** Rows with a finite latency, shuffled with the seed: first `trainSize` train, next `validSize` valid, rest test. */
export function brpSplit(latencyMs: ArrayLike<number>, seed: number, trainSize = 900, validSize = 100): BrpSplit {
  const rows: number[] = [];
  for (let i = 0; i < latencyMs.length; i++) if (Number.isFinite(latencyMs[i]!)) rows.push(i);
  if (rows.length <= trainSize + validSize) {
    throw new EdgelatError("invalid_argument", `BRP split needs more than ${trainSize + validSize} measured architectures, got ${rows.length}`);
  }
  const s = shuffled(rows, createRng(seed));
  return { train: s.slice(0, trainSize), valid: s.slice(trainSize, trainSize + validSize), test: s.slice(trainSize + validSize) };
}

export interface AccuracyReport {
  within5: number;
  within10: number;
  rmseMs: number;
  mape: number;
  rho: number;
}

export function accuracy(predicted: readonly number[], measured: readonly number[]): AccuracyReport {
  return {
    within5: withinShare(predicted, measured, 0.05),
    within10: withinShare(predicted, measured, 0.1),
    rmseMs: rmse(predicted, measured),
    mape: mape(predicted, measured),
    rho: spearman(predicted, measured),
  };
}

export interface NoiseEvidence {
  /** Share of recorded values that are whole numbers (1 = recorded in whole ms). */
  integerShare: number;
  /** Smallest positive difference between distinct recorded values, ms. */
  stepMs: number;
  medianMs: number;
  /** ±10% accuracy of the pairwise model on its own training data (an upper bound for the test accuracy). */
  trainWithin10: number;
}

export interface BrpDeviceResult {
  device: string;
  trainSize: number;
  testSize: number;
  additive: AccuracyReport;
  /** edgelat's validation-selected model. */
  edgelat: AccuracyReport & { features: BrpFeatureSet; ridge: number };
  noise: NoiseEvidence;
}

export type BrpFeatureSet = "onehot" | "onehot-live" | "pairwise";
export const BRP_CANDIDATES: readonly { features: BrpFeatureSet; ridge: number }[] = [
  { features: "onehot", ridge: 1e-6 },
  { features: "onehot-live", ridge: 0.1 }, { features: "onehot-live", ridge: 1 },
  { features: "pairwise", ridge: 0.1 }, { features: "pairwise", ridge: 1 }, { features: "pairwise", ridge: 10 },
];

function noiseEvidence(y: ArrayLike<number>, trainWithin10: number): NoiseEvidence {
  const vals: number[] = [];
  for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i]!)) vals.push(y[i]!);
  vals.sort((a, b) => a - b);
  let step = Infinity;
  for (let i = 1; i < vals.length; i++) { const d = vals[i]! - vals[i - 1]!; if (d > 0 && d < step) step = d; }
  return {
    integerShare: vals.filter((v) => Number.isInteger(v)).length / vals.length,
    stepMs: Number.isFinite(step) ? step : 0,
    medianMs: vals[Math.floor(vals.length / 2)]!,
    trainWithin10,
  };
}

/**
 * Runs the BRP protocol for one device. `features` holds NB201 feature rows (sets `onehot`, `onehot-live`,
 * `pairwise`) aligned with `latencyMs`.
 */
export function runBrp(
  device: string,
  latencyMs: ArrayLike<number>,
  features: Readonly<Record<BrpFeatureSet, readonly Float64Array[]>>,
  seed = 0,
): BrpDeviceResult {
  const { train, valid, test } = brpSplit(latencyMs, seed);
  const y = (rows: number[]) => rows.map((r) => latencyMs[r]!);
  const pick = (X: readonly Float64Array[], rows: number[]) => rows.map((r) => X[r]!);
  const yTest = y(test), yValid = y(valid);

  const add = fitRidgeSparse(pick(features.onehot, train), y(train), 1e-6);
  const additive = accuracy(Array.from(predictRows(add, pick(features.onehot, test))), yTest);

  let best: { c: (typeof BRP_CANDIDATES)[number]; beta: number[]; w10: number; mape: number } | undefined;
  for (const c of BRP_CANDIDATES) {
    const beta = fitRidgeSparse(pick(features[c.features], train), y(train), c.ridge);
    const pv = Array.from(predictRows(beta, pick(features[c.features], valid)));
    const w10 = withinShare(pv, yValid, 0.1), m = mape(pv, yValid);
    if (best === undefined || w10 > best.w10 || (w10 === best.w10 && m < best.mape)) best = { c, beta, w10, mape: m };
  }
  const X = features[best!.c.features];
  const chosen = accuracy(Array.from(predictRows(best!.beta, pick(X, test))), yTest);
  const trainW10 = withinShare(Array.from(predictRows(best!.beta, pick(X, train))), y(train), 0.1);
  return {
    device, trainSize: train.length, testSize: test.length, additive,
    edgelat: { ...chosen, features: best!.c.features, ridge: best!.c.ridge },
    noise: noiseEvidence(latencyMs, trainW10),
  };
}
