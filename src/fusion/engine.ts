/**
 * The fusion engine: applies a backend's rule set to an inferred graph and returns the kernels that really execute.
 *
 * Linear time: an integer-indexed view of the graph is built once per InferredGraph (src/fusion/graph-index.ts) and
 * per-call state lives in typed arrays over its node / tensor ids; rules are bucketed by their root's op type and
 * category (compiled once per rule set, candidate nodes listed once per graph and rule set), and each match walks
 * only its pattern. Matchers are compiled to 0/1 tables over the op types and categories the rule set names
 * (src/fusion/matcher.ts), so accepting a node is two array reads. The input graph's data is never modified (its index
 * rides on the InferredGraph object under a hidden, non-enumerable key: src/fusion/graph-index.ts).
 *
 * Semantics, in order:
 * 1. Nodes that launch nothing go to `noKernel`: folded constant subgraphs (`InferredGraph.folded`), constants, and
 *    the rule set's `elide` list. Pass-through elisions (Identity, Dropout, …) alias their output to their input, so
 *    the nodes around them fuse as if they were absent.
 * 2. Duplications (`RuleSet.duplicate`): a node the runtime copies into each of its consumers (ONNX Runtime's
 *    transpose optimizer) becomes a member of each consumer's kernel, listed in `Kernel.duplicated` and in
 *    `KernelGraph.duplicates`. Then rules run in rule-set order, each over the whole graph in topological order (as
 *    ONNX Runtime's transformers do); a node claimed by a kernel is never matched again.
 * 3. Every node left over runs alone (rule "single").
 * Kernels are listed in execution order (the position of their last member) and form a DAG: every member output but
 * the last one is consumed only inside the kernel.
 */
import { EdgelatError } from "../errors.js";
import type { Node, TensorInfo } from "../ir/types.js";
import { defaultOpRegistry } from "../ops/registry.js";
import type { OpCategory, OpRegistry } from "../ops/types.js";
import type { InferredGraph } from "../shape/types.js";
import { anchorLabel, classOf, labelOf } from "./classify.js";
import { fillGeometry, padAmounts } from "./geometry.js";
import { borrowScratch, bytesOf, constValuesOf, graphIndex, nodeCategories, numericShape, tensorBytesOf, type GraphIndex, type Scratch } from "./graph-index.js";
import { collectNames, compileMatcher, FOLDED, LEAF, type CompiledMatcher, type MatcherTables } from "./matcher.js";
import { planNchwc, type NchwcEnv } from "./nchwc.js";
import type { Duplication, ExtendStep, FusionRule, InputRef, MatchEnv, OpMatcher, RuleSet } from "./pattern.js";
import type { DuplicatedNode, FuseOptions, Kernel, KernelFeatures, KernelGraph, NoKernelNode } from "./types.js";

// ---- compiled rule sets ---------------------------------------------------------------------------------------

/** An extension step with its matcher compiled. */
interface CompiledStep {
  step: ExtendStep;
  op: CompiledMatcher;
}

/** A rule with the matchers of its pattern nodes (same index) and extension steps compiled. */
interface CompiledRule {
  rule: FusionRule;
  ops: readonly CompiledMatcher[];
  extend: readonly CompiledStep[] | undefined;
}

interface CompiledDuplication {
  dup: Duplication;
  op: CompiledMatcher;
  into: CompiledMatcher;
  extend: readonly CompiledStep[] | undefined;
}

interface CompiledRuleSet {
  set: RuleSet;
  rules: readonly FusionRule[];
  /** Op types and categories the set names, and its matchers compiled against them (see matcher.ts). */
  tables: MatcherTables;
  crules: readonly CompiledRule[];
  celide: readonly CompiledMatcher[];
  cdup: readonly CompiledDuplication[];
  /** Rule / elision / duplication indices by the local id of their root's op type or category, each list ascending. */
  byOp: (number[] | undefined)[];
  byCat: (number[] | undefined)[];
  elideByOp: (number[] | undefined)[];
  elideByCat: (number[] | undefined)[];
  duplicate: readonly Duplication[];
  dupByOp: (number[] | undefined)[];
  dupByCat: (number[] | undefined)[];
}

const compiledCache = new WeakMap<RuleSet, Map<string, CompiledRuleSet>>();

function collect(m: OpMatcher, opsOut: Set<string>, catsOut: Set<OpCategory>): void {
  for (const o of m.ops ?? []) opsOut.add(o);
  for (const c of m.categories ?? []) catsOut.add(c);
  for (const a of m.any ?? []) collect(a, opsOut, catsOut);
}

function indexMatchers(matchers: readonly OpMatcher[], what: string): { byOp: Map<string, number[]>; byCat: Map<OpCategory, number[]> } {
  const byOp = new Map<string, number[]>();
  const byCat = new Map<OpCategory, number[]>();
  matchers.forEach((m, i) => {
    const o = new Set<string>();
    const c = new Set<OpCategory>();
    collect(m, o, c);
    if (o.size === 0 && c.size === 0) {
      throw new EdgelatError("invalid_argument", `${what} #${i} matches no op type or category`, { index: i });
    }
    for (const t of o) (byOp.get(t) ?? byOp.set(t, []).get(t)!).push(i);
    for (const t of c) (byCat.get(t) ?? byCat.set(t, []).get(t)!).push(i);
  });
  return { byOp, byCat };
}

/** Checks a rule's pattern: references point backwards, every non-root node feeds a later one. */
function checkRule(r: FusionRule, setId: string): void {
  const used = new Array<boolean>(r.pattern.length).fill(false);
  r.pattern.forEach((p, j) => {
    for (const ref of p.inputs ?? []) {
      if (typeof ref === "number") {
        if (!(ref >= 0 && ref < j)) {
          throw new EdgelatError("invalid_argument", `Rule '${r.name}' of ${setId}: pattern node ${j} refers to node ${ref}, not an earlier one`);
        }
        used[ref] = true;
      }
    }
  });
  for (let j = 0; j < r.pattern.length - 1; j++) {
    if (!used[j]) throw new EdgelatError("invalid_argument", `Rule '${r.name}' of ${setId}: pattern node ${j} feeds no later pattern node`);
  }
  if (r.pattern.length === 0) throw new EdgelatError("invalid_argument", `Rule '${r.name}' of ${setId} has an empty pattern`);
}

