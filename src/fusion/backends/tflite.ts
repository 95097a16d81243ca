/**
 * TensorFlow Lite 2.10: the GPU delegate (OpenCL on Android, Metal on iOS) and the CPU path (XNNPACK delegate).
 *
 * What both inherit from the TFLite converter: BatchNormalization after a convolution / dense layer is folded into its
 * weights; Identity / Dropout vanish; Reshape / Flatten / Squeeze become metadata (no kernel of their own in the
 * published GPU traces: a `mean_116` is directly followed by `fully_connected_117`).
 *
 * ## tflite-gpu@2.10 — where it comes from, what is checked
 * Source: the delegate's node linking (`MergeNodes` in `delegates/gpu/common/gpu_model.cc` / `InferenceContext::Merge`,
 * TF 2.10): a node with one output whose single consumer is a *linkable* element-wise op (activations, ADD, MUL, SUB,
 * DIV, MINIMUM, MAXIMUM, …) absorbs it when the consumer's other inputs are already computed ("ready") — repeatedly,
 * so chains link. PAD in front of a convolution is merged into the convolution's padding
 * (`MergePaddingWithConvolution2D`), which is why the traces list a depthwise input of 114 for a 112 map.
 *
 * Checked here against the published Pixel 4 / S10 / … traces of `../shared/data/mobile-ml-benchmark`
 * (`cnn/ops_gpu_long.csv`, column `gpu_kernel`): the kernel names (`convolution_2d_19_linked_:_add_20`) give, per row,
 * the anchor and the ops linked into it, in order, and the node numbers show which ops ran on their own (a gap in the
 * numbering is an op without a row: PAD, or an unlinked element-wise op such as the SE block's final MUL). The test
 * `test/fusion-tflite-gpu.test.ts` rebuilds MobileNetV2, ResNet-18, MobileNetV3-Small and -Large with edgelat's
 * builders and compares the backbone's convolution kernels (row type + linked ops, in order) with the Pixel 4 trace:
 * identical for MobileNetV3-Small and -Large, and for MobileNetV2 once the extra 1×1 expansion conv of
 * pytorchcv's first block is left out; for ResNet-18 the same kernels as a multiset (our builder computes the
 * downsample conv before the main branch, so the residual ADD links into the other conv — as the "computed last" rule
 * predicts for either order). What cannot be checked without the
 * original .tflite files: the exact op order of the converted graph (it decides which of two producers an ADD links
 * into — we link into the producer computed last, as `IsReady` requires), ops the converter rewrote (HardSigmoid
 * arrives as ADD(+3, folded into the bias) → RELU6 → MUL(1/6), labelled `relu_…_mul` in the traces), and element-wise
 * ops that stayed alone (they have no rows at all). Two kernel choices in the traces are not fusions and are not
 * modelled: Winograd convolutions (`convolution_winograd_4x4_6x6`, a kernel variant of one CONV_2D) and the rare
 * `depthwise_conv_plus_1x1_conv` (38 of 33,336 rows), which runs a depthwise and a 1×1 convolution as one kernel.
 * Rule: the linked op must not broadcast (same output shape as the kernel so far) — the SE block's MUL(x, scale) is
 * never linked in the traces although its scale input is ready; this condition reproduces that.
 *
 * ## tflite-cpu@2.10 (XNNPACK) — where it comes from, what is checked
 * Source: documented behaviour. The converter fuses RELU / RELU6 / RELU_N1_TO_1 into the producing op's
 * `fused_activation_function` (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, MUL, SUB, DIV, pools); XNNPACK's
 * subgraph fusion (`xnn_subgraph_fusion`) merges a constant PAD into the following convolution and Clamp into its
 * producer. HardSwish, Sigmoid and the SE block's MUL run as their own XNNPACK operators. Not verified against
 * measurements here: the published CPU op traces are not part of the shared data (Git LFS only upstream).
 */
