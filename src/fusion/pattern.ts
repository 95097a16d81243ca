/**
 * Fusion rules as data: what a rule matches (a small DAG of ops, then a greedy forward chain) and what kernel it makes.
 *
 * A rule is matched at its pattern's *root* (the last pattern node) and walks backwards through producers, so every
 * match costs O(pattern size): rules are indexed by the root's op types / categories, never tried on every node.
 *
 *   // Conv → BatchNormalization, then any number of activations, each the single consumer of the previous one
 *   const convBnAct: FusionRule = rule("conv-bn-act", [node(ops("Conv")), node(ops("BatchNormalization"), [0])], {
 *     extend: [step(ops("Relu", "Clip"), { repeat: true })],
 *   });
 */
import type { Node } from "../ir/types.js";
import type { OpCategory } from "../ops/types.js";
import type { KernelClass } from "./types.js";

/** What the engine knows about a node when a matcher's `where` runs. */
export interface MatchEnv {
  /** Is the tensor a constant at run time (weight, initializer, folded shape computation)? */
  isConst(tensor: string): boolean;
  /** Known (fully numeric) shape of a tensor, if any. */
  shape(tensor: string): readonly number[] | undefined;
  /** Small known values of a constant tensor (scalars, shape operands), if any. */
  values(tensor: string): readonly number[] | undefined;
  /** Op type of the node producing a tensor (undefined for graph inputs and constants). */
  producerOp(tensor: string): string | undefined;
  /** Where a constant tensor comes from ("initializer", "constant-node", …); undefined for non-constants. */
  constSource(tensor: string): string | undefined;
}

/** Selects nodes: by op type and/or category (either may match), narrowed by `where`. */
export interface OpMatcher {
  /** Op types (any domain). */
  ops?: readonly string[];
  /** Op categories of the node's spec in the op registry. */
  categories?: readonly OpCategory[];
  /** Extra condition on attributes / shapes (kept cheap: it runs only on nodes whose type already matched). */
  where?: (node: Node, env: MatchEnv) => boolean;
  /** Label used in kernel type names, e.g. "bn" for BatchNormalization (default: derived from the op; "" omits it). */
  label?: string;
  /** Alternatives: the node matches when any of them does (their own labels and conditions apply). */
  any?: readonly OpMatcher[];
}

/** An input of a pattern node: another pattern node (its output 0), a constant, anything, or a named binding. */
export type InputRef =
  | number // index of an earlier pattern node: the input must be its output 0
  | "const" // a constant tensor (weight, initializer, folded)
  | "any" // anything (another kernel's output, a graph input, a constant)
  | `$${string}`; // an external tensor bound by name: every use of the same name must be the same tensor

export interface PatternNode {
  op: OpMatcher;
  /** Per input position; positions past the list (and omitted optional inputs) are "any". */
  inputs?: readonly InputRef[];
  /** For two-input ops (Add, Mul): the two inputs may appear in either order. */
  commutative?: boolean;
}

/** One greedy forward step: absorb the single consumer of the kernel's current output when it matches. */
export interface ExtendStep {
  op: OpMatcher;
  /** Absorb as many consecutive matching consumers as possible (default: at most one). */
  repeat?: boolean;
  /**
   * Which input of the consumer the kernel output may feed: 0 (the first) or "any" (default).
   */
  input?: 0 | "any";
  /**
   * The consumer's other inputs: "const" (default: weights, scalars), "ready" (constants or tensors produced by nodes
   * earlier than the kernel's anchor in execution order, as TFLite GPU's node linking requires), or "any".
   */
  others?: "const" | "ready" | "any";
  /** The consumer's output must have the shape of the kernel's current output (no broadcast growth). */
  sameShape?: boolean;
}

export interface FusionRule {
  /** Unique within a rule set; `FuseOptions.disable` names it. */
  name: string;
  /** The runtime transformation this rule mimics (and where that behaviour is documented / observed). */
  doc?: string;
  /** Nodes in topological order; the last one is the root where matching starts. */
  pattern: readonly PatternNode[];
  /** Pattern index of the anchor (the op giving the kernel its geometry and class); default 0. */
  anchor?: number;
  /** Greedy forward extension after the pattern, steps tried in order (each optional). */
  extend?: readonly ExtendStep[];
  /** Fixed kernel type; default: the anchor's label followed by the labels of the other members ("conv-bn-relu"). */
  type?: string;
  /** Fixed kernel class; default: derived from the anchor. */
  class?: KernelClass;
}

/**
 * A node that launches no kernel on this backend (metadata-only ops, inference no-ops). `passThrough` nodes alias
 * their output to their first non-constant input, so the ops around them fuse as if they were not there.
 */