function compile(set: RuleSet, disable: readonly string[]): CompiledRuleSet {
  const key = disable.length === 0 ? "" : [...disable].sort().join("\u0000");
  let perSet = compiledCache.get(set);
  const hit = perSet?.get(key);
  if (hit !== undefined) return hit;
  const names = new Set<string>();
  for (const r of set.rules) {
    if (names.has(r.name)) throw new EdgelatError("invalid_argument", `Rule set ${set.id} has two rules named '${r.name}'`);
    names.add(r.name);
    checkRule(r, set.id);
  }
  for (const d of set.duplicate ?? []) {
    if (names.has(d.name)) throw new EdgelatError("invalid_argument", `Rule set ${set.id} has two rules named '${d.name}'`);
    names.add(d.name);
  }
  for (const d of disable) {
    if (!names.has(d)) {
      throw new EdgelatError("invalid_argument", `Cannot disable rule '${d}': ${set.id} has no such rule (rules: ${[...names].join(", ")})`, {
        rule: d,
        rules: [...names],
      });
    }
  }
  const rules = set.rules.filter((r) => !disable.includes(r.name));
  const roots = indexMatchers(
    rules.map((r) => r.pattern[r.pattern.length - 1]!.op),
    `${set.id} rule root`,
  );
  const el = indexMatchers(
    set.elide.map((e) => e.op),
    `${set.id} elision`,
  );
  const duplicate = (set.duplicate ?? []).filter((d) => !disable.includes(d.name));
  const dup = indexMatchers(
    duplicate.map((d) => d.op),
    `${set.id} duplication`,
  );
  const tables: MatcherTables = { ops: new Map(), cats: new Map() };
  const stepsOf = (steps: readonly ExtendStep[] | undefined): ExtendStep[] => (steps === undefined ? [] : [...steps]);
  for (const r of rules) for (const m of [...r.pattern.map((p) => p.op), ...stepsOf(r.extend).map((x) => x.op)]) collectNames(m, tables);
  for (const e of set.elide) collectNames(e.op, tables);
  for (const d of duplicate) for (const m of [d.op, d.into, ...stepsOf(d.extend).map((x) => x.op)]) collectNames(m, tables);
  const cm = (m: OpMatcher): CompiledMatcher => compileMatcher(m, tables);
  /** A name-keyed index as an array over the names' local ids. */
  const byId = <K,>(index: Map<K, number[]>, ids: Map<K, number>): (number[] | undefined)[] => {
    const out: (number[] | undefined)[] = new Array(ids.size);
    for (const [name, id] of ids) out[id] = index.get(name);
    return out;
  };
  const csteps = (steps: readonly ExtendStep[] | undefined): CompiledStep[] | undefined => steps?.map((step) => ({ step, op: cm(step.op) }));
  const compiled: CompiledRuleSet = {
    set,
    rules,
    tables,
    crules: rules.map((rule) => ({ rule, ops: rule.pattern.map((p) => cm(p.op)), extend: csteps(rule.extend) })),
    celide: set.elide.map((e) => cm(e.op)),
    cdup: duplicate.map((dup) => ({ dup, op: cm(dup.op), into: cm(dup.into), extend: csteps(dup.extend) })),
    byOp: byId(roots.byOp, tables.ops),
    byCat: byId(roots.byCat, tables.cats),
    elideByOp: byId(el.byOp, tables.ops),
    elideByCat: byId(el.byCat, tables.cats),
    duplicate,
    dupByOp: byId(dup.byOp, tables.ops),
    dupByCat: byId(dup.byCat, tables.cats),
  };
  if (perSet === undefined) compiledCache.set(set, (perSet = new Map()));
  perSet.set(key, compiled);
  return compiled;
}

// ---- per-graph state -------------------------------------------------------------------------------------------

/** Mutable working state of one `fuse` call, over the graph's shared integer index. */
class State implements MatchEnv {
  readonly ix: GraphIndex;
  readonly nodes: readonly Node[];
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly n: number;
  readonly category: readonly (OpCategory | undefined)[];
  /** Per node: its op type's / category's id in the rule set's matcher tables (-1: not named by the set). */
  readonly opId: Int32Array;
  readonly catId: Int32Array;
  /** -1 free, -2 no kernel, -3 duplicated into its consumers' kernels, ≥ 0 kernel slot. */
  readonly owner: Int32Array;
  readonly tid: ReadonlyMap<string, number>;
  readonly nameOf: readonly string[];
  readonly prodOf: Int32Array;
  /** Per node, its alias-resolved input tensor ids (-1 for an omitted input): inIds[inStart[i] .. inStart[i + 1]). */
  readonly inStart: Int32Array;
  inIds: Int32Array;
  /** Per tensor id: consumer edges of nodes that run (alias-resolved), and the last such consumer. */
  readonly cnt: Int32Array;
  readonly last: Int32Array;
  /** Graph outputs; copied on the first write (a pass-through elision of an output makes its source an output). */
  graphOutputs: ReadonlySet<string>;
  private ownOutputs = false;
  readonly alias = new Map<string, string>();
  /** The same aliases by tensor id (-1: none), set up on the first alias. */
  private aliasTo: Int32Array | undefined;
  /** An alias between names outside the index was set (never for graph tensors): name lookups only. */
  private unindexedAlias = false;
  /** Scratch stamps for kernel building: per node / per tensor id, the kernel being built. */
  readonly nodeMark: Int32Array;
  readonly tensorMark: Int32Array;
  readonly tensorUses: Int32Array;
  readonly scratch: Scratch;
  /** Tensor ids a kernel being built reads and writes (reused from kernel to kernel within the call). */
  readonly idBuf: number[] = [];
  /** Nodes copied into their consumers' kernels (owner -3), and why. */
  duplicatedCount = 0;
  readonly duplicateReason = new Map<number, string>();

  constructor(ix: GraphIndex, category: readonly (OpCategory | undefined)[], plan: Candidates) {
    this.ix = ix;
    this.nodes = ix.nodes;
    this.tensors = ix.tensors;
    this.n = ix.n;
    this.category = category;
    this.opId = plan.opId;
    this.catId = plan.catId;
    const sc = (this.scratch = borrowScratch(ix));
    this.owner = sc.owner.fill(-1);
    this.nodeMark = sc.nodeMark;
    this.tensorMark = sc.tensorMark;
    this.tensorUses = sc.tensorUses;
    this.tid = ix.tid;
    this.nameOf = ix.nameOf;
    this.prodOf = ix.prodOf;
    this.inStart = ix.inStart;
    this.inIds = ix.inRaw;
    this.cnt = sc.cnt;
    this.last = sc.last;
    this.graphOutputs = ix.graphOutputs;
  }

  addOutput(t: string): void {
    if (!this.ownOutputs) {
      this.graphOutputs = new Set(this.graphOutputs);
      this.ownOutputs = true;
    }
    (this.graphOutputs as Set<string>).add(t);
  }

  /** `from` reads as `to` from now on (a pass-through elision, a common subexpression). */
  setAlias(from: string, to: string): void {
    this.alias.set(from, to);
    const f = this.tid.get(from);
    const t = this.tid.get(to);
    if (f === undefined || t === undefined) {
      this.unindexedAlias = true;
      return;
    }
    if (this.aliasTo === undefined) this.aliasTo = this.scratch.aliasTo.fill(-1);
    this.aliasTo[f] = t;
  }

