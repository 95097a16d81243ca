/**
 * TF array / shape ops: ConcatV2, Pack, Unpack, Split, SplitV, StridedSlice (begin / end / ellipsis / new_axis /
 * shrink masks), Slice, Reshape, Squeeze, ExpandDims, Transpose, Pad / PadV2 / MirrorPad, Shape, Size, Rank, Fill,
 * Range, GatherV2, GatherNd, Tile, BroadcastTo, OneHot, DepthToSpace, SpaceToDepth, Cumsum, Reverse.
 * Small known values are folded (shape computations: Shape → StridedSlice → Pack → Reshape). These ops move data and
 * cost no FLOPs (Cumsum: 1 per element).
 */
import { EdgelatError, LIMITS } from "../../errors.js";
import type { Dim, DType, Shape } from "../../ir/types.js";
import { unknownShape } from "../../shape/unknown.js";
import type { OpContext, OpSpec, TensorType } from "../types.js";
import {
  attrInt,
  attrInts,
  fmt,
  foldable,
  intValues,
  invalidShape,
  isStatic,
  layoutOf,
  needValues,
  normAxis,
  numel,
  outCount,
  shapeOf,
  strides,
  TF,
  unifyDim,
  valuesOf,
} from "./helpers.js";

const needInts = (ctx: OpContext, i: number, what: string): number[] => needValues(ctx, i, what).map((v) => Math.trunc(v));

/** Values of a row-major tensor gathered along per-axis index lists (cartesian product). */
function gatherIndices(shape: number[], values: readonly number[], perAxis: number[][]): number[] {
  const st = strides(shape);
  const out: number[] = [];
  const rec = (axis: number, offset: number): void => {
    if (axis === perAxis.length) {
      out.push(values[offset]!);
      return;
    }
    for (const i of perAxis[axis]!) rec(axis + 1, offset + i * st[axis]!);
  };
  rec(0, 0);
  return out;
}

function withValues(t: TensorType, values: number[] | undefined): TensorType {
  if (values !== undefined && t.shape !== undefined && foldable(t.shape) && values.length === numel(t.shape)) t.values = values;
  return t;
}

const range = (n: number, from = 0, step = 1): number[] => Array.from({ length: Math.max(0, n) }, (_, i) => from + i * step);

// ------------------------------------------------------------------ concat / pack / split

function concatShapes(shapes: Shape[], axis: number, what: string): Shape {
  const rank = shapes[0]!.length;
  const a = normAxis(axis, rank, `${what} axis`);
  const out = [...shapes[0]!];
  let total: Dim = 0;
  for (const s of shapes) {
    if (s.length !== rank) invalidShape(`${what}: inputs have ranks ${shapes.map((x) => x.length).join(", ")}`);
    for (let d = 0; d < rank; d++) if (d !== a) out[d] = unifyDim(out[d]!, s[d]!, () => `${what} dim ${d}`);
    const c = s[a]!;
    total = typeof total === "number" && typeof c === "number" ? total + c : typeof c === "string" ? c : total;
  }
  out[a] = shapes.every((s) => typeof s[a] === "number") ? total : typeof total === "string" && shapes.length === 1 ? total : "?";
  return out;
}

/** Values of a concatenation along `axis` (inputs' values row-major). */
function concatValues(shapes: number[][], values: number[][], axis: number): number[] {
  const outer = shapes[0]!.slice(0, axis).reduce((x, y) => x * y, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    shapes.forEach((s, k) => {
      const chunk = s.slice(axis).reduce((x, y) => x * y, 1);
      out.push(...values[k]!.slice(o * chunk, (o + 1) * chunk));
    });
  }
  return out;
}

