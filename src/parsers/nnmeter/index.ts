/**
 * nn-Meter IR JSON → Graph. The IR is a dict `name → { inbounds, outbounds, attr: { name, type, input_shape,
 * output_shape, attr } }` whose `type`s are TF op names (Conv2D, DepthwiseConv2dNative, FusedBatchNorm, Relu6, Add,
 * Mean, …) over NHWC shapes. Nodes are lowered to the "tf" domain so the TF op specs apply:
 * - weights are not nodes in the IR: Conv2D / DepthwiseConv2dNative filters come from `weight_shape`, MatMul weights
 *   from the input / output widths, BiasAdd and FusedBatchNorm parameters from the channel count; inbounds naming
 *   weight reads that are not nodes (`…/moving_variance/read`) are dropped for these ops;
 * - list attributes in nn-Meter's short form (strides [2,2], ksize [3,3]) become TF's 4-element form;
 * - Mean `reduction_indices`, Reshape `shape`, Concat `axis` become small constant inputs (keep_dims is read from the
 *   output rank);
 * - `Placeholder` nodes become graph inputs; `Const` nodes constant tensors (with their values when small);
 * - every tensor keeps the IR's `output_shape` (-1 → "batch"), so callers can compare it with `inferShapes`.
 */
import { EdgelatError, LIMITS } from "../../errors.js";
import { checkShape, validateGraph } from "../../ir/graph.js";
import type { AttrValue, Graph, Node, Shape, TensorInfo } from "../../ir/types.js";
import { invalid, isObject } from "../tfjs/attrs.js";
import { applyInputShapes } from "../tfjs/graph-model.js";
import { toJsonObject } from "../tfjs/index.js";

/** nn-Meter type names that differ from the TF op names. */
const TYPE_ALIASES: Record<string, string> = {
  ReLU: "Relu",
  Relu: "Relu",
  ReLU6: "Relu6",
  Concat: "ConcatV2",
  ConcatV2: "ConcatV2",
  AvgPool: "AvgPool",
  AveragePool: "AvgPool",
  FusedBatchNormV3: "FusedBatchNorm",
  Sigmoid: "Sigmoid",
  HardSwish: "HardSwish",
  Hswish: "HardSwish",
};

/** Ops whose weights the parser synthesizes (so inbounds that are weight reads may be absent). */
const WEIGHTED = new Set(["Conv2D", "DepthwiseConv2dNative", "FusedBatchNorm", "BiasAdd", "MatMul"]);

interface IrNode {
  name: string;
  type: string;
  inbounds: string[];
  outputShapes: number[][];
  inputShapes: number[][];
  attr: Record<string, unknown>;
}

function dims(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.some((d) => typeof d !== "number" || !Number.isInteger(d))) invalid(`${what} is not a list of integers`);
  if (v.length > LIMITS.maxRank) throw new EdgelatError("too_large", `${what}: rank ${v.length} exceeds ${LIMITS.maxRank}`);
  for (const d of v as number[]) if (d < -1) throw new EdgelatError("invalid_shape", `${what}: dimension ${d} is negative`);
  checkShape((v as number[]).filter((d) => d >= 0), what);
  return v as number[];
}

const shapeList = (v: unknown, what: string): number[][] =>
  v === undefined ? [] : Array.isArray(v) ? v.map((s, i) => dims(s, `${what}[${i}]`)) : invalid(`${what} is not a list of shapes`);

const toShape = (d: number[]): Shape => d.map((x, i) => (x >= 0 ? x : i === 0 ? "batch" : `d${i}`));

/** nn-Meter's 2-element spatial lists → TF NHWC 4-element lists. */
function nhwc(v: unknown, fallback: number): number[] {
  if (!Array.isArray(v) || v.length === 0) return [1, fallback, fallback, 1];
  const n = v.map((x) => (typeof x === "number" ? x : fallback));
  return n.length === 2 ? [1, n[0]!, n[1]!, 1] : n.length === 1 ? [1, n[0]!, n[0]!, 1] : n;
}

