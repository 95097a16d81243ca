/**
 * TF element-wise ops: activations and unary math, binary arithmetic / comparisons with numpy broadcasting, BiasAdd,
 * Prelu, FusedBatchNorm(V2/V3), AddN, Select(V2), Cast, Identity. FLOPs: 1 per output element (per extra input for
 * AddN), SquaredDifference 2, FusedBatchNorm 2 (scale + shift at inference), like the ONNX specs.
 */
import type { DType } from "../../ir/types.js";
import type { OpSpec, TensorType } from "../types.js";
import {
  attrFloat,
  castValue,
  fmt,
  foldBroadcast,
  invalidShape,
  layoutOf,
  nary,
  outCount,
  shapeOf,
  TF,
  tfBinary,
  tfUnary,
} from "./helpers.js";

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const activations: OpSpec[] = [
  tfUnary("Relu", (x) => Math.max(0, x)),
  tfUnary("Relu6", (x) => Math.min(6, Math.max(0, x))),
  tfUnary("Elu", (x) => (x > 0 ? x : Math.exp(x) - 1)),
  tfUnary("Selu", (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * (Math.exp(x) - 1))),
  tfUnary("Sigmoid", sigmoid),
  tfUnary("Tanh", Math.tanh),
  tfUnary("Softplus", (x) => Math.log1p(Math.exp(x))),
  tfUnary("Softsign", (x) => x / (1 + Math.abs(x))),
  tfUnary("Swish", (x) => x * sigmoid(x)),
  tfUnary("HardSwish", (x) => (x * Math.min(6, Math.max(0, x + 3))) / 6),
  tfUnary("Erf", undefined),
  tfUnary("Gelu", undefined),
  tfUnary("HardSigmoid", (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5))),
  {
    ...tfUnary("LeakyRelu", undefined, { attrs: { alpha: { type: "float", default: 0.2 } } }),
    shape(ctx) {
      const x = ctx.inputs[0]!;
      const alpha = attrFloat(ctx, "alpha") ?? 0.2;
      const out: TensorType = { dtype: x.dtype, shape: x.shape };
      if (x.values) out.values = x.values.map((v) => (v >= 0 ? v : alpha * v));
      return [out];
    },
  },
];

const unaryMath: OpSpec[] = [
  tfUnary("Sqrt", Math.sqrt, { category: "elementwise" }),
  tfUnary("Rsqrt", (x) => 1 / Math.sqrt(x), { category: "elementwise" }),
  tfUnary("Exp", Math.exp, { category: "elementwise" }),
  tfUnary("Log", Math.log, { category: "elementwise" }),
  tfUnary("Log1p", Math.log1p, { category: "elementwise" }),
  tfUnary("Square", (x) => x * x, { category: "elementwise" }),
  tfUnary("Neg", (x) => -x, { category: "elementwise" }),
  tfUnary("Abs", Math.abs, { category: "elementwise" }),
  tfUnary("Reciprocal", (x) => 1 / x, { category: "elementwise" }),
  tfUnary("Inv", (x) => 1 / x, { category: "elementwise" }),
  tfUnary("Floor", Math.floor, { category: "elementwise" }),
  tfUnary("Ceil", Math.ceil, { category: "elementwise" }),
  tfUnary("Round", (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; // banker's rounding, as TF
  }, { category: "elementwise" }),
  tfUnary("Sign", Math.sign, { category: "elementwise" }),
  tfUnary("Sin", Math.sin, { category: "elementwise" }),
  tfUnary("Cos", Math.cos, { category: "elementwise" }),
  tfUnary("IsNan", (x) => (Number.isNaN(x) ? 1 : 0), { category: "elementwise", dtype: "bool" }),
  tfUnary("LogicalNot", (x) => (x ? 0 : 1), { category: "elementwise", dtype: "bool" }),
  tfUnary("ZerosLike", () => 0, { category: "elementwise", flops: 0 }),
  tfUnary("OnesLike", () => 1, { category: "elementwise", flops: 0 }),
  tfUnary("Identity", (x) => x, { category: "reshape", flops: 0, noCompute: true }),
  tfUnary("StopGradient", (x) => x, { category: "reshape", flops: 0, noCompute: true }),
  tfUnary("Snapshot", (x) => x, { category: "reshape", flops: 0, noCompute: true }),
];

