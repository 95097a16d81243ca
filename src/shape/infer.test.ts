import { describe, expect, it } from "vitest";
import { isEdgelatError } from "../errors.js";
import { GraphBuilder } from "../ir/builder.js";
import type { Graph } from "../ir/types.js";
import { createOpRegistry } from "../ops/registry.js";
import { onnxOpSpecs } from "../ops/onnx/index.js";
import { inferShapes, summarizeGraph } from "./infer.js";
import { unknownShape } from "./unknown.js";

function tiny(batch: number | string = 1): Graph {
  const b = new GraphBuilder("tiny");
  const x = b.input("x", [batch, 3, 32, 32]);
  const w = b.constant("w", [8, 3, 3, 3]);
  const y = b.op("Conv", [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: "conv" });
  const z = b.op("Foo", [y], {}, { name: "foo", domain: "com.microsoft" });
  const r = b.op("Relu", [z], {}, { name: "relu" });
  const s = b.op("Relu", [y], {}, { name: "relu2" });
  b.output(r, s);
  return b.build();
}

describe("inferShapes", () => {
  it("an op without a spec never crashes or vanishes; downstream nodes say why", () => {
    const inf = inferShapes(tiny());
    expect(inf.unknown).toEqual([
      { node: "foo", opType: "Foo", domain: "com.microsoft", reason: "no shape rule for com.microsoft::Foo" },
      { node: "relu", opType: "Relu", domain: "", reason: "input foo:0 has unknown shape" },
    ]);
    expect(inf.graph.tensors.get("relu2:0")!.shape).toEqual([1, 8, 32, 32]);
    const cost = (name: string) => inf.costs[inf.graph.nodes.findIndex((n) => n.name === name)]!;
    expect(["conv", "foo", "relu", "relu2"].map((n) => cost(n).flops)).toEqual([2 * 8 * 1024 * 27, 0, 0, 8 * 1024]);
    // Unknown parts cost 0; the known input of the unknown op is still counted.
    expect(cost("foo")).toEqual({ flops: 0, params: 0, bytesRead: 4 * 8 * 1024, bytesWritten: 0 });
  });

  it("never mutates its input graph", () => {
    const g = tiny("N");
    const before = new Map([...g.tensors].map(([k, v]) => [k, JSON.stringify(v)]));
    const inf = inferShapes(g, { inputShapes: { x: [2, 3, 32, 32] } });
    expect(inf.graph.tensors).not.toBe(g.tensors);
    expect(new Map([...g.tensors].map(([k, v]) => [k, JSON.stringify(v)]))).toEqual(before);
    expect(g.tensors.get("conv:0")!.shape).toBeUndefined();
    expect(inf.graph.tensors.get("conv:0")!.shape).toEqual([2, 8, 32, 32]);
    expect(inf.graph.tensors.get("x")!.shape).toEqual([2, 3, 32, 32]);
  });

  it("symbolic dims propagate and are reported; inputShapes fixes them", () => {
    const sym = inferShapes(tiny("batch"));
    expect(sym.graph.tensors.get("conv:0")!.shape).toEqual(["batch", 8, 32, 32]);
    expect(sym.unknown.find((u) => u.node === "conv")!.reason).toBe("output conv:0 has symbolic dims [batch,8,32,32]");
    const fixed = inferShapes(tiny("batch"), { inputShapes: { x: [4, 3, 32, 32] } });
    expect(fixed.unknown.map((u) => u.node)).toEqual(["foo", "relu"]);
    expect(fixed.costs[0]!.flops).toBe(4 * 2 * 8 * 1024 * 27); // conv is first in any order
  });

  it("validates inputShapes", () => {
    const bad = (shapes: Record<string, (number | string)[]>, code: string) => {
      try {
        inferShapes(tiny(), { inputShapes: shapes });
      } catch (e) {
        return isEdgelatError(e) && e.code === code;
      }
      return false;
    };
    expect(bad({ nope: [1] }, "invalid_argument")).toBe(true);
    expect(bad({ x: [1, 3, 32] }, "invalid_argument")).toBe(true);
    expect(bad({ x: [1, -3, 32, 32] }, "invalid_shape")).toBe(true);
    expect(bad({ x: [1, 3, 2 ** 20, 2 ** 20] }, "too_large")).toBe(true);
  });

  it("invalid models throw invalid_shape naming the node", () => {
    const b = new GraphBuilder("bad");
    const x = b.input("x", [1, 3, 8, 8]);
    b.output(b.op("Add", [x, b.constant("c", [4])], {}, { name: "add" }));
    expect(() => inferShapes(b.build())).toThrow(/Node 'add' \(Add\)/);
  });

  it("a missing required input is invalid_model", () => {
    const b = new GraphBuilder("missing");
    const x = b.input("x", [1, 3, 8, 8]);
    b.output(b.op("Conv", [x, ""], {}, { name: "conv" }));
    expect(() => inferShapes(b.build())).toThrow(expect.objectContaining({ code: "invalid_model" }));
  });

  it("sorts unsorted node lists before inferring", () => {
    const g = tiny();
    const shuffled: Graph = { ...g, nodes: [...g.nodes].reverse() };
    const inf = inferShapes(shuffled);
    const order = inf.graph.nodes.map((n) => n.name);
    expect(order.indexOf("conv")).toBe(0);
    expect(order.indexOf("foo")).toBeLessThan(order.indexOf("relu"));
    expect(inf.costs[order.indexOf("relu2")]!.flops).toBe(8 * 1024);
    expect(inf.graph.tensors.get("relu2:0")!.shape).toEqual([1, 8, 32, 32]);
  });

  it("takes a registry as a value: add a spec for a custom op", () => {
    const registry = createOpRegistry(onnxOpSpecs, [
      {
        opType: "Foo",
        domain: "com.microsoft",
        category: "activation",
        inputs: [{ name: "x" }],
        shape: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: ctx.inputs[0]!.shape }],
        flops: () => 42,
      },
      { opType: "Bar", domain: "", category: "other", inputs: [{ name: "x" }], shape: () => unknownShape("bar is data-dependent") },
    ]);
    const inf = inferShapes(tiny(), {}, registry);
    expect(inf.unknown).toEqual([]);
    expect(inf.costs[1]!.flops).toBe(42);
  });

  it("constants-only nodes fold (e.g. a Transpose of a weight); summary counts each weight once", () => {
    const b = new GraphBuilder("fold");
    const x = b.input("x", [1, 16]);
    const w = b.op("Transpose", [b.constant("w", [16, 4])], { perm: [1, 0] }, { name: "wt" });
    const y = b.op("Gemm", [x, w], { transB: 1 }, { name: "fc" });
    const z = b.op("Gemm", [x, w], { transB: 1 }, { name: "fc2" });
    b.output(b.op("Add", [y, z], {}, { name: "add" }));
    const inf = inferShapes(b.build());
    expect([...inf.folded]).toEqual(["wt"]);
    expect(inf.graph.tensors.get(w)!.constant).toEqual({ source: "folded" });
    const s = summarizeGraph(inf);
    expect(s).toEqual({
      nodes: 4,
      flops: 2 * (2 * 4 * 16) + 4,
      params: 64,
      bytesRead: 2 * (4 * 16 + 4 * 64) + 2 * 16,
      bytesWritten: 3 * 16,
      unknownShapes: 0,
      opHistogram: { Transpose: 1, Gemm: 2, Add: 1 },
    });
  });
});

describe("params", () => {
  it("constants folded from shapes alone (ConstantOfShape padding) are not weights; folded weights are", () => {
    const b = new GraphBuilder("pad");
    const x = b.input("x", [1, 4, 8, 8]);
    const zeros = b.op("ConstantOfShape", [b.constant("padshape", [4], "int64", [1, 4, 8, 8])], {}, { name: "zeros" });
    const cat = b.op("Concat", [x, zeros], { axis: 1 }, { name: "cat" });
    const w = b.op("Transpose", [b.constant("w", [3, 3, 8, 16])], { perm: [3, 2, 0, 1] }, { name: "wt" });
    b.output(b.op("Conv", [cat, w], { kernel_shape: [3, 3] }, { name: "conv" }));
    const inf = inferShapes(b.build());
    expect([...inf.folded].sort()).toEqual(["wt", "zeros"]);
    const cost = (name: string) => inf.costs[inf.graph.nodes.findIndex((n) => n.name === name)]!;
    expect(cost("cat").params).toBe(0);
    expect(cost("cat").bytesRead).toBe(2 * 4 * 256);
    expect(cost("conv").params).toBe(3 * 3 * 8 * 16);
    expect(summarizeGraph(inf).params).toBe(3 * 3 * 8 * 16);
  });
});
