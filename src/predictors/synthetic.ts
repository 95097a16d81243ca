/**
 * Synthetic kernel samples with a known ground truth, for tests, benchmarks and examples. Deterministic (seeded).
 */
import type { KernelFeatures } from "../fusion/types.js";
import { createRng, type Rng } from "../util/rng.js";
import type { Sample } from "./types.js";

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(0, xs.length)]!;

/** A plausible conv kernel's features (FLOPs = 2 × MACs, fp32 bytes). */
export function randomConvFeatures(rng: Rng): KernelFeatures {
  const k = pick(rng, [1, 3, 5, 7]);
  const s = pick(rng, [1, 2]);
  const hIn = pick(rng, [7, 14, 28, 56, 112, 224]);
  const cin = pick(rng, [3, 8, 16, 24, 32, 64, 96, 128, 256, 512]);
  const cout = pick(rng, [8, 16, 24, 32, 64, 96, 128, 256, 512]);
  const hOut = Math.ceil(hIn / s);
  const params = k * k * cin * cout;
  const flops = 2 * hOut * hOut * params;
  const bytesRead = 4 * (hIn * hIn * cin + params);
  const bytesWritten = 4 * hOut * hOut * cout;
  return {
    flops, params, bytesRead, bytesWritten, cin, cout, hIn, wIn: hIn, hOut, wOut: hOut,
    kernelH: k, kernelW: k, strideH: s, strideW: s, groups: 1, padH: k - 1, padW: k - 1, nodes: 1,
    inputShape: [1, cin, hIn, hIn], outputShape: [1, cout, hOut, hOut],
  };
}

/** `n` samples with latency = truth(features) × (1 + relNoise · N(0,1)), clamped to stay positive. */
export function syntheticSamples(n: number, truth: (f: KernelFeatures) => number, seed = 1, relNoise = 0): Sample[] {
  const rng = createRng(seed);
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const features = randomConvFeatures(rng);
    const y = truth(features) * (1 + relNoise * rng.normal());
    out.push({ features, latencyMs: Math.max(y, 1e-6) });
  }
  return out;
}
