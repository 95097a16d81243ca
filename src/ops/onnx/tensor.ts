/**
 * Data-movement ops: Concat, Split, Slice, Reshape, Transpose, Flatten, Squeeze, Unsqueeze, Pad, Gather(Elements/ND),
 * Scatter*, Expand, Tile, DepthToSpace / SpaceToDepth, Identity, Dropout, CumSum, Trilu, OneHot, Compress.
 * They cost 0 FLOPs (memory traffic is in the node's bytes; CumSum counts 1 per element). Reshape / Flatten /
 * Squeeze / Unsqueeze / Identity / Dropout are `noCompute` (metadata only at inference). Small known values are
 * folded through all of them (the shape-computing subgraphs of exported models).
 */
import { EdgelatError, LIMITS } from "../../errors.js";
import type { Dim, Shape } from "../../ir/types.js";
import { broadcastShapes, scaleDim } from "../../shape/common.js";
import { unknownShape } from "../../shape/unknown.js";
import type { OpContext, OpSpec, TensorType } from "../types.js";
import {
  attrInt,
  attrInts,
  attrStr,
  broadcastEval,
  checkDims,
  dimsOf,
  needDims,
  withDims,
  fmt,
  foldable,
  hasInput,
  invalidShape,
  isStatic,
  like,
  needValues,
  normAxis,
  numel,
  outCount,
  prodDims,
  rejectMovedAttr,
  shapeOf,
  strides,
  valuesOf,
} from "./util.js";

// ---------------------------------------------------------------- value helpers

/** Known values of input i with a static shape that matches them, else undefined. */
function known(ctx: OpContext, i: number): { shape: number[]; values: number[] } | undefined {
  const t = ctx.inputs[i];
  if (t?.values === undefined || t.shape === undefined || !isStatic(t.shape)) return undefined;
  if (numel(t.shape) !== t.values.length) return undefined;
  return { shape: t.shape, values: t.values };
}

/** Selects along every axis the given index list (a cartesian product), row-major. */
function selectAxes(shape: readonly number[], values: readonly number[], picks: readonly (readonly number[])[]): number[] {
  const st = strides(shape);
  let offsets = [0];
  for (let k = 0; k < shape.length; k++) {
    const next: number[] = [];
    for (const base of offsets) for (const p of picks[k]!) next.push(base + p * st[k]!);
    offsets = next;
  }
  return offsets.map((o) => values[o]!);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function withValues(t: TensorType, values: number[] | undefined): TensorType {
  if (values !== undefined && t.shape !== undefined && foldable(t.shape)) t.values = values;
  return t;
}

// ---------------------------------------------------------------- Concat / Split / Slice

export const Concat: OpSpec = {
  opType: "Concat",
  domain: "",
  category: "concat",
  inputs: [{ name: "inputs", variadic: true }],
  attrs: { axis: { type: "int", required: true } },
  shape(ctx) {
    const shapes = ctx.inputs.map((_, i) => shapeOf(ctx, i));
    const rank = shapes[0]!.length;
    const axis = normAxis(attrInt(ctx, "axis")!, rank, "Concat axis");
    const out: Dim[] = [...shapes[0]!];
    const parts: Dim[] = [];
    for (const s of shapes) {
      if (s.length !== rank) invalidShape(`Concat inputs have different ranks: ${shapes.map(fmt).join(" ")}`);
      for (let k = 0; k < rank; k++) {
        if (k === axis) continue;
        const a = out[k]!;
        const b = s[k]!;
        if (typeof a === "number" && typeof b === "number" && a !== b) {
          invalidShape(`Concat inputs differ on axis ${k}: ${shapes.map(fmt).join(" ")}`);
        }
        if (typeof a !== "number") out[k] = b;
      }
      parts.push(s[axis]!);
    }
    // The joined extent: the sum when every part is known; a single non-empty symbolic part keeps its symbol.
    const nonEmpty = parts.filter((d) => d !== 0);
    out[axis] = nonEmpty.length === 1 ? nonEmpty[0]! : sumDims(parts);
    const result: TensorType = { dtype: ctx.inputs[0]!.dtype, shape: out };
    const all = ctx.inputs.map((_, i) => known(ctx, i));
    if (rank === 1 && ctx.inputs.some((t) => t?.symbolicValues !== undefined)) {
      // Joining 1-D shape tensors of which some carry symbolic entries.
      const parts = ctx.inputs.map((t) => t?.values ?? t?.symbolicValues);
      if (parts.every((p) => p !== undefined)) withDims(result, parts.flatMap((p) => p!));
    } else if (all.every((k) => k !== undefined) && isStatic(out) && foldable(out)) {
      const outer = out.slice(0, axis).reduce((a, b) => a * (b as number), 1);
      const values: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const k of all) {
          const block = k!.shape.slice(axis).reduce((a, b) => a * b, 1);
          for (let j = 0; j < block; j++) values.push(k!.values[o * block + j]!);
        }
      }
      result.values = values;
    }
    return [result];
  },
};

