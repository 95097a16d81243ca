/** Convolutions: Conv, ConvTranspose, com.microsoft FusedConv, QLinearConv / ConvInteger (same geometry). */
import type { Dim } from "../../ir/types.js";
import { derivedSymbol, scaleDim } from "../../shape/common.js";
import type { OpContext, OpSpec, TensorType } from "../types.js";
import { attrInt, attrInts, count, fmt, hasInput, invalidShape, numel, outCount, shapeOf } from "./util.js";
import { windowAttrs, windowGeometry } from "./window.js";

interface ConvLayout {
  x: number;
  w: number;
  /** Bias input index, or -1. */
  b: number;
}

/** Output type of a convolution whose data / weight / bias sit at the given input indices. */
function convShape(ctx: OpContext, at: ConvLayout, dtype?: TensorType["dtype"]): TensorType[] {
  const x = shapeOf(ctx, at.x);
  const w = shapeOf(ctx, at.w);
  if (x.length < 3) invalidShape(`Conv input ${fmt(x)} needs rank ≥ 3 (N, C, spatial…)`);
  if (w.length !== x.length) invalidShape(`Conv weight ${fmt(w)} and input ${fmt(x)} have different ranks`);
  const group = attrInt(ctx, "group") ?? 1;
  if (group < 1) invalidShape(`Conv group ${group} must be ≥ 1`);
  const cin = x[1]!;
  const wc = w[1]!;
  if (typeof cin === "number" && typeof wc === "number" && cin !== wc * group) {
    invalidShape(`Conv input has ${cin} channels but weight ${fmt(w)} with group ${group} expects ${wc * group}`, { input: x, weight: w });
  }
  const cout = w[0]!;
  if (typeof cout === "number" && cout % group !== 0) invalidShape(`Conv output channels ${cout} not divisible by group ${group}`);
  if (at.b >= 0 && hasInput(ctx, at.b)) {
    const b = shapeOf(ctx, at.b);
    if (b.length !== 1 || (typeof b[0] === "number" && typeof cout === "number" && b[0] !== cout)) {
      invalidShape(`Conv bias ${fmt(b)} does not match ${cout} output channels`);
    }
  }
  const kernel = attrInts(ctx, "kernel_shape") ?? w.slice(2).map((d) => (typeof d === "number" ? d : NaN));
  if (kernel.some((k) => Number.isNaN(k))) invalidShape(`Conv weight ${fmt(w)} has symbolic kernel dims and no kernel_shape`);
  const geo = windowGeometry(ctx, x.slice(2), kernel);
  return [{ dtype: dtype ?? ctx.inputs[at.x]!.dtype, shape: [x[0]!, cout, ...geo.out] }];
}

/** 2·N·Cout·∏out·(Cin/g)·∏k (MACs × 2) plus one add per output element for a bias. */
function convFlops(ctx: OpContext, outputs: TensorType[], at: ConvLayout, extraPerOutput = 0): number {
  const w = shapeOf(ctx, at.w);
  let perOutput = 1; // ∏ w[1..] (as numel), without a copy of the dims
  for (let i = 1; i < w.length; i++) {
    const d = w[i]!;
    if (typeof d !== "number") return 0;
    perOutput *= d;
  }
  const outs = outCount(outputs);
  const bias = at.b >= 0 && hasInput(ctx, at.b) ? 1 : 0;
  return outs * (2 * perOutput + bias + extraPerOutput);
}

const CONV: ConvLayout = { x: 0, w: 1, b: 2 };

export const Conv: OpSpec = {
  opType: "Conv",
  domain: "",
  category: "conv",
  inputs: [{ name: "X" }, { name: "W" }, { name: "B", optional: true }],
  attrs: { ...windowAttrs, group: { type: "int", default: 1 } },
  shape: (ctx) => convShape(ctx, CONV),
  flops: (ctx, outputs) => convFlops(ctx, outputs, CONV),
};

/** com.microsoft FusedConv: Conv + optional Z (residual add) + activation; counts 1 FLOP per element for each. */
export const FusedConv: OpSpec = {
  opType: "FusedConv",
  domain: "com.microsoft",
  category: "conv",
  inputs: [{ name: "X" }, { name: "W" }, { name: "B", optional: true }, { name: "Z", optional: true }],
  attrs: { ...windowAttrs, group: { type: "int", default: 1 }, activation: { type: "string" }, activation_params: { type: "floats" } },
  shape: (ctx) => convShape(ctx, CONV),
  flops: (ctx, outputs) => convFlops(ctx, outputs, CONV, (ctx.attrs.activation ? 1 : 0) + (hasInput(ctx, 3) ? 1 : 0)),
};