function concatSpec(opType: string, axisFirst: boolean): OpSpec {
  return {
    opType,
    domain: TF,
    category: "concat",
    inputs: axisFirst ? [{ name: "axis" }, { name: "values", variadic: true }] : [{ name: "values", variadic: true }],
    shape(ctx) {
      const n = ctx.inputs.length;
      const axisAt = axisFirst ? 0 : n - 1;
      const data = axisFirst ? ctx.inputs.slice(1) : ctx.inputs.slice(0, n - 1);
      if (data.length === 0) invalidShape(`${opType} has no values`);
      const axis = needInts(ctx, axisAt, `${opType} axis`)[0]!;
      // Empty [0] tensors (a common artefact of folded shape graphs) are skipped when ranks differ.
      const parts = data.filter((t) => !(t!.shape!.length === 1 && t!.shape![0] === 0 && data.some((u) => u!.shape!.length > 1)));
      const shapes = parts.map((t) => t!.shape!);
      const shape = concatShapes(shapes, axis, opType);
      const out: TensorType = { dtype: parts[0]!.dtype, shape };
      if (parts.every((t) => t!.values !== undefined && isStatic(t!.shape!))) {
        withValues(out, concatValues(shapes as number[][], parts.map((t) => t!.values!), normAxis(axis, shape.length)));
      }
      return [out];
    },
  };
}

const Pack: OpSpec = {
  opType: "Pack",
  domain: TF,
  category: "concat",
  inputs: [{ name: "values", variadic: true }],
  attrs: { axis: { type: "int", default: 0 } },
  shape(ctx) {
    const shapes = ctx.inputs.map((t) => t!.shape!);
    const rank = shapes[0]!.length;
    const axis = normAxis(attrInt(ctx, "axis") ?? 0, rank + 1, "Pack axis");
    const base = [...shapes[0]!];
    for (const s of shapes) {
      if (s.length !== rank) invalidShape(`Pack inputs have different ranks: ${shapes.map(fmt).join(", ")}`);
      s.forEach((d, i) => (base[i] = unifyDim(base[i]!, d, "Pack input dims")));
    }
    const shape = [...base.slice(0, axis), shapes.length, ...base.slice(axis)];
    const out: TensorType = { dtype: ctx.inputs[0]!.dtype, shape };
    if (ctx.inputs.every((t) => t!.values !== undefined) && isStatic(base)) {
      const expanded = base.slice(0, axis).concat([1], base.slice(axis));
      withValues(out, concatValues(shapes.map(() => expanded), ctx.inputs.map((t) => t!.values!), axis));
    }
    return [out];
  },
};

