import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import type { Graph } from "../../ir/types.js";
import { corpusModels } from "../../../test/helpers/corpus.js";
import { parseOnnx } from "./parse.js";
import { toOnnx } from "./encode.js";

/** Nodes (with attributes) and every tensor's dtype, shape and known values. */
const essence = (g: Graph) => ({
  nodes: g.nodes.map((n) => [n.name, n.opType, n.domain, n.inputs, n.outputs, n.attrs]),
  inputs: g.inputs,
  outputs: g.outputs,
  constants: [...g.tensors.values()].filter((t) => t.constant).map((t) => [t.name, t.dtype, t.shape, t.constant!.values]).sort(),
});

const models = corpusModels("onnx");

// Real models → IR → toOnnx (random weights) → onnxruntime-node: the writer's attribute types, opsets and
// initializers are right for everything the corpus uses, and the rewritten model parses back to the same graph.
describe.skipIf(models.length === 0)("corpus models rewritten by toOnnx", () => {
  for (const m of models) {
    it(`${m.name}: parses back identically and runs with finite outputs`, async () => {
      const g = parseOnnx(readFileSync(m.path), { inputShapes: m.inputShapes });
      const bytes = toOnnx(g, { seed: 1 });
      expect(essence(parseOnnx(bytes))).toEqual(essence(g));
      const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
      const feeds: Record<string, ort.Tensor> = {};
      for (const name of g.inputs) {
        const shape = g.tensors.get(name)!.shape as number[];
        feeds[name] = new ort.Tensor("float32", new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
      }
      const out = await session.run(feeds);
      await session.release();
      expect(Object.keys(out).sort()).toEqual([...g.outputs].sort());
      for (const t of Object.values(out)) expect((t.data as Float32Array).every(Number.isFinite)).toBe(true);
    });
  }
});
