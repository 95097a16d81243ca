/**
 * Kernel configurations as data, and the single-kernel ONNX graphs built from them. A configuration names the anchor
 * op and its geometry plus the ops fused after it (BatchNormalization, an activation, a residual Add); `configKey`
 * gives it a deterministic id, `perturbConfig` draws a neighbour (adaptive sampling), `configFromKernel` reads the
 * configuration of a simulator kernel of a real model, `nnMeterPriors` reads nn-Meter's prior configuration library.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { csvRecords } from "../datasets/csv.js";
import { EdgelatError } from "../errors.js";
import type { Kernel } from "../fusion/types.js";
import { GraphBuilder } from "../ir/builder.js";
import type { Graph } from "../ir/types.js";
import type { Rng } from "../util/rng.js";

export type Act = "none" | "relu" | "relu6" | "hardswish" | "sigmoid";
export const ACTS: readonly Act[] = ["none", "relu", "relu6", "hardswish", "sigmoid"];

export type KernelConfig =
  | { op: "conv"; cin: number; cout: number; h: number; w: number; k: number; s: number; groups: number; bn: boolean; act: Act; residual: boolean }
  | { op: "pool"; kind: "max" | "avg"; c: number; h: number; w: number; k: number; s: number }
  | { op: "gap"; c: number; h: number; w: number }
  | { op: "fc"; cin: number; cout: number; act: Act }
  | { op: "eltwise"; kind: "add" | "mul" | "add-relu" | Exclude<Act, "none">; c: number; h: number; w: number }
  | { op: "concat"; c1: number; c2: number; h: number; w: number }
  /**
   * A binary element-wise op of a TF.js graph model (TF ops, NHWC): the second operand a tensor of the same shape
   * (a residual), a per-channel constant ([c]: a converter-unfused BatchNorm's Mul / Add) or a scalar constant
   * (Maximum / Minimum of a clip_by_value). The wasm backend's cost differs by operand form, not only by size (a
   * broadcast scalar Maximum runs tens of times slower per element than a same-shape AddV2).
   */
  | { op: "tfbinary"; kind: TfBinaryKind; operand: TfOperand; c: number; h: number; w: number };

export type TfBinaryKind = "add" | "mul" | "sub" | "max" | "min" | "sqdiff";
export type TfOperand = "tensor" | "channel" | "scalar";
/** The TF op of each binary kind (the converter writes AddV2 or Add; both run TF.js's Add kernel). */
export const TF_BINARY_OPS: Readonly<Record<TfBinaryKind, string>> = { add: "AddV2", mul: "Mul", sub: "Sub", max: "Maximum", min: "Minimum", sqdiff: "SquaredDifference" };
const TF_BINARY_KIND: Readonly<Record<string, TfBinaryKind>> = { AddV2: "add", Add: "add", Mul: "mul", Sub: "sub", Maximum: "max", Minimum: "min", SquaredDifference: "sqdiff" };
const TF_BINARY_KINDS: ReadonlySet<string> = new Set(Object.keys(TF_BINARY_OPS));
const TF_OPERANDS: ReadonlySet<string> = new Set(["tensor", "channel", "scalar"]);

/** Deterministic id of a configuration: `tpl:<op>:<field>=<value>,…` in a fixed field order. */
export function configKey(cfg: KernelConfig): string {
  const fields = Object.keys(cfg).filter((k) => k !== "op").sort();
  const rec = cfg as unknown as Record<string, unknown>;
  return `tpl:${cfg.op}:${fields.map((f) => `${f}=${String(rec[f])}`).join(",")}`;
}

/** The fields of each template op, sorted (as in `configKey`). */
const FIELDS: Record<KernelConfig["op"], string> = {
  conv: "act,bn,cin,cout,groups,h,k,residual,s,w",
  pool: "c,h,k,kind,s,w",
  gap: "c,h,w",
  fc: "act,cin,cout",
  eltwise: "c,h,kind,w",
  concat: "c1,c2,h,w",
  tfbinary: "c,h,kind,operand,w",
};

