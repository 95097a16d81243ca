import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../ir/builder.js";
import { buildViT } from "../models/index.js";
import { inferNode } from "../ops/onnx/test-utils.js";
import { parseOnnx, toOnnx } from "../parsers/index.js";
import { derivedSymbol, sameOutputDim, symbolicWindowDim } from "./common.js";
import { inferShapes } from "./infer.js";

const w = (...shape: number[]) => ({ shape, constant: true });

describe("symbolic dims", () => {
  it("windows keep the symbol when they preserve the size, else derive a named one", () => {
    expect(symbolicWindowDim("H", 3, 1, 1, 1)).toBe("H");
    expect(symbolicWindowDim("H", 3, 1, 0, 0)).toBe("H-2");
    expect(symbolicWindowDim("H", 3, 2, 1, 1)).toBe("floor((H-1)/2)+1");
    expect(symbolicWindowDim("H", 3, 2, 0, 0, 1, true)).toBe("ceil((H-3)/2)+1");
    expect(sameOutputDim("W", 2)).toBe("ceil(W/2)");
    expect(symbolicWindowDim("?", 3, 2, 1, 1)).toBe("?");
    expect(derivedSymbol("x".repeat(81))).toBe("?");
  });

  it("Conv over symbolic H/W: same-size convs keep the symbol, strided ones derive it", () => {
    const x = { shape: ["N", 3, "H", "W"] };
    expect(inferNode("Conv", [x, w(8, 3, 3, 3)], { pads: [1, 1, 1, 1] }).shapes[0]).toEqual(["N", 8, "H", "W"]);
    expect(inferNode("Conv", [x, w(8, 3, 3, 3)], { pads: [1, 1, 1, 1], strides: [2, 2] }).shapes[0]).toEqual(["N", 8, "floor((H-1)/2)+1", "floor((W-1)/2)+1"]);
    expect(inferNode("Conv", [x, w(8, 3, 3, 3)], { auto_pad: "SAME_UPPER", strides: [2, 2] }).shapes[0]).toEqual(["N", 8, "ceil(H/2)", "ceil(W/2)"]);
    expect(inferNode("ConvTranspose", [{ shape: ["N", 8, "H", "W"] }, w(8, 4, 2, 2)], { strides: [2, 2] }).shapes[0]).toEqual(["N", 4, "2*(H-1)+2", "2*(W-1)+2"]);
    expect(inferNode("Resize", [{ shape: ["N", 8, "H", "W"] }, { shape: [0] }, { shape: [4], values: [1, 1, 2, 2] }]).shapes[0]).toEqual(["N", 8, "2*H", "2*W"]);
  });

  it("Shape → Gather → Unsqueeze → Concat → Reshape keeps a symbolic batch", () => {
    const b = new GraphBuilder("dyn", { "": 13 });
    const x = b.input("x", ["batch", 64, 7, 7]);
    const batch = b.op("Unsqueeze", [b.op("Gather", [b.op("Shape", [x]), b.constant("zero", [], "int64", [0])]), b.constant("a0", [1], "int64", [0])]);
    const target = b.op("Concat", [batch, b.constant("m1", [1], "int64", [-1])], { axis: 0 });
    const y = b.op("Reshape", [x, target], {}, { name: "reshape" });
    b.output(y);
    const inf = inferShapes(b.build());
    expect(inf.graph.tensors.get(y)!.shape).toEqual(["batch", 3136]);
    expect(inf.unknown.every((u) => /symbolic dims/.test(u.reason))).toBe(true);
    expect(inf.unknown.find((u) => u.node === "reshape")!.reason).toBe("output reshape:0 has symbolic dims [batch,3136]");
  });

  it("a dynamic-batch ViT exported with Shape-computed reshapes: symbolic end to end, 0 unknown once fixed", () => {
    const bytes = toOnnx(buildViT({ depth: 2, dim: 48, heads: 3, patch: 8, resolution: 32, numClasses: 10, reshape: "dynamic" }), { weights: "stripped" });
    const graph = parseOnnx(bytes, { inputShapes: { input: ["N", 3, 32, 32] } });
    const sym = inferShapes(graph);
    expect(sym.graph.tensors.get(graph.outputs[0]!)!.shape).toEqual(["N", 10]);
    expect(sym.unknown.every((u) => /symbolic dims/.test(u.reason))).toBe(true);
    const fixed = inferShapes(graph, { inputShapes: { input: [4, 3, 32, 32] } });
    expect(fixed.unknown).toEqual([]);
    expect(fixed.graph.tensors.get(graph.outputs[0]!)!.shape).toEqual([4, 10]);
  });
});
