/**
 * TF.js layers models (`format: "layers-model"`): a Keras topology (Sequential, or functional `Model` / `Functional`
 * with `inbound_nodes` in Keras 2 or Keras 3 form), lowered to the same "tf"-domain ops TF.js graph models use
 * (Conv2D + BiasAdd + Relu, DepthwiseConv2dNative, MatMul, FusedBatchNormV3, MaxPool, Mean, ConcatV2, Pad, …).
 *
 * Why lower instead of keeping "keras" nodes: one set of op specs, fusion rules and kernel predictors then serves
 * graph models, layers models and the nn-Meter IR, and a layers model fuses exactly like the graph model the TF.js
 * converter would make from it. Each layer's last op writes the layer's output tensor (named after the layer), so
 * layer names stay visible. Weight shapes come from the config (kernel_size, filters, units) and the input channels,
 * tracked layer by layer from the input shape (or read from the weights manifest entry of the same name); where
 * neither tells (e.g. a Dense after Flatten), the dim stays a symbol and the op specs take it from the input.
 *
 * Layers without a lowering (Lambda, RNNs, custom layers) become "keras"-domain nodes named after their class: shape
 * inference lists them as unknown with a reason; they never vanish. Flatten lowers to the ONNX-domain Flatten (axis 1),
 * the one op TF has no single-node equivalent for.
 */
import { EdgelatError, LIMITS } from "../../errors.js";
import { checkShape, validateGraph } from "../../ir/graph.js";
import type { AttrValue, DType, Graph, Node, Shape, TensorInfo } from "../../ir/types.js";
import { defaultOpRegistry, lookupOp } from "../../ops/registry.js";
import type { TensorType } from "../../ops/types.js";
import { invalid, isObject } from "./attrs.js";
import { applyInputShapes, type TfjsParseOptions } from "./graph-model.js";
import { readWeightsManifest, type WeightEntry } from "./weights.js";

interface LayerCall {
  layer: string;
  className: string;
  config: Record<string, unknown>;
  /** Input tensor names. */
  inputs: string[];
  /** Output tensor name of this call. */
  output: string;
  callIndex: number;
}

const ACTIVATIONS: Record<string, string | undefined> = {
  linear: undefined,
  relu: "Relu",
  relu6: "Relu6",
  sigmoid: "Sigmoid",
  tanh: "Tanh",
  softmax: "Softmax",
  elu: "Elu",
  selu: "Selu",
  softplus: "Softplus",
  softsign: "Softsign",
  swish: "Swish",
  silu: "Swish",
  hard_sigmoid: "HardSigmoid",
  hard_swish: "HardSwish",
  gelu: "Gelu",
  leaky_relu: "LeakyRelu",
  exponential: "Exp",
};

class Emitter {
  readonly nodes: Node[] = [];
  readonly tensors = new Map<string, TensorInfo>();
  /** Types known while lowering (from the op specs), so later layers can size their weights (Dense after Flatten). */
  readonly types = new Map<string, TensorType>();
  private readonly used = new Set<string>();
  constructor(private readonly manifest: Map<string, WeightEntry>) {}

  shapeOf(name: string): Shape | undefined {
    return this.types.get(name)?.shape ?? this.tensors.get(name)?.shape;
  }

  /** Static last dim of a tensor, when known. */
  lastDim(name: string): number | undefined {
    const s = this.shapeOf(name);
    const d = s?.[s.length - 1];
    return typeof d === "number" ? d : undefined;
  }

  private typeOf(name: string): TensorType | undefined {
    const known = this.types.get(name);
    if (known !== undefined) return known;
    const t = this.tensors.get(name);
    if (t?.shape === undefined) return undefined;
    return t.constant ? { dtype: t.dtype, shape: t.shape, constant: true, ...(t.constant.values ? { values: t.constant.values } : {}) } : { dtype: t.dtype, shape: t.shape };
  }

