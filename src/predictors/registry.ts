/**
 * The predictor kinds as data: each with its declarative fit-options schema, its fit function and its JSON loader.
 * `fitPredictor` and `predictorFromJSON` dispatch through this table; nothing is registered by import side effects.
 */
import { fitFlopsLinear, flopsLinearFromJSON, FLOPS_LINEAR_OPTIONS } from "./flops-linear.js";
import { fitForest, forestFromJSON, FOREST_OPTIONS } from "./forest.js";
import { fitGbt, gbtFromJSON, GBT_OPTIONS } from "./gbt.js";
import { fitLinear, linearFromJSON, LINEAR_OPTIONS } from "./linear.js";
import { fitLookup, lookupFromJSON, LOOKUP_OPTIONS } from "./lookup.js";
import type { OptionSchema } from "./options.js";
import { fitRoofline, rooflineFromJSON, ROOFLINE_OPTIONS } from "./roofline.js";
import type { Predictor, Sample } from "./types.js";

export interface PredictorKindSpec {
  /** Fit options: name → type, default, range, doc. */
  options: OptionSchema;
  fit(samples: readonly Sample[], options?: Record<string, unknown>): Predictor;
  fromJSON(json: unknown): Predictor;
  doc: string;
}

export const PREDICTOR_KINDS = {
  "flops-linear": { options: FLOPS_LINEAR_OPTIONS, fit: fitFlopsLinear, fromJSON: flopsLinearFromJSON, doc: "latency = a·flops + b" },
  roofline: { options: ROOFLINE_OPTIONS, fit: fitRoofline, fromJSON: rooflineFromJSON, doc: "latency = max(flops/peak, bytes/bandwidth) + launch" },
  lookup: { options: LOOKUP_OPTIONS, fit: fitLookup, fromJSON: lookupFromJSON, doc: "table of configurations with log-log / IDW interpolation" },
  linear: { options: LINEAR_OPTIONS, fit: fitLinear, fromJSON: linearFromJSON, doc: "ridge / NNLS regression on engineered features" },
  gbt: { options: GBT_OPTIONS, fit: fitGbt, fromJSON: gbtFromJSON, doc: "gradient-boosted regression trees" },
  forest: { options: FOREST_OPTIONS, fit: fitForest, fromJSON: forestFromJSON, doc: "random forest of regression trees" },
} as const satisfies Record<string, PredictorKindSpec>;

export type PredictorKind = keyof typeof PREDICTOR_KINDS;

export function isPredictorKind(kind: unknown): kind is PredictorKind {
  return typeof kind === "string" && Object.prototype.hasOwnProperty.call(PREDICTOR_KINDS, kind);
}
