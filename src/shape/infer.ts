/**
 * Shape inference and the per-node cost model.
 *
 * `inferShapes` walks the nodes in topological order and applies each op's declarative `OpSpec.shape` rule (attribute
 * defaults applied), propagating small known values so shape-computing subgraphs (Shape → Gather → Concat → Reshape,
 * ConstantOfShape, Range, …) fold to constants. It never mutates its input: it returns a new tensors map.
 *
 * Rules of the road:
 * - An op without a spec never crashes and never vanishes: its outputs stay unknown and it is listed in `unknown`.
 *   So is every node with an output of unknown or symbolic shape, and every node downstream of an unknown tensor.
 * - An invalid model (channel mismatch, incompatible broadcast, out-of-range attribute) throws `EdgelatError` with
 *   code `invalid_shape` / `invalid_attribute` / `invalid_model`, naming the node.
 * - A node is *folded* when every output is a constant: its values are known (shape computations) or all its inputs
 *   are constants (e.g. a `Constant` node, or a Transpose of a weight), which runtimes precompute (ORT constant
 *   folding, TFLite converter). Folded nodes cost nothing: all their cost fields are 0.
 * - Costs: `flops` from the spec (see the conventions in `src/ops/onnx/index.ts`); `params` = elements of constant
 *   inputs except int64 ones (shape operands and indices) and constants folded from shapes alone (a
 *   ConstantOfShape used for padding); `bytesRead` = bytes of every input
 *   (constants included); `bytesWritten` = bytes of every output. Unknown shapes count 0.
 */
import { EdgelatError, LIMITS } from "../errors.js";
import { checkShape, topoSort } from "../ir/graph.js";
import type { AttrValue, ConstantInfo, Graph, Node, Shape, TensorInfo } from "../ir/types.js";
import { defaultOpRegistry } from "../ops/registry.js";
import { opKey, type NodeCost, type OpContext, type OpRegistry, type OpSpec, type SubgraphResult, type TensorType } from "../ops/types.js";
import { DTYPE_BYTES } from "./dtype.js";
import type { InferOptions, InferredGraph, ShapeIssue } from "./types.js";
import { UnknownShape } from "./unknown.js";

const ZERO_COST: Readonly<NodeCost> = Object.freeze({ flops: 0, params: 0, bytesRead: 0, bytesWritten: 0 });

/**
 * Tensor types visible while inferring one graph: its own, then (for subgraphs) the enclosing scopes'. Constants of
 * the graph are converted from `constants` when read.
 */
class Scope {
  readonly types = new Map<string, TensorType>();
  /** Folded tensors computed from shapes only (ConstantOfShape, Range, …): constants, but not weights. */
  readonly shapeConstants = new Set<string>();
  constructor(
    readonly parent?: Scope,
    private readonly constants?: ReadonlyMap<string, TensorInfo>,
  ) {}
  get(name: string): TensorType | undefined {
    const t = this.types.get(name);
    if (t !== undefined) return t;
    const c = this.constants?.get(name);
    // Not cached: most constants (weights) are read once, and a Map.set costs more than the small object.
    if (c?.constant !== undefined) return constantType(c);
    return this.parent?.get(name);
  }
  isShapeConstant(name: string): boolean {
    return (this.shapeConstants.size > 0 && this.shapeConstants.has(name)) || (this.parent?.isShapeConstant(name) ?? false);
  }
}

/**
 * Whether a constant tensor counts as parameters: not int64 (shape operands, indices) and not folded from shape
 * computations alone (a ConstantOfShape of zeros used for channel padding is no weight).
 */
function isWeight(constant: boolean | undefined, dtype: string, shapeConstant: boolean): boolean {
  return constant === true && dtype !== "int64" && !shapeConstant;
}

/** `isWeight` for a node input, looking the name up in the scope only for constants that may be weights. */
function isWeightInput(scope: Scope, t: TensorType, name: string): boolean {
  return t.constant === true && t.dtype !== "int64" && !scope.isShapeConstant(name);
}

interface RunResult {
  nodes: Node[];
  costs: NodeCost[];
  unknown: ShapeIssue[];
  folded: Set<string>;
  /** Outputs of folded nodes. */
  foldedTensors: Set<string>;
  /** The type stored for each named node output, in node and output order. */
  outputTypes: TensorType[];
  scope: Scope;
}

/**
 * Infers dtype and shape of every tensor of `graph`, folds constant shape computations, and costs every node.
 * `opts.inputShapes` fixes the shapes of graph inputs (an unknown input name, or a rank different from the declared
 * one, is `invalid_argument`).
 */
