/**
 * `predictLatency(graph, device)` = inferShapes (when needed) → fuse(device.ruleSet ?? device.backend) → predictKernels → aggregate.
 * Each stage is exported and usable alone. Pure and deterministic: the same inputs give the same estimate.
 *
 * This module takes a loaded `Device` only and never reaches the built-in catalog, so a bundle of `edgelat/core`
 * carries no device profiles (load one with `loadDevice`, e.g. from `edgelat/devices/<id>.json`). `./predict.ts`
 * adds the built-in string ids ("pixel4-gpu") on top, for the main `edgelat` entry.
 */
import { aggregate, predictKernels, type LatencyEstimate } from "./devices/estimate.js";
import type { Device } from "./devices/types.js";
import { EdgelatError } from "./errors.js";
import { fuse } from "./fusion/fuse.js";
import type { FuseEngineOptions } from "./fusion/engine.js";
import type { Graph, Shape } from "./ir/types.js";
import { inferShapes } from "./shape/infer.js";
import type { InferredGraph } from "./shape/types.js";

export { aggregate, predictKernels, type KernelEstimate, type LatencyEstimate } from "./devices/estimate.js";

export interface PredictOptions {
  /** Fix symbolic or missing input dims before shape inference: `{ input: [1, 3, 224, 224] }`. */
  inputShapes?: Record<string, Shape>;
  /** Passed to `fuse`. */
  fuse?: FuseEngineOptions;
}

function isInferred(g: Graph | InferredGraph): g is InferredGraph {
  return (g as InferredGraph).costs !== undefined && (g as InferredGraph).graph !== undefined;
}

/**
 * Predicts the end-to-end latency of a graph on a loaded `Device` (from `loadDevice`). Pass an `InferredGraph` to skip
 * shape inference (the fast path for search loops). A string id throws `unknown_device` here: ids need the catalog of
 * the main `edgelat` entry.
 */
export function predictLatency(graph: Graph | InferredGraph, device: Device, options: PredictOptions = {}): LatencyEstimate {
  if (typeof device !== "object" || device === null) {
    throw new EdgelatError(
      "unknown_device",
      typeof device === "string"
        ? `device id '${device}' needs the built-in catalog, which edgelat/core leaves out: pass loadDevice(json) (profiles ship as edgelat/devices/<id>.json), or import predictLatency from 'edgelat'`
        : `device must be a loaded Device (loadDevice(json)), got ${device === null ? "null" : typeof device}`,
      { id: typeof device === "string" ? device : String(device) },
    );
  }
  const dev = device;
  let inferred: InferredGraph;
  if (isInferred(graph)) {
    if (options.inputShapes !== undefined) {
      throw new EdgelatError("invalid_argument", "inputShapes applies to a raw Graph; this graph's shapes are already inferred");
    }
    inferred = graph;
  } else {
    inferred = inferShapes(graph, options.inputShapes === undefined ? {} : { inputShapes: options.inputShapes });
  }
  // a profile's measured fusion selection (`fusion.disable`) is resolved once by loadDevice into `ruleSet`
  const kernels = fuse(inferred, dev.ruleSet ?? dev.backend, options.fuse);
  const warnings: string[] = [...(inferred.graph.warnings ?? [])];
  for (const u of inferred.unknown) warnings.push(`node ${u.node} (${u.opType}): shape unknown — ${u.reason}`);
  return aggregate(predictKernels(kernels, dev), dev, warnings);
}
