/**
 * TF pooling, reductions, softmax, matrix products, image resizing and detection post-processing.
 * FLOPs (as the ONNX specs): pools ∏ksize per output element; reductions / ArgMax 1 per input element; Softmax 5 per
 * element; MatMul 2·M·N·K (+ fused_ops per output element); ResizeBilinear 4 per output element, nearest 1 (as ONNX Resize).
 * NonMaxSuppression and Where have data-dependent output sizes: unknown, with that reason (unless padded).
 */
import type { Dim, Shape } from "../../ir/types.js";
import { broadcastShapes } from "../../shape/common.js";
import { unknownShape } from "../../shape/unknown.js";
import type { OpContext, OpSpec, TensorType } from "../types.js";
import { fusedExtraFlops } from "./conv.js";
import {
  attrInt,
  attrInts,
  fmt,
  inCount,
  intValues,
  invalidShape,
  isStatic,
  layoutOf,
  needValues,
  normAxis,
  numel,
  outCount,
  shapeOf,
  TF,
  tfWindow,
  windowAttrSpecs,
  withSpatial,
} from "./helpers.js";

const needInts = (ctx: OpContext, i: number, what: string): number[] => needValues(ctx, i, what).map((v) => Math.trunc(v));

// ------------------------------------------------------------------ pools

function poolKernel(ctx: OpContext, spatial: number[]): number[] {
  const ksize = attrInts(ctx, "ksize");
  if (ksize === undefined) invalidShape(`${ctx.node.opType} needs ksize`);
  if (ksize.length === spatial.length) return ksize;
  if (ksize.length !== spatial.length + 2) invalidShape(`${ctx.node.opType} ksize ${fmt(ksize)} does not match rank ${spatial.length + 2}`);
  return spatial.map((a) => ksize[a]!);
}

function pool(opType: string): OpSpec {
  return {
    opType,
    domain: TF,
    category: "pool",
    inputs: [{ name: "input" }],
    attrs: { ...windowAttrSpecs, ksize: { type: "ints", required: true }, padding: { type: "string", required: true } },
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      if (x.length !== 4 && x.length !== 5) invalidShape(`${opType} input ${fmt(x)} must have rank 4 (or 5)`);
      const layout = layoutOf(ctx, x.length);
      const kernel = poolKernel(ctx, layout.spatial);
      const geo = tfWindow(ctx, layout.spatial.map((a) => x[a]!), kernel, layout.spatial);
      return [{ dtype: ctx.inputs[0]!.dtype, shape: withSpatial(x, layout, geo.out, x[layout.c]!) }];
    },
    flops(ctx, outputs) {
      const x = ctx.inputs[0]!.shape!;
      const kernel = poolKernel(ctx, layoutOf(ctx, x.length).spatial);
      return kernel.reduce((a, b) => a * b, 1) * outCount(outputs);
    },
  };
}

// ------------------------------------------------------------------ reductions

interface Fold {
  init: number;
  step: (acc: number, v: number) => number;
  finish?: (acc: number, n: number) => number;
}

function reduceShape(ctx: OpContext, x: Shape, axes: number[], keep: boolean): { shape: Shape; axes: number[] } {
  const norm = [...new Set(axes.map((a) => normAxis(a, x.length, `${ctx.node.opType} axis`)))];
  const shape: Dim[] = [];
  x.forEach((d, i) => {
    if (!norm.includes(i)) shape.push(d);
    else if (keep) shape.push(1);
  });
  return { shape, axes: norm };
}

function reduceValues(x: number[], values: readonly number[], axes: number[], keep: boolean, fold: Fold): number[] {
  const outShape = x.map((d, i) => (axes.includes(i) ? 1 : d));
  const total = outShape.reduce((a, b) => a * b, 1);
  const acc = new Array<number>(total).fill(fold.init);
  const count = axes.reduce((a, i) => a * x[i]!, 1);
  const idx = new Array<number>(x.length).fill(0);
  for (let e = 0; e < values.length; e++) {
    let o = 0;
    for (let k = 0; k < x.length; k++) o = o * outShape[k]! + (axes.includes(k) ? 0 : idx[k]!);
    acc[o] = fold.step(acc[o]!, values[e]!);
    for (let k = x.length - 1; k >= 0; k--) {
      if (++idx[k]! < x[k]!) break;
      idx[k] = 0;
    }
  }
  void keep;
  return fold.finish ? acc.map((a) => fold.finish!(a, count)) : acc;
}

