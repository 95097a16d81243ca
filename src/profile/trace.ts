/**
 * ONNX Runtime profiler traces (Chrome trace JSON written by `enableProfiling`) → per-run node times, and the mapping
 * of ORT's executed nodes back to the simulator's kernels.
 *
 * Trace: `cat: "Node"` events named `<node>_kernel_time` carry `dur` (µs), `args.op_name`, `args.provider`;
 * `cat: "Session"` events named `model_run` delimit the runs. Node names are those of ORT's optimized graph: a fused
 * node keeps the output tensor name of the last node it absorbed, NCHWc nodes are `<source output>_nchwc`, inserted
 * layout nodes are all named `ReorderInput` / `ReorderOutput` (told apart by execution order).
 */
import { EdgelatError } from "../errors.js";
import type { Graph } from "../ir/types.js";
import type { KernelGraph } from "../fusion/types.js";
import { median } from "./stats.js";

export interface TraceNodeEvent {
  /** Node name in ORT's optimized graph (the `_kernel_time` suffix removed). */
  node: string;
  opType: string;
  provider: string;
  durUs: number;
  /** Occurrence of this node name within its run (0 for unique names; counts repeated `ReorderOutput` etc.). */
  occurrence: number;
}

/** The node events of each run, in execution order. */
export function parseOrtTrace(json: unknown): TraceNodeEvent[][] {
  if (!Array.isArray(json)) throw new EdgelatError("invalid_json", "ORT profile trace: expected a JSON array of events");
  type Ev = { cat?: string; name?: string; ts?: number; dur?: number; args?: { op_name?: string; provider?: string } };
  const events = json as Ev[];
  const runs = events
    .filter((e) => e.cat === "Session" && e.name === "model_run" && typeof e.ts === "number" && typeof e.dur === "number")
    .map((e) => ({ start: e.ts!, end: e.ts! + e.dur! }))
    .sort((a, b) => a.start - b.start);
  const out: TraceNodeEvent[][] = runs.map(() => []);
  const counts: Map<string, number>[] = runs.map(() => new Map());
  const nodeEvents = events
    .filter((e) => e.cat === "Node" && typeof e.name === "string" && e.name.endsWith("_kernel_time") && typeof e.dur === "number")
    .sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0));
  let r = 0;
  for (const e of nodeEvents) {
    const ts = e.ts ?? 0;
    while (r < runs.length && ts > runs[r]!.end) r++;
    if (r >= runs.length || ts < runs[r]!.start) continue;
    const node = e.name!.slice(0, -"_kernel_time".length);
    const occurrence = counts[r]!.get(node) ?? 0;
    counts[r]!.set(node, occurrence + 1);
    out[r]!.push({ node, opType: e.args?.op_name ?? "", provider: e.args?.provider ?? "", durUs: e.dur!, occurrence });
  }
  return out;
}

/** Where each ORT node's time goes: a simulator kernel id, or undefined (reported as unmapped). */
export interface KernelMapping {
  /** `${node}#${occurrence}` → kernel id. */
  kernelOf(node: string, occurrence: number): string | undefined;
}

/**
 * Maps the nodes of ORT's optimized graph to the simulator's kernels of the source graph: a node goes to the kernel
 * whose member produces the source tensor the node stands for (its output, or its name without `_nchwc`, or a
 * same-named source node); inserted reorders go to the simulator's layout kernel keyed by the tensor they convert.
 */
export function mapOrtNodes(source: Graph, kernels: KernelGraph, optimized: Graph): KernelMapping {
  const kernelOfTensor = new Map<string, string>();
  const kernelOfNode = new Map<string, string>();
  const reorder = new Map<string, string>();
  const strip = (t: string): string => t.replace(/#nchwc$/, "");
  const producedBy = new Map<string, string>();
  for (const n of source.nodes) for (const o of n.outputs) if (o !== "") producedBy.set(o, n.name);
  for (const k of kernels.kernels) {
    if (k.nodes.length === 0) {
      const op = k.opTypes[0] ?? k.type;
      if (op === "ReorderInput") reorder.set(`ReorderInput:${strip(k.inputs[0] ?? "")}`, k.id);
      else if (op === "ReorderOutput") reorder.set(`ReorderOutput:${strip(k.outputs[0] ?? "")}`, k.id);
      continue;
    }
    for (const m of k.nodes) kernelOfNode.set(m, k.id);
  }
  for (const [t, n] of producedBy) {
    const k = kernelOfNode.get(n);
    if (k !== undefined) kernelOfTensor.set(t, k);
  }
  // Common-subexpression elimination may keep the other copy than the simulator: a node the simulator elided as
  // "same as X" stands for X's kernel, and its outputs for X's outputs.
  const nodeByName = new Map(source.nodes.map((n) => [n.name, n]));
  const canonical = new Map<string, string>();
  for (const nk of kernels.noKernel) {
    const same = /same as ([^)\s]+)\)/.exec(nk.reason)?.[1];
    const dup = nodeByName.get(nk.node);
    const kept = same === undefined ? undefined : nodeByName.get(same);
    if (dup === undefined || kept === undefined) continue;
    const k = kernelOfNode.get(kept.name);
    if (k !== undefined) kernelOfNode.set(dup.name, k);
    dup.outputs.forEach((o, i) => {
      const ko = kept.outputs[i];
      if (o === "" || ko === undefined) return;
      canonical.set(o, ko);
      const kk = kernelOfTensor.get(ko);
      if (kk !== undefined) kernelOfTensor.set(o, kk);
    });
  }
  const canon = (t: string): string => canonical.get(t) ?? t;
  // ORT tensors that stand for a source tensor, found while walking the optimized graph in order
  const alias = new Map<string, string>();
  const srcOf = (t: string): string | undefined => (source.tensors.has(t) ? t : alias.get(t));
  const byOccurrence = new Map<string, string>();
  const seen = new Map<string, number>();
  for (const n of optimized.nodes) {
    const occ = seen.get(n.name) ?? 0;
    seen.set(n.name, occ + 1);
    let kernel: string | undefined;
    if (n.opType === "ReorderInput" || n.opType === "ReorderOutput") {
      const s = srcOf(n.inputs[0] ?? "");
      if (s !== undefined && n.outputs[0]) alias.set(n.outputs[0], s);
      kernel =
        n.opType === "ReorderInput"
          ? reorder.get(`ReorderInput:${canon(s ?? "")}`)
          : reorder.get(`ReorderOutput:${canon(srcOf(n.outputs[0] ?? "") ?? s ?? "")}`);
    } else {
      const candidates = [...n.outputs.filter((o) => o !== "" && source.tensors.has(o))];
      if (n.name.endsWith("_nchwc")) {
        // `<tensor>_nchwc`, or `<tensor>_<tag>_nchwc` (e.g. a BatchNormalization run as an NCHWc conv: `_bn_nchwc`)
        let base = n.name.slice(0, -"_nchwc".length);
        const names: string[] = [base];
        for (let cut = base.lastIndexOf("_"); cut > 0 && !source.tensors.has(base); cut = base.lastIndexOf("_")) {
          base = base.slice(0, cut);
          names.push(base);
        }
        candidates.unshift(...names.filter((t) => source.tensors.has(t)));
      }
      for (const c of candidates) {
        kernel = kernelOfTensor.get(c);
        if (kernel !== undefined) {
          for (const o of n.outputs) if (o !== "" && !source.tensors.has(o)) alias.set(o, c);
          break;
        }
      }
      kernel ??= kernelOfNode.get(n.name);
    }
    if (kernel !== undefined) byOccurrence.set(`${n.name}#${occ}`, kernel);
  }
  return { kernelOf: (node, occurrence) => byOccurrence.get(`${node}#${occurrence}`) };
}

