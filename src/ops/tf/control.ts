/**
 * TF graph plumbing: Const / Placeholder (when kept as nodes), TF1 while-loop frames (Enter, Merge, Switch, Exit,
 * NextIteration, LoopCond) and TensorList ops. These launch no compute kernel. The TF.js parser cuts each loop's
 * NextIteration → Merge back edge (kept in Merge's `back_edges` attribute), so a Merge types its output from the
 * loop's entry value; loop-carried shapes that change per iteration are not modelled.
 */
import type { Shape, TensorInfo } from "../../ir/types.js";
import { unknownShape } from "../../shape/unknown.js";
import type { OpContext, OpSpec, TensorType } from "../types.js";
import { intValues, TF } from "./helpers.js";

const passThrough = (opType: string, category: OpSpec["category"] = "other"): OpSpec => ({
  opType,
  domain: TF,
  category,
  noCompute: true,
  inputs: [{ name: "data" }, { name: "rest", variadic: true, optional: true }],
  shape(ctx) {
    const t = ctx.inputs[0]!;
    return ctx.node.outputs.map(() => ({ dtype: t.dtype, shape: t.shape }));
  },
});

const Const: OpSpec = {
  opType: "Const",
  domain: TF,
  category: "constant",
  noCompute: true,
  inputs: [],
  attrs: { value: { type: "tensor", required: true } },
  shape(ctx) {
    const v = ctx.attrs.value as TensorInfo;
    if (v.shape === undefined) return unknownShape("Const without a tensor shape");
    const out: TensorType = { dtype: v.dtype, shape: v.shape, constant: true };
    if (v.constant?.values !== undefined) out.values = v.constant.values;
    return [out];
  },
};

const Placeholder: OpSpec = {
  opType: "Placeholder",
  domain: TF,
  category: "other",
  noCompute: true,
  inputs: [],
  attrs: { dtype: { type: "string", default: "float32" } },
  shape(ctx) {
    const dims = ctx.attrs.shape;
    if (!Array.isArray(dims)) return unknownShape("Placeholder without a shape");
    const shape: Shape = (dims as number[]).map((d, i) => (d >= 0 ? d : `${ctx.node.name}_d${i}`));
    return [{ dtype: (ctx.attrs.dtype as TensorType["dtype"]) ?? "float32", shape }];
  },
};

const Merge: OpSpec = {
  ...passThrough("Merge"),
  shape(ctx) {
    const t = ctx.inputs[0]!;
    return [{ dtype: t.dtype, shape: t.shape }, { dtype: "int32", shape: [] }];
  },
};

const Switch: OpSpec = {
  ...passThrough("Switch"),
  inputs: [{ name: "data" }, { name: "pred" }],
};

/**
 * A TensorList handle is typed by the tensor it stacks into: shape [num_elements, ...element_shape] when the element
 * shape is known, else [num_elements]. Its dtype is "unknown" (a variant), so it counts no bytes.
 */
const handle = (shape: Shape): TensorType => ({ dtype: "unknown", shape });

const staticElement = (v: number[] | undefined): number[] | undefined => (v !== undefined && v.every((d) => d >= 0) ? v : undefined);

const TensorListReserve: OpSpec = {
  opType: "TensorListReserve",
  domain: TF,
  category: "other",
  noCompute: true,
  inputs: [{ name: "element_shape" }, { name: "num_elements" }],
  shape(ctx) {
    const n = intValues(ctx, 1)?.[0];
    if (n === undefined || n < 0) return unknownShape("TensorListReserve: num_elements is not a known constant");
    return [handle([n, ...(staticElement(intValues(ctx, 0)) ?? [])])];
  },
};

const TensorListFromTensor: OpSpec = {
  opType: "TensorListFromTensor",
  domain: TF,
  category: "other",
  noCompute: true,
  inputs: [{ name: "tensor" }, { name: "element_shape" }],
  shape: (ctx) => [handle(ctx.inputs[0]!.shape!)],
};

const TensorListSetItem: OpSpec = {
  opType: "TensorListSetItem",
  domain: TF,
  category: "other",
  inputs: [{ name: "input_handle" }, { name: "index" }, { name: "item" }],
  shape: (ctx) => [handle([ctx.inputs[0]!.shape![0] ?? "?", ...ctx.inputs[2]!.shape!])],
};

const elementDType = (ctx: OpContext): TensorType["dtype"] => (ctx.attrs.element_dtype as TensorType["dtype"]) ?? "float32";

const TensorListStack: OpSpec = {
  opType: "TensorListStack",
  domain: TF,
  category: "concat",
  inputs: [{ name: "input_handle" }, { name: "element_shape" }],
  attrs: { num_elements: { type: "int", default: -1 } },
  shape(ctx) {
    const h = ctx.inputs[0]!.shape!;
    const el = staticElement(intValues(ctx, 1)) ?? (h.length > 1 ? h.slice(1) : undefined);
    const attrN = typeof ctx.attrs.num_elements === "number" ? (ctx.attrs.num_elements as number) : -1;
    const n = attrN >= 0 ? attrN : h[0];
    if (el === undefined || n === undefined) return unknownShape("TensorListStack: element shape or count is not static");
    return [{ dtype: elementDType(ctx), shape: [n, ...el] }];
  },
};

const TensorListGetItem: OpSpec = {
  opType: "TensorListGetItem",
  domain: TF,
  category: "gather",
  inputs: [{ name: "input_handle" }, { name: "index" }, { name: "element_shape" }],
  shape(ctx) {
    const h = ctx.inputs[0]!.shape!;
    const el = h.length > 1 ? h.slice(1) : staticElement(intValues(ctx, 2));
    if (el === undefined) return unknownShape("TensorListGetItem: element shape is not static");
    return [{ dtype: elementDType(ctx), shape: el }];
  },
};

export const controlSpecs: OpSpec[] = [
  Const,
  Placeholder,
  passThrough("Enter"),
  passThrough("Exit"),
  passThrough("NextIteration"),
  passThrough("LoopCond"),
  Merge,
  Switch,
  TensorListReserve,
  TensorListFromTensor,
  TensorListSetItem,
  TensorListStack,
  TensorListGetItem,
];
