import type { KernelFeatures } from "../fusion/types.js";

/** One training example: a kernel's features and its measured latency. */
export interface Sample {
  features: KernelFeatures;
  latencyMs: number;
  /** Relative importance in fitting (≥ 0, default 1), e.g. hardware-similarity weights in transfer. */
  weight?: number;
}

export interface Prediction {
  latencyMs: number;
  /** One standard deviation of the prediction error, in ms, as estimated by the predictor. */
  stdMs: number;
}

/** Plain JSON a predictor serializes to; `kind` selects the loader. Round trip is bit-exact. */
export interface PredictorJSON {
  kind: string;
  [key: string]: unknown;
}

/** A fitted kernel-latency model. Pure: `predict` has no side effects and is deterministic. */
export interface Predictor {
  readonly kind: string;
  predict(features: KernelFeatures): Prediction;
  toJSON(): PredictorJSON;
}
