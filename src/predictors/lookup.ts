/**
 * `lookup`: a table of measured latencies keyed by a discrete configuration (by default kernel size, stride, cin,
 * cout, hIn — any FeatureSpec terms work as keys). Repeated measurements of one configuration are averaged.
 *
 * predict(q):
 *   1. exact:  q is a table key (binary search: entries are stored sorted) → its mean latency; stdMs = std of its
 *              repeated measurements (0 if measured once).
 *   2. line:   for each key dimension j, the entries equal to q on every other dimension that bracket q[j] (nearest
 *              below and above) → log-log linear interpolation, ln y = ln y₀ + t (ln y₁ − ln y₀) with t measured on
 *              ln(1 + key); several dimensions → geometric mean. Monotone between the two bracketing entries.
 *   3. IDW:    otherwise, inverse-distance weighting (power p) of ln y over the k nearest entries in normalized
 *              log-key space (ln(1 + key) divided by its range over the table).
 *   For 2 and 3, stdMs = interpRelStd · latency, where interpRelStd is the leave-one-out relative error of the same
 *   interpolation over the table's own entries (computed at fit time).
 */
import { EdgelatError } from "../errors.js";
import type { KernelFeatures } from "../fusion/types.js";
import { compileFeatureSpec, type CompiledFeatures, type FeatureSpec } from "./features.js";
import { resolveOptions, type OptionSchema } from "./options.js";
import type { Prediction, Predictor, PredictorJSON, Sample } from "./types.js";
import { checkSamples } from "./uncertainty.js";
import { checkHeader, checkNumberArray, fail, PREDICTOR_FORMAT_VERSION, readArray, readNumber, readNumberArray, readObject, readStringArray } from "./validate.js";

export const DEFAULT_LOOKUP_KEYS: FeatureSpec = ["kernelH", "strideH", "cin", "cout", "hIn"];

export const LOOKUP_OPTIONS = {
  keys: { type: "spec", default: DEFAULT_LOOKUP_KEYS, doc: "feature terms forming the table key" },
  neighbors: { type: "int", default: 4, min: 1, max: 64, doc: "k nearest entries for inverse-distance weighting" },
  power: { type: "number", default: 2, min: 0, max: 16, doc: "IDW power p (weights 1 / distance^p)" },
} as const satisfies OptionSchema;

export interface LookupParams {
  keys: FeatureSpec;
  points: number[][];
  latencyMs: number[];
  stdMs: number[];
  counts: number[];
  neighbors: number;
  power: number;
  interpRelStd: number;
}

export class LookupPredictor implements Predictor {
  readonly kind = "lookup";
  private readonly features: CompiledFeatures;
  private readonly q: Float64Array;
  private readonly d: number;
  /** Normalized log coordinates of each entry, flat (entry-major). */
  private readonly z: Float64Array;
  private readonly zq: Float64Array;
  private readonly scale: Float64Array;
  private readonly logY: Float64Array;
  private readonly nnDist: Float64Array;
  private readonly nnIdx: Int32Array;

