// The compiled prediction path (typed-array trees walked four at a time, straight-line feature writers, precomputed
// domain box) against a slow reference that interprets the predictor JSON directly: every prediction must be
// bit-identical (Object.is), on the built-in device profiles and on fitted models covering the other code paths.
import { describe, expect, it } from "vitest";
import { getDevice, listDevices } from "../devices/catalog.js";
import { predictorFeatures } from "../devices/estimate.js";
import { fuse } from "../fusion/fuse.js";
import type { KernelFeatures } from "../fusion/types.js";
import { buildMobileNetV2, buildMobileNetV3Large, buildResNet18 } from "../models/index.js";
import { inferShapes } from "../shape/infer.js";
import { createRng } from "../util/rng.js";
import { compileFeatureSpec, FEATURE_FIELD_NAMES, FEATURE_KEY_LENGTH, featureKey } from "./features.js";
import { fitPredictor } from "./fit.js";
import { predictorFromJSON } from "./json.js";
import { randomConvFeatures, syntheticSamples } from "./synthetic.js";
import type { Prediction, Predictor, PredictorJSON } from "./types.js";
import { FlatTrees, treeDepth, type TreeArrays } from "./tree.js";
import { outside } from "./uncertainty.js";

interface JsonTree { feature: number[]; threshold: number[]; left: number[]; right: number[]; value: number[] }

/** Pointer walk over the stored arrays: the leaf value a JSON tree gives for x. */
function walk(t: JsonTree, x: ArrayLike<number>): number {
  let i = 0;
  while (t.feature[i]! >= 0) i = x[t.feature[i]!]! <= t.threshold[i]! ? t.left[i]! : t.right[i]!;
  return t.value[i]!;
}

/** Features by the reference interpreter (not the generated straight-line writer). */
function features(spec: readonly string[], f: KernelFeatures): Float64Array {
  const c = compileFeatureSpec(spec);
  const x = new Float64Array(c.length);
  c.interpret(f, x);
  return x;
}

/** The gbt / forest formulas of the module docs, evaluated on the JSON in the documented order. */
function reference(j: PredictorJSON, f: KernelFeatures): Prediction {
  const x = features(j.spec as string[], f);
  const domain = j.domain as { min: number[]; max: number[] };
  const trees = j.trees as JsonTree[];
  const widen = 1 + outside(domain, x);
  let z: number, var_: number;
  if (j.kind === "gbt") {
    z = j.base as number;
    const coef = (j.linearCoef ?? []) as number[];
    if (coef.length > 0) {
      const xl = features(j.linearSpec as string[], f);
      let l = 0;
      for (let k = 0; k < coef.length; k++) l += coef[k]! * xl[k]!;
      z += l;
    }
    let s = 0;
    for (const t of trees) s += walk(t, x);
    z += s;
    var_ = Math.max(walk(j.noiseTree as JsonTree, x), 0);
  } else {
    let s = 0, ss = 0;
    for (const t of trees) { const v = walk(t, x); s += v; ss += v * v; }
    z = s / trees.length;
    var_ = (j.spreadScale as number) * Math.max(ss / trees.length - z * z, 0) + (j.noiseVar as number);
  }
  if (j.target === "log") {
    const latencyMs = Math.exp(z);
    return { latencyMs, stdMs: latencyMs * Math.sqrt(Math.expm1(var_)) * widen };
  }
  return { latencyMs: Math.max(z, 0), stdMs: Math.sqrt(var_) * widen };
}

