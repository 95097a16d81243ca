import { onnxOpSpecs } from "./onnx/index.js";
import { tfOpSpecs } from "./tf/index.js";
import { opKey, type OpRegistry, type OpSpec } from "./types.js";

/** Builds a registry from spec lists (later lists override earlier ones on the same key). */
export function createOpRegistry(...specLists: readonly (readonly OpSpec[])[]): OpRegistry {
  const map = new Map<string, OpSpec>();
  for (const list of specLists) for (const spec of list) map.set(opKey(spec.domain, spec.opType), spec);
  return map;
}

/** Every op spec edgelat ships. Pass your own registry to `inferShapes` to add or override ops. */
export const defaultOpRegistry: OpRegistry = createOpRegistry(onnxOpSpecs, tfOpSpecs);

export function lookupOp(registry: OpRegistry, domain: string, opType: string): OpSpec | undefined {
  return registry.get(opKey(domain, opType));
}