const Unpack: OpSpec = {
  opType: "Unpack",
  domain: TF,
  category: "split",
  inputs: [{ name: "value" }],
  attrs: { axis: { type: "int", default: 0 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const axis = normAxis(attrInt(ctx, "axis") ?? 0, x.length, "Unpack axis");
    const num = attrInt(ctx, "num") ?? x[axis];
    if (typeof x[axis] === "number" && typeof num === "number" && x[axis] !== num) invalidShape(`Unpack num ${num} ≠ dim ${x[axis]} of ${fmt(x)}`);
    const shape = [...x.slice(0, axis), ...x.slice(axis + 1)];
    const v = ctx.inputs[0]!.values;
    return ctx.node.outputs.map((_, k) => {
      const out: TensorType = { dtype: ctx.inputs[0]!.dtype, shape: [...shape] };
      if (v !== undefined && isStatic(x)) withValues(out, gatherIndices(x, v, x.map((d, i) => (i === axis ? [k] : range(d)))));
      return out;
    });
  },
};

function splitOutputs(ctx: OpContext, x: Shape, axis: number, sizes: Dim[]): TensorType[] {
  const v = ctx.inputs.find((t) => t?.shape === x)?.values;
  let start = 0;
  return sizes.map((size) => {
    const shape = [...x];
    shape[axis] = size;
    const out: TensorType = { dtype: ctx.inputs.find((t) => t?.shape === x)!.dtype, shape };
    if (v !== undefined && isStatic(x) && typeof size === "number") {
      withValues(out, gatherIndices(x, v, x.map((d, i) => (i === axis ? range(size, start) : range(d)))));
    }
    if (typeof size === "number") start += size;
    return out;
  });
}

const Split: OpSpec = {
  opType: "Split",
  domain: TF,
  category: "split",
  inputs: [{ name: "axis" }, { name: "value" }],
  attrs: { num_split: { type: "int", default: 1 } },
  shape(ctx) {
    const x = shapeOf(ctx, 1);
    const axis = normAxis(needInts(ctx, 0, "Split axis")[0]!, x.length, "Split axis");
    const n = attrInt(ctx, "num_split") ?? ctx.node.outputs.length;
    if (n < 1 || n !== ctx.node.outputs.length) {
      throw new EdgelatError("invalid_attribute", `Split num_split ${n} must be ≥ 1 and equal the node's ${ctx.node.outputs.length} outputs`, { attribute: "num_split" });
    }
    const d = x[axis]!;
    if (typeof d === "number" && d % n !== 0) invalidShape(`Split: dim ${d} of ${fmt(x)} is not divisible by ${n}`);
    const size: Dim = typeof d === "number" ? d / n : "?";
    return splitOutputs(ctx, x, axis, range(n).map(() => size));
  },
};

const SplitV: OpSpec = {
  opType: "SplitV",
  domain: TF,
  category: "split",
  inputs: [{ name: "value" }, { name: "size_splits" }, { name: "axis" }],
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const axis = normAxis(needInts(ctx, 2, "SplitV axis")[0]!, x.length, "SplitV axis");
    const sizes = needInts(ctx, 1, "SplitV size_splits");
    const d = x[axis]!;
    const unknown = sizes.filter((s) => s === -1).length;
    if (unknown > 1) invalidShape(`SplitV size_splits ${fmt(sizes)} has more than one -1`);
    const known = sizes.filter((s) => s !== -1).reduce((a, b) => a + b, 0);
    const dims: Dim[] = sizes.map((s) => (s === -1 ? (typeof d === "number" ? d - known : "?") : s));
    if (typeof d === "number" && (dims.some((s) => typeof s === "number" && s < 0) || (unknown === 0 && known !== d))) {
      invalidShape(`SplitV size_splits ${fmt(sizes)} do not sum to dim ${d} of ${fmt(x)}`);
    }
    return splitOutputs(ctx, x, axis, dims);
  },
};

// ------------------------------------------------------------------ slicing

interface AxisSel {
  size: Dim;
  /** First index and step taken along the input axis (only when the input dim is known). */
  from?: number;
  step?: number;
}

/** Index lists per axis, built only to fold small known values (never for the shape alone). */
const indicesOf = (sel: AxisSel): number[] | undefined =>
  typeof sel.size === "number" && sel.from !== undefined ? range(sel.size, sel.from, sel.step ?? 1) : undefined;

function sliceAxis(dim: Dim, begin: number, end: number, stride: number, beginMasked: boolean, endMasked: boolean): AxisSel {
  if (stride === 0) invalidShape("StridedSlice stride 0");
  if (typeof dim !== "number") {
    if (beginMasked && endMasked && stride === 1) return { size: dim };
    if (!beginMasked && !endMasked && begin >= 0 && end >= 0 && stride > 0) return { size: Math.max(0, Math.ceil((end - begin) / stride)) };
    return unknownShape(`StridedSlice over a symbolic dim (${dim}) with bounds that depend on it`);
  }
  const norm = (x: number): number => (x < 0 ? x + dim : x);
  let b: number;
  let e: number;
  if (stride > 0) {
    b = beginMasked ? 0 : Math.min(dim, Math.max(0, norm(begin)));
    e = endMasked ? dim : Math.min(dim, Math.max(0, norm(end)));
  } else {
    b = beginMasked ? dim - 1 : Math.min(dim - 1, Math.max(-1, norm(begin)));
    e = endMasked ? -1 : Math.min(dim - 1, Math.max(-1, norm(end)));
  }
  const size = Math.max(0, Math.ceil((e - b) / stride));
  return { size, from: b, step: stride };
}

const bit = (mask: number, i: number): boolean => ((mask >>> i) & 1) === 1;

