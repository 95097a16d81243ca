/**
 * Reductions (ReduceMean/Sum/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare), ArgMax/ArgMin and TopK.
 * FLOPs: 1 per input element (2 for L2, LogSumExp and SumSquare, which square or exponentiate first); ArgMax/ArgMin
 * 1 per input element; TopK 1 per input element × ⌈log2 k⌉ (a heap), at least 1.
 * Axes are an attribute up to opset 17 (ReduceSum: up to 12) and an optional input afterwards.
 */
import type { Dim, Shape } from "../../ir/types.js";
import { unknownShape } from "../../shape/unknown.js";
import type { OpContext, OpSpec, TensorType } from "../types.js";
import { attrInt, attrInts, castValue, rejectMovedAttr, foldable, hasInput, inCount, isStatic, needValues, normAxis, shapeOf, strides, valuesOf } from "./util.js";

/** The reduced axes (sorted, normalized), or "all", or "none" (noop_with_empty_axes). */
function reduceAxes(ctx: OpContext, axesInputFrom: number): number[] | "none" {
  const rank = shapeOf(ctx, 0).length;
  let axes: number[] | undefined;
  rejectMovedAttr(ctx, "axes", axesInputFrom);
  if (ctx.opset >= axesInputFrom) {
    if (hasInput(ctx, 1)) axes = needValues(ctx, 1, "reduction axes");
  } else axes = attrInts(ctx, "axes");
  if (axes === undefined || axes.length === 0) {
    if (ctx.opset >= axesInputFrom && attrInt(ctx, "noop_with_empty_axes") === 1) return "none";
    return Array.from({ length: rank }, (_, i) => i);
  }
  return [...new Set(axes.map((a) => normAxis(a, rank, "reduce axis")))].sort((a, b) => a - b);
}

function reducedShape(x: Shape, axes: readonly number[], keepdims: boolean): Shape {
  const out: Dim[] = [];
  x.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/** Folds a reduction of small known values (e.g. ReduceProd of a shape slice). */
function foldReduce(x: number[], values: number[], axes: readonly number[], init: number, step: (acc: number, v: number) => number): number[] {
  const keptShape = x.map((d, i) => (axes.includes(i) ? 1 : d));
  const outStrides = strides(keptShape);
  const total = keptShape.reduce((a, b) => a * b, 1);
  const out = new Array<number>(total).fill(init);
  const idx = new Array<number>(x.length).fill(0);
  for (let e = 0; e < values.length; e++) {
    let off = 0;
    for (let k = 0; k < x.length; k++) if (!axes.includes(k)) off += idx[k]! * outStrides[k]!;
    out[off] = step(out[off]!, values[e]!);
    for (let k = x.length - 1; k >= 0; k--) {
      if (++idx[k]! < x[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

interface ReduceDef {
  opType: string;
  flops: number;
  axesInputFrom: number;
  fold?: { init: number; step: (acc: number, v: number) => number; finish?: (acc: number, n: number) => number };
}

function reduce(def: ReduceDef): OpSpec {
  return {
    opType: def.opType,
    domain: "",
    category: "reduce",
    inputs: [{ name: "data" }, { name: "axes", optional: true }],
    attrs: { axes: { type: "ints" }, keepdims: { type: "int", default: 1 }, noop_with_empty_axes: { type: "int", default: 0 } },
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      const axes = reduceAxes(ctx, def.axesInputFrom);
      const t = ctx.inputs[0]!;
      if (axes === "none") return [{ dtype: t.dtype, shape: x, ...(t.values ? { values: t.values } : {}) }];
      const shape = reducedShape(x, axes, attrInt(ctx, "keepdims") !== 0);
      const out: TensorType = { dtype: t.dtype, shape };
      if (def.fold !== undefined && t.values !== undefined && isStatic(x) && foldable(x)) {
        const { init, step, finish } = def.fold;
        let v = foldReduce(x, t.values, axes, init, step);
        if (finish) {
          const n = axes.reduce((a, i) => a * (x[i] as number), 1);
          v = v.map((s) => finish(s, n));
        }
        out.values = v.map((s) => castValue(s, t.dtype));
      }
      return [out];
    },
    flops: (ctx) => def.flops * inCount(ctx, 0),
  };
}

const sum = { init: 0, step: (a: number, v: number) => a + v };

export const reduceSpecs: readonly OpSpec[] = [
  reduce({ opType: "ReduceSum", flops: 1, axesInputFrom: 13, fold: sum }),
  reduce({ opType: "ReduceMean", flops: 1, axesInputFrom: 18, fold: { ...sum, finish: (s, n) => s / n } }),
  reduce({ opType: "ReduceMax", flops: 1, axesInputFrom: 18, fold: { init: -Infinity, step: Math.max } }),
  reduce({ opType: "ReduceMin", flops: 1, axesInputFrom: 18, fold: { init: Infinity, step: Math.min } }),
  reduce({ opType: "ReduceProd", flops: 1, axesInputFrom: 18, fold: { init: 1, step: (a, v) => a * v } }),
  reduce({ opType: "ReduceL1", flops: 1, axesInputFrom: 18 }),
  reduce({ opType: "ReduceL2", flops: 2, axesInputFrom: 18 }),
  reduce({ opType: "ReduceLogSum", flops: 1, axesInputFrom: 18 }),
  reduce({ opType: "ReduceLogSumExp", flops: 2, axesInputFrom: 18 }),
  reduce({ opType: "ReduceSumSquare", flops: 2, axesInputFrom: 18 }),
  ...["ArgMax", "ArgMin"].map(
    (opType): OpSpec => ({
      opType,
      domain: "",
      category: "reduce",
      inputs: [{ name: "data" }],
      attrs: { axis: { type: "int", default: 0 }, keepdims: { type: "int", default: 1 }, select_last_index: { type: "int", default: 0 } },
      shape(ctx) {
        const x = shapeOf(ctx, 0);
        const axis = normAxis(attrInt(ctx, "axis")!, x.length);
        return [{ dtype: "int64", shape: reducedShape(x, [axis], attrInt(ctx, "keepdims") !== 0) }];
      },
      flops: (ctx) => inCount(ctx, 0),
    }),
  ),
  {
    opType: "TopK",
    domain: "",
    category: "reduce",
    inputs: [{ name: "X" }, { name: "K", optional: true }],
    attrs: { axis: { type: "int", default: -1 }, k: { type: "int" }, largest: { type: "int", default: 1 }, sorted: { type: "int", default: 1 } },
    shape(ctx) {
      const x = shapeOf(ctx, 0);
      const axis = normAxis(attrInt(ctx, "axis")!, x.length);
      rejectMovedAttr(ctx, "k", 10);
      const k = ctx.opset < 10 ? attrInt(ctx, "k") : valuesOf(ctx, 1)?.[0];
      if (k === undefined) unknownShape("TopK k is not a known constant");
      const shape = x.map((d, i) => (i === axis ? k : d));
      return [
        { dtype: ctx.inputs[0]!.dtype, shape },
        { dtype: "int64", shape },
      ];
    },
    flops(ctx, outputs) {
      const k = outputs[0]?.shape?.[normAxis(attrInt(ctx, "axis")!, shapeOf(ctx, 0).length)];
      return inCount(ctx, 0) * Math.max(1, typeof k === "number" ? Math.ceil(Math.log2(k)) : 1);
    },
  },
];
