import { EdgelatError, LIMITS } from "../errors.js";
import type { Graph, Node, Shape, TensorInfo } from "./types.js";

/** Map from tensor name to the index of the node that produces it. */
export function producerIndex(graph: Graph): Map<string, number> {
  const producers = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    for (const out of node.outputs) if (out !== "") producers.set(out, i);
  });
  return producers;
}

/** Map from tensor name to the indices of the nodes that read it (a node reading twice is listed once). */
export function consumerIndex(graph: Graph): Map<string, number[]> {
  const consumers = new Map<string, number[]>();
  graph.nodes.forEach((node, i) => {
    for (const inp of node.inputs) {
      if (inp === "") continue;
      const list = consumers.get(inp);
      if (list === undefined) consumers.set(inp, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }
  });
  return consumers;
}

/**
 * Checks structure and returns a graph whose nodes are in topological order (Kahn's order, see `topoSort`: deterministic
 * for a given node order, but an input that is already topologically sorted may still be reordered). Throws `duplicate_producer`, `dangling_tensor` or `cyclic_graph` (with the nodes involved).
 * Tensors referenced but missing from `graph.tensors` get an entry with unknown dtype and shape.
 */
export function validateGraph(graph: Graph): Graph {
  return checkGraph(graph, new Map(graph.tensors), false);
}

/**
 * `validateGraph` for a caller that owns `graph.tensors` (a parser that has just built it): the missing entries are
 * added to that map itself instead of a copy. Same checks, same result. `namesUnique`: the caller made the node names
 * unique itself (a parser's renaming, a builder's generated names), so that check is skipped.
 */
export function validateOwnedGraph(graph: Graph, opts: { namesUnique?: boolean } = {}): Graph {
  return checkGraph(graph, graph.tensors, opts.namesUnique ?? false);
}

/** Producer codes in `checkGraph`: node index ≥ 0, or one of these. */
const PRODUCED_BY_INPUT = -1;
const PRODUCED_BY_CONSTANT = -2;
/** An omitted optional input (""), or (in `topoSort`) a name no node produces. */
const NO_PRODUCER = -3;

function checkGraph(graph: Graph, tensors: Map<string, TensorInfo>, namesUnique: boolean): Graph {
  const graphNodes = graph.nodes;
  if (graphNodes.length > LIMITS.maxNodes) {
    throw new EdgelatError("too_large", `Graph has ${graphNodes.length} nodes (limit ${LIMITS.maxNodes})`);
  }
  // Producer of each tensor: node index ≥ 0, PRODUCED_BY_CONSTANT for constants of `graph.tensors` (folded tensors,
  // from shape inference's constant folding, keep their producing node: they are not sources), PRODUCED_BY_INPUT.
  // Constants are looked up in `graph.tensors` rather than copied into `produced` (most tensors of a model are weights).
  const produced = new Map<string, number>(); // graph inputs and node outputs
  const declared = graph.tensors;
  const constantCode = (name: string): number | undefined => {
    const c = declared.get(name)?.constant;
    return c && c.source !== "folded" ? PRODUCED_BY_CONSTANT : undefined;
  };
  // (A name that is both a graph input and a constant reads as the input here: both are sources, and both have entries.)
  const producerOf = (name: string): number | undefined => produced.get(name) ?? constantCode(name);
  const names = namesUnique ? undefined : new Set<string>();
  for (const name of graph.inputs) produced.set(name, PRODUCED_BY_INPUT);
  // Whether each node output (flat, `outStart` offsets) lacks an entry in `graph.tensors` (1) or not (0).
  const outStart = new Int32Array(graphNodes.length + 1);
  const missing: number[] = [];
  for (let i = 0; i < graphNodes.length; i++) {
    const node = graphNodes[i]!;
    if (names !== undefined) {
      if (names.has(node.name)) throw new EdgelatError("invalid_model", `Two nodes are named '${node.name}'`, { node: node.name });
      names.add(node.name);
    }
    const outs = node.outputs;
    outStart[i] = missing.length;
    for (let o = 0; o < outs.length; o++) {
      const out = outs[o]!;
      if (out === "") {
        missing.push(0);
        continue;
      }
      const t = declared.get(out);
      const c = t?.constant;
      const constant = c ? c.source !== "folded" : false;
      // A new name grows `produced`; an input's or an earlier output's does not (found again only to report it).
      const size = produced.size;
      if (constant || produced.set(out, i).size === size) {
        const prev = constant ? PRODUCED_BY_CONSTANT : firstProducer(graph, out, i, o);
        const prevName = prev === PRODUCED_BY_INPUT ? "<input>" : prev === PRODUCED_BY_CONSTANT ? "<constant>" : graphNodes[prev]!.name;
        throw new EdgelatError(
          "duplicate_producer",
          `Tensor '${out}' is produced by both ${prev < 0 ? prevName : `node '${prevName}'`} and node '${node.name}'`,
          { tensor: out, producers: [prevName, node.name] },
        );
      }
      missing.push(t === undefined ? 1 : 0);
    }
  }
  outStart[graphNodes.length] = missing.length;
  // Dangling inputs; the producer code of every node input is kept (flat, `inStart` offsets) for Kahn's algorithm and
  // for the pass below, so that each input is looked up once.
  const inStart = new Int32Array(graphNodes.length + 1);
  const inProducer: number[] = [];
  for (let i = 0; i < graphNodes.length; i++) {
    const node = graphNodes[i]!;
    const ins = node.inputs;
    inStart[i] = inProducer.length;
    for (let k = 0; k < ins.length; k++) {
      const inp = ins[k]!;
      if (inp === "") {
        inProducer.push(NO_PRODUCER);
        continue;
      }
      const p = producerOf(inp);
      if (p === undefined) {
        throw new EdgelatError("dangling_tensor", `Node '${node.name}' reads tensor '${inp}', which nothing produces`, {
          node: node.name,
          tensor: inp,
        });
      }
      inProducer.push(p);
    }
  }
  inStart[graphNodes.length] = inProducer.length;
  for (const out of graph.outputs) {
    if (producerOf(out) === undefined) {
      throw new EdgelatError("dangling_tensor", `Graph output '${out}' is not produced by any node or input`, {
        tensor: out,
      });
    }
  }
  const order = kahn(graphNodes, inStart, inProducer);
  // Missing entries, in Kahn order (a node's inputs, then its outputs). An input produced by a node was added with that
  // node's outputs, and constants have entries: only inputs read from graph inputs need a look.
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    const node = graphNodes[i]!;
    const ins = node.inputs;
    for (let k = 0; k < ins.length; k++) {
      const name = ins[k]!;
      if (inProducer[inStart[i]! + k] === PRODUCED_BY_INPUT && !tensors.has(name)) tensors.set(name, { name, dtype: "unknown" });
    }
    // (Outputs are distinct and never graph inputs, so an output's entry is missing now iff it was at the start.)
    const outs = node.outputs;
    for (let o = 0; o < outs.length; o++) if (missing[outStart[i]! + o] === 1) tensors.set(outs[o]!, { name: outs[o]!, dtype: "unknown" });
  }
  for (const name of graph.inputs) if (!tensors.has(name)) tensors.set(name, { name, dtype: "unknown" });
  return { ...graph, nodes: nodesInOrder(graphNodes, order), tensors };
}