export function inferShapes(graph: Graph, opts: InferOptions = {}, registry: OpRegistry = defaultOpRegistry): InferredGraph {
  const scope = new Scope(undefined, graph.tensors);
  const inputShapes = opts.inputShapes ?? {};
  for (const name of Object.keys(inputShapes)) {
    if (!graph.inputs.includes(name)) {
      throw new EdgelatError(
        "invalid_argument",
        `inputShapes names '${name}', which is not an input of the graph (inputs: ${graph.inputs.join(", ") || "none"})`,
        { input: name, inputs: graph.inputs },
      );
    }
  }
  for (const name of graph.inputs) {
    const t = graph.tensors.get(name);
    const override = inputShapes[name];
    let shape = t?.shape;
    if (override !== undefined) {
      if (!Array.isArray(override)) {
        throw new EdgelatError("invalid_argument", `inputShapes.${name} must be an array of dims`, { input: name });
      }
      checkShape(override, `inputShapes.${name}`);
      if (shape !== undefined && shape.length !== override.length) {
        throw new EdgelatError(
          "invalid_argument",
          `inputShapes.${name} has rank ${override.length} but the model declares [${shape.join(",")}] (rank ${shape.length})`,
          { input: name, declared: shape, given: override },
        );
      }
      shape = override;
    }
    scope.types.set(name, { dtype: t?.dtype ?? "unknown", shape });
  }

  const run = runGraph(graph, scope, graph.opsets, registry);

  // A copy of the tensors in which inferred entries replace the originals (node outputs, then inputs: an input keeps its
  // entry, with the inferred dtype and shape); node outputs a hand-made graph did not declare are added, in node order.
  const tensors = new Map<string, TensorInfo>();
  graph.tensors.forEach((t, name) => tensors.set(name, t)); // (no entry arrays, unlike `new Map(graph.tensors)`)
  const isInput = new Set(graph.inputs);
  const nodes = run.nodes;
  const anyFolded = run.foldedTensors.size > 0;
  // `scope.types` holds the inputs and every node output: when its size is their sum, no output repeats another or an
  // input (always so in a validated graph), and each output's final type is the one stored for it, in this order.
  const distinct = scope.types.size === isInput.size + run.outputTypes.length;
  for (let n = 0, k = 0; n < nodes.length; n++) {
    const outs = nodes[n]!.outputs;
    for (let o = 0; o < outs.length; o++) {
      const out = outs[o]!;
      if (out === "") continue;
      if (distinct) {
        tensors.set(out, tensorInfo(out, run.outputTypes[k++]!, anyFolded && run.foldedTensors.has(out)));
        continue;
      }
      if (isInput.has(out) && graph.tensors.has(out)) continue;
      const t = scope.types.get(out);
      if (t !== undefined) tensors.set(out, tensorInfo(out, t, anyFolded && run.foldedTensors.has(out)));
    }
  }
  for (const name of graph.inputs) {
    const prev = graph.tensors.get(name);
    const t = scope.types.get(name);
    if (prev !== undefined && t !== undefined) tensors.set(name, prev.shape === t.shape ? prev : { ...prev, name, dtype: t.dtype, shape: t.shape });
  }
  return {
    graph: { ...graph, nodes: run.nodes, tensors },
    costs: run.costs,
    unknown: run.unknown,
    folded: run.folded,
  };
}

function tensorInfo(name: string, t: TensorType, folded: boolean): TensorInfo {
  // Whole literals (no property added later), keys in the order name, dtype, shape, constant.
  const shape = t.shape;
  if (!folded) return shape === undefined ? { name, dtype: t.dtype } : { name, dtype: t.dtype, shape };
  const constant: ConstantInfo =
    t.values !== undefined && t.values.length <= LIMITS.maxFoldedElements ? { source: "folded", values: t.values } : { source: "folded" };
  return shape === undefined ? { name, dtype: t.dtype, constant } : { name, dtype: t.dtype, shape, constant };
}

function constantType(t: TensorInfo): TensorType {
  // One literal per case (no property added later: a stable object shape for the rules reading it).
  const values = t.constant?.values;
  return values === undefined ? { dtype: t.dtype, shape: t.shape, constant: true } : { dtype: t.dtype, shape: t.shape, constant: true, values };
}

function isStatic(shape: Shape): boolean {
  for (let i = 0; i < shape.length; i++) if (typeof shape[i] !== "number") return false;
  return true;
}

