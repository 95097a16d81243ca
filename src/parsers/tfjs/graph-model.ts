/**
 * TF.js graph models (`format: "graph-model"`): `modelTopology.node[]` (a TF GraphDef in proto-JSON) + weightsManifest.
 *
 * - Nodes keep their TF op name in domain "tf" (`_FusedConv2D`, `FusedDepthwiseConv2dNative`, `_FusedMatMul` with
 *   their decoded `fused_ops` string list, `num_args`, `epsilon`, `leakyrelu_alpha`).
 * - Tensor names follow TF: output 0 of node `n` is `n`, output k is `n:k`; `^control` inputs are dropped.
 * - `Const` nodes become constant tensors (shape from the weights-manifest entry of the same name, else from the
 *   `value` attribute); their values are decoded only for small constants and only when shard bytes are given.
 * - `Placeholder` nodes become graph inputs; a -1 size becomes a symbol ("batch" for dim 0).
 * - TF1 while loops (Enter/Merge/Switch/NextIteration/Exit) are made acyclic: a Merge input produced by a
 *   NextIteration is moved to the Merge's `back_edges` attribute, and a warning says latency is data-dependent.
 * - `NoOp` nodes (control-only) are dropped.
 */
import { EdgelatError, LIMITS } from "../../errors.js";
import { checkShape, validateGraph } from "../../ir/graph.js";
import type { AttrValue, DType, Graph, Node, Shape, TensorInfo } from "../../ir/types.js";
import { invalid, isObject, symbolize, tfAttr } from "./attrs.js";
import { readWeightsManifest, smallWeightValues, type WeightEntry } from "./weights.js";

export interface TfjsParseOptions {
  /** Fix symbolic or missing input dims: `{ input_1: [1, 224, 224, 3] }` (a trailing ":0" is accepted). */
  inputShapes?: Record<string, Shape>;
  /**
   * The weight shards (`.bin`), concatenated in manifest order, or the list of them. Optional: only the values of
   * small constants (shape operands) are decoded from it, so Reshape / Pad / Mean / resize targets fold.
   */
  weightData?: Uint8Array | ArrayBuffer | readonly (Uint8Array | ArrayBuffer)[];
  /**
   * The tensors to compute, like TF.js `executeAsync(inputs, outputs)` (node names, ":k" for output k): the graph
   * keeps only the nodes they need. Default: the signature's outputs, else every node output nobody reads.
   */
  outputs?: readonly string[];
}

const CONTROL_FLOW = new Set(["Enter", "Merge", "Switch", "LoopCond", "Exit", "NextIteration", "While", "StatelessWhile", "If", "StatelessIf"]);

/** Most outputs a node may claim (Split num_split, Unpack num, output references). */
const MAX_OUTPUTS = 4096;

/** Outputs an op always has, beyond those its consumers reference. */
function declaredOutputs(op: string, attrs: Record<string, AttrValue>): number {
  const n = (k: string): number => {
    const v = attrs[k];
    if (v === undefined) return 1;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MAX_OUTPUTS) {
      throw new EdgelatError("invalid_attribute", `${op} attribute ${k}=${JSON.stringify(v)} must be an integer in [1, ${MAX_OUTPUTS}]`, { attribute: k });
    }
    return v;
  };
  switch (op) {
    case "Split":
    case "SplitV":
      return n("num_split");
    case "Unpack":
      return n("num");
    case "TopKV2":
    case "Switch":
    case "Unique":
    case "NonMaxSuppressionV4":
    case "Merge":
      return 2;
    case "NonMaxSuppressionV5":
      return 3;
    case "FusedBatchNorm":
    case "FusedBatchNormV2":
      return 5;
    case "FusedBatchNormV3":
      return 6;
    default:
      return 1;
  }
}

/** "x" → ["x", 0]; "x:2" → ["x", 2]; "^x" → undefined (control input). */
function splitInput(ref: string): [string, number] | undefined {
  if (ref.charCodeAt(0) === 94 /* ^ */) return undefined;
  const colon = ref.lastIndexOf(":");
  if (colon < 0 || colon === ref.length - 1) return [ref, 0];
  for (let i = colon + 1; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c < 48 || c > 57) return [ref, 0];
  }
  return [ref.slice(0, colon), Number(ref.slice(colon + 1))];
}

const tensorName = (node: string, index: number): string => (index === 0 ? node : `${node}:${index}`);

