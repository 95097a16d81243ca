// `edgelat predict MODEL --device ID`: end-to-end latency with interval, the slowest kernels and warnings.
import { parseArgs } from "node:util";
import { EdgelatError } from "../errors.js";
import { predictLatency } from "../predict.js";
import type { Command } from "./main.js";
import { inputShapesOf, loadModelFile, resolveDevice } from "./io.js";

const USAGE = "edgelat predict MODEL --device ID|FILE.json [--input NAME=1x3x224x224 ...] [--top N] [--json]";

export const command: Command = {
  summary: "Predict a model's latency on a device (total, interval, slowest kernels, warnings)",
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { device: { type: "string" }, input: { type: "string", multiple: true }, json: { type: "boolean" }, top: { type: "string" } },
    });
    const file = positionals[0];
    if (file === undefined || values.device === undefined) throw new EdgelatError("invalid_argument", `usage: ${USAGE}`);
    const top = values.top === undefined ? 10 : Number(values.top);
    if (!Number.isInteger(top) || top < 0) throw new EdgelatError("invalid_argument", `--top must be a non-negative integer, got '${values.top}'`);
    const inputShapes = inputShapesOf(values.input);
    const graph = await loadModelFile(file, inputShapes);
    const est = predictLatency(graph, await resolveDevice(values.device));
    if (values.json) {
      io.out(JSON.stringify({ model: file, ...est }, null, 2));
      return 0;
    }
    const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
    io.out(`${file} on ${est.device} (${est.backend})`);
    io.out(`latency: ${ms(est.latencyMs)} ms  (90% interval ${ms(est.interval[0])}–${ms(est.interval[1])} ms), ${est.kernels.length} kernels`);
    const sum = est.kernels.reduce((s, k) => s + k.latencyMs, 0);
    const slow = [...est.kernels].sort((a, b) => b.latencyMs - a.latencyMs || (a.id < b.id ? -1 : 1)).slice(0, top);
    if (slow.length > 0) {
      io.out(`\nslowest kernels (of Σ ${ms(sum)} ms before overhead):`);
      const rows = slow.map((k) => [k.id, k.type, `${ms(k.latencyMs)} ms`, `${((100 * k.latencyMs) / (sum || 1)).toFixed(1)}%`, k.predictor, k.nodes[0] ?? ""]);
      const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
      for (const r of rows) io.out(`  ${r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd()}`);
    }
    if (est.warnings.length > 0) {
      io.out(`\nwarnings (${est.warnings.length}):`);
      for (const w of est.warnings.slice(0, 20)) io.out(`  - ${w}`);
      if (est.warnings.length > 20) io.out(`  … ${est.warnings.length - 20} more (--json lists all)`);
    }
    return 0;
  },
};
