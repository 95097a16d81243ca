import { describe, expect, it } from "vitest";
import { isEdgelatError } from "../errors.js";
import { GraphBuilder } from "../ir/builder.js";
import type { Graph } from "../ir/types.js";
import { buildMobileNetV2 } from "../models/index.js";
import { inferShapes } from "../shape/infer.js";
import { backendIds, fuse, getRuleSet, node, ops, rule, ruleSets, single, step, type RuleSet } from "./index.js";

/** Conv(3→16, 3×3 s2 with explicit Pad) → BN → Clip(0,6) → dw 3×3 → Relu → 1×1 conv → Add(residual) → GAP → Flatten → Gemm. */
function block(): Graph {
  const b = new GraphBuilder("block");
  const x = b.input("x", [1, 16, 32, 32]);
  const p = b.op("Pad", [x, b.constant("pads", [8], "int64", [0, 0, 1, 1, 0, 0, 1, 1])], {}, { name: "pad" });
  const c = b.op("Conv", [p, b.constant("w", [16, 16, 3, 3])], { kernel_shape: [3, 3] }, { name: "conv" });
  const bn = b.op("BatchNormalization", [c, ...["g", "be", "m", "v"].map((n) => b.constant(n, [16]))], {}, { name: "bn" });
  const r6 = b.op("Clip", [bn, b.constant("lo", [], "float32", [0]), b.constant("hi", [], "float32", [6])], {}, { name: "relu6" });
  const dw = b.op("Conv", [r6, b.constant("wd", [16, 1, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 16 }, { name: "dw" });
  const r = b.op("Relu", [dw], {}, { name: "relu" });
  const id = b.op("Identity", [r], {}, { name: "identity" });
  const pw = b.op("Conv", [id, b.constant("wp", [16, 16, 1, 1])], { kernel_shape: [1, 1] }, { name: "pw" });
  const add = b.op("Add", [pw, x], {}, { name: "add" });
  const gap = b.op("GlobalAveragePool", [add], {}, { name: "gap" });
  const f = b.op("Flatten", [gap], {}, { name: "flatten" });
  b.output(b.op("Gemm", [f, b.constant("wf", [10, 16]), b.constant("bf", [10])], { transB: 1 }, { name: "fc" }));
  return b.build();
}

describe("fuse", () => {
  const inferred = inferShapes(block());

  it("tflite-gpu: PAD merged, BN folded, activations and the residual ADD linked into the producing conv", () => {
    const kg = fuse(inferred, "tflite-gpu@2.10");
    expect(kg.kernels.map((k) => [k.type, k.class, k.nodes])).toEqual([
      ["conv-pad-bn-relu6", "conv", ["conv", "pad", "bn", "relu6"]],
      ["dwconv-relu", "dwconv", ["dw", "relu"]],
      ["conv-add", "conv", ["pw", "add"]],
      ["gap", "global-pool", ["gap"]],
      ["fc", "fc", ["fc"]],
    ]);
    expect(kg.noKernel.map((n) => [n.node, n.reason])).toEqual([
      ["identity", "identity at inference"],
      ["flatten", "metadata-only (reshape)"],
    ]);
  });

  it("computes features over the kernel boundary (FLOPs summed, bytes of crossing tensors only, geometry with merged PAD)", () => {
    const kg = fuse(inferred, "tflite-gpu@2.10");
    const conv = kg.kernels[0]!.features;
    const idx = (name: string) => inferred.graph.nodes.findIndex((n) => n.name === name);
    const flops = ["conv", "pad", "bn", "relu6"].reduce((s, n) => s + inferred.costs[idx(n)]!.flops, 0);
    expect(conv.flops).toBe(flops);
    expect(conv.flops).toBeGreaterThan(2 * 16 * 16 * 9 * 16 * 16); // 2 × MACs of the 3×3 conv at least
    // reads x (1·16·32·32 floats), the conv weight and BN parameters; writes only the Clip output
    expect(conv.bytesWritten).toBe(16 * 32 * 32 * 4);
    expect(conv.bytesRead).toBe((16 * 32 * 32 + 16 * 16 * 9 + 4 * 16) * 4 + 8 * 8 + 2 * 4);
    expect(conv).toMatchObject({ cin: 16, cout: 16, hIn: 32, wIn: 32, hOut: 32, wOut: 32, kernelH: 3, kernelW: 3, strideH: 1, padH: 2, padW: 2, groups: 1, nodes: 4 });
    expect(kg.kernels[1]!.features).toMatchObject({ groups: 16, padH: 2, cin: 16 });
    expect(kg.kernels[4]!.features).toMatchObject({ cin: 16, cout: 10, flops: 2 * 16 * 10 + 10 });
  });

  it("ort-cpu: level by level (Conv+BN at basic, FusedConv at extended, NCHWc reorders at all)", () => {
    const types = (id: string) => fuse(inferred, id).kernels.map((k) => k.type);
    expect(types("ort-cpu@1.30/basic")).toEqual(["conv-pad-bn", "relu6", "dwconv", "relu", "conv", "add", "gap", "flatten", "fc"]);
    expect(types("ort-cpu@1.30/extended")).toEqual(["conv-pad-bn-relu6", "dwconv-relu", "conv", "add", "gap", "flatten", "fc"]);
    const all = fuse(inferred, "ort-cpu@1.30/all").kernels;
    // the residual input x is NCHW (a graph input): the Add runs in NCHW after a reorder, and so does the global pool
    // reading it (ORT blocks a global pool only on an already blocked input)
    expect(all.map((k) => `${k.type}${k.class === "layout-reorder" ? `:${k.opTypes[0]}` : ""}`)).toEqual([
      "layout-reorder:ReorderInput",
      "conv-pad-bn-relu6",
      "dwconv-relu",
      "conv",
      "layout-reorder:ReorderOutput",
      "add",
      "gap",
      "flatten",
      "fc",
    ]);
    expect(all[0]).toMatchObject({ inputs: ["x"], outputs: ["x#nchwc"], nodes: [] });
    expect(all[1]!.inputs).toContain("x#nchwc");
    expect(all[4]).toMatchObject({ inputs: ["pw:0#nchwc"], outputs: ["pw:0"] });
  });

  it("is pure: the inferred graph is not modified", () => {
    const before = JSON.stringify(inferred.graph.nodes) + JSON.stringify([...inferred.graph.tensors]);
    for (const id of backendIds()) fuse(inferred, id);
    expect(JSON.stringify(inferred.graph.nodes) + JSON.stringify([...inferred.graph.tensors])).toBe(before);
  });

  it("keeps its index out of sight: JSON, keys, spread copies and equality of the graph object are unchanged; frozen graphs work", () => {
    const g = inferShapes(buildMobileNetV2({ widthMultiplier: 0.5, resolution: 96 }));
    const json = JSON.stringify(g), keys = Reflect.ownKeys(g).filter((k) => typeof k === "string");
    const before = fuse(g, "tflite-gpu@2.10");
    expect(JSON.stringify(g)).toBe(json);
    expect(Reflect.ownKeys(g).filter((k) => typeof k === "string")).toEqual(keys);
    expect(Object.keys({ ...g })).toEqual(Object.keys(g));
    expect(Object.getOwnPropertySymbols({ ...g })).toEqual([]); // a copy is a new graph: it builds its own index
    expect({ ...g }).toStrictEqual(inferShapes(buildMobileNetV2({ widthMultiplier: 0.5, resolution: 96 })));
    expect(fuse({ ...g }, "tflite-gpu@2.10")).toEqual(before);
    expect(fuse(Object.freeze({ ...g }), "tflite-gpu@2.10")).toEqual(before);
  });

  it("disables rules by name, and rejects unknown rule names", () => {
    const kg = fuse(inferred, "ort-cpu@1.30/extended", { disable: ["conv-bn-add-mul", "pad-conv"] });
    expect(kg.kernels.map((k) => k.type).slice(0, 3)).toEqual(["pad", "conv", "bn"]);
    try {
      fuse(inferred, "ort-cpu@1.30/extended", { disable: ["no-such-rule"] });
      expect.unreachable();
    } catch (e) {
      expect(isEdgelatError(e, "invalid_argument")).toBe(true);
    }
  });

  it("unknown backend → unknown_backend listing the valid ids", () => {
    expect(backendIds()).toEqual([
      "ort-cpu@1.30/basic",
      "ort-cpu@1.30/extended",
      "ort-cpu@1.30/all",
      "ort-web-wasm@1.30",
      "tfjs-wasm@4.22",
      "tflite-cpu@2.10",
      "tflite-gpu@2.10",
      "pytorch-mobile@2.0",
      "openvino-vpu",
    ]);
    try {
      getRuleSet("tflite-gpu@9");
      expect.unreachable();
    } catch (e) {
      expect(isEdgelatError(e, "unknown_backend")).toBe(true);
      expect((e as Error).message).toContain("tflite-gpu@2.10");
    }
    for (const s of ruleSets) expect(s.source.length).toBeGreaterThan(20);
  });

  it("tflite-gpu links a residual ADD into the producer computed last (ResNet downsample after the main branch)", () => {
    const b = new GraphBuilder("res");
    const x = b.input("x", [1, 8, 16, 16]);
    const main = b.op("Conv", [x, b.constant("w1", [16, 8, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }, { name: "main" });
    const down = b.op("Conv", [x, b.constant("w2", [16, 8, 1, 1])], { kernel_shape: [1, 1], strides: [2, 2] }, { name: "down" });
    b.output(b.op("Relu", [b.op("Add", [main, down], {}, { name: "add" })], {}, { name: "relu" }));
    const kg = fuse(inferShapes(b.build()), "tflite-gpu@2.10");
    expect(kg.kernels.map((k) => k.nodes)).toEqual([["main"], ["down", "add", "relu"]]);
  });

  it("takes a custom rule set (DAG pattern with a shared input: x·HardSigmoid(x))", () => {
    const b = new GraphBuilder("hs");
    const x = b.input("x", [1, 8, 4, 4]);
    const c = b.op("Conv", [x, b.constant("w", [8, 8, 1, 1])], { kernel_shape: [1, 1] }, { name: "c" });
    b.output(b.op("Mul", [b.op("HardSigmoid", [c], {}, { name: "hsig" }), c], {}, { name: "mul" }));
    const custom: RuleSet = {
      id: "custom",
      source: "test",
      elide: [],
      rules: [
        rule("hswish", [node(ops("HardSigmoid"), ["$x"]), node(ops("Mul"), ["$x", 0], true)], { type: "hswish" }),
        single("conv-relu", ops("Conv"), [step(ops("Relu"))]),
      ],
    };
    const kg = fuse(inferShapes(b.build()), custom);
    expect(kg.kernels.map((k) => [k.type, k.nodes, k.rule])).toEqual([
      ["conv", ["c"], "conv-relu"],
      ["hswish", ["hsig", "mul"], "hswish"],
    ]);
  });
});

describe("tflite rule sets on x·HardSigmoid(x) and clamps", () => {
  const b = new GraphBuilder("hsw");
  const x = b.input("x", [1, 8, 8, 8]);
  const c = b.op("Conv", [x, b.constant("w", [8, 8, 1, 1])], { kernel_shape: [1, 1] }, { name: "conv" });
  const bn = b.op("BatchNormalization", [c, ...["g", "be", "m", "v"].map((n) => b.constant(n, [8]))], {}, { name: "bn" });
  const hs = b.op("Mul", [bn, b.op("HardSigmoid", [bn], { alpha: 1 / 6, beta: 0.5 }, { name: "hsig" })], {}, { name: "hswish" });
  const c2 = b.op("Conv", [hs, b.constant("w2", [8, 8, 1, 1])], { kernel_shape: [1, 1] }, { name: "conv2" });
  const add = b.op("Add", [c2, hs], {}, { name: "add" });
  b.output(b.op("Relu", [add], {}, { name: "relu" }));
  const inferred = inferShapes(b.build());

  it("tflite-gpu links the converter's HARD_SWISH into the conv, and ADD + RELU into the next one", () => {
    expect(fuse(inferred, "tflite-gpu@2.10").kernels.map((k) => [k.type, k.nodes])).toEqual([
      ["conv-bn-hswish", ["conv", "bn", "hsig", "hswish"]],
      ["conv-add-relu", ["conv2", "add", "relu"]],
    ]);
  });

  it("tflite-cpu (XNNPACK) keeps HARD_SWISH and the residual ADD as their own operators, RELU as the ADD's clamp", () => {
    expect(fuse(inferred, "tflite-cpu@2.10").kernels.map((k) => [k.type, k.nodes])).toEqual([
      ["conv-bn", ["conv", "bn"]],
      ["hswish", ["hsig", "hswish"]],
      ["conv", ["conv2"]],
      ["add-relu", ["add", "relu"]],
    ]);
  });
});

describe("fuse: a node copied into each consumer's kernel (ONNX Runtime's transpose optimizer)", () => {
  /** The q / k / v split of an attention block: x → Reshape → Transpose → Gather ×3, k's branch transposed again. */
  function qkvSplit(): Graph {
    const b = new GraphBuilder("qkv");
    const x = b.input("x", [1, 17, 3 * 2 * 8]);
    const r = b.op("Reshape", [x, b.constant("shape", [5], "int64", [1, 17, 3, 2, 8])], {}, { name: "reshape" });
    const t = b.op("Transpose", [r], { perm: [2, 0, 3, 1, 4] }, { name: "transpose" });
    const g = (i: number): string => b.op("Gather", [t, b.constant(`i${i}`, [], "int64", [i])], { axis: 0 }, { name: `gather_${i}` });
    const q = g(0);
    const kt = b.op("Transpose", [g(1)], { perm: [0, 1, 3, 2] }, { name: "transpose_k" });
    const v = g(2);
    const s = b.op("MatMul", [q, kt], {}, { name: "qk" });
    b.output(b.op("MatMul", [s, v], {}, { name: "sv" }));
    return b.build();
  }
  const inferred = inferShapes(qkvSplit());

  it("basic: each Gather kernel runs a copy of the Transpose; the note lists the kernels", () => {
    const kg = fuse(inferred, "ort-cpu@1.30/basic");
    const byType = kg.kernels
      .filter((k) => k.rule === "transpose-into-branches")
      .map((k) => [k.type, k.nodes, k.duplicated, k.inputs])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    expect(byType).toEqual([
      ["gather-transpose", ["gather_0", "transpose"], ["transpose"], ["i0", "reshape:0"]],
      ["gather-transpose", ["gather_1", "transpose"], ["transpose"], ["i1", "reshape:0"]],
      ["gather-transpose", ["gather_2", "transpose"], ["transpose"], ["i2", "reshape:0"]],
    ]);
    expect(kg.kernels.find((k) => k.nodes.includes("transpose_k"))!.nodes).toEqual(["transpose_k"]);
    const copies = kg.kernels.filter((k) => k.duplicated !== undefined).map((k) => k.id);
    expect(kg.duplicates).toEqual([{ node: "transpose", opType: "Transpose", kernels: copies, reason: expect.stringContaining("transpose optimizer") }]);
    // the copy's output stays inside each kernel
    expect(kg.kernels.flatMap((k) => k.outputs)).not.toContain("transpose:0");
  });

  it("extended: the k branch's own Transpose composes with the copy", () => {
    const kg = fuse(inferred, "ort-cpu@1.30/extended");
    expect(kg.kernels.filter((k) => k.duplicated).map((k) => k.nodes).sort()).toEqual([
      ["gather_0", "transpose"],
      ["gather_1", "transpose", "transpose_k"],
      ["gather_2", "transpose"],
    ]);
  });

  it("can be disabled by name; other backends run the Transpose once", () => {
    const off = fuse(inferred, "ort-cpu@1.30/basic", { disable: ["transpose-into-branches"] });
    expect(off.duplicates).toBeUndefined();
    expect(off.kernels.filter((k) => k.nodes.includes("transpose")).map((k) => k.nodes)).toEqual([["transpose"]]);
    expect(fuse(inferred, "tflite-gpu@2.10").duplicates).toBeUndefined();
  });
});
