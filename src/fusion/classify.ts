/**
 * Kernel classes and type labels from an anchor op: the naming half of fusion, kept apart from matching.
 * Works across formats: ONNX ops (NCHW) and TF.js graph ops (domain "tf", NHWC).
 */
import type { Node } from "../ir/types.js";
import type { OpCategory } from "../ops/types.js";
import type { MatchEnv } from "./pattern.js";
import { asInt } from "./pattern.js";
import type { KernelClass } from "./types.js";

const CLASS_OF_CATEGORY: Readonly<Record<OpCategory, KernelClass>> = {
  conv: "conv",
  dwconv: "dwconv",
  convtranspose: "convtranspose",
  fc: "fc",
  matmul: "matmul",
  norm: "norm",
  activation: "elementwise",
  elementwise: "elementwise",
  pool: "pool",
  "global-pool": "global-pool",
  reduce: "reduce",
  softmax: "softmax",
  concat: "concat",
  split: "data-movement",
  slice: "data-movement",
  reshape: "data-movement",
  transpose: "data-movement",
  pad: "pad",
  resize: "resize",
  gather: "data-movement",
  shape: "other",
  constant: "other",
  "control-flow": "other",
  other: "other",
};

/** Op types whose kernel class is fixed whatever their category says (runtime-inserted layout ops). */
const CLASS_OF_OP: Readonly<Record<string, KernelClass>> = {
  ReorderInput: "layout-reorder",
  ReorderOutput: "layout-reorder",
  MatMulNBits: "fc",
};

/** Input channels of a conv-like node, from its data input's shape (NCHW for ONNX, NHWC for TF). */
function convInputChannels(n: Node, env: MatchEnv): number | undefined {
  const x = env.shape(n.inputs[0] ?? "");
  if (x === undefined || x.length < 3) return undefined;
  return n.domain === "tf" ? x[x.length - 1] : x[1];
}

/** conv / gconv / dwconv by group count (ONNX `group`; TF depthwise ops are always depthwise). */
export function convClass(n: Node, env: MatchEnv): "conv" | "gconv" | "dwconv" {
  if (n.opType === "DepthwiseConv2dNative" || n.opType === "FusedDepthwiseConv2dNative") return "dwconv";
  const group = asInt(n.attrs.group, 1);
  if (group <= 1) return "conv";
  const cin = convInputChannels(n, env);
  if (cin !== undefined) return group === cin ? "dwconv" : "gconv";
  const w = env.shape(n.inputs[1] ?? ""); // ONNX weight [M, C/group, kH, kW]: one input channel per group
  return w !== undefined && w[1] === 1 ? "dwconv" : "gconv";
}

/** The kernel class a node gives a kernel it anchors. */
export function classOf(n: Node, category: OpCategory | undefined, env: MatchEnv): KernelClass {
  const fixed = CLASS_OF_OP[n.opType];
  if (fixed !== undefined) return fixed;
  switch (category) {
    case "conv":
    case "dwconv":
      return convClass(n, env);
    case "fc":
    case "matmul":
      // MatMul of two activations is attention-style matmul; with a constant operand it is a dense layer.
      if (n.opType === "MatMul" || n.opType === "BatchMatMul" || n.opType === "BatchMatMulV2" || n.opType === "_FusedMatMul") {
        return n.inputs.slice(0, 2).some((t) => env.isConst(t)) ? "fc" : "matmul";
      }
      return category === "fc" ? "fc" : "matmul";
    case "reduce":
      return isSpatialMean(n, env) ? "global-pool" : "reduce";
    case undefined:
      return "other";
    default:
      return CLASS_OF_CATEGORY[category];
  }
}

/** ReduceMean / Mean over the spatial axes of a 4-D tensor (TFLite's MEAN, i.e. global average pooling). */
export function isSpatialMean(n: Node, env: MatchEnv): boolean {
  if (n.opType !== "ReduceMean" && n.opType !== "Mean") return false;
  let axes: readonly number[] | undefined;
  const a = n.attrs.axes;
  if (Array.isArray(a)) axes = a as number[];
  else if (n.inputs[1]) axes = env.values(n.inputs[1]);
  if (axes === undefined || axes.length !== 2) return false;
  const norm = axes.map((v) => (v < 0 ? v + 4 : v)).sort();
  return n.domain === "tf" ? norm[0] === 1 && norm[1] === 2 : norm[0] === 2 && norm[1] === 3;
}

const LABEL_OF_OP: Readonly<Record<string, string>> = {
  BatchNormalization: "bn",
  FusedBatchNorm: "bn",
  FusedBatchNormV2: "bn",
  FusedBatchNormV3: "bn",
  HardSwish: "hswish",
  HardSigmoid: "hsigmoid",
  LeakyRelu: "leakyrelu",
  AddV2: "add",
  BiasAdd: "add",
  Sum: "add",
  Maximum: "max",
  Minimum: "min",
  MaxPool: "maxpool",
  AvgPool: "avgpool",
  AveragePool: "avgpool",
  GlobalAveragePool: "gap",
  GlobalMaxPool: "gmp",
  ConcatV2: "concat",
  MirrorPad: "pad",
  PadV2: "pad",
  LayerNormalization: "layernorm",
  ReorderInput: "reorder",
  ReorderOutput: "reorder",
};

/** Label of a member op in a kernel type name: "bn", "relu", "relu6" (Clip 0..6), "add", … */
export function labelOf(n: Node, env: MatchEnv): string {
  if (n.opType === "Clip") {
    const lo = clipBound(n, env, 1, "min");
    const hi = clipBound(n, env, 2, "max");
    if (lo === 0 && hi === 6) return "relu6";
    if (lo === 0 && hi === undefined) return "relu";
    return "clip";
  }
  return LABEL_OF_OP[n.opType] ?? n.opType.toLowerCase();
}

/** Clip's min / max (attribute before opset 11, constant input after); undefined when absent or unknown. */
export function clipBound(n: Node, env: MatchEnv, input: number, attr: string): number | undefined {
  const a = n.attrs[attr];
  if (typeof a === "number") return a;
  const t = n.inputs[input];
  if (!t) return undefined;
  const v = env.values(t);
  return v !== undefined && v.length === 1 ? v[0] : undefined;
}

/** Label of the anchor: its class for compute kernels ("conv", "dwconv", "fc"), else its op label ("maxpool"). */
export function anchorLabel(cls: KernelClass, n: Node, env: MatchEnv): string {
  switch (cls) {
    case "conv":
    case "gconv":
    case "dwconv":
    case "fc":
    case "matmul":
    case "convtranspose":
      return cls;
    case "global-pool":
      return n.opType === "ReduceMean" || n.opType === "Mean" ? "mean" : labelOf(n, env);
    default:
      return labelOf(n, env);
  }
}