  /** A tensor id with the aliases set so far resolved. */
  resolveId(r: number): number {
    const al = this.aliasTo;
    if (r >= 0 && al !== undefined) for (let a = al[r]!; a >= 0; a = al[r]!) r = a;
    return r;
  }

  /** After elision: alias-resolved input ids and consumer counts over the nodes that run. */
  countConsumers(): void {
    const { ix, owner, n } = this;
    const al = this.aliasTo;
    if (al !== undefined) {
      const ids = this.scratch.inIds;
      for (let p = 0; p < ids.length; p++) {
        let r = ix.inRaw[p]!;
        if (r >= 0) for (let a = al[r]!; a >= 0; a = al[r]!) r = a;
        ids[p] = r;
      }
      this.inIds = ids;
    }
    const cnt = this.cnt.fill(0);
    const last = this.last.fill(-1);
    const ids = this.inIds;
    for (let i = 0; i < n; i++) {
      if (owner[i] === -2) continue;
      for (let p = this.inStart[i]!, end = this.inStart[i + 1]!; p < end; p++) {
        const id = ids[p]!;
        if (id < 0) continue;
        cnt[id]!++;
        last[id] = i;
      }
    }
  }

  isConstId(id: number): boolean {
    return this.ix.isConst[id] === 1;
  }

  bytesOfId(id: number): number {
    return bytesOf(this.ix, id);
  }

  isOutputId(id: number): boolean {
    return this.ownOutputs ? this.graphOutputs.has(this.nameOf[id]!) : this.ix.isOutput[id] === 1;
  }

  producerOf(t: string): number | undefined {
    const i = this.tid.get(t);
    if (i === undefined) return undefined;
    const p = this.prodOf[i]!;
    return p < 0 ? undefined : p;
  }

  consumerCount(t: string): number {
    const i = this.tid.get(t);
    return i === undefined ? 0 : this.cnt[i]!;
  }

  lastConsumerOf(t: string): number | undefined {
    const i = this.tid.get(t);
    const c = i === undefined ? -1 : this.last[i]!;
    return c < 0 ? undefined : c;
  }

  res(t: string): string {
    if (this.alias.size === 0) return t;
    let a = this.alias.get(t);
    if (a === undefined) return t;
    for (let b = this.alias.get(a); b !== undefined; b = this.alias.get(a)) a = b;
    return a;
  }

  isConst(t: string): boolean {
    if (t === "") return false;
    const i = this.tid.get(t);
    if (i !== undefined && !this.unindexedAlias) return this.ix.isConst[this.resolveId(i)] === 1;
    const r = this.res(t);
    const id = this.tid.get(r);
    if (id !== undefined) return this.ix.isConst[id] === 1;
    return this.tensors.get(r)?.constant !== undefined;
  }

  shape(t: string): readonly number[] | undefined {
    const id = this.tid.get(t);
    return id !== undefined ? this.ix.shapeOf[id] : numericShape(this.tensors.get(t));
  }

  values(t: string): readonly number[] | undefined {
    const i = this.tid.get(t);
    if (i !== undefined && !this.unindexedAlias) return constValuesOf(this.ix, this.resolveId(i));
    return this.tensors.get(this.res(t))?.constant?.values;
  }

  isOutput(t: string): boolean {
    return this.graphOutputs.has(t);
  }

  constSource(t: string): string | undefined {
    return this.tensors.get(this.res(t))?.constant?.source;
  }

  producerOp(t: string): string | undefined {
    const p = this.producerOf(this.res(t));
    return p === undefined ? undefined : this.nodes[p]!.opType;
  }

  /** Does the compiled matcher accept node i? (`OpMatcher` semantics, see matcher.ts.) */
  accepts(m: CompiledMatcher, i: number): boolean {
    const alts = m.alts;
    if (m.kind !== LEAF && m.kind !== FOLDED) {
      for (let k = 0; k < alts!.length; k++) if (this.accepts(alts![k]!, i)) return true;
      return false;
    }
    const o = this.opId[i]!;
    const c = this.catId[i]!;
    if ((o >= 0 && m.ops[o] === 1) || (c >= 0 && m.cats[c] === 1)) return m.where === undefined || m.where(this.nodes[i]!, this);
    if (alts !== undefined) for (let k = 0; k < alts.length; k++) if (this.accepts(alts[k]!, i)) return true;
    return false;
  }

  /** The label of the first alternative that accepts the node, if it has one. */
  labelFrom(m: CompiledMatcher, i: number): string | undefined {
    if (m.kind === LEAF) return m.label;
    if (m.kind === FOLDED) return undefined;
    const alts = m.alts!;
    for (let k = 0; k < alts.length; k++) {
      const a = alts[k]!;
      if (this.accepts(a, i)) return a.label ?? this.labelFrom(a, i);
    }
    return undefined;
  }
}

// ---- matching ----------------------------------------------------------------------------------------------------

const SINGLE = new Int32Array(1);