import { anyOf, labelled, node, ops, rule, single, step, where, type FusionRule, type RuleSet } from "../pattern.js";
import {
  ARITH,
  BN,
  CLAMP,
  CONCAT,
  CONV,
  ELEMENTWISE,
  FC,
  GLOBAL_POOL,
  IDENTITY_LIKE,
  METADATA_ONLY,
  PAD,
  POOL,
  SPATIAL_MEAN,
} from "../rules/common.js";

const ELIDE = [...IDENTITY_LIKE, ...METADATA_ONLY];

/** x·HardSigmoid(x), which the converter turns into one HARD_SWISH op (PyTorch ≤ 1.x / opset < 14 exports). */
const hswishOf = (x: number | "$x") => [
  node(labelled(ops("HardSigmoid"), ""), [x]),
  node(labelled(ops("Mul"), "hswish"), [x, typeof x === "number" ? x + 1 : 0], true),
];

/** Ops that anchor a TFLite GPU kernel: the 8 op types of the published traces, plus everything else that runs. */
const GPU_ANCHORS = anyOf(CONV, FC, POOL, GLOBAL_POOL, SPATIAL_MEAN, CONCAT);

const gpuLinks = [
  step(BN, { others: "const" }),
  step(ELEMENTWISE, { repeat: true, others: "ready", sameShape: true }),
];

const gpuRules: FusionRule[] = [
  rule("gpu-conv-hswish", [node(CONV), ...hswishOf(0)], { extend: gpuLinks.slice(1), doc: "conv + HARD_SWISH (x·HardSigmoid(x)) linked" }),
  rule("gpu-conv-bn-hswish", [node(CONV), node(BN, [0]), ...hswishOf(1)], { extend: gpuLinks.slice(1), doc: "the same with the BN folded" }),
  rule("gpu-pad-conv", [node(PAD), node(CONV, [0])], {
    anchor: 1,
    extend: gpuLinks,
    doc: "PAD merged into the convolution's padding, then BN folding and element-wise linking",
  }),
  single("gpu-link", GPU_ANCHORS, gpuLinks, { doc: "element-wise ops linked into the producing kernel" }),
  // Any other op (element-wise, resize, softmax, …) also absorbs linkable consumers (TYPE_0 merges).
  single("gpu-link-other", anyOf(ELEMENTWISE, { categories: ["softmax", "resize", "transpose", "slice", "split", "pad", "reduce", "gather", "matmul", "convtranspose", "norm", "other"] }), [
    step(ELEMENTWISE, { repeat: true, others: "ready", sameShape: true }),
  ]),
];

export const tfliteGpu210: RuleSet = {
  id: "tflite-gpu@2.10",
  source:
    "TFLite 2.10 GPU delegate node linking (gpu_model.cc MergeNodes) and PAD merging; checked against the kernel names of the published mobile-ml-benchmark GPU traces (see src/fusion/backends/tflite.ts)",
  elide: ELIDE,
  rules: [...gpuRules, rule("gpu-hswish", hswishOf("$x"), { type: "hswish", class: "elementwise", extend: gpuLinks.slice(1) })],
};

const clampOnce = [step(BN, { others: "const" }), step(CLAMP, { others: "const" })];

export const tfliteCpu210: RuleSet = {
  id: "tflite-cpu@2.10",
  source:
    "TFLite 2.10 converter fused activations + XNNPACK subgraph fusion (documented behaviour); not verified against measurements here",
  elide: ELIDE,
  rules: [
    rule("xnn-hswish", hswishOf("$x"), { type: "hswish", class: "elementwise", doc: "x·HardSigmoid(x) becomes one HARD_SWISH op" }),
    rule("xnn-pad-conv", [node(PAD), node(CONV, [0])], { anchor: 1, extend: clampOnce, doc: "constant PAD merged into the convolution" }),
    single("xnn-conv-act", CONV, clampOnce, { doc: "BN folded by the converter, RELU/RELU6 as the output clamp" }),
    single("xnn-fc-act", FC, clampOnce),
    single("xnn-binary-act", where(ARITH, (n, e) => !e.isConst(n.inputs[0] ?? "") || !e.isConst(n.inputs[1] ?? "")), [step(CLAMP)]),
    single("xnn-pool-act", anyOf(POOL), [step(CLAMP)]),
  ],
};
