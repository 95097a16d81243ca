/**
 * `predictLatency(graph, device)` with the built-in device ids ("pixel4-gpu") as well as loaded `Device`s: the core
 * pipeline of `./predict-core.ts` plus a catalog look-up. Importing this module bundles the catalog (every built-in
 * profile); browser code that loads one profile itself imports `edgelat/core` instead.
 */
import { getDevice } from "./devices/catalog.js";
import type { Device } from "./devices/types.js";
import type { LatencyEstimate } from "./devices/estimate.js";
import type { Graph } from "./ir/types.js";
import { predictLatency as predictOnDevice, type PredictOptions } from "./predict-core.js";
import type { InferredGraph } from "./shape/types.js";

export { aggregate, predictKernels, type KernelEstimate, type LatencyEstimate, type PredictOptions } from "./predict-core.js";

/**
 * Predicts the end-to-end latency of a graph on a device (a loaded `Device` or a built-in id such as "pixel4-gpu";
 * unknown ids throw `unknown_device` with suggestions). Pass an `InferredGraph` to skip shape inference.
 */
export function predictLatency(graph: Graph | InferredGraph, device: Device | string, options: PredictOptions = {}): LatencyEstimate {
  return predictOnDevice(graph, typeof device === "string" ? getDevice(device) : device, options);
}