function matchPattern(st: State, cr: CompiledRule, root: number): Int32Array | undefined {
  const pat = cr.rule.pattern;
  const ops = cr.ops;
  if (pat.length === 1 && (pat[0]!.inputs === undefined || pat[0]!.inputs.length === 0)) {
    // one node without input constraints: the common case, no bookkeeping
    if (st.owner[root] !== -1 || !st.accepts(ops[0]!, root)) return undefined;
    SINGLE[0] = root;
    return SINGLE;
  }
  // cheap rejection before any allocation: the root, and the producers its numbered inputs name
  const rootPat = pat[pat.length - 1]!;
  if (st.owner[root] !== -1 || !st.accepts(ops[pat.length - 1]!, root)) return undefined;
  if (rootPat.inputs !== undefined && !rootPat.commutative) {
    // by alias-resolved tensor ids (an omitted or missing input has no producer)
    const p0 = st.inStart[root]!;
    const nIn = st.inStart[root + 1]! - p0;
    for (let q = 0; q < rootPat.inputs.length; q++) {
      const ref = rootPat.inputs[q]!;
      if (typeof ref !== "number") continue;
      const id = q < nIn ? st.inIds[p0 + q]! : -1;
      const p = id < 0 ? -1 : st.prodOf[id]!;
      if (p < 0 || st.owner[p] !== -1 || !st.accepts(ops[ref]!, p)) return undefined;
    }
  }
  const bound = new Int32Array(pat.length).fill(-1);
  const ext = new Map<string, string>();
  const trail: number[] = [];
  const extTrail: string[] = [];

  const undo = (mark: number, extMark: number): void => {
    while (trail.length > mark) bound[trail.pop()!] = -1;
    while (extTrail.length > extMark) ext.delete(extTrail.pop()!);
  };

  const matchRef = (ref: InputRef, tensor: string | undefined): boolean => {
    if (ref === "any") return true;
    if (tensor === undefined || tensor === "") return false;
    const t = st.res(tensor);
    if (ref === "const") return st.isConst(t);
    if (typeof ref === "number") {
      const p = st.producerOf(t);
      if (p === undefined || st.nodes[p]!.outputs[0] !== t) return false;
      return matchNode(ref, p);
    }
    const prev = ext.get(ref);
    if (prev !== undefined) return prev === t;
    ext.set(ref, t);
    extTrail.push(ref);
    return true;
  };

  const matchNode = (j: number, gi: number): boolean => {
    if (bound[j] !== -1) return bound[j] === gi;
    if (st.owner[gi] !== -1) return false;
    const pn = pat[j]!;
    if (!st.accepts(ops[j]!, gi)) return false;
    for (let k = 0; k < pat.length; k++) if (bound[k] === gi) return false;
    bound[j] = gi;
    trail.push(j);
    const inputs = pn.inputs;
    if (inputs === undefined || inputs.length === 0) return true;
    const node = st.nodes[gi]!;
    const mark = trail.length;
    const extMark = extTrail.length;
    if (tryInputs(inputs, node.inputs, false)) return true;
    undo(mark, extMark);
    if (pn.commutative && node.inputs.length === 2 && tryInputs(inputs, node.inputs, true)) return true;
    undo(mark - 1, extMark);
    return false;
  };

  const tryInputs = (refs: readonly InputRef[], ins: readonly string[], swap: boolean): boolean => {
    for (let p = 0; p < refs.length; p++) {
      const q = swap && p < 2 ? 1 - p : p;
      if (!matchRef(refs[p]!, ins[q])) return false;
    }
    return true;
  };

  if (!matchNode(pat.length - 1, root)) return undefined;
  // Every pattern node is bound (checkRule guarantees reachability); interior outputs stay inside the pattern.
  for (let j = 0; j < pat.length - 1; j++) {
    const gi = bound[j]!;
    if (gi < 0) return undefined;
    const outs = st.nodes[gi]!.outputs;
    for (let o = 0; o < outs.length; o++) {
      const t = outs[o]!;
      if (t === "") continue;
      if (st.isOutput(t)) return undefined;
      const total = st.consumerCount(t);
      if (o > 0) {
        if (total > 0) return undefined;
        continue;
      }
      let inside = 0;
      for (let k = 0; k < pat.length; k++) {
        const ins = st.nodes[bound[k]!]!.inputs;
        for (const x of ins) if (x !== "" && st.res(x) === t) inside++;
      }
      if (inside !== total) return undefined;
    }
  }
  return bound;
}

/** Greedy forward extension from the kernel's last member. */
function extend(st: State, steps: readonly CompiledStep[], members: number[], labels: (string | undefined)[], anchorIdx: number): void {
  const { ix, cnt, inStart, inIds } = st;
  let cur = members[members.length - 1]!;
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s]!.step;
    const op = steps[s]!.op;
    const others = step.others ?? "const";
    for (;;) {
      const o0 = ix.outStart[cur]!;
      const oEnd = ix.outStart[cur + 1]!;
      const out = o0 < oEnd ? ix.outIds[o0]! : -1;
      if (out < 0 || st.isOutputId(out) || cnt[out] !== 1) return;
      for (let o = o0 + 1; o < oEnd; o++) {
        const t = ix.outIds[o]!;
        if (t >= 0 && (cnt[t]! > 0 || st.isOutputId(t))) return;
      }
      const c = st.last[out]!;
      if (st.owner[c] !== -1 || !st.accepts(op, c)) break;
      let ok = true;
      let seen = false;
      for (let p = inStart[c]!, end = inStart[c + 1]!; p < end && ok; p++) {
        const t = inIds[p]!;
        if (t < 0) continue;
        if (t === out && !seen) {
          seen = true;
          if (step.input === 0 && p !== inStart[c]) ok = false;
          continue;
        }
        if (others === "any") continue;
        if (ix.isConst[t] === 1) continue;
        if (others === "const") ok = false;
        else {
          // "ready": produced earlier than the anchor in execution order (or a graph input).
          const pr = st.prodOf[t]!;
          if (pr >= 0 && pr >= anchorIdx) ok = false;
        }
      }
      if (ok && step.sameShape) {
        const a = ix.shapeOf[out];
        const c0 = ix.outStart[c]!;
        const co = c0 < ix.outStart[c + 1]! ? ix.outIds[c0]! : -1;
        const b = co < 0 ? undefined : ix.shapeOf[co];
        ok = a !== undefined && b !== undefined && sameDims(a, b);
      }
      if (!ok) break;
      members.push(c);
      labels.push(st.labelFrom(op, c));
      cur = c;
      if (!step.repeat) break;
    }
  }
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---- duplication -------------------------------------------------------------------------------------------------

/**
 * Copies each candidate node that `dup` applies to into its consumers: every consumer forms a kernel (with the copy as
 * a member, owner -3 marks it) and extends greedily. Consumers must be free, distinct and each read the node once.
 */
function duplicateIntoConsumers(st: State, cd: CompiledDuplication, cands: readonly number[], drafts: Draft[]): void {
  const { ix, owner, cnt, inStart, inIds } = st;
  const dup = cd.dup;
  const min = dup.minConsumers ?? 2;
  for (let c = 0; c < cands.length; c++) {
    const i = cands[c]!;
    if (owner[i] !== -1 || !st.accepts(cd.op, i)) continue;
    const o0 = ix.outStart[i]!;
    const oEnd = ix.outStart[i + 1]!;
    const t = o0 < oEnd ? ix.outIds[o0]! : -1;
    if (t < 0 || st.isOutputId(t) || cnt[t]! < min) continue;
    let extraOut = false;
    for (let o = o0 + 1; o < oEnd; o++) {
      const u = ix.outIds[o]!;
      if (u >= 0 && (cnt[u]! > 0 || st.isOutputId(u))) extraOut = true;
    }
    if (extraOut) continue;
    // the consumers (nodes that run), each reading t exactly once
    const consumers: number[] = [];
    let ok = true;
    for (let j = i + 1; j < st.n && consumers.length < cnt[t]! && ok; j++) {
      if (owner[j] === -2) continue;
      let uses = 0;
      for (let p = inStart[j]!, end = inStart[j + 1]!; p < end; p++) if (inIds[p] === t) uses++;
      if (uses === 0) continue;
      if (uses > 1 || owner[j] !== -1 || !st.accepts(cd.into, j)) ok = false;
      consumers.push(j);
    }
    if (!ok || consumers.length !== cnt[t]) continue;
    owner[i] = -3;
    st.duplicatedCount++;
    st.duplicateReason.set(i, dup.reason);
    const copyLabel = st.labelFrom(cd.op, i);
    for (const j of consumers) {
      const members = [j];
      const labels: (string | undefined)[] = [st.labelFrom(cd.into, j)];
      if (cd.extend !== undefined) extend(st, cd.extend, members, labels, i);
      members.splice(1, 0, i);
      labels.splice(1, 0, copyLabel);
      const slot = drafts.length;
      let last = -1;
      for (const m of members) {
        if (m !== i) owner[m] = slot;
        if (m > last) last = m;
      }
      drafts.push({ members, labels, last, rule: dup.name, type: undefined, cls: undefined });
    }
  }
}