/** Fast pre-check of an inferred shape; `checkShape` (which builds a message) runs only when this fails. */
function plausibleShape(shape: Shape): boolean {
  if (shape.length > LIMITS.maxRank) return false;
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (typeof d !== "number") continue;
    if (!Number.isInteger(d) || d < 0 || d > LIMITS.maxDim) return false;
    n *= d;
  }
  return n <= LIMITS.maxTensorElements;
}

function bytesOf(t: TensorType | undefined): number {
  if (t === undefined || t.shape === undefined) return 0;
  const shape = t.shape;
  let n = DTYPE_BYTES[t.dtype] ?? 0;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (typeof d !== "number") return 0;
    n *= d;
  }
  return n;
}

function elementsOf(t: TensorType): number {
  const shape = t.shape;
  if (shape === undefined) return 0;
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (typeof d !== "number") return 0;
    n *= d;
  }
  return n;
}

function describeOp(node: Node): string {
  return node.domain === "" || node.domain === "ai.onnx" ? node.opType : `${node.domain}::${node.opType}`;
}

function fmtShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** A spec's attribute defaults and required names, computed once per spec. */
interface AttrPlan {
  keys: string[];
  defaults: Record<string, AttrValue>;
  required: string[];
}
const attrPlans = new WeakMap<OpSpec, AttrPlan>();

function attrPlan(spec: OpSpec): AttrPlan {
  let plan = attrPlans.get(spec);
  if (plan === undefined) {
    plan = { keys: [], defaults: {}, required: [] };
    for (const [key, a] of Object.entries(spec.attrs ?? {})) {
      if (a.default !== undefined) {
        plan.keys.push(key);
        plan.defaults[key] = a.default;
      } else if (a.required) plan.required.push(key);
    }
    attrPlans.set(spec, plan);
  }
  return plan;
}

/** Attributes with the spec's defaults applied; `node.attrs` itself when nothing is missing. */
function withDefaults(node: Node, spec: OpSpec): Record<string, AttrValue> {
  if (spec.attrs === undefined) return node.attrs;
  const plan = attrPlan(spec);
  const attrs = node.attrs;
  for (const key of plan.required) {
    if (attrs[key] === undefined) {
      throw new EdgelatError("invalid_attribute", `Node '${node.name}' (${describeOp(node)}) lacks required attribute '${key}'`, {
        node: node.name,
        attribute: key,
      });
    }
  }
  for (const key of plan.keys) {
    if (attrs[key] === undefined) return Object.assign({}, plan.defaults, attrs);
  }
  return attrs;
}

function checkRequiredInputs(node: Node, spec: OpSpec): void {
  const specs = spec.inputs;
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i]!;
    if (s.optional) continue;
    if (s.variadic) {
      if (node.inputs.length <= i) {
        throw new EdgelatError("invalid_model", `Node '${node.name}' (${describeOp(node)}) needs at least one '${s.name}' input`, {
          node: node.name,
        });
      }
      return;
    }
    const name = node.inputs[i];
    if (name === undefined || name === "") {
      throw new EdgelatError("invalid_model", `Node '${node.name}' (${describeOp(node)}) lacks required input '${s.name}'`, {
        node: node.name,
        input: s.name,
      });
    }
  }
}

/** Re-throws an error from a shape rule so that it names the node. */
function nodeError(node: Node, e: EdgelatError): EdgelatError {
  if (e.details.node !== undefined) return e;
  return new EdgelatError(e.code, `Node '${node.name}' (${describeOp(node)}): ${e.message}`, { ...e.details, node: node.name });
}

function runGraph(graph: Graph, scope: Scope, opsets: Record<string, number>, registry: OpRegistry): RunResult {
  let nodes = graph.nodes;
  for (let attempt = 0; ; attempt++) {
    const result = runNodes(nodes, scope, opsets, registry);
    if (result !== "unsorted") return { ...result, nodes, scope };
    if (attempt > 0) throw new EdgelatError("cyclic_graph", `Graph '${graph.name}' cannot be put in topological order`);
    // A node read a tensor produced later in the list: sort and start again (cheap; parsers usually sort already).
    for (const node of nodes) for (const out of node.outputs) scope.types.delete(out);
    nodes = topoSort(nodes);
  }
}

