/**
 * TF convolutions (NHWC by default): Conv2D (grouped when the filter's input depth divides the input channels:
 * group = Cin / filterIn), DepthwiseConv2dNative, the converter's pre-fused `_FusedConv2D` /
 * `FusedDepthwiseConv2dNative` (`fused_ops` like ["BiasAdd","Relu"], ["BiasAdd","Prelu"], ["FusedBatchNorm","Relu"]),
 * and Conv2DBackpropInput (transposed convolution).
 *
 * FLOPs (same convention as the ONNX Conv): 2 · N·Hout·Wout·Cout · kh·kw·(Cin/group), plus, per output element,
 * 1 for BiasAdd, 2 for FusedBatchNorm, 1 for a residual Add and 1 for the activation.
 */
import type { Shape } from "../../ir/types.js";
import type { OpContext, OpSpec, TensorType } from "../types.js";
import { attrStrings, fmt, intValues, invalidShape, layoutOf, outCount, shapeOf, TF, tfWindow, windowAttrSpecs, withSpatial } from "./helpers.js";
import { unknownShape } from "../../shape/unknown.js";

interface ConvGeometry {
  out: Shape;
  kernel: number[];
  /** Filter input depth (channels each output channel reads). */
  depthPerGroup: number;
}

function kernelOf(filter: Shape, what: string): number[] {
  const k = filter.slice(0, filter.length - 2);
  if (k.some((d) => typeof d !== "number")) invalidShape(`${what} filter ${fmt(filter)} has symbolic kernel dims`);
  return k as number[];
}

function convGeometry(ctx: OpContext, depthwise: boolean): ConvGeometry {
  const x = shapeOf(ctx, 0);
  const f = shapeOf(ctx, 1);
  if (x.length !== 4 && x.length !== 5) invalidShape(`${ctx.node.opType} input ${fmt(x)} must have rank 4 (or 5)`);
  if (f.length !== x.length) invalidShape(`${ctx.node.opType} filter ${fmt(f)} must have the input's rank ${x.length}`);
  const layout = layoutOf(ctx, x.length);
  const kernel = kernelOf(f, ctx.node.opType);
  const cin = x[layout.c]!;
  const fin = f[f.length - 2]!;
  const fout = f[f.length - 1]!;
  let cout = fout;
  if (depthwise) {
    if (typeof cin === "number" && typeof fin === "number" && cin !== fin) {
      invalidShape(`${ctx.node.opType}: input has ${cin} channels, filter ${fmt(f)} expects ${fin}`, { input: x, filter: f });
    }
    cout = typeof fin === "number" && typeof fout === "number" ? fin * fout : typeof cin === "number" && typeof fout === "number" ? cin * fout : "?";
  } else if (typeof cin === "number" && typeof fin === "number" && (fin === 0 || cin % fin !== 0)) {
    invalidShape(`${ctx.node.opType}: input has ${cin} channels, not a multiple of the filter's input depth ${fin} (${fmt(f)})`, { input: x, filter: f });
  }
  const spatialIn = layout.spatial.map((a) => x[a]!);
  const geo = tfWindow(ctx, spatialIn, kernel, layout.spatial);
  return { out: withSpatial(x, layout, geo.out, cout), kernel, depthPerGroup: depthwise ? 1 : typeof fin === "number" ? fin : 0 };
}

function convFlops(ctx: OpContext, outputs: TensorType[], depthwise: boolean, perOutputExtra: number): number {
  const f = ctx.inputs[1]?.shape;
  if (f === undefined) return 0;
  const kernel = f.slice(0, f.length - 2).reduce<number>((a, d) => a * (typeof d === "number" ? d : 0), 1);
  const x = ctx.inputs[0]?.shape;
  const xc = x?.[layoutOf(ctx, x.length).c];
  // A filter with a symbolic input depth (layers models without a manifest entry) reads all input channels.
  const depth = depthwise ? 1 : typeof f[f.length - 2] === "number" ? (f[f.length - 2] as number) : typeof xc === "number" ? xc : 0;
  return outCount(outputs) * (2 * kernel * depth + perOutputExtra);
}

/** FLOPs per output element of the ops a fused conv / matmul applies after the main product. */
export function fusedExtraFlops(ctx: OpContext): number {
  const ops = attrStrings(ctx, "fused_ops") ?? [];
  let n = 0;
  for (const op of ops) n += op === "FusedBatchNorm" ? 2 : 1;
  return n;
}