function reduce(opType: string, fold?: Fold): OpSpec {
  return {
    opType,
    domain: TF,
    category: "reduce",
    inputs: [{ name: "input" }, { name: "reduction_indices" }],
    attrs: { keep_dims: { type: "int", default: 0 } },
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      const keep = (attrInt(ctx, "keep_dims") ?? 0) !== 0;
      const axes = needInts(ctx, 1, `${opType} reduction axes`);
      const r = reduceShape(ctx, x, axes, keep);
      const t = ctx.inputs[0]!;
      const out: TensorType = { dtype: opType === "All" || opType === "Any" ? "bool" : t.dtype, shape: r.shape };
      if (fold && t.values !== undefined && isStatic(x) && t.values.length === numel(x)) out.values = reduceValues(x, t.values, r.axes, keep, fold);
      return [out];
    },
    flops: (ctx) => inCount(ctx, 0),
  };
}

const sum: Fold = { init: 0, step: (a, v) => a + v };

function argReduce(opType: string): OpSpec {
  return {
    opType,
    domain: TF,
    category: "reduce",
    inputs: [{ name: "input" }, { name: "dimension" }],
    attrs: { output_type: { type: "string", default: "int64" } },
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      const axis = needInts(ctx, 1, `${opType} axis`)[0]!;
      const r = reduceShape(ctx, x, [axis], false);
      return [{ dtype: (ctx.attrs.output_type as TensorType["dtype"]) ?? "int64", shape: r.shape }];
    },
    flops: (ctx) => inCount(ctx, 0),
  };
}

function softmax(opType: string): OpSpec {
  return {
    opType,
    domain: TF,
    category: "softmax",
    inputs: [{ name: "logits" }],
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      if (x.length < 1) invalidShape(`${opType} of a scalar`);
      return [{ dtype: ctx.inputs[0]!.dtype, shape: x }];
    },
    flops: (_ctx, outputs) => 5 * outCount(outputs),
  };
}

// ------------------------------------------------------------------ matrix products

/** [.., M, K] × [.., K, N] with optional transposes; batch dims broadcast (BatchMatMulV2) or must match. */
function matmulShape(ctx: OpContext, ta: boolean, tb: boolean, batched: boolean): Shape {
  const a = shapeOf(ctx, 0);
  const b = shapeOf(ctx, 1);
  const op = ctx.node.opType;
  if (a.length < 2 || b.length < 2) invalidShape(`${op} operands ${fmt(a)} × ${fmt(b)} need rank ≥ 2`);
  if (!batched && (a.length !== 2 || b.length !== 2)) invalidShape(`${op} operands ${fmt(a)} × ${fmt(b)} must be matrices`);
  const [m, ka] = ta ? [a[a.length - 1]!, a[a.length - 2]!] : [a[a.length - 2]!, a[a.length - 1]!];
  const [kb, n] = tb ? [b[b.length - 1]!, b[b.length - 2]!] : [b[b.length - 2]!, b[b.length - 1]!];
  if (typeof ka === "number" && typeof kb === "number" && ka !== kb) invalidShape(`${op}: inner dims differ in ${fmt(a)} × ${fmt(b)}`, { a, b });
  const batch = batched ? broadcastShapes(a.slice(0, -2), b.slice(0, -2)) : [];
  return [...batch, m, n];
}

function innerDim(ctx: OpContext, ta: boolean): number {
  const a = ctx.inputs[0]?.shape;
  if (a === undefined) return 0;
  const k = ta ? a[a.length - 2] : a[a.length - 1];
  return typeof k === "number" ? k : 0;
}

const flag = (ctx: OpContext, name: string): boolean => (attrInt(ctx, name) ?? 0) !== 0;

const MatMul: OpSpec = {
  opType: "MatMul",
  domain: TF,
  category: "fc",
  inputs: [{ name: "a" }, { name: "b" }],
  attrs: { transpose_a: { type: "int", default: 0 }, transpose_b: { type: "int", default: 0 } },
  shape: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: matmulShape(ctx, flag(ctx, "transpose_a"), flag(ctx, "transpose_b"), false) }],
  flops: (ctx, outputs) => 2 * innerDim(ctx, flag(ctx, "transpose_a")) * outCount(outputs),
};

