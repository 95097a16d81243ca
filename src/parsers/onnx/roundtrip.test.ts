import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { isEdgelatError } from "../../errors.js";
import { GraphBuilder } from "../../ir/builder.js";
import type { Graph } from "../../ir/types.js";
import { ifGraph, smallCnnGraph } from "./fixtures.js";
import { parseOnnx } from "./parse.js";
import { toOnnx } from "./encode.js";

const expectCode = (f: () => unknown, code: string): void => {
  try {
    f();
  } catch (e) {
    expect(isEdgelatError(e) ? e.code : e).toBe(code);
    return;
  }
  throw new Error(`expected EdgelatError ${code}, nothing was thrown`);
};

/** What a round trip must preserve: nodes with attributes, and every tensor's dtype and shape. */
function structure(g: Graph) {
  return {
    nodes: g.nodes.map((n) => ({ name: n.name, opType: n.opType, domain: n.domain, inputs: n.inputs, outputs: n.outputs, attrs: n.attrs })),
    inputs: g.inputs,
    outputs: g.outputs,
    constants: [...g.tensors.values()].filter((t) => t.constant).map((t) => [t.name, t.dtype, t.shape]),
    inputTypes: g.inputs.map((n) => [n, g.tensors.get(n)!.dtype, g.tensors.get(n)!.shape]),
  };
}

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return (await session.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await session.release();
  }
}

