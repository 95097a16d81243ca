/**
 * Hardware specifications of the HELP NAS-Bench-201 devices, for MAPLE-X style hardware-similarity weighting.
 * Values are approximate public spec-sheet figures (processor family, cores/compute units, boost clock, memory) plus the
 * measurement batch size from the HELP column name; they describe devices, they are not fitted to latency data.
 */
import { EdgelatError } from "../errors.js";

export type ProcessorKind = "gpu" | "server-cpu" | "mobile-cpu" | "sbc-cpu" | "asic" | "fpga";

export interface DeviceSpec {
  kind: ProcessorKind;
  /** CUDA cores for GPUs, CPU cores, processing elements for accelerators. */
  cores: number;
  clockGHz: number;
  memoryGB: number;
  precision: "fp32" | "fp16" | "int8" | "int16";
  batch: number;
}

const gpu = (cores: number, clockGHz: number, memoryGB: number) => (batch: number): DeviceSpec =>
  ({ kind: "gpu", cores, clockGHz, memoryGB, precision: "fp32", batch });
const g1080ti = gpu(3584, 1.58, 11), g2080ti = gpu(4352, 1.55, 11), gTitanRtx = gpu(4608, 1.77, 24),
  gTitanX = gpu(3072, 1.08, 12), gTitanXp = gpu(3840, 1.58, 12);
const cpu = (kind: ProcessorKind, cores: number, clockGHz: number, memoryGB: number): DeviceSpec =>
  ({ kind, cores, clockGHz, memoryGB, precision: "fp32", batch: 1 });

export const HELP_DEVICE_SPECS: Readonly<Record<string, DeviceSpec>> = {
  "1080ti_1": g1080ti(1), "1080ti_32": g1080ti(32), "1080ti_256": g1080ti(256),
  "2080ti_1": g2080ti(1), "2080ti_32": g2080ti(32), "2080ti_256": g2080ti(256),
  titan_rtx_1: gTitanRtx(1), titan_rtx_32: gTitanRtx(32), titan_rtx_256: gTitanRtx(256),
  titanx_1: gTitanX(1), titanx_32: gTitanX(32), titanx_256: gTitanX(256),
  titanxp_1: gTitanXp(1), titanxp_32: gTitanXp(32), titanxp_256: gTitanXp(256),
  gold_6226: cpu("server-cpu", 12, 3.7, 192), gold_6240: cpu("server-cpu", 18, 3.9, 192),
  silver_4114: cpu("server-cpu", 10, 3.0, 128), silver_4210r: cpu("server-cpu", 10, 3.2, 128),
  pixel2: cpu("mobile-cpu", 8, 2.45, 4), pixel3: cpu("mobile-cpu", 8, 2.8, 4), essential_ph_1: cpu("mobile-cpu", 8, 2.45, 4),
  samsung_a50: cpu("mobile-cpu", 8, 2.3, 4), samsung_s7: cpu("mobile-cpu", 8, 2.3, 4),
  raspi4: cpu("sbc-cpu", 4, 1.5, 4),
  eyeriss: { kind: "asic", cores: 168, clockGHz: 0.2, memoryGB: 0.0002, precision: "int16", batch: 1 },
  fpga: { kind: "fpga", cores: 900, clockGHz: 0.2, memoryGB: 1, precision: "int16", batch: 1 },
};

const KINDS: readonly ProcessorKind[] = ["gpu", "server-cpu", "mobile-cpu", "sbc-cpu", "asic", "fpga"];

/** A numeric description: processor-kind one-hot, then log-scaled cores, clock, memory, batch. */
export function specVector(s: DeviceSpec): number[] {
  return [
    ...KINDS.map((k) => (k === s.kind ? 1 : 0)),
    Math.log10(s.cores) / 4,
    s.clockGHz / 4,
    Math.log10(s.memoryGB + 1) / 3,
    Math.log2(s.batch) / 8,
  ];
}

/**
 * Similarity weights of source devices to a target from their specifications (MAPLE-X's hardware-similarity sample
 * weighting): w ∝ exp(−‖v_t − v_s‖² / τ), normalized to sum to 1.
 */
export function hardwareSimilarityWeights(target: DeviceSpec, sources: readonly DeviceSpec[], temperature = 1): number[] {
  if (sources.length === 0) throw new EdgelatError("invalid_argument", "hardwareSimilarityWeights needs at least one source");
  if (!(temperature > 0)) throw new EdgelatError("invalid_argument", `temperature must be > 0, got ${temperature}`);
  const vt = specVector(target);
  const raw = sources.map((s) => {
    const v = specVector(s);
    let d = 0;
    for (let i = 0; i < v.length; i++) d += (v[i]! - vt[i]!) ** 2;
    return Math.exp(-d / temperature);
  });
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((r) => r / sum);
}

export function helpDeviceSpec(device: string): DeviceSpec {
  const s = HELP_DEVICE_SPECS[device];
  if (s === undefined) throw new EdgelatError("unknown_device", `No hardware specification for device '${device}'`);
  return s;
}
