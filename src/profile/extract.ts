/**
 * Single-kernel models: a kernel of a real model cut out as a standalone graph (its member nodes, its weights as
 * constants, its activation inputs as graph inputs with their inferred shapes), so the runtime can be profiled on
 * exactly the configurations real models contain.
 */
import { EdgelatError } from "../errors.js";
import type { Kernel } from "../fusion/types.js";
import { validateGraph } from "../ir/graph.js";
import type { Graph, Node, TensorInfo } from "../ir/types.js";
import type { InferredGraph } from "../shape/types.js";

const strip = (t: string): string => t.replace(/#nchwc$/, "");

/**
 * `kernelExtractor(inferred)(kernel, name)`: the kernel's member nodes as a graph of their own. External inputs become graph inputs (activations, with their
 * inferred shapes) or constants (weights; folded shape tensors keep their values). Returns undefined when the kernel
 * cannot stand alone: no member nodes (inserted layout kernels), no activation input, or an input of unknown shape.
 */
export function kernelExtractor(inferred: InferredGraph): (kernel: Kernel, name: string) => Graph | undefined {
  const g = inferred.graph;
  const producerOf = new Map<string, string>();
  for (const n of g.nodes) for (const o of n.outputs) if (o !== "") producerOf.set(o, n.name);
  return (kernel, name) => extract(inferred, producerOf, kernel, name);
}

function extract(inferred: InferredGraph, producerOf: ReadonlyMap<string, string>, kernel: Kernel, name: string): Graph | undefined {
  if (kernel.nodes.length === 0) return undefined;
  const g = inferred.graph;
  const members = new Set(kernel.nodes);
  const nodes: Node[] = g.nodes.filter((n) => members.has(n.name));
  if (nodes.length !== members.size) {
    throw new EdgelatError("invalid_argument", `kernel ${kernel.id} names nodes absent from graph '${g.name}'`, { kernel: kernel.id });
  }
  const produced = new Set<string>();
  for (const n of nodes) for (const o of n.outputs) if (o !== "") produced.add(o);
  const tensors = new Map<string, TensorInfo>();
  const inputs: string[] = [];
  for (const n of nodes) {
    for (const t of n.inputs) {
      if (t === "" || produced.has(t) || tensors.has(t)) continue;
      const info = g.tensors.get(t);
      if (info === undefined || info.shape === undefined || info.shape.some((d) => typeof d !== "number" || d < 0)) return undefined;
      const producer = producerOf.get(t);
      const folded = producer !== undefined && inferred.folded.has(producer);
      if (info.constant !== undefined) tensors.set(t, info);
      else if (folded) {
        // a folded tensor without kept values can stand in as generated data only if it is not a shape operand
        if (info.dtype !== "float32") return undefined;
        tensors.set(t, { name: t, dtype: info.dtype, shape: info.shape, constant: { source: "generated" } });
      } else {
        tensors.set(t, { name: t, dtype: info.dtype, shape: info.shape });
        inputs.push(t);
      }
    }
  }
  if (inputs.length === 0) return undefined;
  // Activation inputs after the first that reach the kernel in a runtime layout (marked `#nchwc` by the simulator —
  // e.g. the residual of an NCHWc Conv + Add) are produced inside the model by a 1×1 convolution, so the runtime forms
  // the same kernel as in context (a graph input would arrive in plain NCHW and break the fusion).
  const extraNodes: Node[] = [];
  const producedOutputs: string[] = [];
  const blocked = new Set(kernel.inputs.filter((t) => t.endsWith("#nchwc")).map(strip));
  for (let i = 1; i < inputs.length; i++) {
    const t = inputs[i]!;
    const info = tensors.get(t)!;
    const shape = info.shape as number[];
    if (!blocked.has(t) || shape.length !== 4 || info.dtype !== "float32") continue;
    const src = `${t}__source`, w = `${t}__w`;
    tensors.set(src, { name: src, dtype: "float32", shape });
    tensors.set(w, { name: w, dtype: "float32", shape: [shape[1]!, shape[1]!, 1, 1], constant: { source: "generated" } });
    extraNodes.push({ name: `${t}__producer`, opType: "Conv", domain: "", inputs: [src, w], outputs: [t], attrs: { kernel_shape: [1, 1] } });
    inputs[i] = src;
    producedOutputs.push(t); // also a graph output: the Add must fuse into the kernel's own conv, not this producer
  }
  const consumedInside = new Set(nodes.flatMap((n) => n.inputs));
  const outputs: string[] = [];
  for (const n of nodes) {
    for (const o of n.outputs) {
      if (o === "") continue;
      const info = g.tensors.get(o);
      tensors.set(o, info !== undefined ? { name: o, dtype: info.dtype, ...(info.shape ? { shape: info.shape } : {}) } : { name: o, dtype: "float32" });
      if (!consumedInside.has(o) || kernel.outputs.map(strip).includes(o)) outputs.push(o);
    }
  }
  // Drop optional outputs nobody reads (e.g. BatchNormalization training outputs) only if the op has a main output.
  const main = outputs.filter((o) => {
    const n = nodes.find((x) => x.outputs.includes(o))!;
    return n.outputs[0] === o || kernel.outputs.map(strip).includes(o);
  });
  return validateGraph({
    name,
    format: "builder",
    nodes: [...extraNodes, ...nodes.map((n) => ({ ...n }))],
    tensors,
    inputs,
    outputs: [...(main.length > 0 ? main : outputs), ...producedOutputs],
    opsets: { ...g.opsets },
    metadata: {},
  });
}
