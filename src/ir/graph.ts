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
 * Checks structure and returns a graph whose nodes are in topological order (stable: the original order wherever it
 * is already valid). Throws `duplicate_producer`, `dangling_tensor` or `cyclic_graph` (with the nodes involved).
 * Tensors referenced but missing from `graph.tensors` get an entry with unknown dtype and shape.
 */
export function validateGraph(graph: Graph): Graph {
  if (graph.nodes.length > LIMITS.maxNodes) {
    throw new EdgelatError("too_large", `Graph has ${graph.nodes.length} nodes (limit ${LIMITS.maxNodes})`);
  }
  const produced = new Map<string, string>(); // tensor -> producer ("<input>", "<constant>" or node name)
  const names = new Set<string>();
  for (const name of graph.inputs) produced.set(name, "<input>");
  // Folded tensors (shape inference's constant folding) keep their producing node: they are not sources.
  for (const t of graph.tensors.values()) if (t.constant && t.constant.source !== "folded") produced.set(t.name, "<constant>");
  for (const node of graph.nodes) {
    if (names.has(node.name)) {
      throw new EdgelatError("invalid_model", `Two nodes are named '${node.name}'`, { node: node.name });
    }
    names.add(node.name);
    for (const out of node.outputs) {
      if (out === "") continue;
      const prev = produced.get(out);
      if (prev !== undefined) {
        throw new EdgelatError(
          "duplicate_producer",
          `Tensor '${out}' is produced by both ${prev === "<input>" || prev === "<constant>" ? prev : `node '${prev}'`} and node '${node.name}'`,
          { tensor: out, producers: [prev, node.name] },
        );
      }
      produced.set(out, node.name);
    }
  }
  for (const node of graph.nodes) {
    for (const inp of node.inputs) {
      if (inp !== "" && !produced.has(inp)) {
        throw new EdgelatError("dangling_tensor", `Node '${node.name}' reads tensor '${inp}', which nothing produces`, {
          node: node.name,
          tensor: inp,
        });
      }
    }
  }
  for (const out of graph.outputs) {
    if (!produced.has(out)) {
      throw new EdgelatError("dangling_tensor", `Graph output '${out}' is not produced by any node or input`, {
        tensor: out,
      });
    }
  }
  const nodes = topoSort(graph.nodes);
  const tensors = new Map(graph.tensors);
  for (const node of nodes) {
    for (const name of [...node.inputs, ...node.outputs]) {
      if (name !== "" && !tensors.has(name)) tensors.set(name, { name, dtype: "unknown" });
    }
  }
  for (const name of graph.inputs) if (!tensors.has(name)) tensors.set(name, { name, dtype: "unknown" });
  return { ...graph, nodes, tensors };
}

/** Kahn's algorithm, stable with respect to the given order. Throws `cyclic_graph` naming the nodes on cycles. */
export function topoSort(nodes: readonly Node[]): Node[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o !== "" && producer.set(o, i)));
  const indegree = new Array<number>(nodes.length).fill(0);
  const successors: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    const deps = new Set<number>();
    for (const inp of n.inputs) {
      const p = producer.get(inp);
      if (p !== undefined) deps.add(p);
    }
    for (const p of deps) {
      successors[p]!.push(i);
      indegree[i]!++;
    }
  });
  // A min-heap would keep the original order strictly; a queue processed in index order is stable enough and O(n).
  const ready: number[] = [];
  indegree.forEach((d, i) => d === 0 && ready.push(i));
  const order: Node[] = [];
  let alreadySorted = true;
  for (let head = 0; head < ready.length; head++) {
    const i = ready[head]!;
    if (i !== order.length) alreadySorted = false;
    order.push(nodes[i]!);
    for (const s of successors[i]!) if (--indegree[s]! === 0) ready.push(s);
  }
  if (order.length !== nodes.length) {
    // Nodes left over either lie on a cycle or hang below one: peel off those with no left-over successor.
    const left = new Set<number>();
    indegree.forEach((d, i) => d > 0 && left.add(i));
    for (let changed = true; changed; ) {
      changed = false;
      for (const i of left) {
        if (!successors[i]!.some((s) => left.has(s))) {
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
  return alreadySorted ? [...nodes] : order;
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
