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
 *   ConvBNFusion, ConvAddFusion / ConvMulFusion (per-channel constants), MatMulAddFusion (MatMul + bias → Gemm), and
 *   the transpose optimizer copying a Transpose into each Gather / Slice branch that reads it (a duplication: the
 *   Transpose is a member of every branch's kernel, see `transposeIntoBranches`).
 * - extended (level 2): + ConvActivationFusion (FusedConv), GemmActivationFusion (FusedGemm), GELU / LayerNorm /
 *   SkipLayerNorm / SimplifiedLayerNorm / QuickGelu / BiasGelu fusions of transformer blocks; a branch's own
 *   Transpose composes with the copied one.
 * - all (level 3): + the NCHWc layout transformer (x86 with AVX2/AVX-512): convolutions, pools and the element-wise
 *   ops between them run on channel-blocked tensors, Conv + Add (+ activation) fuse into one NCHWc Conv, and
 *   ReorderInput / ReorderOutput kernels are inserted at the layout boundaries (QuickGelu runs blocked too; a
 *   Transpose NHWC → NCHW or NCHW → NHWC next to a reorder is done by the reorder).
 */
import type { Node } from "../../ir/types.js";
import { anyOf, node, ops, rule, single, step, where, type Duplication, type Elision, type FusionRule, type InputRef, type MatchEnv, type OpMatcher, type PatternNode, type RuleSet } from "../pattern.js";
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

/** MatMul by a constant 2-D weight; `rank` selects 2-D inputs (plain Gemm) or higher (Gemm between Reshapes). */
const matmulConst = (nd: boolean): OpMatcher =>
  where(ops("MatMul"), (n, e) => {
    const a = e.shape(n.inputs[0] ?? "");
    const b = e.shape(n.inputs[1] ?? "");
    return e.isConst(n.inputs[1] ?? "") && a !== undefined && (nd ? a.length > 2 : a.length === 2) && b !== undefined && b.length === 2;
  });
const BIAS_ADD = where(ops("Add"), (n, e) => n.inputs.some((t) => e.isConst(t)));
const isScalarConst = (e: MatchEnv, t: string | undefined): boolean => {
  if (!t || !e.isConst(t)) return false;
  const s = e.shape(t);
  return s !== undefined && s.every((d) => d === 1);
};

/** NoopElimination: x·1, x/1, x+0, x−0 with a constant that does not broadcast the output to a larger shape. */
function isNoop(n: Node, e: MatchEnv): boolean {
  const [a, b] = n.inputs;
  if (!a || !b) return false;
  const constAt = e.isConst(b) ? 1 : n.opType === "Mul" || n.opType === "Add" ? (e.isConst(a) ? 0 : -1) : -1;
  if (constAt < 0) return false;
  const c = n.inputs[constAt]!;
  const x = n.inputs[1 - constAt]!;
  if (e.isConst(x)) return false;
  const v = e.values(c);
  const neutral = n.opType === "Mul" || n.opType === "Div" ? 1 : 0;
  if (v === undefined || v.length === 0 || v.some((y) => y !== neutral)) return false;
  const xs = e.shape(x);
  const ys = e.shape(n.outputs[0] ?? "");
  return xs !== undefined && ys !== undefined && xs.length === ys.length && xs.every((d, i) => d === ys[i]);
}

export const ORT_ELIDE: Elision[] = [...IDENTITY_LIKE, { op: where(ops("Mul", "Div", "Add", "Sub"), isNoop), reason: "no-op arithmetic (NoopElimination)", passThrough: true }];

function level1(): FusionRule[] {
  return [
    rule("pad-conv", [node(where(ops("Pad"), fusablePad)), node(CONV_CONST_W, [0])], { anchor: 1, extend: [convLevel1] }),
    rule("pad-maxpool", [node(where(ops("Pad"), fusablePad)), node(ops("MaxPool"), [0])], { anchor: 1 }),
    single("conv-bn-add-mul", CONV_CONST_W, [convLevel1], { doc: "ConvBNFusion, ConvAddFusion, ConvMulFusion" }),
    rule("matmul-add", [node(matmulConst(false)), node(BIAS_ADD, [0, "const"], true)], { type: "fc-add", doc: "MatMulAddFusion → Gemm" }),
    rule("reshape-matmul-add-nd", [node(ops("Reshape"), ["any", "const"]), node(matmulConst(true), [0, "const"]), node(BIAS_ADD, [1, "const"], true)], {
      anchor: 1,
      type: "fc-add",
      extend: [step(ops("Reshape"), { others: "const" })],
      doc: "MatMulAddFusion on 3-D inputs merging the Reshape in front into its input Reshape",
    }),
    rule("matmul-add-nd", [node(matmulConst(true)), node(BIAS_ADD, [0, "const"], true)], {
      type: "fc-add",
      extend: [step(ops("Reshape"), { others: "const" })],
      doc: "MatMulAddFusion on 3-D inputs: Reshape → Gemm → Reshape (a following Reshape is merged into the last one)",
    }),
    rule("layernorm-decomposed", layerNormPattern(0, "$x", true), { type: "layernorm", class: "norm", doc: "LayerNormFusion (a level-1 transformer in ORT 1.30)" }),
  ];
}

/**
 * γ from an initializer. At level 1, ORT 1.30 does not fuse a LayerNorm whose weights sit in Constant nodes
 * (Paddle2ONNX models); at level 2 it does (observed).
 */
const isInit = (e: MatchEnv, t: string): boolean => {
  const s = e.constSource(t);
  return s !== undefined && s !== "constant-node";
};

/** The decomposed LayerNorm PyTorch exports (ReduceMean, Sub, Pow, ReduceMean, Add ε, Sqrt, Div, Mul γ, Add β). */
function layerNormPattern(first: number, x: InputRef, initializerWeights = false): PatternNode[] {
  const o = first;
  return [
    // ORT's transpose optimizer pushes a Transpose feeding the LayerNorm into it, and the fusion no longer matches
    node(where(ops("ReduceMean"), (n, e) => e.producerOp(n.inputs[0] ?? "") !== "Transpose"), [x]),
    node(ops("Sub"), [x, o]),
    node(ops("Pow"), [o + 1, "const"]),
    node(ops("ReduceMean"), [o + 2]),
    node(ops("Add"), [o + 3, "const"], true),
    node(ops("Sqrt"), [o + 4]),
    node(ops("Div"), [o + 1, o + 5]),
    node(initializerWeights ? where(ops("Mul"), (n, e) => n.inputs.some((t) => isInit(e, t))) : ops("Mul"), [o + 6, "const"], true),
    node(ops("Add"), [o + 7, "const"], true),
  ];
}
const RESIDUAL_ADD = where(ops("Add"), (n, e) => {
  const a = e.shape(n.inputs[0] ?? "");
  const b = e.shape(n.inputs[1] ?? "");
  return a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]) && !e.isConst(n.inputs[0]!) && !e.isConst(n.inputs[1]!);
});

