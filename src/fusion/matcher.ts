/**
 * `OpMatcher`s compiled against the op types and categories one rule set mentions, so matching a node is two array
 * reads instead of searching string lists. Each node of a graph gets a local op id and category id once per (graph,
 * rule set) — -1 when the rule set never names it — and a compiled matcher holds a 0/1 table per id.
 *
 * Semantics are those of `OpMatcher` (see pattern.ts): a leaf accepts a node whose op type or category it lists and
 * whose `where` holds; `any` accepts when an alternative does, and labels come from the first accepting alternative.
 * An `any` without a label anywhere inside is folded into one table (its `where`-free leaves) plus its leaves with a
 * `where`, tried in order — the same answer, since conditions are pure.
 */
import type { OpCategory } from "../ops/types.js";
import type { OpMatcher } from "./pattern.js";

/** Dense ids for the op types / categories a rule set names. */
export interface MatcherTables {
  readonly ops: Map<string, number>;
  readonly cats: Map<OpCategory, number>;
}

/** A leaf (tables + `where`), a folded label-free `any` (tables, then `alts`), or an `any` with labels (`alts` in order). */
export const LEAF = 0, FOLDED = 1, ORDERED = 2;

export interface CompiledMatcher {
  readonly kind: typeof LEAF | typeof FOLDED | typeof ORDERED;
  /** Per local op id / category id: 1 when this matcher (before its `where`) takes it. */
  readonly ops: Uint8Array;
  readonly cats: Uint8Array;
  readonly where: OpMatcher["where"];
  /** The label `labelFrom` of an enclosing `any` reads (the source matcher's own label). */
  readonly label: string | undefined;
  /** Alternatives: tried after the tables miss (FOLDED), or alone in order (ORDERED). */
  readonly alts: readonly CompiledMatcher[] | undefined;
}

/** Adds every op type and category `m` mentions to the tables. */
export function collectNames(m: OpMatcher, t: MatcherTables): void {
  for (const o of m.ops ?? []) if (!t.ops.has(o)) t.ops.set(o, t.ops.size);
  for (const c of m.categories ?? []) if (!t.cats.has(c)) t.cats.set(c, t.cats.size);
  for (const a of m.any ?? []) collectNames(a, t);
}

function hasLabel(m: OpMatcher): boolean {
  return m.label !== undefined || (m.any !== undefined && m.any.some(hasLabel));
}

/** Compiles `m` (every name it uses must be in the tables: see `collectNames`). */
export function compileMatcher(m: OpMatcher, t: MatcherTables): CompiledMatcher {
  const ops = new Uint8Array(t.ops.size);
  const cats = new Uint8Array(t.cats.size);
  if (m.any === undefined) {
    for (const o of m.ops ?? []) ops[t.ops.get(o)!] = 1;
    for (const c of m.categories ?? []) cats[t.cats.get(c)!] = 1;
    return { kind: LEAF, ops, cats, where: m.where, label: m.label, alts: undefined };
  }
  if (m.any.some(hasLabel)) {
    return { kind: ORDERED, ops, cats, where: undefined, label: m.label, alts: m.any.map((a) => compileMatcher(a, t)) };
  }
  // No labels inside: fold where-free leaves into the tables, keep the leaves with a condition as alternatives.
  const alts: CompiledMatcher[] = [];
  const fold = (a: CompiledMatcher): void => {
    if (a.where !== undefined) {
      alts.push(a);
      return;
    }
    for (let k = 0; k < ops.length; k++) ops[k] |= a.ops[k]!;
    for (let k = 0; k < cats.length; k++) cats[k] |= a.cats[k]!;
    for (const b of a.alts ?? []) alts.push(b);
  };
  for (const a of m.any) fold(compileMatcher(a, t));
  return { kind: FOLDED, ops, cats, where: undefined, label: m.label, alts: alts.length > 0 ? alts : undefined };
}