  /** Applies the op's spec to type its output early; anything it cannot say is left to `inferShapes`. */
  private track(node: Node): void {
    const spec = lookupOp(defaultOpRegistry, node.domain, node.opType);
    const inputs = node.inputs.map((i) => this.typeOf(i));
    if (spec === undefined || inputs.some((t) => t === undefined)) return;
    const attrs: Record<string, AttrValue> = { ...node.attrs };
    for (const [k, a] of Object.entries(spec.attrs ?? {})) if (attrs[k] === undefined && a.default !== undefined) attrs[k] = a.default;
    try {
      const out = spec.shape({ node, inputs, attrs, opset: node.domain === "" ? 13 : 1 })[0];
      if (out?.shape !== undefined) this.types.set(node.outputs[0]!, out);
    } catch {
      // Invalid or data-dependent: inferShapes reports it with the node's name.
    }
  }

  private unique(name: string): string {
    let n = name;
    for (let k = 1; this.used.has(n) || this.tensors.has(n); k++) n = `${name}_${k}`;
    this.used.add(n);
    return n;
  }

  op(opType: string, inputs: string[], attrs: Record<string, AttrValue>, name: string, output?: string, domain = "tf"): string {
    const nodeName = this.unique(name);
    const out = output ?? nodeName;
    this.used.add(out);
    const node: Node = { name: nodeName, opType, domain, inputs, outputs: [out], attrs };
    this.nodes.push(node);
    this.track(node);
    return out;
  }

  /** A weight: the manifest's entry of the same name when listed (its shape wins), else the config-derived shape. */
  weight(name: string, shape: Shape): string {
    const entry = this.manifest.get(name);
    const s = entry ? [...entry.shape] : shape;
    checkShape(s, `weight '${name}'`);
    this.tensors.set(name, { name, dtype: entry?.dtype ?? "float32", shape: s, constant: { source: "weights-manifest" } });
    this.used.add(name);
    return name;
  }

  constant(name: string, values: number[], shape: Shape = [values.length], dtype: DType = "int32"): string {
    const n = this.unique(name);
    this.tensors.set(n, { name: n, dtype, shape, constant: { source: "generated", values } });
    return n;
  }
}

const num = (v: unknown, what: string, fallback?: number): number => {
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    return invalid(`${what} is missing`);
  }
  if (typeof v !== "number" || !Number.isFinite(v)) invalid(`${what} is not a number`);
  return v;
};

/** An int or a pair (kernel_size 3 or [3, 3]) → [h, w]. */
function pair(v: unknown, what: string, fallback?: number): [number, number] {
  if (Array.isArray(v)) {
    if (v.length !== 2) invalid(`${what} must have 2 values`);
    const p: [number, number] = [num(v[0], what), num(v[1], what)];
    if (p.some((x) => !Number.isInteger(x) || x < 0 || x > LIMITS.maxDim)) invalid(`${what} values must be non-negative integers`);
    return p;
  }
  const x = num(v, what, fallback);
  if (!Number.isInteger(x) || x < 0 || x > LIMITS.maxDim) invalid(`${what} must be a non-negative integer`);
  return [x, x];
}

const intCount = (v: unknown, what: string): number => {
  const x = num(v, what);
  if (!Number.isInteger(x) || x < 1 || x > LIMITS.maxDim) invalid(`${what} must be a positive integer`);
  return x;
};

/** Keras 2 / 3 batch shapes: null → symbol. */
function batchShape(config: Record<string, unknown>, what: string): Shape | undefined {
  const raw = config.batch_input_shape ?? config.batch_shape ?? (Array.isArray(config.input_shape) ? [null, ...(config.input_shape as unknown[])] : undefined);
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) invalid(`${what}: batch_input_shape is not a list`);
  const shape = raw.map((d, i) => (d === null || d === -1 ? (i === 0 ? "batch" : `d${i}`) : num(d, `${what}: batch_input_shape[${i}]`)));
  checkShape(shape, what);
  return shape;
}

