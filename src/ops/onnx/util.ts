/** Helpers shared by the ONNX op specs: attribute access, shape arithmetic, small-value folding, spec factories. */
import { EdgelatError, LIMITS } from "../../errors.js";
import type { Dim, DType, Shape, TensorInfo } from "../../ir/types.js";
import { broadcastShapes } from "../../shape/common.js";
import { isIntegerDType } from "../../shape/dtype.js";
import { unknownShape } from "../../shape/unknown.js";
import type { AttrSpec, InputSpec, OpCategory, OpContext, OpSpec, TensorType } from "../types.js";

// ---------------------------------------------------------------- attributes

function badAttr(ctx: OpContext, name: string, want: string): never {
  throw new EdgelatError("invalid_attribute", `attribute '${name}' must be ${want}, got ${JSON.stringify(ctx.attrs[name])}`, {
    attribute: name,
  });
}

export function attrInt(ctx: OpContext, name: string): number | undefined {
  const v = ctx.attrs[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) badAttr(ctx, name, "an integer");
  return Math.trunc(v);
}

export function attrFloat(ctx: OpContext, name: string): number | undefined {
  const v = ctx.attrs[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number") badAttr(ctx, name, "a number");
  return v;
}

/** An integer-list attribute (the node's own array when already integral: callers must not mutate it). */
export function attrInts(ctx: OpContext, name: string): number[] | undefined {
  const v = ctx.attrs[name];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) badAttr(ctx, name, "a list of integers");
  let integral = true;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== "number" || !Number.isFinite(x)) badAttr(ctx, name, "a list of integers");
    if (!Number.isInteger(x)) integral = false;
  }
  return integral ? (v as number[]) : (v as number[]).map(Math.trunc);
}

export function attrFloats(ctx: OpContext, name: string): number[] | undefined {
  const v = ctx.attrs[name];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "number")) badAttr(ctx, name, "a list of numbers");
  return v as number[];
}

export function attrStr(ctx: OpContext, name: string): string | undefined {
  const v = ctx.attrs[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") badAttr(ctx, name, "a string");
  return v;
}

export function attrTensor(ctx: OpContext, name: string): TensorInfo | undefined {
  const v = ctx.attrs[name];
  if (v === undefined) return undefined;
  if (typeof v !== "object" || Array.isArray(v) || !("dtype" in v)) badAttr(ctx, name, "a tensor");
  return v as TensorInfo;
}

/**
 * Rejects an attribute that the node's opset moved to an input (e.g. ReduceMean `axes` from opset 18): runtimes refuse
 * such a node, and reading the absent input instead would give a silently wrong shape.
 */
export function rejectMovedAttr(ctx: OpContext, name: string, since: number): void {
  if (ctx.opset >= since && ctx.attrs[name] !== undefined) {
    throw new EdgelatError("invalid_attribute", `${ctx.node.opType} takes '${name}' as an input from opset ${since}, not as an attribute (opset ${ctx.opset})`, {
      attribute: name,
    });
  }
}

// ---------------------------------------------------------------- shapes

/** The shape of input `i` (the engine guarantees present inputs have a shape). */
export function shapeOf(ctx: OpContext, i: number): Shape {
  const t = ctx.inputs[i];
  if (t === undefined || t.shape === undefined) unknownShape(`input ${i} of ${ctx.node.opType} has unknown shape`);
  return t.shape;
}

export function hasInput(ctx: OpContext, i: number): boolean {
  return ctx.inputs[i] !== undefined && ctx.node.inputs[i] !== "" && ctx.node.inputs[i] !== undefined;
}

/** Normalizes a possibly negative axis into [0, rank); `invalid_attribute` when out of range. */
export function normAxis(axis: number, rank: number, what = "axis"): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new EdgelatError("invalid_attribute", `${what} ${axis} is out of range for rank ${rank}`, { axis, rank });
  }
  return a;
}

/** Number of elements when every dim is known, else undefined. */
export function numel(shape: Shape): number | undefined {
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (typeof d !== "number") return undefined;
    n *= d;
  }
  return n;
}

/** Elements of a shape for cost purposes: symbolic dims make it 0 (unknown parts cost 0). */
export function count(shape: Shape | undefined): number {
  return shape === undefined ? 0 : numel(shape) ?? 0;
}

export function isStatic(shape: Shape): shape is number[] {
  for (let i = 0; i < shape.length; i++) if (typeof shape[i] !== "number") return false;
  return true;
}

/** Product of dims: a number when all are known; a symbol when exactly one is symbolic and the rest are 1; else "?". */
export function prodDims(dims: readonly Dim[]): Dim {
  let n = 1;
  let sym: string | undefined;
  let syms = 0;
  for (const d of dims) {
    if (typeof d === "number") n *= d;
    else {
      sym = d;
      syms++;
    }
  }
  if (syms === 0) return n;
  if (syms === 1 && n === 1) return sym!;
  return n === 0 ? 0 : "?";
}

