/**
 * Quantized ops of QDQ / QOperator graphs (ai.onnx and com.microsoft): DynamicQuantizeLinear, QLinearAdd / Mul,
 * QLinear activations, QLinearGlobalAveragePool, QLinearConcat, MatMulIntegerToFloat. QLinearConv and
 * QLinearMatMul live with their float counterparts. FLOPs follow the float op (1 per element for arithmetic).
 */
import type { Dim } from "../../ir/types.js";
import { broadcastShapes } from "../../shape/common.js";
import type { OpSpec } from "../types.js";
import { attrInt, fmt, inCount, invalidShape, normAxis, outCount, shapeOf } from "./util.js";
import { matmulShape } from "./matmul.js";

const names = (...n: string[]) => n.map((name) => ({ name }));

function qlinearBinary(opType: string): OpSpec {
  return {
    opType,
    domain: "com.microsoft",
    category: "elementwise",
    inputs: [...names("A", "A_scale"), { name: "A_zero_point", optional: true }, ...names("B", "B_scale"), { name: "B_zero_point", optional: true }, ...names("C_scale"), { name: "C_zero_point", optional: true }],
    shape: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: broadcastShapes(shapeOf(ctx, 0), shapeOf(ctx, 3)) }],
    flops: (_ctx, outputs) => outCount(outputs),
  };
}

function qlinearUnary(opType: string): OpSpec {
  return {
    opType,
    domain: "com.microsoft",
    category: "activation",
    inputs: [...names("X", "X_scale"), { name: "X_zero_point", optional: true }, ...names("Y_scale"), { name: "Y_zero_point", optional: true }],
    attrs: { alpha: { type: "float", default: 0.01 } },
    shape: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: shapeOf(ctx, 0) }],
    flops: (_ctx, outputs) => outCount(outputs),
  };
}

export const quantSpecs: readonly OpSpec[] = [
  {
    opType: "DynamicQuantizeLinear",
    domain: "",
    category: "elementwise",
    inputs: names("x"),
    shape: (ctx) => [
      { dtype: "uint8", shape: shapeOf(ctx, 0) },
      { dtype: "float32", shape: [] },
      { dtype: "uint8", shape: [] },
    ],
    // min/max scan (1) + quantize (2) per element.
    flops: (ctx) => 3 * inCount(ctx, 0),
  },
  qlinearBinary("QLinearAdd"),
  qlinearBinary("QLinearMul"),
  qlinearUnary("QLinearSigmoid"),
  qlinearUnary("QLinearLeakyRelu"),
  {
    opType: "QLinearGlobalAveragePool",
    domain: "com.microsoft",
    category: "global-pool",
    inputs: [...names("X", "x_scale", "x_zero_point", "y_scale", "y_zero_point")],
    attrs: { channels_last: { type: "int", default: 0 } },
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      if (x.length < 3) invalidShape(`QLinearGlobalAveragePool input ${fmt(x)} needs rank ≥ 3`);
      const shape: Dim[] = attrInt(ctx, "channels_last") ? x.map((d, i) => (i === 0 || i === x.length - 1 ? d : 1)) : x.map((d, i) => (i < 2 ? d : 1));
      return [{ dtype: ctx.inputs[0]!.dtype, shape }];
    },
    flops: (ctx) => inCount(ctx, 0),
  },
  {
    // QLinearConcat(Y_scale, Y_zero_point, X0, X0_scale, X0_zero_point, X1, …)
    opType: "QLinearConcat",
    domain: "com.microsoft",
    category: "concat",
    inputs: [...names("Y_scale", "Y_zero_point"), { name: "inputs", variadic: true }],
    attrs: { axis: { type: "int", required: true } },
    shape(ctx) {
      const shapes = [];
      for (let i = 2; i < ctx.inputs.length; i += 3) shapes.push(shapeOf(ctx, i));
      const rank = shapes[0]?.length ?? 0;
      const axis = normAxis(attrInt(ctx, "axis")!, rank, "QLinearConcat axis");
      const out: Dim[] = [...shapes[0]!];
      let total: Dim = 0;
      for (const s of shapes) {
        if (s.length !== rank) invalidShape(`QLinearConcat inputs have different ranks`);
        const d = s[axis]!;
        total = typeof total === "number" && typeof d === "number" ? total + d : "?";
      }
      out[axis] = total;
      return [{ dtype: ctx.inputs[2]!.dtype, shape: out }];
    },
  },
  {
    opType: "MatMulIntegerToFloat",
    domain: "com.microsoft",
    category: "matmul",
    inputs: [...names("A", "B", "a_scale", "b_scale"), ...["a_zero_point", "b_zero_point", "bias"].map((name) => ({ name, optional: true }))],
    shape: (ctx) => [{ dtype: ctx.inputs[2]!.dtype, shape: matmulShape(shapeOf(ctx, 0), shapeOf(ctx, 1)).shape }],
    flops(ctx, outputs) {
      const { k } = matmulShape(shapeOf(ctx, 0), shapeOf(ctx, 1));
      return typeof k === "number" ? 2 * k * outCount(outputs) : 0;
    },
  },
];
