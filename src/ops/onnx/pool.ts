/**
 * Pools. Windowed pools cost kernel-size FLOPs per output element (∏kernel compares / adds); global pools cost 1 FLOP
 * per input element. ceil_mode, dilations, auto_pad and count_include_pad follow the ONNX spec (count_include_pad
 * changes values, not shapes or costs).
 */
import type { Dim } from "../../ir/types.js";
import type { OpContext, OpSpec, TensorType } from "../types.js";
import { attrInt, attrInts, fmt, inCount, invalidShape, outCount, shapeOf } from "./util.js";
import { windowAttrs, windowGeometry } from "./window.js";

function poolShape(ctx: OpContext): TensorType[] {
  const x = shapeOf(ctx, 0);
  if (x.length < 3) invalidShape(`${ctx.node.opType} input ${fmt(x)} needs rank ≥ 3`);
  const kernel = attrInts(ctx, "kernel_shape");
  if (kernel === undefined) invalidShape(`${ctx.node.opType} needs kernel_shape`);
  const geo = windowGeometry(ctx, x.slice(2), kernel, (attrInt(ctx, "ceil_mode") ?? 0) === 1);
  const shape: Dim[] = [x[0]!, x[1]!, ...geo.out];
  const outs: TensorType[] = [{ dtype: ctx.inputs[0]!.dtype, shape }];
  if (ctx.node.outputs.length > 1) outs.push({ dtype: "int64", shape }); // MaxPool Indices
  return outs;
}

function poolFlops(ctx: OpContext, outputs: TensorType[]): number {
  const kernel = attrInts(ctx, "kernel_shape") ?? [];
  return kernel.reduce((a, b) => a * b, 1) * outCount(outputs);
}

const poolAttrs = { ...windowAttrs, ceil_mode: { type: "int", default: 0 } } as const;

export const MaxPool: OpSpec = {
  opType: "MaxPool",
  domain: "",
  category: "pool",
  inputs: [{ name: "X" }],
  attrs: { ...poolAttrs, storage_order: { type: "int", default: 0 } },
  shape: poolShape,
  flops: poolFlops,
};

export const AveragePool: OpSpec = {
  opType: "AveragePool",
  domain: "",
  category: "pool",
  inputs: [{ name: "X" }],
  attrs: { ...poolAttrs, count_include_pad: { type: "int", default: 0 } },
  shape: poolShape,
  flops: poolFlops,
};

export const LpPool: OpSpec = {
  opType: "LpPool",
  domain: "",
  category: "pool",
  inputs: [{ name: "X" }],
  attrs: { ...poolAttrs, p: { type: "int", default: 2 } },
  shape: poolShape,
  flops: (ctx, outputs) => 2 * poolFlops(ctx, outputs),
};

function globalPool(opType: string): OpSpec {
  return {
    opType,
    domain: "",
    category: "global-pool",
    inputs: [{ name: "X" }],
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      if (x.length < 3) invalidShape(`${opType} input ${fmt(x)} needs rank ≥ 3`);
      return [{ dtype: ctx.inputs[0]!.dtype, shape: [x[0]!, x[1]!, ...x.slice(2).map(() => 1)] }];
    },
    flops: (ctx) => inCount(ctx, 0),
  };
}

export const GlobalAveragePool = globalPool("GlobalAveragePool");
export const GlobalMaxPool = globalPool("GlobalMaxPool");
export const GlobalLpPool = globalPool("GlobalLpPool");

export const poolSpecs: readonly OpSpec[] = [MaxPool, AveragePool, LpPool, GlobalAveragePool, GlobalMaxPool, GlobalLpPool];
