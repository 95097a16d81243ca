/**
 * Cross-check with TF.js itself (wasm backend, offline): load real human models from the corpus, run them on a zero
 * input, and compare the shape of every node's output TF.js produces with the shape edgelat infers from model.json
 * alone (all human models except handtrack, whose control flow needs executeAsync's dynamic path).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { corpusModels, CORPUS, tfjsShards } from "../../../test/helpers/corpus.js";
import { inferShapes } from "../../shape/infer.js";
import { parseTfjs } from "./index.js";

const NAMES = ["antispoof", "blazeface", "centernet", "emotion", "facemesh", "faceres", "handlandmark-lite", "iris", "liveness", "movenet-lightning"];

describe.skipIf(!CORPUS)("TF.js (wasm) agrees with inferred shapes of every node", () => {
  it(`runs ${NAMES.length} human models`, async () => {
    let compared = 0;
    const tf = await import("@tensorflow/tfjs");
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    wasm.setWasmPaths(`${resolve("node_modules/@tensorflow/tfjs-backend-wasm/dist")}/`);
    await tf.setBackend("wasm");
    await tf.ready();
    for (const name of NAMES) {
      const m = corpusModels("tfjs-graph").find((x) => x.name === name);
      if (m === undefined) continue;
      const json = JSON.parse(readFileSync(m.path, "utf8"));
      const shards = tfjsShards(m);
      const weightData = new Uint8Array(shards.reduce((a, s) => a + s.byteLength, 0));
      let o = 0;
      for (const s of shards) {
        weightData.set(s, o);
        o += s.byteLength;
      }
      const model = await tf.loadGraphModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights),
          weightData: weightData.buffer,
          format: json.format,
          generatedBy: json.generatedBy,
          convertedBy: json.convertedBy,
          signature: json.signature,
          userDefinedMetadata: json.userDefinedMetadata,
        } as never),
      );
      const g = parseTfjs(json, { weightData: shards });
      const [inputName, shape] = Object.entries(m.inputShapes)[0]!;
      const inf = inferShapes(g, { inputShapes: m.inputShapes });
      expect(inf.unknown).toEqual([]);
      const dtype = g.tensors.get(inputName)!.dtype === "int32" ? "int32" : "float32";
      const x = tf.zeros(shape as number[], dtype);
      const outNames = [...new Set([...g.outputs, ...g.nodes.map((n) => n.outputs[0]!)])];
      const result = (await model.executeAsync({ [inputName]: x }, outNames)) as import("@tensorflow/tfjs").Tensor | import("@tensorflow/tfjs").Tensor[];
      const outs = Array.isArray(result) ? result : [result];
      expect(outs.length).toBe(outNames.length);
      outNames.forEach((n, i) => expect([name, n, inf.graph.tensors.get(n)!.shape]).toEqual([name, n, outs[i]!.shape]));
      compared += outNames.length;
      tf.dispose([x, ...outs]);
      model.dispose();
    }
    console.log(`TF.js wasm: ${compared} node output shapes compared, all equal`);
    expect(compared).toBeGreaterThan(1000);
  });
});
