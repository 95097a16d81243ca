/**
 * Reader for HELP's FBNet latency table (`help/fbnet_latency_ms.csv`: 5,000 sampled HW-NAS-Bench FBNet architectures
 * × 27 devices). Each row's `op_names` is checked against its `op_idx_list` under the space's own op order.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EdgelatError } from "../errors.js";
import { FBNET_OPS, parseFbnetOpList } from "../spaces/fbnet.js";
import { parseCsv } from "./csv.js";
import { dataRoot } from "./paths.js";

export interface FbnetLatencyTable {
  source: string;
  /** Encodings (22 op ids), in row order (`sample_idx`). */
  archs: number[][];
  devices: string[];
  latencyMs: Record<string, Float64Array>;
}

export function parseFbnetLatencyCsv(text: string, source: string): FbnetLatencyTable {
  const { header, rows } = parseCsv(text);
  const iList = header.indexOf("op_idx_list"), iNames = header.indexOf("op_names"), iIdx = header.indexOf("sample_idx");
  if (iList < 0 || iNames < 0) throw new EdgelatError("invalid_json", `${source}: CSV needs op_idx_list and op_names columns`);
  const cols = header.map((h, at) => ({ h, at })).filter(({ at }) => at !== iList && at !== iNames && at !== iIdx);
  const latencyMs: Record<string, Float64Array> = {};
  for (const c of cols) latencyMs[c.h] = new Float64Array(rows.length);
  const archs = rows.map((r, i) => {
    const arch = parseFbnetOpList(r[iList] ?? "");
    if (arch.map((o) => FBNET_OPS[o]).join("|") !== r[iNames]) {
      throw new EdgelatError("invalid_json", `${source}: op_names on row ${i + 1} do not match op_idx_list`, { row: i + 1 });
    }
    if (iIdx >= 0 && Number(r[iIdx]) !== i) throw new EdgelatError("invalid_json", `${source}: sample_idx out of order on row ${i + 1}`);
    for (const c of cols) {
      const v = Number(r[c.at]);
      latencyMs[c.h]![i] = r[c.at] !== "" && Number.isFinite(v) && v >= 0 ? v : NaN;
    }
    return arch;
  });
  return { source, archs, devices: cols.map((c) => c.h), latencyMs };
}

export function loadHelpFbnet(root?: string): FbnetLatencyTable {
  const base = root ?? dataRoot();
  if (base === undefined) throw new EdgelatError("dataset_missing", "Shared data folder not found (set EDGELAT_DATA) for help/fbnet_latency_ms.csv");
  const path = join(base, "help/fbnet_latency_ms.csv");
  let text: string;
  try { text = readFileSync(path, "utf8"); } catch (e) {
    throw new EdgelatError("dataset_missing", `Cannot read ${path}: ${(e as Error).message}`, { path });
  }
  return parseFbnetLatencyCsv(text, "help-fbnet");
}
