/**
 * Resize (opset 10: X, scales; 11+: X, roi, scales, sizes; 18+: axes, keep_aspect_ratio_policy) and Upsample
 * (scales attribute before opset 9, input from 9). Output dim = floor(in · scale) (float32 product, as ORT computes
 * it), or `sizes`. FLOPs per output element: nearest 1, linear 2^r, cubic 4^r, r = number of resized axes.
 */
import { EdgelatError } from "../../errors.js";
import type { Dim, Shape } from "../../ir/types.js";
import { derivedSymbol, scaleDim } from "../../shape/common.js";
import { unknownShape } from "../../shape/unknown.js";
import type { OpContext, OpSpec, TensorType } from "../types.js";
import { attrFloats, attrInts, attrStr, fmt, hasInput, invalidShape, normAxis, outCount, shapeOf, valuesOf } from "./util.js";

function scaled(d: Dim, s: number): Dim {
  if (typeof d !== "number") return s === 1 || d === "?" ? d : Number.isInteger(s) ? scaleDim(d, s) : derivedSymbol(`floor(${s}*${d})`);
  return Math.floor(Math.fround(Math.fround(s) * d));
}

/** A present, non-empty input (Resize passes "" or an empty tensor for unused scales / sizes). */
function nonEmpty(ctx: OpContext, i: number): boolean {
  if (!hasInput(ctx, i)) return false;
  const s = shapeOf(ctx, i);
  return !(s.length === 1 && s[0] === 0);
}

function resizeShape(ctx: OpContext, scalesAt: number, sizesAt: number): Shape {
  const x = shapeOf(ctx, 0);
  const axesAttr = attrInts(ctx, "axes");
  const axes = axesAttr !== undefined ? axesAttr.map((a) => normAxis(a, x.length, "Resize axis")) : x.map((_, i) => i);
  const out: Dim[] = [...x];
  if (sizesAt >= 0 && nonEmpty(ctx, sizesAt)) {
    const sizes = valuesOf(ctx, sizesAt);
    if (sizes === undefined) unknownShape("Resize sizes are not a known constant");
    if (sizes.length !== axes.length) invalidShape(`Resize sizes ${fmt(sizes)} do not fit ${axes.length} axes of ${fmt(x)}`);
    const policy = attrStr(ctx, "keep_aspect_ratio_policy") ?? "stretch";
    if (policy === "stretch") axes.forEach((a, j) => (out[a] = sizes[j]!));
    else {
      const ratios = axes.map((a, j) => (typeof x[a] === "number" ? sizes[j]! / (x[a] as number) : NaN));
      if (ratios.some(Number.isNaN)) unknownShape("Resize keep_aspect_ratio_policy over symbolic dims");
      const r = policy === "not_larger" ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => (out[a] = Math.round(r * (x[a] as number))));
    }
    return out;
  }
  if (!nonEmpty(ctx, scalesAt)) throw new EdgelatError("invalid_model", "Resize needs scales or sizes");
  const scales = valuesOf(ctx, scalesAt);
  if (scales === undefined) unknownShape("Resize scales are not a known constant");
  if (scales.length !== axes.length) invalidShape(`Resize scales ${fmt(scales)} do not fit ${axes.length} axes of ${fmt(x)}`);
  // tf_crop_and_resize: output = floor(in · (roi_end − roi_start) · scale).
  const roi = ctx.opset >= 11 && attrStr(ctx, "coordinate_transformation_mode") === "tf_crop_and_resize" ? valuesOf(ctx, 1) : undefined;
  if (roi !== undefined && roi.length !== 2 * axes.length) invalidShape(`Resize roi ${fmt(roi)} does not fit ${axes.length} axes`);
  axes.forEach((a, j) => (out[a] = scaled(x[a]!, roi === undefined ? scales[j]! : scales[j]! * (roi[j + axes.length]! - roi[j]!))));
  return out;
}

function resizeFlops(ctx: OpContext, outputs: TensorType[]): number {
  const x = shapeOf(ctx, 0);
  const y = outputs[0]?.shape ?? [];
  const r = x.filter((d, i) => d !== y[i]).length;
  const mode = attrStr(ctx, "mode") ?? "nearest";
  const per = mode === "nearest" ? 1 : mode === "cubic" ? 4 ** r : 2 ** r;
  return per * outCount(outputs);
}

export const Resize: OpSpec = {
  opType: "Resize",
  domain: "",
  category: "resize",
  inputs: [{ name: "X" }, { name: "roi", optional: true }, { name: "scales", optional: true }, { name: "sizes", optional: true }],
  attrs: {
    mode: { type: "string", default: "nearest" },
    coordinate_transformation_mode: { type: "string", default: "half_pixel" },
    nearest_mode: { type: "string", default: "round_prefer_floor" },
    cubic_coeff_a: { type: "float", default: -0.75 },
    exclude_outside: { type: "int", default: 0 },
    extrapolation_value: { type: "float", default: 0 },
    antialias: { type: "int", default: 0 },
    axes: { type: "ints" },
    keep_aspect_ratio_policy: { type: "string", default: "stretch" },
  },
  shape: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: ctx.opset < 11 ? resizeShape(ctx, 1, -1) : resizeShape(ctx, 2, 3) }],
  flops: resizeFlops,
};

export const Upsample: OpSpec = {
  opType: "Upsample",
  domain: "",
  category: "resize",
  inputs: [{ name: "X" }, { name: "scales", optional: true }],
  attrs: { mode: { type: "string", default: "nearest" }, scales: { type: "floats" }, height_scale: { type: "float" }, width_scale: { type: "float" } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    let scales = ctx.opset >= 9 ? valuesOf(ctx, 1) : attrFloats(ctx, "scales");
    if (scales === undefined && typeof ctx.attrs.height_scale === "number") {
      scales = [1, 1, ctx.attrs.height_scale, ctx.attrs.width_scale as number];
    }
    if (scales === undefined) {
      if (ctx.opset >= 9 && hasInput(ctx, 1)) unknownShape("Upsample scales are not a known constant");
      throw new EdgelatError("invalid_attribute", "Upsample needs scales");
    }
    if (scales.length !== x.length) invalidShape(`Upsample scales ${fmt(scales)} do not fit ${fmt(x)}`);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: x.map((d, i) => scaled(d, scales![i]!)) }];
  },
  flops: resizeFlops,
};


/** GridSample (opset 16/20): X [N, C, H, W] sampled at grid [N, Hout, Wout, 2] → [N, C, Hout, Wout] (any rank). */
export const GridSample: OpSpec = {
  opType: "GridSample",
  domain: "",
  category: "resize",
  inputs: [{ name: "X" }, { name: "grid" }],
  attrs: { mode: { type: "string", default: "linear" }, padding_mode: { type: "string", default: "zeros" }, align_corners: { type: "int", default: 0 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const g = shapeOf(ctx, 1);
    if (x.length < 3 || g.length !== x.length || (typeof g[g.length - 1] === "number" && g[g.length - 1] !== x.length - 2)) {
      invalidShape(`GridSample grid ${fmt(g)} does not fit input ${fmt(x)}`);
    }
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [x[0]!, x[1]!, ...g.slice(1, -1)] }];
  },
  flops(ctx, outputs) {
    const r = shapeOf(ctx, 0).length - 2;
    const mode = attrStr(ctx, "mode") ?? "linear";
    const per = mode === "nearest" ? 1 : mode === "cubic" || mode === "bicubic" ? 4 ** r : 2 ** r;
    return per * outCount(outputs);
  },
};

export const resizeSpecs: readonly OpSpec[] = [Resize, Upsample, GridSample];
