/**
 * ONNX Runtime's NCHWc layout transformer (level 3 / "all", CPU EP on x86 with AVX2 = block 8, AVX-512 = block 16),
 * as a pass over the fused kernels. Behaviour reproduced from the optimized models onnxruntime-node 1.30 writes
 * (see scripts/check-fusion-ort.ts):
 *
 * - Conv (2-D, constant weights) runs blocked when it is depthwise with channels % align = 0, or dense (group 1) with
 *   input channels % align = 0 — or fewer input channels than a block, in which case it reads NCHW directly. Output
 *   channels are padded up to the block. Observed with ORT 1.30 here: block 16 (pools and concat need channels % 16),
 *   align 4 (a 24-, 28- or 88-channel conv runs blocked; a 24-channel MaxPool does not).
 * - A blocked Conv without a fused activation absorbs a following Add whose other input is also blocked (the NCHWc
 *   Conv's `Sum` input), then an activation after the Add.
 * - MaxPool / AveragePool run blocked when their channels are a multiple of the block, global pools only when their
 *   input is blocked already; Resize with integer H / W scales (nearest, linear), unary activations, same-shape Add / Mul / Sum, channel Concat and BatchNormalization run blocked when
 *   their inputs are blocked.
 * - A Conv that stays NCHW at this level also takes a following same-shape Add and activation (FusedConv with a Z
 *   input), which level 2 does not do.
 * - x·sigmoid(x), fused into one QuickGelu node at level 2, runs blocked on a blocked input.
 * - ReorderInput converts an NCHW tensor for a blocked consumer, ReorderOutput a blocked tensor for an NCHW consumer
 *   or a graph output; one reorder per tensor. A Transpose NHWC → NCHW in front of a ReorderInput (its only consumer)
 *   is done by the ReorderInput itself (channels_last), as a Transpose to NHWC after a ReorderOutput is.
 */
import type { Node } from "../ir/types.js";
import type { MatchEnv } from "./pattern.js";
import { intAttr } from "./pattern.js";

export interface NchwcDraft {
  members: number[];
  labels: (string | undefined)[];
  last: number;
}

export interface NchwcEnv extends MatchEnv {
  readonly nodes: readonly Node[];
  res(t: string): string;
  consumerCount(t: string): number;
  lastConsumerOf(t: string): number | undefined;
  isOutput(t: string): boolean;
  /** Integer view: tensor ids of names (alias-resolved; -1 unknown), per-node alias-resolved input ids and output ids. */
  readonly ids: {
    readonly tensorCount: number;
    readonly nameOf: readonly string[];
    readonly inStart: Int32Array;
    readonly inIds: Int32Array;
    readonly outStart: Int32Array;
    readonly outIds: Int32Array;
    readonly isConst: Uint8Array;
    isOutputId(id: number): boolean;
    tensorId(t: string): number;
  };
}

export interface NchwcPlan {
  /** Per draft (same index): runs on blocked tensors. */
  blocked: boolean[];
  /** Drafts merged into another draft (a Conv's Sum input / activation): skip them. */
  merged: boolean[];
  /** Per draft: tensors it reads through a ReorderInput inserted before it. */
  reorderIn: Map<number, string[]>;
  /** Per draft: tensors it writes that a ReorderOutput inserted after it converts back to NCHW. */
  reorderOut: Map<number, string[]>;
}

const UNARY = new Set(["Relu", "Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid", "Clip"]);
const CONV_ACT = new Set(["Relu", "Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid", "Clip"]);
/** Activations an NCHWc Conv carries (its `activation` attribute). */
const NCHWC_ACT = new Set([...CONV_ACT, "HardSwish"]);
const POOLS = new Set(["MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"]);
const BINARY = new Set(["Add", "Mul", "Sum"]);

const eqShape = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);