/** The `duplicates` note: each copied node, the kernels running a copy, and why. */
function duplicateNotes(st: State, kernels: readonly Kernel[]): DuplicatedNode[] {
  const byNode = new Map<string, string[]>();
  for (const k of kernels) for (const name of k.duplicated ?? []) (byNode.get(name) ?? byNode.set(name, []).get(name)!).push(k.id);
  const notes: DuplicatedNode[] = [];
  for (let i = 0; i < st.n; i++) {
    if (st.owner[i] !== -3) continue;
    const node = st.nodes[i]!;
    notes.push({ node: node.name, opType: node.opType, kernels: byNode.get(node.name) ?? [], reason: st.duplicateReason.get(i) ?? "" });
  }
  return notes;
}

// ---- kernels -----------------------------------------------------------------------------------------------------

interface Draft {
  members: number[]; // anchor first, then the rest in topological order
  labels: (string | undefined)[]; // aligned with members
  last: number;
  rule: string;
  type: string | undefined;
  cls: Kernel["class"] | undefined;
}

/** Per graph and compiled rule set: which nodes are constants, and each node's candidate elisions and rules. */
interface Candidates {
  constant: Int32Array;
  elide: (readonly number[] | undefined)[];
  /** Per rule: the nodes its root may match, ascending. */
  rules: (readonly number[])[];
  /** Per duplication: the nodes it may copy, ascending. */
  dups: (readonly number[])[];
  /** Per node: op type / category id in the compiled set's matcher tables (-1: not named). */
  opId: Int32Array;
  catId: Int32Array;
}

function candidates(ix: GraphIndex, compiled: CompiledRuleSet, category: readonly (OpCategory | undefined)[]): Candidates {
  let perCat = ix.perSet.get(compiled) as Map<object, Candidates> | undefined;
  const hit = perCat?.get(category);
  if (hit !== undefined) return hit;
  const { n, nodes } = ix;
  // one allocation: constant flags, op ids, category ids
  const ints = new Int32Array(3 * n);
  const constant = ints.subarray(0, n);
  const opId = ints.subarray(n, 2 * n);
  const catId = ints.subarray(2 * n, 3 * n);
  const elide: (readonly number[] | undefined)[] = new Array(n);
  const lists: number[][] = compiled.rules.map(() => []);
  const dups: number[][] = compiled.duplicate.map(() => []);
  for (let i = 0; i < n; i++) {
    const op = nodes[i]!.opType;
    const c = category[i];
    const o = (opId[i] = compiled.tables.ops.get(op) ?? -1);
    const k = (catId[i] = c === undefined ? -1 : compiled.tables.cats.get(c) ?? -1);
    if (c === "constant" || op === "Constant") constant[i] = 1;
    elide[i] = (o >= 0 ? compiled.elideByOp[o] : undefined) ?? (k >= 0 ? compiled.elideByCat[k] : undefined);
    const byOp = o >= 0 ? compiled.byOp[o] : undefined;
    const byCat = k >= 0 ? compiled.byCat[k] : undefined;
    if (byOp !== undefined) for (const r of byOp) lists[r]!.push(i);
    if (byCat !== undefined) for (const r of byCat) if (byOp === undefined || !byOp.includes(r)) lists[r]!.push(i);
    const dOp = o >= 0 ? compiled.dupByOp[o] : undefined;
    const dCat = k >= 0 ? compiled.dupByCat[k] : undefined;
    if (dOp !== undefined) for (const r of dOp) dups[r]!.push(i);
    if (dCat !== undefined) for (const r of dCat) if (dOp === undefined || !dOp.includes(r)) dups[r]!.push(i);
  }
  const out: Candidates = { constant, elide, rules: lists, dups, opId, catId };
  if (perCat === undefined) ix.perSet.set(compiled, (perCat = new Map()));
  perCat.set(category, out);
  return out;
}

function tensorBytes(st: State, t: string): number {
  const id = st.tid.get(t);
  return id !== undefined ? st.bytesOfId(id) : tensorBytesOf(st.tensors.get(t));
}

/** "k0", "k1", …: built once, shared by every kernel graph. */
const kernelIds: string[] = [];
function kernelId(k: number): string {
  for (let j = kernelIds.length; j <= k; j++) kernelIds.push(`k${j}`);
  return kernelIds[k]!;
}

