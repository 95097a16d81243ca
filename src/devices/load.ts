/**
 * `loadDevice(json)`: checks every field of a device profile and instantiates its predictors. Any problem throws
 * `EdgelatError("invalid_device")` whose `details.field` is the path of the offending field (e.g.
 * `predictors.conv.kind`, `overhead.coef.kernels`, `identity.precision`, `fusion.disable[0]`). A `fusion` field that
 * disables rules gives the device a `ruleSet` (the base set without them), resolved here once.
 */
import { EdgelatError, isEdgelatError } from "../errors.js";
import { getRuleSet } from "../fusion/backends/index.js";
import { selectableRuleNames, withRulesDisabled } from "../fusion/backends/select.js";
import type { RuleSet } from "../fusion/pattern.js";
import type { KernelClass } from "../fusion/types.js";
import { predictorFromJSON } from "../predictors/json.js";
import type { Predictor, PredictorJSON } from "../predictors/types.js";
import {
  DEVICE_SCHEMA,
  FUSION_SOURCES,
  OVERHEAD_TERMS,
  ROUTE_FIELDS,
  type Device,
  type DeviceProfileJSON,
  type LoadedRoute,
  type OverheadModelJSON,
  type PredictorRouteJSON,
} from "./types.js";

/** Every KernelClass, at run time (checked against the type union below). */
export const KERNEL_CLASSES = [
  "conv", "gconv", "dwconv", "convtranspose", "fc", "matmul", "pool", "global-pool", "concat", "elementwise", "norm",
  "softmax", "reduce", "resize", "pad", "data-movement", "layout-reorder", "other",
] as const satisfies readonly KernelClass[];
// Compile-time exhaustiveness: fails to type-check if KernelClass gains a member not listed above.
const _exhaustive: Record<KernelClass, true> = Object.fromEntries(KERNEL_CLASSES.map((c) => [c, true])) as Record<(typeof KERNEL_CLASSES)[number], true>;
void _exhaustive;

type Obj = Record<string, unknown>;

function fail(field: string, message: string, extra: Record<string, unknown> = {}): never {
  throw new EdgelatError("invalid_device", `invalid device profile at '${field}': ${message}`, { field, ...extra });
}

function path(base: string, key: string | number): string {
  return typeof key === "number" ? `${base}[${key}]` : base === "" ? key : `${base}.${key}`;
}

function obj(v: unknown, field: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(field || "$", "expected an object");
  return v as Obj;
}

function str(o: Obj, key: string, base: string, opts: { optional?: boolean; allowed?: readonly string[]; pattern?: RegExp } = {}): string | undefined {
  const field = path(base, key);
  const v = o[key];
  if (v === undefined && opts.optional) return undefined;
  if (typeof v !== "string" || v.length === 0) fail(field, "expected a non-empty string");
  if (opts.allowed && !opts.allowed.includes(v)) fail(field, `expected one of ${opts.allowed.join(", ")}, got '${v}'`);
  if (opts.pattern && !opts.pattern.test(v)) fail(field, `'${v}' does not match ${opts.pattern}`);
  return v;
}