/** The configuration a `configKey` names (undefined for any other string): logged template samples are rebuilt from their key. */
export function configFromKey(key: string): KernelConfig | undefined {
  const m = /^tpl:([a-z]+):(.*)$/.exec(key);
  if (m === null || !Object.hasOwn(FIELDS, m[1]!)) return undefined;
  const rec: Record<string, unknown> = { op: m[1] };
  for (const kv of m[2] === "" ? [] : m[2]!.split(",")) {
    const eq = kv.indexOf("=");
    if (eq <= 0) return undefined;
    const v = kv.slice(eq + 1);
    rec[kv.slice(0, eq)] = /^\d+$/.test(v) ? Number(v) : v === "true" ? true : v === "false" ? false : v;
  }
  const cfg = rec as unknown as KernelConfig;
  if (configKey(cfg) !== key || Object.keys(rec).filter((k) => k !== "op").sort().join(",") !== FIELDS[cfg.op]) return undefined;
  try {
    check(cfg);
  } catch {
    return undefined;
  }
  return cfg;
}

/** FLOPs (2 × MACs) of the anchor op, to keep sampled kernels within a time budget. */
export function configFlops(cfg: KernelConfig): number {
  switch (cfg.op) {
    case "conv": {
      const ho = Math.ceil(cfg.h / cfg.s), wo = Math.ceil(cfg.w / cfg.s);
      return 2 * ho * wo * cfg.cout * (cfg.cin / cfg.groups) * cfg.k * cfg.k;
    }
    case "fc":
      return 2 * cfg.cin * cfg.cout;
    case "pool":
      return cfg.c * Math.ceil(cfg.h / cfg.s) * Math.ceil(cfg.w / cfg.s) * cfg.k * cfg.k;
    case "gap":
    case "eltwise":
    case "tfbinary":
      return cfg.c * cfg.h * cfg.w;
    case "concat":
      return (cfg.c1 + cfg.c2) * cfg.h * cfg.w;
  }
}

function activation(b: GraphBuilder, x: string, act: Act): string {
  switch (act) {
    case "none":
      return x;
    case "relu":
      return b.op("Relu", [x]);
    case "relu6":
      return b.op("Clip", [x, b.constant("clip_min", [], "float32", [0]), b.constant("clip_max", [], "float32", [6])]);
    case "hardswish":
      return b.op("HardSwish", [x]);
    case "sigmoid":
      return b.op("Sigmoid", [x]);
  }
}

const positiveInt = (v: number): boolean => Number.isInteger(v) && v >= 1;

function check(cfg: KernelConfig): void {
  const rec = cfg as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(rec)) {
    if (typeof v === "number" && !positiveInt(v)) throw new EdgelatError("invalid_argument", `kernel config ${cfg.op}: ${k} must be a positive integer, got ${v}`);
  }
  if (cfg.op === "tfbinary" && (!TF_BINARY_KINDS.has(cfg.kind) || !TF_OPERANDS.has(cfg.operand))) {
    throw new EdgelatError("invalid_argument", `kernel config tfbinary: unknown kind '${cfg.kind}' or operand '${cfg.operand}'`);
  }
  if (cfg.op === "conv" && (cfg.cin % cfg.groups !== 0 || cfg.cout % cfg.groups !== 0)) {
    throw new EdgelatError("invalid_argument", `kernel config conv: groups ${cfg.groups} must divide cin ${cfg.cin} and cout ${cfg.cout}`);
  }
}

