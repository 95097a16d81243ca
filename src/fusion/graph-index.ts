/**
 * An integer-indexed, read-only view of an inferred graph, built once per `InferredGraph` object (which is immutable)
 * and shared by every `fuse` call on it (kept on the object itself under a hidden key, see `graphIndex`): dense tensor
 * ids, producer / input / output id arrays, constness, byte sizes, numeric shapes and op categories. The fusion
 * engine's hot loops work on these arrays instead of string-keyed maps.
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
  /** Number of nodes / of indexed tensors (every tensor of `graph.tensors`, then any other node input / output or graph output). */
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
  /** Per tensor id: bytes (0 when the shape is not fully known). */
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
  scratch: Scratch;
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

/** Int32 entries of one `Scratch` for n nodes, T tensors and `slots` node input slots. */
const scratchInts = (n: number, T: number, slots: number): number => 3 * n + 5 * T + slots;

/** Carves the scratch arrays out of `pool` from `at` (length `scratchInts(n, T, slots)`). */
function carveScratch(pool: Int32Array, at: number, n: number, T: number, slots: number): Scratch {
  const view = (len: number): Int32Array => {
    const v = pool.subarray(at, at + len);
    at += len;
    return v;
  };
  return {
    busy: false,
    stamp: 0,
    owner: view(n),
    nodeMark: view(n),
    cnt: view(T),
    last: view(T),
    tensorMark: view(T),
    tensorUses: view(T),
    aliasTo: view(T),
    inIds: view(slots),
    draftAt: view(n),
  };
}

/** The index's scratch arrays (or fresh ones if a call on this graph is already running, e.g. re-entrantly). */
export function borrowScratch(ix: GraphIndex): Scratch {
  let s = ix.scratch;
  if (s.busy) {
    const slots = ix.inRaw.length;
    s = carveScratch(new Int32Array(scratchInts(ix.n, ix.tensorCount, slots)), 0, ix.n, ix.tensorCount, slots);
  }
  s.busy = true;
  return s;
}

/** Where the index of a non-extensible (frozen, sealed) InferredGraph is kept. */
const cache = new WeakMap<InferredGraph, GraphIndex>();
/** The hidden key under which an extensible InferredGraph carries its index. */
const INDEX = Symbol("edgelat.graphIndex");

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

/** Bytes of a tensor by id. */
export function bytesOf(ix: GraphIndex, id: number): number {
  return ix.bytes[id]!;
}

/**
 * The index of an inferred graph, built on first use and cached by object identity. Its typed arrays (and the
 * scratch arrays of the first `fuse` call) are views of one buffer: one allocation per graph.
 *
 * The index is kept on the graph object under a non-enumerable, non-writable symbol key (invisible to JSON, spread,
 * Object.keys, structuredClone and deep equality; a spread copy is a new graph object and gets its own index), so it
 * lives and dies with the graph. A WeakMap (used only for non-extensible graphs) kept it too: with a stream of new
 * candidate graphs (NAS), the GC's ephemeron work made a cold call ≈ 1.4× slower.
 */
export function graphIndex(inferred: InferredGraph): GraphIndex {
  const own = (inferred as unknown as Record<symbol, GraphIndex | undefined>)[INDEX];
  if (own !== undefined && own.inferred === inferred) return own;
  const hit = cache.get(inferred);
  if (hit !== undefined) return hit;
  const g = inferred.graph;
  const nodes = g.nodes;
  const n = nodes.length;
  let slots = 0;
  let outSlots = 0;
  for (let i = 0; i < n; i++) {
    slots += nodes[i]!.inputs.length;
    outSlots += nodes[i]!.outputs.length;
  }
  // Tensor ids are dense: the tensors the graph describes (in its map's order), then names it does not describe (at
  // most one per slot and graph output). Per-tensor arrays are sized for that bound.
  const described = g.tensors.size;
  const tMax = described + slots + outSlots + g.outputs.length;
  const ints = tMax + 2 * (n + 1) + slots + outSlots + scratchInts(n, tMax, slots);
  const buffer = new ArrayBuffer(8 * tMax + 4 * ints + 2 * tMax + n);
  const bytes = new Float64Array(buffer, 0, tMax);
  const pool = new Int32Array(buffer, 8 * tMax, ints);
  let at = 0;
  const view = (len: number): Int32Array => {
    const v = pool.subarray(at, at + len);
    at += len;
    return v;
  };
  const prodAll = view(tMax);
  const inStart = view(n + 1);
  const inRaw = view(slots);
  const outStart = view(n + 1);
  const outIds = view(outSlots);
  const scratchAt = at;
  const bytePool = new Uint8Array(buffer, 8 * tMax + 4 * ints, 2 * tMax + n);
  const folded = bytePool.subarray(2 * tMax, 2 * tMax + n);

  const tid = new Map<string, number>();
  const nameOf: string[] = [];
  const id = (t: string): number => {
    let i = tid.get(t);
    if (i === undefined) {
      i = nameOf.length;
      tid.set(t, i);
      nameOf.push(t);
      prodAll[i] = -1;
    }
    return i;
  };
  const infos: (TensorInfo | undefined)[] = new Array(described);
  for (const [name, info] of g.tensors) {
    const i = nameOf.length;
    tid.set(name, i);
    nameOf.push(name);
    infos[i] = info;
    prodAll[i] = -1;
  }
  let q = 0;
  for (let i = 0; i < n; i++) {
    const node = nodes[i]!;
    if (inferred.folded.has(node.name)) folded[i] = 1;
    outStart[i] = q;
    const outs = node.outputs;
    for (let k = 0; k < outs.length; k++) {
      const o = outs[k]!;
      if (o === "") {
        outIds[q++] = -1;
        continue;
      }
      const t = id(o);
      prodAll[t] = i;
      outIds[q++] = t;
    }
  }
  outStart[n] = q;
  q = 0;
  for (let i = 0; i < n; i++) {
    inStart[i] = q;
    const ins = nodes[i]!.inputs;
    for (let k = 0; k < ins.length; k++) inRaw[q++] = ins[k] === "" ? -1 : id(ins[k]!);
  }
  inStart[n] = q;
  for (const o of g.outputs) id(o);
  const T = nameOf.length;
  const prodOf = prodAll.subarray(0, T);
  const isConst = bytePool.subarray(0, T);
  const isOutput = bytePool.subarray(tMax, tMax + T);
  const shapeOf: (readonly number[] | undefined)[] = new Array(T);
  for (let k = 0; k < T; k++) {
    const info = k < described ? infos[k] : undefined;
    const p = prodOf[k]!;
    isConst[k] = info?.constant !== undefined || (p >= 0 && folded[p] === 1) ? 1 : 0;
    shapeOf[k] = numericShape(info);
    bytes[k] = tensorBytesOf(info);
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
    prodOf,
    inStart,
    inRaw,
    outStart,
    outIds,
    isConst,
    bytes: bytes.subarray(0, T),
    constValues: new Array(T),
    shapeOf,
    isOutput,
    graphOutputs: new Set(g.outputs),
    folded,
    categories: new Map(),
    perSet: new Map(),
    scratch: carveScratch(pool, scratchAt, n, T, slots),
  };
  if (Object.isExtensible(inferred)) Object.defineProperty(inferred, INDEX, { value: index, configurable: true });
  else cache.set(inferred, index);
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