/** TF StridedSlice semantics: the sparse spec (with ellipsis and new axes) expanded over the input's dims. */
function stridedSlice(ctx: OpContext): TensorType[] {
  const x = shapeOf(ctx, 0);
  const begin = needInts(ctx, 1, "StridedSlice begin");
  const end = needInts(ctx, 2, "StridedSlice end");
  const stridesV = ctx.inputs[3] !== undefined ? needInts(ctx, 3, "StridedSlice strides") : begin.map(() => 1);
  const n = begin.length;
  if (end.length !== n || stridesV.length !== n) invalidShape(`StridedSlice begin/end/strides lengths differ: ${n}, ${end.length}, ${stridesV.length}`);
  const m = (k: string): number => attrInt(ctx, k) ?? 0;
  const [beginMask, endMask, ellipsisMask, newAxisMask, shrinkMask] = [m("begin_mask"), m("end_mask"), m("ellipsis_mask"), m("new_axis_mask"), m("shrink_axis_mask")];
  const outShape: Dim[] = [];
  const perAxis: AxisSel[] = [];
  let dense = 0;
  let sawEllipsis = false;
  const takeFull = (): void => {
    const d = x[dense]!;
    outShape.push(d);
    perAxis.push(typeof d === "number" ? { size: d, from: 0, step: 1 } : { size: d });
    dense++;
  };
  for (let i = 0; i < n; i++) {
    if (bit(ellipsisMask, i)) {
      if (sawEllipsis) invalidShape("StridedSlice has more than one ellipsis");
      sawEllipsis = true;
      let after = 0;
      for (let j = i + 1; j < n; j++) if (!bit(newAxisMask, j)) after++;
      const count = x.length - dense - after;
      if (count < 0) invalidShape(`StridedSlice spec is longer than the input rank ${x.length}`);
      for (let k = 0; k < count; k++) takeFull();
      continue;
    }
    if (bit(newAxisMask, i)) {
      outShape.push(1);
      continue;
    }
    if (dense >= x.length) invalidShape(`StridedSlice spec of ${n} entries exceeds the input rank ${x.length} of ${fmt(x)}`);
    const d = x[dense]!;
    if (bit(shrinkMask, i)) {
      if (typeof d === "number") {
        const idx = begin[i]! < 0 ? begin[i]! + d : begin[i]!;
        if (idx < 0 || idx >= d) invalidShape(`StridedSlice index ${begin[i]} out of range for dim ${d} of ${fmt(x)}`);
        perAxis.push({ size: 1, from: idx, step: 1 });
      } else {
        if (begin[i]! < 0) return unknownShape(`StridedSlice negative index over symbolic dim ${d}`);
        perAxis.push({ size: 1 });
      }
      dense++;
      continue;
    }
    const sel = sliceAxis(d, begin[i]!, end[i]!, stridesV[i]!, bit(beginMask, i), bit(endMask, i));
    outShape.push(sel.size);
    perAxis.push(sel);
    dense++;
  }
  while (dense < x.length) takeFull();
  const t = ctx.inputs[0]!;
  const out: TensorType = { dtype: t.dtype, shape: outShape };
  if (t.values !== undefined && isStatic(x)) {
    const lists = perAxis.map(indicesOf);
    if (lists.every((l) => l !== undefined)) withValues(out, gatherIndices(x, t.values, lists as number[][]));
  }
  return [out];
}

const StridedSlice: OpSpec = {
  opType: "StridedSlice",
  domain: TF,
  category: "slice",
  inputs: [{ name: "input" }, { name: "begin" }, { name: "end" }, { name: "strides", optional: true }],
  attrs: {
    begin_mask: { type: "int", default: 0 },
    end_mask: { type: "int", default: 0 },
    ellipsis_mask: { type: "int", default: 0 },
    new_axis_mask: { type: "int", default: 0 },
    shrink_axis_mask: { type: "int", default: 0 },
  },
  shape: stridedSlice,
};

