// `edgelat report MODEL --device ID [--device ID2 …] --out report.html`: a self-contained HTML latency report.
import { writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { EdgelatError } from "../errors.js";
import { predictLatency } from "../predict.js";
import { renderLatencyReport } from "../report/html.js";
import { inferShapes, summarizeGraph } from "../shape/infer.js";
import type { Command } from "./main.js";
import { inputShapesOf, loadModelFile, resolveDevice } from "./io.js";

const USAGE = "edgelat report MODEL --device ID [--device ID2 ...] [--out report.html] [--input NAME=1x3x224x224 ...] [--title TEXT] [--json]";

export const command: Command = {
  summary: "Write a self-contained HTML latency report (per-kernel chart, kernel-type shares, device comparison)",
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        device: { type: "string", multiple: true },
        out: { type: "string" },
        input: { type: "string", multiple: true },
        title: { type: "string" },
        json: { type: "boolean" },
      },
    });
    const file = positionals[0];
    const devices = values.device ?? [];
    if (file === undefined || devices.length === 0 || positionals.length > 1) throw new EdgelatError("invalid_argument", `usage: ${USAGE}`);
    const out = values.out ?? "report.html";
    if (!out.endsWith(".html")) throw new EdgelatError("invalid_argument", `--out must name an .html file, got '${out}'`);
    const inferred = inferShapes(await loadModelFile(file, inputShapesOf(values.input)));
    const summary = summarizeGraph(inferred);
    // Resolve every device first, so a typo fails before any work (with the catalog's suggestions).
    const resolved = await Promise.all(devices.map(resolveDevice));
    const estimates = resolved.map((d) => predictLatency(inferred, d));
    const html = renderLatencyReport({
      model: { name: basename(file), nodes: summary.nodes, flops: summary.flops, params: summary.params },
      estimates,
      deviceNames: Object.fromEntries(resolved.map((d) => [d.id, d.name])),
      ...(values.title === undefined ? {} : { title: values.title }),
      generator: "edgelat report",
    });
    try {
      await writeFile(out, html);
    } catch (e) {
      throw new EdgelatError("io_error", `Cannot write '${out}': ${(e as Error).message}`, { file: out });
    }
    if (values.json) {
      io.out(JSON.stringify({ model: file, out, bytes: Buffer.byteLength(html), devices: estimates.map((e) => ({ device: e.device, backend: e.backend, latencyMs: e.latencyMs, interval: e.interval, kernels: e.kernels.length, warnings: e.warnings.length })) }, null, 2));
      return 0;
    }
    const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
    for (const e of estimates) {
      const w = e.warnings.length > 0 ? `, ${e.warnings.length} warnings (listed in the report)` : "";
      io.out(`${e.device.padEnd(24)} ${ms(e.latencyMs).padStart(8)} ms  (90% ${ms(e.interval[0])}–${ms(e.interval[1])} ms, ${e.kernels.length} kernels${w})`);
    }
    io.out(`wrote ${out} (${(Buffer.byteLength(html) / 1024).toFixed(1)} KB, self-contained)`);
    return 0;
  },
};
