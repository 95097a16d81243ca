/**
 * Per-architecture features of NAS-Bench-201 cells for latency models learnt from end-to-end measurements.
 * All edges of a cell see the same tensor shape, so an op costs the same on every edge of a stage; positions matter
 * only through interactions (which edges are dead, which pairs share inputs). Feature sets, from coarse to rich:
 *   - `counts`: number of edges with each non-`none` op (4) + intercept;
 *   - `onehot`: one indicator per (edge, op) (30) + intercept — the "linear additive" model, one coefficient per (edge, op);
 *   - `onehot-live`: `onehot` + indicators of (edge, op) on live edges only (runtimes that drop dead computation);
 *   - `pairwise`: `onehot-live` + products of (edge i, op a)·(edge j, op b) for every edge pair (15 × 25).
 */
import { EdgelatError } from "../errors.js";
import { NB201_NUM_EDGES, NB201_NUM_OPS, nb201LiveEdges, type Nb201Arch } from "../spaces/nasbench201.js";

export type Nb201FeatureSet = "counts" | "onehot" | "onehot-live" | "pairwise";
export const NB201_FEATURE_SETS: readonly Nb201FeatureSet[] = ["counts", "onehot", "onehot-live", "pairwise"];

const E = NB201_NUM_EDGES;
const O = NB201_NUM_OPS;
const PAIRS: [number, number][] = [];
for (let i = 0; i < E; i++) for (let j = i + 1; j < E; j++) PAIRS.push([i, j]);

/** Number of features (the last one is the intercept, always 1). */
export function nb201FeatureDim(set: Nb201FeatureSet): number {
  switch (set) {
    case "counts": return O - 1 + 1;
    case "onehot": return E * O + 1;
    case "onehot-live": return 2 * E * O + 1;
    case "pairwise": return 2 * E * O + PAIRS.length * O * O + 1;
  }
  throw new EdgelatError("invalid_argument", `Unknown NB201 feature set '${String(set)}'`);
}

/** The feature vector of one architecture. */
export function nb201Features(arch: Nb201Arch, set: Nb201FeatureSet): Float64Array {
  const x = new Float64Array(nb201FeatureDim(set));
  if (set === "counts") {
    for (const op of arch) if (op > 0) x[op - 1] += 1;
  } else {
    for (let e = 0; e < E; e++) x[e * O + arch[e]!] = 1;
    if (set !== "onehot") {
      const live = nb201LiveEdges(arch);
      for (let e = 0; e < E; e++) if (live[e]) x[E * O + e * O + arch[e]!] = 1;
    }
    if (set === "pairwise") {
      PAIRS.forEach(([i, j], p) => { x[2 * E * O + p * O * O + arch[i]! * O + arch[j]!] = 1; });
    }
  }
  x[x.length - 1] = 1;
  return x;
}

/** Feature rows for many architectures. */
export function nb201FeatureMatrix(archs: readonly Nb201Arch[], set: Nb201FeatureSet): Float64Array[] {
  return archs.map((a) => nb201Features(a, set));
}
