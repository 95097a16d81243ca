// `edgelat fuse MODEL --backend ID|--device ID|FILE.json`: the kernels a runtime executes for the model (fusion simulation).
import { parseArgs } from "node:util";
import { backendIds, fuse } from "../fusion/index.js";
import { inferShapes } from "../shape/infer.js";
import type { Command } from "./main.js";
import { inputShapesOf, loadModelFile, resolveDevice } from "./io.js";

const USAGE = "edgelat fuse MODEL --backend ID|--device ID|FILE.json [--input NAME=1x3x224x224 ...] [--disable RULE ...] [--json]";

const fmt = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));

export const command: Command = {
  summary: "Simulate a runtime's operator fusion and print the kernels that execute",
  usage: `${USAGE}\n\nBackends: ${backendIds().join(", ")}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        backend: { type: "string" },
        device: { type: "string" },
        input: { type: "string", multiple: true },
        disable: { type: "string", multiple: true },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length !== 1 || (values.backend === undefined) === (values.device === undefined)) {
      io.err(`Usage: ${USAGE}\nBackends: ${backendIds().join(", ")}`);
      return 2;
    }
    const file = positionals[0]!;
    const inputShapes = inputShapesOf(values.input);
    const graph = await loadModelFile(file, inputShapes);
    const inferred = inferShapes(graph);
    // --device: the device's rule set, with its profile's measured fusion selection (as predictLatency fuses)
    const device = values.device === undefined ? undefined : await resolveDevice(values.device);
    const kg = fuse(inferred, device === undefined ? values.backend! : (device.ruleSet ?? device.backend), values.disable ? { disable: values.disable } : {});
    if (values.json) {
      io.out(JSON.stringify({ model: file, ...kg }, null, 2));
      return 0;
    }
    const rows: string[][] = [["id", "type", "class", "rule", "nodes", "FLOPs", "out shape", "members"]];
    for (const k of kg.kernels) {
      rows.push([k.id, k.type, k.class, k.rule, String(k.features.nodes), fmt(k.features.flops), k.features.outputShape?.join("x") ?? "?", k.nodes.join(", ") || `(${k.opTypes.join(", ")})`]);
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    io.out(`${file}: ${graph.nodes.length} nodes → ${kg.kernels.length} kernels on ${kg.backend} (${kg.noKernel.length} nodes run no kernel)`);
    if (device?.ruleSet !== undefined) io.out(`device ${device.id}: its measured fusion selection disables ${device.json.fusion!.disable.join(", ")}`);
    for (const r of rows) io.out(r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  "));
    if (kg.noKernel.length > 0) {
      const reasons = new Map<string, number>();
      for (const x of kg.noKernel) reasons.set(x.reason, (reasons.get(x.reason) ?? 0) + 1);
      io.out(`no kernel: ${[...reasons].map(([r, n]) => `${n} × ${r}`).join("; ")}`);
    }
    return 0;
  },
};