const floorDiv = (a: number, b: number): number => Math.floor(a / b);
const floorMod = (a: number, b: number): number => a - Math.floor(a / b) * b;

const binary: OpSpec[] = [
  tfBinary("Add", (a, b) => a + b),
  tfBinary("AddV2", (a, b) => a + b),
  tfBinary("Sub", (a, b) => a - b),
  tfBinary("Mul", (a, b) => a * b),
  tfBinary("RealDiv", (a, b) => a / b),
  tfBinary("Div", (a, b) => a / b),
  tfBinary("DivNoNan", (a, b) => (b === 0 ? 0 : a / b)),
  tfBinary("FloorDiv", floorDiv),
  tfBinary("FloorMod", floorMod),
  tfBinary("Mod", (a, b) => a % b),
  tfBinary("Maximum", Math.max),
  tfBinary("Minimum", Math.min),
  tfBinary("Pow", (a, b) => a ** b),
  tfBinary("SquaredDifference", (a, b) => (a - b) * (a - b), { flops: 2 }),
  tfBinary("Atan2", Math.atan2),
  tfBinary("Greater", (a, b) => (a > b ? 1 : 0), { dtype: "bool" }),
  tfBinary("GreaterEqual", (a, b) => (a >= b ? 1 : 0), { dtype: "bool" }),
  tfBinary("Less", (a, b) => (a < b ? 1 : 0), { dtype: "bool" }),
  tfBinary("LessEqual", (a, b) => (a <= b ? 1 : 0), { dtype: "bool" }),
  tfBinary("Equal", (a, b) => (a === b ? 1 : 0), { dtype: "bool" }),
  tfBinary("NotEqual", (a, b) => (a !== b ? 1 : 0), { dtype: "bool" }),
  tfBinary("LogicalAnd", (a, b) => (a && b ? 1 : 0), { dtype: "bool" }),
  tfBinary("LogicalOr", (a, b) => (a || b ? 1 : 0), { dtype: "bool" }),
];

/** Prelu(x, alpha): alpha broadcasts against x; output has x's shape. */
const Prelu: OpSpec = {
  opType: "Prelu",
  domain: TF,
  category: "activation",
  inputs: [{ name: "x" }, { name: "alpha" }],
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const a = shapeOf(ctx, 1);
    if (a.length > x.length) invalidShape(`Prelu alpha ${fmt(a)} has a higher rank than x ${fmt(x)}`);
    a.forEach((d, i) => {
      const xd = x[x.length - a.length + i]!;
      if (typeof d === "number" && d !== 1 && typeof xd === "number" && d !== xd) invalidShape(`Prelu alpha ${fmt(a)} does not broadcast to x ${fmt(x)}`);
    });
    return [{ dtype: ctx.inputs[0]!.dtype, shape: x }];
  },
  flops: (_ctx, outputs) => outCount(outputs),
};

/** BiasAdd(value, bias): bias [C] added along the channel axis of data_format. */
const BiasAdd: OpSpec = {
  opType: "BiasAdd",
  domain: TF,
  category: "elementwise",
  inputs: [{ name: "value" }, { name: "bias" }],
  attrs: { data_format: { type: "string", default: "NHWC" } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const b = shapeOf(ctx, 1);
    if (x.length < 2) invalidShape(`BiasAdd value ${fmt(x)} needs rank ≥ 2`);
    if (b.length !== 1) invalidShape(`BiasAdd bias ${fmt(b)} must be a vector`);
    const c = x[layoutOf(ctx, x.length).c]!;
    if (typeof c === "number" && typeof b[0] === "number" && c !== b[0]) invalidShape(`BiasAdd bias ${fmt(b)} does not match ${c} channels of ${fmt(x)}`);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: x }];
  },
  flops: (_ctx, outputs) => outCount(outputs),
};

