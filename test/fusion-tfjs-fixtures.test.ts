// Replays the tf.profile() kernel lists recorded by scripts/check-fusion-tfjs.ts --write (TF.js 4.22, wasm backend)
// without TF.js: the tfjs-wasm@4.22 simulation must keep reproducing at least the recorded share of profiled kernels.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareKernelNames, simulatedTfjsKernels, type TfjsFixture } from "./fusion-tfjs-cases.js";

const DIR = join(import.meta.dirname, "fixtures", "fusion");
const MODELS = join(import.meta.dirname, "..", ".cache", "models");
const fixtures = readdirSync(DIR)
  .filter((f) => f.startsWith("tfjs-") && f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as TfjsFixture);

describe("tfjs-wasm@4.22 replays the recorded tf.profile() kernel lists", () => {
  it("has the 11 TF.js corpus models", () => expect(fixtures.length).toBe(11));
  for (const fx of fixtures) {
    const file = join(MODELS, fx.file);
    it.skipIf(!existsSync(file))(`${fx.model}: ≥ ${(100 * fx.share).toFixed(1)}% of ${fx.profiled.length} profiled kernels`, () => {
      const cmp = compareKernelNames(fx.profiled, simulatedTfjsKernels(file, fx.inputShapes));
      expect(cmp.share).toBeGreaterThanOrEqual(fx.share - 1e-12);
      // models without control flow are reproduced to ≥ 98%
      if (fx.model !== "handtrack") expect(cmp.share).toBeGreaterThanOrEqual(0.98);
    });
  }
});