function num(o: Obj, key: string, base: string, opts: { optional?: boolean; min?: number; int?: boolean } = {}): number | undefined {
  const field = path(base, key);
  const v = o[key];
  if (v === undefined && opts.optional) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) fail(field, `expected a finite number, got ${JSON.stringify(v) ?? String(v)}`);
  if (opts.int && !Number.isInteger(v)) fail(field, `expected an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) fail(field, `must be ≥ ${opts.min}, got ${v}`);
  return v;
}

function strArray(o: Obj, key: string, base: string): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) fail(path(base, key), "expected an array of strings");
  return v as string[];
}

/** Instantiates a predictor, re-labelling its validation errors as `invalid_device` at `field`. */
function loadPredictor(json: unknown, field: string): Predictor {
  obj(json, field);
  try {
    return predictorFromJSON(json);
  } catch (e) {
    if (isEdgelatError(e)) {
      const inner = typeof e.details.field === "string" && e.details.field !== "$" ? e.details.field : "";
      const full = inner === "" ? field : `${field}.${inner}`;
      fail(full, e.message, { cause: e.code });
    }
    throw e;
  }
}

function routeName(cls: string, label: string, p: Predictor): string {
  return label === "" ? `${cls}:${p.kind}` : `${cls}/${label}:${p.kind}`;
}

function loadRoutes(v: unknown, field: string, cls: string): LoadedRoute[] {
  if (!Array.isArray(v)) {
    const predictor = loadPredictor(v, field);
    return [{ min: -Infinity, max: Infinity, label: "", predictor, name: routeName(cls, "", predictor) }];
  }
  if (v.length === 0) fail(field, "a route list needs at least one route");
  return v.map((r, i) => {
    const rf = path(field, i);
    const route = obj(r, rf) as unknown as PredictorRouteJSON & Obj;
    const label = str(route, "label", rf, { optional: true }) ?? "";
    const predictor = loadPredictor(route.predictor, path(rf, "predictor"));
    if (route.when === undefined) {
      if (i !== v.length - 1) fail(path(rf, "when"), "only the last route may omit 'when'");
      return { min: -Infinity, max: Infinity, label, predictor, name: routeName(cls, label, predictor) };
    }
    if (i === v.length - 1) fail(path(rf, "when"), "the last route must have no 'when' (it catches every kernel)");
    const wf = path(rf, "when");
    const w = obj(route.when, wf);
    const fieldName = str(w, "field", wf, { allowed: ROUTE_FIELDS }) as LoadedRoute["field"];
    const min = num(w, "min", wf, { optional: true }) ?? -Infinity;
    const max = num(w, "max", wf, { optional: true }) ?? Infinity;
    if (min === -Infinity && max === Infinity) fail(wf, "needs 'min' or 'max'");
    if (min > max) fail(wf, `min ${min} > max ${max}`);
    return { field: fieldName, min, max, label, predictor, name: routeName(cls, label, predictor) };
  });
}

function checkOverhead(v: unknown): OverheadModelJSON {
  const o = obj(v, "overhead");
  const c = obj(o.coef, "overhead.coef");
  const coef: OverheadModelJSON["coef"] = {};
  for (const k of Object.keys(c)) {
    if (!(OVERHEAD_TERMS as readonly string[]).includes(k)) fail(`overhead.coef.${k}`, `unknown term (known: ${OVERHEAD_TERMS.join(", ")})`);
    coef[k as keyof OverheadModelJSON["coef"]] = num(c, k, "overhead.coef");
  }
  if (coef.sumKernelMs === undefined) fail("overhead.coef.sumKernelMs", "is required (use 1 for a plain sum)");
  if (!(coef.sumKernelMs > 0)) fail("overhead.coef.sumKernelMs", `must be > 0, got ${coef.sumKernelMs}`);
  // streaming cold weights cannot save time
  if (coef.weightMParams !== undefined && !(coef.weightMParams >= 0)) fail("overhead.coef.weightMParams", `must be ≥ 0, got ${coef.weightMParams}`);
  const relStd = num(o, "relStd", "overhead", { min: 0 })!;
  const absorbs = strArray(o, "absorbs", "overhead");
  absorbs?.forEach((a, i) => {
    if (!(KERNEL_CLASSES as readonly string[]).includes(a)) fail(`overhead.absorbs[${i}]`, `unknown kernel class '${a}'`);
  });
  const out: OverheadModelJSON = { coef, relStd };
  if (absorbs !== undefined) out.absorbs = absorbs as KernelClass[];
  return out;
}

function checkProvenance(v: unknown): void {
  const p = obj(v, "provenance");
  str(p, "dataset", "provenance");
  str(p, "datasetCommit", "provenance", { optional: true });
  str(p, "method", "provenance");
  const s = obj(p.samples, "provenance.samples");
  num(s, "kernels", "provenance.samples", { optional: true, min: 0, int: true });
  num(s, "models", "provenance.samples", { min: 0, int: true });
  str(p, "split", "provenance", { optional: true });
  num(p, "seed", "provenance", { optional: true, int: true });
  str(p, "trainedBy", "provenance", { optional: true });
  strArray(p, "notes", "provenance");
  if (p.validation !== undefined) {
    const val = obj(p.validation, "provenance.validation");
    str(val, "protocol", "provenance.validation");
    for (const k of ["within10", "mape", "spearman"]) num(val, k, "provenance.validation");
    num(val, "within5", "provenance.validation", { optional: true });
  }
}

const DECISIONS = ["fused", "separate"] as const;

/** One fusion test case's evidence; its final decision must follow from the source it names. */
function checkFusionCase(v: unknown, field: string, names: readonly string[]): void {
  const c = obj(v, field);
  str(c, "name", field);
  const rules = c.rules;
  if (!Array.isArray(rules) || rules.some((r) => typeof r !== "string")) fail(path(field, "rules"), "expected an array of rule names");
  (rules as string[]).forEach((r, i) => {
    if (!names.includes(r)) fail(path(path(field, "rules"), i), `unknown rule '${r}' (the base rule set has: ${names.join(", ")})`, { rule: r });
  });
  const base = str(c, "base", field, { allowed: DECISIONS });
  let timing: string | undefined;
  if (c.timing !== undefined) {
    const tf = path(field, "timing");
    const t = obj(c.timing, tf);
    for (const k of ["aUs", "bUs", "abUs", "savedUs", "thresholdUs"]) num(t, k, tf);
    num(t, "savedSeUs", tf, { optional: true, min: 0 });
    timing = str(t, "decision", tf, { allowed: [...DECISIONS, "inconclusive"] });
  }
  let runtime: string | undefined;
  if (c.runtime !== undefined) {
    const rf = path(field, "runtime");
    const r = obj(c.runtime, rf);
    str(r, "kind", rf);
    const apart = num(r, "apart", rf, { min: 0, int: true })!;
    const combined = num(r, "combined", rf, { min: 0, int: true })!;
    runtime = str(r, "decision", rf, { allowed: DECISIONS });
    if ((runtime === "fused") !== combined < apart) fail(path(rf, "decision"), `'${runtime}' contradicts ${combined} executed for a∘b vs ${apart} apart`);
  }
  const decision = str(c, "decision", field, { allowed: DECISIONS });
  const source = str(c, "source", field, { allowed: FUSION_SOURCES });
  const expected = source === "runtime" ? runtime : source === "timing" ? timing : base;
  if (source === "runtime" && runtime === undefined) fail(path(field, "source"), "is 'runtime' but the case has no runtime evidence");
  if (source !== "runtime" && runtime !== undefined) fail(path(field, "source"), `is '${source}' but runtime evidence exists (it is authoritative)`);
  if (source === "timing" && (timing === undefined || timing === "inconclusive")) fail(path(field, "source"), `is 'timing' but the timing test was ${timing ?? "not run"}`);
  if (decision !== expected) fail(path(field, "decision"), `'${decision}' differs from its source's (${source}) decision '${expected}'`);
}