export function invalidShape(message: string, details: Record<string, unknown> = {}): never {
  throw new EdgelatError("invalid_shape", message, details);
}

export const fmt = (s: readonly Dim[]): string => `[${s.join(",")}]`;

/** Two dims that must agree: a static mismatch is `invalid_shape`; a symbolic dim yields to a static one. */
export function unifyDim(a: Dim, b: Dim, what: string | (() => string)): Dim {
  if (typeof a === "number" && typeof b === "number") {
    // (`what` may be a function, so that a message formatting shapes is only built on failure)
    if (a !== b) invalidShape(`${typeof what === "function" ? what() : what}: ${a} vs ${b}`);
    return a;
  }
  return typeof a === "number" ? a : b;
}

// ---------------------------------------------------------------- values

/** Known values of input `i` (constants and folded shape computations), or undefined. */
export function valuesOf(ctx: OpContext, i: number): number[] | undefined {
  return ctx.inputs[i]?.values;
}

/** Checks that folded values used as dims (Expand / ConstantOfShape / Tile targets) are non-negative integers. */
export function checkDims(dims: readonly number[], what: string): number[] {
  for (const d of dims) if (!Number.isInteger(d) || d < 0) invalidShape(`${what} ${fmt(dims)} has an invalid dimension ${d}`);
  return dims as number[];
}

/** Entries of a small shape tensor input: its values, or its symbolic entries (`TensorType.symbolicValues`). */
export function dimsOf(ctx: OpContext, i: number): Dim[] | undefined {
  const t = ctx.inputs[i];
  return t?.values ?? t?.symbolicValues;
}

/** Like `needValues`, but symbolic entries (a symbolic batch read by Shape) are accepted. */
export function needDims(ctx: OpContext, i: number, what: string): Dim[] {
  const d = dimsOf(ctx, i);
  if (d === undefined) unknownShape(`${what} (input ${ctx.node.inputs[i]}) is not a known constant`);
  return d;
}

/** Records shape-tensor entries on `t`: all numeric → `values` (when small), otherwise `symbolicValues`. */
export function withDims(t: TensorType, dims: readonly Dim[] | undefined): TensorType {
  if (dims === undefined) return t;
  let numeric = true;
  for (const d of dims) if (typeof d !== "number") numeric = false;
  if (!numeric) t.symbolicValues = dims as Dim[];
  else if (t.shape !== undefined && foldable(t.shape)) t.values = dims as number[];
  return t;
}

/** Known values of input `i`; otherwise the output shape is data-dependent (`UnknownShape`). */
export function needValues(ctx: OpContext, i: number, what: string): number[] {
  const v = ctx.inputs[i]?.values;
  if (v === undefined) unknownShape(`${what} (input ${ctx.node.inputs[i]}) is not a known constant`);
  return v;
}

/** True when values of a tensor of this shape may be computed and kept. */
export function foldable(shape: Shape): shape is number[] {
  const n = numel(shape);
  return n !== undefined && n >= 0 && n <= LIMITS.maxFoldedElements;
}

/** Row-major strides. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Element-wise evaluation with numpy broadcasting of small known tensors. */
export function broadcastEval(
  out: readonly number[],
  args: readonly { shape: readonly number[]; values: readonly number[] }[],
  fn: (xs: number[]) => number,
): number[] {
  const total = out.reduce((a, b) => a * b, 1);
  const rank = out.length;
  const argStrides = args.map(({ shape }) => {
    const st = strides(shape);
    // Align to the output rank; broadcast dims get stride 0.
    return out.map((_, k) => {
      const j = k - (rank - shape.length);
      return j < 0 || shape[j] === 1 ? 0 : st[j]!;
    });
  });
  const result = new Array<number>(total);
  const idx = new Array<number>(rank).fill(0);
  const xs = new Array<number>(args.length);
  for (let e = 0; e < total; e++) {
    for (let a = 0; a < args.length; a++) {
      let off = 0;
      const st = argStrides[a]!;
      for (let k = 0; k < rank; k++) off += idx[k]! * st[k]!;
      xs[a] = args[a]!.values[off]!;
    }
    result[e] = fn(xs);
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k]! < out[k]!) break;
      idx[k] = 0;
    }
  }
  return result;
}

/** Rounds a folded value the way an integer dtype stores it. */
export function castValue(v: number, dtype: DType): number {
  if (dtype === "bool") return v !== 0 ? 1 : 0;
  if (isIntegerDType(dtype)) return Number.isFinite(v) ? Math.trunc(v) : v;
  if (dtype === "float32") return Math.fround(v);
  return v;
}

// ---------------------------------------------------------------- spec factories

/** Output i's element count (for flops rules). */
export function outCount(outputs: readonly TensorType[], i = 0): number {
  return count(outputs[i]?.shape);
}

export function inCount(ctx: OpContext, i = 0): number {
  return count(ctx.inputs[i]?.shape);
}