/** Names of a Keras 2 or 3 inbound node's input tensors. */
function inboundTensors(node: unknown, what: string): string[] {
  const names: string[] = [];
  const ref = (layer: unknown, nodeIndex: unknown, tensorIndex: unknown): void => {
    if (typeof layer !== "string") invalid(`${what}: inbound layer name is not a string`);
    names.push(tensorName(layer, num(nodeIndex, what, 0), num(tensorIndex, what, 0)));
  };
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      if (v.length >= 3 && typeof v[0] === "string" && typeof v[1] === "number") ref(v[0], v[1], v[2]);
      else v.forEach(walk);
    } else if (isObject(v)) {
      if (v.class_name === "__keras_tensor__" && isObject(v.config) && Array.isArray(v.config.keras_history)) {
        const h = v.config.keras_history;
        ref(h[0], h[1], h[2]);
      } else if (Array.isArray(v.args)) walk(v.args);
    }
  };
  walk(node);
  return names;
}

const tensorName = (layer: string, nodeIndex: number, tensorIndex: number): string =>
  nodeIndex === 0 && tensorIndex === 0 ? layer : `${layer}/call_${nodeIndex}${tensorIndex === 0 ? "" : `:${tensorIndex}`}`;

interface Topology {
  layers: { className: string; name: string; config: Record<string, unknown>; inbound: unknown[] }[];
  sequential: boolean;
  inputLayers: string[];
  outputLayers: string[];
}

function readTopology(topology: Record<string, unknown>): Topology {
  const model = isObject(topology.model_config) ? topology.model_config : topology;
  const className = model.class_name;
  const config = model.config;
  const sequential = className === "Sequential";
  const rawLayers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(rawLayers)) invalid("layers-model: modelTopology has no layers list");
  if (rawLayers.length > LIMITS.maxNodes) throw new EdgelatError("too_large", `layers-model has ${rawLayers.length} layers`);
  const layers = rawLayers.map((l, i) => {
    if (!isObject(l) || typeof l.class_name !== "string") invalid(`layers[${i}] has no class_name`);
    const cfg = isObject(l.config) ? l.config : {};
    const name = typeof l.name === "string" ? l.name : typeof cfg.name === "string" ? cfg.name : `${l.class_name.toLowerCase()}_${i}`;
    const inbound = Array.isArray(l.inbound_nodes) ? l.inbound_nodes : [];
    return { className: l.class_name, name, config: cfg, inbound };
  });
  const refs = (v: unknown): string[] => {
    if (!Array.isArray(v)) return [];
    if (v.length >= 1 && typeof v[0] === "string") return [tensorName(v[0], typeof v[1] === "number" ? v[1] : 0, typeof v[2] === "number" ? v[2] : 0)];
    return v.flatMap(refs);
  };
  const c = isObject(config) ? config : {};
  return { layers, sequential, inputLayers: refs(c.input_layers), outputLayers: refs(c.output_layers) };
}

/** Channel count of a conv-like layer's input: from the kernel's manifest entry when listed, else unknown (-1). */
function manifestDim(manifest: Map<string, WeightEntry>, name: string, axis: number): number | undefined {
  const e = manifest.get(name);
  return e?.shape[axis < 0 ? e.shape.length + axis : axis];
}

