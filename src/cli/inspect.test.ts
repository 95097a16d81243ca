import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../ir/builder.js";
import { buildMobileNetV2 } from "../models/index.js";
import { toOnnx } from "../parsers/index.js";
import { command } from "./inspect.js";
import { parseInputSpec } from "./io.js";
import type { CommandIO } from "./main.js";

function capture(): CommandIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

const dir = mkdtempSync(join(tmpdir(), "edgelat-inspect-"));
const mnv2 = join(dir, "mobilenetv2.onnx");
writeFileSync(mnv2, toOnnx(buildMobileNetV2(), { weights: "stripped" }));

/** A model with a symbolic batch and an op without a spec. */
const odd = join(dir, "odd.onnx");
{
  const b = new GraphBuilder("odd");
  const x = b.input("x", ["batch", 3, 8, 8]);
  const y = b.op("Conv", [x, b.constant("w", [4, 3, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  b.output(b.op("Frobnicate", [y], {}, { domain: "com.example" }));
  writeFileSync(odd, toOnnx(b.build(), { weights: "stripped" }));
}

describe("edgelat inspect", () => {
  it("--json reports format, nodes, flops, params, unknown shapes and the op histogram", async () => {
    const io = capture();
    const { main } = await import("./main.js");
    expect(await main(["inspect", mnv2, "--json"], io)).toBe(0);
    const report = JSON.parse(io.stdout.join("\n"));
    expect(report.format).toBe("onnx");
    expect(report.nodes).toBe(152);
    expect(report.flops).toBe(621_290_664);
    expect(report.params).toBe(3_538_986);
    expect(report.unknownShapes).toBe(0);
    expect(report.unknown).toEqual([]);
    expect(report.opHistogram).toMatchObject({ Conv: 52, BatchNormalization: 52, Gemm: 1 });
    expect(report.outputs[0].shape).toEqual([1, 1000]);
  });

  it("human output is an aligned table", async () => {
    const io = capture();
    expect(await command.run([mnv2], io)).toBe(0);
    const text = io.stdout.join("\n");
    expect(text).toMatch(/^FLOPs {11}621\.29 M \(310\.65 M MACs\)$/m);
    expect(text).toMatch(/^unknown shapes {2}0$/m);
    expect(text).toMatch(/^Conv {16}52$/m);
  });

  it("--nodes lists every node with its output shape, FLOPs and params", async () => {
    const io = capture();
    expect(await command.run([mnv2, "--nodes", "--json"], io)).toBe(0);
    const report = JSON.parse(io.stdout.join(""));
    expect(report.perNode).toHaveLength(152);
    expect(report.perNode[0]).toMatchObject({ opType: "Conv", outputShape: [1, 32, 112, 112], flops: 2 * 32 * 112 * 112 * 27, params: 864 });
    const text = capture();
    await command.run([mnv2, "--nodes"], text);
    expect(text.stdout.join("\n")).toMatch(/^fc_0 +Gemm +1x1000 +2\.56 M +1\.28 M$/m);
  });

  it("--input fixes symbolic dims; unknown ops are listed with their reason", async () => {
    const io = capture();
    expect(await command.run([odd, "--json"], io)).toBe(0);
    const before = JSON.parse(io.stdout.join(""));
    expect(before.unknownShapes).toBe(2);
    const io2 = capture();
    expect(await command.run([odd, "--input", "x=2x3x8x8", "--json"], io2)).toBe(0);
    const after = JSON.parse(io2.stdout.join(""));
    expect(after.inputs[0].shape).toEqual([2, 3, 8, 8]);
    expect(after.flops).toBe(2 * 2 * 4 * 64 * 27);
    expect(after.unknown).toEqual([expect.objectContaining({ opType: "Frobnicate", reason: "no shape rule for com.example::Frobnicate" })]);
    const hint = capture();
    await command.run([odd], hint);
    expect(hint.stdout.join("\n")).toMatch(/hint: input x=batchx3x8x8 has symbolic dims: fix them with --input/);
    const io3 = capture();
    await command.run([odd, "--input", "x=2x3x8x8"], io3);
    expect(io3.stdout.join("\n")).not.toMatch(/hint:/);
    expect(io3.stdout.join("\n")).toMatch(/Frobnicate {2}no shape rule for com\.example::Frobnicate/);
  });

  it("bad arguments and files give error codes, not crashes", async () => {
    const { main } = await import("./main.js");
    const io = capture();
    expect(await main(["inspect", join(dir, "missing.onnx")], io)).toBe(1);
    expect(io.stderr.join("")).toMatch(/\[io_error\]/);
    const io2 = capture();
    expect(await main(["inspect", mnv2, "--input", "input=1x3xfoo-bar"], io2)).toBe(1);
    expect(io2.stderr.join("")).toMatch(/\[invalid_argument\]/);
    const io3 = capture();
    expect(await main(["inspect", mnv2, "--input", "nope=1x3x224x224"], io3)).toBe(1);
    expect(io3.stderr.join("")).toMatch(/\[invalid_argument\]/);
    expect(await command.run([], capture())).toBe(2);
    expect(parseInputSpec("images:0=1x224x224x3")).toEqual(["images:0", [1, 224, 224, 3]]);
  });
});

const centernet = ".cache/models/tfjs/centernet/model.json";
describe.skipIf(!existsSync(centernet))("edgelat inspect on a real TF.js model", () => {
  it("loads the weight shards next to model.json so shape constants fold: 0 unknown shapes", async () => {
    const io = capture();
    expect(await command.run([centernet, "--json"], io)).toBe(0);
    const report = JSON.parse(io.stdout.join(""));
    expect(report.format).toBe("tfjs-graph");
    expect(report.unknownShapes).toBe(0);
    expect(report.flops).toBeGreaterThan(1e9);
  });
});
