import { describe, expect, it } from "vitest";
import { EdgelatError, isEdgelatError } from "../../errors.js";
import { inferShapes, summarizeGraph } from "../../shape/infer.js";
import { parseTfjs } from "./index.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

/** A small converter-style graph model: Placeholder → _FusedConv2D(BiasAdd, Relu) → MaxPool → Reshape → _FusedMatMul → Softmax. */
function graphModel(): Record<string, unknown> {
  return {
    format: "graph-model",
    generatedBy: "2.x",
    convertedBy: "TensorFlow.js Converter v4",
    modelTopology: {
      node: [
        { name: "input", op: "Placeholder", attr: { dtype: { type: "DT_FLOAT" }, shape: { shape: { dim: [{ size: "-1" }, { size: "8" }, { size: "8" }, { size: "3" }] } } } },
        { name: "conv/filter", op: "Const", attr: { value: { tensor: { dtype: "DT_FLOAT", tensorShape: { dim: [{ size: "3" }, { size: "3" }, { size: "3" }, { size: "4" }] } } }, dtype: { type: "DT_FLOAT" } } },
        { name: "conv/bias", op: "Const", attr: { value: { tensor: { dtype: "DT_FLOAT", tensorShape: { dim: [{ size: "4" }] } } }, dtype: { type: "DT_FLOAT" } } },
        { name: "flat/shape", op: "Const", attr: { value: { tensor: { dtype: "DT_INT32", tensorShape: { dim: [{ size: "2" }] } } }, dtype: { type: "DT_INT32" } } },
        { name: "fc/w", op: "Const", attr: { value: { tensor: { dtype: "DT_FLOAT", tensorShape: { dim: [{ size: "64" }, { size: "5" }] } } }, dtype: { type: "DT_FLOAT" } } },
        { name: "fc/b", op: "Const", attr: { value: { tensor: { dtype: "DT_FLOAT", tensorShape: { dim: [{ size: "5" }] } } }, dtype: { type: "DT_FLOAT" } } },
        {
          name: "conv/Relu",
          op: "_FusedConv2D",
          input: ["input", "conv/filter", "conv/bias", "^input"],
          device: "/device:CPU:0",
          attr: {
            T: { type: "DT_FLOAT" },
            strides: { list: { i: ["1", "1", "1", "1"] } },
            padding: { s: b64("SAME") },
            data_format: { s: b64("NHWC") },
            dilations: { list: { i: ["1", "1", "1", "1"] } },
            fused_ops: { list: { s: [b64("BiasAdd"), b64("Relu")] } },
            num_args: { i: "1" },
            epsilon: { f: 0 },
          },
        },
        { name: "pool", op: "MaxPool", input: ["conv/Relu:0"], attr: { ksize: { list: { i: ["1", "2", "2", "1"] } }, strides: { list: { i: ["1", "2", "2", "1"] } }, padding: { s: b64("VALID") } } },
        { name: "flat", op: "Reshape", input: ["pool", "flat/shape"], attr: { T: { type: "DT_FLOAT" } } },
        { name: "fc", op: "_FusedMatMul", input: ["flat", "fc/w", "fc/b"], attr: { fused_ops: { list: { s: [b64("BiasAdd")] } }, num_args: { i: "1" }, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: "probs", op: "Softmax", input: ["fc"] },
        { name: "Identity", op: "Identity", input: ["probs"] },
      ],
      library: {},
      versions: {},
    },
    weightsManifest: [
      {
        paths: ["group1-shard1of1.bin"],
        weights: [
          { name: "conv/filter", shape: [3, 3, 3, 4], dtype: "float32", quantization: { dtype: "float16", original_dtype: "float32" } },
          { name: "conv/bias", shape: [4], dtype: "float32" },
          { name: "flat/shape", shape: [2], dtype: "int32" },
          { name: "fc/w", shape: [64, 5], dtype: "float32", quantization: { dtype: "uint8", scale: 0.01, min: -1, original_dtype: "float32" } },
          { name: "fc/b", shape: [5], dtype: "float32" },
        ],
      },
    ],
  };
}

/** Shard bytes for graphModel(): float16 filter, float32 bias, int32 Reshape target [-1, 64], uint8 fc/w, float32 fc/b. */
function shard(): Uint8Array {
  const bytes = new Uint8Array(108 * 2 + 4 * 4 + 2 * 4 + 320 + 5 * 4);
  new DataView(bytes.buffer).setInt32(108 * 2 + 16, -1, true);
  new DataView(bytes.buffer).setInt32(108 * 2 + 20, 64, true);
  return bytes;
}

describe("parseTfjs: graph models", () => {
  it("parses nodes, constants, placeholders and pre-fused ops", () => {
    const g = parseTfjs(graphModel(), { weightData: shard() });
    expect(g.format).toBe("tfjs-graph");
    expect(g.inputs).toEqual(["input"]);
    expect(g.tensors.get("input")!.shape).toEqual(["batch", 8, 8, 3]);
    expect(g.outputs).toEqual(["Identity"]);
    expect(g.nodes.map((n) => n.opType)).toEqual(["_FusedConv2D", "MaxPool", "Reshape", "_FusedMatMul", "Softmax", "Identity"]);
    const conv = g.nodes[0]!;
    expect(conv.domain).toBe("tf");
    expect(conv.inputs).toEqual(["input", "conv/filter", "conv/bias"]); // ^control input dropped
    expect(conv.attrs.fused_ops).toEqual(["BiasAdd", "Relu"]);
    expect(conv.attrs.padding).toBe("SAME");
    expect(conv.attrs.strides).toEqual([1, 1, 1, 1]);
    expect(g.tensors.get("conv/filter")).toMatchObject({ dtype: "float32", shape: [3, 3, 3, 4], constant: { source: "weights-manifest" } });
    expect(g.tensors.get("flat/shape")!.constant!.values).toEqual([-1, 64]);
    expect(g.metadata.weightQuantization).toBe("float16,uint8");
  });

  it("infers shapes and FLOPs once the batch is fixed", () => {
    const g = parseTfjs(JSON.stringify(graphModel()), { weightData: [shard().buffer as ArrayBuffer], inputShapes: { "input:0": [2, 8, 8, 3] } });
    const inf = inferShapes(g);
    expect(inf.unknown).toEqual([]);
    expect(inf.graph.tensors.get("Identity")!.shape).toEqual([2, 5]);
    const s = summarizeGraph(inf);
    const conv = 2 * 8 * 8 * 4 * (2 * 27 + 2);
    const pool = 2 * 4 * 4 * 4 * 4;
    const fc = 2 * 5 * (2 * 64 + 1);
    expect(s.flops).toBe(conv + pool + fc + 5 * 2 * 5);
  });

  it("without the shard bytes, the Reshape target is unknown with a reason (weights are never required)", () => {
    const inf = inferShapes(parseTfjs(graphModel()), { inputShapes: { input: [1, 8, 8, 3] } });
    expect(inf.unknown[0]).toMatchObject({ opType: "Reshape" });
    expect(inf.unknown[0]!.reason).toMatch(/not a known constant/);
  });

  it("multi-output references and the outputs option", () => {
    const m = graphModel();
    const nodes = (m.modelTopology as { node: unknown[] }).node;
    nodes.push({ name: "split/dim", op: "Const", attr: { value: { tensor: { dtype: "DT_INT32", tensorShape: {}, intVal: [3] } } } });
    nodes.push({ name: "split", op: "Split", input: ["split/dim", "conv/Relu"], attr: { num_split: { i: "2" } } });
    nodes.push({ name: "second", op: "Relu", input: ["split:1"] });
    const g = parseTfjs(m, { weightData: shard(), outputs: ["second"] });
    expect(g.outputs).toEqual(["second"]);
    expect(g.nodes.map((n) => n.name)).toEqual(["conv/Relu", "split", "second"]);
    expect(g.nodes[1]!.outputs).toEqual(["split", "split:1"]);
    const inf = inferShapes(g, { inputShapes: { input: [1, 8, 8, 3] } });
    expect(inf.graph.tensors.get("second")!.shape).toEqual([1, 8, 8, 2]);
  });

  it("bad input gives specific EdgelatError codes", () => {
    const code = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        if (e instanceof EdgelatError) return e.code;
        throw e;
      }
      return "none";
    };
    const noManifest = graphModel();
    delete noManifest.weightsManifest;
    expect(code(() => parseTfjs(noManifest))).toBe("missing_weights_manifest");
    expect(code(() => parseTfjs('{"format": "graph-model", "modelTopology": {'))).toBe("invalid_json");
    expect(code(() => parseTfjs("[1,2]"))).toBe("invalid_json");
    const huge = graphModel();
    (huge.weightsManifest as { weights: { shape: number[] }[] }[])[0]!.weights[0]!.shape = [1e6, 1e6, 3, 4];
    expect(code(() => parseTfjs(huge))).toBe("too_large");
    const negative = graphModel();
    ((negative.modelTopology as { node: { attr: { shape: { shape: { dim: { size: string }[] } } } }[] }).node[0]!.attr.shape.shape.dim[1]!).size = "-5";
    expect(code(() => parseTfjs(negative))).toBe("invalid_shape");
    const dangling = graphModel();
    (dangling.modelTopology as { node: { input?: string[] }[] }).node[7]!.input = ["nothing"];
    expect(code(() => parseTfjs(dangling))).toBe("dangling_tensor");
    expect(code(() => parseTfjs(graphModel(), { inputShapes: { nope: [1] } }))).toBe("invalid_argument");
  });
});