function runNodes(
  nodes: readonly Node[],
  scope: Scope,
  opsets: Record<string, number>,
  registry: OpRegistry,
): Omit<RunResult, "nodes" | "scope"> | "unsorted" {
  const costs: NodeCost[] = new Array(nodes.length);
  const unknown: ShapeIssue[] = [];
  const folded = new Set<string>();
  const foldedTensors = new Set<string>();
  const outputTypes: TensorType[] = [];
  let laterOutputs: Set<string> | undefined;
  const defaultDomainSpecs = new Map<string, OpSpec | undefined>();
  // Subgraph results, memoized so a spec's `shape` and `flops` share one inference per subgraph.
  const subgraphMemo = new Map<Graph, SubgraphResult>();
  const inferSubgraph = (g: Graph, inputs?: readonly (TensorType | undefined)[]): SubgraphResult => {
    const memo = subgraphMemo.get(g);
    if (memo !== undefined) return memo;
    const result = runSubgraph(g, scope, inputs ?? [], { ...opsets, ...g.opsets }, registry);
    subgraphMemo.set(g, result);
    return result;
  };

  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]!;
    const domain = node.domain === "ai.onnx" ? "" : node.domain;
    let spec: OpSpec | undefined;
    if (domain === "") {
      // Registry keys are built strings: memoize default-domain lookups by op type (interned) per call.
      spec = defaultDomainSpecs.get(node.opType);
      if (spec === undefined && !defaultDomainSpecs.has(node.opType)) {
        spec = registry.get(opKey("", node.opType));
        defaultDomainSpecs.set(node.opType, spec);
      }
    } else spec = registry.get(opKey(domain, node.opType));
    const nIn = node.inputs.length;
    const inputs: (TensorType | undefined)[] = new Array(nIn);
    let reason: string | undefined;
    let allConstant = nIn > 0;
    for (let i = 0; i < nIn; i++) {
      const name = node.inputs[i]!;
      if (name === "") {
        inputs[i] = undefined;
        continue;
      }
      const t = scope.get(name);
      if (t === undefined) {
        // Produced by a later node? Then the list is not topologically sorted.
        laterOutputs ??= new Set(nodes.slice(n).flatMap((x) => x.outputs));
        if (laterOutputs.has(name)) return "unsorted";
      }
      inputs[i] = t;
      if (t === undefined || t.shape === undefined) {
        reason ??= `input ${name} has unknown shape`;
        allConstant = false;
      } else if (!t.constant) allConstant = false;
    }
    if (spec === undefined) reason = `no shape rule for ${describeOp(node)}`;

    let outputs: TensorType[] | undefined;
    let ctx: OpContext | undefined;
    if (reason === undefined) {
      checkRequiredInputs(node, spec!);
      const attrs = withDefaults(node, spec!);
      ctx = { node, inputs, attrs, opset: opsets[domain] ?? defaultOpset(domain), subgraph: inferSubgraph };
      try {
        outputs = spec!.shape(ctx);
      } catch (e) {
        if (e instanceof UnknownShape) reason = e.message;
        else if (e instanceof EdgelatError) throw nodeError(node, e);
        else reason = `shape rule for ${describeOp(node)} failed: ${(e as Error)?.message ?? String(e)}`;
      }
    }

    // Store output types; find whether the node folds and whether anything stayed unknown.
    let isFolded = node.outputs.length > 0;
    let stored: TensorType | undefined; // the last type stored with a shape (a single-output node's bytes written)
    for (let o = 0; o < node.outputs.length; o++) {
      const name = node.outputs[o]!;
      if (name === "") continue;
      let t = outputs?.[o];
      // A rule may hand back an input's own type object: never mutate what an input (or a constant) owns.
      if (t !== undefined && inputs.includes(t)) t = { ...t };
      if (t === undefined) {
        const unknownType: TensorType = { dtype: "unknown" };
        scope.types.set(name, unknownType);
        outputTypes.push(unknownType);
        isFolded = false;
        if (reason === undefined && outputs !== undefined) reason = `output ${name} has no inferred type`;
        continue;
      }
      if (t.shape !== undefined) {
        if (!plausibleShape(t.shape)) checkShape(t.shape, `Node '${node.name}' (${describeOp(node)}) output ${name}`);
        const stat = isStatic(t.shape);
        if (!stat) reason ??= `output ${name} has symbolic dims ${fmtShape(t.shape)}`;
        if (stat && (t.constant || allConstant || t.values !== undefined)) t.constant = true;
        else {
          if (t.constant) t.constant = false;
          isFolded = false;
        }
      } else {
        reason ??= `output ${name} has unknown shape`;
        isFolded = false;
      }
      scope.types.set(name, t);
      outputTypes.push(t);
      stored = t;
    }
    if (reason !== undefined) unknown.push({ node: node.name, opType: node.opType, domain: node.domain, reason });

    if (isFolded && reason === undefined) {
      folded.add(node.name);
      for (const out of node.outputs) if (out !== "") foldedTensors.add(out);
      costs[n] = { ...ZERO_COST };
      let fromWeights = nIn === 0;
      for (let i = 0; i < nIn && !fromWeights; i++) {
        const t = inputs[i];
        if (t !== undefined && isWeightInput(scope, t, node.inputs[i]!)) fromWeights = true;
      }
      if (!fromWeights) for (const out of node.outputs) if (out !== "") scope.shapeConstants.add(out);
      continue;
    }
    let params = 0;
    let bytesRead = 0;
    for (let i = 0; i < nIn; i++) {
      const t = inputs[i];
      if (t === undefined) continue;
      bytesRead += bytesOf(t);
      if (isWeightInput(scope, t, node.inputs[i]!)) params += elementsOf(t);
    }
    let bytesWritten = 0;
    if (node.outputs.length === 1) bytesWritten = bytesOf(stored);
    else for (let o = 0; o < node.outputs.length; o++) if (node.outputs[o] !== "") bytesWritten += bytesOf(scope.types.get(node.outputs[o]!));
    let flops = 0;
    if (outputs !== undefined && ctx !== undefined && spec!.flops !== undefined) {
      try {
        flops = spec!.flops(ctx, outputs);
      } catch (e) {
        if (e instanceof EdgelatError) throw nodeError(node, e);
        if (!(e instanceof UnknownShape)) throw e;
      }
      if (!Number.isFinite(flops) || flops < 0) flops = 0;
    }
    costs[n] = { flops, params, bytesRead, bytesWritten };
  }
  return { costs, unknown, folded, foldedTensors, outputTypes };
}

