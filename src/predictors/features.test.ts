import { describe, expect, it } from "vitest";
import { compileFeatureSpec, featureVector } from "./features.js";

const f = { flops: 1000, params: 10, bytesRead: 30, bytesWritten: 20, nodes: 2, cin: 4, cout: 8, hOut: 5, wOut: 6, inputShape: [1, 4, 7, 7] };

describe("featureVector", () => {
  it("evaluates fields, products, quotients, log, sqrt and constants", () => {
    expect(featureVector(f, ["flops", "bytes", "cin*cout", "hOut*wOut", "1", "flops/bytes", "inElems", "2.5*cin"])).toEqual([
      1000, 50, 32, 30, 1, 20, 196, 10,
    ]);
    expect(featureVector(f, ["log:flops", "sqrt:cin*cout"])).toEqual([Math.log1p(1000), Math.sqrt(32)]);
    expect(featureVector({ ...f, cout: 9 }, ["ceil:cout/4", "ceil:cin/4", "ceil:hOut*wOut/4"])).toEqual([3, 1, 8]);
  });
  it("reads missing fields as 0 and keeps the term", () => {
    expect(featureVector(f, ["kernelH", "strideH*cin", "log:groups", "flops/groups", "outElems"])).toEqual([0, 0, 0, 0, 0]);
  });
  it("rejects unknown names with the term's index", () => {
    expect(() => featureVector(f, ["flops", "flopz"])).toThrowError(expect.objectContaining({ code: "invalid_argument", message: expect.stringContaining("spec[1]") }));
    expect(() => featureVector(f, ["exp:flops"])).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => compileFeatureSpec(["cin*"], "invalid_predictor")).toThrowError(expect.objectContaining({ code: "invalid_predictor" }));
  });
  it("writes into a caller buffer at an offset", () => {
    const c = compileFeatureSpec(["cin", "cout"]);
    const buf = new Float64Array(4);
    c.write(f, buf, 2);
    expect([...buf]).toEqual([0, 0, 4, 8]);
  });
});
