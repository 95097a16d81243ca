/**
 * Cross-check with TF.js itself (wasm backend, offline): load real human models from the corpus, run them on a zero
 * input, and compare the shape of every node's output TF.js produces with the shape edgelat infers from model.json
 * alone (handtrack: the tensors @vladmandic/human computes, before its data-dependent NMS).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { corpusModels, CORPUS, tfjsShards } from "../../../test/helpers/corpus.js";
import { inferShapes, summarizeGraph } from "../../shape/infer.js";
import { parseTfjs } from "./index.js";

const NAMES = ["antispoof", "blazeface", "centernet", "emotion", "facemesh", "faceres", "handlandmark-lite", "handtrack", "iris", "liveness", "movenet-lightning"];

describe.skipIf(!CORPUS)("TF.js (wasm) agrees with inferred shapes of every node", () => {
  it(`runs the ${NAMES.length} human models`, async () => {
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
      const g = parseTfjs(json, { weightData: shards, ...(m.outputs ? { outputs: m.outputs } : {}) });
      const [inputName, shape] = Object.entries(m.inputShapes)[0]!;
      const inf = inferShapes(g, { inputShapes: m.inputShapes });
      expect(inf.unknown).toEqual([]);
      const dtype = ["int32", "uint8"].includes(g.tensors.get(inputName)!.dtype) ? "int32" : "float32";
      const x = tf.zeros(shape as number[], dtype);
      // Every node's first output (a loop's nodes only exist per iteration: handtrack compares its outputs).
      const outNames = m.outputs ? g.outputs : [...new Set([...g.outputs, ...g.nodes.map((n) => n.outputs[0]!)])];
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

describe("TF.js layers models saved by TF.js itself", () => {
  it("every layer's output shape and the parameter count match tf.LayersModel", async () => {
    const tf = await import("@tensorflow/tfjs");
    const seq = tf.sequential();
    seq.add(tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 8, kernelSize: 3, activation: "relu", padding: "same" }));
    seq.add(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2 }));
    seq.add(tf.layers.batchNormalization({ center: false }));
    seq.add(tf.layers.reLU({ maxValue: 6 }));
    seq.add(tf.layers.separableConv2d({ filters: 16, kernelSize: 3, padding: "same", activation: "relu" }));
    seq.add(tf.layers.zeroPadding2d({ padding: [[1, 1], [2, 2]] }));
    seq.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    seq.add(tf.layers.upSampling2d({ size: [2, 2] }));
    seq.add(tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: "same" }));
    seq.add(tf.layers.flatten());
    seq.add(tf.layers.dropout({ rate: 0.2 }));
    seq.add(tf.layers.dense({ units: 10, activation: "softmax" }));

    const inp = tf.input({ shape: [16, 16, 4] });
    const a = tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: "relu6" }).apply(inp) as import("@tensorflow/tfjs").SymbolicTensor;
    const sum = tf.layers.add().apply([a, inp]) as import("@tensorflow/tfjs").SymbolicTensor;
    const cat = tf.layers.concatenate().apply([sum, a]) as import("@tensorflow/tfjs").SymbolicTensor;
    const gap = tf.layers.globalAveragePooling2d({}).apply(cat) as import("@tensorflow/tfjs").SymbolicTensor;
    const out = tf.layers.dense({ units: 3 }).apply(gap) as import("@tensorflow/tfjs").SymbolicTensor;
    const fn = tf.model({ inputs: inp, outputs: out });

    let layersChecked = 0;
    for (const model of [seq, fn]) {
      let artifacts: { modelTopology: unknown; weightSpecs: unknown[] } | undefined;
      await model.save(tf.io.withSaveHandler(async (x) => {
        artifacts = x as never;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }));
      // An empty manifest: every weight shape must come from the layer configs and the tracked channel counts.
      const json = { format: "layers-model", modelTopology: artifacts!.modelTopology, weightsManifest: [] };
      const g = parseTfjs(json);
      const inputShapes = Object.fromEntries(g.inputs.map((n) => [n, g.tensors.get(n)!.shape!.map((d) => (typeof d === "number" ? d : 1))]));
      const inf = inferShapes(g, { inputShapes });
      expect(inf.unknown).toEqual([]);
      for (const layer of model.layers) {
        if (layer.getClassName() === "InputLayer") continue;
        const want = (layer.outputShape as (number | null)[]).map((d) => d ?? 1);
        expect([layer.name, inf.graph.tensors.get(layer.name)?.shape]).toEqual([layer.name, want]);
        layersChecked++;
      }
      // Weights are the float constants (int32 constants are shape operands: paddings, axes, resize factors).
      let params = 0;
      for (const t of inf.graph.tensors.values()) {
        if (t.constant?.source === "weights-manifest") params += t.shape!.reduce<number>((x, d) => x * (d as number), 1);
      }
      expect(params).toBe(model.countParams());
      expect(summarizeGraph(inf).params).toBeGreaterThanOrEqual(params);
    }
    expect(layersChecked).toBe(17);
  });
});