export function parseTfjsLayersModel(json: Record<string, unknown>, opts: TfjsParseOptions = {}): Graph {
  const topology = json.modelTopology;
  if (!isObject(topology)) invalid("layers-model: modelTopology is not an object");
  const manifest = readWeightsManifest(json.weightsManifest);
  const topo = readTopology(topology);
  const em = new Emitter(manifest.entries);
  const inputs: string[] = [];
  const channels = new Map<string, number | undefined>(); // tensor -> last-axis size when derivable

  // Resolve the layer calls in order.
  const calls: LayerCall[] = [];
  let prev: string | undefined;
  for (const [i, l] of topo.layers.entries()) {
    if (topo.sequential) {
      if (l.className === "InputLayer" || (i === 0 && batchShape(l.config, l.name) !== undefined)) {
        const shape = batchShape(l.config, l.name);
        const input = l.className === "InputLayer" ? l.name : `${l.name}_input`;
        em.tensors.set(input, { name: input, dtype: (l.config.dtype as DType) ?? "float32", shape });
        inputs.push(input);
        channels.set(input, typeof shape?.[shape.length - 1] === "number" ? (shape[shape.length - 1] as number) : undefined);
        prev = input;
        if (l.className === "InputLayer") continue;
      }
      if (prev === undefined) invalid(`layers-model: Sequential model has no input shape before layer '${l.name}'`);
      calls.push({ layer: l.name, className: l.className, config: l.config, inputs: [prev], output: l.name, callIndex: 0 });
      prev = l.name;
      continue;
    }
    if (l.className === "InputLayer") {
      const shape = batchShape(l.config, l.name);
      em.tensors.set(l.name, { name: l.name, dtype: (l.config.dtype as DType) ?? "float32", shape });
      inputs.push(l.name);
      channels.set(l.name, typeof shape?.[shape.length - 1] === "number" ? (shape[shape.length - 1] as number) : undefined);
      continue;
    }
    l.inbound.forEach((node, k) => {
      calls.push({ layer: l.name, className: l.className, config: l.config, inputs: inboundTensors(node, `layer '${l.name}'`), output: tensorName(l.name, k, 0), callIndex: k });
    });
  }

  for (const call of calls) lowerLayer(em, call, manifest.entries, channels);

  const outputs = topo.sequential ? (prev !== undefined ? [prev] : []) : topo.outputLayers;
  const graph: Graph = {
    name: typeof (topology.config as Record<string, unknown> | undefined)?.name === "string" ? ((topology.config as Record<string, unknown>).name as string) : "tfjs-layers-model",
    format: "tfjs-layers",
    nodes: em.nodes,
    tensors: em.tensors,
    inputs,
    outputs,
    opsets: { tf: 1, "": 13 },
    metadata: { format: "layers-model", ...(typeof json.generatedBy === "string" ? { generatedBy: json.generatedBy } : {}) },
  };
  applyInputShapes(graph, opts.inputShapes);
  return validateGraph(graph);
}

