/**
 * Kernels: the fused units a runtime really executes. Produced by `fuse(graph, backend)`, consumed by predictors.
 * Every node of the source graph is accounted for exactly once: either a member of one kernel, or listed in
 * `KernelGraph.noKernel` with the reason it launches nothing — except a node the runtime copies into several kernels
 * (ONNX Runtime's transpose optimizer pushing a Transpose into each branch of an attention split): it is a member of
 * each of those kernels, listed in their `duplicated`, and in `KernelGraph.duplicates`.
 */

/** Features predictors use. Spatial fields follow NCHW naming whatever the source layout. All counts are integers. */
export interface KernelFeatures {
  /** FLOPs = 2 × MACs, summed over member nodes. */
  flops: number;
  /** Weight elements, summed over member nodes. */
  params: number;
  /** Bytes the kernel reads from tensors outside it (inputs + weights) and writes to tensors leaving it. */
  bytesRead: number;
  bytesWritten: number;
  /** Main data input / output shapes (first activation input, first output), when known. */
  inputShape?: number[];
  outputShape?: number[];
  /** Conv / pool / fc geometry of the kernel's anchor op, when it has one. */
  cin?: number;
  cout?: number;
  hIn?: number;
  wIn?: number;
  hOut?: number;
  wOut?: number;
  kernelH?: number;
  kernelW?: number;
  strideH?: number;
  strideW?: number;
  groups?: number;
  /** Total padding along H / W (begin + end) of the anchor op; hIn + padH is the padded input size. */
  padH?: number;
  padW?: number;
  /** Number of graph nodes fused into the kernel. */
  nodes: number;
}

/**
 * The coarse family of a kernel, named after its anchor op. Device profiles keep one predictor per class (and may
 * override a class for an exact `type`), so a kernel type never seen in training still has a predictor.
 */
export type KernelClass =
  | "conv" // dense convolution (group = 1)
  | "gconv" // grouped convolution, 1 < group < channels
  | "dwconv" // depthwise convolution
  | "convtranspose"
  | "fc" // fully connected / Gemm / MatMul with constant weights
  | "matmul" // activation × activation
  | "pool"
  | "global-pool" // global average / max pool, spatial mean
  | "concat"
  | "elementwise" // element-wise arithmetic and activations not fused into a producer
  | "norm"
  | "softmax"
  | "reduce"
  | "resize"
  | "pad"
  | "data-movement" // transpose, slice, split, gather, copies
  | "layout-reorder" // layout conversions a runtime inserts (NCHW <-> NCHWc, …)
  | "other";

export interface Kernel {
  /** Unique within the kernel graph, stable for the same input (e.g. "k12"). */
  id: string;
  /** Kernel type: "conv-bn-relu", "dwconv-relu6", "fc", "add-relu", "layout-reorder", … (anchor first, then fused ops). */
  type: string;
  class: KernelClass;
  /** Member node names, in topological order. The anchor (the op that gives the kernel its geometry) comes first. */
  nodes: string[];
  opTypes: string[];
  /** Tensors read from outside the kernel / written for outside consumers or graph outputs. */
  inputs: string[];
  outputs: string[];
  features: KernelFeatures;
  /** Name of the fusion rule that formed it ("single" when no rule fired). */
  rule: string;
  /** Members that are copies of a node the runtime also runs in other kernels (see `KernelGraph.duplicates`). */
  duplicated?: string[];
}

/** A node the runtime executes once in each of several kernels (a copy per consumer). */
export interface DuplicatedNode {
  node: string;
  opType: string;
  /** Ids of the kernels that each run a copy of it (two or more). */
  kernels: string[];
  /** Why, e.g. "Transpose pushed into each Gather / Slice branch (transpose optimizer)". */
  reason: string;
}

export interface NoKernelNode {
  node: string;
  opType: string;
  /** e.g. "metadata-only (Reshape)", "folded constant", "identity at inference". */
  reason: string;
}

export interface KernelGraph {
  /** Backend rule-set id, e.g. "ort-cpu@1.30/all", "tflite-gpu@2.10". */
  backend: string;
  kernels: Kernel[];
  noKernel: NoKernelNode[];
  /** Nodes copied into several kernels (absent when there are none). */
  duplicates?: DuplicatedNode[];
}

/** Options of `fuse`: rules disabled by name. */
export interface FuseOptions {
  disable?: readonly string[];
}
