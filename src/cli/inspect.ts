// `edgelat inspect MODEL`: parse, infer shapes, and print nodes / FLOPs / params / unknown shapes / op histogram.
import { parseArgs } from "node:util";
import type { Shape } from "../ir/types.js";
import { inferShapes, summarizeGraph } from "../shape/infer.js";
import { inputShapesOf, loadModelFile } from "./io.js";
import type { Command, CommandIO } from "./main.js";

const USAGE = "edgelat inspect MODEL [--input NAME=1x3x224x224 ...] [--nodes] [--json]";

function si(n: number): string {
  const units: [number, string][] = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [v, u] of units) if (Math.abs(n) >= v) return `${(n / v).toFixed(2)} ${u}`;
  return String(n);
}

function table(rows: string[][], io: CommandIO): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  for (const r of rows) io.out(r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ").trimEnd());
}

export const command: Command = {
  summary: "Parse a model, infer shapes, and report nodes, FLOPs, parameters, unknown shapes and op types",
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        input: { type: "string", multiple: true },
        json: { type: "boolean", default: false },
        nodes: { type: "boolean", default: false },
      },
    });
    if (positionals.length !== 1) {
      io.err(`Usage: ${USAGE}`);
      return 2;
    }
    const file = positionals[0]!;
    const graph = await loadModelFile(file, inputShapesOf(values.input));
    const inferred = inferShapes(graph);
    const s = summarizeGraph(inferred);
    const histogram = Object.entries(s.opHistogram).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const tensor = (name: string) => {
      const t = inferred.graph.tensors.get(name);
      return { name, dtype: t?.dtype ?? "unknown", shape: t?.shape ?? null };
    };
    const perNode = () =>
      inferred.graph.nodes.map((n, i) => ({
        name: n.name,
        opType: n.opType,
        domain: n.domain,
        outputShape: n.outputs[0] ? (inferred.graph.tensors.get(n.outputs[0])?.shape ?? null) : null,
        folded: inferred.folded.has(n.name),
        ...inferred.costs[i]!,
      }));
    if (values.json) {
      const report = {
        file,
        format: graph.format,
        name: graph.name,
        inputs: graph.inputs.map(tensor),
        outputs: graph.outputs.map(tensor),
        nodes: s.nodes,
        folded: inferred.folded.size,
        flops: s.flops,
        macs: s.flops / 2,
        params: s.params,
        bytesRead: s.bytesRead,
        bytesWritten: s.bytesWritten,
        unknownShapes: s.unknownShapes,
        unknown: inferred.unknown,
        opHistogram: Object.fromEntries(histogram),
        warnings: graph.warnings ?? [],
        ...(values.nodes ? { perNode: perNode() } : {}),
      };
      io.out(JSON.stringify(report, null, 2));
      return 0;
    }
    const fmtShape = (shape: Shape | null) => (shape === null ? "?" : shape.join("x") || "scalar");
    table(
      [
        ["model", `${file} (${graph.format})`],
        ["inputs", graph.inputs.map((n) => `${n}=${fmtShape(tensor(n).shape)}`).join(", ")],
        ["nodes", `${s.nodes} (${inferred.folded.size} folded)`],
        ["FLOPs", `${si(s.flops)} (${si(s.flops / 2)} MACs)`],
        ["params", si(s.params)],
        ["bytes read", `${si(s.bytesRead)}B`],
        ["bytes written", `${si(s.bytesWritten)}B`],
        ["unknown shapes", String(s.unknownShapes)],
      ],
      io,
    );
    io.out("");
    table([["op", "count"], ...histogram.map(([op, n]) => [op, String(n)])], io);
    if (values.nodes) {
      io.out("");
      table(
        [
          ["node", "op", "output", "FLOPs", "params"],
          ...perNode().map((n) => [n.name, n.opType, fmtShape(n.outputShape), n.folded ? "folded" : si(n.flops), si(n.params)]),
        ],
        io,
      );
    }
    if (inferred.unknown.length > 0) {
      io.out("");
      const shown = inferred.unknown.slice(0, 20);
      table([["unknown node", "op", "reason"], ...shown.map((u) => [u.node, u.opType, u.reason])], io);
      if (inferred.unknown.length > shown.length) io.out(`… and ${inferred.unknown.length - shown.length} more (use --json)`);
      const symbolic = graph.inputs.filter((n) => tensor(n).shape?.some((d) => typeof d !== "number") ?? true);
      if (symbolic.length > 0) {
        io.out(`hint: input${symbolic.length > 1 ? "s" : ""} ${symbolic.map((n) => `${n}=${fmtShape(tensor(n).shape)}`).join(", ")} ${symbolic.length > 1 ? "have" : "has"} symbolic dims: fix them with --input NAME=1x3x224x224`);
      }
    }
    for (const w of graph.warnings ?? []) io.err(`warning: ${w}`);
    return 0;
  },
};