function lowerLayer(em: Emitter, call: LayerCall, manifest: Map<string, WeightEntry>, channels: Map<string, number | undefined>): void {
  const { layer, className: cls, config: c, inputs } = call;
  const what = `layer '${layer}' (${cls})`;
  const x = inputs[0];
  if (x === undefined) invalid(`${what} has no input`);
  const base = call.callIndex === 0 ? layer : `${layer}/call_${call.callIndex}`;
  const format = c.data_format === "channels_first" ? "NCHW" : "NHWC";
  const cin = channels.get(x) ?? (format === "NHWC" ? em.lastDim(x) : undefined);
  const setC = (t: string, v: number | undefined): void => void channels.set(t, v);
  const padding = (): string => String(c.padding ?? "valid").toUpperCase();
  const nhwc = (p: [number, number]): number[] => (format === "NHWC" ? [1, p[0], p[1], 1] : [1, 1, p[0], p[1]]);

  /** Bias + activation after a product; the last op writes `call.output`. */
  const finish = (y: string, units: number | undefined, useBias: boolean, activation: unknown): void => {
    const act = typeof activation === "string" ? activation : "linear";
    if (!(act in ACTIVATIONS)) invalid(`${what}: unknown activation '${act}'`);
    const actOp = ACTIVATIONS[act];
    let out = y;
    if (useBias) {
      const b = em.weight(`${layer}/bias`, [units ?? manifestDim(manifest, `${layer}/bias`, 0) ?? "units"]);
      out = em.op("BiasAdd", [out, b], { data_format: format }, `${base}/BiasAdd`, actOp ? undefined : call.output);
    }
    if (actOp) out = em.op(actOp, [out], {}, `${base}/${actOp}`, call.output);
    if (out !== call.output) em.op("Identity", [out], {}, `${base}/Identity`, call.output);
    setC(call.output, units);
  };
  const product = (opType: string, ins: string[], attrs: Record<string, AttrValue>, last: boolean): string =>
    em.op(opType, ins, attrs, `${base}/${opType}`, last ? call.output : undefined);

  switch (cls) {
    case "Conv2D":
    case "Conv1D": {
      const [kh, kw] = pair(c.kernel_size, `${what} kernel_size`);
      const filters = intCount(c.filters, `${what} filters`);
      const groups = Math.trunc(num(c.groups, `${what} groups`, 1));
      const inDepth = cin !== undefined ? cin / groups : manifestDim(manifest, `${layer}/kernel`, -2);
      const k = em.weight(`${layer}/kernel`, [kh, kw, inDepth ?? "cin", filters]);
      const useBias = c.use_bias !== false;
      const act = typeof c.activation === "string" && c.activation !== "linear";
      const y = product("Conv2D", [x, k], { strides: nhwc(pair(c.strides, `${what} strides`, 1)), padding: padding(), dilations: nhwc(pair(c.dilation_rate, `${what} dilation_rate`, 1)), data_format: format }, !useBias && !act);
      if (useBias || act) finish(y, filters, useBias, c.activation);
      setC(call.output, filters);
      return;
    }
    case "DepthwiseConv2D": {
      const [kh, kw] = pair(c.kernel_size, `${what} kernel_size`);
      const mult = Math.trunc(num(c.depth_multiplier, `${what} depth_multiplier`, 1));
      const depth = cin ?? manifestDim(manifest, `${layer}/depthwise_kernel`, 2);
      const k = em.weight(`${layer}/depthwise_kernel`, [kh, kw, depth ?? "cin", mult]);
      const useBias = c.use_bias !== false;
      const act = typeof c.activation === "string" && c.activation !== "linear";
      const out = depth !== undefined ? depth * mult : undefined;
      const y = product("DepthwiseConv2dNative", [x, k], { strides: nhwc(pair(c.strides, `${what} strides`, 1)), padding: padding(), dilations: nhwc(pair(c.dilation_rate, `${what} dilation_rate`, 1)), data_format: format }, !useBias && !act);
      if (useBias || act) finish(y, out, useBias, c.activation);
      setC(call.output, out);
      return;
    }
    case "SeparableConv2D": {
      const [kh, kw] = pair(c.kernel_size, `${what} kernel_size`);
      const mult = Math.trunc(num(c.depth_multiplier, `${what} depth_multiplier`, 1));
      const filters = intCount(c.filters, `${what} filters`);
      const depth = cin ?? manifestDim(manifest, `${layer}/depthwise_kernel`, 2);
      const dk = em.weight(`${layer}/depthwise_kernel`, [kh, kw, depth ?? "cin", mult]);
      const dw = em.op("DepthwiseConv2dNative", [x, dk], { strides: nhwc(pair(c.strides, `${what} strides`, 1)), padding: padding(), dilations: nhwc(pair(c.dilation_rate, `${what} dilation_rate`, 1)), data_format: format }, `${base}/depthwise`);
      const pk = em.weight(`${layer}/pointwise_kernel`, [1, 1, depth !== undefined ? depth * mult : "cin", filters]);
      const useBias = c.use_bias !== false;
      const act = typeof c.activation === "string" && c.activation !== "linear";
      const y = product("Conv2D", [dw, pk], { strides: [1, 1, 1, 1], padding: "VALID", data_format: format }, !useBias && !act);
      if (useBias || act) finish(y, filters, useBias, c.activation);
      setC(call.output, filters);
      return;
    }
    case "Dense": {
      const units = intCount(c.units, `${what} units`);
      const k = em.weight(`${layer}/kernel`, [cin ?? manifestDim(manifest, `${layer}/kernel`, 0) ?? "cin", units]);
      const useBias = c.use_bias !== false;
      const act = typeof c.activation === "string" && c.activation !== "linear";
      const rank = em.tensors.get(x)?.shape?.length;
      const y = product(rank !== undefined && rank > 2 ? "BatchMatMulV2" : "MatMul", [x, k], {}, !useBias && !act);
      if (useBias || act) finish(y, units, useBias, c.activation);
      setC(call.output, units);
      return;
    }
    case "BatchNormalization": {
      const size = cin ?? manifestDim(manifest, `${layer}/moving_mean`, 0) ?? "channels";
      // center / scale false: no beta / gamma weight; an empty [0] operand keeps FusedBatchNormV3's arity at 0 params.
      const params = ["gamma", "beta", "moving_mean", "moving_variance"].map((p) =>
        (p === "gamma" && c.scale === false) || (p === "beta" && c.center === false) ? em.constant(`${layer}/${p}`, [], [0], "float32") : em.weight(`${layer}/${p}`, [size]),
      );
      em.op("FusedBatchNormV3", [x, ...params], { epsilon: num(c.epsilon, `${what} epsilon`, 0.001), data_format: format }, `${base}/FusedBatchNormV3`, call.output);
      setC(call.output, cin);
      return;
    }
    case "Activation": {
      finish(x, cin, false, c.activation);
      return;
    }
    case "ReLU": {
      const max = c.max_value;
      const slope = num(c.negative_slope, `${what} negative_slope`, 0);
      if (max === 6 && slope === 0) em.op("Relu6", [x], {}, `${base}/Relu6`, call.output);
      else if (slope !== 0) em.op("LeakyRelu", [x], { alpha: slope }, `${base}/LeakyRelu`, call.output);
      else if (max !== undefined && max !== null) em.op("ClipByValue", [x, em.constant(`${base}/min`, [0], [], "float32"), em.constant(`${base}/max`, [num(max, `${what} max_value`)], [], "float32")], {}, `${base}/Clip`, call.output);
      else em.op("Relu", [x], {}, `${base}/Relu`, call.output);
      setC(call.output, cin);
      return;
    }
    case "LeakyReLU":
      em.op("LeakyRelu", [x], { alpha: num(c.alpha ?? c.negative_slope, `${what} alpha`, 0.3) }, `${base}/LeakyRelu`, call.output);
      setC(call.output, cin);
      return;
    case "PReLU": {
      const shared = Array.isArray(c.shared_axes) ? (c.shared_axes as number[]) : [];
      const rank = em.tensors.get(x)?.shape?.length ?? 4;
      const alphaShape: Shape = Array.from({ length: rank - 1 }, (_, i) => (shared.includes(i + 1) ? 1 : i === rank - 2 ? cin ?? "channels" : "spatial"));
      const alpha = manifest.has(`${layer}/alpha`) ? em.weight(`${layer}/alpha`, alphaShape) : em.weight(`${layer}/alpha`, [cin ?? "channels"]);
      em.op("Prelu", [x, alpha], {}, `${base}/Prelu`, call.output);
      setC(call.output, cin);
      return;
    }
    case "Softmax":
      em.op("Softmax", [x], {}, `${base}/Softmax`, call.output);
      setC(call.output, cin);
      return;
    case "Add":
    case "Multiply":
    case "Subtract":
    case "Maximum":
    case "Minimum": {
      const op = { Add: "AddV2", Multiply: "Mul", Subtract: "Sub", Maximum: "Maximum", Minimum: "Minimum" }[cls]!;
      if (inputs.length < 2) invalid(`${what} needs at least 2 inputs`);
      if (cls === "Add" && inputs.length > 2) em.op("AddN", inputs, {}, `${base}/AddN`, call.output);
      else {
        let acc = inputs[0]!;
        inputs.slice(1).forEach((y, i) => (acc = em.op(op, [acc, y], {}, `${base}/${op}`, i === inputs.length - 2 ? call.output : undefined)));
      }
      setC(call.output, cin);
      return;
    }
    case "Concatenate": {
      const axis = Math.trunc(num(c.axis, `${what} axis`, -1));
      em.op("ConcatV2", [...inputs, em.constant(`${base}/axis`, [axis], [])], {}, `${base}/ConcatV2`, call.output);
      const sizes = inputs.map((t) => channels.get(t));
      setC(call.output, axis === -1 && sizes.every((s) => s !== undefined) ? sizes.reduce((a, b) => a! + b!, 0) : undefined);
      return;
    }
    case "MaxPooling2D":
    case "AveragePooling2D": {
      const size = pair(c.pool_size, `${what} pool_size`, 2);
      const strides = c.strides === null || c.strides === undefined ? size : pair(c.strides, `${what} strides`);
      em.op(cls === "MaxPooling2D" ? "MaxPool" : "AvgPool", [x], { ksize: nhwc(size), strides: nhwc(strides), padding: padding(), data_format: format }, `${base}/${cls === "MaxPooling2D" ? "MaxPool" : "AvgPool"}`, call.output);
      setC(call.output, cin);
      return;
    }
    case "GlobalAveragePooling2D":
    case "GlobalMaxPooling2D": {
      const axes = em.constant(`${base}/axes`, format === "NHWC" ? [1, 2] : [2, 3]);
      const op = cls === "GlobalAveragePooling2D" ? "Mean" : "Max";
      em.op(op, [x, axes], { keep_dims: c.keepdims === true ? 1 : 0 }, `${base}/${op}`, call.output);
      setC(call.output, cin);
      return;
    }
    case "Flatten":
      em.op("Flatten", [x], { axis: 1 }, `${base}/Flatten`, call.output, "");
      setC(call.output, undefined);
      return;
    case "Reshape": {
      const target = Array.isArray(c.target_shape) ? (c.target_shape as unknown[]).map((d, i) => Math.trunc(num(d, `${what} target_shape[${i}]`))) : invalid(`${what} has no target_shape`);
      em.op("Reshape", [x, em.constant(`${base}/shape`, [-1, ...target])], {}, `${base}/Reshape`, call.output);
      const last = target[target.length - 1];
      setC(call.output, last !== undefined && last >= 0 ? last : undefined);
      return;
    }
    case "Permute": {
      const dims = Array.isArray(c.dims) ? (c.dims as unknown[]).map((d) => Math.trunc(num(d, `${what} dims`))) : invalid(`${what} has no dims`);
      em.op("Transpose", [x, em.constant(`${base}/perm`, [0, ...dims])], {}, `${base}/Transpose`, call.output);
      setC(call.output, undefined);
      return;
    }
    case "Dropout":
    case "SpatialDropout2D":
    case "GaussianNoise":
    case "GaussianDropout":
    case "AlphaDropout":
    case "ActivityRegularization":
      em.op("Identity", [x], {}, `${base}/Identity`, call.output);
      setC(call.output, cin);
      return;
    case "ZeroPadding2D": {
      const p = c.padding;
      let rows: [number, number];
      let cols: [number, number];
      if (Array.isArray(p) && Array.isArray(p[0])) {
        rows = pair(p[0], `${what} padding`);
        cols = pair(p[1], `${what} padding`);
      } else {
        const q = pair(p, `${what} padding`, 1);
        rows = [q[0], q[0]];
        cols = [q[1], q[1]];
      }
      const pads = format === "NHWC" ? [0, 0, ...rows, ...cols, 0, 0] : [0, 0, 0, 0, ...rows, ...cols];
      em.op("Pad", [x, em.constant(`${base}/paddings`, pads, [4, 2])], {}, `${base}/Pad`, call.output);
      setC(call.output, cin);
      return;
    }
    case "UpSampling2D": {
      const [sh, sw] = pair(c.size, `${what} size`, 2);
      const op = c.interpolation === "bilinear" ? "ResizeBilinear" : "ResizeNearestNeighbor";
      const xs = em.shapeOf(x);
      const [h, w] = format === "NHWC" ? [xs?.[1], xs?.[2]] : [xs?.[2], xs?.[3]];
      if (typeof h === "number" && typeof w === "number") {
        em.op(op, [x, em.constant(`${base}/size`, [h * sh, w * sw])], { align_corners: 0, half_pixel_centers: 0 }, `${base}/${op}`, call.output);
        setC(call.output, cin);
        return;
      }
      // Input size unknown here: size = Shape(x)[1:3] * [sh, sw] folds once inferShapes knows it.
      const shape = em.op("Shape", [x], { out_type: "int32" }, `${base}/Shape`);
      const hw = em.op("StridedSlice", [shape, em.constant(`${base}/begin`, [format === "NHWC" ? 1 : 2]), em.constant(`${base}/end`, [format === "NHWC" ? 3 : 4]), em.constant(`${base}/strides`, [1])], {}, `${base}/StridedSlice`);
      const size = em.op("Mul", [hw, em.constant(`${base}/factor`, [sh, sw])], {}, `${base}/mul`);
      em.op(op, [x, size], { align_corners: 0, half_pixel_centers: 0 }, `${base}/${op}`, call.output);
      setC(call.output, cin);
      return;
    }
    default:
      em.op(cls, inputs, {}, base, call.output, "keras");
      setC(call.output, undefined);
  }
}