/** Plans the NCHWc layout over drafts sorted in execution order (mutates drafts that absorb an Add / activation). */
export function planNchwc(env: NchwcEnv, drafts: NchwcDraft[], block: number, convAlign: number): NchwcPlan {
  const nd = drafts.length;
  const blocked = new Array<boolean>(nd).fill(false);
  const merged = new Array<boolean>(nd).fill(false);
  const ids = env.ids;
  const draftOfNode = new Int32Array(env.nodes.length).fill(-1);
  /** Per tensor id: the draft writing it (-1 none). */
  const producerDraft = new Int32Array(ids.tensorCount).fill(-1);
  const setProducer = (m: number, k: number): void => {
    for (let q = ids.outStart[m]!, end = ids.outStart[m + 1]!; q < end; q++) if (ids.outIds[q]! >= 0) producerDraft[ids.outIds[q]!] = k;
  };
  for (let k = 0; k < nd; k++) {
    for (const m of drafts[k]!.members) {
      draftOfNode[m] = k;
      setProducer(m, k);
    }
  }
  /** The draft writing a tensor (alias-resolved), if any. */
  const producerOf = (t: string): number | undefined => {
    const id = ids.tensorId(t);
    const p = id < 0 ? -1 : producerDraft[id]!;
    return p < 0 ? undefined : p;
  };
  const isBlockedTensor = (t: string): boolean => {
    const p = producerOf(t);
    return p !== undefined && blocked[p]!;
  };
  const channels = (t: string): number | undefined => {
    const s = env.shape(env.res(t));
    return s !== undefined && s.length === 4 ? s[1] : undefined;
  };
  const acts = (n: Node): string[] => n.inputs.filter((t) => t !== "" && !env.isConst(t));
  /** Whether a blocked conv reads its data input in NCHW (fewer input channels than a block). */
  const nchwInput = new Array<boolean>(nd).fill(false);

  /** A blocked Conv without activation takes the activation after it (HardSwish too, which level 2 leaves alone). */
  const absorbActivation = (k: number): void => {
    const conv = drafts[k]!;
    if (conv.members.some((m) => NCHWC_ACT.has(env.nodes[m]!.opType))) return;
    const last = conv.members.reduce((x, y) => Math.max(x, y));
    const t = env.nodes[last]!.outputs[0] ?? "";
    const c = env.lastConsumerOf(t);
    if (c === undefined || env.consumerCount(t) !== 1 || env.isOutput(t) || !NCHWC_ACT.has(env.nodes[c]!.opType)) return;
    // ORT inlines HardSwish (HardSigmoid + Mul) and fuses the pair only when the Mul's output is not a graph output
    // (observed with onnxruntime-node 1.30: Conv → HardSwish → output runs Conv, HardSigmoid, Mul)
    if (env.nodes[c]!.opType === "HardSwish" && env.isOutput(env.nodes[c]!.outputs[0] ?? "")) return;
    const ak = draftOfNode[c]!;
    if (drafts[ak]!.members.length !== 1 || merged[ak]) return;
    conv.members.push(c);
    conv.labels.push(undefined);
    merged[ak] = true;
    conv.last = Math.max(conv.last, drafts[ak]!.last);
    draftOfNode[c] = k;
    setProducer(c, k);
  };

  // 1. which kernels run blocked (inputs are decided before consumers: drafts are in execution order)
  for (let k = 0; k < nd; k++) {
    if (merged[k]) continue;
    const d = drafts[k]!;
    const a = env.nodes[d.members[0]!]!;
    if (a.domain !== "" && a.domain !== "ai.onnx") continue;
    const x = a.inputs[0] ?? "";
    const xs = env.shape(env.res(x));
    if (a.opType === "Conv") {
      const w = env.shape(a.inputs[1] ?? "");
      if (xs === undefined || xs.length !== 4 || w === undefined || w.length !== 4 || !env.isConst(a.inputs[1]!)) continue;
      if (a.inputs[2] && !env.isConst(a.inputs[2])) continue;
      const group = intAttr(a, "group", 1);
      const cout = w[0]!;
      const cin = w[1]! * group;
      if (group > 1) {
        if (cout % convAlign !== 0) continue;
        const depthwise = cin === cout && group === cin;
        if (!depthwise && (cin % block !== 0 || cout % group !== 0 || (cout / group) % block !== 0)) continue;
      } else if (cin < block) nchwInput[k] = true;
      else if (cin % convAlign !== 0) continue;
      blocked[k] = true;
      absorbActivation(k);
    } else if (d.members.length === 2 && a.opType === "Sigmoid" && env.nodes[d.members[1]!]!.opType === "Mul") {
      // x·sigmoid(x) fused by level 2 into one QuickGelu node, which runs on a blocked input (observed)
      blocked[k] = isBlockedTensor(x);
    } else if (d.members.length === 1) {
      if (POOLS.has(a.opType)) {
        // windowed pools reorder an NCHW input; global pools run blocked only on an already blocked input (observed)
        const c = channels(x);
        const global = a.opType === "GlobalAveragePool" || a.opType === "GlobalMaxPool";
        blocked[k] = c !== undefined && c % block === 0 && xs!.length === 4 && (!global || isBlockedTensor(x));
      } else if (a.opType === "Resize" || a.opType === "Upsample") {
        // NCHWc Upsample (nearest / linear with integer H and W scales) on a blocked input
        const mode = typeof a.attrs.mode === "string" ? a.attrs.mode : "nearest";
        const ys = env.shape(a.outputs[0] ?? "");
        const integral = xs !== undefined && ys !== undefined && xs.length === 4 && ys.length === 4 && xs[0] === ys[0] && xs[1] === ys[1] && ys[2]! % xs[2]! === 0 && ys[3]! % xs[3]! === 0;
        blocked[k] = integral && (mode === "nearest" || mode === "linear") && isBlockedTensor(x);
      } else if (UNARY.has(a.opType) || a.opType === "BatchNormalization") {
        blocked[k] = isBlockedTensor(x);
      } else if (BINARY.has(a.opType)) {
        const ins = acts(a);
        const out = env.shape(a.outputs[0] ?? "");
        blocked[k] = ins.length === a.inputs.length && ins.every((t) => isBlockedTensor(t) && eqShape(env.shape(env.res(t)), out));
      } else if (a.opType === "Concat") {
        const ins = acts(a);
        blocked[k] = intAttr(a, "axis", 1) === 1 && ins.length === a.inputs.length && ins.every((t) => isBlockedTensor(t) && (channels(t) ?? 1) % block === 0);
      }
    }
  }

  // 2b. Conv + Add (+ activation): the Add's other input becomes the blocked Conv's Sum input
  for (let k = 0; k < nd; k++) {
    const d = drafts[k]!;
    if (!blocked[k] || merged[k] || env.nodes[d.members[0]!]!.opType !== "Add") continue;
    const add = env.nodes[d.members[0]!]!;
    if (d.members.length !== 1 || add.inputs.length !== 2) continue;
    for (let side = 0; side < 2; side++) {
      const t = env.res(add.inputs[side]!);
      const p = producerOf(t);
      if (p === undefined || !blocked[p] || merged[p]) continue;
      const conv = drafts[p]!;
      const cn = env.nodes[conv.members[0]!]!;
      if (cn.opType !== "Conv" || conv.members.some((m) => NCHWC_ACT.has(env.nodes[m]!.opType))) continue;
      if (env.consumerCount(t) !== 1 || env.isOutput(t)) continue;
      const last = conv.members.reduce((x, y) => Math.max(x, y));
      if (env.nodes[last]!.outputs[0] !== t) continue;
      conv.members.push(d.members[0]!);
      conv.labels.push(undefined);
      merged[k] = true;
      conv.last = Math.max(conv.last, d.last);
      // an activation after the Add joins as the Conv's activation
      const out = add.outputs[0] ?? "";
      const c = env.lastConsumerOf(out);
      if (c !== undefined && env.consumerCount(out) === 1 && !env.isOutput(out) && CONV_ACT.has(env.nodes[c]!.opType)) {
        const ak = draftOfNode[c]!;
        if (drafts[ak]!.members.length === 1) {
          conv.members.push(c);
          conv.labels.push(undefined);
          merged[ak] = true;
          conv.last = Math.max(conv.last, drafts[ak]!.last);
        }
      }
      for (const m of conv.members) draftOfNode[m] = p;
      for (const m of conv.members) setProducer(m, p);
      break;
    }
  }

  // 2c. a Conv left in NCHW takes a following Add (any other input) and activation: FusedConv with its Z input
  for (let k = 0; k < nd; k++) {
    const conv = drafts[k]!;
    const cn = env.nodes[conv.members[0]!]!;
    if (blocked[k] || merged[k] || cn.opType !== "Conv" || (cn.domain !== "" && cn.domain !== "ai.onnx")) continue;
    if (conv.members.some((m) => NCHWC_ACT.has(env.nodes[m]!.opType) || env.nodes[m]!.opType === "Add" && m !== conv.members[0])) continue;
    const last = conv.members.reduce((x, y) => Math.max(x, y));
    const t = env.nodes[last]!.outputs[0] ?? "";
    const a = env.lastConsumerOf(t);
    if (a === undefined || env.consumerCount(t) !== 1 || env.isOutput(t) || env.nodes[a]!.opType !== "Add") continue;
    const ak = draftOfNode[a]!;
    const add = env.nodes[a]!;
    if (drafts[ak]!.members.length !== 1 || merged[ak] || blocked[ak] || add.inputs.length !== 2) continue;
    const out = env.shape(add.outputs[0] ?? "");
    if (!add.inputs.every((x) => !env.isConst(x) && eqShape(env.shape(env.res(x)), out))) continue;
    /** Node `x` (alone in draft `xk`) joins the Conv's draft `k`. */
    const absorb = (x: number, xk: number): void => {
      conv.members.push(x);
      conv.labels.push(undefined);
      merged[xk] = true;
      conv.last = Math.max(conv.last, drafts[xk]!.last);
      setProducer(x, k);
      draftOfNode[x] = k;
    };
    absorb(a, ak);
    const ao = add.outputs[0] ?? "";
    const c = env.lastConsumerOf(ao);
    if (c !== undefined && env.consumerCount(ao) === 1 && !env.isOutput(ao) && CONV_ACT.has(env.nodes[c]!.opType)) {
      const ck = draftOfNode[c]!;
      if (drafts[ck]!.members.length === 1 && !merged[ck] && !blocked[ck]) absorb(c, ck);
    }
  }

  // 3. reorders at the layout boundaries
  const reorderIn = new Map<number, string[]>();
  const reorderOut = new Map<number, string[]>();
  const inDone = new Uint8Array(ids.tensorCount);
  const outDone = new Uint8Array(ids.tensorCount);
  const needOut = (t: number): void => {
    if (outDone[t] === 1) return;
    outDone[t] = 1;
    const p = producerDraft[t]!;
    (reorderOut.get(p) ?? reorderOut.set(p, []).get(p)!).push(ids.nameOf[t]!);
  };
  /** Per node: 1 + the draft whose boundary is being examined when it is a member of it. */
  const inside = new Int32Array(env.nodes.length);
  for (let k = 0; k < nd; k++) {
    if (merged[k]) continue;
    const d = drafts[k]!;
    for (const m of d.members) inside[m] = k + 1;
    for (const m of d.members) {
      for (let q = ids.inStart[m]!, end = ids.inStart[m + 1]!; q < end; q++) {
        const t = ids.inIds[q]!;
        if (t < 0 || ids.isConst[t] === 1) continue;
        const p = producerDraft[t]!;
        if (p === k) continue; // produced inside the kernel
        if (p >= 0 && drafts[p]!.members.some((mm) => inside[mm] === k + 1)) continue;
        const srcBlocked = p >= 0 && blocked[p]! && !merged[p];
        // a Conv with fewer input channels than a block reads NCHW (through a ReorderOutput if need be)
        const wantsBlocked = blocked[k]! && !(nchwInput[k] && m === d.members[0] && q === ids.inStart[m]);
        if (wantsBlocked && !srcBlocked) {
          if (inDone[t] === 0) {
            inDone[t] = 1;
            (reorderIn.get(k) ?? reorderIn.set(k, []).get(k)!).push(ids.nameOf[t]!);
          }
        } else if (!wantsBlocked && srcBlocked) needOut(t);
      }
    }
  }
  // blocked tensors that leave the graph
  for (let k = 0; k < nd; k++) {
    if (!blocked[k] || merged[k]) continue;
    for (const m of drafts[k]!.members) {
      for (let q = ids.outStart[m]!, end = ids.outStart[m + 1]!; q < end; q++) {
        const o = ids.outIds[q]!;
        if (o >= 0 && ids.isOutputId(o)) needOut(o);
      }
    }
  }
  return { blocked, merged, reorderIn, reorderOut };
}
