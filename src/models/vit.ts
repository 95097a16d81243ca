/**
 * Vision Transformer (Dosovitskiy et al. 2021) as ONNX-op graphs: Conv patch embedding, class token, position
 * embedding, pre-norm encoder blocks (LayerNormalization or its decomposition, MatMul attention with Softmax, an MLP
 * with Gelu or its Erf form), final norm and a Gemm head on the class token.
 */
import { EdgelatError } from "../errors.js";
import { GraphBuilder } from "../ir/builder.js";
import type { Graph } from "../ir/types.js";
import { Layers } from "./layers.js";

export interface ViTBlockOptions {
  dim: number;
  heads: number;
  /** MLP hidden size = mlpRatio · dim (default 4). */
  mlpRatio?: number;
  /** "op": LayerNormalization (opset 17); "decomposed": ReduceMean/Sub/Pow/Sqrt/Div as older exporters emit. */
  layerNorm?: "op" | "decomposed";
  /** "erf": x·0.5·(1 + Erf(x/√2)) (default, what PyTorch exports); "op": Gelu (opset 20). */
  gelu?: "erf" | "op";
  /**
   * "constant" (default): Reshape targets are int64 constants. "dynamic": computed from the tensor's Shape
   * (Shape → Gather → Unsqueeze → Concat), as PyTorch's tracer exports them; shape inference folds them away.
   */
  reshape?: "constant" | "dynamic";
}

export interface ViTOptions extends ViTBlockOptions {
  depth: number;
  patch: number;
  resolution?: number;
  numClasses?: number;
  batch?: number;
}

/** Opset a ViT graph needs for its options. */
function vitOpset(o: ViTBlockOptions): number {
  return o.gelu === "op" ? 20 : 17;
}

function layerNorm(L: Layers, x: string, dim: number, mode: "op" | "decomposed", opset: number): string {
  const b = L.b;
  const name = b.fresh("ln");
  const gamma = b.constant(`${name}.weight`, [dim]);
  const beta = b.constant(`${name}.bias`, [dim]);
  if (mode === "op") return b.op("LayerNormalization", [x, gamma, beta], { axis: -1, epsilon: 1e-6 }, { name });
  // ReduceMean takes its axes as an attribute up to opset 17 and as an input from opset 18.
  const mean = (t: string): string =>
    opset >= 18 ? b.op("ReduceMean", [t, int64s(L, "ln_axes", [-1])], { keepdims: 1 }) : b.op("ReduceMean", [t], { axes: [-1], keepdims: 1 });
  const centered = b.op("Sub", [x, mean(x)]);
  const variance = mean(b.op("Pow", [centered, L.scalar("two", 2)]));
  const std = b.op("Sqrt", [b.op("Add", [variance, L.scalar("ln_eps", 1e-6)])]);
  return b.op("Add", [b.op("Mul", [b.op("Div", [centered, std]), gamma]), beta]);
}

/** MatMul with a constant [cin, cout] weight, then a bias Add (as PyTorch exports nn.Linear on 3-D inputs). */
function dense(L: Layers, x: string, cin: number, cout: number): string {
  const b = L.b;
  const name = b.fresh("dense");
  const w = b.constant(`${name}.weight`, [cin, cout]);
  const bias = b.constant(`${name}.bias`, [cout]);
  return b.op("Add", [b.op("MatMul", [x, w], {}, { name }), bias]);
}

function gelu(L: Layers, x: string, mode: "erf" | "op"): string {
  const b = L.b;
  if (mode === "op") return b.op("Gelu", [x]);
  const erf = b.op("Erf", [b.op("Div", [x, L.scalar("sqrt2", Math.SQRT2)])]);
  return b.op("Mul", [b.op("Mul", [x, b.op("Add", [erf, L.scalar("one", 1)])]), L.scalar("half", 0.5)]);
}

function int64s(L: Layers, name: string, values: number[]): string {
  return L.b.constant(L.b.fresh(name), [values.length], "int64", values);
}

/**
 * A Reshape target: `dims` entries are literal sizes, or `{ of: axis }` for "this axis of `x`" — read from
 * Shape(x) → Gather → Unsqueeze in "dynamic" mode, or taken from `known` in "constant" mode.
 */
function reshapeTarget(L: Layers, x: string, dims: (number | { of: number; known: number })[], mode: "constant" | "dynamic"): string {
  if (mode === "constant") return int64s(L, "shape", dims.map((d) => (typeof d === "number" ? d : d.known)));
  const b = L.b;
  const shape = b.op("Shape", [x]);
  const axes0 = int64s(L, "axes", [0]);
  const parts = dims.map((d) =>
    typeof d === "number"
      ? int64s(L, "dim", [d])
      : b.op("Unsqueeze", [b.op("Gather", [shape, b.constant(b.fresh("axis"), [], "int64", [d.of])], { axis: 0 }), axes0]),
  );
  return b.op("Concat", parts, { axis: 0 });
}

