/**
 * TensorFlow.js 4.22 with the WebAssembly backend, running converted graph models.
 *
 * Source: documented behaviour. The TF.js converter already fused the graph (`_FusedConv2D`,
 * `FusedDepthwiseConv2dNative`, `_FusedMatMul` carry bias, activation and BatchNorm), so at run time each remaining
 * graph node launches one wasm kernel; the graph executor itself resolves `Const`, `Identity`, `NoOp`, `StopGradient`
 * and `Snapshot` without a kernel, and folded shape computations never run. An unfused Conv2D / MatMul followed by
 * BiasAdd and an activation (layers models, graphs converted without optimization) is fused the way the converter
 * would. Not yet verified against `tf.profile()` kernel lists here.
 */
import { node, ops, rule, single, step, type RuleSet } from "../pattern.js";
import { IDENTITY_LIKE } from "../rules/common.js";

const TF_ACT = ops("Relu", "Relu6", "Elu", "Sigmoid", "LeakyRelu", "Prelu", "Tanh");

export const tfjsWasm422: RuleSet = {
  id: "tfjs-wasm@4.22",
  source: "TF.js 4.22 wasm backend: converter-fused graph nodes run one kernel each (documented behaviour; not verified here)",
  elide: IDENTITY_LIKE,
  rules: [
    single("tf-conv-bias-act", ops("Conv2D", "DepthwiseConv2dNative"), [step(ops("BiasAdd", "Add", "AddV2"), { others: "const" }), step(TF_ACT)], {
      doc: "unfused Conv2D + BiasAdd + activation, as the converter fuses them",
    }),
    rule("tf-matmul-bias-act", [node(ops("MatMul")), node(ops("BiasAdd", "Add", "AddV2"), [0, "const"])], { extend: [step(TF_ACT)] }),
  ],
};