/** A fresh copy of input i's type (dtype and shape), optionally with another dtype. */
export function like(ctx: OpContext, i = 0, dtype?: DType): TensorType {
  const t = ctx.inputs[i]!;
  return { dtype: dtype ?? t.dtype, shape: t.shape };
}

interface UnaryOptions {
  category?: OpCategory;
  /** FLOPs per output element (default 1). */
  flops?: number;
  /** Value function for folding small known inputs (shape computations). */
  fn?: (x: number, ctx: OpContext) => number;
  /** Output dtype when it differs from the input's. */
  dtype?: DType;
  inputs?: InputSpec[];
  attrs?: Record<string, AttrSpec>;
  domain?: string;
  noCompute?: boolean;
}

/** An element-wise unary op: output has the input's shape (and dtype unless `dtype`). */
export function unary(opType: string, opts: UnaryOptions = {}): OpSpec {
  const perElement = opts.flops ?? 1;
  const fn = opts.fn;
  const spec: OpSpec = {
    opType,
    domain: opts.domain ?? "",
    category: opts.category ?? "activation",
    inputs: opts.inputs ?? [{ name: "X" }],
    shape(ctx) {
      const x = ctx.inputs[0]!;
      const dtype = opts.dtype ?? x.dtype;
      const out: TensorType = { dtype, shape: x.shape };
      if (fn !== undefined && x.values !== undefined) out.values = x.values.map((v) => castValue(fn(v, ctx), dtype));
      return [out];
    },
    flops: (_ctx, outputs) => perElement * outCount(outputs),
  };
  if (opts.attrs !== undefined) spec.attrs = opts.attrs;
  if (opts.noCompute) spec.noCompute = true;
  return spec;
}

interface NaryOptions {
  category?: OpCategory;
  /** Value function over the (broadcast) input values. */
  fn?: (xs: number[], ctx: OpContext) => number;
  /** Output dtype (e.g. "bool" for comparisons); default: dtype of input 0. */
  dtype?: DType;
  /** Minimum number of inputs; variadic ops (Sum, Max, …) take any count ≥ 1. */
  variadic?: boolean;
  domain?: string;
  /** FLOPs per output element per input beyond the first (default 1). */
  flops?: number;
  attrs?: Record<string, AttrSpec>;
}

/** Shape of broadcasting inputs, wrapping incompatibility into `invalid_shape`. */
export function broadcastInputs(ctx: OpContext): Shape {
  const inputs = ctx.inputs;
  // Fast path (most element-wise nodes): every present input has the same shape.
  let first: Shape | undefined;
  let same = true;
  for (const t of inputs) {
    const s = t?.shape;
    if (s === undefined) continue;
    if (first === undefined) first = s;
    else if (s !== first && !sameDims(s, first)) {
      same = false;
      break;
    }
  }
  if (same) return first ?? [];
  const shapes: Shape[] = [];
  for (const t of inputs) if (t?.shape !== undefined) shapes.push(t.shape);
  return broadcastShapes(...shapes);
}

function sameDims(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Folds broadcast values when every input is known and the output is small. */
export function foldBroadcast(ctx: OpContext, out: Shape, fn: (xs: number[], ctx: OpContext) => number, dtype: DType): number[] | undefined {
  if (!foldable(out)) return undefined;
  const args: { shape: number[]; values: number[] }[] = [];
  for (const t of ctx.inputs) {
    if (t === undefined || t.values === undefined || t.shape === undefined || !isStatic(t.shape)) return undefined;
    if (t.values.length !== (numel(t.shape) ?? -1)) return undefined;
    args.push({ shape: t.shape, values: t.values });
  }
  return broadcastEval(out, args, (xs) => castValue(fn(xs, ctx), dtype));
}

/** An element-wise op with numpy broadcasting over all its inputs (binary, or variadic like Sum/Max). */
export function nary(opType: string, opts: NaryOptions = {}): OpSpec {
  const perElement = opts.flops ?? 1;
  const fn = opts.fn;
  const spec: OpSpec = {
    opType,
    domain: opts.domain ?? "",
    category: opts.category ?? "elementwise",
    inputs: opts.variadic ? [{ name: "data_0", variadic: true }] : [{ name: "A" }, { name: "B" }],
    shape(ctx) {
      const dtype = opts.dtype ?? ctx.inputs[0]!.dtype;
      // Before opset 7, binary ops broadcast B onto A (aligned at `axis`) only with broadcast=1: the output is A's shape.
      if (ctx.opset < 7 && ctx.attrs.broadcast === 1) return [{ dtype, shape: shapeOf(ctx, 0) }];
      const shape = broadcastInputs(ctx);
      const out: TensorType = { dtype, shape };
      if (fn !== undefined) {
        const v = foldBroadcast(ctx, shape, fn, dtype);
        if (v !== undefined) out.values = v;
      }
      return [out];
    },
    flops: (ctx, outputs) => perElement * Math.max(1, ctx.inputs.length - 1) * outCount(outputs),
  };
  if (opts.attrs !== undefined) spec.attrs = opts.attrs;
  return spec;
}
