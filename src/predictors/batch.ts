/**
 * `PredictionBatch`: the predictions of one batch of kernels (one `predictKernels` call), where kernels that a tree
 * predictor cannot tell apart are predicted once. Networks repeat blocks, so their kernels repeat: MobileNetV2 on the
 * TFLite GPU backend has 54 kernels of 32 distinct configurations.
 *
 * Two kernels get one evaluation when they go to the same `gbt` / `forest` predictor and agree on every number a
 * feature term can read (`sameFeatureKey`): those predictors are pure functions of the feature vector their spec
 * computes from these numbers, so the shared prediction is bit-identical to evaluating each kernel. Other predictors
 * (cheap, or of unknown kind) are called for every kernel. Nothing is kept from one batch to the next.
 */
import type { KernelFeatures } from "../fusion/types.js";
import { sameFeatureKey } from "./features.js";
import { ForestPredictor } from "./forest.js";
import { GbtPredictor } from "./gbt.js";
import type { Prediction, Predictor } from "./types.js";

/** Mixes a kernel count or size (a non-negative number, possibly ≥ 2^32) into a 32-bit hash. */
function mix(h: number, v: number | undefined): number {
  const x = v ?? 0;
  h = Math.imul(h ^ (x | 0), 0x9e3779b1);
  return Math.imul(h ^ ((x / 4294967296) | 0), 0x85ebca6b) ^ (h >>> 15);
}

/** A hash of a few fields that `sameFeatureKey` compares: equal keys give equal hashes. */
function hashOf(f: KernelFeatures): number {
  let h = mix(0x2545f491, f.flops);
  h = mix(h, f.bytesRead);
  h = mix(h, f.bytesWritten);
  h = mix(h, f.params);
  h = mix(h, f.nodes);
  h = mix(h, f.cout);
  return h ^ (h >>> 16);
}

export class PredictionBatch {
  /** Open addressing over kernel slots: -1 empty, else the slot of the first kernel with that hash chain entry. */
  private readonly table: number[];
  private readonly mask: number;
  private readonly predictors: (Predictor | undefined)[];
  private readonly features: (KernelFeatures | undefined)[];
  private readonly predictions: (Prediction | undefined)[];

  /** For up to `size` kernels, numbered 0 … size − 1. */
  constructor(size: number) {
    let cap = 8;
    while (cap < 2 * size) cap <<= 1;
    this.table = new Array<number>(cap).fill(-1);
    this.mask = cap - 1;
    this.predictors = new Array(size);
    this.features = new Array(size);
    this.predictions = new Array(size);
  }

  /** `p.predict(f)` for kernel `slot`, or the prediction of an earlier kernel it cannot be told apart from. */
  predict(p: Predictor, f: KernelFeatures, slot: number): Prediction {
    if (!(p instanceof GbtPredictor || p instanceof ForestPredictor)) return p.predict(f);
    let at = hashOf(f) & this.mask;
    for (let other = this.table[at]!; other >= 0; other = this.table[at]!) {
      if (this.predictors[other] === p && sameFeatureKey(this.features[other]!, f)) return this.predictions[other]!;
      at = (at + 1) & this.mask;
    }
    const out = p.predict(f);
    this.table[at] = slot;
    this.predictors[slot] = p;
    this.features[slot] = f;
    this.predictions[slot] = out;
    return out;
  }
}
