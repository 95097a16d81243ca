// The built package's browser/core path as a user imports it: `edgelat/core` (no catalog) plus one device profile
// from `edgelat/devices/<id>.json`, with ESM `import` and CommonJS `require`, in a fresh Node process. Needs
// `npm run build`; skips with a message when dist/ is absent or older than the sources.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { staleDistReason } from "./helpers/dist.js";
import { buildMobileNetV2, predictLatency } from "../src/index.js";


const FILES = ["dist/core.js", "dist/core.cjs", "dist/devices/pixel4-gpu.json"];
const why = staleDistReason(FILES);
if (why !== undefined) console.warn(`[core-package.test] skipped: ${why}`);

const body = `
const e = predictLatency(buildMobileNetV2(), loadDevice(profile));
let unknown = "";
try { predictLatency(buildMobileNetV2(), "pixel4-gpu"); } catch (err) { unknown = err.code; }
console.log(JSON.stringify({ latencyMs: e.latencyMs, kernels: e.kernels.length, getDevice: typeof core.getDevice, unknown }));`;
const ESM = `import * as core from "edgelat/core"; import profile from "edgelat/devices/pixel4-gpu.json" with { type: "json" };
const { buildMobileNetV2, loadDevice, predictLatency } = core;${body}`;
const CJS = `const core = require("edgelat/core"); const profile = require("edgelat/devices/pixel4-gpu.json");
const { buildMobileNetV2, loadDevice, predictLatency } = core;${body}`;

async function run(args: string[]): Promise<{ latencyMs: number; kernels: number; getDevice: string; unknown: string }> {
  const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 120_000, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

describe.skipIf(why !== undefined)("edgelat/core + edgelat/devices/<id>.json, imported by name", () => {
  it("ESM and CJS predict what the catalog id predicts, with no catalog in edgelat/core", async () => {
    const expected = predictLatency(buildMobileNetV2(), "pixel4-gpu");
    const [esm, cjs] = await Promise.all([run(["--input-type=module", "-e", ESM]), run(["-e", CJS])]);
    for (const r of [esm, cjs]) {
      expect(r.latencyMs).toBe(expected.latencyMs);
      expect(r.kernels).toBe(expected.kernels.length);
      expect(r.getDevice).toBe("undefined");
      expect(r.unknown).toBe("unknown_device");
    }
  });
});