export function concatShards(data: TfjsParseOptions["weightData"]): Uint8Array | undefined {
  if (data === undefined) return undefined;
  const parts = (Array.isArray(data) ? data : [data]) as (Uint8Array | ArrayBuffer)[];
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : new Uint8Array(p)));
  if (arrays.length === 1) return arrays[0];
  const out = new Uint8Array(arrays.reduce((a, b) => a + b.byteLength, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.byteLength;
  }
  return out;
}

/** Applies `inputShapes` (names with or without ":0") to the graph inputs; unknown names are `invalid_argument`. */
export function applyInputShapes(graph: Graph, inputShapes: Record<string, Shape> | undefined): void {
  if (inputShapes === undefined) return;
  for (const [given, shape] of Object.entries(inputShapes)) {
    const name = graph.inputs.includes(given) ? given : given.replace(/:0$/, "");
    const t = graph.tensors.get(name);
    if (!graph.inputs.includes(name) || t === undefined) {
      throw new EdgelatError("invalid_argument", `inputShapes names '${given}', which is not an input (inputs: ${graph.inputs.join(", ")})`, {
        input: given,
      });
    }
    if (!Array.isArray(shape)) throw new EdgelatError("invalid_argument", `inputShapes.${given} must be an array of dims`);
    checkShape(shape, `inputShapes.${given}`);
    if (t.shape !== undefined && t.shape.length !== shape.length) {
      throw new EdgelatError("invalid_argument", `inputShapes.${given} has rank ${shape.length}, the model declares [${t.shape.join(",")}]`, {
        input: given,
      });
    }
    graph.tensors.set(name, { ...t, shape: [...shape] });
  }
}