const Slice: OpSpec = {
  opType: "Slice",
  domain: TF,
  category: "slice",
  inputs: [{ name: "input" }, { name: "begin" }, { name: "size" }],
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const begin = needInts(ctx, 1, "Slice begin");
    const size = needInts(ctx, 2, "Slice size");
    if (begin.length !== x.length || size.length !== x.length) invalidShape(`Slice begin ${fmt(begin)} / size ${fmt(size)} do not match rank of ${fmt(x)}`);
    const shape: Dim[] = x.map((d, i) => {
      const b = begin[i]!;
      const s = size[i]!;
      if (typeof d !== "number") {
        if (s >= 0) return s;
        if (b === 0) return d;
        return unknownShape(`Slice to the end of symbolic dim ${d}`);
      }
      const len = s === -1 ? d - b : s;
      if (b < 0 || len < 0 || b + len > d) invalidShape(`Slice begin ${fmt(begin)} size ${fmt(size)} out of range for ${fmt(x)}`);
      return len;
    });
    const t = ctx.inputs[0]!;
    const out: TensorType = { dtype: t.dtype, shape };
    if (t.values !== undefined && isStatic(x)) withValues(out, gatherIndices(x, t.values, (shape as number[]).map((len, i) => range(len, begin[i]!))));
    return [out];
  },
};

// ------------------------------------------------------------------ reshaping

/** TF Reshape target (-1 = inferred; 0 = a real zero dim). Symbolic inputs resolve -1 when a single symbol remains. */
export function reshapeTarget(x: Shape, target: number[]): Shape {
  const inferAt = target.indexOf(-1);
  if (target.some((d, i) => d < -1 || (d === -1 && i !== inferAt))) invalidShape(`Reshape target ${fmt(target)} is invalid`);
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = numel(x);
  if (total !== undefined) {
    if (inferAt < 0) {
      if (known !== total) invalidShape(`Cannot reshape ${fmt(x)} (${total} elements) to ${fmt(target)}`);
      return [...target];
    }
    if (known === 0 || total % known !== 0) invalidShape(`Cannot reshape ${fmt(x)} (${total} elements) to ${fmt(target)}`);
    const out: Dim[] = [...target];
    out[inferAt] = total / known;
    return out;
  }
  if (inferAt < 0) return [...target];
  // Symbolic input: -1 becomes the symbol when the other dims account for every static factor.
  const syms = x.filter((d) => typeof d === "string");
  const staticProd = x.filter((d): d is number => typeof d === "number").reduce((a, b) => a * b, 1);
  if (syms.length === 1 && staticProd === known) {
    const out: Dim[] = [...target];
    out[inferAt] = syms[0]!;
    return out;
  }
  return unknownShape(`Reshape of symbolic ${fmt(x)} to ${fmt(target)} cannot be resolved`);
}

const Reshape: OpSpec = {
  opType: "Reshape",
  domain: TF,
  category: "reshape",
  noCompute: true,
  inputs: [{ name: "tensor" }, { name: "shape" }],
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const target = needInts(ctx, 1, "Reshape target shape");
    const t = ctx.inputs[0]!;
    return [withValues({ dtype: t.dtype, shape: reshapeTarget(x, target) }, t.values)];
  },
};

const Squeeze: OpSpec = {
  opType: "Squeeze",
  domain: TF,
  category: "reshape",
  noCompute: true,
  inputs: [{ name: "input" }],
  attrs: { squeeze_dims: { type: "ints", default: [] } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const dims = (attrInts(ctx, "squeeze_dims") ?? attrInts(ctx, "axis") ?? []).map((a) => normAxis(a, x.length, "Squeeze axis"));
    for (const a of dims) if (typeof x[a] === "number" && x[a] !== 1) invalidShape(`Squeeze of dim ${a} of ${fmt(x)}, which is not 1`);
    const shape = x.filter((d, i) => (dims.length > 0 ? !dims.includes(i) : d !== 1));
    const t = ctx.inputs[0]!;
    return [withValues({ dtype: t.dtype, shape }, t.values)];
  },
};

const ExpandDims: OpSpec = {
  opType: "ExpandDims",
  domain: TF,
  category: "reshape",
  noCompute: true,
  inputs: [{ name: "input" }, { name: "dim" }],
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const axis = normAxis(needInts(ctx, 1, "ExpandDims axis")[0]!, x.length + 1, "ExpandDims axis");
    const t = ctx.inputs[0]!;
    return [withValues({ dtype: t.dtype, shape: [...x.slice(0, axis), 1, ...x.slice(axis)] }, t.values)];
  },
};

