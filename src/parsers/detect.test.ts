import { describe, expect, it } from "vitest";
import { EdgelatError } from "../errors.js";
import { GraphBuilder } from "../ir/builder.js";
import { createRng } from "../util/rng.js";
import { detectFormat, parseModel } from "./index.js";
import { toOnnx } from "./onnx/index.js";

function onnxBytes(): Uint8Array {
  const b = new GraphBuilder("tiny");
  const x = b.input("x", [1, 3, 8, 8]);
  const w = b.constant("w", [4, 3, 3, 3]);
  b.output(b.op("Relu", [b.op("Conv", [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })]));
  return toOnnx(b.build());
}

const tfjs = {
  format: "graph-model",
  modelTopology: { node: [{ name: "x", op: "Placeholder", attr: { shape: { shape: { dim: [{ size: "1" }, { size: "4" }] } } } }, { name: "y", op: "Relu", input: ["x"] }] },
  weightsManifest: [],
};
const nnmeter = { x: { inbounds: [], attr: { type: "Placeholder", output_shape: [[1, 4]], attr: {} } }, y: { inbounds: ["x"], attr: { type: "Relu", output_shape: [[1, 4]], attr: {} } } };

describe("detectFormat / parseModel", () => {
  it("recognises each format from cheap signatures", () => {
    const bytes = onnxBytes();
    expect(detectFormat(bytes)).toBe("onnx");
    expect(detectFormat(tfjs)).toBe("tfjs-graph");
    expect(detectFormat(JSON.stringify(tfjs))).toBe("tfjs-graph");
    expect(detectFormat(new TextEncoder().encode(`  ${JSON.stringify(tfjs)}`))).toBe("tfjs-graph");
    expect(detectFormat({ format: "layers-model", modelTopology: {}, weightsManifest: [] })).toBe("tfjs-layers");
    expect(detectFormat(nnmeter)).toBe("nnmeter-ir");
    expect(detectFormat({ hello: 1 })).toBeUndefined();
    expect(detectFormat("plain text")).toBeUndefined();
  });

  it("dispatches to the right parser", () => {
    expect(parseModel(onnxBytes()).format).toBe("onnx");
    expect(parseModel(onnxBytes()).nodes.map((n) => n.opType)).toEqual(["Conv", "Relu"]);
    expect(parseModel(JSON.stringify(tfjs)).format).toBe("tfjs-graph");
    expect(parseModel(nnmeter).format).toBe("nnmeter-ir");
  });

  it("unknown input is unknown_format; random bytes never pass as ONNX", () => {
    const rng = createRng(7);
    let detected = 0;
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: 1 + rng.int(0, 200) }, () => rng.int(0, 256));
      if (detectFormat(bytes) !== undefined) detected++;
      try {
        parseModel(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(EdgelatError);
      }
    }
    expect(detected).toBeLessThan(5);
    expect(() => parseModel(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: "unknown_format" }));
    expect(() => parseModel("nonsense")).toThrow(expect.objectContaining({ code: "unknown_format" }));
  });

  it("a truncated ONNX file is still routed to the ONNX parser, which reports it", () => {
    const bytes = onnxBytes();
    expect(() => parseModel(bytes.subarray(0, Math.floor(bytes.length / 2)))).toThrow(EdgelatError);
  });
});
