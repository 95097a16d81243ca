/**
 * OpenVINO 2019 R2 on the Intel Movidius Myriad VPU (NCS2), as nn-Meter models it.
 *
 * Source: a published kernel list — nn-Meter's predictor for `myriadvpu_openvino2019r2` has kernels conv-bn-relu,
 * dwconv-bn-relu, fc, hswish, relu, se, addrelu, maxpool, avgpool, bn, bnrelu, channelshuffle
 * (../shared/data/nn-meter/configs/predictors.json), and its fusion units (fusion_lib: conv-bn-relu, dwconv-bn-relu,
 * add-relu, bn-relu, hswish, se, channelshuffle) say which op groups form one kernel (the "relu" of conv-bn-relu stands
 * for ReLU-like clamps: ReLU, ReLU6 / Clip, LeakyReLU, PReLU). Not verified against measurements here (the VPU
 * latencies in ../shared/data/oneproxy are end-to-end only).
 */
import { anyOf, node, ops, rule, single, step, type RuleSet } from "../pattern.js";
import { BN, CONV, FC, GLOBAL_POOL, IDENTITY_LIKE, METADATA_ONLY } from "../rules/common.js";

const ACT = ops("Relu", "Relu6", "Clip", "LeakyRelu", "PRelu", "Prelu");

export const openvinoVpu: RuleSet = {
  id: "openvino-vpu",
  source: "nn-Meter myriadvpu_openvino2019r2 kernel list and fusion units (published); not verified against measurements here",
  elide: [...IDENTITY_LIKE, ...METADATA_ONLY],
  rules: [
    rule(
      "se",
      [
        node(anyOf(GLOBAL_POOL, ops("ReduceMean", "Mean")), ["$x"]),
        node(CONV, [0, "const"]),
        node(ACT, [1]),
        node(CONV, [2, "const"]),
        node(ops("HardSigmoid", "Sigmoid"), [3]),
        node(ops("Mul"), ["$x", 4], true),
      ],
      { type: "se", class: "elementwise", doc: "nn-Meter se fusion unit" },
    ),
    rule("hswish", [node(ops("HardSigmoid"), ["$x"]), node(ops("Mul"), ["$x", 0], true)], { type: "hswish", class: "elementwise" }),
    single("conv-bn-relu", CONV, [step(BN, { others: "const" }), step(ACT)]),
    single("fc", FC, [step(ACT)]),
    single("add-relu", ops("Add", "AddV2"), [step(ACT)]),
    single("bn-relu", BN, [step(ACT)]),
  ],
};