function transformerLevel2(): FusionRule[] {
  return [
    rule("skip-layernorm", [node(RESIDUAL_ADD), node(ops("LayerNormalization"), [0, "const", "const"])], {
      anchor: 1,
      type: "skip-layernorm",
      class: "norm",
      doc: "SkipLayerNormFusion: residual Add + LayerNormalization",
    }),
    rule("skip-layernorm-decomposed", [node(RESIDUAL_ADD), ...layerNormPattern(1, 0)], {
      anchor: 1,
      type: "skip-layernorm",
      class: "norm",
      doc: "LayerNormFusion then SkipLayerNormFusion",
    }),
    rule(
      "gelu-erf",
      [
        node(ops("Div"), ["$x", "const"]),
        node(ops("Erf"), [0]),
        node(ops("Add"), [1, "const"], true),
        node(ops("Mul"), ["$x", 2], true),
        node(ops("Mul"), [3, "const"], true),
      ],
      { type: "gelu", class: "elementwise", doc: "GeluFusion: x·0.5·(1 + erf(x/√2))" },
    ),
    rule("quick-gelu", [node(ops("Sigmoid"), ["$x"]), node(ops("Mul"), ["$x", 0], true)], { type: "swish", class: "elementwise", doc: "QuickGeluFusion: x·sigmoid(x)" }),
    rule("scale-matmul", [node(where(ops("Mul", "Div"), (n, e) => isScalarConst(e, n.inputs[1]) || (n.opType === "Mul" && isScalarConst(e, n.inputs[0])))), node(ops("MatMul"), [0, "any"])], {
      anchor: 1,
      doc: "MatMulScaleFusion with the scale on the first operand",
    }),
    rule("matmul-scale-b", [node(where(ops("Mul", "Div"), (n, e) => isScalarConst(e, n.inputs[1]) || (n.opType === "Mul" && isScalarConst(e, n.inputs[0])))), node(ops("MatMul"), ["any", 0])], {
      anchor: 1,
      doc: "MatMulScaleFusion with the scale on the second operand",
    }),
    rule("matmul-scale", [node(ops("MatMul")), node(where(ops("Mul", "Div"), (n, e) => isScalarConst(e, n.inputs[1]) || (n.opType === "Mul" && isScalarConst(e, n.inputs[0]))), [0, "const"], true)], {
      doc: "MatMulScaleFusion → FusedMatMul (alpha)",
    }),
  ];
}

