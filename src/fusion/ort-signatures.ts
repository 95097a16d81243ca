/**
 * Reads an ONNX Runtime optimized model (written with `optimizedModelFilePath`) as kernel signatures of the source
 * graph: for every node ORT executes, the key (the source tensor it produces) and the source nodes it absorbed.
 * Pure graph analysis — onnxruntime itself is only needed to produce the optimized model.
 *
 * How ORT names things: a fused node keeps the output tensor name of the last node it absorbed; NCHWc nodes are
 * named `<original output>_nchwc` and write `reorder_token_*` tensors; element-wise nodes moved to NCHWc keep their
 * node name; inserted ReorderInput / ReorderOutput nodes are keyed `ReorderInput:<tensor>` / `ReorderOutput:<tensor>`.
 * Members of a node: the source nodes on the paths from its (source-mapped) inputs to its output, skipping constants,
 * folded nodes and nodes the simulator lists as running no kernel (Identity, Dropout, …). Nodes of function bodies
 * ORT inlines (HardSwish → HardSigmoid + Mul) and other inserted helpers count with the node they feed.
 */
import type { Graph } from "../ir/types.js";
import type { InferredGraph } from "../shape/types.js";
import type { KernelSignatures } from "./compare.js";
import type { KernelGraph } from "./types.js";

export interface OrtSignatures {
  signatures: KernelSignatures;
  /** ORT nodes that stand for no source tensor (inserted helpers), counted with their consumers. */
  inserted: string[];
}