describe("toOnnx → parseOnnx round trip", () => {
  const graph = smallCnnGraph();

  it("keeps nodes, attributes, constant and input shapes", () => {
    const back = parseOnnx(toOnnx(graph));
    expect(back.format).toBe("onnx");
    expect(back.opsets).toEqual({ "": 13 });
    expect(back.metadata.producer_name).toBe("edgelat");
    expect(back.metadata.ir_version).toBe("8");
    expect(structure(back)).toEqual(structure(graph));
    expect(back.nodes.find((n) => n.name === "bn")!.attrs).toEqual({ epsilon: 1e-5, momentum: 0.9 });
    // the Reshape operand keeps its values; weights are small here, so they keep theirs too (generated)
    expect(back.tensors.get("flat.shape")!.constant).toEqual({ source: "initializer", values: [-1, 8] });
    expect(back.tensors.get("x")!.shape).toEqual(["batch", 3, 16, 16]);
    expect(back.tensors.get("x")!.constant).toBeUndefined();
  });

  it("is deterministic for a seed and differs between seeds", () => {
    expect(toOnnx(graph, { seed: 7 })).toEqual(toOnnx(graph, { seed: 7 }));
    expect(toOnnx(graph, { seed: 7 })).not.toEqual(toOnnx(graph, { seed: 8 }));
  });

  it("random weights run in onnxruntime-node with finite outputs of the expected shape", async () => {
    const out = await run(toOnnx(graph, { seed: 3 }), { x: new ort.Tensor("float32", new Float32Array(2 * 3 * 16 * 16), [2, 3, 16, 16]) });
    const logits = out.logits!;
    expect(logits.dims).toEqual([2, 10]);
    const data = logits.data as Float32Array;
    expect(data.every(Number.isFinite)).toBe(true);
    // a zero input gives the bias path only: both batch rows are equal and not all zero
    expect(Array.from(data.slice(0, 10))).toEqual(Array.from(data.slice(10, 20)));
    expect(data.some((v) => v !== 0)).toBe(true);
  });

  it("zero weights run and give zero logits (zero biases)", async () => {
    const out = await run(toOnnx(graph, { weights: "zeros" }), { x: new ort.Tensor("float32", new Float32Array(3 * 16 * 16).fill(1), [1, 3, 16, 16]) });
    expect(out.logits!.dims).toEqual([1, 10]);
    expect(Array.from(out.logits!.data as Float32Array)).toEqual(new Array(10).fill(0));
  });

  it("stripped weights give a much smaller file that parses to the same structure but cannot run", async () => {
    const stripped = toOnnx(graph, { weights: "stripped" });
    const full = toOnnx(graph);
    const weightBytes = 4 * (8 * 3 * 9 + 8 + 4 * 8 + 8 * 8 * 9 + 10 * 8 + 10);
    expect(full.length - stripped.length).toBeGreaterThanOrEqual(weightBytes);
    const back = parseOnnx(stripped);
    expect(structure(back)).toEqual(structure(graph));
    expect(back.tensors.get("conv1.w")!.constant).toEqual({ source: "initializer" });
    expect(back.tensors.get("flat.shape")!.constant!.values).toEqual([-1, 8]);
    await expect(ort.InferenceSession.create(stripped)).rejects.toThrow();
  });

  it("writes If subgraphs as graph attributes that run", async () => {
    const g = ifGraph();
    const bytes = toOnnx(g);
    const back = parseOnnx(bytes);
    const ifNode = back.nodes[0]!;
    expect(ifNode.opType).toBe("If");
    const then = ifNode.attrs.then_branch as Graph;
    expect(then.nodes.map((n) => n.opType)).toEqual(["Identity"]);
    expect(then.tensors.get("then.c")!.constant!.values).toEqual([1.5]);
    expect(back.warnings?.some((w) => w.includes("data-dependent"))).toBe(true);
    const yes = await run(bytes, { cond: new ort.Tensor("bool", [true], []) });
    const no = await run(bytes, { cond: new ort.Tensor("bool", [false], []) });
    expect(Array.from(yes.y!.data as Float32Array)).toEqual([1.5]);
    expect(Array.from(no.y!.data as Float32Array)).toEqual([-2]);
  });

  it("writes every attribute kind and dtype it can", () => {
    const b = new GraphBuilder("attrs", { "": 17, "com.microsoft": 1 });
    const x = b.input("x", [2, "n"], "float16");
    const y = b.op("Custom", [x, b.constant("k", [3], "int32", [1, -2, 3]), b.constant("h", [2], "float16", [0.5, -1.25])], {
      i: 3,
      f: 0.25,
      s: "hello",
      ints: [1, 2, 3],
      floats: [0.5, 1.5],
      strings: ["a", "b"],
      t: { name: "t", dtype: "uint8", shape: [2], constant: { source: "generated", values: [7, 250] } },
    }, { domain: "com.microsoft" });
    b.output(y);
    const back = parseOnnx(toOnnx(b.build()));
    expect(back.opsets).toEqual({ "": 17, "com.microsoft": 1 });
    const node = back.nodes[0]!;
    expect(node.domain).toBe("com.microsoft");
    expect(node.attrs).toEqual({
      i: 3,
      f: 0.25,
      s: "hello",
      ints: [1, 2, 3],
      floats: [0.5, 1.5],
      strings: ["a", "b"],
      t: { name: "t", dtype: "uint8", shape: [2], constant: { source: "constant-node", values: [7, 250] } },
    });
    expect(back.tensors.get("k")!.constant!.values).toEqual([1, -2, 3]);
    expect(back.tensors.get("h")!.constant!.values).toEqual([0.5, -1.25]);
    expect(back.tensors.get("x")).toEqual({ name: "x", dtype: "float16", shape: [2, "n"] });
  });

  it("rejects graphs of other formats' ops and bad options", () => {
    const b = new GraphBuilder("tfjs", { "": 13 });
    b.output(b.op("Conv2D", [b.input("x", [1, 8, 8, 3])], {}, { domain: "tf" }));
    expectCode(() => toOnnx(b.build()), "unsupported_op");
    expectCode(() => toOnnx(graph, { weights: "ones" as never }), "invalid_argument");
    const c = new GraphBuilder("sym");
    c.output(c.op("Relu", [c.constant("w", ["n", 3])]));
    expectCode(() => toOnnx(c.build()), "invalid_shape");
  });
});
