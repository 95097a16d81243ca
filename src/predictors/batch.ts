/**
 * `PredictionBatch`: the predictions of one batch of kernels (one `predictKernels` call), where kernels that a tree
 * predictor cannot tell apart are predicted once. Networks repeat blocks, so their kernels repeat: MobileNetV2 on the
 * TFLite GPU backend has 54 kernels of 32 distinct configurations.
 *
 * Two kernels get one evaluation when they go to the same `gbt` / `forest` predictor and agree on every number a
 * feature term can read (their `featureKey`s are equal, entry by entry with Object.is): those predictors are pure
 * functions of the feature vector their spec computes from these numbers, so the shared prediction is bit-identical
 * to evaluating each kernel. They are evaluated from the key the batch writes once per kernel (`predictKey`). Other
 * predictors (cheap, of unknown kind, or a subclass with its own `predict`) are called for every kernel. Nothing is
 * kept from one batch to the next.
 */
import type { KernelFeatures } from "../fusion/types.js";
import { FEATURE_KEY_LENGTH, featureKey } from "./features.js";
import { ForestPredictor } from "./forest.js";
import { GbtPredictor } from "./gbt.js";
import type { Prediction, Predictor } from "./types.js";

const K = FEATURE_KEY_LENGTH;
const gbtPredict = GbtPredictor.prototype.predict;
const forestPredict = ForestPredictor.prototype.predict;

/**
 * A predictor whose `predict` is a pure function of the feature key that `predictKey` evaluates: a gbt or forest
 * that does not override `predict` (a subclass that does is called through its own `predict`, never shared).
 */
function keyed(p: Predictor): p is GbtPredictor | ForestPredictor {
  const fn = p.predict;
  return (fn === gbtPredict && p instanceof GbtPredictor) || (fn === forestPredict && p instanceof ForestPredictor);
}

/** Mixes a key entry (a count or size, possibly ≥ 2^32) into a 32-bit hash. */
function mix(h: number, x: number): number {
  h = Math.imul(h ^ (x | 0), 0x9e3779b1);
  return Math.imul(h ^ ((x / 4294967296) | 0), 0x85ebca6b) ^ (h >>> 15);
}

/** Object.is over two keys' entries: NaN equals NaN, 0 and -0 differ (they can give different features). */
function sameKey(keys: readonly number[], a: number, b: number): boolean {
  for (let j = 0; j < K; j++) {
    const x = keys[a + j]!, y = keys[b + j]!;
    if (x === y ? x === 0 && 1 / x !== 1 / y : x === x || y === y) return false;
  }
  return true;
}

export class PredictionBatch {
  /** Open addressing over distinct keys: -1 empty, else the index of a distinct (predictor, key). */
  private readonly table: number[];
  private readonly mask: number;
  /** Distinct (predictor, key) pairs evaluated so far: key d at keys[d·K .. (d + 1)·K), then the next kernel's key. */
  private readonly predictors: Predictor[] = [];
  private readonly predictions: Prediction[] = [];
  // Plain arrays (not typed): this object lives for one call, and small JS-heap arrays are cheaper to make.
  private readonly keys: number[] = [];
  private distinct = 0;

  /** For up to `size` kernels, numbered 0 … size − 1. */
  constructor(size: number) {
    let cap = 8;
    while (cap < 2 * size) cap <<= 1;
    this.table = new Array<number>(cap).fill(-1);
    this.mask = cap - 1;
  }

  /** `p.predict(f)` for kernel `slot`, or the prediction of an earlier kernel it cannot be told apart from. */
  predict(p: Predictor, f: KernelFeatures, _slot: number): Prediction {
    if (!keyed(p)) return p.predict(f);
    const keys = this.keys;
    const d = this.distinct;
    const base = d * K;
    featureKey(f, keys, base);
    // hash of flops, params, bytesRead, bytesWritten, nodes, cin (key slots 0-5): equal keys give equal hashes
    let h = 0x2545f491;
    for (let j = 0; j < 6; j++) h = mix(h, keys[base + j]!);
    let at = (h ^ (h >>> 16)) & this.mask;
    for (let other = this.table[at]!; other >= 0; other = this.table[at]!) {
      if (this.predictors[other] === p && sameKey(keys, other * K, base)) return this.predictions[other]!;
      at = (at + 1) & this.mask;
    }
    const out = p.predictKey(keys, base);
    this.table[at] = d;
    this.predictors.push(p);
    this.predictions.push(out);
    this.distinct = d + 1;
    return out;
  }
}
