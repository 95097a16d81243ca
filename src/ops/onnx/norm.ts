/** Normalizations: BatchNormalization, InstanceNormalization, LayerNormalization, GroupNormalization, LpNormalization, … */
import type { Shape } from "../../ir/types.js";
import type { OpContext, OpSpec, TensorType } from "../types.js";
import { attrInt, fmt, hasInput, invalidShape, like, normAxis, outCount, shapeOf } from "./util.js";

function checkChannelParams(ctx: OpContext, from: number, to: number, op: string): void {
  const x = shapeOf(ctx, 0);
  const c = x[1];
  for (let i = from; i < to; i++) {
    if (!hasInput(ctx, i)) continue;
    const p = shapeOf(ctx, i);
    const n = p.length === 1 ? p[0] : undefined;
    if (p.length > 1 || (typeof n === "number" && typeof c === "number" && n !== c && n !== 1)) {
      invalidShape(`${op} parameter ${ctx.node.inputs[i]} ${fmt(p)} does not match ${c} channels of ${fmt(x)}`);
    }
  }
}

/** BatchNormalization (inference): y = scale·(x − mean)/sqrt(var + eps) + B, folded to 2 FLOPs per element. */
export const BatchNormalization: OpSpec = {
  opType: "BatchNormalization",
  domain: "",
  category: "norm",
  inputs: [{ name: "X" }, { name: "scale" }, { name: "B" }, { name: "input_mean" }, { name: "input_var" }],
  attrs: { epsilon: { type: "float", default: 1e-5 }, momentum: { type: "float", default: 0.9 }, training_mode: { type: "int", default: 0 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    if (x.length < 2) invalidShape(`BatchNormalization input ${fmt(x)} needs rank ≥ 2`);
    checkChannelParams(ctx, 1, 5, "BatchNormalization");
    const outs: TensorType[] = [like(ctx, 0)];
    // Training-mode outputs (running mean / var, saved mean / var) are per channel.
    for (let i = 1; i < ctx.node.outputs.length; i++) outs.push({ dtype: ctx.inputs[0]!.dtype, shape: [x[1]!] });
    return outs;
  },
  flops: (_ctx, outputs) => 2 * outCount(outputs),
};

/** InstanceNormalization: mean (1), variance (2), normalize + affine (2): 5 FLOPs per element. */
export const InstanceNormalization: OpSpec = {
  opType: "InstanceNormalization",
  domain: "",
  category: "norm",
  inputs: [{ name: "input" }, { name: "scale" }, { name: "B" }],
  attrs: { epsilon: { type: "float", default: 1e-5 } },
  shape(ctx) {
    checkChannelParams(ctx, 1, 3, "InstanceNormalization");
    return [like(ctx, 0)];
  },
  flops: (_ctx, outputs) => 5 * outCount(outputs),
};

/** Mean / InvStdDev outputs of LayerNormalization: the input shape with the normalized axes set to 1. */
function statsShape(x: Shape, axis: number): Shape {
  return x.map((d, i) => (i < axis ? d : 1));
}

/** LayerNormalization (opset 17): mean, variance, normalize, affine: 5 FLOPs per element. */
export const LayerNormalization: OpSpec = {
  opType: "LayerNormalization",
  domain: "",
  category: "norm",
  inputs: [{ name: "X" }, { name: "Scale" }, { name: "B", optional: true }],
  attrs: { axis: { type: "int", default: -1 }, epsilon: { type: "float", default: 1e-5 }, stash_type: { type: "int", default: 1 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const axis = normAxis(attrInt(ctx, "axis")!, x.length);
    const outs: TensorType[] = [like(ctx, 0)];
    for (let i = 1; i < ctx.node.outputs.length; i++) outs.push({ dtype: "float32", shape: statsShape(x, axis) });
    return outs;
  },
  flops: (_ctx, outputs) => 5 * outCount(outputs),
};

/**
 * com.microsoft SkipLayerNormalization: LayerNorm(input + skip (+ bias)) over the last axis; outputs output, mean,
 * inv_std_var, input_skip_bias_sum. 5 FLOPs per element for the norm, +1 for the skip add, +1 for a bias.
 */
export const SkipLayerNormalization: OpSpec = {
  opType: "SkipLayerNormalization",
  domain: "com.microsoft",
  category: "norm",
  inputs: [{ name: "input" }, { name: "skip" }, { name: "gamma" }, { name: "beta", optional: true }, { name: "bias", optional: true }],
  attrs: { epsilon: { type: "float", default: 1e-12 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const stats = statsShape(x, x.length - 1);
    return ctx.node.outputs.map((_, i) => (i === 1 || i === 2 ? { dtype: "float32", shape: stats } : like(ctx, 0)));
  },
  flops: (ctx, outputs) => (6 + (hasInput(ctx, 4) ? 1 : 0)) * outCount(outputs),
};

/** com.microsoft SkipSimplifiedLayerNormalization: RMS norm of input + skip (+ bias): 5 FLOPs per element (+1 bias). */
export const SkipSimplifiedLayerNormalization: OpSpec = {
  ...SkipLayerNormalization,
  opType: "SkipSimplifiedLayerNormalization",
  flops: (ctx, outputs) => (5 + (hasInput(ctx, 4) ? 1 : 0)) * outCount(outputs),
};

/** com.microsoft LayerNormalization / SimplifiedLayerNormalization (RMSNorm: 4 FLOPs per element). */
export const MsLayerNormalization: OpSpec = { ...LayerNormalization, domain: "com.microsoft" };
export const SimplifiedLayerNormalization: OpSpec = {
  ...LayerNormalization,
  opType: "SimplifiedLayerNormalization",
  flops: (_ctx, outputs) => 4 * outCount(outputs),
};

/** GroupNormalization (opset 18/21): 5 FLOPs per element. */
export const GroupNormalization: OpSpec = {
  opType: "GroupNormalization",
  domain: "",
  category: "norm",
  inputs: [{ name: "X" }, { name: "scale" }, { name: "bias" }],
  attrs: { epsilon: { type: "float", default: 1e-5 }, num_groups: { type: "int", required: true } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const g = attrInt(ctx, "num_groups")!;
    if (g < 1 || (typeof x[1] === "number" && x[1] % g !== 0)) invalidShape(`GroupNormalization: ${x[1]} channels not divisible into ${g} groups`);
    return [like(ctx, 0)];
  },
  flops: (_ctx, outputs) => 5 * outCount(outputs),
};

/** LpNormalization: norm (2) + divide (1) = 3 FLOPs per element. MeanVarianceNormalization: 5. LRN: size + 3. */
export const LpNormalization: OpSpec = {
  opType: "LpNormalization",
  domain: "",
  category: "norm",
  inputs: [{ name: "input" }],
  attrs: { axis: { type: "int", default: -1 }, p: { type: "int", default: 2 } },
  shape(ctx) {
    normAxis(attrInt(ctx, "axis")!, shapeOf(ctx, 0).length);
    return [like(ctx, 0)];
  },
  flops: (_ctx, outputs) => 3 * outCount(outputs),
};

export const MeanVarianceNormalization: OpSpec = {
  opType: "MeanVarianceNormalization",
  domain: "",
  category: "norm",
  inputs: [{ name: "X" }],
  attrs: { axes: { type: "ints", default: [0, 2, 3] } },
  shape: (ctx) => [like(ctx, 0)],
  flops: (_ctx, outputs) => 5 * outCount(outputs),
};

export const LRN: OpSpec = {
  opType: "LRN",
  domain: "",
  category: "norm",
  inputs: [{ name: "X" }],
  attrs: { size: { type: "int", required: true }, alpha: { type: "float", default: 1e-4 }, beta: { type: "float", default: 0.75 }, bias: { type: "float", default: 1 } },
  shape: (ctx) => [like(ctx, 0)],
  flops: (ctx, outputs) => ((attrInt(ctx, "size") ?? 1) + 3) * outCount(outputs),
};

export const normSpecs: readonly OpSpec[] = [
  BatchNormalization,
  InstanceNormalization,
  LayerNormalization,
  SkipLayerNormalization,
  SkipSimplifiedLayerNormalization,
  MsLayerNormalization,
  SimplifiedLayerNormalization,
  GroupNormalization,
  LpNormalization,
  MeanVarianceNormalization,
  LRN,
];
