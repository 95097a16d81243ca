/**
 * TensorFlow.js 4.22 with the WebAssembly backend, running converted graph models.
 *
 * Source: TF.js's runtime behaviour, checked with `tf.profile()` (scripts/check-fusion-tfjs.ts, fixtures replayed by
 * test/fusion-tfjs-fixtures.test.ts). The converter already fused the graph (`_FusedConv2D`,
 * `FusedDepthwiseConv2dNative`, `_FusedMatMul` carry bias, activation and BatchNorm); the runtime fuses nothing more:
 * every remaining graph node launches its kernel — `Identity`, `Reshape` and `Squeeze` included (they show up in the
 * profile) — except `Const` / `NoOp`-like nodes and folded shape computations. Some kernels launch helpers of their
 * own (the wasm BatchMatMul reshapes its operands and result); the check accounts for those by name.
 */
import { ops, type RuleSet } from "../pattern.js";

export const tfjsWasm422: RuleSet = {
  id: "tfjs-wasm@4.22",
  source: "TF.js 4.22 wasm backend: converter-fused graph nodes run one kernel each; checked against tf.profile() kernel lists of the TF.js corpus",
  elide: [{ op: ops("NoOp", "StopGradient", "Snapshot"), reason: "no kernel in the TF.js graph executor", passThrough: true }],
  rules: [],
};
