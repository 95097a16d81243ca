/**
 * The real-model corpus (`npm run gather-models`): every model parses, and with the manifest's input shapes every
 * node has a fully known shape. Skips cleanly when the cache is absent.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Graph } from "../src/ir/types.js";
import { parseModel } from "../src/parsers/index.js";
import { inferShapes, summarizeGraph } from "../src/shape/infer.js";
import { CORPUS, corpusModels, tfjsShards, type CorpusModel } from "./helpers/corpus.js";

function parseCorpusModel(m: CorpusModel, withWeights = true): Graph {
  if (m.format === "onnx") return parseModel(readFileSync(m.path));
  return parseModel(readFileSync(m.path, "utf8"), { ...(withWeights ? { weightData: tfjsShards(m) } : {}), ...(m.outputs ? { outputs: m.outputs } : {}) });
}

const rows: string[] = [];

describe.skipIf(!CORPUS)("real-model corpus", () => {
  it("has the 11 TF.js and 9 ONNX models", () => {
    expect(corpusModels("tfjs-graph").length).toBe(11);
    expect(corpusModels("onnx").length).toBe(9);
  });

  for (const m of corpusModels()) {
    it(`${m.name} (${m.format}, ${m.source}) parses with 0 unknown shapes`, () => {
      const g = parseCorpusModel(m);
      expect(g.format).toBe(m.format);
      expect(g.nodes.length).toBeGreaterThan(10);
      const inf = inferShapes(g, { inputShapes: m.inputShapes });
      const s = summarizeGraph(inf);
      rows.push(`${m.name.padEnd(20)} ${m.format.padEnd(10)} nodes ${String(s.nodes).padStart(4)}  GFLOPs ${(s.flops / 1e9).toFixed(3).padStart(7)}  params ${String(s.params).padStart(8)}  unknown ${s.unknownShapes}`);
      expect(inf.unknown.map((u) => `${u.opType} ${u.node}: ${u.reason}`)).toEqual([]);
      expect(s.flops).toBeGreaterThan(1e6);
      for (const out of inf.graph.outputs) expect(inf.graph.tensors.get(out)!.shape!.every((d) => typeof d === "number" && d > 0)).toBe(true);
    });
  }

  it("TF.js models parse without their weight files (only shape constants are missing then)", () => {
    for (const m of corpusModels("tfjs-graph")) {
      const g = parseCorpusModel(m, false);
      const inf = inferShapes(g, { inputShapes: m.inputShapes });
      for (const u of inf.unknown) expect(u.reason).toMatch(/not a known constant|has unknown shape|symbolic|not static/);
    }
  });

  it("handtrack's full graph: the only unknowns are the data-dependent NonMaxSuppressionV5 nodes and what follows them", () => {
    const m = corpusModels("tfjs-graph").find((x) => x.name === "handtrack")!;
    const g = parseModel(readFileSync(m.path, "utf8"), { weightData: tfjsShards(m) });
    expect(g.warnings?.join(" ")).toMatch(/control flow/);
    const inf = inferShapes(g, { inputShapes: m.inputShapes });
    const roots = inf.unknown.filter((u) => !/^input .* has unknown shape$/.test(u.reason));
    expect(new Set(roots.map((u) => u.opType))).toEqual(new Set(["NonMaxSuppressionV5"]));
    expect(roots.every((u) => /data-dependent/.test(u.reason))).toBe(true);
    // The detector itself (backbone, box predictor) is fully known: the raw outputs have static shapes.
    expect(inf.graph.tensors.get("Identity_6")!.shape).toEqual([1, 12804, 4]);
    expect(inf.graph.tensors.get("Identity_7")!.shape).toEqual([1, 12804, 8]);
  });

  it("BlazeFace (back, 256) costs the same in its TF.js and ONNX conversions", () => {
    const flops = (name: string): number => {
      const m = corpusModels().find((x) => x.name === name)!;
      return summarizeGraph(inferShapes(parseCorpusModel(m), { inputShapes: m.inputShapes })).flops;
    };
    const tf = flops("blazeface");
    const onnx = flops("blazeface-back-256");
    expect(tf).toBe(onnx); // 391,240,576 FLOPs: the FLOPs conventions of the TF and ONNX specs agree exactly
  });

  it("prints the corpus table", () => {
    console.log(`corpus:\n${rows.join("\n")}`);
  });
});