const FusedMatMul: OpSpec = {
  opType: "_FusedMatMul",
  domain: TF,
  category: "fc",
  inputs: [{ name: "a" }, { name: "b" }, { name: "args", variadic: true, optional: true }],
  attrs: {
    transpose_a: { type: "int", default: 0 },
    transpose_b: { type: "int", default: 0 },
    fused_ops: { type: "strings", default: [] },
    num_args: { type: "int", default: 0 },
    epsilon: { type: "float", default: 0.0001 },
    leakyrelu_alpha: { type: "float", default: 0.2 },
  },
  shape: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: matmulShape(ctx, flag(ctx, "transpose_a"), flag(ctx, "transpose_b"), false) }],
  flops: (ctx, outputs) => (2 * innerDim(ctx, flag(ctx, "transpose_a")) + fusedExtraFlops(ctx)) * outCount(outputs),
};

function batchMatMul(opType: string): OpSpec {
  return {
    opType,
    domain: TF,
    category: "matmul",
    inputs: [{ name: "x" }, { name: "y" }],
    attrs: { adj_x: { type: "int", default: 0 }, adj_y: { type: "int", default: 0 } },
    shape: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: matmulShape(ctx, flag(ctx, "adj_x"), flag(ctx, "adj_y"), true) }],
    flops: (ctx, outputs) => 2 * innerDim(ctx, flag(ctx, "adj_x")) * outCount(outputs),
  };
}

/** Einsum for explicit equations without ellipsis ("bij,bjk->bik"); FLOPs 2 × ∏(all index sizes). */
const Einsum: OpSpec = {
  opType: "Einsum",
  domain: TF,
  category: "matmul",
  inputs: [{ name: "inputs", variadic: true }],
  attrs: { equation: { type: "string", required: true } },
  shape(ctx) {
    const { out, sizes } = einsum(ctx);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [...out].map((c) => sizes.get(c)!) }];
  },
  flops(ctx) {
    const { sizes } = einsum(ctx);
    let n = 2;
    for (const d of sizes.values()) n *= typeof d === "number" ? d : 0;
    return n;
  },
};

function einsum(ctx: OpContext): { out: string; sizes: Map<string, Dim> } {
  const eq = String(ctx.attrs.equation).replace(/\s/g, "");
  const m = /^([a-zA-Z,]+)->([a-zA-Z]*)$/.exec(eq);
  if (!m) return unknownShape(`Einsum equation '${eq}' (implicit output or ellipsis) is not supported`);
  const terms = m[1]!.split(",");
  if (terms.length !== ctx.inputs.length) invalidShape(`Einsum '${eq}' has ${terms.length} operands, node has ${ctx.inputs.length}`);
  const sizes = new Map<string, Dim>();
  terms.forEach((term, i) => {
    const s = shapeOf(ctx, i);
    if (s.length !== term.length) invalidShape(`Einsum operand ${i} ${fmt(s)} does not match '${term}'`);
    [...term].forEach((c, k) => {
      const prev = sizes.get(c);
      const d = s[k]!;
      if (prev === undefined || prev === 1) sizes.set(c, d);
      else if (typeof prev === "number" && typeof d === "number" && d !== 1 && d !== prev) invalidShape(`Einsum index '${c}' is ${prev} and ${d}`);
    });
  });
  for (const c of m[2]!) if (!sizes.has(c)) invalidShape(`Einsum output index '${c}' is not in any operand`);
  return { out: m[2]!, sizes };
}

// ------------------------------------------------------------------ images

function resize(opType: string, flopsPerElement: number): OpSpec {
  return {
    opType,
    domain: TF,
    category: "resize",
    inputs: [{ name: "images" }, { name: "size" }],
    attrs: { align_corners: { type: "int", default: 0 }, half_pixel_centers: { type: "int", default: 0 } },
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      if (x.length !== 4 && x.length !== 3) invalidShape(`${opType} images ${fmt(x)} must have rank 4 (or 3)`);
      const size = needInts(ctx, 1, `${opType} size`);
      if (size.length !== 2 || size.some((d) => d < 0)) invalidShape(`${opType} size ${fmt(size)} must be 2 non-negative values`);
      const shape = x.length === 4 ? [x[0]!, size[0]!, size[1]!, x[3]!] : [size[0]!, size[1]!, x[2]!];
      return [{ dtype: opType === "ResizeBilinear" ? "float32" : ctx.inputs[0]!.dtype, shape }];
    },
    flops: (_ctx, outputs) => flopsPerElement * outCount(outputs),
  };
}