/** Opset assumed when a graph does not declare one for a domain. */
function defaultOpset(domain: string): number {
  return domain === "" ? 17 : 1;
}

function runSubgraph(
  g: Graph,
  outer: Scope,
  inputs: readonly (TensorType | undefined)[],
  opsets: Record<string, number>,
  registry: OpRegistry,
): SubgraphResult {
  const scope = new Scope(outer, g.tensors);
  g.inputs.forEach((name, i) => {
    const given = inputs[i];
    const declared = g.tensors.get(name);
    scope.types.set(name, given ?? { dtype: declared?.dtype ?? "unknown", shape: declared?.shape });
  });
  const run = runGraph(g, scope, opsets, registry);
  let flops = 0;
  for (const c of run.costs) flops += c.flops;
  return {
    outputs: g.outputs.map((name) => scope.get(name)),
    flops,
    issues: run.unknown.map((u) => `${u.node}: ${u.reason}`),
  };
}

/** Totals of an inferred graph. `params` counts each distinct constant tensor once (weights shared by nodes too). */
export interface GraphSummary {
  nodes: number;
  flops: number;
  params: number;
  bytesRead: number;
  bytesWritten: number;
  /** Number of nodes listed in `unknown`. */
  unknownShapes: number;
  /** Node count per op type (domain-qualified for non-default domains: "com.microsoft::FusedConv"). */
  opHistogram: Record<string, number>;
}

export function summarizeGraph(inferred: InferredGraph): GraphSummary {
  const { graph, costs } = inferred;
  let flops = 0;
  let bytesRead = 0;
  let bytesWritten = 0;
  const opHistogram: Record<string, number> = {};
  const weights = new Set<string>();
  const shapeConstants = new Set<string>();
  const weight = (name: string): TensorInfo | undefined => {
    const t = graph.tensors.get(name);
    return t !== undefined && isWeight(t.constant !== undefined, t.dtype, shapeConstants.has(name)) ? t : undefined;
  };
  let params = 0;
  for (let i = 0; i < graph.nodes.length; i++) {
    const node = graph.nodes[i]!;
    const c = costs[i]!;
    flops += c.flops;
    bytesRead += c.bytesRead;
    bytesWritten += c.bytesWritten;
    const key = describeOp(node);
    opHistogram[key] = (opHistogram[key] ?? 0) + 1;
    if (inferred.folded.has(node.name)) {
      if (node.inputs.length > 0 && !node.inputs.some((name) => name !== "" && weight(name) !== undefined)) {
        for (const out of node.outputs) shapeConstants.add(out);
      }
      continue;
    }
    for (const name of node.inputs) {
      if (name === "" || weights.has(name)) continue;
      const t = weight(name);
      if (t?.shape === undefined) continue;
      weights.add(name);
      params += elementsOf({ dtype: t.dtype, shape: t.shape });
    }
  }
  return {
    nodes: graph.nodes.length,
    flops,
    params,
    bytesRead,
    bytesWritten,
    unknownShapes: inferred.unknown.length,
    opHistogram,
  };
}
