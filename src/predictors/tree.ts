/**
 * Regression trees shared by `gbt` and `forest`: a histogram-based CART builder (features binned once into ≤ maxBins
 * quantile bins, so a split search costs O(rows + bins) per feature), compact JSON storage, and an allocation-free
 * evaluator over flat typed arrays.
 *
 * A tree is five parallel arrays over its nodes, in preorder (node 0 is the root, children have larger indices):
 *   feature[i]   feature index, or -1 for a leaf
 *   threshold[i] go left when x[feature] ≤ threshold
 *   left[i], right[i]  child node indices (-1 for a leaf)
 *   value[i]     a leaf's prediction (the weighted mean target of its training rows); 0 for internal nodes
 */
import { EdgelatError } from "../errors.js";
import type { Rng } from "../util/rng.js";
import { fail, noNegZero, type Json, readArray, readNumberArray, readObject } from "./validate.js";

export interface TreeArrays {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

// ---------------------------------------------------------------------------------------------------------------
// Binning

export interface BinnedData {
  rows: number;
  features: number;
  /** bins[j][r]: bin of row r for feature j. */
  bins: Uint16Array[];
  /** thresholds[j][b]: split value between bin b and b + 1 of feature j. */
  thresholds: Float64Array[];
  nBins: number[];
}

/**
 * A threshold t with a ≤ t < c (so x ≤ t separates the two values), preferring the decimal with the fewest significant
 * digits near the midpoint: thresholds then print short in JSON ("0.5" rather than "0.49999999999999994").
 */
export function splitBetween(a: number, c: number): number {
  const mid = a + (c - a) / 2;
  for (let p = 1; p <= 17; p++) {
    const t = Number(mid.toPrecision(p));
    if (a <= t && t < c) return t === 0 ? 0 : t;
  }
  return mid < c ? mid : a;
}

/** Bins each feature into ≤ maxBins contiguous groups of distinct values holding about equal row counts. */
export function binFeatures(X: readonly ArrayLike<number>[], d: number, maxBins: number): BinnedData {
  const n = X.length;
  const bins: Uint16Array[] = [];
  const thresholds: Float64Array[] = [];
  const nBins: number[] = [];
  const col = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    for (let r = 0; r < n; r++) {
      const v = X[r]![j]!;
      if (!Number.isFinite(v)) throw new EdgelatError("invalid_argument", `feature ${j} of sample ${r} is not finite (${v})`, { index: r, feature: j });
      col[r] = v;
    }
    const sorted = Float64Array.from(col).sort();
    // Distinct values with counts.
    const uniq: number[] = [];
    const counts: number[] = [];
    for (let r = 0; r < n; r++) {
      if (r > 0 && sorted[r] === sorted[r - 1]) counts[counts.length - 1]++;
      else { uniq.push(sorted[r]!); counts.push(1); }
    }
    // Greedy grouping of consecutive distinct values into bins of ≈ n / maxBins rows.
    const upper: number[] = []; // last distinct value of each bin
    const lower: number[] = []; // first distinct value of each bin
    const target = n / maxBins;
    let acc = 0;
    for (let u = 0; u < uniq.length; u++) {
      if (acc === 0) lower.push(uniq[u]!);
      acc += counts[u]!;
      const binsLeft = maxBins - upper.length;
      const valuesLeft = uniq.length - u - 1;
      if (acc >= target || valuesLeft < binsLeft || u === uniq.length - 1) {
        upper.push(uniq[u]!);
        acc = 0;
        if (upper.length === maxBins - 1 && u < uniq.length - 1) {
          lower.push(uniq[u + 1]!);
          upper.push(uniq[uniq.length - 1]!);
          break;
        }
      }
    }
    const k = upper.length;
    const thr = new Float64Array(Math.max(k - 1, 0));
    for (let b = 0; b < k - 1; b++) thr[b] = splitBetween(upper[b]!, lower[b + 1]!);
    const bj = new Uint16Array(n);
    for (let r = 0; r < n; r++) {
      // First bin whose upper bound is ≥ v.
      const v = col[r]!;
      let lo = 0, hi = k - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (upper[mid]! >= v) hi = mid; else lo = mid + 1;
      }
      bj[r] = lo;
    }
    bins.push(bj);
    thresholds.push(thr);
    nBins.push(k);
  }
  return { rows: n, features: d, bins, thresholds, nBins };
}