export interface RunKernelTimes {
  /** Kernel id → µs per run. */
  kernelsUs: Map<string, number[]>;
  /** Unmapped ORT node → µs per run. */
  unmappedUs: Map<string, number[]>;
}

/**
 * Sums each run's node times per simulator kernel. Runs before `skipRuns` (the warm-up) are dropped; after them, of
 * each burst of `burst` consecutive runs only the last is kept.
 */
export function kernelTimes(runs: readonly TraceNodeEvent[][], mapping: KernelMapping, skipRuns = 0, burst = 1): RunKernelTimes {
  const kernelsUs = new Map<string, number[]>();
  const unmappedUs = new Map<string, number[]>();
  const timed = runs.slice(skipRuns).filter((_, i) => i % burst === burst - 1);
  timed.forEach((events, r) => {
    for (const e of events) {
      const k = mapping.kernelOf(e.node, e.occurrence);
      const target = k === undefined ? unmappedUs : kernelsUs;
      const key = k ?? `${e.node}#${e.occurrence}`;
      let arr = target.get(key);
      if (arr === undefined) target.set(key, (arr = new Array<number>(timed.length).fill(0)));
      arr[r]! += e.durUs;
    }
  });
  return { kernelsUs, unmappedUs };
}

/** Σ of a model's profiled node medians (µs) and how many runtime nodes it ran (kernel ids and unmapped nodes). */
export function profiledSum(kernelsUs: ReadonlyMap<string, readonly number[]>, unmappedUs: ReadonlyMap<string, readonly number[]>): { profiledUs: number; nodes: number } {
  let profiledUs = 0, nodes = 0;
  for (const v of [...kernelsUs.values(), ...unmappedUs.values()]) {
    if (v.length === 0) continue;
    profiledUs += median(v);
    nodes++;
  }
  return { profiledUs, nodes };
}

/** A whole model profiled node by node (`profiledSum`) and measured end to end with the profiler off. */
export interface NodeOverheadRow {
  profiledUs: number;
  nodes: number;
  measuredUs: number;
}

/**
 * The profiler's own cost inside each node's time, in µs: the median over whole models of
 * (Σ profiled node times − end-to-end time without profiling) / nodes, never below 0 (no rows → 0).
 *
 * With an intra-op thread pool (more than one thread) ORT's profiler also collects thread-pool statistics around every
 * node (`thread_scheduling_stats` in each node event) and that work falls inside the node's timed interval: on this
 * machine at 2 threads each node's time carried ≈ 3.5 µs that the unprofiled run does not spend — NAS-Bench-201 networks
 * (150–250 nodes of a few µs) were profiled at 1.7–2.2× their end-to-end time, ResNet-18 (25 large nodes) at 1.0×, and
 * every model's profiled sum minus 3.5 µs per node came to about half its single-thread kernel sum. The median over
 * models is robust to the few whose e2e and kernel runs were taken in different machine states.
 */
export function nodeOverheadUs(rows: readonly NodeOverheadRow[]): number {
  const per = rows.filter((r) => r.nodes > 0 && r.measuredUs > 0).map((r) => (r.profiledUs - r.measuredUs) / r.nodes);
  return per.length === 0 ? 0 : Math.max(0, median(per));
}

/** A profiled time (µs) of `nodes` runtime nodes with the profiler's per-node cost removed (never below a tenth of it). */
export function withoutNodeOverhead(us: number, overheadUs: number, nodes = 1): number {
  return Math.max(us - overheadUs * nodes, us / 10);
}
