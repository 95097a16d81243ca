/**
 * Helpers of the TF op specs (domain "tf"): NHWC/NCHW window geometry with TF's SAME / VALID / EXPLICIT padding,
 * and spec factories bound to the "tf" domain. Generic attribute, shape and value helpers are shared with the ONNX
 * specs (`../onnx/util.ts`) and `src/shape/common.ts`.
 */
import { EdgelatError } from "../../errors.js";
import type { Dim, DType, Shape } from "../../ir/types.js";
import { sameOutputDim, samePadding, windowOutputDim } from "../../shape/common.js";
import type { AttrSpec, OpCategory, OpContext, OpSpec, TensorType } from "../types.js";
import { attrInts, attrStr, fmt, invalidShape, nary, unary, valuesOf } from "../onnx/util.js";

// The generic helpers (attributes, shapes, value folding, unary/nary factories) are the ONNX specs' own.
export * from "../onnx/util.js";

/** A list-of-strings attribute (TF `list.s`, e.g. `fused_ops`). */
export function attrStrings(ctx: OpContext, name: string): string[] | undefined {
  const v = ctx.attrs[name];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
    throw new EdgelatError("invalid_attribute", `attribute '${name}' must be a list of strings`, { attribute: name });
  }
  return v as string[];
}

export const TF = "tf";

/** Common attributes of TF windowed ops. */
export const windowAttrSpecs: Record<string, AttrSpec> = {
  strides: { type: "ints", default: [1, 1, 1, 1] },
  padding: { type: "string", default: "VALID" },
  data_format: { type: "string", default: "NHWC" },
  dilations: { type: "ints", default: [1, 1, 1, 1] },
  explicit_paddings: { type: "ints", default: [] },
};

/** Positions of N, spatial dims and C in a rank-4 (or rank-5) tensor of the op's data_format. */
export function layoutOf(ctx: OpContext, rank: number): { n: number; c: number; spatial: number[] } {
  const format = attrStr(ctx, "data_format") ?? "NHWC";
  const channelsFirst = format.startsWith("NC");
  const spatial = Array.from({ length: rank - 2 }, (_, i) => (channelsFirst ? 2 + i : 1 + i));
  return { n: 0, c: channelsFirst ? 1 : rank - 1, spatial };
}

/** Per-spatial-axis values of a TF 4-element (or 5) attribute given in data_format order. */
function spatialOf(list: number[] | undefined, spatial: number[], name: string, fallback: number): number[] {
  if (list === undefined || list.length === 0) return spatial.map(() => fallback);
  if (list.length === spatial.length) return list;
  if (list.length !== spatial.length + 2) invalidShape(`${name} has ${list.length} values, expected ${spatial.length + 2}`);
  return spatial.map((a) => list[a]!);
}

export interface WindowGeometry {
  out: Dim[];
  pads: [number, number][];
  strides: number[];
  dilations: number[];
}

/** Output spatial dims of a TF conv / pool window over `inSpatial` with the given kernel. */
export function tfWindow(ctx: OpContext, inSpatial: Dim[], kernel: number[], spatialAxes: number[], stridesAttr = "strides"): WindowGeometry {
  const strides = spatialOf(attrInts(ctx, stridesAttr), spatialAxes, stridesAttr, 1);
  const dilations = spatialOf(attrInts(ctx, "dilations"), spatialAxes, "dilations", 1);
  if (strides.some((s) => s < 1) || dilations.some((d) => d < 1)) invalidShape(`strides ${fmt(strides)} / dilations ${fmt(dilations)} must be ≥ 1`);
  if (kernel.some((k) => !Number.isInteger(k) || k < 1)) invalidShape(`kernel ${fmt(kernel)} must be positive`);
  const padding = (attrStr(ctx, "padding") ?? "VALID").toUpperCase();
  const explicit = attrInts(ctx, "explicit_paddings") ?? [];
  const out: Dim[] = [];
  const pads: [number, number][] = [];
  inSpatial.forEach((d, i) => {
    const k = kernel[i]!;
    const s = strides[i]!;
    const dl = dilations[i]!;
    if (padding === "SAME") {
      pads.push(typeof d === "number" ? samePadding(d, k, s, dl) : [0, 0]);
      out.push(sameOutputDim(d, s));
    } else if (padding === "EXPLICIT") {
      const a = spatialAxes[i]!;
      const p: [number, number] = [explicit[2 * a] ?? 0, explicit[2 * a + 1] ?? 0];
      pads.push(p);
      out.push(windowOutputDim(d, k, s, p[0], p[1], dl));
    } else if (padding === "VALID") {
      pads.push([0, 0]);
      out.push(windowOutputDim(d, k, s, 0, 0, dl));
    } else invalidShape(`unknown padding '${padding}'`);
  });
  return { out, pads, strides, dilations };
}

/** Builds an output shape from an input shape, replacing spatial dims and the channel dim. */
export function withSpatial(x: Shape, layout: { c: number; spatial: number[] }, spatial: Dim[], channels: Dim): Shape {
  const out = [...x];
  layout.spatial.forEach((a, i) => (out[a] = spatial[i]!));
  out[layout.c] = channels;
  return out;
}

/** An element-wise unary TF op (1 FLOP per element unless said otherwise). */
export function tfUnary(
  opType: string,
  fn?: (x: number) => number,
  opts: { category?: OpCategory; flops?: number; dtype?: DType; noCompute?: boolean; attrs?: Record<string, AttrSpec> } = {},
): OpSpec {
  const o: Parameters<typeof unary>[1] = { domain: TF, inputs: [{ name: "x" }], category: opts.category ?? "activation", flops: opts.flops ?? 1 };
  if (fn) o.fn = (x) => fn(x);
  if (opts.dtype) o.dtype = opts.dtype;
  if (opts.noCompute) o.noCompute = true;
  if (opts.attrs) o.attrs = opts.attrs;
  return unary(opType, o);
}

/** An element-wise binary TF op with numpy broadcasting (1 FLOP per output element). */
export function tfBinary(opType: string, fn?: (a: number, b: number) => number, opts: { dtype?: DType; category?: OpCategory; flops?: number } = {}): OpSpec {
  const o: Parameters<typeof nary>[1] = { domain: TF, category: opts.category ?? "elementwise", flops: opts.flops ?? 1 };
  if (fn) o.fn = (xs) => fn(xs[0]!, xs[1]!);
  if (opts.dtype) o.dtype = opts.dtype;
  return nary(opType, o);
}

/** Known integer values of input i (axes, sizes) or undefined. */
export function intValues(ctx: OpContext, i: number): number[] | undefined {
  const v = valuesOf(ctx, i);
  return v?.map((x) => Math.trunc(x));
}

/** A scalar or 1-element tensor's single value. */
export function scalarValue(ctx: OpContext, i: number): number | undefined {
  const v = valuesOf(ctx, i);
  return v !== undefined && v.length === 1 ? v[0] : undefined;
}

export const typeOf = (ctx: OpContext, i: number): TensorType | undefined => ctx.inputs[i];