/**
 * The optional `fusion` field: the base rule set it refines (= `backend`), the rules disabled (each a rule of the base
 * set, no repeats) and the evidence per case. Returns the refined rule set, or undefined when nothing is disabled.
 */
function checkFusion(v: unknown, backend: string): RuleSet | undefined {
  const f = obj(v, "fusion");
  const baseId = str(f, "base", "fusion")!;
  if (baseId !== backend) fail("fusion.base", `'${baseId}' must be the profile's backend '${backend}'`);
  let base: RuleSet;
  try {
    base = getRuleSet(baseId);
  } catch (e) {
    if (isEdgelatError(e)) fail("fusion.base", e.message, { cause: e.code });
    throw e;
  }
  const names = selectableRuleNames(base);
  const disable = f.disable;
  if (!Array.isArray(disable) || disable.some((d) => typeof d !== "string")) fail("fusion.disable", "expected an array of rule names");
  (disable as string[]).forEach((d, i) => {
    if (!names.includes(d)) fail(`fusion.disable[${i}]`, `unknown rule '${d}' (${baseId} has: ${names.join(", ")})`, { rule: d });
    if ((disable as string[]).indexOf(d) !== i) fail(`fusion.disable[${i}]`, `rule '${d}' listed twice`, { rule: d });
  });
  num(f, "alpha", "fusion", { min: 0 });
  num(f, "z", "fusion", { optional: true, min: 0 });
  str(f, "method", "fusion", { optional: true });
  if (!Array.isArray(f.cases)) fail("fusion.cases", "expected an array of test cases");
  (f.cases as unknown[]).forEach((c, i) => checkFusionCase(c, `fusion.cases[${i}]`, names));
  return disable.length === 0 ? undefined : withRulesDisabled(base, disable as string[]);
}