export interface Elision {
  op: OpMatcher;
  reason: string;
  passThrough?: boolean;
}

/**
 * A node the runtime copies into each of its consumers instead of running it once, e.g. ONNX Runtime's transpose
 * optimizer pushing a Transpose through the Gather / Slice branches of an attention split. Applied after elision and
 * CSE, before the rules: when the node's only output has at least `minConsumers` consumers, none a graph output, and
 * every consumer matches `into`, each consumer forms a kernel with a copy of the node (listed in the kernel's
 * `duplicated`), then extends greedily with `extend`.
 */
export interface Duplication {
  /** Unique among the rule set's rules and duplications; `FuseOptions.disable` names it. */
  name: string;
  op: OpMatcher;
  into: OpMatcher;
  /** Default 2. */
  minConsumers?: number;
  extend?: readonly ExtendStep[];
  reason: string;
}

export interface RuleSet {
  /** e.g. "ort-cpu@1.30/all", "tflite-gpu@2.10". */
  id: string;
  /** Where the behaviour comes from (observed runtime output, documented transformation, published kernel list) and
   * what is verified in this repository. */
  source: string;
  /** Nodes that run no kernel. Folded constant subgraphs are always kernel-free and need no entry. */
  elide: readonly Elision[];
  /** Ordered: earlier rules claim nodes first. */
  rules: readonly FusionRule[];
  /** Nodes copied into each consumer's kernel, applied before `rules`. */
  duplicate?: readonly Duplication[];
  /**
   * Common subexpression elimination (ONNX Runtime level 1): a node with the same op, attributes and inputs as an
   * earlier one runs no kernel; its consumers read the earlier node's outputs.
   */
  cse?: boolean;
  /** A layout pass after fusion: ONNX Runtime's NCHWc transformer with its channel block size (src/fusion/nchwc.ts). */
  layout?: { kind: "nchwc"; blockSize: number; convChannelAlign: number };
}

// ---- helpers: small constructors so rule files read like tables -------------------------------------------------

export const ops = (...opTypes: string[]): OpMatcher => ({ ops: opTypes });
export const cats = (...categories: OpCategory[]): OpMatcher => ({ categories });
/** Adds a condition (and optionally a label) to a matcher. */
export const where = (m: OpMatcher, cond: NonNullable<OpMatcher["where"]>, label?: string): OpMatcher => ({
  ...m,
  where: m.where ? (n, e) => m.where!(n, e) && cond(n, e) : cond,
  ...(label !== undefined ? { label } : {}),
});
export const labelled = (m: OpMatcher, label: string): OpMatcher => ({ ...m, label });
/** Either matcher; each alternative keeps its own label and condition. */
export const anyOf = (...alternatives: OpMatcher[]): OpMatcher => ({ any: alternatives });

export const node = (op: OpMatcher, inputs?: readonly InputRef[], commutative = false): PatternNode => ({
  op,
  ...(inputs ? { inputs } : {}),
  ...(commutative ? { commutative } : {}),
});
export const step = (op: OpMatcher, opts: Omit<ExtendStep, "op"> = {}): ExtendStep => ({ op, ...opts });
export const rule = (name: string, pattern: readonly PatternNode[], opts: Omit<FusionRule, "name" | "pattern"> = {}): FusionRule => ({
  name,
  pattern,
  ...opts,
});
/** A rule of one node (with optional extension): the most common shape. */
export const single = (name: string, anchor: OpMatcher, extend?: readonly ExtendStep[], opts: Omit<FusionRule, "name" | "pattern" | "extend"> = {}): FusionRule =>
  rule(name, [node(anchor)], { ...(extend ? { extend } : {}), ...opts });

// ---- attribute readers shared by rule conditions ------------------------------------------------------------------

export function intAttr(n: Node, name: string, dflt: number): number {
  return asInt(n.attrs[name], dflt);
}
export function intsAttr(n: Node, name: string): readonly number[] | undefined {
  return asInts(n.attrs[name]);
}
export function strAttr(n: Node, name: string): string | undefined {
  return asStr(n.attrs[name]);
}

// The same checks on an attribute value; hot code reads fixed names as `asInts(n.attrs.strides)` (a named property
// load the JIT caches per call site, where `n.attrs[name]` with a variable name is a generic keyed load).
export const asInt = (v: unknown, dflt: number): number => (typeof v === "number" ? v : dflt);
export const asInts = (v: unknown): readonly number[] | undefined =>
  Array.isArray(v) && (v.length === 0 || typeof v[0] === "number") ? (v as number[]) : undefined;
export const asStr = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