// ---------------------------------------------------------------------------------------------------------------
// Building

export interface TreeBuildParams {
  maxDepth: number;
  minSamplesLeaf: number;
  /** Features tried per split (≤ d); fewer than d draws a random subset per node (random forest). */
  maxFeatures: number;
  /** L2 penalty on leaf values: value = Σwg / (Σw + l2·meanWeight). */
  l2: number;
}

/**
 * Grows one tree on `rows` (indices into the binned data; duplicates allowed, e.g. a bootstrap) fitting `target`
 * with per-row `weight` (squared loss). `rng` draws the per-node feature subsets.
 */
export function buildTree(
  data: BinnedData,
  target: ArrayLike<number>,
  weight: ArrayLike<number>,
  rows: Uint32Array,
  params: TreeBuildParams,
  rng: Rng,
): TreeArrays {
  const d = data.features;
  const maxB = Math.max(...data.nBins, 1);
  const hW = new Float64Array(maxB), hS = new Float64Array(maxB), hN = new Int32Array(maxB);
  const featIdx = Array.from({ length: d }, (_, j) => j);
  const tree: TreeArrays = { feature: [], threshold: [], left: [], right: [], value: [] };
  let meanW = 0;
  for (let i = 0; i < rows.length; i++) meanW += weight[rows[i]!]!;
  meanW = rows.length > 0 ? meanW / rows.length : 1;
  const l2 = params.l2 * meanW;
  const mtry = Math.min(Math.max(params.maxFeatures, 1), d);
  const minLeaf = Math.max(params.minSamplesLeaf, 1);

  const grow = (start: number, end: number, depth: number): number => {
    let W = 0, S = 0;
    for (let i = start; i < end; i++) { const r = rows[i]!; W += weight[r]!; S += weight[r]! * target[r]!; }
    const node = tree.feature.length;
    tree.feature.push(-1); tree.threshold.push(0); tree.left.push(-1); tree.right.push(-1);
    tree.value.push(W + l2 > 0 ? noNegZero(S / (W + l2)) : 0);
    const count = end - start;
    if (depth >= params.maxDepth || count < 2 * minLeaf || !(W > 0)) return node;
    const parentScore = (S * S) / (W + l2);
    let bestGain = 1e-12 * Math.max(Math.abs(parentScore), 1e-300), bestF = -1, bestB = -1;
    // Feature subset: a partial Fisher–Yates shuffle when mtry < d.
    if (mtry < d) {
      for (let a = 0; a < mtry; a++) {
        const b = a + Math.floor(rng.next() * (d - a));
        const t = featIdx[a]!; featIdx[a] = featIdx[b]!; featIdx[b] = t;
      }
    }
    for (let a = 0; a < mtry; a++) {
      const j = featIdx[a]!;
      const nb = data.nBins[j]!;
      if (nb < 2) continue;
      const bj = data.bins[j]!;
      hW.fill(0, 0, nb); hS.fill(0, 0, nb); hN.fill(0, 0, nb);
      for (let i = start; i < end; i++) {
        const r = rows[i]!, b = bj[r]!;
        hW[b] += weight[r]!; hS[b] += weight[r]! * target[r]!; hN[b]++;
      }
      let wl = 0, sl = 0, nl = 0;
      for (let b = 0; b < nb - 1; b++) {
        wl += hW[b]!; sl += hS[b]!; nl += hN[b]!;
        if (nl < minLeaf) continue;
        if (count - nl < minLeaf) break;
        const wr = W - wl, sr = S - sl;
        if (!(wl > 0) || !(wr > 0)) continue; // never create a leaf without weight
        const gain = (sl * sl) / (wl + l2) + (sr * sr) / (wr + l2) - parentScore;
        if (gain > bestGain) { bestGain = gain; bestF = j; bestB = b; }
      }
    }
    if (bestF < 0) return node;
    // Partition rows[start, end) in place: bin ≤ bestB to the left.
    const bj = data.bins[bestF]!;
    let i = start, k = end - 1;
    while (i <= k) {
      if (bj[rows[i]!]! <= bestB) i++;
      else { const t = rows[i]!; rows[i] = rows[k]!; rows[k] = t; k--; }
    }
    tree.feature[node] = bestF;
    tree.threshold[node] = noNegZero(data.thresholds[bestF]![bestB]!);
    tree.value[node] = 0; // unused at internal nodes; 0 keeps the JSON short
    tree.left[node] = grow(start, i, depth + 1);
    tree.right[node] = grow(i, end, depth + 1);
    return node;
  };
  grow(0, rows.length, 0);
  return tree;
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

/** Depth of a tree (a single leaf has depth 0). */
export function treeDepth(t: TreeArrays): number {
  let max = 0;
  const stack = [0, 0];
  while (stack.length > 0) {
    const d = stack.pop()!, i = stack.pop()!;
    if (t.feature[i]! < 0) { if (d > max) max = d; continue; }
    stack.push(t.left[i]!, d + 1, t.right[i]!, d + 1);
  }
  return max;
}

/** Complete-tree (heap) layout is used up to this depth, and while count · 2^depth stays below HEAP_MAX_SLOTS. */
const HEAP_MAX_DEPTH = 10;
const HEAP_MAX_SLOTS = 1 << 21;

type HeapSum = (x: ArrayLike<number>, feature: Int32Array, threshold: Float64Array, leaf: Float64Array, count: number) => number;

/**
 * The heap-layout `sum` as straight-line code for one depth: the same walk (node p of the tree starting at a goes to
 * 2p − a + 1 when x[f] ≤ t, else 2p − a + 2; its leaf is at p + k − inner) with the depth loop unrolled and the sizes
 * as constants, two trees at a time, leaves added in tree order — the same leaves and sum as the loop (~20% faster).
 * Undefined where code generation is not allowed (Content-Security-Policy); `sum` then runs the loop.
 */
function unrolledHeapSum(depth: number): HeapSum | undefined {
  const inner = (1 << depth) - 1;
  const step = (p: string, a: string) => `${p} = 2 * ${p} - ${a} + (x[F[${p}]] <= T[${p}] ? 1 : 2);`;
  const walk = (p: string, a: string) => Array.from({ length: depth }, () => step(p, a)).join(" ");
  const body = `"use strict"; return function sum(x, F, T, L, n) {
    let s = 0, k = 0, a = 0;
    for (; k + 1 < n; k += 2, a += ${2 * inner}) {
      const b = a + ${inner};
      let p = a, q = b;
      ${walk("p", "a")}
      ${walk("q", "b")}
      s += L[p + k - ${inner}];
      s += L[q + k + ${1 - inner}];
    }
    if (k < n) { let p = a; ${walk("p", "a")} s += L[p + k - ${inner}]; }
    return s;
  };`;
  try {
    return (new Function(body) as () => HeapSum)();
  } catch {
    return undefined;
  }
}

/** Ensembles up to this many internal nodes get `sum` as generated if/else code (`compiledSum`). */
const COMPILE_MAX_NODES = 16384;
/**
 * `sum` switches to the generated code on its COMPILE_AFTER-th call. Generating and compiling costs ≈ 10 ms for a
 * 60-tree depth-5 ensemble (≈ 20,000 sums' worth of the time it saves), so only ensembles in long loops (NAS, batch
 * evaluation) get it; a predictor used a few hundred times never pays for it.
 */
const COMPILE_AFTER = 4096;
/** Internal nodes per generated function (keeps each one small enough for the optimizing compiler). */
const CHUNK_NODES = 512;

/** A double as JS source that reads back as the same double (-0 included). */
const literal = (v: number): string => (Object.is(v, -0) ? "-0" : String(v));

/**
 * Σ over trees as generated code: each tree is nested `if (x_f <= t) … else …` with its thresholds and leaf values as
 * literals, so a walk reads no node arrays. The same comparisons as every other walk (NaN goes right) reach the same
 * leaves, and leaves are added to one running sum in tree order: the same sum bit for bit. Trees are split into
 * functions of about CHUNK_NODES internal nodes, called in order with the running sum. Undefined where code generation
 * is not allowed (Content-Security-Policy) or the ensemble is larger than COMPILE_MAX_NODES.
 */
function compiledSum(trees: readonly TreeArrays[]): ((x: ArrayLike<number>) => number) | undefined {
  let internal = 0;
  for (const t of trees) for (let i = 0; i < t.feature.length; i++) if (t.feature[i]! >= 0) internal++;
  if (internal > COMPILE_MAX_NODES) return undefined;
  const chunks: string[] = [];
  let body: string[] = [];
  let used = new Set<number>();
  let nodes = 0;
  const flush = () => {
    const reads = [...used].sort((a, b) => a - b).map((f) => `const x${f} = x[${f}];`).join(" ");
    chunks.push(`function (x, s) { ${reads}\n${body.join("\n")}\nreturn s; }`);
    body = [];
    used = new Set();
    nodes = 0;
  };
  for (const t of trees) {
    const emit = (i: number): string => {
      const f = t.feature[i]!;
      if (f < 0) return `s += ${literal(t.value[i]!)};`;
      used.add(f);
      nodes++;
      return `if (x${f} <= ${literal(t.threshold[i]!)}) { ${emit(t.left[i]!)} } else { ${emit(t.right[i]!)} }`;
    };
    body.push(emit(0));
    if (nodes >= CHUNK_NODES) flush();
  }
  if (body.length > 0) flush();
  const calls = chunks.map((_, c) => `s = c${c}(x, s);`).join(" ");
  const src = `"use strict"; ${chunks.map((c, k) => `const c${k} = ${c};`).join("\n")}\nreturn function sum(x) { let s = 0; ${calls} return s; };`;
  try {
    return (new Function(src) as () => (x: ArrayLike<number>) => number)();
  } catch {
    return undefined;
  }
}

/**
 * Trees in an evaluation form; the stored JSON layout is unchanged. Two layouts, chosen by depth, with identical
 * results (the same leaf is reached for every x, NaN included, and trees are summed in order):
 *
 * - heap (shallow ensembles, e.g. gbt): each tree padded to a complete binary tree of the ensemble's depth D, node p's
 *   children at 2p+1 / 2p+2, so evaluation is D branch-free steps `p = 2p + 2 − (x[f] ≤ t)`. A leaf above depth D is
 *   padded with pass-through nodes (feature 0, threshold +∞) whose descendants all repeat its value.
 * - pointer (deep trees, e.g. forest): one interleaved Float64Array in preorder, node i = (feature, threshold, right)
 *   at [3i, 3i + 3), the left child being the next node; a leaf has feature -1 and its value in the threshold slot.
 */
export class FlatTrees {
  readonly count: number;
  /** Heap layout depth, or -1 for the pointer layout. */
  readonly heapDepth: number;
  private readonly roots: Int32Array;
  private readonly nodes: Float64Array;
  private readonly hFeature: Int32Array;
  private readonly hThreshold: Float64Array;
  private readonly hLeaf: Float64Array;
  /** `sum` for the heap layout as generated code unrolled for this depth; built on first use (null: not allowed). */
  private unrolled: HeapSum | null | undefined;
  /** `sum` as generated if/else code (`compiledSum`), built on the COMPILE_AFTER-th call (null: not used). */
  private compiled: ((x: ArrayLike<number>) => number) | null | undefined;
  private sums = 0;
  /** The trees as given (read once more, when `compiled` is built). */
  private readonly source: readonly TreeArrays[];

  /**
   * `generate: false` keeps `sum` on the loop (the form used where code generation is not allowed); `compileAfter`
   * (tests) is the call on which `sum` switches to `compiledSum`.
   */
  constructor(trees: readonly TreeArrays[], private readonly generate = true, private readonly compileAfter = COMPILE_AFTER) {
    this.source = trees;
    this.count = trees.length;
    const depth = trees.reduce((m, t) => Math.max(m, treeDepth(t)), 0);
    const heap = depth <= HEAP_MAX_DEPTH && trees.length * 2 ** depth <= HEAP_MAX_SLOTS;
    this.heapDepth = heap ? depth : -1;
    this.roots = new Int32Array(trees.length);
    if (heap) {
      const inner = 2 ** depth - 1, leaves = 2 ** depth;
      this.hFeature = new Int32Array(trees.length * inner);
      this.hThreshold = new Float64Array(trees.length * inner);
      this.hLeaf = new Float64Array(trees.length * leaves);
      this.nodes = new Float64Array(0);
      trees.forEach((t, k) => {
        // (tree node, heap position, level) triples.
        const stack = [0, 0, 0];
        while (stack.length > 0) {
          const level = stack.pop()!, p = stack.pop()!, i = stack.pop()!;
          if (level === depth) { this.hLeaf[k * leaves + p - inner] = t.value[i]!; continue; }
          const leaf = t.feature[i]! < 0;
          this.hFeature[k * inner + p] = leaf ? 0 : t.feature[i]!;
          this.hThreshold[k * inner + p] = leaf ? Infinity : t.threshold[i]!;
          stack.push(leaf ? i : t.left[i]!, 2 * p + 1, level + 1, leaf ? i : t.right[i]!, 2 * p + 2, level + 1);
        }
      });
      return;
    }
    this.hFeature = new Int32Array(0);
    this.hThreshold = new Float64Array(0);
    this.hLeaf = new Float64Array(0);
    const total = trees.reduce((s, t) => s + t.feature.length, 0);
    const nodes = (this.nodes = new Float64Array(3 * total));
    let next = 0;
    const stack: number[] = [];
    trees.forEach((t, k) => {
      this.roots[k] = next;
      // Iterative preorder walk over (node, parent-awaiting-its-right-index) pairs.
      stack.length = 0;
      stack.push(0, -1);
      while (stack.length > 0) {
        const parent = stack.pop()!;
        const i = stack.pop()!;
        const at = next++;
        if (parent >= 0) nodes[3 * parent + 2] = at;
        if (t.feature[i]! < 0) {
          nodes[3 * at] = -1;
          nodes[3 * at + 1] = t.value[i]!;
          nodes[3 * at + 2] = -1;
        } else {
          nodes[3 * at] = t.feature[i]!;
          nodes[3 * at + 1] = t.threshold[i]!;
          // Right child is visited after the whole left subtree; record `at` as its parent to patch.
          stack.push(t.right[i]!, at, t.left[i]!, -1);
        }
      }
    });
  }

  /** The leaf value tree `k` gives for feature vector `x`. */
  evalTree(k: number, x: ArrayLike<number>): number {
    const depth = this.heapDepth;
    if (depth >= 0) {
      const inner = (1 << depth) - 1;
      const base = k * inner;
      const feature = this.hFeature, threshold = this.hThreshold;
      let p = 0;
      for (let d = 0; d < depth; d++) p = 2 * p + 2 - (x[feature[base + p]!]! <= threshold[base + p]! ? 1 : 0);
      return this.hLeaf[k * (inner + 1) + p - inner]!;
    }
    const nodes = this.nodes;
    let i = this.roots[k]!;
    let f = nodes[3 * i]!;
    while (f >= 0) {
      i = x[f]! <= nodes[3 * i + 1]! ? i + 1 : nodes[3 * i + 2]!;
      f = nodes[3 * i]!;
    }
    return nodes[3 * i + 1]!;
  }

  /**
   * Σ over trees, summed in tree order (the order fixes the floating-point result). From its COMPILE_AFTER-th call on,
   * an ensemble of at most COMPILE_MAX_NODES internal nodes runs generated if/else code (`compiledSum`: on the built-in
   * gbt profiles ≈ 3–4× faster than the heap walk). Before that, or for larger ensembles, the heap layout runs generated
   * code unrolled for its depth (`unrolledHeapSum`); where that is not allowed it walks four trees at a time — their
   * load–compare chains are independent, so the CPU overlaps them — and adds their leaves one after the other, so the
   * sum is the same as tree by tree.
   */
  sum(x: ArrayLike<number>): number {
    const compiled = this.compiled;
    if (compiled !== undefined && compiled !== null) return compiled(x);
    if (compiled === undefined && ++this.sums >= this.compileAfter) this.compiled = (this.generate ? compiledSum(this.source) : undefined) ?? null;
    const depth = this.heapDepth;
    const n = this.count;
    if (depth < 0) {
      let s = 0;
      for (let k = 0; k < n; k++) s += this.evalTree(k, x);
      return s;
    }
    if (this.unrolled === undefined) this.unrolled = (this.generate ? unrolledHeapSum(depth) : undefined) ?? null;
    if (this.unrolled !== null) return this.unrolled(x, this.hFeature, this.hThreshold, this.hLeaf, n);
    const inner = (1 << depth) - 1;
    const feature = this.hFeature, threshold = this.hThreshold, leaf = this.hLeaf;
    // Tree k's internal nodes start at k·inner, its leaves at k·(inner + 1) = k·inner + k.
    let s = 0, k = 0, a = 0;
    for (; k + 3 < n; k += 4, a += 4 * inner) {
      const b = a + inner, c = b + inner, e = c + inner;
      let p = 0, q = 0, r = 0, u = 0;
      for (let d = 0; d < depth; d++) {
        p = 2 * p + (x[feature[a + p]!]! <= threshold[a + p]! ? 1 : 2);
        q = 2 * q + (x[feature[b + q]!]! <= threshold[b + q]! ? 1 : 2);
        r = 2 * r + (x[feature[c + r]!]! <= threshold[c + r]! ? 1 : 2);
        u = 2 * u + (x[feature[e + u]!]! <= threshold[e + u]! ? 1 : 2);
      }
      s += leaf[a + k + p - inner]!;
      s += leaf[b + k + 1 + q - inner]!;
      s += leaf[c + k + 2 + r - inner]!;
      s += leaf[e + k + 3 + u - inner]!;
    }
    for (; k < n; k++, a += inner) {
      let p = 0;
      for (let d = 0; d < depth; d++) p = 2 * p + (x[feature[a + p]!]! <= threshold[a + p]! ? 1 : 2);
      s += leaf[a + k + p - inner]!;
    }
    return s;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// JSON

export function treeToJSON(t: TreeArrays): Json {
  return { feature: [...t.feature], threshold: [...t.threshold], left: [...t.left], right: [...t.right], value: [...t.value] };
}

/**
 * Reads and checks one tree: equal-length arrays, feature indices in [-1, d), children of internal nodes with larger
 * indices inside the tree (so evaluation always terminates), leaves with -1 children, finite numbers.
 */
export function readTree(v: unknown, field: string, d: number): TreeArrays {
  const o = readObject(v, field);
  const feature = readNumberArray(o, "feature", field, { int: true, min: -1, max: d - 1 });
  const n = feature.length;
  if (n === 0) fail(`${field}.feature`, "a tree needs at least one node");
  const threshold = readNumberArray(o, "threshold", field, { length: n });
  const left = readNumberArray(o, "left", field, { length: n, int: true, min: -1, max: n - 1 });
  const right = readNumberArray(o, "right", field, { length: n, int: true, min: -1, max: n - 1 });
  const value = readNumberArray(o, "value", field, { length: n });
  const parents = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (feature[i]! < 0) {
      if (left[i] !== -1 || right[i] !== -1) fail(`${field}.left[${i}]`, "a leaf (feature -1) must have children -1");
    } else {
      if (!(left[i]! > i)) fail(`${field}.left[${i}]`, `child index must be greater than the node index ${i}, got ${left[i]}`);
      if (!(right[i]! > i)) fail(`${field}.right[${i}]`, `child index must be greater than the node index ${i}, got ${right[i]}`);
      if (left[i] === right[i]) fail(`${field}.right[${i}]`, "left and right child are the same node");
      for (const c of [left[i]!, right[i]!]) {
        if (parents[c]) fail(`${field}.left[${i}]`, `node ${c} has two parents (a tree node has exactly one)`);
        parents[c] = 1;
      }
    }
  }
  // Every node but the root must be reachable: exactly one parent each.
  for (let i = 1; i < n; i++) if (!parents[i]) fail(`${field}.feature[${i}]`, `node ${i} is not reachable from the root`);
  return { feature, threshold, left, right, value };
}

export function readTrees(o: Json, key: string, d: number): TreeArrays[] {
  const arr = readArray(o, key, "");
  if (arr.length === 0) fail(key, "needs at least one tree");
  return arr.map((t, k) => readTree(t, `${key}[${k}]`, d));
}
