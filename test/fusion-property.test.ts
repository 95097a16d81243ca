// Property test: on random graphs (random op mixes incl. unknown ops, multi-consumer tensors, graph outputs in the
// middle), every backend's kernel graph accounts for every node exactly once and its kernels form a DAG.
import { describe, expect, it } from "vitest";
import { fuse, ruleSets } from "../src/fusion/index.js";
import type { KernelGraph } from "../src/fusion/types.js";
import { GraphBuilder } from "../src/ir/builder.js";
import type { Graph } from "../src/ir/types.js";
import { inferShapes } from "../src/shape/infer.js";
import type { InferredGraph } from "../src/shape/types.js";
import { createRng, type Rng } from "../src/util/rng.js";

const C = 16;
const SHAPE = [1, C, 8, 8];

/** A random DAG over same-shaped NCHW activations (so shape inference succeeds and shape-based rules fire). */
export function randomGraph(seed: number): Graph {
  const rng: Rng = createRng(seed);
  const b = new GraphBuilder(`rand${seed}`, { "": 17 });
  const acts: string[] = [b.input("x", SHAPE)];
  if (rng.next() < 0.3) acts.push(b.input("y", SHAPE));
  const pick = (): string => acts[Math.floor(rng.next() ** 0.7 * acts.length) === acts.length ? acts.length - 1 : acts.length - 1 - Math.floor(rng.next() ** 2 * acts.length)]!;
  const w = (shape: number[]): string => b.constant(b.fresh("w"), shape);
  const scalar = (v: number): string => b.constant(b.fresh("s"), [], "float32", [v]);
  const n = rng.int(3, 45);
  let gap: string | undefined;
  for (let i = 0; i < n; i++) {
    const x = pick();
    const r = rng.int(0, 18);
    let y: string;
    switch (r) {
      case 0:
      case 1:
        y = b.op("Conv", [x, w([C, C, 1, 1]), w([C])], { kernel_shape: [1, 1] });
        break;
      case 2:
        y = b.op("Conv", [x, w([C, 1, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: C });
        break;
      case 3:
        y = b.op("BatchNormalization", [x, w([C]), w([C]), w([C]), w([C])]);
        break;
      case 4:
        y = b.op("Relu", [x]);
        break;
      case 5:
        y = b.op("Clip", [x, scalar(0), scalar(6)]);
        break;
      case 6:
        y = b.op("Add", [x, pick()]);
        break;
      case 7:
        y = b.op("Mul", [x, rng.next() < 0.5 ? pick() : w([C, 1, 1])]);
        break;
      case 8:
        y = b.op("Sigmoid", [x]);
        break;
      case 9:
        y = b.op("HardSigmoid", [x]);
        break;
      case 10:
        y = b.op("MaxPool", [x], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
        break;
      case 11:
        y = b.op(rng.next() < 0.5 ? "Identity" : "Dropout", [x]);
        break;
      case 12:
        y = b.op("Reshape", [x, b.constant(b.fresh("shape"), [4], "int64", SHAPE)]);
        break;
      case 13:
        y = b.op("CustomOp", [x, pick()], {}, { domain: "com.example" }); // unknown op: no spec, unknown shape
        break;
      case 14:
        y = b.op("Pad", [x, b.constant(b.fresh("pads"), [8], "int64", [0, 0, 0, 0, 0, 0, 0, 0])]);
        break;
      case 15:
        gap = b.op("GlobalAveragePool", [x]);
        y = b.op("Mul", [x, b.op("HardSigmoid", [b.op("Conv", [gap, w([C, C, 1, 1])], { kernel_shape: [1, 1] })])]);
        break;
      case 16: {
        // a Transpose read by several constant Slices (ONNX Runtime copies it into each branch)
        const t = b.op("Transpose", [x], { perm: [0, 1, 3, 2] });
        const slice = (): string =>
          b.op("Slice", [t, b.constant(b.fresh("starts"), [1], "int64", [0]), b.constant(b.fresh("ends"), [1], "int64", [8]), b.constant(b.fresh("axes"), [1], "int64", [2])]);
        acts.push(slice());
        y = slice();
        break;
      }
      default:
        y = b.op("HardSwish", [x]);
    }
    acts.push(y);
    if (rng.next() < 0.1) b.output(y); // graph outputs in the middle
  }
  b.output(acts[acts.length - 1]!);
  return b.build();
}

/** Every node once; kernels in a valid execution order (each input produced earlier, by one kernel). Returns problems. */
export function kernelGraphProblems(inferred: InferredGraph, kg: KernelGraph): string[] {
  const g = inferred.graph;
  const problems: string[] = [];
  const count = new Map<string, number>();
  for (const k of kg.kernels) for (const n of k.nodes) count.set(n, (count.get(n) ?? 0) + 1);
  for (const x of kg.noKernel) count.set(x.node, (count.get(x.node) ?? 0) + 1);
  // a node copied into several kernels: listed in each one's `duplicated` and in the graph's `duplicates` note
  const copies = new Map<string, string[]>();
  for (const k of kg.kernels) for (const n of k.duplicated ?? []) (copies.get(n) ?? copies.set(n, []).get(n)!).push(k.id);
  for (const d of kg.duplicates ?? []) {
    const ks = copies.get(d.node) ?? [];
    if (ks.length < 2 || ks.join() !== d.kernels.join() || count.get(d.node) !== ks.length) problems.push(`duplicated node ${d.node}: kernels ${ks.join()} vs note ${d.kernels.join()}`);
    count.set(d.node, 1);
    copies.delete(d.node);
  }
  for (const n of copies.keys()) problems.push(`node ${n} marked duplicated without a duplicates note`);
  for (const n of g.nodes) if (count.get(n.name) !== 1) problems.push(`node ${n.name} accounted ${count.get(n.name) ?? 0} times`);
  if (count.size !== g.nodes.length) problems.push(`${count.size - g.nodes.length} unknown node names`);
  const noKernelOut = new Set<string>();
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  for (const x of kg.noKernel) for (const o of byName.get(x.node)!.outputs) noKernelOut.add(o);
  if (new Set(kg.kernels.map((q) => q.id)).size !== kg.kernels.length) problems.push("duplicate kernel ids");
  const produced = new Set<string>();
  for (const k of kg.kernels) {
    if (k.nodes.length === 0 && k.class !== "layout-reorder") problems.push(`kernel ${k.id} has no members`);
    for (const t of k.inputs) {
      if (produced.has(t)) continue;
      const external = g.inputs.includes(t) || g.tensors.get(t)?.constant !== undefined || noKernelOut.has(t);
      if (!external) problems.push(`kernel ${k.id} (${k.type}) reads ${t} before it is produced`);
    }
    for (const t of k.outputs) {
      if (produced.has(t)) problems.push(`${t} produced twice`);
      produced.add(t);
    }
  }
  return problems;
}

describe("fuse on random graphs", () => {
  it("accounts for every node exactly once and yields a DAG, for every backend (300 seeded graphs)", () => {
    let kernels = 0;
    let fused = 0;
    let copied = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const inferred = inferShapes(randomGraph(seed));
      for (const set of ruleSets) {
        const kg = fuse(inferred, set.id);
        const problems = kernelGraphProblems(inferred, kg);
        if (problems.length > 0) expect.fail(`seed ${seed}, ${set.id}: ${problems.slice(0, 5).join("; ")}`);
        kernels += kg.kernels.length;
        fused += kg.kernels.filter((k) => k.nodes.length > 1).length;
        copied += kg.duplicates?.length ?? 0;
      }
    }
    // ONNX Runtime's rule sets copy the Transpose in front of the Slice branches
    expect(copied).toBeGreaterThan(20);
    // the rules really fire on these graphs (not only single-node kernels)
    expect(fused).toBeGreaterThan(1000);
    expect(kernels).toBeGreaterThan(10_000);
  });
});
