import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../ir/builder.js";
import type { Graph } from "../../ir/types.js";
import { inferShapes } from "../../shape/infer.js";

/** A branch graph computing `op(outer)` on an outer-scope tensor. */
function branch(name: string, outer: string, ops: string[]): Graph {
  const g = new GraphBuilder(name);
  let t = outer;
  for (const op of ops) t = g.op(op, [t], {}, { name: `${name}_${op}` });
  g.output(t);
  // Outer-scope tensors are not the branch's own: validateGraph needs them declared, so build manually.
  const nodes = (g as unknown as { nodes: Graph["nodes"] }).nodes;
  return { name, format: "builder", nodes, tensors: new Map(), inputs: [], outputs: [t], opsets: {}, metadata: {} };
}

function ifModel(cond: { values?: number[] }, thenOps: string[], elseOps: string[], elseOuter = "x"): Graph {
  const b = new GraphBuilder("if", { "": 17 });
  b.input("x", [1, 8, 4, 4]);
  b.input("y", [1, 8, 2, 2]);
  const c = cond.values ? b.constant("cond", [], "bool", cond.values) : b.input("cond", [], "bool");
  const [out] = b.node("If", [c], { then_branch: branch("then", "x", thenOps), else_branch: branch("else", elseOuter, elseOps) }, { name: "if" });
  b.output(b.op("Relu", [out!]));
  return b.build();
}

describe("If", () => {
  it("both branches agree: output known, FLOPs of the larger branch", () => {
    const inf = inferShapes(ifModel({}, ["Relu", "Sigmoid"], ["Relu"]));
    expect(inf.graph.tensors.get("if:0")!.shape).toEqual([1, 8, 4, 4]);
    expect(inf.unknown).toEqual([]);
    expect(inf.costs[0]!.flops).toBe(2 * 128);
  });
  it("branches disagree on dims: the node is listed unknown", () => {
    const inf = inferShapes(ifModel({}, ["Relu"], ["Relu"], "y"));
    expect(inf.graph.tensors.get("if:0")!.shape).toEqual([1, 8, "?", "?"]);
    expect(inf.unknown.map((u) => u.node)).toContain("if");
  });
  it("a folded condition selects its branch", () => {
    const inf = inferShapes(ifModel({ values: [0] }, ["Relu"], ["Relu"], "y"));
    expect(inf.graph.tensors.get("if:0")!.shape).toEqual([1, 8, 2, 2]);
    expect(inf.unknown).toEqual([]);
  });
});

describe("Loop", () => {
  function loopModel(m: number | undefined): Graph {
    // body(iter, cond, acc) -> (cond, acc + 1, scan = acc)
    const body: Graph = {
      name: "body",
      format: "builder",
      nodes: [
        { name: "inc", opType: "Add", domain: "", inputs: ["acc", "one"], outputs: ["acc_out"], attrs: {} },
        { name: "copy", opType: "Identity", domain: "", inputs: ["acc"], outputs: ["scan"], attrs: {} },
      ],
      tensors: new Map([
        ["one", { name: "one", dtype: "float32", shape: [], constant: { source: "generated", values: [1] } }],
        ["iter", { name: "iter", dtype: "int64", shape: [] }],
        ["cond_in", { name: "cond_in", dtype: "bool", shape: [] }],
        ["acc", { name: "acc", dtype: "float32" }],
      ]),
      inputs: ["iter", "cond_in", "acc"],
      outputs: ["cond_in", "acc_out", "scan"],
      opsets: {},
      metadata: {},
    };
    const b = new GraphBuilder("loop", { "": 17 });
    const mName = m === undefined ? b.input("M", [], "int64") : b.constant("M", [], "int64", [m]);
    const acc0 = b.input("acc0", [2, 3]);
    const outs = b.node("Loop", [mName, "", acc0], { body }, { name: "loop", outputs: ["final", "stacked"] });
    b.output(...outs);
    return b.build();
  }
  it("constant trip count: scan outputs stacked, FLOPs × trips", () => {
    const inf = inferShapes(loopModel(5));
    expect(inf.graph.tensors.get("final")!.shape).toEqual([2, 3]);
    expect(inf.graph.tensors.get("stacked")!.shape).toEqual([5, 2, 3]);
    expect(inf.costs[0]!.flops).toBe(5 * 6);
    expect(inf.unknown).toEqual([]);
  });
  it("data-dependent trip count: listed unknown", () => {
    const inf = inferShapes(loopModel(undefined));
    expect(inf.graph.tensors.get("stacked")!.shape).toEqual(["loop_trip_count", 2, 3]);
    expect(inf.unknown[0]).toMatchObject({ node: "loop", reason: expect.stringMatching(/loop_trip_count/) });
  });
});
