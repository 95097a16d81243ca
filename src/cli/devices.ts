// `edgelat devices [--json]`: the built-in device catalog.
import { parseArgs } from "node:util";
import { listDevices } from "../devices/catalog.js";
import type { Command } from "./main.js";

export const command: Command = {
  summary: "List the built-in devices (id, hardware, runtime, validated accuracy)",
  usage: "edgelat devices [--json] [--gpu | --cpu]",
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: "boolean" }, gpu: { type: "boolean" }, cpu: { type: "boolean" } } });
    let list = listDevices();
    if (values.gpu) list = list.filter((d) => d.processor === "gpu");
    if (values.cpu) list = list.filter((d) => d.processor === "cpu");
    if (values.json) {
      io.out(JSON.stringify(list, null, 2));
      return 0;
    }
    const rows = [["id", "device", "processor", "precision", "runtime", "±10% (LOFO)"]];
    for (const d of list) {
      rows.push([
        d.id, `${d.device} (${d.soc})`, d.processor === "gpu" ? d.processorName : `${d.coreSet} ×${d.threads}`, d.precision, d.runtime,
        d.within10 === undefined ? "-" : `${(100 * d.within10).toFixed(1)}%`,
      ]);
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) io.out(r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd());
    io.out(`\n${list.length} devices. Accuracy: share of held-out models within ±10% (leave-one-family-out, docs/accuracy.md).`);
    return 0;
  },
};
