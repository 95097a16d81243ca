/**
 * An executor for the simulator's IR graphs (ONNX ops, NCHW) on TensorFlow.js: each executed node becomes the TF.js
 * ops a TF.js port of the layer would call — `Conv` → `tf.fused.conv2d` / `tf.fused.depthwiseConv2d` (one
 * `FusedConv2D` / `FusedDepthwiseConv2D` kernel with its bias), `BatchNormalization` → `tf.batchNorm`, `Gemm` →
 * `tf.fused.matMul`, pools, element-wise ops, … — on NHWC activations (TF.js's layout: a rank-4 IR tensor is held as
 * NHWC, constants are generated directly in the layout the op wants). Weights are seeded random values scaled by
 * 1/√fan-in (activations stay bounded: no overflow, no denormals). No fusion across nodes: each node runs its own
 * kernels, which is what the `tfjs-wasm@4.22` rule set simulates for a graph of ONNX ops.
 *
 * `compileGraph` checks every executed node and creates the constants once; `run` executes the graph, optionally timing
 * each node (process CPU time: the wasm backend runs its kernels synchronously on this thread).
 */
import { EdgelatError } from "../errors.js";
import type { Graph, Node } from "../ir/types.js";
import type { InferredGraph } from "../shape/types.js";
import { createRng } from "../util/rng.js";
import type { TfjsModule } from "./runtime.js";
import type { TraceNodeEvent } from "./trace.js";

type Tensor = import("@tensorflow/tfjs").Tensor;
type Tensor4D = import("@tensorflow/tfjs").Tensor4D;

/** A runtime value: its tensor and whether it is a rank-4 NCHW IR tensor held as NHWC. */
interface Val {
  t: Tensor;
  nhwc: boolean;
}

/** Ops whose nodes the executor runs. */
const UNARY = ["Relu", "Sigmoid", "Tanh", "Clip", "HardSwish", "HardSigmoid", "LeakyRelu", "Exp", "Sqrt", "Abs", "Neg", "Erf", "Identity", "Softplus", "Elu", "Gelu", "Reciprocal", "Floor", "Ceil", "Round", "Log"] as const;
const BINARY = ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"] as const;
const SHAPE_OPS = ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Expand"] as const;
/** TF graph-model ops (domain "tf", NHWC as they are) the executor runs: the common ops of converted TF.js models. */
export const TFJS_EXEC_TF_OPS: ReadonlySet<string> = new Set<string>([
  "_FusedConv2D", "Conv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative", "_FusedMatMul", "MatMul",
  "AddV2", "Add", "Mul", "Sub", "RealDiv", "Maximum", "Minimum", "SquaredDifference", "AddN",
  "Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual", "FloorDiv", "FloorMod", "Cast",
  "Relu", "Relu6", "Sigmoid", "Tanh", "Exp", "Sqrt", "Rsqrt", "Identity", "Prelu", "Elu",
  "MaxPool", "AvgPool", "Mean", "Max", "Sum", "Reshape", "Squeeze", "ExpandDims", "ConcatV2", "Pad", "PadV2", "MirrorPad",
  "ResizeBilinear", "ResizeNearestNeighbor", "Softmax", "Transpose",
]);
export const TFJS_EXEC_OPS: ReadonlySet<string> = new Set<string>([
  ...UNARY, ...BINARY, ...SHAPE_OPS,
  "Conv", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax", "ReduceSum",
  "Gemm", "MatMul", "Concat", "Softmax", "Dropout",
]);
/** Ops that launch nothing (constants); folded shape computations are skipped too. */
const NO_KERNEL = new Set(["Constant"]);

/** Nodes of an inferred graph the executor runs (not folded, not constants). */
export function executedNodes(inferred: InferredGraph): Node[] {
  return inferred.graph.nodes.filter((n) => !inferred.folded.has(n.name) && !NO_KERNEL.has(n.opType));
}

/** The op types of an inferred graph the executor cannot run ([] = it runs the whole graph). */
export function unsupportedOps(inferred: InferredGraph): string[] {
  const out = new Set<string>();
  for (const n of executedNodes(inferred)) {
    const ok = n.domain === "tf" ? TFJS_EXEC_TF_OPS.has(n.opType) : (n.domain === "" || n.domain === "ai.onnx") && TFJS_EXEC_OPS.has(n.opType);
    if (!ok) out.add(n.opType);
  }
  return [...out].sort();
}

/** tfjs-backend-wasm 4.22's depthwise convolution applies the first stride to both axes (a [2, 1] stride halves the width too). */
const unequalDepthwiseStrides = (n: Node, strides: readonly number[]): EdgelatError =>
  unsupported(n, `depthwise convolution with unequal strides [${strides.join(", ")}] (the wasm backend computes it with the first stride on both axes)`);
const unsupported = (n: Node, why: string): EdgelatError =>
  new EdgelatError("unsupported_op", `tfjs executor: node '${n.name}' (${n.opType}): ${why}`, { node: n.name, opType: n.opType });