/**
 * Level-2 rules. `convSum`: FusedConv also takes a residual Add before its activation (Conv + Add + Relu), as
 * onnxruntime-web's FusedConv does.
 */
export function level2(convSum = false): FusionRule[] {
  const l1 = level1();
  const sum = convSum ? [step(ops("Add"), { others: "any", sameShape: true })] : [];
  const withAct = (r: FusionRule): FusionRule => ({ ...r, extend: [...(r.extend ?? []), ...sum, step(CONV_ACT)] });
  return [
    withAct(l1[0]!),
    l1[1]!,
    withAct(l1[2]!),
    rule("matmul-add", [node(matmulConst(false)), node(BIAS_ADD, [0, "const"], true)], { type: "fc-add", extend: [step(GEMM_ACT)] }),
    l1[4]!,
    l1[5]!,
    single("gemm-act", ops("Gemm"), [step(GEMM_ACT)], { doc: "GemmActivationFusion → FusedGemm" }),
    ...transformerLevel2(),
    rule("layernorm-decomposed", layerNormPattern(0, "$x"), { type: "layernorm", class: "norm", doc: "LayerNormFusion" }),
    rule(
      "simplified-layernorm",
      [
        node(where(ops("Pow"), (n, e) => e.values(n.inputs[1] ?? "")?.[0] === 2), ["$x", "const"]),
        node(ops("ReduceMean"), [0]),
        node(ops("Add"), [1, "const"], true),
        node(ops("Sqrt"), [2]),
        node(ops("Div"), ["$x", 3]),
        node(ops("Mul"), [4, "const"], true),
      ],
      { type: "rmsnorm", class: "norm", doc: "SimplifiedLayerNormFusion: x / √(mean(x²) + ε) · γ (observed in ppocr-v4-rec, level 2)" },
    ),
  ];
}

/** A Gather / Slice reading one branch of a tensor: constant indices (Gather) or starts / ends / axes / steps (Slice). */
const BRANCH = where(ops("Gather", "Slice"), (n, e) => {
  for (let i = 1; i < n.inputs.length; i++) if (n.inputs[i] !== "" && !e.isConst(n.inputs[i]!)) return false;
  return true;
});

/**
 * The transpose optimizer (level 1) pushes a Transpose whose consumers are all Gather / Slice branches (the q / k / v
 * split of an attention block) through them: each branch runs its own Gather / Slice then a Transpose of the smaller
 * slice, so the one source Transpose executes as part of every branch (observed in the ViT blocks and
 * ppocr-v4-rec's attention with onnxruntime-node 1.30). From level 2 on, a Transpose after a branch (the k
 * branch's transpose for q·kᵀ) composes with the pushed one into the same node (observed).
 */
export function transposeIntoBranches(level: 1 | 2): Duplication {
  return {
    name: "transpose-into-branches",
    op: ops("Transpose"),
    into: BRANCH,
    ...(level >= 2 ? { extend: [step(ops("Transpose"))] } : {}),
    reason: "Transpose pushed into each Gather / Slice branch (transpose optimizer)",
  };
}

const source =
  "ONNX Runtime 1.30 CPU graph transformers; verified against onnxruntime-node optimized models by scripts/check-fusion-ort.ts (fixtures in test/fixtures/fusion)";

export const ortCpuBasic: RuleSet = { id: "ort-cpu@1.30/basic", source, elide: ORT_ELIDE, rules: level1(), duplicate: [transposeIntoBranches(1)], cse: true };
export const ortCpuExtended: RuleSet = { id: "ort-cpu@1.30/extended", source, elide: ORT_ELIDE, rules: level2(), duplicate: [transposeIntoBranches(2)], cse: true };
/** Level 3: NCHWc with block 16 and conv channel alignment 4, as onnxruntime-node 1.30 behaves on the machines checked here (MLAS picks the block per CPU). */
export const ortCpuAll: RuleSet = {
  id: "ort-cpu@1.30/all",
  source,
  elide: ORT_ELIDE,
  rules: level2(),
  duplicate: [transposeIntoBranches(2)],
  cse: true,
  layout: { kind: "nchwc", blockSize: 16, convChannelAlign: 4 } };
