/**
 * The runner abstraction the profiler and the validation drive: one interface both the onnxruntime-node runner
 * (`OrtRunner`) and the TensorFlow.js wasm runner (`TfjsRunner`) implement — measuring (`ModelRunner`), fusion tests
 * (`FusionRunner`), and what a device profile records about the runtime (`target`).
 */
import { EdgelatError } from "../errors.js";
import type { Graph } from "../ir/types.js";
import type { LocalTarget } from "./device.js";
import type { FusionRunner } from "./fusion-detect.js";
import { OrtRunner, type OrtLevel } from "./ort.js";
import { RUNTIME_IDS, type RuntimeId } from "./runtime.js";
import { TfjsRunner } from "./tfjs.js";

export interface ProfileRunner extends FusionRunner {
  readonly runtime: RuntimeId;
  readonly version: string;
  readonly threads: number;
  /** Runtime, version and settings written into the device profile. */
  readonly target: LocalTarget;
  /** Where per-kernel times come from (for provenance notes). */
  readonly kernelTimes: string;
  /** Whether the runtime can run every node of an IR graph (undefined: it runs any ONNX graph). */
  supports?(graph: Graph): boolean;
  /**
   * The runtime's profiler adds a cost of its own to every node's time that unprofiled runs do not pay (ORT with an
   * intra-op thread pool: thread-pool statistics per node); the profiler removes it from kernel samples
   * (`nodeOverheadUs` in trace.ts).
   */
  readonly traceNodeOverhead?: boolean;
}

export interface RunnerOptions {
  runtime?: RuntimeId;
  threads?: number;
  /** ORT graph optimization level (ort-node only). */
  level?: OrtLevel;
  /** Folder for the runtime's temporary files. */
  workDir: string;
}

/** An ORT runner seen through the common interface. */
export function ortProfileRunner(r: OrtRunner): ProfileRunner {
  return {
    runtime: "ort-node",
    version: r.version,
    threads: r.threads,
    config: r.config,
    backend: r.backend,
    target: { runtime: "onnxruntime-node", runtimeVersion: r.version, threads: r.threads, backend: r.backend, settings: r.level },
    kernelTimes: r.threads > 1 ? "ORT profiler kernel times less the profiler's per-node cost" : "ORT profiler kernel times",
    exclusiveSessions: r.exclusiveSessions,
    traceNodeOverhead: r.threads > 1,
    open: (m, o) => r.open(m, o),
    executedNodes: (m) => r.executedNodes(m),
  };
}

/** A TF.js runner seen through the common interface. */
export function tfjsProfileRunner(r: TfjsRunner): ProfileRunner {
  return {
    runtime: "tfjs-wasm",
    version: r.version,
    threads: r.threads,
    config: r.config,
    backend: r.backend,
    target: r.target,
    kernelTimes: "per-node process CPU time of the TF.js executor (each ONNX node run as its TF.js ops, wasm backend)",
    open: (m, o) => r.open(m, o),
    executedNodes: (m) => r.executedNodes(m),
    supports: (g) => r.supports(g),
  };
}

/** The runner of a runtime id. */
export async function createRunner(o: RunnerOptions): Promise<ProfileRunner> {
  const runtime = o.runtime ?? "ort-node";
  switch (runtime) {
    case "ort-node":
      return ortProfileRunner(await OrtRunner.create({ threads: o.threads ?? 1, level: o.level ?? "all", workDir: o.workDir }));
    case "tfjs-wasm":
      return tfjsProfileRunner(await TfjsRunner.create({ threads: o.threads ?? 1 }));
    default:
      throw new EdgelatError("invalid_argument", `runtime must be one of ${RUNTIME_IDS.join(", ")}, got '${String(runtime)}'`);
  }
}

/** The runtime a device profile was measured on, from its identity / backend ("onnxruntime-node" → "ort-node"). */
export function runtimeOfDevice(d: { identity: { runtime?: string }; backend: string; id: string }): RuntimeId {
  if (d.identity.runtime === "onnxruntime-node" && /^ort-cpu@/.test(d.backend)) return "ort-node";
  if (d.identity.runtime === "tfjs-wasm" && /^tfjs-wasm@/.test(d.backend)) return "tfjs-wasm";
  throw new EdgelatError("invalid_argument", `device '${d.id}' runs ${d.identity.runtime} (${d.backend}); validate measures local onnxruntime-node and tfjs-wasm devices only`, { device: d.id });
}