function ints(n: Node, name: string, fallback: number[]): number[] {
  const v = n.attrs[name];
  if (v === undefined) return fallback;
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return v as number[];
  if (typeof v === "number") return [v];
  throw new EdgelatError("invalid_attribute", `node '${n.name}': attribute ${name} is not a list of ints`, { node: n.name });
}
const num = (n: Node, name: string, fallback: number): number => {
  const v = n.attrs[name];
  return typeof v === "number" ? v : fallback;
};
const str = (n: Node, name: string, fallback: string): string => {
  const v = n.attrs[name];
  return typeof v === "string" ? v : fallback;
};

/** NCHW axis → its position in NHWC. */
/** Element-wise ops lowered to a single TF.js op; ONNX and TF spell these the same. */
const elementwiseOps = (tf: TfjsModule): Readonly<Record<string, (t: Tensor) => Tensor>> => ({
  Relu: (t) => tf.relu(t), Relu6: (t) => tf.relu6(t), Elu: (t) => tf.elu(t), Sigmoid: (t) => tf.sigmoid(t),
  Tanh: (t) => tf.tanh(t), Exp: (t) => tf.exp(t), Log: (t) => tf.log(t), Sqrt: (t) => tf.sqrt(t), Rsqrt: (t) => tf.rsqrt(t),
  Abs: (t) => tf.abs(t), Neg: (t) => tf.neg(t), Erf: (t) => tf.erf(t), Floor: (t) => tf.floor(t), Ceil: (t) => tf.ceil(t),
  Round: (t) => tf.round(t), Reciprocal: (t) => tf.reciprocal(t), Softplus: (t) => tf.softplus(t), Identity: (t) => tf.clone(t),
});

const NHWC_AXIS = [0, 3, 1, 2];

/** The TF.js dtype of a graph dtype the executor runs (int64 is held as int32, as TF.js holds it). */
function tfDtype(dtype: string): "float32" | "int32" | "bool" | undefined {
  if (dtype === "float32" || dtype === "int32" || dtype === "bool") return dtype;
  return dtype === "int64" ? "int32" : undefined;
}

export interface CompiledGraph {
  /** Runs the graph once; with `timed`, one event per executed node (process CPU µs of its ops). */
  run(timed: boolean): TraceNodeEvent[] | undefined;
  /** Runs the graph once and returns its outputs as TF.js holds them (NHWC for rank-4 IR tensors); the caller disposes them. */
  outputs(): Tensor[];
  /**
   * The tensors the executor feeds for these graph inputs / constants / TF filters (plain layout: a TF graph's tensors as
   * they are; owned by the program). A name it holds no such tensor for → `EdgelatError("invalid_argument")`.
   */
  inputValues(names: readonly string[]): Tensor[];
  /** Names of the TF.js kernels one run launches, in order (`tf.profile`, op wrappers `*__op` dropped). */
  kernelNames(): Promise<string[]>;
  /** TF.js kernels one run launches, layout conversions and helpers included. */
  kernelCount(): Promise<number>;
  dispose(): void;
}

/**
 * Compiles an inferred graph (every shape fixed) for TF.js: constants and input feeds are created now (seeded), each
 * executed node becomes a closure over them. Unsupported op → `EdgelatError("unsupported_op")`.
 */
export function compileGraph(tf: TfjsModule, inferred: InferredGraph, seed = 7): CompiledGraph {
  return compile(tf, inferred, seed);
}

/**
 * Checks that the executor runs every node of an inferred graph (ops, attributes, fixed shapes) without creating any
 * tensor: throws what `compileGraph` would (`unsupported_op`, `invalid_shape`, …).
 */
export function checkGraph(inferred: InferredGraph): void {
  compile(undefined, inferred, 0);
}