function readIr(json: Record<string, unknown>): IrNode[] {
  const entries = Object.entries(json);
  if (entries.length > LIMITS.maxNodes) throw new EdgelatError("too_large", `nn-Meter IR has ${entries.length} nodes`);
  return entries.map(([key, raw]) => {
    if (!isObject(raw) || !isObject(raw.attr)) invalid(`nn-Meter IR node '${key}' has no attr object`);
    const a = raw.attr;
    if (typeof a.type !== "string" || a.type === "") invalid(`nn-Meter IR node '${key}' has no attr.type`);
    const inbounds = raw.inbounds ?? [];
    if (!Array.isArray(inbounds) || inbounds.some((i) => typeof i !== "string")) invalid(`nn-Meter IR node '${key}': inbounds is not a list of names`);
    const inner = a.attr ?? {};
    if (!isObject(inner)) invalid(`nn-Meter IR node '${key}': attr.attr is not an object`);
    return {
      name: key,
      type: TYPE_ALIASES[a.type] ?? a.type,
      inbounds: inbounds as string[],
      outputShapes: shapeList(a.output_shape, `node '${key}' output_shape`),
      inputShapes: shapeList(a.input_shape, `node '${key}' input_shape`),
      attr: inner,
    };
  });
}

export function parseNnMeterIR(json: unknown, opts: { inputShapes?: Record<string, Shape> } = {}): Graph {
  const obj = toJsonObject(json);
  const ir = readIr(obj);
  const names = new Set(ir.map((n) => n.name));
  const tensors = new Map<string, TensorInfo>();
  const inputs: string[] = [];
  const nodes: Node[] = [];
  const consumed = new Set<string>();
  const constant = (name: string, shape: Shape, values?: number[], dtype: TensorInfo["dtype"] = "float32"): string => {
    checkShape(shape, `constant '${name}'`);
    const info: TensorInfo = { name, dtype, shape, constant: values === undefined ? { source: "generated" } : { source: "generated", values } };
    tensors.set(name, info);
    return name;
  };

  for (const n of ir) {
    const out0 = n.outputShapes[0];
    if (n.type === "Placeholder") {
      const shape = out0 ?? (Array.isArray(n.attr.shape) ? dims(n.attr.shape, `node '${n.name}' shape`) : undefined);
      tensors.set(n.name, { name: n.name, dtype: "float32", shape: shape && toShape(shape) });
      inputs.push(n.name);
      continue;
    }
    if (n.type === "Const") {
      const shape = out0 ?? (Array.isArray(n.attr.tensor_shape) ? dims(n.attr.tensor_shape, `node '${n.name}' tensor_shape`) : []);
      const raw = n.attr.constant;
      const values = Array.isArray(raw) && raw.length <= LIMITS.maxFoldedElements && raw.every((x) => typeof x === "number") ? (raw as number[]) : undefined;
      constant(n.name, toShape(shape), values);
      continue;
    }
    const present = n.inbounds.filter((i) => names.has(i));
    if (present.length !== n.inbounds.length && !WEIGHTED.has(n.type)) {
      const missing = n.inbounds.find((i) => !names.has(i))!;
      throw new EdgelatError("dangling_tensor", `nn-Meter node '${n.name}' reads '${missing}', which is not a node of the IR`, { node: n.name, tensor: missing });
    }
    const nodeInputs = WEIGHTED.has(n.type) ? present.slice(0, 1) : [...present];
    const attrs: Record<string, AttrValue> = {};
    const channels = (): number => {
      const c = out0?.[out0.length - 1];
      if (c === undefined || c < 0) invalid(`nn-Meter node '${n.name}' (${n.type}) has no static channel count in output_shape`);
      return c;
    };
    switch (n.type) {
      case "Conv2D":
      case "DepthwiseConv2dNative": {
        const w = n.attr.weight_shape !== undefined ? dims(n.attr.weight_shape, `node '${n.name}' weight_shape`) : undefined;
        if (w === undefined || w.length !== 4) invalid(`nn-Meter node '${n.name}' (${n.type}) needs a 4-element weight_shape`);
        nodeInputs.push(constant(`${n.name}/weight`, w));
        attrs.strides = nhwc(n.attr.strides, 1);
        attrs.dilations = nhwc(n.attr.dilations, 1);
        attrs.padding = typeof n.attr.padding === "string" ? n.attr.padding.toUpperCase() : "SAME";
        attrs.data_format = "NHWC";
        break;
      }
      case "MaxPool":
      case "AvgPool":
        attrs.ksize = nhwc(n.attr.ksize ?? n.attr.kernel_shape, 1);
        attrs.strides = nhwc(n.attr.strides, 1);
        attrs.padding = typeof n.attr.padding === "string" ? n.attr.padding.toUpperCase() : "VALID";
        break;
      case "BiasAdd":
        nodeInputs.push(constant(`${n.name}/bias`, [channels()]));
        break;
      case "FusedBatchNorm":
        for (const p of ["scale", "offset", "mean", "variance"]) nodeInputs.push(constant(`${n.name}/${p}`, [channels()]));
        attrs.epsilon = typeof n.attr.epsilon === "number" ? n.attr.epsilon : 0.001;
        break;
      case "MatMul": {
        const k = n.inputShapes[0]?.[n.inputShapes[0].length - 1] ?? -1;
        if (k < 0) invalid(`nn-Meter node '${n.name}' (MatMul) has no static input width`);
        nodeInputs.push(constant(`${n.name}/weight`, [k, channels()]));
        break;
      }
      case "Mean":
      case "Sum":
      case "Max": {
        const axes = dims(n.attr.reduction_indices ?? n.attr.axis ?? [], `node '${n.name}' reduction_indices`);
        nodeInputs.push(constant(`${n.name}/reduction_indices`, [axes.length], axes, "int32"));
        const inRank = n.inputShapes[0]?.length;
        attrs.keep_dims = out0 !== undefined && out0.length === inRank && axes.every((a) => out0[a < 0 ? a + out0.length : a] === 1) ? 1 : 0;
        break;
      }
      case "Reshape": {
        const target = dims(n.attr.shape ?? out0 ?? [], `node '${n.name}' shape`);
        nodeInputs.push(constant(`${n.name}/shape`, [target.length], target, "int32"));
        break;
      }
      case "ConcatV2": {
        const axis = typeof n.attr.axis === "number" ? n.attr.axis : -1;
        nodeInputs.push(constant(`${n.name}/axis`, [], [axis], "int32"));
        break;
      }
      default:
        for (const [k, v] of Object.entries(n.attr)) {
          if (typeof v === "number" || typeof v === "string") attrs[k] = v;
          else if (Array.isArray(v) && v.every((x) => typeof x === "number")) attrs[k] = v as number[];
        }
    }
    const count = Math.max(1, n.outputShapes.length);
    const outputs = Array.from({ length: count }, (_, k) => (k === 0 ? n.name : `${n.name}:${k}`));
    outputs.forEach((o, k) => {
      const s = n.outputShapes[k];
      tensors.set(o, { name: o, dtype: "float32", shape: s && toShape(s) });
    });
    for (const i of nodeInputs) consumed.add(i);
    nodes.push({ name: n.name, opType: n.type, domain: "tf", inputs: nodeInputs, outputs, attrs });
  }
  const outputs = nodes.filter((n) => !consumed.has(n.outputs[0]!)).map((n) => n.outputs[0]!);
  const graph: Graph = {
    name: "nnmeter-ir",
    format: "nnmeter-ir",
    nodes,
    tensors,
    inputs,
    outputs,
    opsets: { tf: 1 },
    metadata: { format: "nn-Meter IR" },
  };
  applyInputShapes(graph, opts.inputShapes);
  return validateGraph(graph);
}