export function ortSignatures(inferred: InferredGraph, simulated: KernelGraph, optimized: Graph): OrtSignatures {
  const inserted: string[] = [];
  const src = inferred.graph;
  const producer = new Map<string, number>();
  const byName = new Map<string, number>();
  src.nodes.forEach((n, i) => {
    byName.set(n.name, i);
    for (const o of n.outputs) if (o !== "") producer.set(o, i);
  });
  const noKernel = new Set(simulated.noKernel.map((x) => x.node));
  const consumers = new Map<string, number[]>();
  src.nodes.forEach((n, i) => n.inputs.forEach((t) => t !== "" && (consumers.get(t) ?? consumers.set(t, []).get(t)!).push(i)));
  /** The one node reading a tensor, looking through nodes that run no kernel (Identity, …). */
  const soleConsumer = (t: string): number | undefined => {
    const c = consumers.get(t);
    if (c === undefined || c.length !== 1) return undefined;
    const node = src.nodes[c[0]!]!;
    return noKernel.has(node.name) && node.outputs[0] ? soleConsumer(node.outputs[0]) : c[0];
  };
  const known = (t: string): boolean => src.tensors.has(t);
  const toSrc = new Map<string, string>();
  const srcOf = (t: string): string | undefined => toSrc.get(t) ?? (known(t) ? t : undefined);

  // keys of every ORT node, and the source tensor each ORT tensor stands for
  const keys: { key: string; inputs: (string | undefined)[]; reorder: boolean; root?: string }[] = [];
  for (const n of optimized.nodes) {
    if (n.opType === "ReorderInput" && n.attrs.channels_last === 1) {
      // a ReorderInput reading NHWC absorbed the Transpose to NCHW after its source tensor: that node is its member
      const s = srcOf(n.inputs[0] ?? "");
      const t = s === undefined ? undefined : soleConsumer(s);
      const tn = t === undefined ? undefined : src.nodes[t]!;
      if (s !== undefined && tn !== undefined && tn.opType === "Transpose" && tn.outputs[0]) {
        toSrc.set(n.outputs[0] ?? "", tn.outputs[0]);
        keys.push({ key: `ReorderInput:${s}`, inputs: [s], reorder: false, root: tn.outputs[0] });
        continue;
      }
    }
    if (n.opType === "ReorderInput" || n.opType === "ReorderOutput") {
      const s = srcOf(n.inputs[0] ?? "");
      const out = n.outputs[0] ?? "";
      const outSrc = known(out) ? out : s;
      if (outSrc !== undefined) toSrc.set(out, outSrc);
      // a ReorderOutput with channels_last = 1 absorbed the Transpose to NHWC after it: that node is its member
      const absorbs = n.opType === "ReorderOutput" && outSrc !== undefined && outSrc !== s;
      keys.push({
        key: n.opType === "ReorderInput" ? `ReorderInput:${s ?? "?"}` : `ReorderOutput:${outSrc ?? "?"}`,
        inputs: s === undefined ? [] : [s],
        reorder: !absorbs,
        ...(absorbs ? { root: outSrc } : {}),
      });
      continue;
    }
    n.outputs.forEach((o, k) => {
      if (o === "") return;
      let s: string | undefined;
      if (known(o)) s = o;
      else if (k === 0 && n.name.endsWith("_nchwc") && known(n.name.slice(0, -6))) {
        s = n.name.slice(0, -6);
        // an NCHWc Conv that took a Sum input (or an activation the level-2 fusions left alone) is named after the
        // Conv's own output: it ends at the Add and / or the activation
        if (n.opType === "Conv" && n.inputs[3]) {
          const add = soleConsumer(s);
          if (add !== undefined && src.nodes[add]!.opType === "Add") s = src.nodes[add]!.outputs[0]!;
        }
        if (n.opType === "Conv" && typeof n.attrs.activation === "string") {
          const act = soleConsumer(s);
          if (act !== undefined && src.nodes[act]!.opType === n.attrs.activation) s = src.nodes[act]!.outputs[0]!;
        }
      }
      else {
        // a node keeps its source name, or a fused node is named `<source node>/<Fusion>/` (QuickGeluFusion, …): it
        // writes what that source node wrote (its outputs are renamed to reorder tokens when it runs on NCHWc)
        const fusedAt = n.name.endsWith("Fusion/") ? n.name.lastIndexOf("/", n.name.length - 2) : -1;
        const j = byName.get(n.name) ?? (fusedAt > 0 ? byName.get(n.name.slice(0, fusedAt)) : undefined);
        if (j !== undefined) s = src.nodes[j]!.outputs[k];
      }
      // the last node of an inlined function body (HardSwish → HardSigmoid, Mul) writes the function's output
      if (s === undefined && k === 0 && n.opType === "Mul") {
        for (const t of n.inputs) {
          const x = srcOf(t);
          const fn = x === undefined ? undefined : (consumers.get(x) ?? []).find((c) => src.nodes[c]!.opType === "HardSwish");
          if (fn !== undefined) s = src.nodes[fn]!.outputs[0];
        }
      }
      if (s !== undefined) toSrc.set(o, s);
    });
    // Helper nodes ORT inserts whose outputs stand for no source tensor — function bodies it inlines (HardSwish →
    // HardSigmoid + Mul), the Reshapes around a Gemm made from a 3-D MatMul + Add, a Split replacing Gathers — are
    // counted with the node that produces the next source tensor (their members are found by that node's walk).
    if (n.outputs.every((o) => o === "" || srcOf(o) === undefined)) {
      inserted.push(n.name);
      continue;
    }
    keys.push({ key: srcOf(n.outputs[0] ?? "")!, inputs: n.inputs.map((t) => (t === "" ? undefined : srcOf(t))), reorder: false });
  }
  const present = new Set(keys.map((k) => k.key));
  const out: KernelSignatures = new Map();
  for (const k of keys) {
    if (k.reorder) {
      out.set(k.key, []);
      continue;
    }
    const members: string[] = [];
    const root = producer.get(k.root ?? k.key);
    if (root === undefined) {
      out.set(k.key, members);
      continue;
    }
    const stop = new Set(k.inputs.filter((t): t is string => t !== undefined));
    const seen = new Set<number>([root]);
    const stack = [root];
    while (stack.length > 0) {
      const i = stack.pop()!;
      const node = src.nodes[i]!;
      if (i !== root && inferred.folded.has(node.name)) continue;
      if (!noKernel.has(node.name) || i === root) members.push(node.name);
      for (const x of node.inputs) {
        if (x === "" || stop.has(x) || src.tensors.get(x)?.constant !== undefined) continue;
        if (present.has(x) && x !== (k.root ?? k.key)) continue;
        const p = producer.get(x);
        if (p === undefined || seen.has(p)) continue;
        seen.add(p);
        stack.push(p);
      }
    }
    out.set(k.key, members.sort());
  }
  return { signatures: out, inserted };
}
