/**
 * The measurement log: every raw measurement is appended as one JSON line the moment it is taken, so an interrupted
 * profiling run resumes from the log and loses nothing. Records carry the configuration they were measured under
 * (`config`): a resumed run only reuses records of its own configuration.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { EdgelatError } from "../errors.js";

/** One measurement batch of one model. */
export interface MeasurementRecord {
  /** What was measured: end-to-end runs, per-kernel profiler times, or a fusion test case. */
  kind: "e2e" | "kernels";
  /** Configuration id, e.g. "ort-node@1.30.0/t1/all". */
  config: string;
  /** Deterministic id of the measured model (the same model always gets the same key). */
  key: string;
  /** ISO time of the measurement. */
  at: string;
  /** os.loadavg() when the batch was taken. */
  load: number[];
  /** kind "e2e": wall-clock ms of each timed run (warm-up excluded). */
  ms?: number[];
  /** kind "e2e": process CPU ms of each timed run (aligned with `ms`). */
  cpuMs?: number[];
  /** kind "kernels": simulator kernel id → profiler µs of each timed run. */
  kernelsUs?: Record<string, number[]>;
  /** kind "kernels": profiler µs of runtime nodes that mapped to no simulator kernel, by node name. */
  unmappedUs?: Record<string, number[]>;
}

/** Reads every record of a JSONL log (missing file → none). A torn last line (a crash mid-write) is skipped. */
export function readLog(file: string): MeasurementRecord[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, "utf8").split("\n");
  const out: MeasurementRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      const r = JSON.parse(line) as MeasurementRecord;
      if (typeof r.key === "string" && typeof r.config === "string" && (r.kind === "e2e" || r.kind === "kernels")) out.push(r);
    } catch (e) {
      if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim() !== "")) {
        throw new EdgelatError("invalid_json", `measurement log ${file}: line ${i + 1} is not JSON`, { file, line: i + 1 });
      }
    }
  });
  return out;
}

/** An append-only log plus the index of what it already holds for one configuration. */
export class MeasurementLog {
  private readonly byKey = new Map<string, MeasurementRecord[]>();
  readonly resumed: number;

  constructor(
    readonly file: string | undefined,
    readonly config: string,
  ) {
    let n = 0;
    if (file !== undefined) {
      mkdirSync(dirname(file), { recursive: true });
      for (const r of readLog(file)) {
        if (r.config !== config) continue;
        this.index(r);
        n++;
      }
    }
    this.resumed = n;
  }

  private index(r: MeasurementRecord): void {
    const k = `${r.kind}:${r.key}`;
    (this.byKey.get(k) ?? this.byKey.set(k, []).get(k)!).push(r);
  }

  /** Appends a record (written to disk before this returns). */
  append(r: Omit<MeasurementRecord, "config" | "at">): MeasurementRecord {
    const full: MeasurementRecord = { ...r, config: this.config, at: new Date().toISOString() };
    if (this.file !== undefined) appendFileSync(this.file, JSON.stringify(full) + "\n");
    this.index(full);
    return full;
  }

  records(kind: MeasurementRecord["kind"], key: string): readonly MeasurementRecord[] {
    return this.byKey.get(`${kind}:${key}`) ?? [];
  }

  /** All e2e wall-clock ms of a key over every batch. */
  e2eMs(key: string): number[] {
    return this.records("e2e", key).flatMap((r) => r.ms ?? []);
  }

  /** All e2e CPU ms of a key over every batch (records without CPU times contribute nothing). */
  e2eCpuMs(key: string): number[] {
    return this.records("e2e", key).flatMap((r) => r.cpuMs ?? []);
  }

  /** Simulator kernel id → all µs of a key over every batch. */
  kernelsUs(key: string): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const r of this.records("kernels", key)) {
      for (const [id, v] of Object.entries(r.kernelsUs ?? {})) out.set(id, [...(out.get(id) ?? []), ...v]);
    }
    return out;
  }

  /** Runtime nodes that mapped to no simulator kernel → all µs of a key over every batch. */
  unmappedUs(key: string): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const r of this.records("kernels", key)) {
      for (const [id, v] of Object.entries(r.unmappedUs ?? {})) out.set(id, [...(out.get(id) ?? []), ...v]);
    }
    return out;
  }

  /** Keys the log holds records of this kind for, in first-logged order. */
  keys(kind: MeasurementRecord["kind"]): string[] {
    const out: string[] = [];
    for (const recs of this.byKey.values()) if (recs[0]!.kind === kind) out.push(recs[0]!.key);
    return out;
  }

  /** Load averages of every record, for reporting. */
  loads(): number[][] {
    return [...this.byKey.values()].flat().map((r) => r.load);
  }
}
