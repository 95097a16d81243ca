/**
 * Seeded fuzzing of the TF.js parser (and shape inference after it) with mutations of the real model.json files:
 * deleted keys, wrong types, huge numbers, negative dims, broken references, truncated JSON text. Every outcome must
 * be a Graph or an EdgelatError — never another exception, a hang or a huge allocation.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EdgelatError } from "../src/errors.js";
import { parseNnMeterIR } from "../src/parsers/nnmeter/index.js";
import { parseTfjs } from "../src/parsers/tfjs/index.js";
import { inferShapes } from "../src/shape/infer.js";
import { createRng, type Rng } from "../src/util/rng.js";
import { corpusModels, CORPUS, tfjsShards } from "./helpers/corpus.js";
import { DATA } from "./helpers/data.js";

type Json = unknown;

/** A random path from the root to some value, preferring the structural parts (nodes, attrs, manifest). */
function randomPath(root: Json, rng: Rng): (string | number)[] {
  const path: (string | number)[] = [];
  let cur = root;
  const depth = 1 + rng.int(0, 7);
  for (let d = 0; d < depth; d++) {
    if (Array.isArray(cur)) {
      if (cur.length === 0) break;
      const i = rng.int(0, cur.length);
      path.push(i);
      cur = cur[i];
    } else if (typeof cur === "object" && cur !== null) {
      const keys = Object.keys(cur);
      if (keys.length === 0) break;
      const k = keys[rng.int(0, keys.length)]!;
      path.push(k);
      cur = (cur as Record<string, Json>)[k];
    } else break;
  }
  return path;
}

/** Copy-on-write update along `path` (only the containers on the path are cloned). */
function updateAt(root: Json, path: (string | number)[], f: (old: Json) => Json | typeof DELETE): Json {
  if (path.length === 0) {
    const v = f(root);
    return v === DELETE ? undefined : v;
  }
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    const v = updateAt(copy[head as number], rest, f);
    if (rest.length === 0 && f(copy[head as number]) === DELETE) copy.splice(head as number, 1);
    else copy[head as number] = v;
    return copy;
  }
  const copy = { ...(root as Record<string, Json>) };
  if (rest.length === 0) {
    const v = f(copy[head as string]);
    if (v === DELETE) delete copy[head as string];
    else copy[head as string] = v;
    return copy;
  }
  copy[head as string] = updateAt(copy[head as string], rest, f);
  return copy;
}
const DELETE = Symbol("delete");

const WEIRD: Json[] = [null, true, 0, -1, -5, 1e12, 2 ** 53, -(2 ** 31), 1.5, NaN, "", "abc", "-7", "1e30", [], {}, [[]], { i: "x" }, { list: { i: ["-3"] } }];

function mutate(model: Json, text: string, rng: Rng): Json | string {
  const kind = rng.int(0, 9);
  switch (kind) {
    case 0: // truncation of the JSON text
      return text.slice(0, rng.int(0, text.length));
    case 1: // delete a key / array item
      return updateAt(model, randomPath(model, rng), () => DELETE);
    case 2: // wrong type / weird value
      return updateAt(model, randomPath(model, rng), () => WEIRD[rng.int(0, WEIRD.length)]);
    case 3: {
      // huge or negative dims in the weights manifest
      const m = model as { weightsManifest?: { weights: { shape: number[] }[] }[] };
      const g = rng.int(0, m.weightsManifest?.length ?? 1);
      const w = rng.int(0, m.weightsManifest?.[g]?.weights.length ?? 1);
      const val = [1e12, -1, -4, 2 ** 31, 3.5][rng.int(0, 5)];
      return updateAt(model, ["weightsManifest", g, "weights", w, "shape", 0], () => val);
    }
    case 4: {
      // a node reads a tensor nobody produces / an output index far away / itself
      const nodes = (model as { modelTopology: { node: { name: string }[] } }).modelTopology.node;
      const i = rng.int(0, nodes.length);
      const ref = [`missing_${i}`, `${nodes[i]!.name}`, `${nodes[rng.int(0, nodes.length)]!.name}:${rng.int(0, 100000)}`][rng.int(0, 3)];
      return updateAt(model, ["modelTopology", "node", i, "input"], () => [ref]);
    }
    case 5: {
      // change an op type to another seen in the corpus
      const nodes = (model as { modelTopology: { node: { op: string }[] } }).modelTopology.node;
      const i = rng.int(0, nodes.length);
      const op = nodes[rng.int(0, nodes.length)]!.op;
      return updateAt(model, ["modelTopology", "node", i, "op"], () => op);
    }
    case 6: {
      // a Placeholder with a huge / negative / odd shape
      const nodes = (model as { modelTopology: { node: { op: string }[] } }).modelTopology.node;
      const i = nodes.findIndex((n) => n.op === "Placeholder");
      const size = ["-9", "100000000000", "0", "abc", "-1"][rng.int(0, 5)];
      return updateAt(model, ["modelTopology", "node", i, "attr", "shape", "shape", "dim", rng.int(0, 4), "size"], () => size);
    }
    case 7: {
      // duplicate a node (two producers of one name)
      const nodes = (model as { modelTopology: { node: Json[] } }).modelTopology.node;
      return updateAt(model, ["modelTopology", "node"], () => [...nodes, nodes[rng.int(0, nodes.length)]]);
    }
    default: {
      // corrupt an attribute of a random node
      const nodes = (model as { modelTopology: { node: { attr?: Record<string, Json> }[] } }).modelTopology.node;
      const i = rng.int(0, nodes.length);
      const keys = Object.keys(nodes[i]!.attr ?? {});
      if (keys.length === 0) return updateAt(model, ["modelTopology", "node", i, "attr"], () => WEIRD[rng.int(0, WEIRD.length)]);
      return updateAt(model, ["modelTopology", "node", i, "attr", keys[rng.int(0, keys.length)]!], () => WEIRD[rng.int(0, WEIRD.length)]);
    }
  }
}

