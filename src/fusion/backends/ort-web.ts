/**
 * onnxruntime-web 1.30 (WebAssembly EP, also runnable in Node).
 *
 * Source: documented behaviour — the same graph optimizer as the CPU EP at level "all" (its default) minus the
 * NCHWc layout transformer (no MLAS NCHWc kernels in wasm), and its FusedConv additionally takes a residual Add before
 * the activation (Conv + Add + Relu as one kernel; see ../shared/docs/ecosystem.md). Not verified here: the check
 * script runs onnxruntime-node only.
 */
import type { RuleSet } from "../pattern.js";
import { level2, ORT_ELIDE, transposeIntoBranches } from "./ort.js";

export const ortWebWasm130: RuleSet = {
  id: "ort-web-wasm@1.30",
  source: "onnxruntime-web 1.30 wasm: ORT level-2 fusions (verified for ort-cpu) + FusedConv with residual Add; wasm-specific part documented, not verified here",
  elide: ORT_ELIDE,
  rules: level2(true),
  duplicate: [transposeIntoBranches(2)],
  cse: true,
};
