/**
 * com.microsoft attention ops from ORT-optimized transformer graphs: Attention (packed QKV projection + attention),
 * MultiHeadAttention (projected Q, K, V), BiasSoftmax, BiasAdd, and the LLM ops MatMulNBits and RotaryEmbedding.
 * FLOPs: projection 2·B·S·In·(Dq + Dk + Dv); scores 2·B·S·L·Dq; context 2·B·S·L·Dv; softmax 5·B·heads·S·L.
 */
import { unknownShape } from "../../shape/unknown.js";
import type { OpSpec } from "../types.js";
import { attrInt, attrInts, broadcastInputs, fmt, invalidShape, like, numel, outCount, shapeOf } from "./util.js";

export const Attention: OpSpec = {
  opType: "Attention",
  domain: "com.microsoft",
  category: "matmul",
  inputs: [
    { name: "input" },
    { name: "weights" },
    { name: "bias", optional: true },
    { name: "mask_index", optional: true },
    { name: "past", optional: true },
    { name: "relative_position_bias", optional: true },
    { name: "past_sequence_length", optional: true },
  ],
  attrs: { num_heads: { type: "int", required: true }, qkv_hidden_sizes: { type: "ints" }, unidirectional: { type: "int", default: 0 } },
  shape(ctx) {
    const x = shapeOf(ctx, 0);
    const w = shapeOf(ctx, 1);
    if (x.length !== 3 || w.length !== 2) invalidShape(`Attention needs input [B,S,In] and weights [In,3H], got ${fmt(x)}, ${fmt(w)}`);
    const sizes = attrInts(ctx, "qkv_hidden_sizes");
    const v = sizes !== undefined ? sizes[2]! : typeof w[1] === "number" ? w[1] / 3 : "?";
    const outs = [{ dtype: ctx.inputs[0]!.dtype, shape: [x[0]!, x[1]!, v] }];
    if (ctx.node.outputs.length > 1) unknownShape("Attention 'present' output (past state) is not inferred");
    return outs;
  },
  flops(ctx) {
    const x = shapeOf(ctx, 0);
    const w = shapeOf(ctx, 1);
    const dims = numel([...x, ...w]);
    if (dims === undefined) return 0;
    const [b, s, inp] = x as number[];
    const total = w[1] as number;
    const sizes = attrInts(ctx, "qkv_hidden_sizes") ?? [total / 3, total / 3, total / 3];
    const heads = attrInt(ctx, "num_heads")!;
    return 2 * b! * s! * inp! * total + 2 * b! * s! * s! * (sizes[0]! + sizes[2]!) + 5 * b! * heads * s! * s!;
  },
};

export const MultiHeadAttention: OpSpec = {
  opType: "MultiHeadAttention",
  domain: "com.microsoft",
  category: "matmul",
  inputs: [{ name: "query" }, { name: "key", optional: true }, { name: "value", optional: true }],
  attrs: { num_heads: { type: "int", required: true } },
  shape(ctx) {
    const q = shapeOf(ctx, 0);
    if (q.length !== 3 || ctx.inputs[2]?.shape?.length !== 3) unknownShape("MultiHeadAttention with packed Q/K/V layouts is not inferred");
    const v = shapeOf(ctx, 2);
    if (ctx.node.outputs.length > 1) unknownShape("MultiHeadAttention present key/value outputs are not inferred");
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [q[0]!, q[1]!, v[2]!] }];
  },
  flops(ctx) {
    const q = shapeOf(ctx, 0);
    const v = shapeOf(ctx, 2);
    if (numel([...q, ...v]) === undefined) return 0;
    const [b, s, d] = q as number[];
    const [, l, dv] = v as number[];
    const heads = attrInt(ctx, "num_heads")!;
    return 2 * b! * s! * l! * (d! + dv!) + 5 * b! * heads * s! * l!;
  },
};

export const BiasSoftmax: OpSpec = {
  opType: "BiasSoftmax",
  domain: "com.microsoft",
  category: "softmax",
  inputs: [{ name: "data" }, { name: "bias" }],
  attrs: { axis: { type: "int", default: 1 }, is_inner_broadcast: { type: "int" } },
  shape: (ctx) => [like(ctx, 0)],
  flops: (_ctx, outputs) => 6 * outCount(outputs),
};

/** BiasAdd(X, bias, skip) = X + bias + skip: 2 FLOPs per element. */
export const BiasAdd: OpSpec = {
  opType: "BiasAdd",
  domain: "com.microsoft",
  category: "elementwise",
  inputs: [{ name: "X" }, { name: "bias" }, { name: "skip" }],
  shape: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: broadcastInputs(ctx) }],
  flops: (_ctx, outputs) => 2 * outCount(outputs),
};


/**
 * com.microsoft MatMulNBits (weight-only quantized MatMul of ORT GenAI models): A [..., K] × B (packed N×K weights)
 * → [..., N]; N and K are attributes. FLOPs 2·M·N·K as a float MatMul (+ dequantization is not counted).
 */
export const MatMulNBits: OpSpec = {
  opType: "MatMulNBits",
  domain: "com.microsoft",
  category: "fc",
  inputs: [{ name: "A" }, { name: "B" }, { name: "scales" }, ...["zero_points", "g_idx", "bias"].map((name) => ({ name, optional: true }))],
  attrs: { K: { type: "int", required: true }, N: { type: "int", required: true }, bits: { type: "int", default: 4 }, block_size: { type: "int", required: true } },
  shape(ctx) {
    const a = shapeOf(ctx, 0);
    const k = attrInt(ctx, "K")!;
    const n = attrInt(ctx, "N")!;
    const last = a[a.length - 1];
    if (a.length === 0 || (typeof last === "number" && last !== k)) invalidShape(`MatMulNBits input ${fmt(a)} does not end with K = ${k}`);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [...a.slice(0, -1), n] }];
  },
  flops: (ctx, outputs) => 2 * attrInt(ctx, "K")! * outCount(outputs),
};

/** com.microsoft RotaryEmbedding: the input's shape; ~3 FLOPs per element (two multiplies and an add). */
export const RotaryEmbedding: OpSpec = {
  opType: "RotaryEmbedding",
  domain: "com.microsoft",
  category: "elementwise",
  inputs: [{ name: "input" }, { name: "position_ids" }, { name: "cos_cache" }, { name: "sin_cache" }],
  attrs: { interleaved: { type: "int", default: 0 } },
  shape: (ctx) => [like(ctx, 0)],
  flops: (_ctx, outputs) => 3 * outCount(outputs),
};

export const attentionSpecs: readonly OpSpec[] = [Attention, MultiHeadAttention, BiasSoftmax, BiasAdd, MatMulNBits, RotaryEmbedding];