/** The single-kernel graph of a configuration (ONNX ops, NCHW, batch 1; `tfbinary`: TF ops, NHWC, as a TF.js graph model holds them). */
export function buildKernelModel(cfg: KernelConfig): Graph {
  check(cfg);
  if (cfg.op === "tfbinary") {
    const b = new GraphBuilder(configKey(cfg), { tf: 1 }, "tfjs-graph");
    const x = b.input("x", [1, cfg.h, cfg.w, cfg.c]);
    const y = cfg.operand === "tensor" ? b.input("y", [1, cfg.h, cfg.w, cfg.c]) : b.constant("y", cfg.operand === "channel" ? [cfg.c] : []);
    b.output(b.op(TF_BINARY_OPS[cfg.kind], [x, y], { T: "float32" }, { domain: "tf" }));
    return b.build();
  }
  const b = new GraphBuilder(configKey(cfg));
  switch (cfg.op) {
    case "conv": {
      const x = b.input("x", [1, cfg.cin, cfg.h, cfg.w]);
      const p = (cfg.k - 1) >> 1;
      let y = b.op("Conv", [x, b.constant("w", [cfg.cout, cfg.cin / cfg.groups, cfg.k, cfg.k]), ...(cfg.bn ? [] : [b.constant("b", [cfg.cout])])], {
        kernel_shape: [cfg.k, cfg.k], strides: [cfg.s, cfg.s], pads: [p, p, p, p], group: cfg.groups, dilations: [1, 1],
      });
      if (cfg.bn) y = b.op("BatchNormalization", [y, ...["scale", "bias", "mean", "var"].map((q) => b.constant(`bn_${q}`, [cfg.cout]))], { epsilon: 1e-5 });
      if (cfg.residual) {
        const ho = Math.floor((cfg.h + 2 * p - cfg.k) / cfg.s) + 1, wo = Math.floor((cfg.w + 2 * p - cfg.k) / cfg.s) + 1;
        y = b.op("Add", [y, b.input("residual", [1, cfg.cout, ho, wo])]);
      }
      b.output(activation(b, y, cfg.act));
      break;
    }
    case "pool": {
      const x = b.input("x", [1, cfg.c, cfg.h, cfg.w]);
      const p = (cfg.k - 1) >> 1;
      b.output(b.op(cfg.kind === "max" ? "MaxPool" : "AveragePool", [x], { kernel_shape: [cfg.k, cfg.k], strides: [cfg.s, cfg.s], pads: [p, p, p, p] }));
      break;
    }
    case "gap":
      b.output(b.op("GlobalAveragePool", [b.input("x", [1, cfg.c, cfg.h, cfg.w])]));
      break;
    case "fc": {
      const y = b.op("Gemm", [b.input("x", [1, cfg.cin]), b.constant("w", [cfg.cout, cfg.cin]), b.constant("b", [cfg.cout])], { transB: 1 });
      b.output(activation(b, y, cfg.act));
      break;
    }
    case "eltwise": {
      const x = b.input("x", [1, cfg.c, cfg.h, cfg.w]);
      if (cfg.kind === "add" || cfg.kind === "mul" || cfg.kind === "add-relu") {
        const y = b.op(cfg.kind === "mul" ? "Mul" : "Add", [x, b.input("y", [1, cfg.c, cfg.h, cfg.w])]);
        b.output(cfg.kind === "add-relu" ? b.op("Relu", [y]) : y);
      } else b.output(activation(b, x, cfg.kind));
      break;
    }
    case "concat":
      b.output(b.op("Concat", [b.input("x", [1, cfg.c1, cfg.h, cfg.w]), b.input("y", [1, cfg.c2, cfg.h, cfg.w])], { axis: 1 }));
      break;
  }
  return b.build();
}

const ACT_OF: Record<string, Act> = { Relu: "relu", Clip: "relu6", HardSwish: "hardswish", Sigmoid: "sigmoid" };

/**
 * The template configuration of a simulator kernel, when a template covers it (conv family, pools, fc, …). With the
 * kernel's graph, a binary element-wise kernel of TF ops (a TF.js graph model's) reads as a `tfbinary` configuration.
 */