const Transpose: OpSpec = {
  opType: "Transpose",
  domain: TF,
  category: "transpose",
  inputs: [{ name: "x" }, { name: "perm" }],
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const perm = needInts(ctx, 1, "Transpose perm");
    if (perm.length !== x.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) invalidShape(`Transpose perm ${fmt(perm)} is not a permutation of rank ${x.length}`);
    const shape = perm.map((p) => x[p]!);
    const t = ctx.inputs[0]!;
    const out: TensorType = { dtype: t.dtype, shape };
    if (t.values !== undefined && isStatic(x)) {
      const st = strides(x);
      const os = shape as number[];
      const total = numel(os)!;
      const vals: number[] = new Array(total);
      const idx = new Array<number>(os.length).fill(0);
      for (let e = 0; e < total; e++) {
        let off = 0;
        for (let k = 0; k < os.length; k++) off += idx[k]! * st[perm[k]!]!;
        vals[e] = t.values[off]!;
        for (let k = os.length - 1; k >= 0; k--) {
          if (++idx[k]! < os[k]!) break;
          idx[k] = 0;
        }
      }
      withValues(out, vals);
    }
    return [out];
  },
};

function padSpec(opType: string): OpSpec {
  return {
    opType,
    domain: TF,
    category: "pad",
    inputs: opType === "PadV2" ? [{ name: "input" }, { name: "paddings" }, { name: "constant_values" }] : [{ name: "input" }, { name: "paddings" }],
    attrs: opType === "MirrorPad" ? { mode: { type: "string", default: "REFLECT" } } : {},
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      const p = needInts(ctx, 1, `${opType} paddings`);
      if (p.length !== 2 * x.length) invalidShape(`${opType} paddings ${fmt(p)} do not match rank ${x.length}`);
      if (p.some((v) => v < 0)) invalidShape(`${opType} paddings ${fmt(p)} are negative`);
      const shape = x.map((d, i) => (typeof d === "number" ? d + p[2 * i]! + p[2 * i + 1]! : p[2 * i]! + p[2 * i + 1]! === 0 ? d : `${d}+${p[2 * i]! + p[2 * i + 1]!}`));
      return [{ dtype: ctx.inputs[0]!.dtype, shape }];
    },
  };
}

// ------------------------------------------------------------------ shape computations

function shapeSpec(opType: "Shape" | "Size" | "Rank"): OpSpec {
  return {
    opType,
    domain: TF,
    category: "shape",
    noCompute: true,
    inputs: [{ name: "input" }],
    attrs: { out_type: { type: "string", default: "int32" } },
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      const dtype = (ctx.attrs.out_type as DType | undefined) ?? "int32";
      if (opType === "Rank") return [{ dtype: "int32", shape: [], values: [x.length] }];
      if (opType === "Size") {
        const n = numel(x);
        return [n === undefined ? { dtype, shape: [] } : { dtype, shape: [], values: [n] }];
      }
      const out: TensorType = { dtype, shape: [x.length] };
      if (isStatic(x)) out.values = [...x];
      return [out];
    },
  };
}

const Fill: OpSpec = {
  opType: "Fill",
  domain: TF,
  category: "shape",
  inputs: [{ name: "dims" }, { name: "value" }],
  shape(ctx) {
    const dims = needInts(ctx, 0, "Fill dims");
    if (dims.some((d) => d < 0)) invalidShape(`Fill dims ${fmt(dims)} are negative`);
    const v = valuesOf(ctx, 1);
    const out: TensorType = { dtype: ctx.inputs[1]!.dtype, shape: dims };
    if (v !== undefined && foldable(dims)) out.values = new Array(numel(dims)!).fill(v[0]);
    return [out];
  },
};

