/**
 * Readers for the published NAS-Bench-201 latency tables in the shared data folder (HELP, HW-NAS-Bench, OneProxy,
 * Eagle LatBench). They all join on the official NB201 `arch_idx`; every reader checks that each row's `arch_str` is
 * the space's own string for that index, so a wrong index mapping fails loudly instead of silently mis-joining.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EdgelatError } from "../errors.js";
import { NB201_SIZE, nb201ArchStrAt } from "../spaces/nasbench201.js";
import { parseCsv } from "./csv.js";
import { dataRoot } from "./paths.js";

/** Latencies of NB201 architectures on several devices. Rows are architectures, one column per device. */
export interface Nb201LatencyTable {
  source: string;
  /** Official NB201 index of each row. */
  archIdx: Int32Array;
  devices: string[];
  /** Per device, aligned with `archIdx`; NaN = not measured. */
  latencyMs: Record<string, Float64Array>;
}

function readText(root: string | undefined, rel: string): string {
  const base = root ?? dataRoot();
  if (base === undefined) throw new EdgelatError("dataset_missing", `Shared data folder not found (set EDGELAT_DATA) for ${rel}`);
  const path = join(base, rel);
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new EdgelatError("dataset_missing", `Cannot read ${path}: ${(e as Error).message}`, { path });
  }
}

/**
 * Parses a CSV with `arch_idx`, `arch_str` and numeric device columns. `keep` picks and renames device columns
 * (header → device name); empty cells and `-1` failure markers become NaN.
 */
export function parseNb201LatencyCsv(text: string, source: string, keep: (header: string) => string | undefined): Nb201LatencyTable {
  const { header, rows } = parseCsv(text);
  const iIdx = header.indexOf("arch_idx");
  const iStr = header.indexOf("arch_str");
  if (iIdx < 0 || iStr < 0) throw new EdgelatError("invalid_json", `${source}: CSV needs arch_idx and arch_str columns`);
  const cols: { at: number; device: string }[] = [];
  header.forEach((h, at) => {
    if (at === iIdx || at === iStr) return;
    const device = keep(h);
    if (device !== undefined) cols.push({ at, device });
  });
  const archIdx = new Int32Array(rows.length);
  const latencyMs: Record<string, Float64Array> = {};
  for (const c of cols) latencyMs[c.device] = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    const idx = Number(r[iIdx]);
    if (!Number.isInteger(idx) || idx < 0 || idx >= NB201_SIZE) throw new EdgelatError("invalid_json", `${source}: bad arch_idx '${r[iIdx]}' on row ${i + 1}`);
    if (nb201ArchStrAt(idx) !== r[iStr]) {
      throw new EdgelatError("invalid_json", `${source}: arch_str on row ${i + 1} is not NB201 index ${idx}`, { row: i + 1, archIdx: idx });
    }
    archIdx[i] = idx;
    for (const c of cols) {
      const s = r[c.at] ?? "";
      const v = s === "" ? NaN : Number(s);
      latencyMs[c.device]![i] = Number.isFinite(v) && v >= 0 ? v : NaN;
    }
  });
  return { source, archIdx, devices: cols.map((c) => c.device), latencyMs };
}

/** `help/nasbench201_latency_ms.csv`: 15,625 rows × 27 devices (names as in HELP, e.g. `titan_rtx_256`). */
export function loadHelpNb201(root?: string): Nb201LatencyTable {
  return parseNb201LatencyCsv(readText(root, "help/nasbench201_latency_ms.csv"), "help", (h) => h);
}

/** `hw-nas-bench/nasbench201_cifar10_latency_ms.csv`, devices renamed `hwnb_<device>` (e.g. `hwnb_edgegpu`). */
export function loadHwNasBenchNb201(root?: string): Nb201LatencyTable {
  return parseNb201LatencyCsv(readText(root, "hw-nas-bench/nasbench201_cifar10_latency_ms.csv"), "hw-nas-bench", (h) =>
    h.endsWith("_latency") ? `hwnb_${h.slice(0, -"_latency".length)}` : undefined);
}

/** `oneproxy/nasbench201_subset1999_latency_ms.csv`: 1,999 rows × 18 devices (`eagle_*`, `rice_*`, `true_*`). */
export function loadOneProxyNb201(root?: string): Nb201LatencyTable {
  return parseNb201LatencyCsv(readText(root, "oneproxy/nasbench201_subset1999_latency_ms.csv"), "oneproxy", (h) =>
    h === "row" ? undefined : h);
}

/** `eagle-latbench/…i7_7820x…csv`: 15,284 rows, one device `eagle_i7_full`. */
export function loadEagleI7Nb201(root?: string): Nb201LatencyTable {
  return parseNb201LatencyCsv(readText(root, "eagle-latbench/desktop_cpu_core_i7_7820x_fp32_latency_ms.csv"), "eagle", (h) =>
    h === "latency_ms" ? "eagle_i7_full" : undefined);
}

/** Re-indexes a table to all 15,625 official indices (row i = arch_idx i); absent rows are NaN. */
export function byArchIndex(table: Nb201LatencyTable): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const d of table.devices) {
    const col = new Float64Array(NB201_SIZE).fill(NaN);
    const src = table.latencyMs[d]!;
    table.archIdx.forEach((idx, i) => { col[idx] = src[i]!; });
    out[d] = col;
  }
  return out;
}

/**
 * HELP's reference architectures (`help/hardware_embedding_index.json`): the 10 row indices per search space whose
 * latencies form HELP's hardware embedding (for NB201 the row index is the arch_idx).
 */
export function loadHelpReferenceIndices(space: "nasbench201" | "fbnet" | "ofa", root?: string): number[] {
  const json = JSON.parse(readText(root, "help/hardware_embedding_index.json")) as { indices?: Record<string, unknown> };
  const v = json.indices?.[space];
  if (!Array.isArray(v) || !v.every((i) => Number.isInteger(i) && i >= 0)) {
    throw new EdgelatError("invalid_json", `hardware_embedding_index.json has no index list for '${space}'`);
  }
  return v as number[];
}