function sumDims(parts: readonly Dim[]): Dim {
  let n = 0;
  for (const d of parts) {
    if (typeof d !== "number") return "?";
    n += d;
  }
  return n;
}

export const Split: OpSpec = {
  opType: "Split",
  domain: "",
  category: "split",
  inputs: [{ name: "input" }, { name: "split", optional: true }],
  attrs: { axis: { type: "int", default: 0 }, split: { type: "ints" }, num_outputs: { type: "int" } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const axis = normAxis(attrInt(ctx, "axis")!, x.length, "Split axis");
    const n = ctx.node.outputs.length;
    const d = x[axis]!;
    rejectMovedAttr(ctx, "split", 13);
    let sizes: Dim[] | undefined = ctx.opset >= 13 ? (hasInput(ctx, 1) ? needValues(ctx, 1, "Split sizes") : undefined) : attrInts(ctx, "split");
    if (sizes !== undefined && sizes.length === 0) sizes = undefined;
    if (sizes === undefined) {
      const numOutputs = attrInt(ctx, "num_outputs") ?? n;
      if (typeof d !== "number") sizes = new Array<Dim>(n).fill("?");
      else if (ctx.attrs.num_outputs !== undefined) {
        // Opset 18: the last chunk may be smaller.
        const chunk = Math.ceil(d / numOutputs);
        sizes = range(numOutputs).map((i) => Math.max(0, Math.min(chunk, d - i * chunk)));
      } else {
        if (d % n !== 0) invalidShape(`Split of dim ${d} into ${n} equal parts`);
        sizes = new Array<Dim>(n).fill(d / n);
      }
    }
    if (sizes.length !== n) invalidShape(`Split gives ${sizes.length} sizes for ${n} outputs`);
    const sum = sumDims(sizes);
    if (typeof sum === "number" && typeof d === "number" && sum !== d) invalidShape(`Split sizes ${fmt(sizes)} do not add up to ${d}`);
    const k = known(ctx, 0);
    let start = 0;
    return sizes.map((s) => {
      const shape = x.map((v, i) => (i === axis ? s : v));
      const t: TensorType = { dtype: ctx.inputs[0]!.dtype, shape };
      if (k !== undefined && typeof s === "number") {
        const picks = k.shape.map((dim, i) => (i === axis ? range(s).map((j) => start + j) : range(dim)));
        withValues(t, selectAxes(k.shape, k.values, picks));
        start += s;
      }
      return t;
    });
  },
};

/** Resolved [start, end) with step for one axis, ONNX clamping semantics. */
export function sliceAxis(dim: number, start: number, end: number, step: number): { start: number; length: number } {
  if (step === 0) throw new EdgelatError("invalid_attribute", "Slice step must not be 0");
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
    return { start: s, length: Math.max(0, Math.ceil((e - s) / step)) };
  }
  s = Math.min(Math.max(s, 0), dim - 1);
  e = Math.min(Math.max(e, -1), dim - 1);
  return { start: s, length: Math.max(0, Math.ceil((s - e) / -step)) };
}

