/**
 * An integer-indexed, read-only view of an inferred graph, built once per `InferredGraph` object (which is immutable)
 * and shared by every `fuse` call on it: dense tensor ids, producer / input / output id arrays, constness, byte sizes,
 * numeric shapes and op categories. The fusion engine's hot loops work on these arrays instead of string-keyed maps.
 */
import type { Node, TensorInfo } from "../ir/types.js";
import { lookupOp } from "../ops/registry.js";
import type { OpCategory, OpRegistry } from "../ops/types.js";
import { DTYPE_BYTES } from "../shape/dtype.js";
import type { InferredGraph } from "../shape/types.js";

export interface GraphIndex {
  readonly inferred: InferredGraph;
  readonly nodes: readonly Node[];
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** Number of nodes / of indexed tensors (every node input and output, and the graph outputs). */
  readonly n: number;
  readonly tensorCount: number;
  /** Tensor name → dense id, and back. */
  readonly tid: ReadonlyMap<string, number>;
  readonly nameOf: readonly string[];
  /** Per tensor id: the producing node (-1: graph input, initializer or unknown). */
  readonly prodOf: Int32Array;
  /** Per node: its raw input ids (-1 for an omitted input) at inRaw[inStart[i] .. inStart[i + 1]). */
  readonly inStart: Int32Array;
  readonly inRaw: Int32Array;
  /** Per node: its output ids (-1 for an omitted output) at outIds[outStart[i] .. outStart[i + 1]). */
  readonly outStart: Int32Array;
  readonly outIds: Int32Array;
  /** Per tensor id: 1 when constant at run time (initializer, constant node output, folded subgraph output). */
  readonly isConst: Uint8Array;
  /** Per tensor id: bytes (0 when the shape is not fully known), -1 until first asked (`bytesOf`). */
  readonly bytes: Float64Array;
  /** Per tensor id: a constant's known values (null: none), undefined until first asked (`constValuesOf`). */
  readonly constValues: (readonly number[] | null | undefined)[];
  /** Per tensor id: the shape when every dim is a number. */
  readonly shapeOf: readonly (readonly number[] | undefined)[];
  /** Per tensor id: 1 for a graph output. */
  readonly isOutput: Uint8Array;
  readonly graphOutputs: ReadonlySet<string>;
  /** Per node: 1 when its outputs are constant-folded. */
  readonly folded: Uint8Array;
  /** Per-registry op categories, per node (filled on first use of a registry). */
  readonly categories: Map<OpRegistry, readonly (OpCategory | undefined)[]>;
  /** Per compiled rule set: candidate lists per node (see engine.ts). */
  readonly perSet: Map<object, unknown>;
  /** Working arrays one `fuse` call at a time borrows (see `borrowScratch`). */
  scratch: Scratch | undefined;
}

/**
 * Per-call working arrays, reused across calls on the same graph instead of being allocated each time. Marks are
 * compared with a stamp that only grows, so they never need clearing; counts are reset by the borrower.
 */
export interface Scratch {
  busy: boolean;
  stamp: number;
  owner: Int32Array;
  nodeMark: Int32Array;
  cnt: Int32Array;
  last: Int32Array;
  tensorMark: Int32Array;
  tensorUses: Int32Array;
  /** Per tensor id: the tensor it aliases (filled by the borrower on its first alias). */
  aliasTo: Int32Array;
  /** Per node input slot: its alias-resolved tensor id (parallel to `GraphIndex.inRaw`). */
  inIds: Int32Array;
  /** Per node: the draft kernel whose last member it is (engine's ordering pass). */
  draftAt: Int32Array;
}

/** The index's scratch arrays (or fresh ones if a call on this graph is already running, e.g. re-entrantly). */
export function borrowScratch(ix: GraphIndex): Scratch {
  let s = ix.scratch;
  if (s !== undefined && !s.busy) {
    s.busy = true;
    return s;
  }
  // one buffer carved into views: a single (off-heap) allocation instead of six
  const n = ix.n;
  const T = ix.tensorCount;
  const slots = ix.inRaw.length;
  const pool = new Int32Array(3 * n + 5 * T + slots);
  s = {
    busy: true,
    stamp: 0,
    owner: pool.subarray(0, n),
    nodeMark: pool.subarray(n, 2 * n),
    cnt: pool.subarray(2 * n, 2 * n + T),
    last: pool.subarray(2 * n + T, 2 * n + 2 * T),
    tensorMark: pool.subarray(2 * n + 2 * T, 2 * n + 3 * T),
    tensorUses: pool.subarray(2 * n + 3 * T, 2 * n + 4 * T),
    aliasTo: pool.subarray(2 * n + 4 * T, 2 * n + 5 * T),
    inIds: pool.subarray(2 * n + 5 * T, 2 * n + 5 * T + slots),
    draftAt: pool.subarray(2 * n + 5 * T + slots, 3 * n + 5 * T + slots),
  };
  if (ix.scratch === undefined) ix.scratch = s;
  return s;
}

const cache = new WeakMap<InferredGraph, GraphIndex>();

/** Numeric shape of a tensor, if every dim is known. */
export function numericShape(info: TensorInfo | undefined): readonly number[] | undefined {
  const s = info?.shape;
  if (s === undefined) return undefined;
  for (let i = 0; i < s.length; i++) if (typeof s[i] !== "number") return undefined;
  return s as readonly number[];
}

