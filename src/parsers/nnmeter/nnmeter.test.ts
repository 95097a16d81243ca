import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DATA } from "../../../test/helpers/data.js";
import { EdgelatError } from "../../errors.js";
import { broadcastShapes } from "../../shape/common.js";
import { inferShapes, summarizeGraph } from "../../shape/infer.js";
import { parseNnMeterIR } from "./index.js";

const node = (type: string, inbounds: string[], output: number[][], attr: Record<string, unknown> = {}, input: number[][] = []) => ({
  inbounds,
  outbounds: [],
  attr: { name: "", type, output_shape: output, input_shape: input, attr },
});

/** conv → bn (with a weight read that is not a node) → relu6 → gap (Mean) → reshape → fc. */
function smallIr(): Record<string, unknown> {
  return {
    input: node("Placeholder", [], [[1, 32, 32, 3]], { shape: [1, 32, 32, 3] }),
    conv: node("Conv2D", ["input"], [[1, 16, 16, 8]], { strides: [2, 2], padding: "SAME", kernel_shape: [3, 3], weight_shape: [3, 3, 3, 8], dilations: [1, 1] }, [[1, 32, 32, 3]]),
    bn: node("FusedBatchNorm", ["conv", "bn/moving_variance/read"], [[1, 16, 16, 8]], {}, [[1, 16, 16, 8]]),
    relu: node("Relu6", ["bn"], [[1, 16, 16, 8]]),
    dw: node("DepthwiseConv2dNative", ["relu"], [[1, 16, 16, 8]], { strides: [1, 1], padding: "SAME", weight_shape: [3, 3, 8, 1] }),
    pool: node("AvgPool", ["dw"], [[1, 8, 8, 8]], { ksize: [2, 2], strides: [2, 2], padding: "VALID" }),
    three: node("Const", [], [[]], { tensor_shape: [], constant: [3] }),
    add: node("Add", ["pool", "three"], [[1, 8, 8, 8]]),
    mean: node("Mean", ["add"], [[1, 8]], { reduction_indices: [1, 2] }, [[1, 8, 8, 8]]),
    reshape: node("Reshape", ["mean"], [[-1, 8]], { shape: [-1, 8] }),
    fc: node("MatMul", ["reshape"], [[-1, 10]], {}, [[-1, 8]]),
  };
}

describe("parseNnMeterIR", () => {
  it("lowers to tf-domain ops with synthesized weights and keeps the IR's shapes", () => {
    const g = parseNnMeterIR(smallIr());
    expect(g.format).toBe("nnmeter-ir");
    expect(g.inputs).toEqual(["input"]);
    expect(g.outputs).toEqual(["fc"]);
    expect(g.nodes.every((n) => n.domain === "tf")).toBe(true);
    const conv = g.nodes.find((n) => n.name === "conv")!;
    expect(conv.attrs).toMatchObject({ strides: [1, 2, 2, 1], padding: "SAME" });
    expect(g.tensors.get("conv/weight")!.shape).toEqual([3, 3, 3, 8]);
    expect(g.nodes.find((n) => n.name === "bn")!.inputs).toEqual(["conv", "bn/scale", "bn/offset", "bn/mean", "bn/variance"]);
    expect(g.tensors.get("fc/weight")!.shape).toEqual([8, 10]);
    expect(g.tensors.get("reshape")!.shape).toEqual(["batch", 8]); // the IR's own shape, kept
    const inf = inferShapes(g);
    expect(inf.unknown).toEqual([]);
    expect(inf.graph.tensors.get("fc")!.shape).toEqual([1, 10]);
    expect(inf.graph.tensors.get("mean")!.shape).toEqual([1, 8]);
    const s = summarizeGraph(inf);
    const conv2 = 2 * 16 * 16 * 8 * 27;
    const bn = 2 * 16 * 16 * 8;
    const relu = 16 * 16 * 8;
    const dw = 2 * 16 * 16 * 8 * 9;
    const pool = 4 * 8 * 8 * 8;
    const add = 8 * 8 * 8;
    const mean = 8 * 8 * 8;
    const fc = 2 * 8 * 10;
    expect(s.flops).toBe(conv2 + bn + relu + dw + pool + add + mean + fc);
  });

  it("reports a missing inbound of an unweighted op and bad JSON", () => {
    const ir = smallIr();
    (ir.relu as { inbounds: string[] }).inbounds = ["nope"];
    expect(() => parseNnMeterIR(ir)).toThrow(expect.objectContaining({ code: "dangling_tensor" }));
    expect(() => parseNnMeterIR("{ not json")).toThrow(EdgelatError);
    expect(parseNnMeterIR(smallIr(), { inputShapes: { input: [2, 32, 32, 3] } }).tensors.get("input")!.shape).toEqual([2, 32, 32, 3]);
    expect(() => parseNnMeterIR(smallIr(), { inputShapes: { nope: [1] } })).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => parseNnMeterIR({ a: { inbounds: [], attr: {} } })).toThrow(expect.objectContaining({ code: "invalid_json" }));
  });
});

describe.skipIf(!DATA)("parseNnMeterIR on nn-Meter's mobilenetv3small_0", () => {
  it("parses, infers with 0 unknown shapes, and agrees with the IR's shapes wherever the IR agrees with itself", () => {
    const file = join(DATA!, "nn-meter/testmodels/mobilenetv3small_0.nnmeter-ir.json");
    const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, { attr: { type: string; input_shape: number[][]; output_shape: number[][] } }>;
    const g = parseNnMeterIR(raw);
    expect(g.nodes.length).toBe(302 - 54 - 1); // Const nodes become tensors, the Placeholder an input
    const inf = inferShapes(g);
    expect(inf.unknown).toEqual([]);
    const s = summarizeGraph(inf);
    // MobileNetV3-Small 1.0 at 224: ~60M MACs.
    expect(s.flops / 2 / 1e6).toBeGreaterThan(55);
    expect(s.flops / 2 / 1e6).toBeLessThan(70);
    const disagree: string[] = [];
    for (const n of g.nodes) {
      const ir = g.tensors.get(n.outputs[0]!)!.shape!;
      const ours = inf.graph.tensors.get(n.outputs[0]!)!.shape!;
      const same = ir.length === ours.length && ir.every((d, i) => d === ours[i] || typeof d === "string");
      if (same) continue;
      // The upstream IR is inconsistent at a few Mul nodes (SE blocks): its output_shape contradicts its own
      // input_shape. Our inference must then equal the broadcast of the IR's input shapes.
      const ins = raw[n.name]!.attr.input_shape;
      expect(ours).toEqual(broadcastShapes(...ins));
      disagree.push(n.name);
    }
    expect(disagree.length).toBeLessThanOrEqual(12);
  });
});
