/**
 * Conv / pool / fc geometry of a kernel's anchor op, in NCHW naming whatever the layout (TF ops are NHWC).
 * Pure functions of the node, its attributes and the inferred tensor shapes.
 */
import type { Node } from "../ir/types.js";
import { samePadding } from "../shape/common.js";
import type { MatchEnv } from "./pattern.js";
import { intAttr, intsAttr, strAttr } from "./pattern.js";
import type { KernelClass, KernelFeatures } from "./types.js";

export type Geometry = Pick<
  KernelFeatures,
  "cin" | "cout" | "hIn" | "wIn" | "hOut" | "wOut" | "kernelH" | "kernelW" | "strideH" | "strideW" | "groups" | "padH" | "padW"
>;

interface Spatial {
  c?: number;
  h?: number;
  w?: number;
}

/** Channels and H×W of a rank-4 activation (NHWC for TF ops, NCHW otherwise). */
export function spatialOf(shape: readonly number[] | undefined, nhwc: boolean): Spatial {
  if (shape === undefined || shape.length !== 4) return {};
  return nhwc ? { h: shape[1], w: shape[2], c: shape[3] } : { c: shape[1], h: shape[2], w: shape[3] };
}

/** ONNX window attributes: kernel, strides, dilations, pads (with auto_pad resolved against the input size). */
function onnxWindow(n: Node, kh: number | undefined, kw: number | undefined, x: Spatial): Partial<Geometry> {
  const strides = intsAttr(n, "strides") ?? [1, 1];
  const dil = intsAttr(n, "dilations") ?? [1, 1];
  const sh = strides[0] ?? 1;
  const sw = strides[1] ?? 1;
  let padH = 0;
  let padW = 0;
  const autoPad = strAttr(n, "auto_pad") ?? "NOTSET";
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    if (x.h !== undefined && kh !== undefined) padH = sum2(samePadding(x.h, kh, sh, dil[0] ?? 1));
    if (x.w !== undefined && kw !== undefined) padW = sum2(samePadding(x.w, kw, sw, dil[1] ?? 1));
  } else if (autoPad === "NOTSET") {
    const pads = intsAttr(n, "pads");
    if (pads !== undefined && pads.length >= 4) {
      padH = pads[0]! + pads[2]!;
      padW = pads[1]! + pads[3]!;
    }
  }
  return { kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padH, padW };
}

/** TF window attributes: NHWC strides / ksize, padding SAME | VALID | EXPLICIT. */
function tfWindow(n: Node, kh: number | undefined, kw: number | undefined, x: Spatial): Partial<Geometry> {
  const strides = intsAttr(n, "strides") ?? [1, 1, 1, 1];
  const dil = intsAttr(n, "dilations") ?? [1, 1, 1, 1];
  const sh = strides[1] ?? 1;
  const sw = strides[2] ?? 1;
  const padding = strAttr(n, "padding") ?? "VALID";
  let padH = 0;
  let padW = 0;
  if (padding === "SAME") {
    if (x.h !== undefined && kh !== undefined) padH = sum2(samePadding(x.h, kh, sh, dil[1] ?? 1));
    if (x.w !== undefined && kw !== undefined) padW = sum2(samePadding(x.w, kw, sw, dil[2] ?? 1));
  } else if (padding === "EXPLICIT") {
    const p = intsAttr(n, "explicit_paddings");
    if (p !== undefined && p.length === 8) {
      padH = p[2]! + p[3]!;
      padW = p[4]! + p[5]!;
    }
  }
  return { kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padH, padW };
}

const sum2 = (p: readonly [number, number]): number => p[0] + p[1];

/** Geometry of the anchor of a kernel of class `cls`. Unknown parts stay undefined. */
export function anchorGeometry(n: Node, cls: KernelClass, env: MatchEnv): Geometry {
  const nhwc = n.domain === "tf";
  const x = spatialOf(env.shape(n.inputs[0] ?? ""), nhwc);
  const yShape = env.shape(n.outputs[0] ?? "");
  const y = spatialOf(yShape, nhwc);
  const base: Geometry = { cin: x.c, cout: y.c, hIn: x.h, wIn: x.w, hOut: y.h, wOut: y.w };
  switch (cls) {
    case "conv":
    case "gconv":
    case "dwconv":
    case "convtranspose": {
      const w = env.shape(n.inputs[1] ?? "");
      if (nhwc) {
        // TF filter: [kH, kW, in, out] (depthwise: [kH, kW, in, multiplier]).
        const g = tfWindow(n, w?.[0], w?.[1], x);
        return { ...base, ...g, groups: cls === "dwconv" ? x.c : 1 };
      }
      const ks = intsAttr(n, "kernel_shape");
      const g = onnxWindow(n, ks?.[0] ?? w?.[2], ks?.[1] ?? w?.[3], x);
      return { ...base, ...g, groups: intAttr(n, "group", 1) };
    }
    case "pool": {
      if (nhwc) {
        const k = intsAttr(n, "ksize");
        return { ...base, ...tfWindow(n, k?.[1], k?.[2], x) };
      }
      const ks = intsAttr(n, "kernel_shape");
      return { ...base, ...onnxWindow(n, ks?.[0], ks?.[1], x) };
    }
    case "global-pool":
      return { ...base, cout: base.cout ?? base.cin, kernelH: x.h, kernelW: x.w, strideH: 1, strideW: 1, padH: 0, padW: 0, hOut: 1, wOut: 1 };
    case "fc":
    case "matmul": {
      const a = env.shape(n.inputs[0] ?? "");
      if (n.opType === "Gemm") {
        const b = env.shape(n.inputs[1] ?? "");
        const k = a === undefined ? undefined : intAttr(n, "transA", 0) ? a[0] : a[1];
        const m = b === undefined ? undefined : intAttr(n, "transB", 0) ? b[0] : b[1];
        return { cin: k, cout: m };
      }
      return { cin: a?.[a.length - 1], cout: yShape?.[yShape.length - 1] };
    }
    default:
      return base;
  }
}

/** Padding a Pad node adds along H and W (ONNX NCHW `pads` input / attribute, TF NHWC `paddings`). */
export function padAmounts(n: Node, env: MatchEnv): { padH: number; padW: number } | undefined {
  let p: readonly number[] | undefined;
  if (n.domain === "tf") {
    p = env.values(n.inputs[1] ?? "");
    if (p === undefined || p.length !== 8) return undefined;
    return { padH: p[2]! + p[3]!, padW: p[4]! + p[5]! };
  }
  p = intsAttr(n, "pads") ?? env.values(n.inputs[1] ?? "");
  if (p === undefined || p.length !== 8) return undefined;
  return { padH: p[2]! + p[6]!, padW: p[3]! + p[7]! };
}
