/**
 * The HELP few-shot protocol on NAS-Bench-201 (Lee et al., NeurIPS 2021; `loader.py` of HayeonLee/HELP):
 *   - adaptation pool = arch_idx 0–899, query set = arch_idx 900–1899;
 *   - both trimmed to their 10th–90th latency percentile on the target (`remove_outlier`: sort by latency, keep sorted
 *     positions ⌊0.1n⌋ … ⌊0.9n⌋−1, i.e. 720 pool and 800 query architectures); ties are broken by arch_idx (HELP uses
 *     numpy's unstable argsort, which matters only on whole-millisecond devices);
 *   - k adaptation samples drawn at random from the trimmed pool (seeded);
 *   - metric: Spearman ρ between predicted and measured latency on the trimmed query set.
 * HELP additionally measures 10 reference architectures for its hardware embedding; edgelat's methods use only the k.
 */
import { EdgelatError } from "../errors.js";
import { spearman } from "../metrics/index.js";
import { createRng, shuffled } from "../util/rng.js";
import type { FewShotMethod, FewShotTask, SourceDevice } from "./few-shot.js";
import { fitRidgeSparse, predictRows } from "./linear-model.js";

export const HELP_NB201_DEVICES = {
  metaTrain: ["1080ti_1", "1080ti_32", "1080ti_256", "silver_4114", "silver_4210r", "samsung_a50", "pixel3", "essential_ph_1", "samsung_s7"],
  metaValid: ["titanx_1", "titanx_32", "titanx_256", "gold_6240"],
  metaTest: ["titan_rtx_256", "gold_6226", "fpga", "pixel2", "raspi4", "eyeriss"],
} as const;

/** HELP's published ρ with 10 samples (Table 2 of the paper; README of the data). */
export const HELP_PUBLISHED_RHO_K10: Readonly<Record<string, number>> = {
  titan_rtx_256: 0.987, gold_6226: 0.989, fpga: 0.985, pixel2: 0.802, raspi4: 0.890, eyeriss: 0.940,
};
export const HELP_PUBLISHED = { meanRhoK10: 0.932, flopsRho: 0.787, brpNas900Rho: 0.789 } as const;
/** HELP Table 3 (NB201), per device: FLOPs and BRP-NAS with 900 samples. */
export const HELP_PUBLISHED_FLOPS_RHO: Readonly<Record<string, number>> = {
  titan_rtx_256: 0.950, gold_6226: 0.826, pixel2: 0.765, raspi4: 0.846, eyeriss: 0.437, fpga: 0.900,
};
export const HELP_PUBLISHED_BRP900_RHO: Readonly<Record<string, number>> = {
  titan_rtx_256: 0.814, gold_6226: 0.796, pixel2: 0.666, raspi4: 0.847, eyeriss: 0.811, fpga: 0.801,
};

/** HELP's FBNet protocol (README of HayeonLee/HELP): pool = the first 4,000 sampled archs, query = the next 1,000. */
export const HELP_FBNET_DEVICES = {
  metaTrain: ["1080ti_1", "1080ti_32", "1080ti_64", "silver_4114", "silver_4210r", "samsung_a50", "pixel3", "essential_ph_1", "samsung_s7"],
  metaValid: ["titanx_1", "titanx_32", "titanx_64", "gold_6240"],
  metaTest: ["fpga", "raspi4", "eyeriss"],
} as const;
export const HELP_FBNET_PUBLISHED_RHO_K10: Readonly<Record<string, number>> = { raspi4: 0.887, eyeriss: 0.943, fpga: 0.892 };
export const HELP_FBNET_POOL = 4000;

/** HELP's `remove_outlier`: `rows` sorted by latency (ties by row), keeping sorted positions [⌊lo·n⌋, ⌊hi·n⌋). */
export function trimByLatency(rows: readonly number[], latencyMs: ArrayLike<number>, lo = 0.1, hi = 0.9): number[] {
  if (!(lo >= 0 && hi <= 1 && lo < hi)) throw new EdgelatError("invalid_argument", `trim bounds must satisfy 0 ≤ lo < hi ≤ 1 (got ${lo}, ${hi})`);
  for (const r of rows) if (!Number.isFinite(latencyMs[r]!)) throw new EdgelatError("invalid_argument", `row ${r} has no latency`);
  const sorted = [...rows].sort((a, b) => latencyMs[a]! - latencyMs[b]! || a - b);
  return sorted.slice(Math.floor(rows.length * lo), Math.floor(rows.length * hi));
}

export interface HelpSplit { pool: number[]; query: number[] }