export const Slice: OpSpec = {
  opType: "Slice",
  domain: "",
  category: "slice",
  inputs: [{ name: "data" }, { name: "starts", optional: true }, { name: "ends", optional: true }, { name: "axes", optional: true }, { name: "steps", optional: true }],
  attrs: { starts: { type: "ints" }, ends: { type: "ints" }, axes: { type: "ints" } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    let starts: number[] | undefined;
    let ends: number[] | undefined;
    let axes: number[] | undefined;
    let steps: number[] | undefined;
    for (const a of ["starts", "ends", "axes"]) rejectMovedAttr(ctx, a, 10);
    if (ctx.opset < 10) {
      starts = attrInts(ctx, "starts");
      ends = attrInts(ctx, "ends");
      axes = attrInts(ctx, "axes");
      if (starts === undefined || ends === undefined) throw new EdgelatError("invalid_attribute", "Slice (opset < 10) needs starts and ends");
    } else {
      if (!hasInput(ctx, 1) || !hasInput(ctx, 2)) throw new EdgelatError("invalid_model", "Slice needs starts and ends inputs");
      const nAxes = numel(shapeOf(ctx, 1));
      starts = valuesOf(ctx, 1);
      ends = valuesOf(ctx, 2);
      axes = hasInput(ctx, 3) ? needValues(ctx, 3, "Slice axes") : undefined;
      steps = hasInput(ctx, 4) ? needValues(ctx, 4, "Slice steps") : undefined;
      if (starts === undefined || ends === undefined) {
        // Bounds unknown: the sliced axes get unknown extents, the others are kept.
        const sliced = axes ?? (nAxes !== undefined ? range(nAxes) : unknownShape("Slice bounds are not known constants"));
        const set = new Set(sliced.map((a) => normAxis(a, x.length, "Slice axis")));
        return [{ dtype: ctx.inputs[0]!.dtype, shape: x.map((d, i) => (set.has(i) ? "?" : d)) }];
      }
    }
    axes ??= range(starts.length);
    steps ??= new Array<number>(starts.length).fill(1);
    if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
      invalidShape(`Slice starts/ends/axes/steps lengths differ (${starts.length}, ${ends.length}, ${axes.length}, ${steps.length})`);
    }
    const out: Dim[] = [...x];
    const k = known(ctx, 0);
    const picks = k?.shape.map((d) => range(d));
    const seen = new Set<number>();
    for (let j = 0; j < axes.length; j++) {
      const a = normAxis(axes[j]!, x.length, "Slice axis");
      if (seen.has(a)) invalidShape(`Slice axis ${a} repeated`);
      seen.add(a);
      const d = x[a]!;
      if (typeof d !== "number") {
        out[a] = starts[j] === 0 && steps[j] === 1 && ends[j]! >= LIMITS.maxDim ? d : "?";
        continue;
      }
      const r = sliceAxis(d, starts[j]!, ends[j]!, steps[j]!);
      out[a] = r.length;
      if (picks !== undefined) picks[a] = range(r.length).map((i) => r.start + i * steps![j]!);
    }
    const t: TensorType = { dtype: ctx.inputs[0]!.dtype, shape: out };
    if (k !== undefined && picks !== undefined) withValues(t, selectAxes(k.shape, k.values, picks));
    const sym = ctx.inputs[0]!.symbolicValues;
    if (sym !== undefined && x.length === 1 && typeof x[0] === "number" && axes.length === 1) {
      const r = sliceAxis(x[0], starts[0]!, ends[0]!, steps[0]!);
      withDims(t, range(r.length).map((i) => sym[r.start + i * steps![0]!]!));
    }
    return [t];
  },
};

// ---------------------------------------------------------------- Reshape family (metadata only)

/** Reshape target resolution: 0 copies the input dim (unless allowzero), one −1 is inferred. */
export function reshapeTarget(x: Shape, target: readonly Dim[], allowZero: boolean): Shape {
  const out: Dim[] = [];
  let inferAt = -1;
  let known = 1;
  const remaining = x.filter((d) => typeof d !== "number") as string[];
  for (let i = 0; i < target.length; i++) {
    const t = target[i]!;
    if (typeof t === "string") {
      // A symbolic entry (read from a symbolic dim by Shape): kept, and cancels that symbol of the input.
      out.push(t);
      const at = remaining.indexOf(t);
      if (at >= 0) remaining.splice(at, 1);
      else remaining.push("?"); // an extent we cannot relate to the input's
    } else if (t === -1) {
      if (inferAt >= 0) invalidShape(`Reshape target ${fmt(target)} has more than one -1`);
      inferAt = i;
      out.push(-1);
    } else if (t === 0 && !allowZero) {
      if (i >= x.length) invalidShape(`Reshape target ${fmt(target)} copies dim ${i} of ${fmt(x)}`);
      const d = x[i]!;
      out.push(d);
      if (typeof d === "number") known *= d;
      else remaining.splice(remaining.indexOf(d), 1);
    } else if (t < -1 || !Number.isInteger(t)) {
      invalidShape(`Reshape target ${fmt(target)} has invalid dim ${t}`);
    } else {
      out.push(t);
      known *= t;
    }
  }
  const inputKnown = x.reduce<number>((a, d) => (typeof d === "number" ? a * d : a), 1);
  if (inferAt >= 0) {
    if (remaining.length === 1 && known === inputKnown && remaining[0] !== "?") out[inferAt] = remaining[0]!;
    else if (remaining.length > 0) out[inferAt] = "?";
    else if (known === 0 || inputKnown % known !== 0) invalidShape(`Cannot reshape ${fmt(x)} to ${fmt(target)}`);
    else out[inferAt] = inputKnown / known;
  } else if (remaining.length === 0 && known !== inputKnown && !(allowZero && known === 0 && inputKnown === 0)) {
    invalidShape(`Cannot reshape ${fmt(x)} (${inputKnown} elements) to ${fmt(target)} (${known} elements)`);
  }
  return out;
}

