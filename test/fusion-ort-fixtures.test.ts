// Replays the onnxruntime-node comparisons recorded by `npm run check-fusion -- --write` without ORT: the simulator
// must reproduce at least the recorded share of ORT's executed nodes, per model and optimization level.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareSignatures } from "../src/fusion/compare.js";
import type { Graph } from "../src/ir/types.js";
import { parseOnnx } from "../src/parsers/onnx/index.js";
import { inferShapes } from "../src/shape/infer.js";
import type { InferredGraph } from "../src/shape/types.js";
import { BUILDERS, simulatedSignatures, type OrtFixture } from "./fusion-ort-cases.js";

const DIR = join(import.meta.dirname, "fixtures", "fusion");
const MODELS = join(import.meta.dirname, "..", ".cache", "models");
const fixtures: OrtFixture[] = readdirSync(DIR)
  .filter((f) => f.startsWith("ort-") && f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as OrtFixture);

const cache = new Map<string, InferredGraph | null>();
function load(fx: OrtFixture): InferredGraph | null {
  const hit = cache.get(fx.model);
  if (hit !== undefined) return hit;
  let graph: Graph | null = null;
  let inputShapes = {};
  if (fx.source.kind === "generated") graph = BUILDERS[fx.source.builder]!(fx.source.config);
  else {
    const file = join(MODELS, fx.source.file);
    if (existsSync(file)) graph = parseOnnx(new Uint8Array(readFileSync(file)));
    inputShapes = fx.source.inputShapes;
  }
  const inferred = graph === null ? null : inferShapes(graph, { inputShapes });
  cache.set(fx.model, inferred);
  return inferred;
}

describe("ort-cpu@1.30 rule sets replay the recorded onnxruntime-node comparisons", () => {
  it("has fixtures for generated and corpus models at every level", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(21);
    expect(new Set(fixtures.map((f) => f.level))).toEqual(new Set(["basic", "extended", "all"]));
  });
  for (const fx of fixtures) {
    const skip = fx.source.kind === "corpus" && !existsSync(join(MODELS, fx.source.file));
    it.skipIf(skip)(`${fx.model} @ ${fx.level}: ≥ ${(100 * fx.share).toFixed(1)}% of ORT's nodes`, () => {
      const inferred = load(fx)!;
      const sim = simulatedSignatures(inferred, fx.level);
      const cmp = compareSignatures(new Map(Object.entries(fx.expected)), sim.signatures);
      expect(cmp.total).toBe(Object.keys(fx.expected).length);
      expect(cmp.share).toBeGreaterThanOrEqual(fx.share - 1e-12);
      // every recorded comparison is at least the 99% goal; those recorded exact stay exact
      expect(fx.share).toBeGreaterThanOrEqual(0.99);
      if (fx.share === 1) expect(cmp.mismatches).toEqual([]);
    });
  }
});
