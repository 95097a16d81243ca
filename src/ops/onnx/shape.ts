/**
 * Shape-computing and constant-producing ops: Shape, Size, ConstantOfShape, Range, Cast, CastLike, NonZero, Constant,
 * EyeLike, Random*. They cost 0 FLOPs (1 per element for Cast and Range) and usually fold to constants.
 */
import { EdgelatError, LIMITS } from "../../errors.js";
import type { Dim } from "../../ir/types.js";
import { unknownShape } from "../../shape/unknown.js";
import type { OpSpec, TensorType } from "../types.js";
import { onnxDType } from "./dtypes.js";
import { isIntegerDType } from "../../shape/dtype.js";
import { attrInt, attrInts, attrTensor, castValue, checkDims, needDims, withDims, fmt, foldable, invalidShape, numel, outCount, shapeOf } from "./util.js";

export const Shape: OpSpec = {
  opType: "Shape",
  domain: "",
  category: "shape",
  inputs: [{ name: "data" }],
  attrs: { start: { type: "int", default: 0 }, end: { type: "int" } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const r = x.length;
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const start = clamp(attrInt(ctx, "start")!);
    const end = clamp(attrInt(ctx, "end") ?? r);
    const dims = x.slice(start, Math.max(start, end));
    // Symbolic dims are carried as symbolicValues; "?" (an extent nothing names) is not, as two "?" may differ.
    return [dims.includes("?") ? { dtype: "int64", shape: [dims.length] } : withDims({ dtype: "int64", shape: [dims.length] }, dims)];
  },
};

export const Size: OpSpec = {
  opType: "Size",
  domain: "",
  category: "shape",
  inputs: [{ name: "data" }],
  shape(ctx) {
    const n = numel(shapeOf(ctx, 0));
    return [n === undefined ? { dtype: "int64", shape: [] } : { dtype: "int64", shape: [], values: [n] }];
  },
};

export const ConstantOfShape: OpSpec = {
  opType: "ConstantOfShape",
  domain: "",
  category: "shape",
  inputs: [{ name: "input" }],
  attrs: { value: { type: "tensor" } },
  shape(ctx) {
    const dims = needDims(ctx, 0, "ConstantOfShape shape");
    checkDims(dims.filter((d): d is number => typeof d === "number"), "ConstantOfShape shape");
    const value = attrTensor(ctx, "value");
    const dtype = value?.dtype ?? "float32";
    const fill = value?.constant?.values?.[0] ?? 0;
    const t: TensorType = { dtype, shape: dims, constant: true };
    if (foldable(dims)) t.values = new Array<number>(numel(dims)!).fill(fill);
    return [t];
  },
};

export const Range: OpSpec = {
  opType: "Range",
  domain: "",
  category: "shape",
  inputs: [{ name: "start" }, { name: "limit" }, { name: "delta" }],
  shape(ctx) {
    for (let i = 0; i < 3; i++) {
      const s = shapeOf(ctx, i);
      if (!(s.length === 0 || (s.length === 1 && s[0] === 1))) invalidShape(`Range ${["start", "limit", "delta"][i]} must be a scalar, got ${fmt(s)}`);
    }
    const start = ctx.inputs[0]!.values?.[0];
    const limit = ctx.inputs[1]!.values?.[0];
    const delta = ctx.inputs[2]!.values?.[0];
    const dtype = ctx.inputs[0]!.dtype;
    if (start === undefined || limit === undefined || delta === undefined) {
      unknownShape("Range bounds are not known constants (data-dependent length)");
    }
    if (delta === 0) throw new EdgelatError("invalid_attribute", "Range delta must not be 0");
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    if (n > LIMITS.maxTensorElements) throw new EdgelatError("too_large", `Range of ${n} elements`);
    const t: TensorType = { dtype, shape: [n] };
    if (n <= LIMITS.maxFoldedElements) t.values = Array.from({ length: n }, (_, i) => castValue(start + i * delta, dtype));
    return [t];
  },
  flops: (_ctx, outputs) => outCount(outputs),
};

export const Cast: OpSpec = {
  opType: "Cast",
  domain: "",
  category: "elementwise",
  inputs: [{ name: "input" }],
  attrs: { to: { type: "int", required: true }, saturate: { type: "int", default: 1 } },
  shape(ctx) {
    const dtype = onnxDType(ctx.attrs.to, "Cast to");
    const x = ctx.inputs[0]!;
    const t: TensorType = { dtype, shape: x.shape };
    if (x.values !== undefined) t.values = x.values.map((v) => castValue(v, dtype));
    else if (x.symbolicValues !== undefined && isIntegerDType(dtype)) t.symbolicValues = x.symbolicValues;
    return [t];
  },
  flops: (_ctx, outputs) => outCount(outputs),
};

