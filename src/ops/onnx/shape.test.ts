import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../ir/builder.js";
import { inferShapes } from "../../shape/infer.js";
import { inferNode } from "./test-utils.js";

const x = (...shape: (number | string)[]) => ({ shape });
const i64 = (...values: number[]) => ({ shape: [values.length], dtype: "int64" as const, values });
const s64 = (v: number) => ({ shape: [], dtype: "int64" as const, values: [v] });

describe("shape ops", () => {
  it("Shape (with start/end) folds to the dims", () => {
    const r = inferNode("Shape", [x(1, 3, 224, 224)]);
    expect(r.shapes[0]).toEqual([4]);
    expect(r.values[0]).toEqual([1, 3, 224, 224]);
    expect(r.inferred.folded.has("n")).toBe(true);
    expect(inferNode("Shape", [x(1, 3, 224, 224)], { start: -2 }, { opset: 15 }).values[0]).toEqual([224, 224]);
  });
  it("Shape of a symbolic tensor: shape known, values not, not folded", () => {
    const r = inferNode("Shape", [x("N", 3)]);
    expect(r.shapes[0]).toEqual([2]);
    expect(r.values[0]).toBeUndefined();
    expect(r.inferred.folded.has("n")).toBe(false);
  });
  it("ConstantOfShape, Range, Cast, Size, NonZero", () => {
    const c = inferNode("ConstantOfShape", [i64(2, 3)], { value: { name: "v", dtype: "int64", shape: [1], constant: { source: "generated", values: [7] } } });
    expect(c.shapes[0]).toEqual([2, 3]);
    expect(c.values[0]).toEqual([7, 7, 7, 7, 7, 7]);
    expect(c.inferred.graph.tensors.get("n:0")!.dtype).toBe("int64");
    const r = inferNode("Range", [s64(2), s64(11), s64(3)]);
    expect(r.shapes[0]).toEqual([3]);
    expect(r.values[0]).toEqual([2, 5, 8]);
    const cast = inferNode("Cast", [{ shape: [2], values: [2.7, -1.5] }], { to: 7 });
    expect(cast.values[0]).toEqual([2, -1]);
    expect(cast.inferred.graph.tensors.get("n:0")!.dtype).toBe("int64");
    expect(inferNode("Size", [x(2, 3, 4)]).values[0]).toEqual([24]);
    expect(inferNode("NonZero", [i64(0, 3, 0, 5)]).values[0]).toEqual([1, 3]);
    const nz = inferNode("NonZero", [x(4)]);
    expect(nz.shapes[0]).toBeUndefined();
    expect(nz.inferred.unknown[0]!.reason).toMatch(/depends on the data/);
  });
  it("Range with runtime bounds is unknown with a reason", () => {
    const r = inferNode("Range", [{ shape: [], dtype: "int64" }, s64(10), s64(1)]);
    expect(r.inferred.unknown[0]!.reason).toMatch(/Range bounds/);
  });
});

describe("folding shape-computing subgraphs", () => {
  it("Shape → Gather → Unsqueeze → Concat → Reshape folds: no kernel for the shape nodes", () => {
    const b = new GraphBuilder("flatten", { "": 13 });
    const inp = b.input("x", [2, 64, 7, 7]);
    const shape = b.op("Shape", [inp]);
    const batch = b.op("Gather", [shape, b.constant("zero", [], "int64", [0])], { axis: 0 });
    const batch1 = b.op("Unsqueeze", [batch, b.constant("axes0", [1], "int64", [0])]);
    const target = b.op("Concat", [batch1, b.constant("minus1", [1], "int64", [-1])], { axis: 0 });
    const y = b.op("Reshape", [inp, target], {}, { name: "reshape" });
    b.output(b.op("Relu", [y]));
    const inf = inferShapes(b.build());
    expect(inf.graph.tensors.get(y)!.shape).toEqual([2, 3136]);
    expect([...inf.folded].sort()).toEqual(["concat_0", "gather_0", "shape_0", "unsqueeze_0"]);
    expect(inf.graph.tensors.get(target)!.constant).toEqual({ source: "folded", values: [2, -1] });
    expect(inf.unknown).toEqual([]);
    const costs = inf.graph.nodes.map((n, i) => [n.name, inf.costs[i]!.bytesRead]);
    expect(costs.filter(([, bytes]) => bytes === 0).map(([n]) => n)).toEqual(["shape_0", "gather_0", "unsqueeze_0", "concat_0"]);
  });

  it("ViT-style head count: Div(Gather(Shape), heads) → Concat → Reshape, with Cast, Mul, Slice, Expand, ConstantOfShape", () => {
    const b = new GraphBuilder("heads", { "": 17 });
    const inp = b.input("x", [1, 197, 768]);
    const shape = b.op("Shape", [inp]);
    const first2 = b.op("Slice", [shape, b.constant("s0", [1], "int64", [0]), b.constant("s2", [1], "int64", [2])]);
    const c = b.op("Gather", [shape, b.constant("two", [], "int64", [2])]);
    const hd = b.op("Div", [c, b.constant("heads", [], "int64", [12])]);
    const hdF = b.op("Cast", [b.op("Mul", [b.op("Cast", [hd], { to: 1 }), b.constant("one", [], "float32", [1])])], { to: 7 });
    const tail = b.op("Concat", [b.constant("h", [1], "int64", [12]), b.op("Unsqueeze", [hdF, b.constant("a0", [1], "int64", [0])])], { axis: 0 });
    const target = b.op("Concat", [first2, tail], { axis: 0 });
    const y = b.op("Reshape", [inp, target]);
    const ones = b.op("ConstantOfShape", [b.op("Shape", [y])], { value: { name: "v", dtype: "float32", shape: [1], constant: { source: "generated", values: [1] } } });
    const e = b.op("Expand", [b.constant("bias", [64]), b.op("Shape", [ones])]);
    b.output(b.op("Add", [y, e]));
    const inf = inferShapes(b.build());
    expect(inf.graph.tensors.get(y)!.shape).toEqual([1, 197, 12, 64]);
    expect(inf.unknown).toEqual([]);
    // Everything but the Reshape (no-compute) and the Add is folded.
    const live = inf.graph.nodes.filter((n) => !inf.folded.has(n.name)).map((n) => n.opType);
    expect(live).toEqual(["Reshape", "Add"]);
  });
});
