/**
 * The optional runtimes the profiler drives, loaded lazily (they are optional peer dependencies): a missing package
 * gives `EdgelatError("missing_runtime")` with the command that installs it.
 */
import { EdgelatError } from "../errors.js";

export type RuntimeId = "ort-node" | "tfjs-wasm";
export const RUNTIME_IDS: readonly RuntimeId[] = ["ort-node", "tfjs-wasm"];

export type OrtModule = typeof import("onnxruntime-node");
export type TfjsModule = typeof import("@tensorflow/tfjs");

function missing(pkg: string, cause: unknown): EdgelatError {
  return new EdgelatError("missing_runtime", `${pkg} is not installed; install it with 'npm install ${pkg}' to profile this runtime`, {
    package: pkg,
    cause: cause instanceof Error ? cause.message : String(cause),
  });
}

/** `onnxruntime-node`, or `missing_runtime`. `importer` is for tests (simulating a missing package). */
export async function loadOrt(importer: () => Promise<unknown> = () => import("onnxruntime-node")): Promise<OrtModule> {
  try {
    const m = (await importer()) as OrtModule & { default?: OrtModule };
    return (m.InferenceSession ? m : m.default ?? m) as OrtModule;
  } catch (e) {
    throw missing("onnxruntime-node", e);
  }
}

/** `@tensorflow/tfjs` with the wasm backend registered and selected, or `missing_runtime`. */
export async function loadTfjsWasm(threads = 1): Promise<TfjsModule> {
  let tf: TfjsModule;
  try {
    tf = (await import("@tensorflow/tfjs")) as TfjsModule;
  } catch (e) {
    throw missing("@tensorflow/tfjs", e);
  }
  let wasm: typeof import("@tensorflow/tfjs-backend-wasm");
  try {
    wasm = await import("@tensorflow/tfjs-backend-wasm");
  } catch (e) {
    throw missing("@tensorflow/tfjs-backend-wasm", e);
  }
  if (tf.getBackend() !== "wasm") {
    wasm.setThreadsCount?.(threads);
    await tf.setBackend("wasm");
    await tf.ready();
  }
  return tf;
}
