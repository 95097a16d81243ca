/**
 * `flops-linear`: latencyMs = msPerFlop · flops + interceptMs — the classic FLOPs proxy, with a launch cost.
 * Fitted by least squares on absolute error, or on relative error (weights 1/y², the default: kernel latencies span
 * decades, and unweighted squares would fit only the largest kernels). Coefficients are non-negative by default.
 * stdMs: residual std from training (relative for the relative loss, in ms for the absolute loss), see NoiseModel.
 */
import type { KernelFeatures } from "../fusion/types.js";
import { weightedLeastSquares } from "./lstsq.js";
import { resolveOptions, type OptionSchema } from "./options.js";
import type { Prediction, Predictor, PredictorJSON, Sample } from "./types.js";
import { checkSamples, noiseStd, readNoise, residualNoise, sampleWeights, type NoiseModel } from "./uncertainty.js";
import { checkHeader, PREDICTOR_FORMAT_VERSION, readNumber, readObject } from "./validate.js";

export const FLOPS_LINEAR_OPTIONS = {
  loss: { type: "enum", values: ["relative", "absolute"], default: "relative", doc: "squared relative error (weights 1/y²) or squared error in ms" },
  nonNegative: { type: "boolean", default: true, doc: "constrain msPerFlop and interceptMs to be ≥ 0 (NNLS)" },
} as const satisfies OptionSchema;

export interface FlopsLinearParams {
  msPerFlop: number;
  interceptMs: number;
  noise: NoiseModel;
  samples: number;
}

export class FlopsLinearPredictor implements Predictor {
  readonly kind = "flops-linear";
  constructor(readonly params: Readonly<FlopsLinearParams>) {}

  predict(f: KernelFeatures): Prediction {
    const latencyMs = Math.max(this.params.msPerFlop * (f.flops ?? 0) + this.params.interceptMs, 0);
    return { latencyMs, stdMs: noiseStd(this.params.noise, latencyMs) };
  }

  toJSON(): PredictorJSON {
    const p = this.params;
    return { kind: this.kind, version: PREDICTOR_FORMAT_VERSION, msPerFlop: p.msPerFlop, interceptMs: p.interceptMs, noise: { ...p.noise }, samples: p.samples };
  }
}

export function fitFlopsLinear(samples: readonly Sample[], options?: Partial<{ loss: "relative" | "absolute"; nonNegative: boolean }>): FlopsLinearPredictor {
  const o = resolveOptions(FLOPS_LINEAR_OPTIONS, options, "flops-linear");
  checkSamples(samples);
  const X = samples.map((s) => [s.features.flops ?? 0, 1]);
  const y = samples.map((s) => s.latencyMs);
  const w = sampleWeights(samples, o.loss === "relative" ? (s) => 1 / (s.latencyMs * s.latencyMs) : undefined);
  const [a, b] = weightedLeastSquares(X, y, w, { nonNegative: o.nonNegative });
  const params0 = { msPerFlop: a!, interceptMs: b!, noise: { relStd: 0, absStdMs: 0 }, samples: samples.length };
  const model0 = new FlopsLinearPredictor(params0);
  const predicted = samples.map((s) => model0.predict(s.features).latencyMs);
  return new FlopsLinearPredictor({ ...params0, noise: residualNoise(predicted, y, o.loss, 2) });
}

export function flopsLinearFromJSON(json: unknown): FlopsLinearPredictor {
  const o = readObject(json, "$");
  checkHeader(o, "flops-linear");
  return new FlopsLinearPredictor({
    msPerFlop: readNumber(o, "msPerFlop", ""),
    interceptMs: readNumber(o, "interceptMs", ""),
    noise: readNoise(o, "noise"),
    samples: readNumber(o, "samples", "", { min: 0, int: true }),
  });
}