export function parseTfjsGraphModel(json: Record<string, unknown>, opts: TfjsParseOptions = {}): Graph {
  const topology = json.modelTopology;
  if (!isObject(topology)) invalid("TF.js graph model: modelTopology is not an object");
  const rawNodes = topology.node ?? [];
  if (!Array.isArray(rawNodes)) invalid("TF.js graph model: modelTopology.node is not a list");
  if (rawNodes.length > LIMITS.maxNodes) throw new EdgelatError("too_large", `Graph has ${rawNodes.length} nodes (limit ${LIMITS.maxNodes})`);
  const manifest = readWeightsManifest(json.weightsManifest);
  const data = concatShards(opts.weightData);

  // Pass 1: decode nodes, and count the outputs each one must expose.
  interface Raw { name: string; op: string; inputs: string[]; attrs: Record<string, AttrValue>; device?: string }
  const raws: Raw[] = [];
  const seen = new Set<string>();
  for (const [i, n] of rawNodes.entries()) {
    if (!isObject(n)) invalid(`modelTopology.node[${i}] is not an object`);
    const { name, op } = n;
    if (typeof name !== "string" || name === "") invalid(`modelTopology.node[${i}] has no name`);
    if (typeof op !== "string" || op === "") invalid(`node '${name}' has no op`);
    if (seen.has(name)) throw new EdgelatError("invalid_model", `Two nodes are named '${name}'`, { node: name });
    seen.add(name);
    const input = n.input ?? [];
    if (!Array.isArray(input) || input.some((x) => typeof x !== "string")) invalid(`node '${name}': input is not a list of names`);
    const rawAttr = n.attr ?? {};
    if (!isObject(rawAttr)) invalid(`node '${name}': attr is not an object`);
    const attrs: Record<string, AttrValue> = {};
    for (const key in rawAttr) {
      const decoded = tfAttr(rawAttr[key], `node '${name}' attr '${key}'`);
      if (decoded !== undefined) attrs[key] = decoded;
    }
    raws.push({ name, op, inputs: input as string[], attrs });
  }
  const outputCount = new Map<string, number>();
  for (const r of raws) outputCount.set(r.name, declaredOutputs(r.op, r.attrs));
  for (const r of raws) {
    for (const ref of r.inputs) {
      const s = splitInput(ref);
      if (s === undefined) continue;
      const [src, k] = s;
      const have = outputCount.get(src);
      if (have === undefined) {
        throw new EdgelatError("dangling_tensor", `Node '${r.name}' reads '${ref}', which no node produces`, { node: r.name, tensor: ref });
      }
      if (k >= MAX_OUTPUTS) throw new EdgelatError("too_large", `Node '${r.name}' reads output ${k} of '${src}'`, { node: r.name });
      if (k + 1 > have) outputCount.set(src, k + 1);
    }
  }

  // Pass 2: constants, inputs, nodes.
  const tensors = new Map<string, TensorInfo>();
  const inputs: string[] = [];
  const nodes: Node[] = [];
  const producers = new Map<string, string>(); // node name -> op
  const warnings: string[] = [];
  let droppedNoOps = 0;
  for (const r of raws) producers.set(r.name, r.op);
  for (const r of raws) {
    if (r.op === "Const") {
      tensors.set(r.name, constTensor(r.name, r.attrs, manifest.entries.get(r.name), data));
      continue;
    }
    if (r.op === "Placeholder") {
      const dims = Array.isArray(r.attrs.shape) ? (r.attrs.shape as number[]) : undefined;
      const shape = dims === undefined ? undefined : symbolize(dims, r.name);
      tensors.set(r.name, { name: r.name, dtype: typeof r.attrs.dtype === "string" ? (r.attrs.dtype as DType) : "float32", shape });
      inputs.push(r.name);
      continue;
    }
    if (r.op === "NoOp") {
      droppedNoOps++;
      continue;
    }
    const nodeInputs: string[] = [];
    const backEdges: string[] = [];
    for (const ref of r.inputs) {
      const s = splitInput(ref);
      if (s === undefined) continue;
      const [src, k] = s;
      if (producers.get(src) === "NoOp") continue;
      const t = tensorName(src, k);
      if (r.op === "Merge" && producers.get(src) === "NextIteration") backEdges.push(t);
      else nodeInputs.push(t);
    }
    const attrs = backEdges.length > 0 ? { ...r.attrs, back_edges: backEdges } : r.attrs;
    const count = outputCount.get(r.name)!;
    nodes.push({
      name: r.name,
      opType: r.op,
      domain: "tf",
      inputs: nodeInputs,
      outputs: Array.from({ length: count }, (_, k) => tensorName(r.name, k)),
      attrs,
    });
  }

  linkLoopFrames(nodes, tensors);
  const ops = new Set(nodes.map((n) => n.opType));
  const flow = [...ops].filter((o) => CONTROL_FLOW.has(o));
  if (flow.length > 0) warnings.push(`control flow (${flow.join(", ")}): loop trip counts and branch choices make latency data-dependent`);
  if (isObject(topology.library) && Array.isArray(topology.library.function) && topology.library.function.length > 0) {
    warnings.push(`the model has ${topology.library.function.length} function(s) in modelTopology.library that edgelat does not expand`);
  }

  let outputs = graphOutputs(json, nodes, tensors);
  let kept = nodes;
  if (opts.outputs !== undefined) {
    outputs = opts.outputs.map((o) => {
      const s = splitInput(o);
      const name = s === undefined ? o : tensorName(s[0], s[1]);
      if (!tensors.has(name) && !nodes.some((n) => n.outputs.includes(name))) {
        throw new EdgelatError("invalid_argument", `outputs names '${o}', which no node produces`, { output: o });
      }
      return name;
    });
    kept = neededNodes(nodes, outputs);
    // Tensors nothing kept reads (and that are neither graph outputs nor inputs) go; a set, not a scan per tensor.
    const keep = new Set<string>(outputs);
    for (const name of inputs) keep.add(name);
    for (const n of kept) for (const name of n.inputs) keep.add(name);
    for (const name of [...tensors.keys()]) if (!keep.has(name)) tensors.delete(name);
  }
  const metadata: Record<string, string> = { format: "graph-model" };
  for (const key of ["generatedBy", "convertedBy"] as const) if (typeof json[key] === "string") metadata[key] = json[key] as string;
  if (manifest.quantized.size > 0) metadata.weightQuantization = [...manifest.quantized].join(",");
  if (droppedNoOps > 0) metadata.droppedNoOps = String(droppedNoOps);

  const graph: Graph = {
    name: typeof json.name === "string" ? json.name : "tfjs-graph-model",
    format: "tfjs-graph",
    nodes: kept,
    tensors,
    inputs,
    outputs,
    opsets: { tf: 1 },
    metadata,
  };
  if (warnings.length > 0) graph.warnings = warnings;
  applyInputShapes(graph, opts.inputShapes);
  return validateGraph(graph);
}

/** The nodes `outputs` depend on (loop back edges included), in their original order. */
function neededNodes(nodes: Node[], outputs: string[]): Node[] {
  const producer = new Map<string, Node>();
  for (const n of nodes) for (const o of n.outputs) producer.set(o, n);
  const needed = new Set<Node>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const n = producer.get(stack.pop()!);
    if (n === undefined || needed.has(n)) continue;
    needed.add(n);
    stack.push(...n.inputs, ...((n.attrs.back_edges as string[] | undefined) ?? []));
  }
  return nodes.filter((n) => needed.has(n));
}

