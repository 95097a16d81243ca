/**
 * Comparing kernel lists: a kernel is identified by the tensor it produces (runtimes keep the output tensor name of
 * the last op they absorb) and described by its member set. Used by the runtime checks (scripts/check-fusion-*.ts)
 * and their regression fixtures.
 */
import type { Kernel, KernelGraph } from "./types.js";

/** Kernels keyed by identity: members sorted by name. */
export type KernelSignatures = Map<string, string[]>;

/** Key of a kernel: `<op>:<tensor>` for inserted layout kernels (reorders), else its last member's first output. */
export function kernelKey(k: Kernel, lastMemberOutput: string | undefined): string {
  const op = k.opTypes[0] ?? k.type;
  if (k.nodes.length === 0 || op === "ReorderInput" || op === "ReorderOutput") {
    return op === "ReorderInput" ? `${op}:${k.inputs[0] ?? ""}` : `${op}:${k.outputs[0] ?? ""}`;
  }
  return lastMemberOutput ?? k.outputs[0] ?? k.id;
}

/**
 * Signatures of a kernel graph. `outputOf(node)` gives a member node's first output (the source graph knows it);
 * the last member is the one last in `order` (node name → topological index).
 */
export function kernelSignatures(kg: KernelGraph, outputOf: (node: string) => string | undefined, order: (node: string) => number): KernelSignatures {
  const out: KernelSignatures = new Map();
  for (const k of kg.kernels) {
    let last: string | undefined;
    let at = -1;
    for (const n of k.nodes) {
      const i = order(n);
      if (i > at) {
        at = i;
        last = n;
      }
    }
    out.set(kernelKey(k, last === undefined ? undefined : outputOf(last)), [...k.nodes].sort());
  }
  return out;
}

export interface SignatureComparison {
  /** Kernels the runtime executed. */
  total: number;
  /** Of those, how many the simulator reproduced with exactly the same member set. */
  matched: number;
  share: number;
  /** Runtime kernels the simulator got wrong: key, expected members, simulated members (undefined = no such kernel). */
  mismatches: { key: string; expected: string[]; actual?: string[] }[];
  /** Simulated kernels the runtime does not have. */
  extra: string[];
}

const sameMembers = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export function compareSignatures(expected: KernelSignatures, actual: KernelSignatures): SignatureComparison {
  let matched = 0;
  const mismatches: SignatureComparison["mismatches"] = [];
  for (const [key, members] of expected) {
    const got = actual.get(key);
    if (got !== undefined && sameMembers(members, got)) matched++;
    else mismatches.push(got === undefined ? { key, expected: members } : { key, expected: members, actual: got });
  }
  const extra = [...actual.keys()].filter((k) => !expected.has(k));
  const total = expected.size;
  return { total, matched, share: total === 0 ? 1 : matched / total, mismatches, extra };
}