const Range: OpSpec = {
  opType: "Range",
  domain: TF,
  category: "shape",
  inputs: [{ name: "start" }, { name: "limit" }, { name: "delta" }],
  shape(ctx) {
    const [start, limit, delta] = [0, 1, 2].map((i) => needValues(ctx, i, "Range bound")[0]!);
    if (delta === 0) invalidShape("Range delta is 0");
    const n = Math.max(0, Math.ceil((limit! - start!) / delta!));
    if (!Number.isFinite(n)) invalidShape(`Range(${start}, ${limit}, ${delta}) is not finite`);
    const out: TensorType = { dtype: ctx.inputs[0]!.dtype, shape: [n] };
    return [n <= LIMITS.maxFoldedElements ? withValues(out, range(n, start, delta)) : out];
  },
};

const GatherV2: OpSpec = {
  opType: "GatherV2",
  domain: TF,
  category: "gather",
  inputs: [{ name: "params" }, { name: "indices" }, { name: "axis", optional: true }],
  attrs: { batch_dims: { type: "int", default: 0 } },
  shape(ctx) {
    const p = shapeOf(ctx, 0);
    const ind = shapeOf(ctx, 1);
    const axisRaw = ctx.inputs[2] !== undefined ? needInts(ctx, 2, "GatherV2 axis")[0]! : 0;
    const axis = normAxis(axisRaw, p.length, "GatherV2 axis");
    const batch = attrInt(ctx, "batch_dims") ?? 0;
    const b = batch < 0 ? batch + ind.length : batch;
    const shape = [...p.slice(0, axis), ...ind.slice(b), ...p.slice(axis + 1)];
    const t = ctx.inputs[0]!;
    const out: TensorType = { dtype: t.dtype, shape };
    const iv = intValues(ctx, 1);
    if (t.values !== undefined && iv !== undefined && isStatic(p) && b === 0) {
      const d = p[axis]!;
      if (iv.every((i) => i >= -d && i < d)) {
        const outer = p.slice(0, axis).reduce((a, c) => a * c, 1);
        const inner = p.slice(axis + 1).reduce((a, c) => a * c, 1);
        const vals: number[] = [];
        for (let o = 0; o < outer; o++) for (const i of iv) for (let k = 0; k < inner; k++) vals.push(t.values[(o * d + (i < 0 ? i + d : i)) * inner + k]!);
        withValues(out, vals);
      }
    }
    return [out];
  },
};

const Gather: OpSpec = { ...GatherV2, opType: "Gather", inputs: [{ name: "params" }, { name: "indices" }] };

const GatherNd: OpSpec = {
  opType: "GatherNd",
  domain: TF,
  category: "gather",
  inputs: [{ name: "params" }, { name: "indices" }],
  shape(ctx) {
    const p = shapeOf(ctx, 0);
    const ind = shapeOf(ctx, 1);
    const k = ind[ind.length - 1];
    if (typeof k !== "number") return unknownShape("GatherNd index depth is symbolic");
    if (k > p.length) invalidShape(`GatherNd index depth ${k} exceeds params rank ${p.length}`);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [...ind.slice(0, -1), ...p.slice(k)] }];
  },
};

const Tile: OpSpec = {
  opType: "Tile",
  domain: TF,
  category: "gather",
  inputs: [{ name: "input" }, { name: "multiples" }],
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const mult = needInts(ctx, 1, "Tile multiples");
    if (mult.length !== x.length || mult.some((m) => m < 0)) invalidShape(`Tile multiples ${fmt(mult)} do not match ${fmt(x)}`);
    const shape = x.map((d, i) => (typeof d === "number" ? d * mult[i]! : mult[i] === 1 ? d : "?"));
    const t = ctx.inputs[0]!;
    const out: TensorType = { dtype: t.dtype, shape };
    if (t.values !== undefined && isStatic(x) && foldable(shape)) {
      withValues(out, gatherIndices(x, t.values, (shape as number[]).map((d, i) => range(d).map((j) => j % x[i]!))));
    }
    return [out];
  },
};