/** Bytes of a tensor from its inferred shape and dtype (0 when the shape is not fully known). */
export function tensorBytesOf(info: TensorInfo | undefined): number {
  if (info === undefined || info.shape === undefined) return 0;
  let n = 1;
  for (const d of info.shape) {
    if (typeof d !== "number") return 0;
    n *= d;
  }
  return n * DTYPE_BYTES[info.dtype];
}

/** Known values of a constant tensor by id (memoized on the index). */
export function constValuesOf(ix: GraphIndex, id: number): readonly number[] | undefined {
  let v = ix.constValues[id];
  if (v === undefined) ix.constValues[id] = v = ix.tensors.get(ix.nameOf[id]!)?.constant?.values ?? null;
  return v === null ? undefined : v;
}

/** Bytes of a tensor by id (memoized on the index). */
export function bytesOf(ix: GraphIndex, id: number): number {
  let b = ix.bytes[id]!;
  if (b < 0) ix.bytes[id] = b = tensorBytesOf(ix.tensors.get(ix.nameOf[id]!));
  return b;
}

/** The index of an inferred graph, built on first use and cached by object identity. */
export function graphIndex(inferred: InferredGraph): GraphIndex {
  const hit = cache.get(inferred);
  if (hit !== undefined) return hit;
  const g = inferred.graph;
  const nodes = g.nodes;
  const n = nodes.length;
  const tid = new Map<string, number>();
  const nameOf: string[] = [];
  const prod: number[] = [];
  const id = (t: string): number => {
    let i = tid.get(t);
    if (i === undefined) {
      i = nameOf.length;
      tid.set(t, i);
      nameOf.push(t);
      prod.push(-1);
    }
    return i;
  };
  const outStart: number[] = new Array(n + 1);
  const outs: number[] = [];
  const folded = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const node = nodes[i]!;
    if (inferred.folded.has(node.name)) folded[i] = 1;
    outStart[i] = outs.length;
    for (const o of node.outputs) {
      if (o === "") {
        outs.push(-1);
        continue;
      }
      const k = id(o);
      prod[k] = i;
      outs.push(k);
    }
  }
  outStart[n] = outs.length;
  const inStart: number[] = new Array(n + 1);
  const ins: number[] = [];
  for (let i = 0; i < n; i++) {
    inStart[i] = ins.length;
    for (const x of nodes[i]!.inputs) ins.push(x === "" ? -1 : id(x));
  }
  inStart[n] = ins.length;
  for (const o of g.outputs) id(o);
  const T = nameOf.length;
  const bytePool = new Uint8Array(2 * T);
  const isConst = bytePool.subarray(0, T);
  const isOutput = bytePool.subarray(T, 2 * T);
  const bytes = new Float64Array(T).fill(-1);
  const shapeOf: (readonly number[] | undefined)[] = new Array(T);
  // the integer arrays share one buffer
  const intPool = new Int32Array(T + 2 * (n + 1) + ins.length + outs.length);
  let at = 0;
  const carve = (src: ArrayLike<number>): Int32Array => {
    const view = intPool.subarray(at, at + src.length);
    view.set(src);
    at += src.length;
    return view;
  };
  for (let k = 0; k < T; k++) {
    const info = g.tensors.get(nameOf[k]!);
    const p = prod[k]!;
    isConst[k] = info?.constant !== undefined || (p >= 0 && folded[p] === 1) ? 1 : 0;
    shapeOf[k] = numericShape(info);
  }
  for (const o of g.outputs) isOutput[tid.get(o)!] = 1;
  const index: GraphIndex = {
    inferred,
    nodes,
    tensors: g.tensors,
    n,
    tensorCount: T,
    tid,
    nameOf,
    prodOf: carve(prod),
    inStart: carve(inStart),
    inRaw: carve(ins),
    outStart: carve(outStart),
    outIds: carve(outs),
    isConst,
    bytes,
    constValues: new Array(T),
    shapeOf,
    isOutput,
    graphOutputs: new Set(g.outputs),
    folded,
    categories: new Map(),
    perSet: new Map(),
    scratch: undefined,
  };
  cache.set(inferred, index);
  return index;
}

const categoryCache = new WeakMap<OpRegistry, Map<string, Map<string, OpCategory | undefined>>>();

/** Categories by domain and op type under a registry, memoized per registry (registries are not modified). */
function registryCategories(registry: OpRegistry): Map<string, Map<string, OpCategory | undefined>> {
  let c = categoryCache.get(registry);
  if (c === undefined) categoryCache.set(registry, (c = new Map()));
  return c;
}

/** Op category per node under a registry (memoized on the index). */
export function nodeCategories(index: GraphIndex, registry: OpRegistry): readonly (OpCategory | undefined)[] {
  let c = index.categories.get(registry);
  if (c === undefined) {
    const byDomain = registryCategories(registry);
    const out: (OpCategory | undefined)[] = new Array(index.n);
    for (let i = 0; i < index.n; i++) {
      const node = index.nodes[i]!;
      let byOp = byDomain.get(node.domain);
      if (byOp === undefined) byDomain.set(node.domain, (byOp = new Map()));
      let cat = byOp.get(node.opType);
      if (cat === undefined && !byOp.has(node.opType)) {
        cat = lookupOp(registry, node.domain, node.opType)?.category;
        byOp.set(node.opType, cat);
      }
      out[i] = cat;
    }
    index.categories.set(registry, (c = out));
  }
  return c;
}