export const Reshape: OpSpec = {
  opType: "Reshape",
  domain: "",
  category: "reshape",
  noCompute: true,
  inputs: [{ name: "data" }, { name: "shape", optional: true }],
  attrs: { allowzero: { type: "int", default: 0 }, shape: { type: "ints" } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    rejectMovedAttr(ctx, "shape", 5);
    const target = ctx.opset < 5 ? attrInts(ctx, "shape") : hasInput(ctx, 1) ? needDims(ctx, 1, "Reshape target") : undefined;
    if (target === undefined) throw new EdgelatError("invalid_model", "Reshape needs a target shape");
    const t: TensorType = { dtype: ctx.inputs[0]!.dtype, shape: reshapeTarget(x, target, attrInt(ctx, "allowzero") === 1) };
    return [withDims(t, dimsOf(ctx, 0))];
  },
};

export const Flatten: OpSpec = {
  opType: "Flatten",
  domain: "",
  category: "reshape",
  noCompute: true,
  inputs: [{ name: "input" }],
  attrs: { axis: { type: "int", default: 1 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    let axis = attrInt(ctx, "axis")!;
    if (axis < 0) axis += x.length;
    if (axis < 0 || axis > x.length) throw new EdgelatError("invalid_attribute", `Flatten axis ${axis} out of range for rank ${x.length}`);
    const t: TensorType = { dtype: ctx.inputs[0]!.dtype, shape: [prodDims(x.slice(0, axis)), prodDims(x.slice(axis))] };
    return [withDims(t, dimsOf(ctx, 0))];
  },
};

function axesArg(ctx: OpContext, what: string): number[] | undefined {
  rejectMovedAttr(ctx, "axes", 13);
  if (ctx.opset >= 13) return hasInput(ctx, 1) ? needValues(ctx, 1, `${what} axes`) : undefined;
  return attrInts(ctx, "axes");
}

export const Squeeze: OpSpec = {
  opType: "Squeeze",
  domain: "",
  category: "reshape",
  noCompute: true,
  inputs: [{ name: "data" }, { name: "axes", optional: true }],
  attrs: { axes: { type: "ints" } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const axes = axesArg(ctx, "Squeeze");
    let out: Dim[];
    if (axes === undefined || axes.length === 0) out = x.filter((d) => d !== 1);
    else {
      const set = new Set(axes.map((a) => normAxis(a, x.length, "Squeeze axis")));
      for (const a of set) if (typeof x[a] === "number" && x[a] !== 1) invalidShape(`Squeeze axis ${a} of ${fmt(x)} is not 1`);
      out = x.filter((_, i) => !set.has(i));
    }
    return [withDims({ dtype: ctx.inputs[0]!.dtype, shape: out }, dimsOf(ctx, 0))];
  },
};

export const Unsqueeze: OpSpec = {
  opType: "Unsqueeze",
  domain: "",
  category: "reshape",
  noCompute: true,
  inputs: [{ name: "data" }, { name: "axes", optional: true }],
  attrs: { axes: { type: "ints" } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const axes = axesArg(ctx, "Unsqueeze");
    if (axes === undefined) throw new EdgelatError("invalid_attribute", "Unsqueeze needs axes");
    const rank = x.length + axes.length;
    const set = new Set(axes.map((a) => normAxis(a, rank, "Unsqueeze axis")));
    if (set.size !== axes.length) invalidShape(`Unsqueeze axes ${fmt(axes)} repeat`);
    const out: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) out.push(set.has(i) ? 1 : x[j++]!);
    return [withDims({ dtype: ctx.inputs[0]!.dtype, shape: out }, dimsOf(ctx, 0))];
  },
};