function buildKernel(st: State, inferred: InferredGraph, d: Draft, id: string): Kernel {
  const members = d.members;
  const nm = members.length;
  const anchor = members[0]!;
  const anchorNode = st.nodes[anchor]!;
  const cls = d.cls ?? classOf(anchorNode, st.category[anchor], st);
  const { inStart, inIds, prodOf, nameOf, cnt, ix } = st;
  const names: string[] = new Array(nm);
  const opTypes: string[] = new Array(nm);
  // input / output tensor ids are gathered in the call's id buffer, then named into exact-size arrays
  const ids = st.idBuf;
  let nIn = 0;
  let nOut = 0;
  let firstOut = -1;
  let flops = 0;
  let params = 0;
  let bytesRead = 0;
  let bytesWritten = 0;
  let typeName = d.type;
  const named = typeName === undefined;
  let parts = named ? (d.labels[0] ?? anchorLabel(cls, anchorNode, st)) : "";
  let padH = 0;
  let padW = 0;
  const stamp = ++st.scratch.stamp;
  const { nodeMark, tensorMark, tensorUses } = st;
  for (let m = 0; m < nm; m++) nodeMark[members[m]!] = stamp;
  for (let m = 0; m < nm; m++) {
    const i = members[m]!;
    const node = st.nodes[i]!;
    names[m] = node.name;
    opTypes[m] = node.opType;
    if (named && m > 0) {
      const l = d.labels[m] ?? labelOf(node, st);
      if (l !== "") parts = parts === "" ? l : `${parts}-${l}`;
    }
    const cost = inferred.costs[i];
    if (cost !== undefined) {
      flops += cost.flops;
      params += cost.params;
    }
    if (i !== anchor && st.category[i] === "pad") {
      const p = padAmounts(node, st);
      if (p !== undefined) {
        padH += p.padH;
        padW += p.padW;
      }
    }
    // inputs from outside the kernel (each once); uses of tensors produced inside are counted for the outputs below
    for (let p = inStart[i]!, end = inStart[i + 1]!; p < end; p++) {
      const tid = inIds[p]!;
      if (tid < 0) continue;
      if (tensorMark[tid] !== stamp) {
        tensorMark[tid] = stamp;
        tensorUses[tid] = 0;
      }
      tensorUses[tid]!++;
      if (tensorUses[tid] !== 1) continue;
      const pr = prodOf[tid]!;
      if (pr >= 0 && nodeMark[pr] === stamp) continue;
      ids[nIn++] = tid;
      bytesRead += bytesOf(ix, tid);
    }
  }
  let duplicated: string[] | undefined;
  for (let m = 0; m < nm; m++) {
    const i = members[m]!;
    if (st.owner[i] === -3) {
      // a copy of a node other kernels also run: its output is consumed inside, it writes nothing for outside
      (duplicated ??= []).push(names[m]!);
      continue;
    }
    for (let q = ix.outStart[i]!, qEnd = ix.outStart[i + 1]!; q < qEnd; q++) {
      const tid = ix.outIds[q]!;
      if (tid < 0) continue;
      const total = cnt[tid]!;
      const inside = nm > 1 && tensorMark[tid] === stamp ? tensorUses[tid]! : 0;
      if (total > inside || (total === 0 && nm === 1) || st.isOutputId(tid)) {
        if (firstOut < 0) firstOut = tid;
        ids[nIn + nOut++] = tid;
        bytesWritten += bytesOf(ix, tid);
      }
    }
  }
  if (named) typeName = parts;
  const inputs: string[] = new Array(nIn);
  for (let k = 0; k < nIn; k++) inputs[k] = nameOf[ids[k]!]!;
  const outputs: string[] = new Array(nOut);
  for (let k = 0; k < nOut; k++) outputs[k] = nameOf[ids[nIn + k]!]!;
  const features: KernelFeatures = { flops, params, bytesRead, bytesWritten, nodes: nm };
  // A Pad merged into the kernel pads the anchor's input: its input is the kernel's, its amounts add to the anchor's.
  const firstIn = firstActivation(st, members);
  const inShape = firstIn < 0 ? undefined : ix.shapeOf[firstIn];
  const outShape = firstOut >= 0 ? ix.shapeOf[firstOut] : undefined;
  if (inShape !== undefined) features.inputShape = inShape.slice();
  if (outShape !== undefined) features.outputShape = outShape.slice();
  // the anchor's input 0, output 0 and input 1 (weight), by their own names (not alias-resolved)
  const in0 = inStart[anchor]!;
  const inEnd = inStart[anchor + 1]!;
  const out0 = ix.outStart[anchor]!;
  const xs = in0 < inEnd ? shapeOfId(ix, ix.inRaw[in0]!) : undefined;
  const ws = in0 + 1 < inEnd ? shapeOfId(ix, ix.inRaw[in0 + 1]!) : undefined;
  const ys = out0 < ix.outStart[anchor + 1]! ? shapeOfId(ix, ix.outIds[out0]!) : undefined;
  fillGeometry(features, anchorNode, cls, xs, ys, ws);
  if (padH !== 0 || padW !== 0) {
    if (inShape !== undefined && inShape.length === 4) {
      features.hIn = anchorNode.domain === "tf" ? inShape[1]! : inShape[2]!;
      features.wIn = anchorNode.domain === "tf" ? inShape[2]! : inShape[3]!;
    }
    features.padH = (features.padH ?? 0) + padH;
    features.padW = (features.padW ?? 0) + padW;
  }
  const kernel: Kernel = { id, type: typeName!, class: cls, nodes: names, opTypes, inputs, outputs, features, rule: d.rule };
  if (duplicated !== undefined) kernel.duplicated = duplicated;
  return kernel;
}

/**
 * The kernel's main data input: the first non-constant input of its first member in execution order, as an
 * alias-resolved tensor id (-1: none).
 */
function firstActivation(st: State, members: readonly number[]): number {
  let first = members[0]!;
  for (const m of members) if (m < first) first = m;
  for (let p = st.inStart[first]!, end = st.inStart[first + 1]!; p < end; p++) {
    const id = st.inIds[p]!;
    if (id >= 0 && st.ix.isConst[id] !== 1) return id;
  }
  return -1;
}

function shapeOfId(ix: GraphIndex, id: number): readonly number[] | undefined {
  return id < 0 ? undefined : ix.shapeOf[id];
}

/** Marks nodes identical to an earlier node (op, domain, attributes, alias-resolved inputs) as running no kernel. */
function eliminateCommonSubexpressions(st: State, noKernel: NoKernelNode[]): void {
  // Nodes are bucketed by a hash of their op type and alias-resolved input ids; within a bucket, the nodes with the
  // same op and inputs (in first-seen order) are compared by domain and attributes (rare), never serialized.
  const { ix } = st;
  const seen = new Map<number, number[]>();
  const opHash = new Map<string, number>();
  const resolved = (p: number): number => st.resolveId(ix.inRaw[p]!);
  const sameKey = (j: number, i: number): boolean => {
    if (st.nodes[j]!.opType !== st.nodes[i]!.opType) return false;
    const pj = ix.inStart[j]!;
    const pi = ix.inStart[i]!;
    const len = ix.inStart[i + 1]! - pi;
    if (ix.inStart[j + 1]! - pj !== len) return false;
    for (let q = 0; q < len; q++) if (resolved(pj + q) !== resolved(pi + q)) return false;
    return true;
  };
  for (let i = 0; i < st.n; i++) {
    if (st.owner[i] !== -1) continue;
    const node = st.nodes[i]!;
    const p0 = ix.inStart[i]!;
    const p1 = ix.inStart[i + 1]!;
    if (p1 === p0) continue;
    let h = opHash.get(node.opType);
    if (h === undefined) opHash.set(node.opType, (h = opHash.size + 1));
    h = Math.imul(h, 0x9e3779b1) ^ (p1 - p0);
    for (let p = p0; p < p1; p++) h = Math.imul(h ^ (resolved(p) + 2), 0x85ebca6b) ^ (h >>> 13);
    let bucket = seen.get(h);
    if (bucket === undefined) seen.set(h, (bucket = []));
    let first = -1;
    let keyed = false;
    for (const j of bucket) {
      if (!sameKey(j, i)) continue;
      keyed = true;
      if (st.nodes[j]!.domain === node.domain && sameAttrs(st.nodes[j]!.attrs, node.attrs)) {
        first = j;
        break;
      }
    }
    if (!keyed) {
      bucket.push(i);
      continue;
    }
    if (node.outputs.some((o) => st.isOutput(o))) continue;
    if (first < 0) {
      bucket.push(i);
      continue;
    }
    const orig = st.nodes[first]!;
    st.owner[i] = -2;
    noKernel.push({ node: node.name, opType: node.opType, reason: `common subexpression (same as ${orig.name})` });
    node.outputs.forEach((o, k) => {
      if (o !== "" && orig.outputs[k]) st.setAlias(o, orig.outputs[k]!);
    });
  }
}

