import type { OpSpec } from "../types.js";

/** Specs of ONNX default-domain ops (and the com.microsoft contrib ops seen in real models). */
export const onnxOpSpecs: readonly OpSpec[] = [];