describe.skipIf(!CORPUS)("fuzz: mutated real TF.js model.json files", () => {
  it("1,200 seeded mutations → a Graph or an EdgelatError, never anything else", () => {
    const models = corpusModels("tfjs-graph").filter((m) => m.name !== "handtrack"); // the largest; covered by one pass below
    const loaded = models.map((m) => {
      const text = readFileSync(m.path, "utf8");
      return { m, text, json: JSON.parse(text) as Json, shards: tfjsShards(m) };
    });
    const rng = createRng(20240601);
    const outcomes = { parsed: 0, inferred: 0, errors: new Map<string, number>() };
    for (let i = 0; i < 1200; i++) {
      const { m, text, json, shards } = loaded[i % loaded.length]!;
      const input = mutate(json, text, rng);
      try {
        const g = parseTfjs(input, { weightData: shards });
        outcomes.parsed++;
        const name = g.inputs[0];
        const shape = name !== undefined ? Object.values(m.inputShapes)[0] : undefined;
        const sameRank = shape !== undefined && g.tensors.get(name!)?.shape?.length === shape.length;
        inferShapes(g, sameRank ? { inputShapes: { [name!]: shape! } } : {});
        outcomes.inferred++;
      } catch (e) {
        if (!(e instanceof EdgelatError)) {
          throw new Error(`mutation ${i} of ${m.name}: ${(e as Error)?.stack ?? String(e)}`);
        }
        outcomes.errors.set(e.code, (outcomes.errors.get(e.code) ?? 0) + 1);
      }
    }
    console.log(`fuzz-tfjs: parsed ${outcomes.parsed}, inferred ${outcomes.inferred}, errors ${JSON.stringify(Object.fromEntries(outcomes.errors))}`);
    // Both paths are exercised: many mutations are harmless, many are rejected with specific codes.
    expect(outcomes.parsed).toBeGreaterThan(200);
    expect(outcomes.errors.get("invalid_json") ?? 0).toBeGreaterThan(50);
    expect(outcomes.errors.size).toBeGreaterThanOrEqual(4);
  });

  it("handtrack (control flow): 60 mutations", () => {
    const m = corpusModels("tfjs-graph").find((x) => x.name === "handtrack")!;
    const text = readFileSync(m.path, "utf8");
    const json = JSON.parse(text) as Json;
    const rng = createRng(99);
    for (let i = 0; i < 60; i++) {
      try {
        inferShapes(parseTfjs(mutate(json, text, rng)), {});
      } catch (e) {
        expect(e).toBeInstanceOf(EdgelatError);
      }
    }
  });
});

describe.skipIf(!DATA)("fuzz: mutated nn-Meter IR (mobilenetv3small_0)", () => {
  it("300 seeded mutations → a Graph or an EdgelatError", () => {
    const text = readFileSync(`${DATA}/nn-meter/testmodels/mobilenetv3small_0.nnmeter-ir.json`, "utf8");
    const json = JSON.parse(text) as Json;
    const names = Object.keys(json as object);
    const rng = createRng(4242);
    const codes = new Map<string, number>();
    let parsed = 0;
    for (let i = 0; i < 300; i++) {
      const kind = rng.int(0, 4);
      const input =
        kind === 0
          ? text.slice(0, rng.int(0, text.length))
          : kind === 1
            ? updateAt(json, randomPath(json, rng), () => DELETE)
            : kind === 2
              ? updateAt(json, randomPath(json, rng), () => WEIRD[rng.int(0, WEIRD.length)])
              : updateAt(json, [names[rng.int(0, names.length)]!, "attr", "output_shape", 0, rng.int(0, 4)], () => [-3, 1e12, 0.5][rng.int(0, 3)]);
      try {
        inferShapes(parseNnMeterIR(input));
        parsed++;
      } catch (e) {
        if (!(e instanceof EdgelatError)) throw new Error(`nn-Meter mutation ${i}: ${(e as Error)?.stack ?? String(e)}`);
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      }
    }
    console.log(`fuzz-nnmeter: parsed ${parsed}, errors ${JSON.stringify(Object.fromEntries(codes))}`);
    expect(parsed).toBeGreaterThan(30);
    expect(codes.size).toBeGreaterThanOrEqual(3);
  });
});