function sameAttrs(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return false;
  return true;
}

// ---- the public entry ----------------------------------------------------------------------------------------------

export interface FuseEngineOptions extends FuseOptions {
  /** Op registry giving each node its category (default: edgelat's). */
  registry?: OpRegistry;
}

/** Applies `set` to `inferred`. Prefer `fuse` (which also resolves backend ids). */
export function fuseWith(inferred: InferredGraph, set: RuleSet, options: FuseEngineOptions = {}): KernelGraph {
  const compiled = compile(set, options.disable ?? []);
  const ix = graphIndex(inferred);
  const category = nodeCategories(ix, options.registry ?? defaultOpRegistry);
  const plan = candidates(ix, compiled, category);
  const st = new State(ix, category, plan);
  try {
    return run(st, inferred, set, compiled, plan);
  } finally {
    st.scratch.busy = false;
  }
}

function run(st: State, inferred: InferredGraph, set: RuleSet, compiled: CompiledRuleSet, plan: Candidates): KernelGraph {
  const ix = st.ix;
  const { nodes, n, owner } = st;
  const noKernel: NoKernelNode[] = [];

  // 1. nodes that launch nothing
  for (let i = 0; i < n; i++) {
    let reason: string | undefined;
    if (ix.folded[i] === 1) reason = "folded constant (precomputed)";
    else if (plan.constant[i] === 1) reason = "constant";
    else {
      const cands = plan.elide[i];
      if (cands !== undefined) {
        const node = nodes[i]!;
        for (const e of cands) {
          const el = compiled.set.elide[e]!;
          if (st.accepts(compiled.celide[e]!, i)) {
            reason = el.reason;
            const src = el.passThrough ? node.inputs.find((t) => t !== "" && !st.isConst(t)) ?? node.inputs[0] : undefined;
            if (src && node.outputs[0]) {
              st.setAlias(node.outputs[0], src);
              if (st.isOutput(node.outputs[0])) st.addOutput(st.res(src));
            }
            break;
          }
        }
      }
    }
    if (reason !== undefined) {
      owner[i] = -2;
      noKernel.push({ node: nodes[i]!.name, opType: nodes[i]!.opType, reason });
    }
  }
  if (set.cse) eliminateCommonSubexpressions(st, noKernel);
  st.countConsumers();

  const drafts: Draft[] = [];
  // 2a. nodes the runtime copies into each consumer
  for (let d = 0; d < compiled.cdup.length; d++) duplicateIntoConsumers(st, compiled.cdup[d]!, plan.dups[d]!, drafts);

  // 2b. rules, in order, each over the graph in topological order
  for (let r = 0; r < compiled.crules.length; r++) {
    const cr = compiled.crules[r]!;
    const rule = cr.rule;
    const anchorJ = rule.anchor ?? 0;
    const bucket = plan.rules[r]!;
    for (let b = 0; b < bucket.length; b++) {
      const i = bucket[b]!;
      if (owner[i] !== -1) continue;
      const bound = matchPattern(st, cr, i);
      if (bound === undefined) continue;
      const a = bound[anchorJ]!;
      let members: number[];
      let labels: (string | undefined)[];
      let firstMember = a;
      if (bound.length === 1) {
        members = [a];
        labels = [st.labelFrom(cr.ops[0]!, a)];
      } else {
        // the anchor, then the other bound nodes ascending (insertion sort: patterns are a few nodes), with labels
        members = [a];
        labels = [st.labelFrom(cr.ops[anchorJ]!, a)];
        for (let j = 0; j < bound.length; j++) {
          if (j === anchorJ) continue;
          const m = bound[j]!;
          const l = st.labelFrom(cr.ops[j]!, m);
          let at = members.length;
          members.push(m);
          labels.push(l);
          for (; at > 1 && members[at - 1]! > m; at--) {
            members[at] = members[at - 1]!;
            labels[at] = labels[at - 1];
          }
          members[at] = m;
          labels[at] = l;
        }
        if (members[1]! < a) firstMember = members[1]!;
      }
      if (cr.extend !== undefined) {
        const rootAt = members.indexOf(i);
        // extension continues from the pattern root; the root goes last so `extend` reads it as the current output
        if (rootAt !== members.length - 1) {
          members.splice(rootAt, 1);
          members.push(i);
          const l = labels.splice(rootAt, 1)[0];
          labels.push(l);
        }
        extend(st, cr.extend, members, labels, firstMember);
        if (members[0] !== a) {
          // keep the anchor first
          const at = members.indexOf(a);
          members.splice(at, 1);
          members.unshift(a);
          labels.unshift(labels.splice(at, 1)[0]);
        }
      }
      // Defensive: extension stops at claimed nodes, so members are free here.
      const slot = drafts.length;
      let last = -1;
      for (const m of members) {
        owner[m] = slot;
        if (m > last) last = m;
      }
      drafts.push({ members, labels, last, rule: rule.name, type: rule.type, cls: rule.class });
    }
  }

  // 3. every node left runs alone
  for (let i = 0; i < n; i++) {
    if (owner[i] !== -1) continue;
    owner[i] = drafts.length;
    drafts.push({ members: [i], labels: [undefined], last: i, rule: "single", type: undefined, cls: undefined });
  }

  sortByLast(st, drafts);
  let kernels: Kernel[];
  if (set.layout?.kind === "nchwc") kernels = emitNchwc(st, inferred, drafts, set.layout.blockSize, set.layout.convChannelAlign);
  else {
    kernels = new Array(drafts.length);
    for (let k = 0; k < drafts.length; k++) kernels[k] = buildKernel(st, inferred, drafts[k]!, kernelId(k));
  }
  if (st.duplicatedCount === 0) return { backend: set.id, kernels, noKernel };
  return { backend: set.id, kernels, noKernel, duplicates: duplicateNotes(st, kernels) };
}

/**
 * Orders drafts by their last member (execution order). Each draft's last member is a node it owns (a duplicated
 * node is never last: its consumer comes after it), so the keys are distinct and a bucket pass gives the order of
 * the stable sort it replaces.
 */