/**
 * One pre-norm encoder block on x [B, T, dim]: x + Attn(LN(x)), then + MLP(LN(·)). Returns the output tensor name.
 * `tokens` is T (needed for the attention reshapes).
 */
export function buildViTBlock(L: Layers, x: string, tokens: number, batch: number, opts: ViTBlockOptions): string {
  const { dim, heads } = opts;
  if (dim % heads !== 0) throw new EdgelatError("invalid_argument", `dim ${dim} is not divisible by heads ${heads}`);
  const b = L.b;
  const hd = dim / heads;
  const ln = opts.layerNorm ?? "op";
  // Attention.
  const opset = vitOpset(opts);
  const h = layerNorm(L, x, dim, ln, opset);
  const qkv = dense(L, h, dim, 3 * dim);
  const mode = opts.reshape ?? "constant";
  const B = { of: 0, known: batch };
  const T = { of: 1, known: tokens };
  const split = b.op("Transpose", [b.op("Reshape", [qkv, reshapeTarget(L, qkv, [B, T, 3, heads, hd], mode)])], { perm: [2, 0, 3, 1, 4] });
  const pick = (i: number): string => b.op("Gather", [split, b.constant(b.fresh("qkv_index"), [], "int64", [i])], { axis: 0 });
  const [q, k, v] = [pick(0), pick(1), pick(2)];
  const scores = b.op("Mul", [b.op("MatMul", [q, b.op("Transpose", [k], { perm: [0, 1, 3, 2] })]), L.scalar(`scale_${hd}`, 1 / Math.sqrt(hd))]);
  const attn = b.op("Softmax", [scores], { axis: -1 });
  const ctx = b.op("Transpose", [b.op("MatMul", [attn, v])], { perm: [0, 2, 1, 3] });
  const merged = b.op("Reshape", [ctx, reshapeTarget(L, ctx, [B, T, dim], mode)]);
  x = b.op("Add", [x, dense(L, merged, dim, dim)]);
  // MLP.
  const hidden = Math.round((opts.mlpRatio ?? 4) * dim);
  const m = gelu(L, dense(L, layerNorm(L, x, dim, ln, opset), dim, hidden), opts.gelu ?? "erf");
  return b.op("Add", [x, dense(L, m, hidden, dim)]);
}

/** A ViT classifier. ViT-B/16: depth 12, dim 768, heads 12, patch 16 (≈ 17.6G MACs at 224). */
export function buildViT(opts: ViTOptions): Graph {
  const o = { resolution: 224, numClasses: 1000, batch: 1, mlpRatio: 4, ...opts };
  if (o.resolution % o.patch !== 0) throw new EdgelatError("invalid_argument", `resolution ${o.resolution} is not a multiple of patch ${o.patch}`);
  const b = new GraphBuilder(`vit-d${o.depth}-${o.dim}-h${o.heads}-p${o.patch}`, { "": vitOpset(o) });
  const L = new Layers(b);
  const n = (o.resolution / o.patch) ** 2;
  const tokens = n + 1;
  const img = b.input("input", [o.batch, 3, o.resolution, o.resolution]);
  const patchW = b.constant("patch_embed.weight", [o.dim, 3, o.patch, o.patch]);
  const patchB = b.constant("patch_embed.bias", [o.dim]);
  const emb = b.op("Conv", [img, patchW, patchB], { kernel_shape: [o.patch, o.patch], strides: [o.patch, o.patch] }, { name: "patch_embed" });
  const seq = b.op("Transpose", [b.op("Reshape", [emb, reshapeTarget(L, emb, [{ of: 0, known: o.batch }, o.dim, -1], o.reshape ?? "constant")])], { perm: [0, 2, 1] });
  // The class token is one [1, 1, dim] weight broadcast to the batch (Expand to Shape-computed [B, 1, dim] when dynamic).
  const mode = o.reshape ?? "constant";
  const clsToken = b.constant("cls_token", [1, 1, o.dim]);
  const cls = b.op("Expand", [clsToken, reshapeTarget(L, seq, [{ of: 0, known: o.batch }, 1, o.dim], mode)]);
  let x = b.op("Add", [b.op("Concat", [cls, seq], { axis: 1 }), b.constant("pos_embed", [1, tokens, o.dim])]);
  for (let i = 0; i < o.depth; i++) x = buildViTBlock(L, x, tokens, o.batch, o);
  x = layerNorm(L, x, o.dim, o.layerNorm ?? "op", vitOpset(o));
  const clsOut = b.op("Gather", [x, b.constant("cls_index", [], "int64", [0])], { axis: 1 });
  b.output(L.linear(clsOut, o.dim, o.numClasses));
  return b.build();
}