const BroadcastTo: OpSpec = {
  opType: "BroadcastTo",
  domain: TF,
  category: "gather",
  inputs: [{ name: "input" }, { name: "shape" }],
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const target = needInts(ctx, 1, "BroadcastTo shape");
    if (x.length > target.length) invalidShape(`BroadcastTo ${fmt(x)} to lower rank ${fmt(target)}`);
    x.forEach((d, i) => {
      const t = target[target.length - x.length + i]!;
      if (typeof d === "number" && d !== 1 && d !== t) invalidShape(`BroadcastTo ${fmt(x)} to ${fmt(target)}`);
    });
    return [{ dtype: ctx.inputs[0]!.dtype, shape: target }];
  },
};

const OneHot: OpSpec = {
  opType: "OneHot",
  domain: TF,
  category: "gather",
  inputs: [{ name: "indices" }, { name: "depth" }, { name: "on_value" }, { name: "off_value" }],
  attrs: { axis: { type: "int", default: -1 } },
  shape(ctx) {
    const ind = shapeOf(ctx, 0);
    const depth = needInts(ctx, 1, "OneHot depth")[0]!;
    const axis = attrInt(ctx, "axis") ?? -1;
    const a = axis === -1 ? ind.length : normAxis(axis, ind.length + 1, "OneHot axis");
    return [{ dtype: ctx.inputs[2]!.dtype, shape: [...ind.slice(0, a), depth, ...ind.slice(a)] }];
  },
};

function spaceDepth(opType: "DepthToSpace" | "SpaceToDepth"): OpSpec {
  return {
    opType,
    domain: TF,
    category: "transpose",
    inputs: [{ name: "input" }],
    attrs: { block_size: { type: "int", required: true }, data_format: { type: "string", default: "NHWC" } },
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      if (x.length !== 4) invalidShape(`${opType} input ${fmt(x)} must have rank 4`);
      const b = attrInt(ctx, "block_size")!;
      if (b < 2) invalidShape(`${opType} block_size ${b} must be ≥ 2`);
      const layout = layoutOf(ctx, 4);
      const out = [...x];
      const c = x[layout.c]!;
      const toSpace = opType === "DepthToSpace";
      if (typeof c === "number") {
        if (toSpace && c % (b * b) !== 0) invalidShape(`DepthToSpace: ${c} channels not divisible by ${b * b}`);
        out[layout.c] = toSpace ? c / (b * b) : c * b * b;
      }
      for (const a of layout.spatial) {
        const d = x[a]!;
        if (typeof d === "number") {
          if (!toSpace && d % b !== 0) invalidShape(`SpaceToDepth: dim ${d} not divisible by ${b}`);
          out[a] = toSpace ? d * b : d / b;
        }
      }
      return [{ dtype: ctx.inputs[0]!.dtype, shape: out }];
    },
  };
}

const Cumsum: OpSpec = {
  opType: "Cumsum",
  domain: TF,
  category: "reduce",
  inputs: [{ name: "x" }, { name: "axis" }],
  attrs: { exclusive: { type: "int", default: 0 }, reverse: { type: "int", default: 0 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    normAxis(needInts(ctx, 1, "Cumsum axis")[0]!, x.length, "Cumsum axis");
    return [{ dtype: ctx.inputs[0]!.dtype, shape: x }];
  },
  flops: (_ctx, outputs) => outCount(outputs),
};

const ReverseV2: OpSpec = {
  opType: "ReverseV2",
  domain: TF,
  category: "gather",
  inputs: [{ name: "tensor" }, { name: "axis" }],
  shape: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: shapeOf(ctx, 0) }],
};

export const arraySpecs: OpSpec[] = [
  concatSpec("ConcatV2", false),
  concatSpec("Concat", true),
  Pack,
  Unpack,
  Split,
  SplitV,
  StridedSlice,
  Slice,
  Reshape,
  Squeeze,
  ExpandDims,
  Transpose,
  padSpec("Pad"),
  padSpec("PadV2"),
  padSpec("MirrorPad"),
  shapeSpec("Shape"),
  shapeSpec("Size"),
  shapeSpec("Rank"),
  Fill,
  Range,
  GatherV2,
  Gather,
  GatherNd,
  Tile,
  BroadcastTo,
  OneHot,
  spaceDepth("DepthToSpace"),
  spaceDepth("SpaceToDepth"),
  Cumsum,
  ReverseV2,
];

