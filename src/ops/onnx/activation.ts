/**
 * Activations and other element-wise unary ops (1 FLOP per element each, whatever their internal cost: Sigmoid,
 * HardSwish, Gelu, Erf, Exp … all count as one operation per element), Clip, PRelu, the com.microsoft Gelu family,
 * and Softmax / LogSoftmax (5 FLOPs per element: max, subtract, exp, sum, divide) / Hardmax (2).
 */
import { broadcastShapes } from "../../shape/common.js";
import type { OpSpec } from "../types.js";
import { attrFloat, attrInt, fmt, hasInput, invalidShape, like, normAxis, outCount, rejectMovedAttr, shapeOf, unary, valuesOf } from "./util.js";

const relu = (x: number): number => Math.max(0, x);

export const activationSpecs: readonly OpSpec[] = [
  unary("Relu", { fn: relu }),
  unary("Sigmoid", { fn: (x) => 1 / (1 + Math.exp(-x)) }),
  unary("HardSigmoid", { attrs: { alpha: { type: "float", default: 0.2 }, beta: { type: "float", default: 0.5 } } }),
  unary("HardSwish"),
  unary("Tanh", { fn: Math.tanh }),
  unary("LeakyRelu", { attrs: { alpha: { type: "float", default: 0.01 } } }),
  unary("Elu", { attrs: { alpha: { type: "float", default: 1 } } }),
  unary("Selu", { attrs: { alpha: { type: "float", default: 1.67326319217681884765625 }, gamma: { type: "float", default: 1.05070102214813232421875 } } }),
  unary("Celu", { attrs: { alpha: { type: "float", default: 1 } } }),
  unary("ThresholdedRelu", { attrs: { alpha: { type: "float", default: 1 } } }),
  unary("Gelu", { attrs: { approximate: { type: "string", default: "none" } } }),
  unary("Erf"),
  unary("Softplus"),
  unary("Softsign"),
  unary("Mish"),
  unary("Shrink", { attrs: { bias: { type: "float", default: 0 }, lambd: { type: "float", default: 0.5 } } }),
  unary("Exp", { fn: Math.exp, category: "elementwise" }),
  unary("Log", { fn: Math.log, category: "elementwise" }),
  unary("Sqrt", { fn: Math.sqrt, category: "elementwise" }),
  unary("Reciprocal", { fn: (x) => 1 / x, category: "elementwise" }),
  unary("Neg", { fn: (x) => -x, category: "elementwise" }),
  unary("Abs", { fn: Math.abs, category: "elementwise" }),
  unary("Sign", { fn: Math.sign, category: "elementwise" }),
  unary("Floor", { fn: Math.floor, category: "elementwise" }),
  unary("Ceil", { fn: Math.ceil, category: "elementwise" }),
  // Round half to even, as ONNX specifies.
  unary("Round", { fn: (x) => (Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x)), category: "elementwise" }),
  unary("Sin", { fn: Math.sin, category: "elementwise" }),
  unary("Cos", { fn: Math.cos, category: "elementwise" }),
  unary("Tan", { fn: Math.tan, category: "elementwise" }),
  unary("Asin", { category: "elementwise" }),
  unary("Acos", { category: "elementwise" }),
  unary("Atan", { category: "elementwise" }),
  unary("Sinh", { category: "elementwise" }),
  unary("Cosh", { category: "elementwise" }),
  unary("Asinh", { category: "elementwise" }),
  unary("Acosh", { category: "elementwise" }),
  unary("Atanh", { category: "elementwise" }),
  unary("Not", { fn: (x) => (x ? 0 : 1), category: "elementwise" }),
  unary("BitwiseNot", { category: "elementwise" }),
  unary("IsNaN", { fn: (x) => (Number.isNaN(x) ? 1 : 0), dtype: "bool", category: "elementwise" }),
  unary("IsInf", { fn: (x) => (Number.isFinite(x) || Number.isNaN(x) ? 0 : 1), dtype: "bool", category: "elementwise" }),
  // com.microsoft activations seen in ORT-optimized graphs.
  unary("Gelu", { domain: "com.microsoft" }),
  unary("QuickGelu", { domain: "com.microsoft", attrs: { alpha: { type: "float", default: 1.702 } } }),
  unary("FastGelu", { domain: "com.microsoft", inputs: [{ name: "X" }, { name: "bias", optional: true }] }),
  {
    // BiasGelu(A, B) = Gelu(A + B): 2 FLOPs per element (add, activation).
    opType: "BiasGelu",
    domain: "com.microsoft",
    category: "activation",
    inputs: [{ name: "A" }, { name: "B" }],
    shape: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: broadcastShapes(shapeOf(ctx, 0), shapeOf(ctx, 1)) }],
    flops: (_ctx, outputs) => 2 * outCount(outputs),
  },
  {
    // Clip: bounds are attributes before opset 11, optional inputs from 11 on.
    opType: "Clip",
    domain: "",
    category: "activation",
    inputs: [{ name: "input" }, { name: "min", optional: true }, { name: "max", optional: true }],
    attrs: { min: { type: "float" }, max: { type: "float" } },
    shape(ctx) {
      rejectMovedAttr(ctx, "min", 11);
      rejectMovedAttr(ctx, "max", 11);
      for (const i of [1, 2]) {
        if (hasInput(ctx, i) && shapeOf(ctx, i).length !== 0 && !(shapeOf(ctx, i).length === 1 && shapeOf(ctx, i)[0] === 1)) {
          invalidShape(`Clip bound ${ctx.node.inputs[i]} must be a scalar, got ${fmt(shapeOf(ctx, i))}`);
        }
      }
      const out = like(ctx, 0);
      const x = valuesOf(ctx, 0);
      if (x !== undefined) {
        const lo = ctx.opset < 11 ? attrFloat(ctx, "min") : valuesOf(ctx, 1)?.[0];
        const hi = ctx.opset < 11 ? attrFloat(ctx, "max") : valuesOf(ctx, 2)?.[0];
        const known = (ctx.opset < 11 || !hasInput(ctx, 1) || lo !== undefined) && (ctx.opset < 11 || !hasInput(ctx, 2) || hi !== undefined);
        if (known) out.values = x.map((v) => Math.min(hi ?? Infinity, Math.max(lo ?? -Infinity, v)));
      }
      return [out];
    },
    flops: (_ctx, outputs) => outCount(outputs),
  },
  {
    // PRelu: slope broadcasts to X (unidirectionally).
    opType: "PRelu",
    domain: "",
    category: "activation",
    inputs: [{ name: "X" }, { name: "slope" }],
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      const slope = shapeOf(ctx, 1);
      const b = broadcastShapes(x, slope);
      // Opset < 7 / some exporters give slope [C] for NCHW input: accepted when it matches the channel axis.
      if (b.length !== x.length && !(slope.length === 1 && x.length > 1 && (slope[0] === x[1] || slope[0] === 1))) {
        invalidShape(`PRelu slope ${fmt(slope)} does not broadcast to ${fmt(x)}`);
      }
      return [like(ctx, 0)];
    },
    flops: (_ctx, outputs) => outCount(outputs),
  },
  ...softmaxFamily(),
];

/** Softmax, LogSoftmax, Hardmax. Before opset 13 the input is coerced to 2-D at `axis` (default 1); from 13 the axis (default −1) is one dim. The output shape is the input shape either way. */
function softmaxFamily(): OpSpec[] {
  const make = (opType: string, flopsPerElement: number): OpSpec => ({
    opType,
    domain: "",
    category: "softmax",
    inputs: [{ name: "input" }],
    attrs: { axis: { type: "int" } },
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      const axis = attrInt(ctx, "axis") ?? (ctx.opset < 13 ? 1 : -1);
      // Opset < 13 allows axis == rank (coerces to [N, 1]); scalars are rank-0 coerced inputs.
      if (x.length > 0 && !(ctx.opset < 13 && axis === x.length)) normAxis(axis, x.length);
      return [like(ctx, 0)];
    },
    flops: (_ctx, outputs) => flopsPerElement * outCount(outputs),
  });
  return [make("Softmax", 5), make("LogSoftmax", 5), make("Hardmax", 2)];
}
