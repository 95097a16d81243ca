/**
 * `linear`: ridge regression on engineered features (a FeatureSpec stored with the model).
 *   target "linear": latencyMs = max(Σ coefⱼ·xⱼ, 0), fitted on relative (default) or absolute squared error;
 *   target "log":    latencyMs = exp(Σ coefⱼ·xⱼ), fitted on squared error of ln(latency) — a power law when the
 *                    features are `log:` terms (latency ≈ e^b · flops^a · …).
 * Optional non-negative coefficients (Lawson–Hanson NNLS; in log space the intercept term "1" stays free).
 * stdMs: relative residual std from training × latency (log target: log-normal √(e^{σ²} − 1)); absolute loss: ms.
 */
import { EdgelatError } from "../errors.js";
import type { KernelFeatures } from "../fusion/types.js";
import { compileFeatureSpec, DEFAULT_LINEAR_SPEC, DEFAULT_LOG_LINEAR_SPEC, type CompiledFeatures, type FeatureSpec } from "./features.js";
import { weightedLeastSquares } from "./lstsq.js";
import { resolveOptions, type OptionSchema } from "./options.js";
import type { Prediction, Predictor, PredictorJSON, Sample } from "./types.js";
import { checkSamples, noiseStd, readNoise, residualNoise, sampleWeights, type NoiseModel } from "./uncertainty.js";
import { checkHeader, fail, PREDICTOR_FORMAT_VERSION, readNumber, readNumberArray, readObject, readString, readStringArray } from "./validate.js";

export const LINEAR_OPTIONS = {
  spec: { type: "spec", default: [], doc: "feature terms; default: DEFAULT_LINEAR_SPEC (target linear) or DEFAULT_LOG_LINEAR_SPEC (target log)" },
  target: { type: "enum", values: ["linear", "log"], default: "linear", doc: "fit latency itself, or ln(latency)" },
  loss: { type: "enum", values: ["relative", "absolute"], default: "relative", doc: "target linear only: squared relative error (weights 1/y²) or squared error in ms" },
  ridge: { type: "number", default: 1e-6, min: 0, doc: "ridge λ on unit-RMS-scaled features (the intercept '1' is not penalized)" },
  nonNegative: { type: "boolean", default: false, doc: "coefficients ≥ 0 via NNLS (log target: intercept free)" },
} as const satisfies OptionSchema;

export type LinearTarget = "linear" | "log";

export interface LinearParams {
  spec: FeatureSpec;
  coef: number[];
  target: LinearTarget;
  noise: NoiseModel;
  samples: number;
}

export class LinearPredictor implements Predictor {
  readonly kind = "linear";
  private readonly features: CompiledFeatures;
  private readonly x: Float64Array;

  constructor(readonly params: Readonly<LinearParams>) {
    this.features = compileFeatureSpec(params.spec, "invalid_predictor", "spec");
    if (params.coef.length !== this.features.length) {
      throw new EdgelatError("invalid_predictor", `coef has ${params.coef.length} entries but spec has ${this.features.length} terms`, { field: "coef" });
    }
    this.x = new Float64Array(this.features.length);
  }

  /** The linear score Σ coefⱼ·xⱼ (ln latency for the log target). */
  score(f: KernelFeatures): number {
    this.features.write(f, this.x);
    const c = this.params.coef;
    let z = 0;
    for (let j = 0; j < c.length; j++) z += c[j]! * this.x[j]!;
    return z;
  }

  predict(f: KernelFeatures): Prediction {
    const z = this.score(f);
    const latencyMs = this.params.target === "log" ? Math.exp(z) : Math.max(z, 0);
    return { latencyMs, stdMs: noiseStd(this.params.noise, latencyMs) };
  }

  toJSON(): PredictorJSON {
    const p = this.params;
    return { kind: this.kind, version: PREDICTOR_FORMAT_VERSION, spec: [...p.spec], coef: [...p.coef], target: p.target, noise: { ...p.noise }, samples: p.samples };
  }
}

export type LinearOptions = Partial<{
  spec: FeatureSpec;
  target: LinearTarget;
  loss: "relative" | "absolute";
  ridge: number;
  nonNegative: boolean;
}>;

export function fitLinear(samples: readonly Sample[], options?: LinearOptions): LinearPredictor {
  const o = resolveOptions(LINEAR_OPTIONS, options, "linear");
  checkSamples(samples);
  const spec = o.spec.length > 0 ? o.spec : o.target === "log" ? DEFAULT_LOG_LINEAR_SPEC : DEFAULT_LINEAR_SPEC;
  const c = compileFeatureSpec(spec);
  const X = samples.map((s) => {
    const row = new Float64Array(c.length);
    c.write(s.features, row);
    return row;
  });
  const intercept = spec.map((t, j) => (t.trim() === "1" ? j : -1)).filter((j) => j >= 0);
  const logTarget = o.target === "log";
  const y = samples.map((s) => (logTarget ? Math.log(s.latencyMs) : s.latencyMs));
  const w = sampleWeights(samples, !logTarget && o.loss === "relative" ? (s) => 1 / (s.latencyMs * s.latencyMs) : undefined);
  const coef = weightedLeastSquares(X, y, w, {
    ridge: o.ridge,
    unpenalized: intercept,
    nonNegative: o.nonNegative,
    free: logTarget ? intercept : [],
  });
  const params0: LinearParams = { spec: [...spec], coef, target: o.target, noise: { relStd: 0, absStdMs: 0 }, samples: samples.length };
  const m0 = new LinearPredictor(params0);
  const predicted = samples.map((s) => m0.predict(s.features).latencyMs);
  const measured = samples.map((s) => s.latencyMs);
  const noise = residualNoise(predicted, measured, logTarget ? "log" : o.loss, coef.length);
  return new LinearPredictor({ ...params0, noise });
}

export function linearFromJSON(json: unknown): LinearPredictor {
  const o = readObject(json, "$");
  checkHeader(o, "linear");
  const spec = readStringArray(o, "spec", "");
  if (spec.length === 0) fail("spec", "must have at least one term");
  const coef = readNumberArray(o, "coef", "", { length: spec.length });
  return new LinearPredictor({
    spec,
    coef,
    target: readString(o, "target", "", ["linear", "log"] as const),
    noise: readNoise(o, "noise"),
    samples: readNumber(o, "samples", "", { min: 0, int: true }),
  });
}
