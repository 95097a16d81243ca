/**
 * Rule selection: a base rule set with some of its rules (or duplications) switched off, as a device's fusion
 * measurements say. Built once (e.g. when a device profile loads) and passed to `fuse` as a `RuleSet`, so the engine
 * compiles it once and every later call hits its cache; the kernels are those of `fuse(g, base, { disable })`.
 */
import { EdgelatError } from "../../errors.js";
import type { RuleSet } from "../pattern.js";

/** Names `FuseOptions.disable` accepts for a rule set: its rules' and duplications' names, in order. */
export function selectableRuleNames(set: RuleSet): string[] {
  return [...set.rules.map((r) => r.name), ...(set.duplicate ?? []).map((d) => d.name)];
}

/**
 * The rule set `set` without the rules / duplications named in `disable` (same id: the kernels it forms are what the
 * device running `set.id` executes). An unknown name → `EdgelatError("invalid_argument")` listing the valid names.
 * No name disabled → `set` itself.
 */
export function withRulesDisabled(set: RuleSet, disable: readonly string[]): RuleSet {
  if (disable.length === 0) return set;
  const names = selectableRuleNames(set);
  for (const d of disable) {
    if (!names.includes(d)) {
      throw new EdgelatError("invalid_argument", `Cannot disable rule '${d}': ${set.id} has no such rule (rules: ${names.join(", ")})`, { rule: d, rules: names });
    }
  }
  const off = new Set(disable);
  const out: RuleSet = { ...set, source: `${set.source}; rules disabled: ${[...off].join(", ")}`, rules: set.rules.filter((r) => !off.has(r.name)) };
  if (set.duplicate !== undefined) out.duplicate = set.duplicate.filter((d) => !off.has(d.name));
  return out;
}
