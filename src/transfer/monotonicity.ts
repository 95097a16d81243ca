/**
 * Latency monotonicity (OneProxy): how well one device's latency ranking of architectures carries over to another.
 * Reports Spearman ρ and Kendall τ between every pair of devices on a common set of architectures, and the rule to
 * reuse a proxy device's ranking (and so its Pareto front) directly when ρ is high, and to adapt it otherwise.
 */
import { EdgelatError } from "../errors.js";
import { kendall, spearman } from "../metrics/index.js";

export interface MonotonicityMatrix {
  devices: string[];
  /** rho[i][j]: Spearman ρ between devices i and j on the rows where both are measured. */
  rho: number[][];
  /** tau[i][j]: Kendall τ-b (on at most `maxKendallRows` rows, the first ones, as τ is O(n²)). */
  tau: number[][];
  rows: number[][];
}

export function latencyMonotonicity(
  latencyMs: Readonly<Record<string, ArrayLike<number>>>,
  opts: { devices?: readonly string[]; rows?: readonly number[]; maxKendallRows?: number } = {},
): MonotonicityMatrix {
  const devices = [...(opts.devices ?? Object.keys(latencyMs))];
  if (devices.length === 0) throw new EdgelatError("invalid_argument", "latencyMonotonicity needs at least one device");
  for (const d of devices) if (latencyMs[d] === undefined) throw new EdgelatError("unknown_device", `No latency column '${d}'`);
  const n = latencyMs[devices[0]!]!.length;
  const all = opts.rows ?? Array.from({ length: n }, (_, i) => i);
  const maxK = opts.maxKendallRows ?? 2000;
  const D = devices.length;
  const rho = Array.from({ length: D }, () => new Array<number>(D).fill(1));
  const tau = Array.from({ length: D }, () => new Array<number>(D).fill(1));
  const rows = Array.from({ length: D }, () => new Array<number>(D).fill(0));
  for (let i = 0; i < D; i++) {
    for (let j = i; j < D; j++) {
      const a = latencyMs[devices[i]!]!, b = latencyMs[devices[j]!]!;
      const common = all.filter((r) => Number.isFinite(a[r]!) && Number.isFinite(b[r]!));
      rows[i]![j] = rows[j]![i] = common.length;
      if (i === j || common.length < 3) continue;
      const x = common.map((r) => a[r]!), y = common.map((r) => b[r]!);
      rho[i]![j] = rho[j]![i] = spearman(x, y);
      tau[i]![j] = tau[j]![i] = kendall(x.slice(0, maxK), y.slice(0, maxK));
    }
  }
  return { devices, rho, tau, rows };
}

export interface ProxyDecision {
  proxy: string;
  rho: number;
  /** "reuse": rank by the proxy directly; "adapt": correct the proxy with target samples (proxyAdaptation). */
  action: "reuse" | "adapt";
}

/**
 * OneProxy's rule: pick the source with the highest ρ to the target (measured on a few target samples, or known);
 * reuse it as is when ρ ≥ threshold (default 0.9), else adapt it.
 */
export function chooseProxy(rhoToTarget: Readonly<Record<string, number>>, threshold = 0.9): ProxyDecision {
  const entries = Object.entries(rhoToTarget).filter(([, r]) => Number.isFinite(r));
  if (entries.length === 0) throw new EdgelatError("invalid_argument", "chooseProxy needs at least one finite ρ");
  entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const [proxy, rho] = entries[0]!;
  return { proxy, rho, action: rho >= threshold ? "reuse" : "adapt" };
}
