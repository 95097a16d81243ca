import { describe, expect, it } from "vitest";
import { createRng } from "../util/rng.js";
import { fitGbt } from "./gbt.js";
import { memoizePredictor } from "./memo.js";
import { randomConvFeatures, syntheticSamples } from "./synthetic.js";

describe("memoizePredictor", () => {
  const model = fitGbt(syntheticSamples(300, (f) => 1e-9 * f.flops + 0.02, 1, 0.05), { nEstimators: 30, noiseFolds: 0 });
  it("returns bit-identical predictions and hits on repeated kernels", () => {
    const memo = memoizePredictor(model, 64);
    const rng = createRng(2);
    const pool = Array.from({ length: 40 }, () => randomConvFeatures(rng));
    for (let i = 0; i < 2000; i++) {
      const f = { ...pool[rng.int(0, pool.length)]! }; // a fresh object with the same numbers
      const a = memo.predict(f), b = model.predict(f);
      expect(Object.is(a.latencyMs, b.latencyMs) && Object.is(a.stdMs, b.stdMs)).toBe(true);
    }
    expect(memo.hits).toBeGreaterThan(1500);
    expect(memo.hits + memo.misses).toBe(2000);
    expect(memo.toJSON()).toEqual(model.toJSON());
    expect(memo.kind).toBe("gbt");
  });
  it("distinguishes kernels that differ in any field, including shapes", () => {
    const memo = memoizePredictor(model, 1024);
    const f = randomConvFeatures(createRng(3));
    memo.predict(f);
    memo.predict({ ...f, strideW: (f.strideW ?? 1) + 1 });
    memo.predict({ ...f, outputShape: [1, 1, 1, 1] });
    expect(memo.misses).toBe(3);
    memo.predict({ ...f });
    expect(memo.hits).toBe(1);
  });
  it("rejects a bad capacity", () => {
    expect(() => memoizePredictor(model, 0)).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
  });
});
