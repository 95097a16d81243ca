import type { AttrValue, Dim, DType, Node, Shape } from "../ir/types.js";

/**
 * What kind of computation an op is. Fusion rules and predictors reason about categories, not op names, so that an
 * ONNX Conv and a TF.js Conv2D land in the same kernel family.
 */
export type OpCategory =
  | "conv" // dense / grouped convolution
  | "dwconv" // depthwise convolution (group = input channels)
  | "convtranspose"
  | "fc" // Gemm, MatMul with a constant weight, Dense
  | "matmul" // activation × activation (attention)
  | "norm" // BatchNormalization, LayerNormalization, InstanceNorm, …
  | "activation" // unary element-wise non-linearities: Relu, Clip, Sigmoid, HardSwish, Gelu, …
  | "elementwise" // binary/n-ary arithmetic with broadcasting: Add, Mul, Sub, Div, Pow, …
  | "pool" // windowed pools
  | "global-pool"
  | "reduce"
  | "softmax"
  | "concat"
  | "split"
  | "slice"
  | "reshape" // metadata-only: Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout (inference)
  | "transpose"
  | "pad"
  | "resize"
  | "gather"
  | "shape" // shape-computing ops: Shape, ConstantOfShape, Range, Cast of shapes, …
  | "constant"
  | "control-flow" // If, Loop, Scan
  | "other";

export type AttrType = "int" | "float" | "string" | "ints" | "floats" | "strings" | "tensor" | "graph" | "graphs";

export interface AttrSpec {
  type: AttrType;
  default?: AttrValue;
  required?: boolean;
}

export interface InputSpec {
  name: string;
  optional?: boolean;
  /** Consumes all remaining inputs (Concat, Sum, Max, …). */
  variadic?: boolean;
}

/** What shape inference knows about a tensor: dtype, shape (maybe partial), small constant values when known. */
export interface TensorType {
  dtype: DType;
  shape?: Shape;
  /** Known element values (constants and folded shape computations), row-major. */
  values?: number[];
  /**
   * Entries of a small 0-/1-D int64 shape tensor when some are symbolic dims (Shape of [batch, 3, 224, 224] →
   * ["batch", 3, 224, 224]). Set only when `values` is not; lets Reshape / Expand targets keep symbolic dims.
   */
  symbolicValues?: Dim[];
  /** True when the tensor is a constant (weight) rather than a runtime activation. */
  constant?: boolean;
}

export interface OpContext {
  node: Node;
  /** One entry per node input; undefined for an omitted optional input ("") or an unknown tensor. */
  inputs: (TensorType | undefined)[];
  /** Attributes with the spec's defaults applied. */
  attrs: Record<string, AttrValue>;
  /** Opset version of the node's domain. */
  opset: number;
  /**
   * Infers a subgraph (If branches, Loop bodies) in the node's scope: outer tensors are visible, `inputs` type the
   * subgraph's own inputs. Provided by `inferShapes` (memoized per subgraph); absent elsewhere.
   */
  subgraph?: (graph: import("../ir/types.js").Graph, inputs?: readonly (TensorType | undefined)[]) => SubgraphResult;
}

/** What `OpContext.subgraph` returns: the subgraph's output types, summed FLOPs, and why anything stayed unknown. */
export interface SubgraphResult {
  outputs: (TensorType | undefined)[];
  flops: number;
  /** Reasons of nodes inside the subgraph whose outputs stayed unknown ("node: reason"). */
  issues: string[];
}

/** Costs of one node. FLOPs = 2 × MACs (multiply-accumulate = 2 FLOPs), stated once here for the whole library. */
export interface NodeCost {
  flops: number;
  /** Elements of constant (weight) inputs. */
  params: number;
  /** Bytes of all inputs read (activations and weights), at their dtype's size. */
  bytesRead: number;
  bytesWritten: number;
}

export interface OpSpec {
  opType: string;
  /** Namespace; see Node.domain. */
  domain: string;
  category: OpCategory;
  inputs: InputSpec[];
  attrs?: Record<string, AttrSpec>;
  /** Output types from input types and attributes; may throw EdgelatError("invalid_shape" | "invalid_attribute"). */
  shape(ctx: OpContext): TensorType[];
  /** FLOPs of the node (bytes and params are derived generically from shapes); default 0. */
  flops?(ctx: OpContext, outputs: TensorType[]): number;
  /** A kernel runtimes never launch for it (pure metadata / aliasing op). */
  noCompute?: boolean;
}

/** A lookup of op specs by (domain, opType). A value passed in, never filled by import side effects. */
export type OpRegistry = ReadonlyMap<string, OpSpec>;

export const opKey = (domain: string, opType: string): string => `${domain === "ai.onnx" ? "" : domain}::${opType}`;
