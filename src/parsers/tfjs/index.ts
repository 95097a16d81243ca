/**
 * TF.js `model.json` → Graph. Graph models (`format: "graph-model"`) keep their TF ops (domain "tf"); layers models
 * (`format: "layers-model"`, a Keras topology) are lowered to the same "tf"-domain ops (Conv2D, BiasAdd, Relu, …), so
 * one set of op specs, fusion rules and predictors serves both (see `layers-model.ts`).
 */
import { EdgelatError } from "../../errors.js";
import type { Graph } from "../../ir/types.js";
import { invalid, isObject } from "./attrs.js";
import { parseTfjsGraphModel, type TfjsParseOptions } from "./graph-model.js";
import { parseTfjsLayersModel } from "./layers-model.js";

export type { TfjsParseOptions } from "./graph-model.js";

/** Parses JSON text (bad JSON → `invalid_json`) or takes an already-parsed object. */
export function toJsonObject(modelJson: unknown): Record<string, unknown> {
  let value = modelJson;
  if (typeof modelJson === "string") {
    try {
      value = JSON.parse(modelJson);
    } catch (e) {
      throw new EdgelatError("invalid_json", `model.json is not valid JSON: ${(e as Error).message}`);
    }
  } else if (modelJson instanceof Uint8Array) {
    return toJsonObject(new TextDecoder().decode(modelJson));
  }
  if (!isObject(value)) invalid("model.json is not a JSON object");
  return value;
}

export function parseTfjs(modelJson: unknown, opts: TfjsParseOptions = {}): Graph {
  const json = toJsonObject(modelJson);
  const topology = json.modelTopology;
  if (!isObject(topology)) invalid("TF.js model.json has no modelTopology object");
  const format = json.format;
  const isLayers = format === "layers-model" || (format === undefined && ("class_name" in topology || "model_config" in topology));
  return isLayers ? parseTfjsLayersModel(json, opts) : parseTfjsGraphModel(json, opts);
}
