/** Sliding-window geometry shared by Conv, ConvTranspose and the pools (ONNX attribute conventions). */
import { EdgelatError } from "../../errors.js";
import type { Dim } from "../../ir/types.js";
import { sameOutputDim, samePadding, windowOutputDim } from "../../shape/common.js";
import type { AttrSpec, OpContext } from "../types.js";
import { attrInts, attrStr, fmt } from "./util.js";

/** Attributes of every windowed op; per-axis lists default to 1s / 0s of the right length at use. */
export const windowAttrs: Record<string, AttrSpec> = {
  auto_pad: { type: "string", default: "NOTSET" },
  kernel_shape: { type: "ints" },
  strides: { type: "ints" },
  dilations: { type: "ints" },
  pads: { type: "ints" },
};

export interface WindowGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** [begin_0 … begin_k, end_0 … end_k] as used (auto_pad resolved; 0 for symbolic input dims). */
  pads: number[];
  out: Dim[];
}

/** A per-axis list attribute checked for length and positivity, or `fill` repeated. */
function perAxis(ctx: OpContext, name: string, k: number, fill: number, min: number): number[] {
  const v = attrInts(ctx, name);
  if (v === undefined || v.length === 0) return new Array<number>(k).fill(fill);
  if (v.length !== k || v.some((x) => x < min)) {
    throw new EdgelatError("invalid_attribute", `${name} ${fmt(v)} must have ${k} values ≥ ${min}`, { attribute: name });
  }
  return v;
}

/**
 * Output spatial dims of a window of `kernel` over `spatial` dims with the node's strides / dilations / pads /
 * auto_pad. `ceilMode` for pools. Output = floor((in + pads − dilation·(k−1) − 1) / stride) + 1; SAME_* gives
 * ceil(in / stride) with the odd padding cell at the end (UPPER) or the start (LOWER); VALID uses no padding.
 */
export function windowGeometry(ctx: OpContext, spatial: readonly Dim[], kernel: number[], ceilMode = false): WindowGeometry {
  const k = spatial.length;
  if (kernel.length !== k || kernel.some((x) => !Number.isInteger(x) || x < 1)) {
    throw new EdgelatError("invalid_attribute", `kernel_shape ${fmt(kernel)} does not fit ${k} spatial dims`, { kernel });
  }
  const strides = perAxis(ctx, "strides", k, 1, 1);
  const dilations = perAxis(ctx, "dilations", k, 1, 1);
  const autoPad = attrStr(ctx, "auto_pad") ?? "NOTSET";
  let pads: number[];
  const out: Dim[] = new Array(k);
  if (autoPad === "NOTSET" || autoPad === "") {
    pads = perAxis(ctx, "pads", 2 * k, 0, 0);
    for (let i = 0; i < k; i++) {
      out[i] = windowOutputDim(spatial[i]!, kernel[i]!, strides[i]!, pads[i]!, pads[i + k]!, dilations[i]!, ceilMode);
    }
  } else if (autoPad === "VALID") {
    pads = new Array<number>(2 * k).fill(0);
    for (let i = 0; i < k; i++) out[i] = windowOutputDim(spatial[i]!, kernel[i]!, strides[i]!, 0, 0, dilations[i]!, ceilMode);
  } else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    pads = new Array<number>(2 * k).fill(0);
    for (let i = 0; i < k; i++) {
      const d = spatial[i]!;
      if (typeof d !== "number") {
        out[i] = sameOutputDim(d, strides[i]!);
        continue;
      }
      const [b, e] = samePadding(d, kernel[i]!, strides[i]!, dilations[i]!, autoPad === "SAME_LOWER");
      pads[i] = b;
      pads[i + k] = e;
      out[i] = Math.ceil(d / strides[i]!);
    }
  } else {
    throw new EdgelatError("invalid_attribute", `auto_pad '${autoPad}' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID`, {
      attribute: "auto_pad",
    });
  }
  return { kernel, strides, dilations, pads, out };
}