export const Identity: OpSpec = {
  opType: "Identity",
  domain: "",
  category: "reshape",
  noCompute: true,
  inputs: [{ name: "input" }],
  shape: (ctx) => [withDims(like(ctx, 0), dimsOf(ctx, 0))],
};

/** Dropout at inference is the identity; the optional mask output is bool of the same shape. */
export const Dropout: OpSpec = {
  opType: "Dropout",
  domain: "",
  category: "reshape",
  noCompute: true,
  inputs: [{ name: "data" }, { name: "ratio", optional: true }, { name: "training_mode", optional: true }],
  attrs: { ratio: { type: "float", default: 0.5 }, seed: { type: "int" } },
  shape: (ctx) => ctx.node.outputs.map((_, i) => (i === 0 ? withDims(like(ctx, 0), dimsOf(ctx, 0)) : like(ctx, 0, "bool"))),
};

// ---------------------------------------------------------------- Transpose, Pad, Expand, Tile

export const Transpose: OpSpec = {
  opType: "Transpose",
  domain: "",
  category: "transpose",
  inputs: [{ name: "data" }],
  attrs: { perm: { type: "ints" } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const perm = attrInts(ctx, "perm") ?? range(x.length).reverse();
    if (perm.length !== x.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
      throw new EdgelatError("invalid_attribute", `Transpose perm ${fmt(perm)} is not a permutation of rank ${x.length}`);
    }
    const t: TensorType = { dtype: ctx.inputs[0]!.dtype, shape: perm.map((p) => x[p]!) };
    const k = known(ctx, 0);
    if (k !== undefined) {
      const st = strides(k.shape);
      const outShape = perm.map((p) => k.shape[p]!);
      const total = k.values.length;
      const values = new Array<number>(total);
      const idx = new Array<number>(outShape.length).fill(0);
      for (let e = 0; e < total; e++) {
        let off = 0;
        for (let i = 0; i < idx.length; i++) off += idx[i]! * st[perm[i]!]!;
        values[e] = k.values[off]!;
        for (let i = idx.length - 1; i >= 0; i--) {
          if (++idx[i]! < outShape[i]!) break;
          idx[i] = 0;
        }
      }
      t.values = values;
    }
    return [t];
  },
};

export const Pad: OpSpec = {
  opType: "Pad",
  domain: "",
  category: "pad",
  inputs: [{ name: "data" }, { name: "pads", optional: true }, { name: "constant_value", optional: true }, { name: "axes", optional: true }],
  attrs: { mode: { type: "string", default: "constant" }, pads: { type: "ints" }, paddings: { type: "ints" }, value: { type: "float", default: 0 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const mode = attrStr(ctx, "mode")!;
    if (!["constant", "reflect", "edge", "wrap"].includes(mode)) throw new EdgelatError("invalid_attribute", `Pad mode '${mode}' is not supported`);
    rejectMovedAttr(ctx, "pads", 11);
    const pads = ctx.opset < 11 ? (attrInts(ctx, "pads") ?? attrInts(ctx, "paddings")) : hasInput(ctx, 1) ? needValues(ctx, 1, "Pad pads") : undefined;
    if (pads === undefined) throw new EdgelatError("invalid_attribute", "Pad needs pads");
    const axes = ctx.opset >= 18 && hasInput(ctx, 3) ? needValues(ctx, 3, "Pad axes").map((a) => normAxis(a, x.length, "Pad axis")) : range(x.length);
    if (pads.length !== 2 * axes.length) invalidShape(`Pad pads ${fmt(pads)} do not fit ${axes.length} axes of ${fmt(x)}`);
    const out: Dim[] = [...x];
    axes.forEach((a, j) => {
      const d = x[a]!;
      const add = pads[j]! + pads[j + axes.length]!;
      out[a] = typeof d === "number" ? d + add : add === 0 ? d : "?";
      if (typeof out[a] === "number" && (out[a] as number) < 0) invalidShape(`Pad makes axis ${a} of ${fmt(x)} negative`);
    });
    return [{ dtype: ctx.inputs[0]!.dtype, shape: out }];
  },
};

export const Expand: OpSpec = {
  opType: "Expand",
  domain: "",
  category: "elementwise",
  inputs: [{ name: "input" }, { name: "shape" }],
  shape(ctx) {
    const dims = needDims(ctx, 1, "Expand shape");
    checkDims(dims.filter((d): d is number => typeof d === "number"), "Expand shape");
    const shape = broadcastShapes(shapeOf(ctx, 0), dims);
    const t: TensorType = { dtype: ctx.inputs[0]!.dtype, shape };
    const k = known(ctx, 0);
    if (k !== undefined && isStatic(shape) && foldable(shape)) t.values = broadcastEval(shape, [k], (xs) => xs[0]!);
    return [t];
  },
};

export const Tile: OpSpec = {
  opType: "Tile",
  domain: "",
  category: "gather",
  inputs: [{ name: "input" }, { name: "repeats" }],
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const repeats = needValues(ctx, 1, "Tile repeats");
    if (repeats.length !== x.length || repeats.some((r) => r < 0)) invalidShape(`Tile repeats ${fmt(repeats)} do not fit ${fmt(x)}`);
    const shape = x.map((d, i) => (typeof d === "number" ? d * repeats[i]! : repeats[i] === 1 ? d : "?"));
    const t: TensorType = { dtype: ctx.inputs[0]!.dtype, shape };
    const k = known(ctx, 0);
    if (k !== undefined && isStatic(shape) && foldable(shape)) {
      t.values = selectAxes(k.shape, k.values, shape.map((d, i) => range(d).map((j) => j % k.shape[i]!)));
    }
    return [t];
  },
};

