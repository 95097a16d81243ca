// The built package as a user imports it: by name ("edgelat", resolved through package.json `exports`), with ESM
// `import` and CommonJS `require`, in a fresh Node process. Needs `npm run build` (CI builds before testing); skips
// with a message when dist/ is absent.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { staleDistReason } from "./helpers/dist.js";
import { listDevices, parseModel, predictLatency } from "../src/index.js";


const why = staleDistReason(["dist/index.js", "dist/index.cjs"]);
const built = why === undefined;
if (!built) console.warn(`[examples-package.test] skipped: ${why}`);

const MODEL = "examples/models/mobilenetv2-1.0.onnx";
const body = `
const e = predictLatency(parseModel(readFileSync(${JSON.stringify(MODEL)})), "pixel4-gpu");
console.log(JSON.stringify({ latencyMs: e.latencyMs, kernels: e.kernels.length, report: typeof renderLatencyReport, devices: listDevices().length }));`;
const ESM = `import { parseModel, predictLatency, renderLatencyReport, listDevices } from "edgelat"; import { readFileSync } from "node:fs";${body}`;
const CJS = `const { parseModel, predictLatency, renderLatencyReport, listDevices } = require("edgelat"); const { readFileSync } = require("node:fs");${body}`;

async function run(args: string[]): Promise<{ latencyMs: number; kernels: number; report: string; devices: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 120_000, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

describe.skipIf(!built)("the built package, imported by name", () => {
  const expected = predictLatency(parseModel(new Uint8Array(readFileSync(MODEL))), "pixel4-gpu");

  it("ESM import and CJS require give the same prediction as the sources", async () => {
    const [esm, cjs] = await Promise.all([run(["--input-type=module", "-e", ESM]), run(["-e", CJS])]);
    for (const r of [esm, cjs]) {
      expect(r.latencyMs).toBeCloseTo(expected.latencyMs, 9);
      expect(r.kernels).toBe(expected.kernels.length);
      expect(r.report).toBe("function");
      expect(r.devices).toBe(listDevices().length);
    }
  });
});
