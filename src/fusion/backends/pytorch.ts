/**
 * PyTorch Mobile 2.0 (TorchScript after `optimize_for_mobile`; XNNPACK on CPU, Vulkan / Metal on GPU).
 *
 * Source: documented behaviour of `torch.utils.mobile_optimizer.optimize_for_mobile`: Conv + BatchNorm folding,
 * Conv2d / Linear prepacking with a fused ReLU or Hardtanh (ReLU6) clamp, dropout removal; residual adds, the ReLU
 * after them, Hardswish, Sigmoid and the SE block's multiply run as their own aten ops; flatten / view are free.
 * Partial check (test/fusion-backends.test.ts): the published Vulkan GPU op rows of ResNet-18 in
 * ../shared/data/mobile-ml-benchmark (20 `run_conv2d_context`, 8 `aten::add`, 8 `aten::relu`, 1 `run_linear_context`,
 * max / avg pool) are what this rule set gives for our ResNet-18.
 */
import { single, step, where, type RuleSet } from "../pattern.js";
import { clipBound } from "../classify.js";
import { BN, CONV, FC, IDENTITY_LIKE, METADATA_ONLY } from "../rules/common.js";
import { anyOf, ops } from "../pattern.js";

/** ReLU, or Clip / Hardtanh with constant bounds (the clamp XNNPACK prepacked ops take). */
const CLAMP = anyOf(ops("Relu", "Relu6"), where(ops("Clip"), (n, e) => clipBound(n, e, 1, "min") !== undefined || clipBound(n, e, 2, "max") !== undefined));

export const pytorchMobile20: RuleSet = {
  id: "pytorch-mobile@2.0",
  source: "optimize_for_mobile (PyTorch 2.0) documented passes; conv / add / relu kernel counts checked against the published Vulkan op rows",
  elide: [...IDENTITY_LIKE, ...METADATA_ONLY],
  rules: [
    single("prepacked-conv-clamp", CONV, [step(BN, { others: "const" }), step(CLAMP)], { doc: "conv-bn folding + conv2d_clamp_prepack" }),
    single("prepacked-linear-clamp", FC, [step(CLAMP)], { doc: "linear_clamp_prepack" }),
  ],
};