const CropAndResize: OpSpec = {
  opType: "CropAndResize",
  domain: TF,
  category: "resize",
  inputs: [{ name: "image" }, { name: "boxes" }, { name: "box_ind" }, { name: "crop_size" }],
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const boxes = shapeOf(ctx, 1);
    const size = needInts(ctx, 3, "CropAndResize crop_size");
    if (x.length !== 4 || boxes.length !== 2 || size.length !== 2) invalidShape(`CropAndResize image ${fmt(x)} / boxes ${fmt(boxes)} / crop_size ${fmt(size)}`);
    return [{ dtype: "float32", shape: [boxes[0]!, size[0]!, size[1]!, x[3]!] }];
  },
  flops: (_ctx, outputs) => 4 * outCount(outputs),
};

const TopKV2: OpSpec = {
  opType: "TopKV2",
  domain: TF,
  category: "reduce",
  inputs: [{ name: "input" }, { name: "k" }],
  attrs: { sorted: { type: "int", default: 1 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    if (x.length < 1) invalidShape("TopKV2 of a scalar");
    const k = needInts(ctx, 1, "TopKV2 k")[0]!;
    const last = x[x.length - 1]!;
    if (k < 0 || (typeof last === "number" && k > last)) invalidShape(`TopKV2 k=${k} exceeds last dim of ${fmt(x)}`);
    const shape = [...x.slice(0, -1), k];
    return [{ dtype: ctx.inputs[0]!.dtype, shape }, { dtype: "int32", shape: [...shape] }];
  },
  flops: (ctx) => inCount(ctx, 0),
};

/** NonMaxSuppressionV3/V4/V5: the number of kept boxes depends on the data (unless V4/V5 pad to max_output_size). */
function nms(opType: string, outputs: number): OpSpec {
  return {
    opType,
    domain: TF,
    category: "other",
    inputs: [{ name: "boxes" }, { name: "scores" }, { name: "max_output_size" }, { name: "args", variadic: true, optional: true }],
    attrs: { pad_to_max_output_size: { type: "int", default: 0 } },
    shape(ctx) {
      const boxes = shapeOf(ctx, 0);
      if (boxes.length !== 2) invalidShape(`${opType} boxes ${fmt(boxes)} must be [num_boxes, 4]`);
      const max = intValues(ctx, 2)?.[0];
      if ((attrInt(ctx, "pad_to_max_output_size") ?? 0) !== 0 && max !== undefined) {
        const outs: TensorType[] = [{ dtype: "int32", shape: [max] }];
        if (outputs === 3) outs.push({ dtype: "float32", shape: [max] });
        outs.push({ dtype: "int32", shape: [] });
        return outs;
      }
      return unknownShape(`${opType}: the number of selected boxes is data-dependent`);
    },
    flops(ctx) {
      const n = ctx.inputs[0]?.shape?.[0];
      return typeof n === "number" ? n * Math.log2(Math.max(2, n)) : 0;
    },
  };
}

const Where: OpSpec = {
  opType: "Where",
  domain: TF,
  category: "other",
  inputs: [{ name: "input" }],
  shape(ctx) {
    const t = ctx.inputs[0]!;
    const x = shapeOf(ctx, 0);
    if (t.values !== undefined && isStatic(x)) {
      const hits = t.values.filter((v) => v !== 0).length;
      return [{ dtype: "int64", shape: [hits, x.length] }];
    }
    return unknownShape("Where: the number of true elements is data-dependent");
  },
};

export const nnSpecs: OpSpec[] = [
  pool("MaxPool"),
  pool("AvgPool"),
  pool("MaxPool3D"),
  pool("AvgPool3D"),
  reduce("Mean", { ...sum, finish: (s, n) => s / n }),
  reduce("Sum", sum),
  reduce("Max", { init: -Infinity, step: Math.max }),
  reduce("Min", { init: Infinity, step: Math.min }),
  reduce("Prod", { init: 1, step: (a, v) => a * v }),
  reduce("All", { init: 1, step: (a, v) => (a && v ? 1 : 0) }),
  reduce("Any", { init: 0, step: (a, v) => (a || v ? 1 : 0) }),
  argReduce("ArgMax"),
  argReduce("ArgMin"),
  softmax("Softmax"),
  softmax("LogSoftmax"),
  MatMul,
  FusedMatMul,
  batchMatMul("BatchMatMul"),
  batchMatMul("BatchMatMulV2"),
  Einsum,
  resize("ResizeBilinear", 4),
  resize("ResizeNearestNeighbor", 1),
  CropAndResize,
  TopKV2,
  nms("NonMaxSuppressionV3", 1),
  nms("NonMaxSuppressionV4", 2),
  nms("NonMaxSuppressionV5", 3),
  Where,
];
