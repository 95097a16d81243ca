/**
 * `memoizePredictor`: a 4-way set-associative prediction cache in front of any predictor, for NAS loops where the same kernel
 * configurations recur across thousands of candidate networks. A cache hit returns exactly the values the wrapped
 * predictor computed for an identical feature key (see `featureKey`), so results are bit-identical with or without
 * it; only time changes. The cache is private mutable state of the wrapper (not serialized: `toJSON` is the wrapped
 * predictor's), and a hit allocates nothing but the returned object.
 */
import { EdgelatError } from "../errors.js";
import type { KernelFeatures } from "../fusion/types.js";
import { FEATURE_KEY_LENGTH, featureKey } from "./features.js";
import type { Prediction, Predictor, PredictorJSON } from "./types.js";

const K = FEATURE_KEY_LENGTH;
const WAYS = 4;

export class MemoPredictor implements Predictor {
  readonly kind: string;
  private readonly mask: number;
  private readonly keys: Float64Array;
  private readonly values: Float64Array;
  private readonly filled: Uint8Array;
  private readonly victim: Uint8Array;
  private readonly q = new Float64Array(K);
  private readonly bits = new Uint32Array(this.q.buffer);
  hits = 0;
  misses = 0;

  /** `capacity` entries (rounded up to a power of two, at least 4), in buckets of 4. */
  constructor(readonly inner: Predictor, capacity = 4096) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 24) {
      throw new EdgelatError("invalid_argument", `memo capacity must be an integer in [1, 2^24], got ${capacity}`);
    }
    let size = WAYS;
    while (size < capacity) size <<= 1;
    this.kind = inner.kind;
    this.mask = size / WAYS - 1;
    this.victim = new Uint8Array(size / WAYS);
    this.keys = new Float64Array(size * K);
    this.values = new Float64Array(size * 2);
    this.filled = new Uint8Array(size);
  }

  predict(f: KernelFeatures): Prediction {
    featureKey(f, this.q);
    // MurmurHash3 (x86, 32-bit) over the 32-bit halves of the key's doubles. Doubles of small integers have all-zero
    // low bits, so the per-word rotations and the final avalanche matter: the slot takes the hash's low bits.
    let h = 0x9747b28c;
    const bits = this.bits;
    for (let i = 0; i < bits.length; i++) {
      let k = Math.imul(bits[i]!, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      h ^= Math.imul(k, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    // 4-way set-associative: search the bucket's ways; on a miss replace them round-robin.
    const first = ((h >>> 0) & this.mask) * WAYS;
    for (let w = 0; w < WAYS; w++) {
      const slot = first + w;
      if (!this.filled[slot]) continue;
      const base = slot * K;
      let j = 0;
      // Object.is semantics: NaN keys match NaN; 0 and -0 are distinct (they can give different features).
      while (j < K && Object.is(this.keys[base + j], this.q[j])) j++;
      if (j === K) {
        this.hits++;
        return { latencyMs: this.values[2 * slot]!, stdMs: this.values[2 * slot + 1]! };
      }
    }
    this.misses++;
    const p = this.inner.predict(f);
    const bucket = first / WAYS;
    const slot = first + this.victim[bucket]!;
    this.victim[bucket] = (this.victim[bucket]! + 1) % WAYS;
    this.keys.set(this.q, slot * K);
    this.values[2 * slot] = p.latencyMs;
    this.values[2 * slot + 1] = p.stdMs;
    this.filled[slot] = 1;
    return { latencyMs: p.latencyMs, stdMs: p.stdMs };
  }

  toJSON(): PredictorJSON {
    return this.inner.toJSON();
  }
}

export function memoizePredictor(p: Predictor, capacity?: number): MemoPredictor {
  return new MemoPredictor(p, capacity);
}
