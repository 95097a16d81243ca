/** Matrix products: Gemm, MatMul (numpy semantics), com.microsoft FusedGemm / FusedMatMul, integer variants, Einsum. */
import { EdgelatError } from "../../errors.js";
import type { Dim, Shape } from "../../ir/types.js";
import { broadcastShapes } from "../../shape/common.js";
import type { OpContext, OpSpec, TensorType } from "../types.js";
import { attrInt, attrStr, fmt, hasInput, invalidShape, numel, outCount, shapeOf, unifyDim } from "./util.js";

function gemmDims(ctx: OpContext): { m: Dim; n: Dim; k: Dim } {
  const a = shapeOf(ctx, 0);
  const b = shapeOf(ctx, 1);
  if (a.length !== 2 || b.length !== 2) invalidShape(`Gemm needs 2-D inputs, got ${fmt(a)} and ${fmt(b)}`);
  const [m, ka] = attrInt(ctx, "transA") ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
  const [kb, n] = attrInt(ctx, "transB") ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
  const k = unifyDim(ka, kb, () => `Gemm inner dims of ${fmt(a)} and ${fmt(b)} differ`);
  return { m, n, k };
}

function gemmShape(ctx: OpContext): TensorType[] {
  const { m, n } = gemmDims(ctx);
  if (hasInput(ctx, 2)) {
    const c = shapeOf(ctx, 2);
    const bc = broadcastShapes(c, [m, n]);
    if (bc.length !== 2 || (typeof bc[0] === "number" && typeof m === "number" && bc[0] !== m) || (typeof bc[1] === "number" && typeof n === "number" && bc[1] !== n)) {
      invalidShape(`Gemm C ${fmt(c)} does not broadcast to [${m},${n}]`);
    }
  }
  return [{ dtype: ctx.inputs[0]!.dtype, shape: [m, n] }];
}

/** 2·M·N·K, plus M·N adds for C; `extra` more per output element (fused activation). */
function gemmFlops(ctx: OpContext, outputs: TensorType[], extra = 0): number {
  const { k } = gemmDims(ctx);
  if (typeof k !== "number") return 0;
  return outCount(outputs) * (2 * k + (hasInput(ctx, 2) ? 1 : 0) + extra);
}

const gemmAttrs = {
  alpha: { type: "float", default: 1 },
  beta: { type: "float", default: 1 },
  transA: { type: "int", default: 0 },
  transB: { type: "int", default: 0 },
} as const;

export const Gemm: OpSpec = {
  opType: "Gemm",
  domain: "",
  category: "fc",
  inputs: [{ name: "A" }, { name: "B" }, { name: "C", optional: true }],
  attrs: gemmAttrs,
  shape: gemmShape,
  flops: (ctx, outputs) => gemmFlops(ctx, outputs),
};

export const FusedGemm: OpSpec = {
  opType: "FusedGemm",
  domain: "com.microsoft",
  category: "fc",
  inputs: [{ name: "A" }, { name: "B" }, { name: "C", optional: true }],
  attrs: { ...gemmAttrs, activation: { type: "string" } },
  shape: gemmShape,
  flops: (ctx, outputs) => gemmFlops(ctx, outputs, ctx.attrs.activation ? 1 : 0),
};

/** numpy matmul: 1-D operands are promoted (and the added dim removed), batch dims broadcast. */
export function matmulShape(a: Shape, b: Shape, transA = false, transB = false): { shape: Shape; k: Dim } {
  if (a.length === 0 || b.length === 0) invalidShape(`MatMul operands must not be scalars (${fmt(a)}, ${fmt(b)})`);
  let aa = a.length === 1 ? [1, a[0]!] : [...a];
  let bb = b.length === 1 ? [b[0]!, 1] : [...b];
  if (transA) aa = [...aa.slice(0, -2), aa[aa.length - 1]!, aa[aa.length - 2]!];
  if (transB) bb = [...bb.slice(0, -2), bb[bb.length - 1]!, bb[bb.length - 2]!];
  const k = unifyDim(aa[aa.length - 1]!, bb[bb.length - 2]!, () => `MatMul inner dims of ${fmt(a)} and ${fmt(b)} differ`);
  const batch = broadcastShapes(aa.slice(0, -2), bb.slice(0, -2));
  const shape: Dim[] = [...batch];
  if (a.length !== 1) shape.push(aa[aa.length - 2]!);
  if (b.length !== 1) shape.push(bb[bb.length - 1]!);
  return { shape, k };
}

function matmulFlops(ctx: OpContext, outputs: TensorType[], transA = false, transB = false): number {
  const { k } = matmulShape(shapeOf(ctx, 0), shapeOf(ctx, 1), transA, transB);
  return typeof k === "number" ? 2 * k * outCount(outputs) : 0;
}

export const MatMul: OpSpec = {
  opType: "MatMul",
  domain: "",
  category: "matmul",
  inputs: [{ name: "A" }, { name: "B" }],
  shape: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: matmulShape(shapeOf(ctx, 0), shapeOf(ctx, 1)).shape }],
  flops: (ctx, outputs) => matmulFlops(ctx, outputs),
};

