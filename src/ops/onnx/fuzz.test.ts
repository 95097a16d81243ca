/**
 * Seeded fuzzing of every ONNX op spec with random ranks, dims, attributes and small known values: inference must
 * either succeed or throw an EdgelatError — never another exception, and never fail inside a shape rule.
 */
import { describe, expect, it } from "vitest";
import { isEdgelatError } from "../../errors.js";
import { GraphBuilder } from "../../ir/builder.js";
import type { AttrValue, Graph } from "../../ir/types.js";
import { inferShapes } from "../../shape/infer.js";
import { createRng, type Rng } from "../../util/rng.js";
import type { AttrSpec, OpSpec } from "../types.js";
import { onnxOpSpecs } from "./index.js";

const STRINGS = ["NOTSET", "SAME_UPPER", "VALID", "constant", "reflect", "nearest", "linear", "bidirectional", "ij,jk->ik", "Relu", "DCR", ""];

function randomAttr(rng: Rng, a: AttrSpec): AttrValue | undefined {
  if (rng.next() < 0.4) return undefined;
  const int = () => rng.int(-3, 5);
  switch (a.type) {
    case "int":
      return int();
    case "float":
      return rng.next() * 4 - 1;
    case "ints":
      return Array.from({ length: rng.int(0, 7) }, int);
    case "floats":
      return Array.from({ length: rng.int(0, 5) }, () => rng.next() * 3);
    case "string":
      return STRINGS[rng.int(0, STRINGS.length)]!;
    case "strings":
      return [STRINGS[rng.int(0, STRINGS.length)]!];
    case "tensor":
      return { name: "t", dtype: "float32", shape: [1], constant: { source: "generated", values: [rng.next()] } };
    default:
      return undefined; // subgraphs: exercised by control.test.ts
  }
}

function randomGraph(rng: Rng, spec: OpSpec): Graph {
  const b = new GraphBuilder("fuzz", { "": [9, 11, 13, 17, 18][rng.int(0, 5)]!, "com.microsoft": 1 });
  const nIn = spec.inputs.some((i) => i.variadic) ? rng.int(1, 5) : rng.int(Math.max(1, spec.inputs.filter((i) => !i.optional).length), spec.inputs.length + 1);
  const inputs: string[] = [];
  for (let i = 0; i < nIn; i++) {
    if (spec.inputs[i]?.optional && rng.next() < 0.2) {
      inputs.push("");
      continue;
    }
    const rank = rng.int(0, 5);
    const shape = Array.from({ length: rank }, () => rng.int(0, 6));
    const n = shape.reduce((a, d) => a * d, 1);
    if (rng.next() < 0.5 && n <= 8) {
      const values = Array.from({ length: n }, () => rng.int(-4, 9));
      inputs.push(b.constant(`c${i}`, shape, rng.next() < 0.7 ? "int64" : "float32", values));
    } else inputs.push(b.input(`x${i}`, shape));
  }
  const attrs: Record<string, AttrValue> = {};
  for (const [k, a] of Object.entries(spec.attrs ?? {})) {
    const v = randomAttr(rng, a);
    if (v !== undefined) attrs[k] = v;
  }
  const outs = b.node(spec.opType, inputs, attrs, { name: "n", outputs: rng.int(1, 4), domain: spec.domain });
  b.output(...outs);
  return b.build();
}

describe("op spec fuzzing", () => {
  it("2,000+ random nodes: success or EdgelatError, and no shape rule crashes", () => {
    const rng = createRng(20261125);
    const crashes: string[] = [];
    let ok = 0;
    let rejected = 0;
    for (let round = 0; round < Number(process.env.EDGELAT_FUZZ_ROUNDS ?? 12); round++) {
      for (const spec of onnxOpSpecs) {
        if (spec.category === "control-flow") continue;
        const graph = randomGraph(rng, spec);
        try {
          const inf = inferShapes(graph);
          for (const u of inf.unknown) if (/shape rule .* failed/.test(u.reason)) crashes.push(`${spec.domain}::${spec.opType}: ${u.reason}`);
          ok++;
        } catch (e) {
          if (!isEdgelatError(e)) crashes.push(`${spec.domain}::${spec.opType} threw ${(e as Error).stack?.split("\n").slice(0, 3).join(" ")}`);
          rejected++;
        }
      }
    }
    expect(crashes).toEqual([]);
    expect(ok + rejected).toBeGreaterThan(2000);
    expect(ok).toBeGreaterThan(200);
  });
});
