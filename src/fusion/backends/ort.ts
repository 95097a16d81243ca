/**
 * ONNX Runtime 1.30, CPU execution provider, at the three graph optimization levels.
 *
 * Source: ONNX Runtime's graph transformers (onnxruntime/core/optimizer, assembled per level in
 * graph_transformer_utils.cc) and — the ground truth — the optimized models onnxruntime-node 1.30 writes with
 * `optimizedModelFilePath`. `npm run check-fusion` (scripts/check-fusion-ort.ts) runs every ONNX corpus model and
 * generated MobileNetV2/V3, ResNet-18, NAS-Bench-201 and ViT-block models through ORT at each level and compares the
 * executed nodes with these rule sets; its results are kept as fixtures in test/fixtures/fusion/ and replayed by
 * test/fusion-ort-fixtures.test.ts without ORT.
 *
 * - basic (level 1): constant folding, Identity / Dropout elimination, PadFusion (Pad → Conv / MaxPool),
 *   ConvBNFusion, ConvAddFusion / ConvMulFusion (per-channel constants), MatMulAddFusion (MatMul + bias → Gemm).
 * - extended (level 2): + ConvActivationFusion (FusedConv), GemmActivationFusion (FusedGemm), GELU / LayerNorm /
 *   SkipLayerNorm / BiasGelu fusions of transformer blocks.
 * - all (level 3): + the NCHWc layout transformer (x86 with AVX2/AVX-512): convolutions, pools and the element-wise
 *   ops between them run on channel-blocked tensors, Conv + Add (+ activation) fuse into one NCHWc Conv, and
 *   ReorderInput / ReorderOutput kernels are inserted at the layout boundaries.
 */
import type { Node } from "../../ir/types.js";
import { anyOf, node, ops, rule, single, step, where, type FusionRule, type MatchEnv, type OpMatcher, type RuleSet } from "../pattern.js";
import { clipBound } from "../classify.js";
import { IDENTITY_LIKE } from "../rules/common.js";

/** Per-channel constant for Conv{Add,Mul}Fusion: rank ≥ 3 with every dim after the channel axis equal to 1. */
function perChannelConst(n: Node, e: MatchEnv): boolean {
  let other: string | undefined;
  let viaConv = 0;
  for (const t of n.inputs) {
    if (!e.isConst(t)) viaConv++;
    else other = t;
  }
  if (viaConv !== 1 || other === undefined) return false;
  const s = e.shape(other);
  if (s === undefined) return false;
  if (s.length === 0) return false;
  const rank = s.length;
  if (rank < 3) return false;
  for (let i = rank - 2; i < rank; i++) if (s[i] !== 1) return false;
  return rank === 3 || (rank === 4 && s[0] === 1);
}

/** Pad that PadFusion can merge: constant mode, zero value, no padding on batch / channel axes, constant pads. */
function fusablePad(n: Node, e: MatchEnv): boolean {
  const mode = n.attrs.mode;
  if (mode !== undefined && mode !== "constant") return false;
  let pads: readonly number[] | undefined = Array.isArray(n.attrs.pads) ? (n.attrs.pads as number[]) : undefined;
  if (pads === undefined) {
    if (!n.inputs[1] || !e.isConst(n.inputs[1])) return false;
    pads = e.values(n.inputs[1]);
  }
  if (pads === undefined || pads.length !== 8) return false;
  if (pads[0] !== 0 || pads[1] !== 0 || pads[4] !== 0 || pads[5] !== 0) return false;
  for (const p of pads) if (p < 0) return false;
  const value = n.inputs[2];
  if (value) {
    const v = e.values(value);
    if (v === undefined || v.some((x) => x !== 0)) return false;
  } else if (typeof n.attrs.value === "number" && n.attrs.value !== 0) return false;
  return true;
}

