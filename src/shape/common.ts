/** Shape arithmetic shared by the ONNX and TF op specs. Pure functions; symbolic dims propagate where they can. */
import { EdgelatError } from "../errors.js";
import type { Dim, Shape } from "../ir/types.js";

/** Numpy-style multidirectional broadcasting. Throws `invalid_shape` on incompatible static dims. */
export function broadcastShapes(...shapes: Shape[]): Shape {
  let rank = 0;
  for (const s of shapes) if (s.length > rank) rank = s.length;
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (let k = 0; k < shapes.length; k++) {
      const s = shapes[k]!;
      const j = s.length - rank + i;
      if (j < 0) continue; // (a negative index would be a slow named-property read)
      const d = s[j];
      if (d === undefined || d === 1) continue;
      if (dim === 1) dim = d;
      else if (typeof dim === "number" && typeof d === "number" && dim !== d) {
        throw new EdgelatError("invalid_shape", `Cannot broadcast shapes ${shapes.map((x) => `[${x.join(",")}]`).join(" and ")}`, { shapes });
      } else if (typeof dim === "string" && typeof d === "number") dim = d;
    }
    out.push(dim);
  }
  return out;
}

/**
 * Output size of a convolution / pooling window along one axis:
 * floor((in + padBegin + padEnd − dilation·(kernel − 1) − 1) / stride) + 1, or ceil with `ceilMode`.
 */
export function windowOutputDim(
  input: Dim,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation = 1,
  ceilMode = false,
): Dim {
  if (typeof input !== "number") return symbolicWindowDim(input, kernel, stride, padBegin, padEnd, dilation, ceilMode);
  const span = input + padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (span < 0) {
    throw new EdgelatError("invalid_shape", `Window of size ${kernel} (dilation ${dilation}) does not fit input ${input} with padding ${padBegin}+${padEnd}`);
  }
  const out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // ONNX/PyTorch ceil mode: the last window must start inside the input or the left padding.
  return ceilMode && (out - 1) * stride >= input + padBegin ? out - 1 : out;
}

/**
 * "SAME" padding (TF `SAME`, ONNX `SAME_UPPER` / `SAME_LOWER`): output = ceil(in / stride), total padding split
 * with the extra cell at the end (upper) or the beginning (lower).
 */
export function samePadding(input: number, kernel: number, stride: number, dilation = 1, lower = false): [number, number] {
  const out = Math.ceil(input / stride);
  const total = Math.max(0, (out - 1) * stride + dilation * (kernel - 1) + 1 - input);
  const small = Math.floor(total / 2);
  return lower ? [total - small, small] : [small, total - small];
}

/**
 * A window's output extent over a symbolic input dim: the input's own symbol when the window preserves the size
 * (stride 1, padding = dilated kernel − 1), else a derived symbol spelling the arithmetic (`floor((W-1)/2)+1`), so
 * that two branches downsampling the same dim the same way agree, and a Shape → Reshape round trip can cancel it.
 * "?" (an unnamed extent) stays "?".
 */
export function symbolicWindowDim(
  input: string,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation = 1,
  ceilMode = false,
): string {
  if (input === "?") return "?";
  const off = padBegin + padEnd - dilation * (kernel - 1) - 1;
  const signed = (n: number): string => (n === 0 ? "" : n > 0 ? `+${n}` : `${n}`);
  if (stride === 1) return off === -1 ? input : derivedSymbol(`${input}${signed(off + 1)}`);
  return derivedSymbol(`${ceilMode ? "ceil" : "floor"}((${input}${signed(off)})/${stride})+1`);
}

/** Derived symbolic dims longer than this become "?" (deep networks would otherwise grow unreadable names). */
const MAX_SYMBOL_LENGTH = 80;

/** A derived symbol (`2*H`, `floor((W-1)/2)+1`), or "?" when it grows too long. */
export function derivedSymbol(expr: string): string {
  return expr.length <= MAX_SYMBOL_LENGTH ? expr : "?";
}

/** "SAME" output extent ceil(in / stride), also over a symbolic dim (`ceil(W/2)`). */
export function sameOutputDim(input: Dim, stride: number): Dim {
  if (typeof input === "number") return Math.ceil(input / stride);
  return stride === 1 || input === "?" ? input : derivedSymbol(`ceil(${input}/${stride})`);
}

/** `factor · d` (or `d / factor` with `divide`) over a possibly symbolic dim: `2*H`, `H/2`. */
export function scaleDim(input: Dim, factor: number, divide = false): Dim {
  if (typeof input === "number") return divide ? input / factor : input * factor;
  if (factor === 1 || input === "?") return input;
  return derivedSymbol(divide ? `${input}/${factor}` : `${factor}*${input}`);
}

