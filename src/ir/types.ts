/**
 * The graph IR: one object model for every input format (ONNX, TF.js, nn-Meter IR, search-space builders).
 *
 * A Graph is plain data: nodes in a list, tensors in a Map keyed by name. Stages never mutate a graph; they return new
 * ones (see `inferShapes`, `fuse`).
 */

export type DType =
  | "float32"
  | "float16"
  | "bfloat16"
  | "float64"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "bool"
  | "string"
  | "complex64"
  | "complex128"
  | "unknown";

/** A dimension: a non-negative integer, or a symbol (e.g. "batch", "N") whose value is not known. */
export type Dim = number | string;
export type Shape = Dim[];

export type ConstantSource = "initializer" | "constant-node" | "weights-manifest" | "folded" | "generated";

export interface ConstantInfo {
  source: ConstantSource;
  /** Set when the bytes live in an external file (ONNX external data); never read by edgelat. */
  external?: { location: string; offset?: number; length?: number };
  /**
   * The values, only for small constants (≤ LIMITS.maxFoldedElements) whose values shape inference needs
   * (Reshape targets, Slice bounds, Resize scales, …). Weights are never kept. int64 values beyond 2^53 are clamped.
   */
  values?: number[];
}

export interface TensorInfo {
  name: string;
  dtype: DType;
  /** undefined = rank unknown (not yet inferred, or not inferable). */
  shape?: Shape;
  /** Present for constants (initializers, Constant nodes, weights); absent for activations and graph inputs. */
  constant?: ConstantInfo;
}

/** Attribute values. Tensors appear as TensorInfo (shape/dtype, maybe small values); subgraphs as Graph. */
export type AttrValue = number | string | number[] | string[] | TensorInfo | Graph | Graph[] | TensorInfo[];

export type ModelFormat = "onnx" | "tfjs-graph" | "tfjs-layers" | "nnmeter-ir" | "builder";

export interface Node {
  /** Unique within the graph. */
  name: string;
  opType: string;
  /**
   * Op namespace: "" for the ONNX default domain (ai.onnx), "com.microsoft" etc. for ONNX contrib ops,
   * "tf" for TF.js graph-model ops, "keras" for layers-model layers, "nnmeter" for nn-Meter IR.
   */
  domain: string;
  /** Tensor names; "" marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface Graph {
  name: string;
  format: ModelFormat;
  /** Nodes in topological order once validated (`validateGraph` / `topoSort`). */
  nodes: Node[];
  tensors: Map<string, TensorInfo>;
  /** Non-constant graph inputs (what a runtime feeds). */
  inputs: string[];
  outputs: string[];
  /** Opset per domain ("" = ai.onnx). */
  opsets: Record<string, number>;
  /** Free-form facts from the file: producer, ir_version, notes. */
  metadata: Record<string, string>;
  /**
   * Facts a parser found that make predictions less certain, for people to read (e.g. control flow making latency
   * data-dependent, weights in external data files). Absent or empty when there is nothing to report.
   */
  warnings?: string[];
}