function sortByLast(st: State, drafts: Draft[]): void {
  const at = st.scratch.draftAt.fill(-1);
  for (let k = 0; k < drafts.length; k++) {
    const last = drafts[k]!.last;
    if (at[last] !== -1) {
      drafts.sort((x, y) => x.last - y.last); // (defensive: two drafts ending at one node)
      return;
    }
    at[last] = k;
  }
  const copy = drafts.slice();
  let k = 0;
  for (let i = 0; i < st.n; i++) if (at[i]! >= 0) drafts[k++] = copy[at[i]!]!;
}

const BLOCKED = "#nchwc";

/** Kernels with ONNX Runtime's NCHWc layout: blocked kernels read / write `<tensor>#nchwc`, reorders in between. */
function emitNchwc(st: State, inferred: InferredGraph, drafts: Draft[], block: number, convAlign: number): Kernel[] {
  const env: NchwcEnv = {
    nodes: st.nodes,
    res: (t) => st.res(t),
    isConst: (t) => st.isConst(t),
    shape: (t) => st.shape(t),
    values: (t) => st.values(t),
    producerOp: (t) => st.producerOp(t),
    constSource: (t) => st.constSource(t),
    consumerCount: (t) => st.consumerCount(t),
    lastConsumerOf: (t) => st.lastConsumerOf(t),
    isOutput: (t) => st.isOutput(t),
    ids: {
      tensorCount: st.ix.tensorCount,
      nameOf: st.nameOf,
      inStart: st.inStart,
      inIds: st.inIds,
      outStart: st.ix.outStart,
      outIds: st.ix.outIds,
      isConst: st.ix.isConst,
      isOutputId: (id) => st.isOutputId(id),
      tensorId: (t) => {
        const id = st.tid.get(st.res(t));
        return id === undefined ? -1 : id;
      },
    },
  };
  const plan = planNchwc(env, drafts, block, convAlign);
  const order = drafts.map((_, k) => k).filter((k) => !plan.merged[k]);
  order.sort((x, y) => drafts[x]!.last - drafts[y]!.last);
  const { outStart, outIds } = st.ix;
  const blockedTensor = new Uint8Array(st.ix.tensorCount);
  for (const k of order) {
    if (!plan.blocked[k]) continue;
    for (const m of drafts[k]!.members) for (let q = outStart[m]!, end = outStart[m + 1]!; q < end; q++) if (outIds[q]! >= 0) blockedTensor[outIds[q]!] = 1;
  }
  const isBlocked = (t: string): boolean => {
    const id = st.tid.get(t);
    return id !== undefined && blockedTensor[id] === 1;
  };
  const kernels: Kernel[] = [];
  const reorder = (op: "ReorderInput" | "ReorderOutput", t: string): Kernel => {
    const bytes = tensorBytes(st, t);
    const shape = st.shape(t);
    const features: KernelFeatures = { flops: 0, params: 0, bytesRead: bytes, bytesWritten: bytes, nodes: 0 };
    if (shape !== undefined) {
      features.inputShape = [...shape];
      features.outputShape = [...shape];
    }
    return {
      id: kernelId(kernels.length),
      type: "layout-reorder",
      class: "layout-reorder",
      nodes: [],
      opTypes: [op],
      inputs: [op === "ReorderInput" ? t : t + BLOCKED],
      outputs: [op === "ReorderInput" ? t + BLOCKED : t],
      features,
      rule: op === "ReorderInput" ? "nchwc-reorder-input" : "nchwc-reorder-output",
    };
  };
  const draftOf = new Int32Array(st.n).fill(-1);
  for (let k = 0; k < drafts.length; k++) for (const m of drafts[k]!.members) draftOf[m] = k;
  const absorbed = new Set<number>();
  // a Transpose NHWC → NCHW whose only consumer reads it through a ReorderInput: the ReorderInput reads NHWC itself
  const nhwcIn = new Map<string, Node>();
  for (const k of order) {
    for (const t of plan.reorderIn.get(k) ?? []) {
      const p = st.producerOf(t);
      const pk = p === undefined ? undefined : (draftOf[p]! < 0 ? undefined : draftOf[p]);
      const pn = p === undefined ? undefined : st.nodes[p]!;
      if (pn === undefined || pk === undefined || pn.opType !== "Transpose" || pn.outputs[0] !== t || !pn.inputs[0]) continue;
      if (drafts[pk]!.members.length !== 1 || plan.blocked[pk] || st.consumerCount(t) !== 1 || st.isOutput(t)) continue;
      const perm = pn.attrs.perm;
      if (!Array.isArray(perm) || perm.join(",") !== "0,3,1,2") continue;
      absorbed.add(pk);
      nhwcIn.set(t, pn);
    }
  }
  for (const k of order) {
    if (absorbed.has(k)) continue;
    const viaReorder = plan.reorderIn.get(k) ?? [];
    for (const t of viaReorder) {
      const r = reorder("ReorderInput", t);
      const tn = nhwcIn.get(t);
      if (tn !== undefined) {
        const x = st.res(tn.inputs[0]!);
        r.nodes = [tn.name];
        r.inputs = [x];
        r.features.nodes = 1;
        r.rule = "nchwc-reorder-input-nhwc";
        const shape = st.shape(x);
        if (shape !== undefined) r.features.inputShape = [...shape];
      }
      kernels.push(r);
    }
    const kern = buildKernel(st, inferred, drafts[k]!, kernelId(kernels.length));
    if (plan.blocked[k]) {
      kern.outputs = kern.outputs.map((o) => o + BLOCKED);
      kern.inputs = kern.inputs.map((t) => (isBlocked(t) || viaReorder.includes(t) ? t + BLOCKED : t));
    }
    kernels.push(kern);
    for (const t of plan.reorderOut.get(k) ?? []) {
      const r = reorder("ReorderOutput", t);
      // a Transpose to NHWC right after it is folded into the ReorderOutput (its channels_last form)
      const c = st.lastConsumerOf(t);
      const ck = c === undefined ? undefined : (draftOf[c]! < 0 ? undefined : draftOf[c]);
      const cn = c === undefined ? undefined : st.nodes[c]!;
      if (cn !== undefined && ck !== undefined && st.consumerCount(t) === 1 && !st.isOutput(t) && cn.opType === "Transpose" && drafts[ck]!.members.length === 1 && !plan.blocked[ck]) {
        const perm = cn.attrs.perm;
        if (Array.isArray(perm) && perm.join(",") === "0,2,3,1" && cn.outputs[0]) {
          absorbed.add(ck);
          r.nodes = [cn.name];
          r.outputs = [cn.outputs[0]];
          r.features.nodes = 1;
          r.rule = "nchwc-reorder-output-nhwc";
          const shape = st.shape(cn.outputs[0]);
          if (shape !== undefined) r.features.outputShape = [...shape];
        }
      }
      kernels.push(r);
    }
  }
  return kernels;
}