// ---------------------------------------------------------------- Gather / Scatter

export const Gather: OpSpec = {
  opType: "Gather",
  domain: "",
  category: "gather",
  inputs: [{ name: "data" }, { name: "indices" }],
  attrs: { axis: { type: "int", default: 0 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const ind = shapeOf(ctx, 1);
    const axis = normAxis(attrInt(ctx, "axis")!, x.length, "Gather axis");
    const shape = [...x.slice(0, axis), ...ind, ...x.slice(axis + 1)];
    const t: TensorType = { dtype: ctx.inputs[0]!.dtype, shape };
    const k = known(ctx, 0);
    const idx = valuesOf(ctx, 1);
    const d = x[axis]!;
    if (idx !== undefined && typeof d === "number") {
      for (const i of idx) if (i < -d || i >= d) invalidShape(`Gather index ${i} is out of range for axis of size ${d}`);
    }
    const sym = ctx.inputs[0]!.symbolicValues;
    if (sym !== undefined && idx !== undefined && x.length === 1 && typeof d === "number") {
      // Gather from a 1-D shape tensor with symbolic entries (Shape(x)[0] = "batch").
      withDims(t, idx.map((i) => sym[i < 0 ? i + d : i]!));
    } else if (k !== undefined && idx !== undefined && isStatic(shape) && foldable(shape)) {
      const dim = k.shape[axis]!;
      const picks = k.shape.map((s, a) => (a === axis ? idx.map((i) => (i < 0 ? i + dim : i)) : range(s)));
      // selectAxes orders the gathered axis where the index tensor goes: same row-major order as the output.
      t.values = selectAxes(k.shape, k.values, picks);
    }
    return [t];
  },
};

export const GatherElements: OpSpec = {
  opType: "GatherElements",
  domain: "",
  category: "gather",
  inputs: [{ name: "data" }, { name: "indices" }],
  attrs: { axis: { type: "int", default: 0 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const ind = shapeOf(ctx, 1);
    if (x.length !== ind.length) invalidShape(`GatherElements data ${fmt(x)} and indices ${fmt(ind)} ranks differ`);
    normAxis(attrInt(ctx, "axis")!, x.length, "GatherElements axis");
    return [{ dtype: ctx.inputs[0]!.dtype, shape: ind }];
  },
};

export const GatherND: OpSpec = {
  opType: "GatherND",
  domain: "",
  category: "gather",
  inputs: [{ name: "data" }, { name: "indices" }],
  attrs: { batch_dims: { type: "int", default: 0 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const ind = shapeOf(ctx, 1);
    const b = attrInt(ctx, "batch_dims")!;
    const last = ind[ind.length - 1];
    if (typeof last !== "number") unknownShape("GatherND index depth is symbolic");
    if (ind.length < 1 || b + last > x.length) invalidShape(`GatherND indices ${fmt(ind)} do not fit data ${fmt(x)}`);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [...ind.slice(0, -1), ...x.slice(b + last)] }];
  },
};

const scatter = (opType: string): OpSpec => ({
  opType,
  domain: "",
  category: "gather",
  inputs: [{ name: "data" }, { name: "indices" }, { name: "updates" }],
  attrs: { axis: { type: "int", default: 0 }, reduction: { type: "string", default: "none" } },
  shape: (ctx) => [like(ctx, 0)],
});

export const OneHot: OpSpec = {
  opType: "OneHot",
  domain: "",
  category: "gather",
  inputs: [{ name: "indices" }, { name: "depth" }, { name: "values" }],
  attrs: { axis: { type: "int", default: -1 } },
  shape(ctx) {
    const ind = shapeOf(ctx, 0);
    const depth = needValues(ctx, 1, "OneHot depth")[0]!;
    const axis = normAxis(attrInt(ctx, "axis")!, ind.length + 1, "OneHot axis");
    const shape = [...ind.slice(0, axis), Math.trunc(depth), ...ind.slice(axis)];
    return [{ dtype: ctx.inputs[2]!.dtype, shape }];
  },
};

export const Compress: OpSpec = {
  opType: "Compress",
  domain: "",
  category: "gather",
  inputs: [{ name: "input" }, { name: "condition" }],
  attrs: { axis: { type: "int" } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const cond = needValues(ctx, 1, "Compress condition");
    const n = cond.filter((c) => c !== 0).length;
    const axis = attrInt(ctx, "axis");
    if (axis === undefined) return [{ dtype: ctx.inputs[0]!.dtype, shape: [n] }];
    const a = normAxis(axis, x.length, "Compress axis");
    return [{ dtype: ctx.inputs[0]!.dtype, shape: x.map((d, i) => (i === a ? n : d)) }];
  },
};

// ---------------------------------------------------------------- DepthToSpace / SpaceToDepth

function blockOp(opType: "DepthToSpace" | "SpaceToDepth"): OpSpec {
  return {
    opType,
    domain: "",
    category: "transpose",
    inputs: [{ name: "input" }],
    attrs: { blocksize: { type: "int", required: true }, mode: { type: "string", default: "DCR" } },
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      const b = attrInt(ctx, "blocksize")!;
      if (x.length !== 4 || b < 1) invalidShape(`${opType} needs a 4-D input and blocksize ≥ 1, got ${fmt(x)}, ${b}`);
      const [n, c, h, w] = x as [Dim, Dim, Dim, Dim];
      const mul = (d: Dim, f: number): Dim => scaleDim(d, f);
      const div = (d: Dim, f: number, what: string): Dim => {
        if (typeof d !== "number") return scaleDim(d, f, true);
        if (d % f !== 0) invalidShape(`${opType}: ${what} ${d} not divisible by ${f}`);
        return d / f;
      };
      const shape =
        opType === "DepthToSpace" ? [n, div(c, b * b, "channels"), mul(h, b), mul(w, b)] : [n, mul(c, b * b), div(h, b, "height"), div(w, b, "width")];
      return [{ dtype: ctx.inputs[0]!.dtype, shape }];
    },
  };
}