export function helpSplit(latencyMs: ArrayLike<number>, opts: { poolSize?: number; querySize?: number } = {}): HelpSplit {
  const p = opts.poolSize ?? 900, q = opts.querySize ?? 1000;
  if (latencyMs.length < p + q) throw new EdgelatError("invalid_argument", `HELP split needs ${p + q} architectures, got ${latencyMs.length}`);
  const range = (a: number, n: number) => Array.from({ length: n }, (_, i) => a + i);
  return { pool: trimByLatency(range(0, p), latencyMs), query: trimByLatency(range(p, q), latencyMs) };
}

/** The k adaptation rows for a seed: a seeded shuffle of the trimmed pool, first k. */
export function adaptationSamples(pool: readonly number[], k: number, seed: number): number[] {
  if (!Number.isInteger(k) || k < 1 || k > pool.length) throw new EdgelatError("invalid_argument", `k must be an integer in [1, ${pool.length}], got ${k}`);
  return shuffled(pool, createRng(seed)).slice(0, k);
}

export interface HelpEvalInput {
  /** Latency per device, indexed by official NB201 arch_idx (15,625 rows). */
  latencyMs: Readonly<Record<string, Float64Array>>;
  /** Feature rows per arch_idx (last column intercept), used by feature-based methods and the ceiling. */
  features: readonly Float64Array[];
  flops?: Float64Array;
}

export interface DeviceResult { device: string; meanRho: number; stdRho: number; perSeed: number[] }

/** Runs one method on each target device for seeds 0…seeds−1 with k samples; sources are full columns. */
export function runHelp(
  input: HelpEvalInput,
  method: FewShotMethod,
  opts: {
    targets: readonly string[]; sources: readonly string[]; k: number; seeds: number; sourceWeights?: (target: string) => number[];
    /** Adaptation pool size (900 for NB201, 4,000 for HELP's FBNet protocol); the query set is the next 1,000. */
    poolSize?: number;
    /** Rows measured on the target in addition to the k samples (HELP's 10 hardware-embedding reference archs). */
    extraRows?: readonly number[];
  },
): DeviceResult[] {
  return opts.targets.map((target) => {
    const y = input.latencyMs[target];
    if (y === undefined) throw new EdgelatError("unknown_device", `No latency column '${target}'`);
    const srcNames = opts.sources.filter((s) => s !== target);
    const weights = opts.sourceWeights?.(target);
    const sources: SourceDevice[] = srcNames.map((device, j) => {
      const col = input.latencyMs[device];
      if (col === undefined) throw new EdgelatError("unknown_device", `No latency column '${device}'`);
      return { device, latencyMs: col, weight: weights?.[j] };
    });
    const { pool, query } = helpSplit(y, { poolSize: opts.poolSize });
    const measured = query.map((r) => y[r]!);
    const perSeed: number[] = [];
    for (let seed = 0; seed < opts.seeds; seed++) {
      const drawn = adaptationSamples(pool, opts.k, seed);
      const sampleRows = [...drawn, ...(opts.extraRows ?? []).filter((r) => !drawn.includes(r))];
      const task: FewShotTask = { features: input.features, flops: input.flops, sources, sampleRows, sampleLatencyMs: sampleRows.map((r) => y[r]!) };
      const pred = method(task);
      perSeed.push(spearman(query.map((r) => pred[r]!), measured));
    }
    const m = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
    const sd = Math.sqrt(perSeed.reduce((a, b) => a + (b - m) ** 2, 0) / perSeed.length);
    return { device: target, meanRho: m, stdRho: sd, perSeed };
  });
}

/**
 * The ceiling for a device: a ridge model on `ceilingFeatures` fit on ALL architectures outside the query set
 * (~14,800), scored by Spearman ρ on the same trimmed query set.
 */
export function helpCeiling(latencyMs: Float64Array, ceilingFeatures: readonly Float64Array[], ridge = 1e-3, poolSize?: number): number {
  const { query } = helpSplit(latencyMs, { poolSize });
  const q = new Set(query);
  const train: number[] = [];
  for (let i = 0; i < latencyMs.length; i++) if (!q.has(i) && Number.isFinite(latencyMs[i]!)) train.push(i);
  const beta = fitRidgeSparse(train.map((r) => ceilingFeatures[r]!), train.map((r) => latencyMs[r]!), ridge);
  const pred = predictRows(beta, query.map((r) => ceilingFeatures[r]!));
  return spearman(Array.from(pred), query.map((r) => latencyMs[r]!));
}
