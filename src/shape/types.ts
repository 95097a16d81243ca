import type { Graph, Shape } from "../ir/types.js";
import type { NodeCost } from "../ops/types.js";

/** A node whose outputs could not be given a (fully known) shape, and why. Never silently dropped. */
export interface ShapeIssue {
  node: string;
  opType: string;
  domain: string;
  reason: string;
}

export interface InferOptions {
  /** Fix symbolic or missing input dims: `{ input: [1, 3, 224, 224] }`. */
  inputShapes?: Record<string, Shape>;
}

/**
 * A graph with every tensor's dtype and shape inferred as far as possible, plus per-node costs.
 * `graph.tensors` carries the inferred shapes (and small folded values in `constant.values` for folded tensors).
 */
export interface InferredGraph {
  graph: Graph;
  /** Costs aligned with `graph.nodes` (same index). Unknown shapes give 0 for the unknown parts. */
  costs: NodeCost[];
  /** Nodes with at least one output of unknown or partially symbolic shape. */
  unknown: ShapeIssue[];
  /** Nodes whose outputs are constant-folded (shape-computing subgraphs): runtimes launch no kernel for them. */
  folded: Set<string>;
}