/**
 * The producer `checkGraph` had recorded for `name` before node `i` output it again (as its output `o`): a graph input,
 * or the first node (or an earlier output of node `i`) producing it. Only for the error message.
 */
function firstProducer(graph: Graph, name: string, i: number, o: number): number {
  if (graph.inputs.includes(name)) return PRODUCED_BY_INPUT;
  for (let j = 0; j <= i; j++) {
    const outs = graph.nodes[j]!.outputs;
    for (let k = 0; k < (j === i ? o : outs.length); k++) if (outs[k] === name) return j;
  }
  return i;
}

/**
 * Kahn's algorithm with a FIFO queue seeded in index order (nodes without producers first, then in order of becoming
 * ready): deterministic, O(n + edges), but not order-preserving for inputs that are already sorted. Throws
 * `cyclic_graph` naming the nodes on cycles.
 */
export function topoSort(nodes: readonly Node[]): Node[] {
  const producer = new Map<string, number>();
  for (let i = 0; i < nodes.length; i++) {
    const outs = nodes[i]!.outputs;
    for (let o = 0; o < outs.length; o++) if (outs[o] !== "") producer.set(outs[o]!, i);
  }
  const inStart = new Int32Array(nodes.length + 1);
  const inProducer: number[] = [];
  for (let i = 0; i < nodes.length; i++) {
    inStart[i] = inProducer.length;
    const ins = nodes[i]!.inputs;
    for (let k = 0; k < ins.length; k++) inProducer.push(producer.get(ins[k]!) ?? NO_PRODUCER);
  }
  inStart[nodes.length] = inProducer.length;
  return nodesInOrder(nodes, kahn(nodes, inStart, inProducer));
}

/** The nodes in `order` (a permutation of their indices); a copy of the list when the order is the identity. */
function nodesInOrder(nodes: readonly Node[], order: Int32Array): Node[] {
  let identity = true;
  for (let j = 0; j < order.length && identity; j++) if (order[j] !== j) identity = false;
  if (identity) return nodes.slice();
  const out = new Array<Node>(order.length);
  for (let j = 0; j < order.length; j++) out[j] = nodes[order[j]!]!;
  return out;
}