export function configFromKernel(k: Kernel, graph?: Graph): KernelConfig | undefined {
  const f = k.features;
  const ops = k.opTypes;
  const anchor = ops[0];
  if (graph !== undefined && ops.length === 1 && k.nodes.length === 1) {
    const tf = tfBinaryConfig(graph, k.nodes[0]!);
    if (tf !== undefined) return tf;
  }
  const num = (v: number | undefined): number => v ?? 0;
  if (anchor === "Conv" && f.cin && f.cout && f.hIn && f.wIn && f.kernelH && f.kernelH === f.kernelW && f.strideH === f.strideW) {
    const rest = ops.slice(1);
    const bn = rest[0] === "BatchNormalization";
    const after = rest.slice(bn ? 1 : 0);
    const residual = after[0] === "Add";
    const tail = after.slice(residual ? 1 : 0);
    if (tail.length > 1 || (tail.length === 1 && ACT_OF[tail[0]!] === undefined)) return undefined;
    return { op: "conv", cin: f.cin, cout: f.cout, h: f.hIn, w: f.wIn, k: f.kernelH, s: num(f.strideH) || 1, groups: num(f.groups) || 1, bn, act: tail.length ? ACT_OF[tail[0]!]! : "none", residual };
  }
  const shape = f.inputShape;
  if (shape?.length === 4 && (anchor === "MaxPool" || anchor === "AveragePool") && ops.length === 1 && f.kernelH && f.kernelH === f.kernelW) {
    return { op: "pool", kind: anchor === "MaxPool" ? "max" : "avg", c: shape[1]!, h: shape[2]!, w: shape[3]!, k: f.kernelH, s: num(f.strideH) || 1 };
  }
  if (shape?.length === 4 && (anchor === "GlobalAveragePool" || anchor === "ReduceMean") && ops.length === 1 && k.class === "global-pool") {
    return { op: "gap", c: shape[1]!, h: shape[2]!, w: shape[3]! };
  }
  if (anchor === "Gemm" && shape?.length === 2 && f.cout) {
    const tail = ops.slice(1);
    if (tail.length > 1 || (tail.length === 1 && ACT_OF[tail[0]!] === undefined)) return undefined;
    return { op: "fc", cin: shape[1]!, cout: f.cout, act: tail.length ? ACT_OF[tail[0]!]! : "none" };
  }
  if (shape?.length === 4 && k.class === "elementwise") {
    const key = ops.join("-");
    const kind = key === "Add" ? "add" : key === "Mul" ? "mul" : key === "Add-Relu" ? "add-relu" : ops.length === 1 ? ACT_OF[anchor!] : undefined;
    if (kind === undefined || kind === "none") return undefined;
    return { op: "eltwise", kind, c: shape[1]!, h: shape[2]!, w: shape[3]! };
  }
  return undefined;
}

/** A binary element-wise node of TF ops on a rank-4 NHWC tensor as a `tfbinary` configuration (either operand order). */
function tfBinaryConfig(graph: Graph, nodeName: string): KernelConfig | undefined {
  const n = graph.nodes.find((x) => x.name === nodeName);
  const kind = n === undefined || n.domain !== "tf" ? undefined : TF_BINARY_KIND[n.opType];
  if (n === undefined || kind === undefined || n.inputs.length !== 2) return undefined;
  const info = n.inputs.map((t) => graph.tensors.get(t));
  const out = graph.tensors.get(n.outputs[0] ?? "")?.shape;
  if (out?.length !== 4 || out.some((d) => typeof d !== "number" || d < 1) || out[0] !== 1) return undefined;
  const [, h, w, c] = out as number[];
  const operandOf = (t: (typeof info)[number]): TfOperand | "full-activation" | undefined => {
    const s = t?.shape;
    if (s === undefined) return undefined;
    const size = s.reduce<number>((a, d) => a * (typeof d === "number" ? d : NaN), 1);
    if (t!.constant === undefined) return s.length === 4 && size === h! * w! * c! ? "full-activation" : undefined;
    if (size === 1) return "scalar";
    if (size === c && s.length >= 1 && s.at(-1) === c) return "channel";
    return size === h! * w! * c! ? "tensor" : undefined;
  };
  const a = operandOf(info[0]), b = operandOf(info[1]);
  // one activation of the output's shape and the other operand as above (a scalar or channel constant, or a tensor)
  const other = a === "full-activation" ? b : b === "full-activation" ? a : undefined;
  if (other === undefined) return undefined;
  return { op: "tfbinary", kind, operand: other === "full-activation" ? "tensor" : other, c: c!, h: h!, w: w! };
}

const round8 = (v: number): number => (v <= 8 ? Math.max(1, Math.round(v)) : Math.max(8, Math.round(v / 8) * 8));