/**
 * With its NextIteration back edge cut, a loop Merge would see only the loop's entry value, which is often a constant
 * (an empty TensorList, a zero counter): shape inference would then fold the whole loop and everything after it.
 * A loop-carried value depends on every loop-variant input of its frame, so each Merge also reads the frame's Enter
 * nodes whose value is not a constant (attribute `frame_inputs` lists them; input 0 stays the entry value).
 */
function linkLoopFrames(nodes: Node[], tensors: Map<string, TensorInfo>): void {
  const enters = new Map<string, Node[]>();
  const byOutput = new Map<string, Node>();
  for (const n of nodes) {
    for (const o of n.outputs) byOutput.set(o, n);
    if (n.opType !== "Enter") continue;
    const frame = String(n.attrs.frame_name ?? "");
    const list = enters.get(frame) ?? [];
    list.push(n);
    enters.set(frame, list);
  }
  const variant = (e: Node): boolean => !e.attrs.is_constant && e.inputs[0] !== undefined && tensors.get(e.inputs[0])?.constant === undefined;
  for (const n of nodes) {
    if (n.opType !== "Merge" || n.attrs.back_edges === undefined) continue;
    const entry = byOutput.get(n.inputs[0] ?? "");
    if (entry?.opType !== "Enter") continue;
    const extra = (enters.get(String(entry.attrs.frame_name ?? "")) ?? []).filter((e) => e !== entry && variant(e)).map((e) => e.outputs[0]!);
    if (extra.length === 0) continue;
    n.inputs.push(...extra);
    n.attrs = { ...n.attrs, frame_inputs: extra };
  }
}

function constTensor(
  name: string,
  attrs: Record<string, AttrValue>,
  entry: WeightEntry | undefined,
  data: Uint8Array | undefined,
): TensorInfo {
  const value = attrs.value;
  const fromAttr = isObject(value) && "dtype" in value ? (value as TensorInfo) : undefined;
  const dtype: DType = fromAttr?.dtype !== undefined && fromAttr.dtype !== "unknown" ? fromAttr.dtype : typeof attrs.dtype === "string" ? (attrs.dtype as DType) : entry?.dtype ?? "unknown";
  const shape: Shape | undefined = entry !== undefined ? [...entry.shape] : fromAttr?.shape;
  const info: TensorInfo = { name, dtype, shape, constant: { source: "weights-manifest" } };
  const inline = fromAttr?.constant?.values;
  if (inline !== undefined) info.constant = { source: "constant-node", values: inline };
  else if (entry !== undefined && data !== undefined) {
    const values = smallWeightValues(entry, data);
    if (values !== undefined) info.constant = { source: "weights-manifest", values };
  }
  return info;
}

/** The signature's outputs when they all resolve to tensors; else the node outputs nobody reads. */
function graphOutputs(json: Record<string, unknown>, nodes: Node[], tensors: Map<string, TensorInfo>): string[] {
  const produced = new Set<string>(tensors.keys());
  for (const n of nodes) for (const o of n.outputs) produced.add(o);
  const sig = isObject(json.signature) ? json.signature : isObject((json.userDefinedMetadata as Record<string, unknown> | undefined)?.signature) ? ((json.userDefinedMetadata as Record<string, unknown>).signature as Record<string, unknown>) : undefined;
  if (sig !== undefined && isObject(sig.outputs)) {
    const names = Object.entries(sig.outputs).map(([key, v]) => {
      const raw = isObject(v) && typeof v.name === "string" ? v.name : key;
      const s = splitInput(raw);
      return s === undefined ? raw : tensorName(s[0], s[1]);
    });
    if (names.length > 0 && names.every((n) => produced.has(n))) return [...new Set(names)];
  }
  const consumed = new Set<string>();
  for (const n of nodes) for (const i of n.inputs) consumed.add(i);
  for (const n of nodes) for (const b of (n.attrs.back_edges as string[] | undefined) ?? []) consumed.add(b);
  const outs: string[] = [];
  for (const n of nodes) {
    if (n.opType === "NextIteration") continue;
    if (!consumed.has(n.outputs[0]!)) outs.push(n.outputs[0]!);
  }
  return outs;
}