/** Compares every prediction; returns how many were checked. */
function expectIdentical(p: Predictor, fs: readonly KernelFeatures[]): number {
  const j = p.toJSON();
  const bad: string[] = [];
  for (const f of fs) {
    const got = p.predict(f), want = reference(j, f);
    if (!Object.is(got.latencyMs, want.latencyMs) || !Object.is(got.stdMs, want.stdMs)) {
      bad.push(`${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
    }
  }
  expect(bad.slice(0, 3)).toEqual([]);
  return fs.length;
}

describe("compiled tree predictors are bit-identical to the JSON reference", () => {
  it("built-in device profiles on the kernels of MobileNetV2, MobileNetV3-Large and ResNet-18", () => {
    const graphs = [buildMobileNetV2(), buildMobileNetV3Large(), buildResNet18()].map((g) => inferShapes(g));
    let checked = 0, trees = 0;
    for (const { id } of listDevices()) {
      const dev = getDevice(id);
      const predictors: Predictor[] = [...dev.typeOverrides.values(), ...[...dev.routes.values()].flat().map((r) => r.predictor)];
      const treeModels = predictors.filter((p) => p.kind === "gbt" || p.kind === "forest");
      if (treeModels.length === 0) continue;
      trees += treeModels.length;
      const fs = graphs.flatMap((g) => fuse(g, dev.backend).kernels.map(predictorFeatures));
      // Every kernel through every tree model of the device (not only the one its class routes to).
      for (const p of treeModels) checked += expectIdentical(p, fs);
      // The generated if/else sum (compiledSum: a device's predictors switch to it after many calls) on the same vectors.
      for (const p of treeModels) {
        const j = p.toJSON();
        const ts = j.trees as TreeArrays[];
        const compiled = new FlatTrees(ts, true, 1);
        for (const f of fs) {
          const x = features(j.spec as string[], f);
          let want = 0;
          for (const t of ts) want += walk(t, x);
          expect(Object.is(compiled.sum(x), want)).toBe(true);
        }
      }
    }
    expect(trees).toBeGreaterThan(0);
    expect(checked).toBeGreaterThan(1000);
  });

  it("fitted gbt (log and linear target, linear stage, tree counts not a multiple of 4) and forest (heap and pointer layout)", () => {
    const truth = (f: KernelFeatures) => 1e-9 * f.flops + (f.kernelH === 1 ? 0.02 : 0.05);
    const samples = syntheticSamples(400, truth, 3, 0.05);
    const rng = createRng(11);
    // In-domain kernels, and kernels far outside it (the widening term), and one with missing fields.
    const fs: KernelFeatures[] = [...samples.slice(0, 100).map((s) => s.features), ...Array.from({ length: 50 }, () => {
      const f = randomConvFeatures(rng);
      return { ...f, flops: f.flops * 50, cin: f.cin! * 8 };
    }), { flops: 1e6, nodes: 1 } as KernelFeatures];
    const models = [
      fitPredictor("gbt", samples, { nEstimators: 7, maxDepth: 4, noiseFolds: 0 }),
      fitPredictor("gbt", samples, { nEstimators: 9, maxDepth: 3, target: "linear", noiseFolds: 0 }),
      fitPredictor("gbt", samples, { nEstimators: 6, linearSpec: ["log:flops", "log:hOut*wOut*cout", "kernelH", "1"], noiseFolds: 2 }),
      fitPredictor("forest", samples, { nEstimators: 5, maxDepth: 6 }),
      fitPredictor("forest", samples, { nEstimators: 3, maxDepth: 14, minSamplesLeaf: 1 }), // deeper than the heap layout's 10
    ];
    const deepest = (m: Predictor) => Math.max(...(m.toJSON().trees as TreeArrays[]).map(treeDepth));
    expect(deepest(models[3]!)).toBeLessThanOrEqual(10); // heap layout
    expect(deepest(models[4]!)).toBeGreaterThan(10); // pointer layout
    for (const m of models) {
      expectIdentical(m, fs);
      expectIdentical(predictorFromJSON(JSON.parse(JSON.stringify(m))), fs);
    }
  });
});

describe("tree sums", () => {
  it("generated unrolled code and the loop give the same sum, for depths 0–9 and tree counts 1–9", () => {
    const rng = createRng(9);
    // Random complete-ish trees over 3 features with leaves at random depths ≤ maxDepth.
    const grow = (t: TreeArrays, depth: number, maxDepth: number): number => {
      const i = t.feature.length;
      const leaf = depth === maxDepth || (depth > 0 && rng.next() < 0.25);
      t.feature.push(leaf ? -1 : Math.floor(rng.next() * 3));
      t.threshold.push(leaf ? 0 : rng.next());
      t.left.push(-1); t.right.push(-1);
      t.value.push(leaf ? rng.next() * 2 - 1 : 0);
      if (!leaf) { t.left[i] = grow(t, depth + 1, maxDepth); t.right[i] = grow(t, depth + 1, maxDepth); }
      return i;
    };
    const xs = Array.from({ length: 40 }, (_, i) => (i === 0 ? [Number.NaN, 0.5, 0.5] : [rng.next(), rng.next(), rng.next()]));
    for (let maxDepth = 0; maxDepth <= 9; maxDepth++) {
      for (let count = 1; count <= 9; count++) {
        const trees = Array.from({ length: count }, () => { const t: TreeArrays = { feature: [], threshold: [], left: [], right: [], value: [] }; grow(t, 0, maxDepth); return t; });
        // `gen` walks the heap layout (unrolled code); `compiled` switches to the if/else code (compiledSum) on its 2nd call
        const gen = new FlatTrees(trees), loop = new FlatTrees(trees, false), compiled = new FlatTrees(trees, true, 2);
        for (const x of xs) {
          let want = 0;
          for (const t of trees) want += walk(t, x);
          expect(Object.is(gen.sum(x), want) && Object.is(loop.sum(x), want) && Object.is(compiled.sum(x), want), `depth ${maxDepth}, ${count} trees`).toBe(true);
        }
      }
    }
  });
});

describe("straight-line feature writer", () => {
  it("writes exactly what the interpreter writes, for every field, function, constant and zero divisor", () => {
    const spec = [
      ...FEATURE_FIELD_NAMES, ...FEATURE_FIELD_NAMES.map((n) => `log:${n}`), "sqrt:cin*cout", "ceil:cout/4", "flops/bytes",
      "2.5*cin/groups", "1", "0.1*hOut*wOut/strideH/padW", "log:flops/0", "1e-3*flops",
    ];
    const c = compileFeatureSpec(spec);
    const rng = createRng(5);
    const inputs: KernelFeatures[] = [
      ...Array.from({ length: 30 }, () => randomConvFeatures(rng)),
      { flops: 0, nodes: 1 } as KernelFeatures,
      { flops: 10, nodes: 2, inputShape: [1, 3, 0, 5], outputShape: [2, 2], padW: 0, groups: 0 } as KernelFeatures,
      { flops: Number.NaN, nodes: 1, cin: -3, cout: Infinity } as KernelFeatures,
    ];
    for (const f of inputs) {
      const a = new Float64Array(c.length + 2), b = new Float64Array(c.length + 2);
      c.write(f, a, 2);
      c.interpret(f, b, 2);
      for (let k = 0; k < a.length; k++) expect(Object.is(a[k], b[k]), `${spec[k - 2]} on ${JSON.stringify(f)}`).toBe(true);
      const arr: number[] = [];
      c.write(f, arr);
      expect(arr.every((v, k) => Object.is(v, a[k + 2]))).toBe(true);
      // from the feature key (typed or plain array, at an offset): the same vector
      for (const key of [new Float64Array(FEATURE_KEY_LENGTH + 3), new Array<number>(FEATURE_KEY_LENGTH + 3).fill(7)]) {
        featureKey(f, key, 3);
        const fromKey = new Float64Array(c.length);
        c.fromKey(key, 3, fromKey);
        expect(fromKey.every((v, k) => Object.is(v, a[k + 2])), JSON.stringify(f)).toBe(true);
      }
    }
    expect(c.write).not.toBe(c.interpret);
  });
});