/** A neighbour of a configuration: channels and spatial size scaled by random factors (depthwise stays depthwise). */
export function perturbConfig(cfg: KernelConfig, rng: Rng): KernelConfig {
  const factors = [0.5, 0.75, 1.25, 1.5, 2];
  const f = (): number => factors[rng.int(0, factors.length)]!;
  const sp = (v: number): number => Math.max(4, Math.min(320, Math.round(v * (rng.next() < 0.5 ? 1 : f()))));
  const ch = (v: number): number => Math.max(1, Math.min(2048, round8(v * (rng.next() < 0.4 ? 1 : f()))));
  switch (cfg.op) {
    case "conv": {
      const h = sp(cfg.h);
      const dw = cfg.groups === cfg.cin && cfg.groups === cfg.cout && cfg.groups > 1;
      if (dw) {
        const c = ch(cfg.cin);
        return { ...cfg, cin: c, cout: c, groups: c, h, w: h === cfg.h ? cfg.w : sp(cfg.w) };
      }
      const g = cfg.groups;
      let cin = ch(cfg.cin), cout = ch(cfg.cout);
      if (g > 1) {
        cin = Math.max(g, Math.round(cin / g) * g);
        cout = Math.max(g, Math.round(cout / g) * g);
      }
      return { ...cfg, cin, cout, h, w: h === cfg.h ? cfg.w : sp(cfg.w) };
    }
    case "pool":
    case "gap":
    case "eltwise":
    case "tfbinary": {
      const h = sp(cfg.h);
      return { ...cfg, c: ch(cfg.c), h, w: h === cfg.h ? cfg.w : sp(cfg.w) };
    }
    case "fc":
      return { ...cfg, cin: ch(cfg.cin), cout: ch(cfg.cout) };
    case "concat": {
      const h = sp(cfg.h);
      return { ...cfg, c1: ch(cfg.c1), c2: ch(cfg.c2), h, w: h === cfg.h ? cfg.w : sp(cfg.w) };
    }
  }
}

/**
 * nn-Meter's prior configuration library (`<dataRoot>/nn-meter/prior_config_lib/{conv,dwconv,fc,pooling}.csv`,
 * shapes of real CNNs) as template configurations with BatchNormalization + ReLU after convolutions. Missing folder → [].
 */
export function nnMeterPriors(root: string | undefined): KernelConfig[] {
  if (root === undefined) return [];
  const dir = join(root, "nn-meter", "prior_config_lib");
  if (!existsSync(dir)) return [];
  const read = (f: string): Record<string, string>[] => (existsSync(join(dir, f)) ? csvRecords(readFileSync(join(dir, f), "utf8")) : []);
  const n = (r: Record<string, string>, k: string): number => Number(r[k]);
  const out: KernelConfig[] = [];
  for (const r of [...read("conv.csv"), ...read("dwconv.csv")]) {
    const cfg: KernelConfig = { op: "conv", cin: n(r, "cin"), cout: n(r, "cout"), h: n(r, "input_h"), w: n(r, "input_w"), k: n(r, "ks"), s: n(r, "stride"), groups: n(r, "groups") || 1, bn: true, act: "relu", residual: false };
    if ([cfg.cin, cfg.cout, cfg.h, cfg.w, cfg.k, cfg.s, cfg.groups].every(positiveInt) && cfg.cin % cfg.groups === 0 && cfg.cout % cfg.groups === 0) out.push(cfg);
  }
  for (const r of read("fc.csv")) {
    const cfg: KernelConfig = { op: "fc", cin: n(r, "cin"), cout: n(r, "cout"), act: "none" };
    if (positiveInt(cfg.cin) && positiveInt(cfg.cout)) out.push(cfg);
  }
  for (const r of read("pooling.csv")) {
    const cfg: KernelConfig = { op: "pool", kind: "max", c: n(r, "cin"), h: n(r, "input_h"), w: n(r, "input_w"), k: n(r, "ks"), s: n(r, "stride") };
    if ([cfg.c, cfg.h, cfg.w, cfg.k, cfg.s].every(positiveInt)) out.push(cfg);
  }
  return out;
}