const CONV_CONST_W = where(ops("Conv"), (n, e) => e.isConst(n.inputs[1] ?? "") && (n.inputs.length < 3 || !n.inputs[2] || e.isConst(n.inputs[2])));
const BN_CONST = where(ops("BatchNormalization"), (n, e) => n.outputs.filter((o) => o !== "").length === 1 && n.inputs.slice(1).every((t) => e.isConst(t)), "bn");
const ADD_PER_CHANNEL = where(ops("Add"), perChannelConst, "add");
const MUL_PER_CHANNEL = where(ops("Mul"), perChannelConst, "mul");

/** Level 1 absorptions into a Conv (repeated: ORT's rule-based transformer iterates to a fixed point). */
const convLevel1 = step(anyOf(BN_CONST, ADD_PER_CHANNEL, MUL_PER_CHANNEL), { repeat: true });

/** Activations ConvActivationFusion folds into FusedConv on the CPU EP. */
const CONV_ACT: OpMatcher = anyOf(
  ops("Relu", "Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid"),
  where(ops("Clip"), (n, e) => {
    const lo = n.inputs[1];
    const hi = n.inputs[2];
    // min / max must be constants (attribute form before opset 11)
    return (!lo || e.isConst(lo)) && (!hi || e.isConst(hi)) && (clipBound(n, e, 1, "min") !== undefined || clipBound(n, e, 2, "max") !== undefined || (!lo && !hi));
  }),
);
/** Activations GemmActivationFusion folds into FusedGemm. */
const GEMM_ACT: OpMatcher = anyOf(ops("Relu", "Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid", "Elu", "Selu", "Softsign", "ThresholdedRelu"));

const MATMUL_CONST_2D = where(ops("MatMul"), (n, e) => {
  const a = e.shape(n.inputs[0] ?? "");
  const b = e.shape(n.inputs[1] ?? "");
  return e.isConst(n.inputs[1] ?? "") && a !== undefined && a.length === 2 && b !== undefined && b.length === 2;
});
const BIAS_ADD = where(ops("Add"), (n, e) => n.inputs.some((t) => e.isConst(t)));

function level1(): FusionRule[] {
  return [
    rule("pad-conv", [node(where(ops("Pad"), fusablePad)), node(CONV_CONST_W, [0])], { anchor: 1, extend: [convLevel1] }),
    rule("pad-maxpool", [node(where(ops("Pad"), fusablePad)), node(ops("MaxPool"), [0])], { anchor: 1 }),
    single("conv-bn-add-mul", CONV_CONST_W, [convLevel1], { doc: "ConvBNFusion, ConvAddFusion, ConvMulFusion" }),
    rule("matmul-add", [node(MATMUL_CONST_2D), node(BIAS_ADD, [0, "const"], true)], { type: "fc-add", doc: "MatMulAddFusion → Gemm" }),
  ];
}

function level2(): FusionRule[] {
  const l1 = level1();
  const withAct = (r: FusionRule): FusionRule => ({ ...r, extend: [...(r.extend ?? []), step(CONV_ACT)] });
  return [
    withAct(l1[0]!),
    l1[1]!,
    withAct(l1[2]!),
    rule("matmul-add", [node(MATMUL_CONST_2D), node(BIAS_ADD, [0, "const"], true)], { type: "fc-add", extend: [step(GEMM_ACT)] }),
    single("gemm-act", ops("Gemm"), [step(GEMM_ACT)], { doc: "GemmActivationFusion → FusedGemm" }),
  ];
}

const source =
  "ONNX Runtime 1.30 CPU graph transformers; verified against onnxruntime-node optimized models by scripts/check-fusion-ort.ts (fixtures in test/fixtures/fusion)";

export const ortCpuBasic: RuleSet = { id: "ort-cpu@1.30/basic", source, elide: IDENTITY_LIKE, rules: level1() };
export const ortCpuExtended: RuleSet = { id: "ort-cpu@1.30/extended", source, elide: IDENTITY_LIKE, rules: level2() };
export const ortCpuAll: RuleSet = { id: "ort-cpu@1.30/all", source, elide: IDENTITY_LIKE, rules: level2() };
