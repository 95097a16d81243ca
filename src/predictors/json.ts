/**
 * Loading predictors from plain JSON. `predictorFromJSON` validates everything (kind, version, types, finiteness,
 * index ranges) and throws `EdgelatError("invalid_predictor")` with `details.field` naming the offending field.
 * Numbers are stored as JSON numbers: doubles survive JSON.stringify / JSON.parse exactly, so a loaded predictor
 * gives bit-identical predictions.
 */
import { flopsLinearFromJSON } from "./flops-linear.js";
import { linearFromJSON } from "./linear.js";
import type { Predictor } from "./types.js";
import { fail, readObject } from "./validate.js";

export const PREDICTOR_LOADERS: Readonly<Record<string, (json: unknown) => Predictor>> = {
  "flops-linear": flopsLinearFromJSON,
  linear: linearFromJSON,
};

export function predictorFromJSON(json: unknown): Predictor {
  const o = readObject(json, "$");
  const kind = o.kind;
  if (typeof kind !== "string") fail("kind", "expected a string");
  const load = Object.prototype.hasOwnProperty.call(PREDICTOR_LOADERS, kind) ? PREDICTOR_LOADERS[kind] : undefined;
  if (load === undefined) fail("kind", `unknown predictor kind '${kind}' (known: ${Object.keys(PREDICTOR_LOADERS).join(", ")})`, { kind });
  return load(o);
}