/**
 * Kahn's algorithm over the producers of every node input (`inProducer[inStart[i] + k]`: index of the node producing
 * input k of node i; negative values — graph inputs, constants, omitted or unknown names — are sources). Returns the
 * node indices in order. Successors are kept in flat typed arrays (CSR), each list ascending. Throws `cyclic_graph`
 * naming the nodes on cycles.
 */
function kahn(nodes: readonly Node[], inStart: Int32Array, inProducer: readonly number[]): Int32Array {
  const n = nodes.length;
  // Distinct producers of each node, in first-read order (a node reading one producer twice depends on it once).
  const depStart = new Int32Array(n + 1);
  const deps: number[] = [];
  const lastReader = new Int32Array(n).fill(-1);
  const outdegree = new Int32Array(n);
  const indegree = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    depStart[i] = deps.length;
    for (let k = inStart[i]!; k < inStart[i + 1]!; k++) {
      const p = inProducer[k]!;
      if (p < 0 || lastReader[p] === i) continue;
      lastReader[p] = i;
      deps.push(p);
      outdegree[p]!++;
      indegree[i]!++;
    }
  }
  depStart[n] = deps.length;
  const succStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) succStart[i + 1] = succStart[i]! + outdegree[i]!;
  const succ = new Int32Array(deps.length);
  const fill = succStart.slice(0, n);
  for (let i = 0; i < n; i++) for (let d = depStart[i]!; d < depStart[i + 1]!; d++) succ[fill[deps[d]!]!++] = i;
  // A min-heap would preserve an already valid order; the FIFO queue is kept because node order feeds kernel ids.
  const ready = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) if (indegree[i] === 0) ready[tail++] = i;
  for (let head = 0; head < tail; head++) {
    const i = ready[head]!;
    for (let s = succStart[i]!; s < succStart[i + 1]!; s++) if (--indegree[succ[s]!]! === 0) ready[tail++] = succ[s]!;
  }
  if (tail !== n) {
    // Nodes left over either lie on a cycle or hang below one: peel off those with no left-over successor.
    const left = new Set<number>();
    for (let i = 0; i < n; i++) if (indegree[i]! > 0) left.add(i);
    const feedsLeft = (i: number): boolean => {
      for (let s = succStart[i]!; s < succStart[i + 1]!; s++) if (left.has(succ[s]!)) return true;
      return false;
    };
    for (let changed = true; changed; ) {
      changed = false;
      for (const i of left) {
        if (!feedsLeft(i)) {
          left.delete(i);
          changed = true;
        }
      }
    }
    const onCycle = [...left].sort((a, b) => a - b).map((i) => nodes[i]!.name);
    throw new EdgelatError("cyclic_graph", `Graph has a cycle through ${onCycle.slice(0, 5).join(", ")}${onCycle.length > 5 ? ", …" : ""}`, {
      nodes: onCycle,
    });
  }
  return ready;
}

/** Number of elements of a fully known shape, or undefined when a dim is symbolic. */
export function numElements(shape: Shape | undefined): number | undefined {
  if (shape === undefined) return undefined;
  let n = 1;
  for (const d of shape) {
    if (typeof d !== "number") return undefined;
    n *= d;
  }
  return n;
}

/** Validates dims claimed by an untrusted file: integers ≥ 0 (or symbolic), rank and element count bounded. */
export function checkShape(shape: Shape, what: string): Shape {
  if (shape.length > LIMITS.maxRank) {
    throw new EdgelatError("too_large", `${what}: rank ${shape.length} exceeds ${LIMITS.maxRank}`, { shape });
  }
  let n = 1;
  for (const d of shape) {
    if (typeof d === "string") continue;
    if (!Number.isInteger(d) || d < 0) {
      throw new EdgelatError("invalid_shape", `${what}: dimension ${d} is not a non-negative integer`, { shape });
    }
    if (d > LIMITS.maxDim) throw new EdgelatError("too_large", `${what}: dimension ${d} is too large`, { shape });
    n *= d;
  }
  if (n > LIMITS.maxTensorElements) {
    throw new EdgelatError("too_large", `${what}: ${n} elements exceed the limit of ${LIMITS.maxTensorElements}`, {
      shape,
      elements: n,
    });
  }
  return shape;
}

export function tensorOf(graph: Graph, name: string): TensorInfo {
  const t = graph.tensors.get(name);
  if (t === undefined) throw new EdgelatError("dangling_tensor", `Unknown tensor '${name}'`, { tensor: name });
  return t;
}
