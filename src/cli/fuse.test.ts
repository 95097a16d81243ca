import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildResNet18 } from "../models/index.js";
import { toOnnx } from "../parsers/onnx/index.js";
import { main } from "./main.js";

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, { out: (t) => (out += t + "\n"), err: (t) => (err += t + "\n") });
  return { code, out, err };
}

describe("edgelat fuse", () => {
  const dir = mkdtempSync(join(tmpdir(), "edgelat-fuse-"));
  const file = join(dir, "resnet18.onnx");
  writeFileSync(file, toOnnx(buildResNet18({ resolution: 64, numClasses: 10 }), { weights: "stripped" }));

  it("prints the kernel list", async () => {
    const r = await run(["fuse", file, "--backend", "tflite-gpu@2.10"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/69 nodes → \d+ kernels on tflite-gpu@2\.10/);
    expect(r.out).toContain("conv-bn-add-relu");
  });

  it("--json gives the KernelGraph", async () => {
    const r = await run(["fuse", file, "--backend", "ort-cpu@1.30/extended", "--input", "input=1x3x64x64", "--json"]);
    expect(r.code).toBe(0);
    const kg = JSON.parse(r.out) as { backend: string; kernels: { type: string; features: { flops: number } }[] };
    expect(kg.backend).toBe("ort-cpu@1.30/extended");
    expect(kg.kernels.filter((k) => k.type === "conv-bn-relu").length).toBe(9); // stem + the first conv of 8 blocks
    expect(kg.kernels.every((k) => k.features.flops >= 0)).toBe(true);
  });

  it("unknown backend → error code, usage without --backend", async () => {
    const r = await run(["fuse", file, "--backend", "tflite-gpu@9"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("unknown_backend");
    expect(r.err).toContain("ort-cpu@1.30/all");
    expect((await run(["fuse", file])).code).toBe(2);
  });
});
