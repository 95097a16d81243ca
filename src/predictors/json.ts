/**
 * Loading predictors from plain JSON. `predictorFromJSON` validates everything (kind, version, types, finiteness,
 * index ranges) and throws `EdgelatError("invalid_predictor")` with `details.field` naming the offending field.
 * Numbers are stored as JSON numbers: doubles survive JSON.stringify / JSON.parse exactly, so a loaded predictor
 * gives bit-identical predictions.
 */
import { isPredictorKind, PREDICTOR_KINDS } from "./registry.js";
import type { Predictor } from "./types.js";
import { fail, readObject } from "./validate.js";

export function predictorFromJSON(json: unknown): Predictor {
  const o = readObject(json, "$");
  const kind = o.kind;
  if (typeof kind !== "string") fail("kind", "expected a string");
  if (!isPredictorKind(kind)) fail("kind", `unknown predictor kind '${kind}' (known: ${Object.keys(PREDICTOR_KINDS).join(", ")})`, { kind });
  return PREDICTOR_KINDS[kind].fromJSON(o);
}
