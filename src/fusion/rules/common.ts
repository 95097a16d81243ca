/**
 * Matchers and rules shared by several backends. Op types are listed for both ONNX (default domain) and TF.js graph
 * models (domain "tf"); categories come from the op registry.
 */
import { classOf } from "../classify.js";
import type { Elision, MatchEnv, OpMatcher } from "../pattern.js";
import { anyOf, cats, intAttr, ops, where } from "../pattern.js";
import type { Node } from "../../ir/types.js";

/** Convolutions of every kind (dense, grouped, depthwise), ONNX and TF. */
export const CONV = ops("Conv", "Conv2D", "DepthwiseConv2dNative", "_FusedConv2D", "FusedDepthwiseConv2dNative");
/** ONNX Conv only (rules that mirror ONNX Runtime). */
export const ONNX_CONV = ops("Conv");
export const CONV_TRANSPOSE = ops("ConvTranspose", "Conv2DBackpropInput");
export const BN = ops("BatchNormalization", "FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3");
export const POOL = ops("MaxPool", "AveragePool", "AvgPool", "LpPool");
export const GLOBAL_POOL = ops("GlobalAveragePool", "GlobalMaxPool");
export const CONCAT = ops("Concat", "ConcatV2");
export const PAD = ops("Pad", "PadV2", "MirrorPad");

/** Is the tensor a weight/constant operand (the second input of a MatMul)? */
const constOperand = (n: Node, env: MatchEnv, i: number): boolean => n.inputs[i] !== undefined && env.isConst(n.inputs[i]!);

/** Dense layers: Gemm, and MatMul / TF MatMul with a constant weight. */
export const FC = anyOf(ops("Gemm", "FusedGemm"), where(ops("MatMul", "BatchMatMul", "BatchMatMulV2", "_FusedMatMul"), (n, e) => constOperand(n, e, 1)));
export const MATMUL_ANY = ops("MatMul", "BatchMatMul", "BatchMatMulV2", "_FusedMatMul");
/** Spatial mean (ReduceMean / TF Mean over H and W): global average pooling in disguise. */
export const SPATIAL_MEAN = where(ops("ReduceMean", "Mean"), (n, e) => classOf(n, "reduce", e) === "global-pool");

/** Element-wise activations (unary). */
export const ACTIVATION = anyOf(
  ops("Relu", "Relu6", "Clip", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "HardSigmoid", "HardSwish", "Softplus", "Gelu", "PRelu", "Prelu"),
  cats("activation"),
);
/** Binary arithmetic (broadcasting). */
export const ARITH = ops("Add", "AddV2", "BiasAdd", "Sub", "Mul", "Div", "Maximum", "Minimum", "Max", "Min", "Pow", "RealDiv", "SquaredDifference");
/** Anything a GPU delegate can link into a producing kernel: activations, arithmetic, unfolded batch norm. */
export const ELEMENTWISE = anyOf(ACTIVATION, ARITH, BN, cats("elementwise"));

/** Relu / Relu6 / Clip(min, max): the activations TFLite and XNNPACK fold into an op's output clamp. */
export const CLAMP = ops("Relu", "Relu6", "Clip");

/** Depthwise convolution: TF depthwise ops, or ONNX Conv with group = input channels. */
export const isDepthwise = (n: Node, e: MatchEnv): boolean => classOf(n, "conv", e) === "dwconv";
export const groupIs1 = (n: Node): boolean => intAttr(n, "group", 1) === 1;

/** The ops no inference runtime executes: metadata-only reshapes and inference no-ops. */
export const IDENTITY_LIKE: Elision[] = [
  { op: ops("Identity", "Dropout", "StopGradient", "Snapshot", "NoOp"), reason: "identity at inference", passThrough: true },
];
export const METADATA_ONLY: Elision[] = [
  { op: ops("Reshape", "Flatten", "Squeeze", "Unsqueeze", "ExpandDims"), reason: "metadata-only (reshape)", passThrough: true },
];

export type { OpMatcher };