/** Validates a device profile (parsed JSON) and instantiates its predictors. */
export function loadDevice(json: unknown): Device {
  const o = obj(json, "$");
  if (o.schema !== DEVICE_SCHEMA) fail("schema", `expected '${DEVICE_SCHEMA}', got ${JSON.stringify(o.schema) ?? "nothing"}`);
  const id = str(o, "id", "", { pattern: /^[a-z0-9][a-z0-9-]*$/ })!;
  const name = str(o, "name", "")!;
  const idn = obj(o.identity, "identity");
  str(idn, "device", "identity");
  str(idn, "soc", "identity");
  const processor = str(idn, "processor", "identity", { allowed: ["gpu", "cpu", "npu", "dsp"] });
  str(idn, "processorName", "identity");
  str(idn, "coreSet", "identity", { optional: true });
  const threads = num(idn, "threads", "identity", { optional: true, min: 1, int: true });
  if (processor === "cpu" && threads === undefined) fail("identity.threads", "is required for a CPU device");
  str(idn, "precision", "identity", { allowed: ["fp32", "fp16", "int8"] });
  str(idn, "runtime", "identity");
  str(idn, "runtimeVersion", "identity");
  const backend = str(o, "backend", "", { pattern: /^[a-z0-9][a-z0-9.+-]*@[A-Za-z0-9._/+-]+$/ })!;

  const preds = obj(o.predictors, "predictors");
  const routes = new Map<KernelClass, LoadedRoute[]>();
  for (const cls of Object.keys(preds)) {
    if (!(KERNEL_CLASSES as readonly string[]).includes(cls)) fail(`predictors.${cls}`, `unknown kernel class (known: ${KERNEL_CLASSES.join(", ")})`);
    routes.set(cls as KernelClass, loadRoutes(preds[cls], `predictors.${cls}`, cls));
  }
  if (routes.size === 0) fail("predictors", "needs at least one kernel class");
  const typeOverrides = new Map<string, Predictor>();
  if (o.typeOverrides !== undefined) {
    const t = obj(o.typeOverrides, "typeOverrides");
    for (const k of Object.keys(t)) typeOverrides.set(k, loadPredictor(t[k], `typeOverrides.${k}`));
  }
  const overhead = checkOverhead(o.overhead);
  checkProvenance(o.provenance);
  const ruleSet = o.fusion === undefined ? undefined : checkFusion(o.fusion, backend);
  const profile = o as unknown as DeviceProfileJSON;
  const device: Device = { id, name, identity: profile.identity, backend, json: profile, routes, typeOverrides, overhead };
  return ruleSet === undefined ? device : { ...device, ruleSet };
}

/** The JSON of a predictor route list or single predictor, for tools that inspect profiles. */
export function routePredictors(entry: PredictorJSON | PredictorRouteJSON[]): PredictorJSON[] {
  return Array.isArray(entry) ? entry.map((r) => r.predictor) : [entry];
}