function batchNorm(opType: string, outputs: number): OpSpec {
  return {
    opType,
    domain: TF,
    category: "norm",
    inputs: [{ name: "x" }, { name: "scale" }, { name: "offset" }, { name: "mean", optional: true }, { name: "variance", optional: true }],
    attrs: { epsilon: { type: "float", default: 0.0001 }, data_format: { type: "string", default: "NHWC" }, is_training: { type: "int", default: 0 } },
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      if (x.length < 2) invalidShape(`${opType} x ${fmt(x)} needs rank ≥ 2`);
      const c = x[layoutOf(ctx, x.length).c]!;
      for (let i = 1; i < ctx.inputs.length; i++) {
        const p = ctx.inputs[i]?.shape;
        if (p === undefined || p.length === 0) continue;
        if (p.length !== 1 || (typeof p[0] === "number" && typeof c === "number" && p[0] !== c && p[0] !== 0)) {
          invalidShape(`${opType} parameter ${i} ${fmt(p)} does not match ${c} channels of ${fmt(x)}`);
        }
      }
      const stat: TensorType = { dtype: "float32", shape: [c] };
      return [{ dtype: ctx.inputs[0]!.dtype, shape: x }, ...Array.from({ length: outputs - 1 }, () => ({ ...stat }))];
    },
    flops: (_ctx, outs) => 2 * outCount(outs),
  };
}

const AddN: OpSpec = nary("AddN", { domain: TF, variadic: true, fn: (xs) => xs.reduce((a, b) => a + b, 0) });

/** Select(cond, t, e): TF1 allows a vector cond selecting rows of t; SelectV2 broadcasts all three. */
function select(opType: string, broadcastAll: boolean): OpSpec {
  const base = nary(opType, { domain: TF, fn: (xs) => (xs[0] ? xs[1]! : xs[2]!) });
  return {
    ...base,
    inputs: [{ name: "condition" }, { name: "t" }, { name: "e" }],
    shape(ctx) {
      const c = shapeOf(ctx, 0);
      const t = shapeOf(ctx, 1);
      if (!broadcastAll && c.length === 1 && t.length > 1) {
        if (typeof c[0] === "number" && typeof t[0] === "number" && c[0] !== t[0]) invalidShape(`Select condition ${fmt(c)} does not match rows of ${fmt(t)}`);
        return [{ dtype: ctx.inputs[1]!.dtype, shape: t }];
      }
      const shape = base.shape({ ...ctx, inputs: ctx.inputs })[0]!.shape!;
      const dtype = ctx.inputs[1]!.dtype;
      const out: TensorType = { dtype, shape };
      const v = foldBroadcast(ctx, shape, (xs) => (xs[0] ? xs[1]! : xs[2]!), dtype);
      if (v !== undefined) out.values = v;
      return [out];
    },
    flops: (_ctx, outputs) => outCount(outputs),
  };
}

const Cast: OpSpec = {
  opType: "Cast",
  domain: TF,
  category: "elementwise",
  inputs: [{ name: "x" }],
  attrs: { DstT: { type: "string", default: "float32" } },
  shape(ctx) {
    const x = ctx.inputs[0]!;
    const dtype = (typeof ctx.attrs.DstT === "string" ? ctx.attrs.DstT : "float32") as DType;
    const out: TensorType = { dtype, shape: x.shape };
    if (x.values !== undefined) out.values = x.values.map((v) => castValue(v, dtype));
    return [out];
  },
  flops: (_ctx, outputs) => outCount(outputs),
};

/** ClipByValue(t, min, max). */
const ClipByValue: OpSpec = {
  ...nary("ClipByValue", { domain: TF, category: "activation", fn: (xs) => Math.min(xs[2]!, Math.max(xs[1]!, xs[0]!)) }),
  inputs: [{ name: "t" }, { name: "clip_value_min" }, { name: "clip_value_max" }],
  flops: (_ctx, outputs) => outCount(outputs),
};

export const mathSpecs: OpSpec[] = [
  ...activations,
  ...unaryMath,
  ...binary,
  Prelu,
  BiasAdd,
  batchNorm("FusedBatchNorm", 5),
  batchNorm("FusedBatchNormV2", 5),
  batchNorm("FusedBatchNormV3", 6),
  AddN,
  select("Select", false),
  select("SelectV2", true),
  Cast,
  ClipByValue,
];
