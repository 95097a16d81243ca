/** `fitPredictor(kind, samples, options)`: one entry point over every predictor kind. */
import { EdgelatError } from "../errors.js";
import { isPredictorKind, PREDICTOR_KINDS, type PredictorKind } from "./registry.js";
import type { Predictor, Sample } from "./types.js";

/**
 * Fits a predictor of `kind`. Options are checked against `PREDICTOR_KINDS[kind].options` (unknown option, wrong
 * type or out of range → `EdgelatError("invalid_argument")` naming the option); defaults come from that schema.
 */
export function fitPredictor(kind: PredictorKind | string, samples: readonly Sample[], options: Record<string, unknown> = {}): Predictor {
  if (!isPredictorKind(kind)) {
    throw new EdgelatError("invalid_argument", `unknown predictor kind '${String(kind)}' (known: ${Object.keys(PREDICTOR_KINDS).join(", ")})`, { kind });
  }
  const fit = PREDICTOR_KINDS[kind].fit as (s: readonly Sample[], o?: Record<string, unknown>) => Predictor;
  return fit(samples, options);
}