  constructor(readonly params: Readonly<LookupParams>) {
    this.features = compileFeatureSpec(params.keys, "invalid_predictor", "keys");
    const d = (this.d = this.features.length);
    const n = params.points.length;
    for (let i = 0; i < n; i++) {
      if (params.points[i]!.length !== d) throw new EdgelatError("invalid_predictor", `points[${i}] has ${params.points[i]!.length} entries, expected ${d}`, { field: `points[${i}]` });
    }
    if (n === 0) throw new EdgelatError("invalid_predictor", "a lookup table needs at least one entry", { field: "points" });
    for (let i = 1; i < n; i++) {
      if (compareKey(params.points[i - 1]!, params.points[i]!, d) >= 0) {
        throw new EdgelatError("invalid_predictor", `points[${i}] is not after points[${i - 1}]: keys must be unique and sorted`, { field: `points[${i}]` });
      }
    }
    this.q = new Float64Array(d);
    this.zq = new Float64Array(d);
    this.scale = new Float64Array(d);
    this.z = new Float64Array(n * d);
    for (let j = 0; j < d; j++) {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < n; i++) { const v = lg(params.points[i]![j]!); lo = Math.min(lo, v); hi = Math.max(hi, v); }
      this.scale[j] = hi > lo ? hi - lo : 1;
      for (let i = 0; i < n; i++) this.z[i * d + j] = lg(params.points[i]![j]!) / this.scale[j]!;
    }
    this.logY = Float64Array.from(params.latencyMs, Math.log);
    this.nnDist = new Float64Array(params.neighbors);
    this.nnIdx = new Int32Array(params.neighbors);
  }

  /** The table entry index equal to the key of `f`, or -1. */
  find(f: KernelFeatures): number {
    this.features.write(f, this.q);
    return this.exact(-1);
  }

  /** Binary search over the lexicographically sorted keys (sortedness is checked on construction). */
  private exact(exclude: number): number {
    const pts = this.params.points, d = this.d, q = this.q;
    let lo = 0, hi = pts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareKey(pts[mid]!, q, d);
      if (c === 0) return mid === exclude ? -1 : mid;
      if (c < 0) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  }

  /** Interpolated ln(latency) at this.q, ignoring entry `exclude` (for leave-one-out). */
  private interpolate(exclude: number): number {
    const pts = this.params.points, d = this.d, q = this.q, n = pts.length;
    let lineSum = 0, lineCount = 0;
    for (let j = 0; j < d; j++) {
      let below = -1, above = -1;
      for (let i = 0; i < n; i++) {
        if (i === exclude) continue;
        const p = pts[i]!;
        let k = 0;
        while (k < d && (k === j || p[k] === q[k])) k++;
        if (k < d) continue;
        const v = p[j]!;
        if (v < q[j]!) { if (below < 0 || v > pts[below]![j]!) below = i; }
        else if (v > q[j]!) { if (above < 0 || v < pts[above]![j]!) above = i; }
      }
      if (below >= 0 && above >= 0 && lg(pts[below]![j]!) < lg(pts[above]![j]!)) {
        const a = lg(pts[below]![j]!), b = lg(pts[above]![j]!);
        const t = (lg(q[j]!) - a) / (b - a);
        lineSum += this.logY[below]! + t * (this.logY[above]! - this.logY[below]!);
        lineCount++;
      }
    }
    if (lineCount > 0) return lineSum / lineCount;
    // Inverse-distance weighting over the k nearest entries in normalized log-key space.
    for (let j = 0; j < d; j++) this.zq[j] = lg(q[j]!) / this.scale[j]!;
    const k = this.params.neighbors, dist = this.nnDist, idx = this.nnIdx;
    let found = 0;
    for (let i = 0; i < n; i++) {
      if (i === exclude) continue;
      let s = 0;
      for (let j = 0; j < d; j++) { const t = this.z[i * d + j]! - this.zq[j]!; s += t * t; }
      if (found < k) { found++; }
      else if (s >= dist[k - 1]!) continue;
      // Insertion into the sorted k-nearest buffer.
      let pos = found - 1;
      while (pos > 0 && dist[pos - 1]! > s) { dist[pos] = dist[pos - 1]!; idx[pos] = idx[pos - 1]!; pos--; }
      dist[pos] = s; idx[pos] = i;
    }
    if (found === 0) return Number.NaN;
    let ws = 0, vs = 0;
    for (let a = 0; a < found; a++) {
      const wgt = 1 / Math.pow(Math.sqrt(dist[a]!) + 1e-12, this.params.power);
      ws += wgt; vs += wgt * this.logY[idx[a]!]!;
    }
    return vs / ws;
  }

  predict(f: KernelFeatures): Prediction {
    this.features.write(f, this.q);
    const e = this.exact(-1);
    if (e >= 0) return { latencyMs: this.params.latencyMs[e]!, stdMs: this.params.stdMs[e]! };
    const latencyMs = Math.exp(this.interpolate(-1));
    return { latencyMs, stdMs: this.params.interpRelStd * latencyMs };
  }

  /** Leave-one-out relative RMS error of the interpolation over the table (entries with a duplicate key excluded). */
  leaveOneOutRelStd(): number {
    const pts = this.params.points;
    let s = 0, m = 0;
    for (let i = 0; i < pts.length; i++) {
      for (let j = 0; j < this.d; j++) this.q[j] = pts[i]![j]!;
      const p = Math.exp(this.interpolate(i));
      if (!Number.isFinite(p)) continue;
      const y = this.params.latencyMs[i]!;
      s += ((p - y) / y) ** 2;
      m++;
    }
    return m > 0 ? Math.sqrt(s / m) : 0;
  }

  toJSON(): PredictorJSON {
    const p = this.params;
    return {
      kind: this.kind, version: PREDICTOR_FORMAT_VERSION, keys: [...p.keys], points: p.points.map((r) => [...r]),
      latencyMs: [...p.latencyMs], stdMs: [...p.stdMs], counts: [...p.counts], neighbors: p.neighbors, power: p.power,
      interpRelStd: p.interpRelStd,
    };
  }
}