describe("parseTfjs: layers models", () => {
  it("Sequential (Keras 2): Conv2D(relu) → MaxPooling2D → Flatten → Dropout → Dense(softmax)", () => {
    const model = {
      format: "layers-model",
      modelTopology: {
        class_name: "Sequential",
        config: {
          name: "seq",
          layers: [
            { class_name: "Conv2D", config: { name: "conv", batch_input_shape: [null, 28, 28, 1], filters: 8, kernel_size: [3, 3], strides: [1, 1], padding: "valid", activation: "relu", use_bias: true } },
            { class_name: "MaxPooling2D", config: { name: "pool", pool_size: [2, 2], strides: null, padding: "valid" } },
            { class_name: "Flatten", config: { name: "flat" } },
            { class_name: "Dropout", config: { name: "drop", rate: 0.5 } },
            { class_name: "Dense", config: { name: "dense", units: 10, activation: "softmax" } },
          ],
        },
      },
      weightsManifest: [{ paths: ["w.bin"], weights: [{ name: "conv/kernel", shape: [3, 3, 1, 8], dtype: "float32" }, { name: "dense/kernel", shape: [1352, 10], dtype: "float32" }] }],
    };
    const g = parseTfjs(model);
    expect(g.format).toBe("tfjs-layers");
    expect(g.inputs).toEqual(["conv_input"]);
    expect(g.outputs).toEqual(["dense"]);
    expect(g.nodes.map((n) => `${n.domain}::${n.opType}`)).toEqual(["tf::Conv2D", "tf::BiasAdd", "tf::Relu", "tf::MaxPool", "::Flatten", "tf::Identity", "tf::MatMul", "tf::BiasAdd", "tf::Softmax"]);
    const inf = inferShapes(g, { inputShapes: { conv_input: [1, 28, 28, 1] } });
    expect(inf.unknown).toEqual([]);
    expect(inf.graph.tensors.get("conv")!.shape).toEqual([1, 26, 26, 8]);
    expect(inf.graph.tensors.get("flat")!.shape).toEqual([1, 1352]);
    expect(inf.graph.tensors.get("dense")!.shape).toEqual([1, 10]);
    const s = summarizeGraph(inf);
    expect(s.params).toBe(3 * 3 * 8 + 8 + 1352 * 10 + 10);
  });

  it("functional (Keras 3 inbound nodes): DepthwiseConv2D, BatchNormalization, ReLU(6), Add, Concatenate, ZeroPadding2D, UpSampling2D, GAP", () => {
    const t = (layer: string) => ({ class_name: "__keras_tensor__", config: { shape: [null], dtype: "float32", keras_history: [layer, 0, 0] } });
    const call = (...args: unknown[]) => [{ args, kwargs: {} }];
    const model = {
      format: "layers-model",
      modelTopology: {
        model_config: {
          class_name: "Functional",
          config: {
            name: "f",
            layers: [
              { class_name: "InputLayer", name: "img", config: { batch_shape: [null, 16, 16, 4], dtype: "float32", name: "img" }, inbound_nodes: [] },
              { class_name: "DepthwiseConv2D", name: "dw", config: { name: "dw", kernel_size: 3, padding: "same", depth_multiplier: 1, use_bias: false }, inbound_nodes: call(t("img")) },
              { class_name: "BatchNormalization", name: "bn", config: { name: "bn", axis: -1, epsilon: 0.001 }, inbound_nodes: call(t("dw")) },
              { class_name: "ReLU", name: "relu", config: { name: "relu", max_value: 6 }, inbound_nodes: call(t("bn")) },
              { class_name: "Add", name: "add", config: { name: "add" }, inbound_nodes: call([t("relu"), t("img")]) },
              { class_name: "Concatenate", name: "cat", config: { name: "cat", axis: -1 }, inbound_nodes: call([t("add"), t("img")]) },
              { class_name: "ZeroPadding2D", name: "pad", config: { name: "pad", padding: [[1, 1], [2, 2]] }, inbound_nodes: call(t("cat")) },
              { class_name: "UpSampling2D", name: "up", config: { name: "up", size: [2, 2], interpolation: "nearest" }, inbound_nodes: call(t("pad")) },
              { class_name: "Conv2D", name: "pw", config: { name: "pw", filters: 6, kernel_size: [1, 1], padding: "valid", activation: "linear", use_bias: true }, inbound_nodes: call(t("up")) },
              { class_name: "GlobalAveragePooling2D", name: "gap", config: { name: "gap" }, inbound_nodes: call(t("pw")) },
            ],
            input_layers: [["img", 0, 0]],
            output_layers: [["gap", 0, 0]],
          },
        },
      },
      weightsManifest: [],
    };
    const g = parseTfjs(model);
    const symbolic = inferShapes(g);
    const shape = (n: string) => symbolic.graph.tensors.get(n)!.shape;
    expect(shape("cat")).toEqual(["batch", 16, 16, 8]);
    expect(shape("pad")).toEqual(["batch", 18, 20, 8]);
    expect(g.tensors.get("pw/kernel")!.shape).toEqual([1, 1, 8, 6]);
    const fixed = inferShapes(g, { inputShapes: { img: [1, 16, 16, 4] } });
    expect(fixed.unknown).toEqual([]);
    expect(fixed.graph.tensors.get("up")!.shape).toEqual([1, 36, 40, 8]);
    expect(fixed.graph.tensors.get("gap")!.shape).toEqual([1, 6]);
    expect(g.nodes.find((n) => n.name === "relu/Relu6")).toBeDefined();
  });

  it("unknown layer classes stay as keras-domain nodes listed as unknown", () => {
    const model = {
      format: "layers-model",
      modelTopology: { class_name: "Sequential", config: [{ class_name: "LSTM", config: { name: "rnn", batch_input_shape: [1, 5, 3], units: 4 } }] },
      weightsManifest: [],
    };
    const inf = inferShapes(parseTfjs(model));
    expect(inf.unknown).toEqual([expect.objectContaining({ opType: "LSTM", domain: "keras", reason: expect.stringMatching(/no shape rule/) })]);
    expect(isEdgelatError(new EdgelatError("invalid_json", "x"), "invalid_json")).toBe(true);
  });
});
