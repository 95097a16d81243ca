/**
 * Conv / pool / fc geometry of a kernel's anchor op, in NCHW naming whatever the layout (TF ops are NHWC).
 * Pure functions of the node, its attributes and the inferred tensor shapes.
 */
import type { Node } from "../ir/types.js";
import { samePadding } from "../shape/common.js";
import type { MatchEnv } from "./pattern.js";
import { asInt, asInts, asStr } from "./pattern.js";
import type { KernelClass, KernelFeatures } from "./types.js";

export type Geometry = Pick<
  KernelFeatures,
  "cin" | "cout" | "hIn" | "wIn" | "hOut" | "wOut" | "kernelH" | "kernelW" | "strideH" | "strideW" | "groups" | "padH" | "padW"
>;

/** Writes kernel / stride / padding of a window op into `f` (ONNX attributes, auto_pad resolved against the input). */
function onnxWindow(f: Geometry, n: Node, kh: number | undefined, kw: number | undefined, h: number | undefined, w: number | undefined): void {
  const strides = asInts(n.attrs.strides);
  const sh = strides?.[0] ?? 1;
  const sw = strides?.[1] ?? 1;
  let padH = 0;
  let padW = 0;
  const autoPad = asStr(n.attrs.auto_pad) ?? "NOTSET";
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    const dil = asInts(n.attrs.dilations);
    if (h !== undefined && kh !== undefined) padH = sum2(samePadding(h, kh, sh, dil?.[0] ?? 1));
    if (w !== undefined && kw !== undefined) padW = sum2(samePadding(w, kw, sw, dil?.[1] ?? 1));
  } else if (autoPad === "NOTSET") {
    const pads = asInts(n.attrs.pads);
    if (pads !== undefined && pads.length >= 4) {
      padH = pads[0]! + pads[2]!;
      padW = pads[1]! + pads[3]!;
    }
  }
  setWindow(f, kh, kw, sh, sw, padH, padW);
}

/** The same for TF ops: NHWC strides / ksize, padding SAME | VALID | EXPLICIT. */
function tfWindow(f: Geometry, n: Node, kh: number | undefined, kw: number | undefined, h: number | undefined, w: number | undefined): void {
  const strides = asInts(n.attrs.strides);
  const sh = strides?.[1] ?? 1;
  const sw = strides?.[2] ?? 1;
  const padding = asStr(n.attrs.padding) ?? "VALID";
  let padH = 0;
  let padW = 0;
  if (padding === "SAME") {
    const dil = asInts(n.attrs.dilations);
    if (h !== undefined && kh !== undefined) padH = sum2(samePadding(h, kh, sh, dil?.[1] ?? 1));
    if (w !== undefined && kw !== undefined) padW = sum2(samePadding(w, kw, sw, dil?.[2] ?? 1));
  } else if (padding === "EXPLICIT") {
    const p = asInts(n.attrs.explicit_paddings);
    if (p !== undefined && p.length === 8) {
      padH = p[2]! + p[3]!;
      padW = p[4]! + p[5]!;
    }
  }
  setWindow(f, kh, kw, sh, sw, padH, padW);
}

const sum2 = (p: readonly [number, number]): number => p[0] + p[1];

function setWindow(f: Geometry, kh: number | undefined, kw: number | undefined, sh: number, sw: number, padH: number, padW: number): void {
  if (kh !== undefined) f.kernelH = kh;
  if (kw !== undefined) f.kernelW = kw;
  f.strideH = sh;
  f.strideW = sw;
  f.padH = padH;
  f.padW = padW;
}

/**
 * Writes the geometry of the anchor `n` of a kernel of class `cls` into `f`, given the known shapes of its input 0
 * (`xs`), output 0 (`ys`) and input 1 (`ws`, the weight). Unknown parts stay unset.
 */
export function fillGeometry(
  f: Geometry,
  n: Node,
  cls: KernelClass,
  xs: readonly number[] | undefined,
  ys: readonly number[] | undefined,
  ws: readonly number[] | undefined,
): void {
  const nhwc = n.domain === "tf";
  if (cls === "fc" || cls === "matmul") {
    if (n.opType === "Gemm") {
      const b = ws;
      const k = xs === undefined ? undefined : asInt(n.attrs.transA, 0) ? xs[0] : xs[1];
      const m = b === undefined ? undefined : asInt(n.attrs.transB, 0) ? b[0] : b[1];
      if (k !== undefined) f.cin = k;
      if (m !== undefined) f.cout = m;
    } else {
      if (xs !== undefined && xs.length > 0) f.cin = xs[xs.length - 1]!;
      if (ys !== undefined && ys.length > 0) f.cout = ys[ys.length - 1]!;
    }
    return;
  }
  let c: number | undefined;
  let h: number | undefined;
  let w: number | undefined;
  if (xs !== undefined && xs.length === 4) {
    c = nhwc ? xs[3] : xs[1];
    h = nhwc ? xs[1] : xs[2];
    w = nhwc ? xs[2] : xs[3];
    f.cin = c!;
    f.hIn = h!;
    f.wIn = w!;
  }
  if (ys !== undefined && ys.length === 4) {
    f.cout = (nhwc ? ys[3] : ys[1])!;
    f.hOut = (nhwc ? ys[1] : ys[2])!;
    f.wOut = (nhwc ? ys[2] : ys[3])!;
  }
  switch (cls) {
    case "conv":
    case "gconv":
    case "dwconv":
    case "convtranspose": {
      const wt = ws;
      if (nhwc) {
        // TF filter: [kH, kW, in, out] (depthwise: [kH, kW, in, multiplier]).
        tfWindow(f, n, wt?.[0], wt?.[1], h, w);
        f.groups = cls === "dwconv" && c !== undefined ? c : 1;
      } else {
        const ks = asInts(n.attrs.kernel_shape);
        onnxWindow(f, n, ks?.[0] ?? wt?.[2], ks?.[1] ?? wt?.[3], h, w);
        f.groups = asInt(n.attrs.group, 1);
      }
      return;
    }
    case "pool": {
      if (nhwc) {
        const k = asInts(n.attrs.ksize);
        tfWindow(f, n, k?.[1], k?.[2], h, w);
      } else {
        const ks = asInts(n.attrs.kernel_shape);
        onnxWindow(f, n, ks?.[0], ks?.[1], h, w);
      }
      return;
    }
    case "global-pool":
      if (f.cout === undefined && c !== undefined) f.cout = c;
      if (h !== undefined) f.kernelH = h;
      if (w !== undefined) f.kernelW = w;
      f.strideH = 1;
      f.strideW = 1;
      f.padH = 0;
      f.padW = 0;
      f.hOut = 1;
      f.wOut = 1;
      return;
    default:
      return;
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
  p = asInts(n.attrs.pads) ?? env.values(n.inputs[1] ?? "");
  if (p === undefined || p.length !== 8) return undefined;
  return { padH: p[2]! + p[6]!, padW: p[3]! + p[7]! };
}
