/**
 * Fusion: `fuse(inferredGraph, backend)` → the kernels a runtime really executes.
 * Rule sets are data (src/fusion/backends/*), assembled in one place (`ruleSets`); the engine is src/fusion/engine.ts.
 */
import type { InferredGraph } from "../shape/types.js";
import { getRuleSet } from "./backends/index.js";
import { fuseWith, type FuseEngineOptions } from "./engine.js";
import type { RuleSet } from "./pattern.js";
import type { KernelGraph } from "./types.js";

/**
 * Fuses an inferred graph with a backend's rule set (an id from `ruleSets`, or your own `RuleSet`).
 * Pure: the input's data is not modified (a structural index is cached on the InferredGraph object under a hidden,
 * non-enumerable key). Every node ends up in exactly one kernel or in `noKernel` with a reason.
 * Unknown backend id → `EdgelatError("unknown_backend")`; disabling a rule the set does not have → `invalid_argument`.
 */
export function fuse(inferred: InferredGraph, backend: string | RuleSet, options: FuseEngineOptions = {}): KernelGraph {
  const set = typeof backend === "string" ? getRuleSet(backend) : backend;
  return fuseWith(inferred, set, options);
}