function compile(tfOrDry: TfjsModule | undefined, inferred: InferredGraph, seed: number): CompiledGraph {
  // dry (no TF.js): every check runs, no tensor is created and the closures are never called
  const dry = tfOrDry === undefined;
  const tf = tfOrDry ?? ({} as TfjsModule);
  const ELEMENTWISE = elementwiseOps(tf);
  const g: Graph = inferred.graph;
  const nodes = executedNodes(inferred);
  const bad = unsupportedOps(inferred);
  if (bad.length > 0) throw new EdgelatError("unsupported_op", `the TF.js executor cannot run ${bad.join(", ")} (graph '${g.name}')`, { ops: bad, graph: g.name });
  const produced = new Set<string>();
  for (const n of nodes) for (const o of n.outputs) if (o !== "") produced.add(o);
  const graphInputs = new Set(g.inputs);
  const shapeOf = (name: string): number[] => {
    const s = g.tensors.get(name)?.shape;
    if (s === undefined || s.some((d) => typeof d !== "number" || d < 0)) {
      throw new EdgelatError("invalid_shape", `tensor '${name}' of '${g.name}' has no fixed shape (${JSON.stringify(s)}); fix the input dims`, { tensor: name });
    }
    return s as number[];
  };
  const isConst = (name: string): boolean => !produced.has(name) && !graphInputs.has(name);
  // a TF.js graph model's IR (TF ops) holds NHWC tensors as they are: nothing is converted
  const nhwcGraph = nodes.some((n) => n.domain === "tf");
  if (nhwcGraph && nodes.some((n) => n.domain !== "tf")) throw new EdgelatError("unsupported_op", `graph '${g.name}' mixes TF and ONNX ops`, { graph: g.name });
  const rng = createRng(seed);
  const owned: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => (owned.push(t), t);
  const placeholder = {} as Tensor;
  const random = (shape: number[], scale: number): Tensor => {
    if (dry) return placeholder;
    const size = shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(size);
    for (let i = 0; i < size; i++) a[i] = (rng.next() * 2 - 1) * scale;
    return keep(tf.tensor(a, shape, "float32"));
  };
  const fill = (shape: number[], v: number): Tensor => (dry ? placeholder : keep(tf.fill(shape, v, "float32")));
  /**
   * A tensor of a TF graph's int / bool dtype (a Cast's or a comparison's operand, a FloorDiv's divisor): its kept
   * values, else seeded values — integers 1…8 (never a zero divisor), booleans half true.
   */
  const typed = (name: string, s: number[], dtype: string, kept?: readonly number[]): Tensor => {
    const to = tfDtype(dtype);
    if (to === undefined || !nhwcGraph) throw new EdgelatError("invalid_argument", `tensor '${name}' has dtype ${dtype}; the TF.js executor runs float32 tensors (and int32 / bool ones of TF graphs) only`, { tensor: name, dtype });
    if (dry) return placeholder;
    const size = s.reduce((a, b) => a * b, 1);
    if (kept !== undefined && kept.length === size) return keep(tf.tensor([...kept], s, to));
    const a = new Int32Array(size);
    for (let i = 0; i < size; i++) a[i] = to === "bool" ? (rng.next() < 0.5 ? 1 : 0) : 1 + Math.floor(rng.next() * 8);
    return keep(tf.tensor(a, s, to));
  };
  /** The tensors the executor created for graph tensors (inputs, constants, filters), by name: `inputValues`. */
  const named = new Map<string, Tensor>();
  const record = <T extends Tensor>(name: string, t: T): T => (named.set(name, t), t);
  /**
   * A constant input: the values the graph keeps for it (small constants: a clip's 0 and 6, a BatchNorm's per-channel
   * shift — part of the kernel's configuration), else random values in its IR shape, fan-in scaled. The wasm backend's
   * time for a broadcast Maximum / Minimum depends on the data (its per-element branch): ~12 ns per element when the
   * outcome flips at random, ~5 ns when it never does — against a U(−1, 1) feed, Maximum(x, 0) flips and Minimum(x, 6)
   * does not; with random constants near 0 both flip (measured 11.5 ns each, twice what the real faceres runs).
   */
  const constant = (name: string): Tensor => {
    const s = shapeOf(name);
    const info = g.tensors.get(name);
    const kept = info?.constant?.values;
    const dtype = info?.dtype ?? "float32";
    if (dtype !== "float32" && nhwcGraph) return record(name, typed(name, s, dtype, kept));
    if (kept !== undefined && kept.length === s.reduce((a, b) => a * b, 1)) return record(name, dry ? placeholder : keep(tf.tensor(kept, s, "float32")));
    const fanIn = s.length >= 2 ? s.slice(1).reduce((a, b) => a * b, 1) : 1;
    return record(name, random(s, s.length >= 2 ? Math.sqrt(3 / Math.max(1, fanIn)) : 0.1));
  };
  const toNhwcShape = (s: number[]): number[] => [s[0]!, s[2]!, s[3]!, s[1]!];

  // ---- layout conversions (inside a node's tidy scope) ----
  const plain = (v: Val): Tensor => {
    if (!v.nhwc) return v.t;
    const [n, h, w, c] = v.t.shape as number[];
    return h === 1 && w === 1 ? tf.reshape(v.t, [n!, c!, 1, 1]) : tf.transpose(v.t, [0, 3, 1, 2]);
  };
  const nhwcOf = (t: Tensor): Tensor => {
    const s = [...Array(Math.max(0, 4 - t.rank)).fill(1), ...t.shape] as number[];
    const r = t.rank === 4 ? t : tf.reshape(t, s);
    return s[2] === 1 && s[3] === 1 ? tf.reshape(r, toNhwcShape(s)) : tf.transpose(r, [0, 2, 3, 1]);
  };
  const asNhwc = (v: Val): Tensor => (v.nhwc ? v.t : nhwcOf(v.t));
  /** A plain result of IR rank 4 becomes NHWC; other ranks stay plain. */
  const result = (t: Tensor, irRank: number): Val => (irRank === 4 ? { t: nhwcOf(t), nhwc: true } : { t, nhwc: false });

  type Get = (name: string) => Val;
  type Fn = (get: Get) => Val[];
  const constVal = new Map<string, Val>();
  /** An input: a constant as a plain Val (created once), else the runtime value. */
  const input = (name: string): ((get: Get) => Val) => {
    if (!isConst(name)) return (get) => get(name);
    let v = constVal.get(name);
    if (v === undefined) constVal.set(name, (v = { t: constant(name), nhwc: false }));
    const c = v;
    return () => c;
  };
  /** An operand of a rank-4 element-wise op in NHWC: constants converted once here. */
  const nhwcInput = (name: string): ((get: Get) => Tensor) => {
    if (!isConst(name)) return (get) => asNhwc(get(name));
    const t = dry ? placeholder : keep(tf.tidy(() => nhwcOf(constant(name))));
    return () => t;
  };

  // ---- TF graph-model ops: tensors are NHWC already, no layout conversion ----
  const constValues = (name: string | undefined): number[] | undefined => (name ? g.tensors.get(name)?.constant?.values : undefined);
  const tfPad = (n: Node): "same" | "valid" | [[number, number], [number, number], [number, number], [number, number]] => {
    const padding = str(n, "padding", "VALID");
    if (padding === "SAME") return "same";
    if (padding === "EXPLICIT") {
      const e = ints(n, "explicit_paddings", [0, 0, 0, 0, 0, 0, 0, 0]);
      return [[e[0]!, e[1]!], [e[2]!, e[3]!], [e[4]!, e[5]!], [e[6]!, e[7]!]];
    }
    return "valid";
  };
  const hw = (v: number[]): [number, number] => (v.length === 4 ? [v[1]!, v[2]!] : [v[0] ?? 1, v[1] ?? v[0] ?? 1]);
  type Act = "linear" | "relu" | "relu6" | "elu" | "prelu" | "leakyrelu" | "sigmoid";
  const ACTS: Record<string, Act> = { Relu: "relu", Relu6: "relu6", Elu: "elu", Prelu: "prelu", LeakyRelu: "leakyrelu", Sigmoid: "sigmoid" };
  const compileTfNode = (n: Node): Fn => {
    const x = n.inputs[0] ?? "";
    const y = n.outputs[0]!;
    const ys = shapeOf(y);
    const X = input(x);
    const op = n.opType;
    const get1 = (get: Get): Tensor => X(get).t;
    const same = (f: (t: Tensor) => Tensor): Fn => (get) => [{ t: f(get1(get)), nhwc: false }];
    const fused = (): { bias?: Tensor; activation: Act; preluActivationWeights?: Tensor; leakyreluAlpha?: number } => {
      const ops = (n.attrs.fused_ops as string[] | undefined) ?? [];
      const cout = ys.at(-1)!;
      const hasBias = ops.includes("BiasAdd") || ops.includes("FusedBatchNorm");
      const actName = ops.find((o) => o !== "BiasAdd" && o !== "FusedBatchNorm");
      if (actName !== undefined && ACTS[actName] === undefined) throw unsupported(n, `fused activation ${actName}`);
      const activation = actName === undefined ? "linear" : ACTS[actName]!;
      return {
        ...(hasBias ? { bias: random([cout], 0.1) } : {}),
        activation,
        ...(activation === "prelu" ? { preluActivationWeights: random([cout], 0.1) } : {}),
        ...(activation === "leakyrelu" ? { leakyreluAlpha: num(n, "leakyrelu_alpha", 0.2) } : {}),
      };
    };
    const ew = ELEMENTWISE[op];
    if (ew !== undefined && TFJS_EXEC_TF_OPS.has(op)) return same(ew);
    switch (op) {
      case "Softmax": return same((t) => tf.softmax(t));
      case "Prelu": {
        const alpha = input(n.inputs[1]!);
        return (get) => [{ t: tf.prelu(get1(get), alpha(get).t), nhwc: false }];
      }
      case "Cast": {
        const to = tfDtype(str(n, "DstT", "float32"));
        if (to === undefined) throw unsupported(n, `cast to ${str(n, "DstT", "?")}`);
        return same((t) => tf.cast(t, to));
      }
      case "AddV2": case "Add": case "Mul": case "Sub": case "RealDiv": case "Maximum": case "Minimum": case "SquaredDifference":
      case "Equal": case "NotEqual": case "Less": case "LessEqual": case "Greater": case "GreaterEqual": case "FloorDiv": case "FloorMod": {
        const fns: Record<string, (a: Tensor, b: Tensor) => Tensor> = {
          AddV2: tf.add, Add: tf.add, Mul: tf.mul, Sub: tf.sub, RealDiv: tf.div, Maximum: tf.maximum, Minimum: tf.minimum, SquaredDifference: tf.squaredDifference,
          Equal: tf.equal, NotEqual: tf.notEqual, Less: tf.less, LessEqual: tf.lessEqual, Greater: tf.greater, GreaterEqual: tf.greaterEqual, FloorDiv: tf.floorDiv, FloorMod: tf.mod,
        };
        const f = fns[op]!;
        const a = input(n.inputs[0]!), b = input(n.inputs[1]!);
        return (get) => [{ t: f(a(get).t, b(get).t), nhwc: false }];
      }
      case "AddN": {
        const parts = n.inputs.map((i) => input(i));
        return (get) => [{ t: tf.addN(parts.map((p) => p(get).t)), nhwc: false }];
      }
      case "_FusedConv2D": case "Conv2D": case "DepthwiseConv2dNative": case "FusedDepthwiseConv2dNative": {
        const w = n.inputs[1]!;
        if (!isConst(w)) throw unsupported(n, "filter computed at run time");
        const fs = shapeOf(w);
        if (fs.length !== 4 || shapeOf(x).length !== 4) throw unsupported(n, "2-D NHWC convolutions only");
        if (str(n, "data_format", "NHWC") !== "NHWC") throw unsupported(n, "data_format other than NHWC");
        const filter = record(w, random(fs, Math.sqrt(3 / (fs[0]! * fs[1]! * fs[2]!))) as Tensor4D);
        const strides = hw(ints(n, "strides", [1, 1, 1, 1]));
        const dilations = hw(ints(n, "dilations", [1, 1, 1, 1]));
        const pad = tfPad(n);
        const f = op === "_FusedConv2D" || op === "FusedDepthwiseConv2dNative" ? fused() : { activation: "linear" as Act };
        if (op === "_FusedConv2D" || op === "Conv2D") return (get) => [{ t: tf.fused.conv2d({ x: get1(get) as Tensor4D, filter, strides, pad, dilations, ...f }), nhwc: false }];
        if (strides[0] !== strides[1]) throw unequalDepthwiseStrides(n, strides);
        const explicit = Array.isArray(pad);
        return (get) => {
          const xi = get1(get) as Tensor4D;
          return [{ t: tf.fused.depthwiseConv2d({ x: explicit ? (tf.pad(xi, pad) as Tensor4D) : xi, filter, strides, pad: explicit ? "valid" : (pad as "same" | "valid"), dilations, ...f }), nhwc: false }];
        };
      }
      case "_FusedMatMul": case "MatMul": {
        const b = n.inputs[1]!;
        const ta = num(n, "transpose_a", 0) === 1, tb = num(n, "transpose_b", 0) === 1;
        const B = isConst(b) ? random(shapeOf(b), Math.sqrt(3 / shapeOf(b)[tb ? 1 : 0]!)) : undefined;
        const Bin = input(b);
        const f = op === "_FusedMatMul" ? fused() : { activation: "linear" as Act };
        type T2 = import("@tensorflow/tfjs").Tensor2D;
        return (get) => [{ t: tf.fused.matMul({ a: get1(get) as T2, b: (B ?? Bin(get).t) as T2, transposeA: ta, transposeB: tb, ...f }), nhwc: false }];
      }
      case "MaxPool": case "AvgPool": {
        const k = hw(ints(n, "ksize", [1, 1, 1, 1]));
        const st = hw(ints(n, "strides", [1, 1, 1, 1]));
        const pad = tfPad(n);
        const f = op === "MaxPool" ? tf.maxPool : tf.avgPool;
        return (get) => [{ t: f(get1(get) as Tensor4D, k, st, pad), nhwc: false }];
      }
      case "Mean": case "Max": case "Sum": {
        const xr = shapeOf(x).length;
        const axes = (constValues(n.inputs[1]) ?? []).map((a) => (a < 0 ? a + xr : a));
        if (n.inputs[1] && constValues(n.inputs[1]) === undefined) throw unsupported(n, "reduction axes computed at run time");
        const keep = num(n, "keep_dims", 0) === 1;
        const f = op === "Mean" ? tf.mean : op === "Max" ? tf.max : tf.sum;
        return (get) => [{ t: f(get1(get), axes, keep), nhwc: false }];
      }
      case "Reshape": case "Squeeze": case "ExpandDims":
        return (get) => [{ t: tf.reshape(get1(get), ys), nhwc: false }];
      case "Transpose": {
        const perm = constValues(n.inputs[1]);
        if (perm === undefined) throw unsupported(n, "permutation computed at run time");
        return (get) => [{ t: tf.transpose(get1(get), perm), nhwc: false }];
      }
      case "ConcatV2": {
        const data = n.inputs.slice(0, -1);
        const axis = constValues(n.inputs.at(-1))?.[0];
        if (axis === undefined) throw unsupported(n, "axis computed at run time");
        const parts = data.map((i) => input(i));
        return (get) => [{ t: tf.concat(parts.map((p) => p(get).t), axis < 0 ? axis + ys.length : axis), nhwc: false }];
      }
      case "Pad": case "PadV2": case "MirrorPad": {
        const v = constValues(n.inputs[1]);
        if (v === undefined) throw unsupported(n, "paddings computed at run time");
        const pairs = Array.from({ length: v.length / 2 }, (_, i) => [v[2 * i]!, v[2 * i + 1]!] as [number, number]);
        if (op === "MirrorPad") {
          const mode = str(n, "mode", "REFLECT").toLowerCase() as "reflect" | "symmetric";
          return (get) => [{ t: tf.mirrorPad(get1(get), pairs, mode), nhwc: false }];
        }
        const c = op === "PadV2" ? (constValues(n.inputs[2])?.[0] ?? 0) : 0;
        return (get) => [{ t: tf.pad(get1(get), pairs, c), nhwc: false }];
      }
      case "ResizeBilinear": case "ResizeNearestNeighbor": {
        const size: [number, number] = [ys[1]!, ys[2]!];
        const align = num(n, "align_corners", 0) === 1, half = num(n, "half_pixel_centers", 0) === 1;
        const f = op === "ResizeBilinear" ? tf.image.resizeBilinear : tf.image.resizeNearestNeighbor;
        return (get) => [{ t: f(get1(get) as Tensor4D, size, align, half), nhwc: false }];
      }
      default:
        throw unsupported(n, "no TF.js lowering");
    }
  };

  const compileNode = (n: Node): Fn => {
    const x = n.inputs[0] ?? "";
    const y = n.outputs[0]!;
    const outRank = shapeOf(y).length;
    const xs = x === "" ? [] : shapeOf(x);
    const op = n.opType;
    const unary = (f: (t: Tensor) => Tensor): Fn => (get) => [{ t: f(get(x).t), nhwc: get(x).nhwc }];
    const ew = ELEMENTWISE[op];
    if (ew !== undefined && TFJS_EXEC_OPS.has(op)) return unary(ew);
    switch (op) {
      case "Dropout": return unary((t) => tf.clone(t));
      case "LeakyRelu": return unary((t) => tf.leakyRelu(t, num(n, "alpha", 0.01)));
      case "Gelu": return unary((t) => tf.mul(tf.mul(t, 0.5), tf.add(tf.erf(tf.mul(t, Math.SQRT1_2)), 1)));
      case "Clip": {
        const lo = n.inputs[1] ? (g.tensors.get(n.inputs[1])?.constant?.values?.[0] ?? 0) : num(n, "min", -3.4e38);
        const hi = n.inputs[2] ? (g.tensors.get(n.inputs[2])?.constant?.values?.[0] ?? 6) : num(n, "max", 3.4e38);
        return unary((t) => tf.clipByValue(t, lo, hi));
      }
      // x·relu6(x + 3)/6 and relu6(x·α + β)·…: the element-wise ops a TF.js model of these activations runs
      case "HardSwish": return unary((t) => tf.mul(t, tf.mul(tf.relu6(tf.add(t, 3)), 1 / 6)));
      case "HardSigmoid": return unary((t) => tf.clipByValue(tf.add(tf.mul(t, num(n, "alpha", 0.2)), num(n, "beta", 0.5)), 0, 1));
      case "Add": case "Sub": case "Mul": case "Div": case "Pow": case "Max": case "Min": {
        const fns: Record<string, (a: Tensor, b: Tensor) => Tensor> = { Add: tf.add, Sub: tf.sub, Mul: tf.mul, Div: tf.div, Pow: tf.pow, Max: tf.maximum, Min: tf.minimum };
        const f = fns[op]!;
        if (outRank === 4) {
          const a = nhwcInput(n.inputs[0]!), b = nhwcInput(n.inputs[1]!);
          return (get) => [{ t: f(a(get), b(get)), nhwc: true }];
        }
        const a = input(n.inputs[0]!), b = input(n.inputs[1]!);
        return (get) => [{ t: f(plain(a(get)), plain(b(get))), nhwc: false }];
      }
      case "Conv": {
        if (xs.length !== 4) throw unsupported(n, `rank-${xs.length} convolution (2-D only)`);
        const w = n.inputs[1]!;
        if (!isConst(w)) throw unsupported(n, "weights computed at run time");
        const [cout, cinG, kh, kw] = shapeOf(w) as [number, number, number, number];
        const cin = xs[1]!;
        const group = num(n, "group", 1);
        const strides = ints(n, "strides", [1, 1]) as [number, number];
        const dil = ints(n, "dilations", [1, 1]) as [number, number];
        const autoPad = str(n, "auto_pad", "NOTSET");
        const p = ints(n, "pads", [0, 0, 0, 0]);
        const pad: "same" | "valid" | number | [[number, number], [number, number], [number, number], [number, number]] =
          autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER" ? "same"
          : autoPad === "VALID" || p.every((v) => v === 0) ? "valid"
          : p.every((v) => v === p[0]) ? p[0]!
          : [[0, 0], [p[0]!, p[2]!], [p[1]!, p[3]!], [0, 0]];
        const bias = n.inputs[2] ? random([cout], 0.1) : undefined;
        const scale = Math.sqrt(3 / (cinG * kh * kw));
        if (group === 1) {
          const filter = random([kh, kw, cin, cout], scale) as Tensor4D;
          return (get) => [{ t: tf.fused.conv2d({ x: asNhwc(get(x)) as Tensor4D, filter, strides, pad, dilations: dil, ...(bias ? { bias } : {}) }), nhwc: true }];
        }
        if (group === cin && cinG === 1) {
          if (strides[0] !== strides[1]) throw unequalDepthwiseStrides(n, strides);
          const filter = random([kh, kw, cin, cout / cin], scale) as Tensor4D;
          // the fused depthwise op takes symmetric padding only: asymmetric pads are a PadV2 before a 'valid' conv
          const explicit = Array.isArray(pad);
          return (get) => {
            const xi = asNhwc(get(x)) as Tensor4D;
            const xin = explicit ? (tf.pad(xi, pad) as Tensor4D) : xi;
            return [{ t: tf.fused.depthwiseConv2d({ x: xin, filter, strides, pad: explicit ? "valid" : (pad as "same" | "valid" | number), dilations: dil, ...(bias ? { bias } : {}) }), nhwc: true }];
          };
        }
        if (cin % group !== 0 || cout % group !== 0) throw unsupported(n, `group ${group} does not divide ${cin} → ${cout} channels`);
        // grouped convolution: split, one convolution per group, concat (as TF.js's converter lowers it)
        const filters = Array.from({ length: group }, () => random([kh, kw, cinG, cout / group], scale) as Tensor4D);
        return (get) => {
          const parts = tf.split(asNhwc(get(x)), group, 3) as Tensor4D[];
          const outs = parts.map((part, i) => tf.conv2d(part, filters[i]!, strides, pad, "NHWC", dil));
          const cat = tf.concat(outs, 3);
          return [{ t: bias ? tf.add(cat, bias) : cat, nhwc: true }];
        };
      }
      case "BatchNormalization": {
        const c = xs[1]!;
        const [mean, variance, offset, scale] = [fill([c], 0), fill([c], 1), fill([c], 0), fill([c], 1)];
        const eps = num(n, "epsilon", 1e-5);
        if (xs.length === 4) return (get) => [{ t: tf.batchNorm(asNhwc(get(x)), mean, variance, offset, scale, eps), nhwc: true }];
        if (xs.length === 2) return (get) => [{ t: tf.batchNorm(plain(get(x)), mean, variance, offset, scale, eps), nhwc: false }];
        throw unsupported(n, `rank-${xs.length} input`);
      }
      case "MaxPool":
      case "AveragePool": {
        if (xs.length !== 4) throw unsupported(n, `rank-${xs.length} pooling (2-D only)`);
        const k = ints(n, "kernel_shape", [1, 1]) as [number, number];
        const s = ints(n, "strides", [1, 1]) as [number, number];
        if (num(n, "ceil_mode", 0) !== 0) throw unsupported(n, "ceil_mode");
        const autoPad = str(n, "auto_pad", "NOTSET");
        const p = ints(n, "pads", [0, 0, 0, 0]);
        const symmetric = p.every((v) => v === p[0]);
        const pad = autoPad.startsWith("SAME") ? "same" : autoPad === "VALID" || p.every((v) => v === 0) ? "valid" : symmetric ? p[0]! : "valid";
        const explicit: [[number, number], [number, number], [number, number], [number, number]] | undefined =
          !autoPad.startsWith("SAME") && autoPad !== "VALID" && !symmetric ? [[0, 0], [p[0]!, p[2]!], [p[1]!, p[3]!], [0, 0]] : undefined;
        const f = op === "MaxPool" ? tf.maxPool : tf.avgPool;
        return (get) => {
          const xi = asNhwc(get(x)) as Tensor4D;
          return [{ t: f(explicit ? (tf.pad(xi, explicit) as Tensor4D) : xi, k, s, pad), nhwc: true }];
        };
      }
      case "GlobalAveragePool":
      case "GlobalMaxPool": {
        if (xs.length !== 4) throw unsupported(n, `rank-${xs.length} input`);
        const f = op === "GlobalAveragePool" ? tf.mean : tf.max;
        return (get) => [{ t: f(asNhwc(get(x)), [1, 2], true), nhwc: true }];
      }
      case "ReduceMean":
      case "ReduceMax":
      case "ReduceSum": {
        const axesT = n.inputs[1] ? g.tensors.get(n.inputs[1])?.constant?.values : undefined;
        const axes = (axesT ?? ints(n, "axes", xs.map((_, i) => i))).map((a) => (a < 0 ? a + xs.length : a));
        const keepDims = num(n, "keepdims", 1) !== 0;
        const f = op === "ReduceMean" ? tf.mean : op === "ReduceMax" ? tf.max : tf.sum;
        if (xs.length === 4 && keepDims) return (get) => [{ t: f(asNhwc(get(x)), axes.map((a) => NHWC_AXIS[a]!), true), nhwc: true }];
        return (get) => [result(f(plain(get(x)), axes, keepDims), outRank)];
      }
      case "Gemm": {
        const [a, b, c] = n.inputs;
        if (!isConst(b!)) throw unsupported(n, "B computed at run time");
        const transA = num(n, "transA", 0) === 1, transB = num(n, "transB", 0) === 1;
        // weights generated as [K, N] (a Dense layer's layout, what TF.js graph models hold): the wasm backend runs
        // transposeB about 10× slower (it transposes B on every call), which no TF.js model pays for its weights
        const bs = shapeOf(b!);
        const [k, nOut] = transB ? [bs[1]!, bs[0]!] : [bs[0]!, bs[1]!];
        const B = random([k, nOut], Math.sqrt(3 / k)) as import("@tensorflow/tfjs").Tensor2D;
        const bias = c ? random([shapeOf(c).at(-1) ?? 1], 0.1) : undefined;
        const A = input(a!);
        return (get) => [{ t: tf.fused.matMul({ a: plain(A(get)) as import("@tensorflow/tfjs").Tensor2D, b: B, transposeA: transA, ...(bias ? { bias } : {}) }), nhwc: false }];
      }
      case "MatMul": {
        const a = input(n.inputs[0]!), b = input(n.inputs[1]!);
        return (get) => [result(tf.matMul(plain(a(get)), plain(b(get))), outRank)];
      }
      case "Concat": {
        const axis = num(n, "axis", 1);
        const ax = axis < 0 ? axis + outRank : axis;
        if (outRank === 4) {
          const parts = n.inputs.map((i) => nhwcInput(i));
          return (get) => [{ t: tf.concat(parts.map((p) => p(get)), NHWC_AXIS[ax]!), nhwc: true }];
        }
        const parts = n.inputs.map((i) => input(i));
        return (get) => [{ t: tf.concat(parts.map((p) => plain(p(get))), ax), nhwc: false }];
      }
      case "Softmax": {
        const axis = num(n, "axis", -1);
        const ax = axis < 0 ? axis + xs.length : axis;
        if (xs.length === 4 && ax === 1) return (get) => [{ t: tf.softmax(asNhwc(get(x))), nhwc: true }];
        if (ax !== xs.length - 1) throw unsupported(n, `softmax over axis ${axis} of a rank-${xs.length} tensor`);
        return (get) => [result(tf.softmax(plain(get(x))), outRank)];
      }
      case "Transpose": {
        const perm = ints(n, "perm", xs.map((_, i) => xs.length - 1 - i));
        return (get) => [result(tf.transpose(plain(get(x)), perm), outRank)];
      }
      case "Reshape":
      case "Flatten":
      case "Squeeze":
      case "Unsqueeze": {
        const target = shapeOf(y);
        return (get) => [result(tf.reshape(plain(get(x)), target), outRank)];
      }
      case "Expand": {
        const target = shapeOf(y);
        return (get) => [result(tf.broadcastTo(plain(get(x)), target), outRank)];
      }
      default:
        throw unsupported(n, "no TF.js lowering");
    }
  };

  // ---- feeds, steps and the release schedule ----
  const feeds = new Map<string, Val>();
  g.inputs.forEach((name) => {
    const s = shapeOf(name);
    const dtype = g.tensors.get(name)?.dtype ?? "float32";
    if (dtype !== "float32") {
      feeds.set(name, { t: record(name, typed(name, s, dtype)), nhwc: false });
      return;
    }
    feeds.set(name, s.length === 4 && !nhwcGraph ? { t: random(toNhwcShape(s), 1), nhwc: true } : { t: record(name, random(s, 1)), nhwc: false });
  });
  const steps = nodes.map((n) => ({ node: n, fn: n.domain === "tf" ? compileTfNode(n) : compileNode(n) }));
  const lastUse = new Map<string, number>();
  steps.forEach((s, i) => {
    for (const t of s.node.inputs) if (produced.has(t)) lastUse.set(t, i);
    for (const o of s.node.outputs) if (o !== "" && !lastUse.has(o)) lastUse.set(o, i);
  });
  const outputs = g.outputs.filter((o) => produced.has(o));
  for (const o of outputs) lastUse.set(o, Infinity);
  const release: string[][] = steps.map(() => []);
  for (const [t, i] of lastUse) if (Number.isFinite(i)) release[i]!.push(t);
  let checked = false;

  const runOnce = (timed: boolean, keepOutputs?: Tensor[]): TraceNodeEvent[] | undefined => {
    const env = new Map<string, Val>();
    const get: Get = (name) => {
      const v = env.get(name) ?? feeds.get(name);
      if (v === undefined) throw new EdgelatError("dangling_tensor", `tfjs executor: tensor '${name}' of '${g.name}' is not computed`, { tensor: name });
      return v;
    };
    const events: TraceNodeEvent[] | undefined = timed ? [] : undefined;
    try {
      steps.forEach((s, i) => {
        const c0 = events !== undefined ? process.cpuUsage() : undefined;
        const outs: Val[] = tf.tidy(() => s.fn(get).map((v) => v.t)).map((t) => ({ t, nhwc: false }));
        if (c0 !== undefined) {
          const c = process.cpuUsage(c0);
          events!.push({ node: s.node.name, opType: s.node.opType, provider: "wasm", durUs: c.user + c.system, occurrence: 0 });
        }
        // the layout flags are decided at compile time: a rank-4 IR output is NHWC
        s.node.outputs.forEach((o, k) => {
          const v = outs[k];
          if (o === "" || v === undefined) return;
          const ir = shapeOf(o);
          v.nhwc = ir.length === 4 && !nhwcGraph;
          if (!checked) {
            const want = v.nhwc ? toNhwcShape(ir) : ir;
            if (want.length !== v.t.shape.length || want.some((d, j) => d !== v.t.shape[j])) {
              throw new EdgelatError("invalid_model", `tfjs executor: node '${s.node.name}' (${s.node.opType}) computed shape [${v.t.shape}] where the graph says [${want}]`, { node: s.node.name });
            }
          }
          env.set(o, v);
        });
        for (const t of outs.slice(s.node.outputs.length)) t.t.dispose();
        for (const t of release[i]!) {
          env.get(t)?.t.dispose();
          env.delete(t);
        }
      });
      for (const o of outputs) get(o).t.dataSync();
      checked = true;
      if (keepOutputs !== undefined) {
        for (const o of outputs) keepOutputs.push(get(o).t);
        for (const o of outputs) env.delete(o);
      }
    } finally {
      for (const v of env.values()) v.t.dispose();
    }
    return events;
  };

  const kernelNames = async (): Promise<string[]> => {
    const info = await tf.profile(() => {
      runOnce(false);
    });
    return info.kernels.map((k) => k.name).filter((name) => !name.endsWith("__op"));
  };

  return {
    run: (timed) => runOnce(timed),
    outputs: () => {
      const out: Tensor[] = [];
      runOnce(false, out);
      return out;
    },
    inputValues: (names) =>
      names.map((name) => {
        const t = named.get(name);
        if (t === undefined) throw new EdgelatError("invalid_argument", `tfjs executor: '${name}' is no plain input, constant or filter of '${g.name}'`, { tensor: name });
        return t;
      }),
    kernelNames,
    kernelCount: async () => (await kernelNames()).length,
    dispose: () => {
      for (const t of owned.splice(0)) t.dispose();
    },
  };
}
