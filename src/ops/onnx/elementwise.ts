/**
 * Element-wise n-ary ops with numpy broadcasting: 1 FLOP per output element per input beyond the first (a binary op:
 * 1 per element; Sum of 3 inputs: 2). Comparisons and logic produce bool. Small known inputs are folded (shape
 * arithmetic such as Mul(Gather(Shape(x)), 2) or Div(dim, heads)); integer division truncates like ORT.
 */
import type { OpSpec } from "../types.js";
import { broadcastInputs, foldBroadcast, hasInput, like, nary, outCount, shapeOf } from "./util.js";

const intMod = (a: number, b: number): number => {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
};

export const Where: OpSpec = {
  opType: "Where",
  domain: "",
  category: "elementwise",
  inputs: [{ name: "condition" }, { name: "X" }, { name: "Y" }],
  shape(ctx) {
    const shape = broadcastInputs(ctx);
    const dtype = ctx.inputs[1]!.dtype;
    const values = foldBroadcast(ctx, shape, (xs) => (xs[0] ? xs[1]! : xs[2]!), dtype);
    return [values === undefined ? { dtype, shape } : { dtype, shape, values }];
  },
  flops: (_ctx, outputs) => outCount(outputs),
};

/** QuantizeLinear / DequantizeLinear: x's shape; 2 FLOPs per element (scale, shift). */
export const QuantizeLinear: OpSpec = {
  opType: "QuantizeLinear",
  domain: "",
  category: "elementwise",
  inputs: [{ name: "x" }, { name: "y_scale" }, { name: "y_zero_point", optional: true }],
  attrs: { axis: { type: "int", default: 1 } },
  shape: (ctx) => [like(ctx, 0, hasInput(ctx, 2) ? ctx.inputs[2]!.dtype : "uint8")],
  flops: (_ctx, outputs) => 2 * outCount(outputs),
};

export const DequantizeLinear: OpSpec = {
  opType: "DequantizeLinear",
  domain: "",
  category: "elementwise",
  inputs: [{ name: "x" }, { name: "x_scale" }, { name: "x_zero_point", optional: true }],
  attrs: { axis: { type: "int", default: 1 } },
  shape: (ctx) => [{ dtype: ctx.inputs[1]!.dtype, shape: shapeOf(ctx, 0) }],
  flops: (_ctx, outputs) => 2 * outCount(outputs),
};

export const elementwiseSpecs: readonly OpSpec[] = [
  nary("Add", { fn: (x) => x[0]! + x[1]! }),
  nary("Sub", { fn: (x) => x[0]! - x[1]! }),
  nary("Mul", { fn: (x) => x[0]! * x[1]! }),
  nary("Div", { fn: (x) => x[0]! / x[1]! }),
  nary("Pow", { fn: (x) => x[0]! ** x[1]! }),
  nary("Mod", { fn: (x, ctx) => (ctx.attrs.fmod ? x[0]! % x[1]! : intMod(x[0]!, x[1]!)), attrs: { fmod: { type: "int", default: 0 } } }),
  nary("BitShift", { attrs: { direction: { type: "string", required: true } } }),
  nary("BitwiseAnd", { fn: (x) => x[0]! & x[1]! }),
  nary("BitwiseOr", { fn: (x) => x[0]! | x[1]! }),
  nary("BitwiseXor", { fn: (x) => x[0]! ^ x[1]! }),
  nary("Max", { variadic: true, fn: (x) => Math.max(...x) }),
  nary("Min", { variadic: true, fn: (x) => Math.min(...x) }),
  nary("Sum", { variadic: true, fn: (x) => x.reduce((a, b) => a + b, 0) }),
  nary("Mean", { variadic: true, fn: (x) => x.reduce((a, b) => a + b, 0) / x.length }),
  nary("Equal", { dtype: "bool", fn: (x) => (x[0] === x[1] ? 1 : 0) }),
  nary("Less", { dtype: "bool", fn: (x) => (x[0]! < x[1]! ? 1 : 0) }),
  nary("LessOrEqual", { dtype: "bool", fn: (x) => (x[0]! <= x[1]! ? 1 : 0) }),
  nary("Greater", { dtype: "bool", fn: (x) => (x[0]! > x[1]! ? 1 : 0) }),
  nary("GreaterOrEqual", { dtype: "bool", fn: (x) => (x[0]! >= x[1]! ? 1 : 0) }),
  nary("And", { dtype: "bool", fn: (x) => (x[0] && x[1] ? 1 : 0) }),
  nary("Or", { dtype: "bool", fn: (x) => (x[0] || x[1] ? 1 : 0) }),
  nary("Xor", { dtype: "bool", fn: (x) => (!x[0] !== !x[1] ? 1 : 0) }),
  Where,
  QuantizeLinear,
  DequantizeLinear,
];