const lg = (v: number): number => Math.log1p(Math.max(v, 0));

/** Lexicographic comparison of two keys of length d. */
function compareKey(a: ArrayLike<number>, b: ArrayLike<number>, d: number): number {
  for (let j = 0; j < d; j++) if (a[j] !== b[j]) return a[j]! < b[j]! ? -1 : 1;
  return 0;
}

export function fitLookup(samples: readonly Sample[], options?: Partial<{ keys: FeatureSpec; neighbors: number; power: number }>): LookupPredictor {
  const o = resolveOptions(LOOKUP_OPTIONS, options, "lookup");
  checkSamples(samples);
  const c = compileFeatureSpec(o.keys);
  const groups = new Map<string, { key: number[]; w: number; s: number; ss: number; n: number }>();
  for (const s of samples) {
    const key = new Array<number>(c.length);
    c.write(s.features, key);
    if (key.some((v) => !Number.isFinite(v))) throw new EdgelatError("invalid_argument", `lookup: non-finite key ${JSON.stringify(key)}`);
    const id = key.join(",");
    const g = groups.get(id) ?? { key, w: 0, s: 0, ss: 0, n: 0 };
    const w = s.weight ?? 1;
    g.w += w; g.s += w * s.latencyMs; g.ss += w * s.latencyMs * s.latencyMs; g.n++;
    groups.set(id, g);
  }
  // Deterministic entry order: sorted by key.
  const entries = [...groups.values()].filter((g) => g.w > 0).sort((a, b) => compareKey(a.key, b.key, c.length));
  if (entries.length === 0) throw new EdgelatError("invalid_argument", "lookup: every sample has weight 0");
  const mean = (g: (typeof entries)[number]) => g.s / g.w;
  const params: LookupParams = {
    keys: [...o.keys],
    points: entries.map((g) => g.key),
    latencyMs: entries.map(mean),
    stdMs: entries.map((g) => (g.n > 1 ? Math.sqrt(Math.max(g.ss / g.w - mean(g) ** 2, 0) * (g.n / (g.n - 1))) : 0)),
    counts: entries.map((g) => g.n),
    neighbors: o.neighbors,
    power: o.power,
    interpRelStd: 0,
  };
  const interpRelStd = new LookupPredictor(params).leaveOneOutRelStd();
  return new LookupPredictor({ ...params, interpRelStd });
}

export function lookupFromJSON(json: unknown): LookupPredictor {
  const o = readObject(json, "$");
  checkHeader(o, "lookup");
  const keys = readStringArray(o, "keys", "");
  if (keys.length === 0) fail("keys", "must have at least one term");
  const raw = readArray(o, "points", "");
  if (raw.length === 0) fail("points", "a lookup table needs at least one entry");
  const points = raw.map((_, i) => checkNumberArray(raw[i], `points[${i}]`, { length: keys.length }));
  const n = points.length;
  return new LookupPredictor({
    keys,
    points,
    latencyMs: readNumberArray(o, "latencyMs", "", { length: n, gt: 0 }),
    stdMs: readNumberArray(o, "stdMs", "", { length: n, min: 0 }),
    counts: readNumberArray(o, "counts", "", { length: n, min: 1, int: true }),
    neighbors: readNumber(o, "neighbors", "", { min: 1, max: 64, int: true }),
    power: readNumber(o, "power", "", { min: 0, max: 16 }),
    interpRelStd: readNumber(o, "interpRelStd", "", { min: 0 }),
  });
}