export const FusedMatMul: OpSpec = {
  opType: "FusedMatMul",
  domain: "com.microsoft",
  category: "matmul",
  inputs: [{ name: "A" }, { name: "B" }],
  attrs: { alpha: { type: "float", default: 1 }, transA: { type: "int", default: 0 }, transB: { type: "int", default: 0 } },
  shape: (ctx) => [
    { dtype: ctx.inputs[0]!.dtype, shape: matmulShape(shapeOf(ctx, 0), shapeOf(ctx, 1), !!attrInt(ctx, "transA"), !!attrInt(ctx, "transB")).shape },
  ],
  flops: (ctx, outputs) => matmulFlops(ctx, outputs, !!attrInt(ctx, "transA"), !!attrInt(ctx, "transB")),
};

export const MatMulInteger: OpSpec = {
  opType: "MatMulInteger",
  domain: "",
  category: "matmul",
  inputs: [{ name: "A" }, { name: "B" }, { name: "a_zero_point", optional: true }, { name: "b_zero_point", optional: true }],
  shape: (ctx) => [{ dtype: "int32", shape: matmulShape(shapeOf(ctx, 0), shapeOf(ctx, 1)).shape }],
  flops: (ctx, outputs) => matmulFlops(ctx, outputs),
};

export const QLinearMatMul: OpSpec = {
  opType: "QLinearMatMul",
  domain: "",
  category: "matmul",
  inputs: ["a", "a_scale", "a_zero_point", "b", "b_scale", "b_zero_point", "y_scale", "y_zero_point"].map((name) => ({ name })),
  shape: (ctx) => [{ dtype: ctx.inputs[7]!.dtype, shape: matmulShape(shapeOf(ctx, 0), shapeOf(ctx, 3)).shape }],
  flops(ctx, outputs) {
    const { k } = matmulShape(shapeOf(ctx, 0), shapeOf(ctx, 3));
    return typeof k === "number" ? 2 * k * outCount(outputs) : 0;
  },
};

// ---------------------------------------------------------------- Einsum

interface EinsumPlan {
  /** Dim of every label (ellipsis dims under the labels "…0", "…1", …). */
  dims: Map<string, Dim>;
  output: string[];
}

function parseTerm(term: string): string[] {
  const labels: string[] = [];
  for (let i = 0; i < term.length; i++) {
    if (term.startsWith("...", i)) {
      labels.push("...");
      i += 2;
    } else if (/[A-Za-z]/.test(term[i]!)) labels.push(term[i]!);
    else if (term[i] !== " ") throw new EdgelatError("invalid_attribute", `Einsum equation has an invalid character '${term[i]}'`);
  }
  return labels;
}

function einsumPlan(ctx: OpContext): EinsumPlan {
  const equation = attrStr(ctx, "equation");
  if (equation === undefined) throw new EdgelatError("invalid_attribute", "Einsum needs an 'equation'");
  const [lhs, rhs] = equation.split("->");
  const terms = lhs!.split(",").map(parseTerm);
  if (terms.length !== ctx.inputs.length) {
    throw new EdgelatError("invalid_attribute", `Einsum equation '${equation}' has ${terms.length} operands, node has ${ctx.inputs.length}`);
  }
  const dims = new Map<string, Dim>();
  const counts = new Map<string, number>();
  let ellipsis: Shape = [];
  terms.forEach((labels, i) => {
    const shape = shapeOf(ctx, i);
    const ellRank = shape.length - (labels.length - (labels.includes("...") ? 1 : 0));
    if (ellRank < 0 || (!labels.includes("...") && ellRank !== 0)) {
      invalidShape(`Einsum term '${labels.join("")}' does not fit operand ${fmt(shape)}`);
    }
    let axis = 0;
    for (const label of labels) {
      if (label === "...") {
        ellipsis = broadcastShapes(ellipsis, shape.slice(axis, axis + ellRank));
        axis += ellRank;
        continue;
      }
      const d = shape[axis++]!;
      const prev = dims.get(label);
      dims.set(label, prev === undefined || prev === 1 ? d : d === 1 ? prev : unifyDim(prev, d, `Einsum label '${label}'`));
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
  });
  ellipsis.forEach((d, i) => dims.set(`…${i}`, d));
  const ell = ellipsis.map((_, i) => `…${i}`);
  let output: string[];
  if (rhs !== undefined) {
    output = parseTerm(rhs).flatMap((l) => (l === "..." ? ell : [l]));
    for (const l of output) if (!dims.has(l)) throw new EdgelatError("invalid_attribute", `Einsum output label '${l}' is not in any input`);
  } else {
    output = [...ell, ...[...counts.keys()].filter((l) => counts.get(l) === 1).sort()];
  }
  return { dims, output };
}

/**
 * Einsum: output shape from the equation (explicit `->` or implicit, with `...` broadcasting). FLOPs: 2 × the
 * product of every label's dim (one multiply-add per point of the joint index space), for any operand count.
 */
export const Einsum: OpSpec = {
  opType: "Einsum",
  domain: "",
  category: "matmul",
  inputs: [{ name: "Inputs", variadic: true }],
  attrs: { equation: { type: "string", required: true } },
  shape(ctx) {
    const { dims, output } = einsumPlan(ctx);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: output.map((l) => dims.get(l)!) }];
  },
  flops(ctx) {
    const { dims } = einsumPlan(ctx);
    const n = numel([...dims.values()]);
    return n === undefined ? 0 : (ctx.inputs.length > 1 ? 2 : 1) * n;
  },
};

export const matmulSpecs: readonly OpSpec[] = [Gemm, FusedGemm, MatMul, FusedMatMul, MatMulInteger, QLinearMatMul, Einsum];
