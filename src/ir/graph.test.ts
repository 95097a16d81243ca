import { describe, expect, it } from "vitest";
import { parseOnnx, toOnnx } from "../parsers/onnx/index.js";
import { inferShapes } from "../shape/infer.js";
import { GraphBuilder } from "./builder.js";
import { checkShape, topoSort, validateGraph } from "./graph.js";
import type { Graph, Node } from "./types.js";

const node = (name: string, inputs: string[], outputs: string[]): Node => ({ name, opType: "Relu", domain: "", inputs, outputs, attrs: {} });
const graphOf = (nodes: Node[], inputs = ["x"], outputs = ["y"]): Graph => ({
  name: "g", format: "builder", nodes, tensors: new Map(), inputs, outputs, opsets: { "": 17 }, metadata: {},
});

describe("validateGraph", () => {
  it("orders nodes topologically and keeps an already valid order", () => {
    const g = validateGraph(graphOf([node("b", ["t"], ["y"]), node("a", ["x"], ["t"])]));
    expect(g.nodes.map((n) => n.name)).toEqual(["a", "b"]);
    const ordered = [node("a", ["x"], ["t"]), node("b", ["t"], ["y"])];
    expect(topoSort(ordered).map((n) => n.name)).toEqual(["a", "b"]);
  });
  it("rejects cycles, dangling tensors and double producers with their codes", () => {
    expect(() => validateGraph(graphOf([node("a", ["x", "u"], ["t"]), node("b", ["t"], ["u"]), node("c", ["t"], ["y"])]))).toThrowError(
      expect.objectContaining({ code: "cyclic_graph", details: { nodes: ["a", "b"] } }),
    );
    expect(() => validateGraph(graphOf([node("a", ["nope"], ["y"])]))).toThrowError(expect.objectContaining({ code: "dangling_tensor" }));
    expect(() => validateGraph(graphOf([node("a", ["x"], ["y"]), node("b", ["x"], ["y"])]))).toThrowError(
      expect.objectContaining({ code: "duplicate_producer" }),
    );
    expect(() => validateGraph(graphOf([node("a", ["x"], ["x"])]))).toThrowError(expect.objectContaining({ code: "duplicate_producer" }));
    expect(() => validateGraph(graphOf([node("a", ["x"], ["t"])]))).toThrowError(expect.objectContaining({ code: "dangling_tensor" }));
  });
  it("bounds claimed shapes before anything is allocated", () => {
    expect(() => checkShape([1e6, 1e6], "t")).toThrowError(expect.objectContaining({ code: "too_large" }));
    expect(() => checkShape([1, -3], "t")).toThrowError(expect.objectContaining({ code: "invalid_shape" }));
    expect(checkShape([1, "batch", 3], "t")).toEqual([1, "batch", 3]);
  });
  it("accepts inferred graphs whose folded tensors keep their producers (inferShapes → toOnnx → parseOnnx)", () => {
    const b = new GraphBuilder("folded");
    const x = b.input("x", [1, 3, 8, 8]);
    const shape = b.op("Shape", [x]);
    const flat = b.op("Reshape", [x, b.op("Concat", [b.op("Gather", [shape, b.constant("i0", [1], "int64", [0])], { axis: 0 }), b.constant("m1", [1], "int64", [-1])], { axis: 0 })]);
    b.output(b.op("Relu", [flat]));
    const inferred = inferShapes(b.build());
    expect(inferred.folded.size).toBe(3);
    const round = inferShapes(parseOnnx(toOnnx(validateGraph(inferred.graph))));
    expect(round.graph.tensors.get(round.graph.outputs[0]!)?.shape).toEqual([1, 192]);
  });
});

describe("GraphBuilder", () => {
  it("keeps each built graph independent when the builder goes on (own tensors only, in order)", () => {
    const b = new GraphBuilder("reuse");
    const x = b.input("x", [1, 4]);
    const w = b.constant("w", [4, 4]);
    b.output(b.op("MatMul", [x, w]));
    const first = b.build();
    expect([...first.tensors.keys()]).toEqual(["x", "w", "matmul_0:0"]);
    // A name the first graph's validation added is still free for the builder, and the first graph is untouched.
    const v = b.constant("matmul_0:0", [4]);
    expect(() => b.build()).toThrowError(expect.objectContaining({ code: "duplicate_producer" }));
    expect([...first.tensors.keys()]).toEqual(["x", "w", "matmul_0:0"]);
    expect(first.tensors.get("matmul_0:0")).toEqual({ name: "matmul_0:0", dtype: "unknown" });
    expect(() => b.constant("w", [1])).toThrowError(expect.objectContaining({ code: "duplicate_producer" }));
    const b2 = new GraphBuilder("again");
    b2.output(b2.op("Relu", [b2.input("x", [2])]));
    const g1 = b2.build();
    const g2 = b2.build();
    expect(g2.tensors).not.toBe(g1.tensors);
    expect([...g2.tensors.entries()]).toEqual([...g1.tensors.entries()]);
    b2.constant("c", [1]);
    expect([...b2.build().tensors.keys()]).toEqual(["x", "c", "relu_0:0"]);
    expect([...g2.tensors.keys()]).toEqual(["x", "relu_0:0"]);
    expect(v).toBe("matmul_0:0");
  });
});

describe("GraphBuilder after build", () => {
  it("is not affected by changes to a graph it built", () => {
    const b = new GraphBuilder("owned");
    b.output(b.op("Relu", [b.input("x", [2])]));
    const g = b.build();
    g.tensors.delete("x");
    g.tensors.set("extra", { name: "extra", dtype: "float32" });
    b.constant("c", [1]);
    expect([...b.build().tensors.keys()]).toEqual(["x", "c", "relu_0:0"]);
  });
});