export const tensorSpecs: readonly OpSpec[] = [
  Concat,
  Split,
  Slice,
  Reshape,
  Flatten,
  Squeeze,
  Unsqueeze,
  Identity,
  Dropout,
  Transpose,
  Pad,
  Expand,
  Tile,
  Gather,
  GatherElements,
  GatherND,
  scatter("ScatterND"),
  scatter("ScatterElements"),
  scatter("Scatter"),
  OneHot,
  Compress,
  blockOp("DepthToSpace"),
  blockOp("SpaceToDepth"),
  {
    opType: "CumSum",
    domain: "",
    category: "reduce",
    inputs: [{ name: "x" }, { name: "axis" }],
    attrs: { exclusive: { type: "int", default: 0 }, reverse: { type: "int", default: 0 } },
    shape: (ctx) => [like(ctx, 0)],
    flops: (_ctx, outputs) => outCount(outputs),
  },
  {
    opType: "Trilu",
    domain: "",
    category: "elementwise",
    inputs: [{ name: "input" }, { name: "k", optional: true }],
    attrs: { upper: { type: "int", default: 1 } },
    shape: (ctx) => [like(ctx, 0)],
  },
  {
    opType: "ReverseSequence",
    domain: "",
    category: "gather",
    inputs: [{ name: "input" }, { name: "sequence_lens" }],
    attrs: { batch_axis: { type: "int", default: 1 }, time_axis: { type: "int", default: 0 } },
    shape: (ctx) => [like(ctx, 0)],
  },
];