const QLINEAR: ConvLayout = { x: 0, w: 3, b: 8 };
export const QLinearConv: OpSpec = {
  opType: "QLinearConv",
  domain: "",
  category: "conv",
  inputs: [
    { name: "x" },
    { name: "x_scale" },
    { name: "x_zero_point" },
    { name: "w" },
    { name: "w_scale" },
    { name: "w_zero_point" },
    { name: "y_scale" },
    { name: "y_zero_point" },
    { name: "B", optional: true },
  ],
  attrs: { ...windowAttrs, group: { type: "int", default: 1 } },
  shape: (ctx) => convShape(ctx, QLINEAR, ctx.inputs[7]?.dtype),
  flops: (ctx, outputs) => convFlops(ctx, outputs, QLINEAR),
};

const INTEGER: ConvLayout = { x: 0, w: 1, b: -1 };
export const ConvInteger: OpSpec = {
  opType: "ConvInteger",
  domain: "",
  category: "conv",
  inputs: [{ name: "x" }, { name: "w" }, { name: "x_zero_point", optional: true }, { name: "w_zero_point", optional: true }],
  attrs: { ...windowAttrs, group: { type: "int", default: 1 } },
  shape: (ctx) => convShape(ctx, INTEGER, "int32"),
  flops: (ctx, outputs) => convFlops(ctx, outputs, INTEGER),
};

/**
 * ConvTranspose: W is [Cin, Cout/g, k…]. Output per axis = stride·(in−1) + output_padding + dilation·(k−1) + 1 −
 * pads, or `output_shape` when given (SAME_* auto_pad: in·stride). FLOPs: every input pixel scatters a
 * (Cout/g)·∏k window: 2·N·Cin·∏in·(Cout/g)·∏k, plus one add per output element for a bias.
 */
export const ConvTranspose: OpSpec = {
  opType: "ConvTranspose",
  domain: "",
  category: "convtranspose",
  inputs: [{ name: "X" }, { name: "W" }, { name: "B", optional: true }],
  attrs: { ...windowAttrs, group: { type: "int", default: 1 }, output_padding: { type: "ints" }, output_shape: { type: "ints" } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const w = shapeOf(ctx, 1);
    if (x.length < 3 || w.length !== x.length) invalidShape(`ConvTranspose input ${fmt(x)} / weight ${fmt(w)} ranks do not fit`);
    const group = attrInt(ctx, "group") ?? 1;
    const k = x.length - 2;
    if (typeof x[1] === "number" && typeof w[0] === "number" && x[1] !== w[0]) {
      invalidShape(`ConvTranspose input has ${x[1]} channels but weight ${fmt(w)} expects ${w[0]}`);
    }
    const cout: Dim = typeof w[1] === "number" ? w[1] * group : w[1]!;
    const kernel = attrInts(ctx, "kernel_shape") ?? w.slice(2).map((d) => (typeof d === "number" ? d : NaN));
    if (kernel.length !== k || kernel.some((v) => Number.isNaN(v))) invalidShape(`ConvTranspose kernel ${fmt(kernel)} does not fit ${fmt(x)}`);
    const strides = attrInts(ctx, "strides") ?? new Array<number>(k).fill(1);
    const dilations = attrInts(ctx, "dilations") ?? new Array<number>(k).fill(1);
    const outPad = attrInts(ctx, "output_padding") ?? new Array<number>(k).fill(0);
    const pads = attrInts(ctx, "pads") ?? new Array<number>(2 * k).fill(0);
    if (strides.length !== k || dilations.length !== k || outPad.length !== k || pads.length !== 2 * k) {
      invalidShape(`ConvTranspose attributes do not match ${k} spatial dims`);
    }
    const outputShape = attrInts(ctx, "output_shape");
    const autoPad = (ctx.attrs.auto_pad as string | undefined) ?? "NOTSET";
    const spatial: Dim[] = [];
    for (let i = 0; i < k; i++) {
      const d = x[i + 2]!;
      if (outputShape !== undefined && outputShape.length > 0) {
        spatial.push(outputShape[outputShape.length - k + i]!);
      } else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") spatial.push(scaleDim(d, strides[i]!));
      else if (typeof d !== "number") {
        const extra = outPad[i]! + dilations[i]! * (kernel[i]! - 1) + 1 - (autoPad === "VALID" ? 0 : pads[i]! + pads[i + k]!);
        spatial.push(d === "?" ? "?" : derivedSymbol(`${strides[i]}*(${d}-1)${extra === 0 ? "" : extra > 0 ? `+${extra}` : extra}`));
      }
      else {
        const p = autoPad === "VALID" ? 0 : pads[i]! + pads[i + k]!;
        spatial.push(strides[i]! * (d - 1) + outPad[i]! + dilations[i]! * (kernel[i]! - 1) + 1 - p);
      }
    }
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [x[0]!, cout, ...spatial] }];
  },
  flops(ctx, outputs) {
    const x = shapeOf(ctx, 0);
    const w = shapeOf(ctx, 1);
    const perInput = numel(w.slice(1));
    if (perInput === undefined) return 0;
    return 2 * count(x) * perInput + (hasInput(ctx, 2) ? outCount(outputs) : 0);
  },
};

export const convSpecs: readonly OpSpec[] = [Conv, FusedConv, QLinearConv, ConvInteger, ConvTranspose];