/** Checks a fused op's argument count against its `fused_ops` (BiasAdd: 1, +Prelu: 2, FusedBatchNorm: 4). */
function checkFusedArgs(ctx: OpContext, first: number): void {
  const ops = attrStrings(ctx, "fused_ops") ?? [];
  const args = ctx.inputs.length - first;
  const want = (ops.includes("FusedBatchNorm") ? 4 : ops.includes("BiasAdd") ? 1 : 0) + (ops.includes("Prelu") ? 1 : 0) + (ops.includes("Add") ? 1 : 0);
  if (args < want) invalidShape(`${ctx.node.opType} with fused_ops [${ops.join(",")}] needs ${want} extra inputs, has ${args}`);
}

const convAttrs = { ...windowAttrSpecs, padding: { type: "string" as const, required: true } };
const fusedAttrs = {
  ...convAttrs,
  fused_ops: { type: "strings" as const, default: [] },
  num_args: { type: "int" as const, default: 0 },
  epsilon: { type: "float" as const, default: 0.0001 },
  leakyrelu_alpha: { type: "float" as const, default: 0.2 },
};

export const Conv2D: OpSpec = {
  opType: "Conv2D",
  domain: TF,
  category: "conv",
  inputs: [{ name: "input" }, { name: "filter" }],
  attrs: convAttrs,
  shape: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: convGeometry(ctx, false).out }],
  flops: (ctx, outputs) => convFlops(ctx, outputs, false, 0),
};

export const DepthwiseConv2dNative: OpSpec = {
  opType: "DepthwiseConv2dNative",
  domain: TF,
  category: "dwconv",
  inputs: [{ name: "input" }, { name: "filter" }],
  attrs: convAttrs,
  shape: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: convGeometry(ctx, true).out }],
  flops: (ctx, outputs) => convFlops(ctx, outputs, true, 0),
};

export const FusedConv2D: OpSpec = {
  opType: "_FusedConv2D",
  domain: TF,
  category: "conv",
  inputs: [{ name: "input" }, { name: "filter" }, { name: "args", variadic: true, optional: true }],
  attrs: fusedAttrs,
  shape(ctx) {
    checkFusedArgs(ctx, 2);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: convGeometry(ctx, false).out }];
  },
  flops: (ctx, outputs) => convFlops(ctx, outputs, false, fusedExtraFlops(ctx)),
};

export const FusedDepthwiseConv2dNative: OpSpec = {
  opType: "FusedDepthwiseConv2dNative",
  domain: TF,
  category: "dwconv",
  inputs: [{ name: "input" }, { name: "filter" }, { name: "args", variadic: true, optional: true }],
  attrs: fusedAttrs,
  shape(ctx) {
    checkFusedArgs(ctx, 2);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: convGeometry(ctx, true).out }];
  },
  flops: (ctx, outputs) => convFlops(ctx, outputs, true, fusedExtraFlops(ctx)),
};

/** Transposed convolution: output shape is an input (`input_sizes`); filter [kh, kw, Cout, Cin]. */
export const Conv2DBackpropInput: OpSpec = {
  opType: "Conv2DBackpropInput",
  domain: TF,
  category: "convtranspose",
  inputs: [{ name: "input_sizes" }, { name: "filter" }, { name: "out_backprop" }],
  attrs: convAttrs,
  shape(ctx) {
    const sizes = intValues(ctx, 0);
    if (sizes === undefined) return unknownShape("Conv2DBackpropInput output size (input_sizes) is not a known constant");
    if (sizes.some((d) => d < 0)) invalidShape(`Conv2DBackpropInput input_sizes ${fmt(sizes)} has negative dims`);
    return [{ dtype: ctx.inputs[2]!.dtype, shape: sizes }];
  },
  flops(ctx) {
    const f = ctx.inputs[1]?.shape;
    const dy = ctx.inputs[2]?.shape;
    if (f === undefined || dy === undefined) return 0;
    // Each input (dy) element scatters kh·kw·Cout MACs.
    const k = f.slice(0, f.length - 2).reduce<number>((a, d) => a * (typeof d === "number" ? d : 0), 1);
    const cout = typeof f[f.length - 2] === "number" ? (f[f.length - 2] as number) : 0;
    const n = dy.reduce<number>((a, d) => a * (typeof d === "number" ? d : 0), 1);
    return 2 * n * k * cout;
  },
};

export const convSpecs: OpSpec[] = [Conv2D, DepthwiseConv2dNative, FusedConv2D, FusedDepthwiseConv2dNative, Conv2DBackpropInput];