export const CastLike: OpSpec = {
  opType: "CastLike",
  domain: "",
  category: "elementwise",
  inputs: [{ name: "input" }, { name: "target_type" }],
  shape(ctx) {
    const dtype = ctx.inputs[1]!.dtype;
    const x = ctx.inputs[0]!;
    const t: TensorType = { dtype, shape: x.shape };
    if (x.values !== undefined) t.values = x.values.map((v) => castValue(v, dtype));
    return [t];
  },
  flops: (_ctx, outputs) => outCount(outputs),
};

/** NonZero: [rank, count] where count depends on the data; folded when the input values are known. */
export const NonZero: OpSpec = {
  opType: "NonZero",
  domain: "",
  category: "gather",
  inputs: [{ name: "X" }],
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const v = ctx.inputs[0]!.values;
    if (v === undefined) unknownShape("NonZero output size depends on the data");
    const dims = x as number[];
    const coords: number[][] = dims.map(() => []);
    v.forEach((val, flat) => {
      if (val === 0) return;
      let rem = flat;
      for (let k = dims.length - 1; k >= 0; k--) {
        coords[k]!.push(rem % dims[k]!);
        rem = Math.floor(rem / dims[k]!);
      }
    });
    const count = v.filter((e) => e !== 0).length;
    return [{ dtype: "int64", shape: [x.length, count], values: coords.flat() }];
  },
};

/** Constant: the tensor in `value` (or value_float(s) / value_int(s) / value_string(s)). */
export const Constant: OpSpec = {
  opType: "Constant",
  domain: "",
  category: "constant",
  inputs: [],
  shape(ctx) {
    const a = ctx.attrs;
    const tensor = attrTensor(ctx, "value") ?? attrTensor(ctx, "sparse_value");
    if (tensor !== undefined) {
      const t: TensorType = { dtype: tensor.dtype, shape: tensor.shape ?? [], constant: true };
      if (tensor.constant?.values !== undefined) t.values = tensor.constant.values;
      return [t];
    }
    const scalar = (dtype: TensorType["dtype"], v: number): TensorType => ({ dtype, shape: [], values: [v], constant: true });
    const list = (dtype: TensorType["dtype"], v: number[]): TensorType => ({ dtype, shape: [v.length], values: v, constant: true });
    if (typeof a.value_float === "number") return [scalar("float32", a.value_float)];
    if (typeof a.value_int === "number") return [scalar("int64", a.value_int)];
    if (Array.isArray(a.value_floats)) return [list("float32", a.value_floats as number[])];
    if (Array.isArray(a.value_ints)) return [list("int64", a.value_ints as number[])];
    if (typeof a.value_string === "string") return [{ dtype: "string", shape: [], constant: true }];
    if (Array.isArray(a.value_strings)) return [{ dtype: "string", shape: [a.value_strings.length], constant: true }];
    throw new EdgelatError("invalid_attribute", "Constant has no value attribute");
  },
};

export const EyeLike: OpSpec = {
  opType: "EyeLike",
  domain: "",
  category: "shape",
  inputs: [{ name: "input" }],
  attrs: { dtype: { type: "int" }, k: { type: "int", default: 0 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    if (x.length !== 2) invalidShape(`EyeLike needs a 2-D input, got ${fmt(x)}`);
    const dtype = ctx.attrs.dtype !== undefined ? onnxDType(ctx.attrs.dtype, "EyeLike dtype") : ctx.inputs[0]!.dtype;
    return [{ dtype, shape: x, constant: true }];
  },
};

function random(opType: string, like: boolean): OpSpec {
  return {
    opType,
    domain: "",
    category: "other",
    inputs: like ? [{ name: "input" }] : [],
    attrs: { dtype: { type: "int" }, shape: { type: "ints" } },
    shape(ctx) {
      const dtype = ctx.attrs.dtype !== undefined ? onnxDType(ctx.attrs.dtype, `${opType} dtype`) : like ? ctx.inputs[0]!.dtype : "float32";
      const shape: Dim[] | undefined = like ? shapeOf(ctx, 0) : attrInts(ctx, "shape");
      if (shape === undefined) throw new EdgelatError("invalid_attribute", `${opType} needs a shape`);
      return [{ dtype, shape }];
    },
    flops: (_ctx, outputs) => outCount(outputs),
  };
}

export const shapeSpecs: readonly OpSpec[] = [
  Shape,
  Size,
  ConstantOfShape,
  Range,
  Cast,
  CastLike,
  NonZero,
  Constant,
  EyeLike,
  random("RandomNormal", false),
  random("RandomUniform", false),
  random("RandomNormalLike", true),
  random("RandomUniformLike", true),
  { ...random("Bernoulli", true), opType: "Bernoulli" },
];
