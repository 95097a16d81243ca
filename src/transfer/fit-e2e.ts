/**
 * Learning a device from end-to-end measurements only: per-(edge, op) costs of NAS-Bench-201 cells plus an overhead,
 * fit so that their sum matches the measured totals (non-negative least squares: a cost is never negative; the
 * overhead is free). The result is plain JSON, and a compiled table predicts any encoding with 6 lookups.
 */
import { EdgelatError } from "../errors.js";
import { weightedLeastSquares } from "../predictors/lstsq.js";
import {
  NB201_NUM_EDGES, NB201_NUM_OPS, NB201_SIZE, nb201ArchAt, nb201Code, parseNb201ArchStr, type Nb201Arch,
} from "../spaces/nasbench201.js";
import { nb201Features } from "./features.js";

export interface EndToEndSample {
  /** An encoding (6 op ids) or a canonical arch string. */
  arch: Nb201Arch | string;
  latencyMs: number;
}

/** Per-(edge, op) latency costs of a device. latency = overheadMs + Σ_e costsMs[e][op_e]. */
export interface Nb201CostTableJSON {
  kind: "nb201-cost-table";
  space: "nasbench201";
  /** 6 edges × 5 ops (NB201_OPS order), ms. */
  costsMs: number[][];
  overheadMs: number;
  fit: { samples: number; rmseMs: number; ridge: number };
}

export interface FitEndToEndOptions {
  /** Ridge λ on the (unit-RMS-scaled) cost columns, default 1e-6; the overhead is unpenalized. */
  ridge?: number;
}

const toArch = (a: Nb201Arch | string): Nb201Arch => (typeof a === "string" ? parseNb201ArchStr(a) : a);

export function fitFromEndToEnd(samples: readonly EndToEndSample[], options: FitEndToEndOptions = {}): Nb201CostTableJSON {
  if (samples.length === 0) throw new EdgelatError("invalid_argument", "fitFromEndToEnd needs at least one sample");
  const ridge = options.ridge ?? 1e-6;
  const rows: Float64Array[] = [];
  const y: number[] = [];
  samples.forEach((s, i) => {
    if (!(Number.isFinite(s.latencyMs) && s.latencyMs >= 0)) {
      throw new EdgelatError("invalid_argument", `sample ${i}: latencyMs must be a finite number ≥ 0, got ${s.latencyMs}`);
    }
    rows.push(nb201Features(toArch(s.arch), "onehot"));
    y.push(s.latencyMs);
  });
  const d = NB201_NUM_EDGES * NB201_NUM_OPS;
  const beta = weightedLeastSquares(rows, y, undefined, { ridge, unpenalized: [d], nonNegative: true, free: [d] });
  const costsMs = Array.from({ length: NB201_NUM_EDGES }, (_, e) => beta.slice(e * NB201_NUM_OPS, (e + 1) * NB201_NUM_OPS));
  const table: Nb201CostTableJSON = { kind: "nb201-cost-table", space: "nasbench201", costsMs, overheadMs: beta[d]!, fit: { samples: samples.length, rmseMs: 0, ridge } };
  let se = 0;
  rows.forEach((x, i) => { se += (predictNb201Latency(table, samples[i]!.arch) - y[i]!) ** 2; });
  table.fit.rmseMs = Math.sqrt(se / rows.length);
  return table;
}

export function checkCostTable(json: unknown): Nb201CostTableJSON {
  const t = json as Nb201CostTableJSON;
  const ok = t !== null && typeof t === "object" && t.kind === "nb201-cost-table" && Array.isArray(t.costsMs) &&
    t.costsMs.length === NB201_NUM_EDGES && t.costsMs.every((r) => Array.isArray(r) && r.length === NB201_NUM_OPS && r.every(Number.isFinite)) &&
    Number.isFinite(t.overheadMs);
  if (!ok) throw new EdgelatError("invalid_predictor", "Not an nb201-cost-table JSON (needs kind, costsMs 6×5, overheadMs)");
  return t;
}

/** The table's prediction for one architecture (encoding or arch string). */
export function predictNb201Latency(table: Nb201CostTableJSON, arch: Nb201Arch | string): number {
  const a = toArch(arch);
  nb201Code(a); // validates
  let s = table.overheadMs;
  for (let e = 0; e < NB201_NUM_EDGES; e++) s += table.costsMs[e]![a[e]!]!;
  return s;
}

/**
 * The compiled fast path: a flat Float64Array of costs and a function of the base-5 code (edge 0 most significant,
 * see `nb201Code`) or of an encoding; no allocation per call. `byEncoding` adds in the same order as
 * `predictNb201Latency` (bit-identical); `byCode` uses two 125-entry half tables (equal up to float rounding, ~1e-15).
 */
export function compileNb201CostTable(table: Nb201CostTableJSON): {
  byCode(code: number): number;
  byEncoding(ops: ArrayLike<number>): number;
  /** Latency of all 15,625 architectures in official-index order. */
  allByIndex(): Float64Array;
} {
  checkCostTable(table);
  const flat = new Float64Array(NB201_NUM_EDGES * NB201_NUM_OPS);
  table.costsMs.forEach((r, e) => r.forEach((c, o) => { flat[e * NB201_NUM_OPS + o] = c; }));
  const overhead = table.overheadMs;
  // Costs of the first 3 and last 3 edges, indexed by their base-5 half-codes (125 entries each).
  const hi = new Float64Array(125), lo = new Float64Array(125);
  for (let c = 0; c < 125; c++) {
    const a = Math.floor(c / 25), b = Math.floor(c / 5) % 5, d = c % 5;
    hi[c] = overhead + flat[a]! + flat[5 + b]! + flat[10 + d]!;
    lo[c] = flat[15 + a]! + flat[20 + b]! + flat[25 + d]!;
  }
  const byCode = (code: number): number => hi[(code / 125) | 0]! + lo[code % 125]!;
  return {
    byCode,
    byEncoding: (ops) => {
      let s = overhead;
      for (let e = 0; e < NB201_NUM_EDGES; e++) s += flat[e * NB201_NUM_OPS + ops[e]!]!;
      return s;
    },
    allByIndex: () => Float64Array.from({ length: NB201_SIZE }, (_, i) => byCode(nb201Code(nb201ArchAt(i)))),
  };
}

