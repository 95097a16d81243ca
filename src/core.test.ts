// `edgelat/core` (src/core.ts): the main API without the device catalog. Its bundle must not reach the built-in
// profiles, it must export everything the main entry does apart from the catalog, and a profile loaded from its own
// file (as published in dist/devices/<id>.json) must predict exactly what the catalog id predicts.
import { build } from "esbuild";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error — plain ESM script without type declarations
import { writeDeviceFiles } from "../scripts/device-files.mjs";
import * as core from "./core.js";
import * as main from "./index.js";
import { buildMobileNetV2 } from "./models/index.js";
import { inferShapes } from "./shape/infer.js";
import type { DeviceProfileJSON } from "./devices/types.js";

const CATALOG_EXPORTS = ["getDevice", "listDevices", "suggestDevices"];

describe("edgelat/core", () => {
  it("its bundle (every export) reaches neither the catalog nor any built-in profile", async () => {
    const r = await build({
      entryPoints: ["src/core.ts"], bundle: true, format: "esm", platform: "browser", write: false, metafile: true, logLevel: "silent",
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs).toContain("src/predict-core.ts");
    expect(inputs.filter((p) => /devices[\\/](builtin[\\/]|catalog\.ts)/.test(p))).toEqual([]);
    const main = await build({
      entryPoints: ["src/index.ts"], bundle: true, format: "esm", platform: "node", write: false, metafile: true, logLevel: "silent",
    });
    expect(Object.keys(main.metafile.inputs).filter((p) => /devices[\\/]builtin[\\/].*\.json$/.test(p)).sort()).toEqual([
      "src/devices/builtin/phones-cpu.json", "src/devices/builtin/phones-gpu.json",
    ]);
  });

  it("exports the same names as the main entry, apart from the catalog", () => {
    const expected = Object.keys(main).filter((k) => !CATALOG_EXPORTS.includes(k)).sort();
    expect(Object.keys(core).sort()).toEqual(expected);
    for (const k of expected) if (k !== "predictLatency") expect((core as Record<string, unknown>)[k], k).toBe((main as Record<string, unknown>)[k]);
  });

  it("predictLatency takes a loaded Device; a string id throws unknown_device pointing at loadDevice", () => {
    const g = buildMobileNetV2();
    expect(() => core.predictLatency(g, "pixel4-gpu" as never)).toThrow(expect.objectContaining({ code: "unknown_device", message: expect.stringContaining("loadDevice") }));
    expect(() => core.predictLatency(g, null as never)).toThrow(expect.objectContaining({ code: "unknown_device" }));
  });

  const dir = mkdtempSync(join(tmpdir(), "edgelat-devices-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("every built-in profile written apart loads and predicts bit-identically to its catalog id", () => {
    const files = writeDeviceFiles(dir) as { id: string; file: string }[];
    expect(files.map((f) => f.id)).toEqual(main.listDevices().map((d) => d.id));
    const inferred = inferShapes(buildMobileNetV2());
    for (const f of files) {
      const device = core.loadDevice(JSON.parse(readFileSync(f.file, "utf8")) as DeviceProfileJSON);
      expect(core.predictLatency(inferred, device), f.id).toEqual(main.predictLatency(inferred, f.id));
    }
  });
});
