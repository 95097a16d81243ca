import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import cpuProfiles from "../devices/builtin/phones-cpu.json";
import { inputShapesOf, parseInputSpec, resolveDevice } from "./io.js";
import { main } from "./main.js";

const dir = mkdtempSync(join(tmpdir(), "edgelat-io-"));

describe("CLI io", () => {
  it("parses --input specs", () => {
    expect(parseInputSpec("x=1x3x224x224")).toEqual(["x", [1, 3, 224, 224]]);
    expect(inputShapesOf(["a=1x3", "b=batch,8"])).toEqual({ a: [1, 3], b: ["batch", 8] });
    expect(inputShapesOf([])).toBeUndefined();
    expect(() => parseInputSpec("x=1x-3")).toThrowError(expect.objectContaining({ code: "invalid_argument" }));
  });

  it("resolves --device as a built-in id or a profile file", async () => {
    const profile = (cpuProfiles as { devices: { id: string }[] }).devices[0]!;
    const file = join(dir, "my-device.json");
    writeFileSync(file, JSON.stringify(profile));
    expect((await resolveDevice(file)).id).toBe(profile.id);
    expect((await resolveDevice("pixel4-gpu")).id).toBe("pixel4-gpu");
    writeFileSync(join(dir, "bad.json"), "{ nope");
    await expect(resolveDevice(join(dir, "bad.json"))).rejects.toMatchObject({ code: "invalid_json" });
    writeFileSync(join(dir, "wrong.json"), JSON.stringify({ schema: "edgelat-device@1" }));
    await expect(resolveDevice(join(dir, "wrong.json"))).rejects.toMatchObject({ code: "invalid_device" });
    await expect(resolveDevice(join(dir, "missing.json"))).rejects.toMatchObject({ code: "io_error" });
    await expect(resolveDevice("pixel5-gpu")).rejects.toMatchObject({ code: "unknown_device" });
  });

  it("predict accepts a device file and gives the same total as the built-in id", async () => {
    const profile = (cpuProfiles as { devices: { id: string }[] }).devices[0]!;
    const file = join(dir, "dev.json");
    writeFileSync(file, JSON.stringify(profile));
    const run = async (device: string): Promise<number> => {
      let out = "";
      const code = await main(["predict", "examples/models/resnet18.onnx", "--device", device, "--json"], { out: (t) => (out += t), err: () => {} });
      expect(code).toBe(0);
      return (JSON.parse(out) as { latencyMs: number }).latencyMs;
    };
    expect(await run(file)).toBe(await run(profile.id));
  });
});
