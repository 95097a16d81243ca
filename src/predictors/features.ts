/**
 * Feature engineering as data. A `FeatureSpec` is a list of named terms; a fitted model stores its spec, so its JSON
 * says exactly which number each coefficient or tree split refers to.
 *
 * Term grammar:
 *   term    := [fn ":"] product
 *   fn      := "log"  (ln(1 + max(x, 0)), finite for every non-negative count, ≈ ln x for large x)
 *            | "sqrt" (√max(x, 0))
 *            | "ceil" (⌈x⌉, e.g. "ceil:cout/4" = GPU channel slices of 4)
 *   product := factor (("*" | "/") factor)*      evaluated left to right; x / 0 gives 0
 *   factor  := a field name (below) | a decimal number ("1" alone is the intercept term)
 *
 * Fields: every numeric field of `KernelFeatures` (flops, params, bytesRead, bytesWritten, cin, cout, hIn, wIn, hOut,
 * wOut, kernelH, kernelW, strideH, strideW, groups, padH, padW, nodes) and the derived fields
 *   bytes   = bytesRead + bytesWritten
 *   inElems / outElems = product of inputShape / outputShape
 *   hInPad / wInPad    = hIn + padH / wIn + padW (the padded input size)
 * A field missing from a kernel reads as 0; the term is still present, so vectors always have `spec.length` entries.
 */
import { EdgelatError, type EdgelatErrorCode } from "../errors.js";
import type { KernelFeatures } from "../fusion/types.js";

export type FeatureSpec = readonly string[];

const prod = (s: readonly number[] | undefined): number => {
  if (s === undefined) return 0;
  let p = 1;
  for (let i = 0; i < s.length; i++) p *= s[i]!;
  return p;
};

/** The field names a term may use, in the order of `readField`'s ids. */
export const FEATURE_FIELD_NAMES = [
  "flops", "params", "bytesRead", "bytesWritten", "bytes", "nodes", "cin", "cout", "hIn", "wIn", "hOut", "wOut",
  "kernelH", "kernelW", "strideH", "strideW", "groups", "padH", "padW", "hInPad", "wInPad", "inElems", "outElems",
] as const;

/** Reads field `id` (an index into FEATURE_FIELD_NAMES); missing fields read as 0. One monomorphic switch. */
function readField(f: KernelFeatures, id: number): number {
  switch (id) {
    case 0: return f.flops ?? 0;
    case 1: return f.params ?? 0;
    case 2: return f.bytesRead ?? 0;
    case 3: return f.bytesWritten ?? 0;
    case 4: return (f.bytesRead ?? 0) + (f.bytesWritten ?? 0);
    case 5: return f.nodes ?? 0;
    case 6: return f.cin ?? 0;
    case 7: return f.cout ?? 0;
    case 8: return f.hIn ?? 0;
    case 9: return f.wIn ?? 0;
    case 10: return f.hOut ?? 0;
    case 11: return f.wOut ?? 0;
    case 12: return f.kernelH ?? 0;
    case 13: return f.kernelW ?? 0;
    case 14: return f.strideH ?? 0;
    case 15: return f.strideW ?? 0;
    case 16: return f.groups ?? 0;
    case 17: return f.padH ?? 0;
    case 18: return f.padW ?? 0;
    case 19: return (f.hIn ?? 0) + (f.padH ?? 0);
    case 20: return (f.wIn ?? 0) + (f.padW ?? 0);
    case 21: return prod(f.inputShape);
    case 22: return prod(f.outputShape);
    default: return 0;
  }
}

const NUMBER = /^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;
const FN_NONE = 0, FN_LOG = 1, FN_SQRT = 2, FN_CEIL = 3;

/**
 * A parsed term: `fn` and its factors; a factor is a value slot (a field's slot in the per-call field buffer, or a
 * constant's slot after the fields) and whether it divides.
 */
interface ParsedTerm {
  fn: number;
  factors: { field?: number; constant?: number; divide: boolean }[];
}

function parseTerm(term: unknown, code: EdgelatErrorCode, field: string): ParsedTerm {
  if (typeof term !== "string" || term.length === 0) {
    throw new EdgelatError(code, `${field}: a feature term must be a non-empty string`, { field, term });
  }
  let fn = FN_NONE;
  let body = term;
  const colon = term.indexOf(":");
  if (colon >= 0) {
    const name = term.slice(0, colon);
    if (name !== "log" && name !== "sqrt" && name !== "ceil") {
      throw new EdgelatError(code, `${field}: unknown function '${name}' in feature term '${term}' (known: log, sqrt, ceil)`, { field, term });
    }
    fn = name === "log" ? FN_LOG : name === "sqrt" ? FN_SQRT : FN_CEIL;
    body = term.slice(colon + 1);
  }
  const parts = body.split(/([*/])/);
  const factors: ParsedTerm["factors"] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const name = parts[i]!.trim();
    const divide = i > 0 && parts[i - 1] === "/";
    const id = (FEATURE_FIELD_NAMES as readonly string[]).indexOf(name);
    if (NUMBER.test(name)) factors.push({ constant: Number(name), divide });
    else if (id >= 0) factors.push({ field: id, divide });
    else throw new EdgelatError(code, `${field}: unknown feature '${name}' in term '${term}'`, { field, term, known: [...FEATURE_FIELD_NAMES] });
  }
  return { fn, factors };
}

/** A compiled spec: writes the feature vector into a caller-owned buffer (no allocation per call). */
export interface CompiledFeatures {
  readonly spec: FeatureSpec;
  readonly length: number;
  /** Fills `out[offset .. offset + length)`. */
  write(f: KernelFeatures, out: Float64Array | number[], offset?: number): void;
  /** The same as `write` by the reference interpreter (`write` is straight-line code generated from the spec when allowed). */
  interpret(f: KernelFeatures, out: Float64Array | number[], offset?: number): void;
  /**
   * The same vector from a feature key (`featureKey(f, key, keyOffset)`) instead of the kernel's object: fills
   * `out[0 .. length)`. Equal to `write(f, out)` bit for bit whenever f's fields are numbers (as `fuse` makes them).
   */
  fromKey(key: ArrayLike<number>, keyOffset: number, out: Float64Array): void;
}

/**
 * Parses and compiles a spec. Unknown names throw `EdgelatError(code)` naming `field` (loaders pass
 * "invalid_predictor"; fitting code the default "invalid_argument").
 *
 * The compiled form is a program (data): each used field is read once per call into a value buffer (constants sit
 * after the fields), then every term is a flat run of (slot, divide) factors — `interpret`, one monomorphic loop.
 * `write` is the same program as straight-line code (see `straightLine`; ~1.6× faster), or `interpret` where code
 * generation is not allowed.
 */
export function compileFeatureSpec(spec: FeatureSpec, code: EdgelatErrorCode = "invalid_argument", field = "spec"): CompiledFeatures {
  if (!Array.isArray(spec)) throw new EdgelatError(code, `${field}: a feature spec must be an array of term strings`, { field });
  const terms = spec.map((t, i) => parseTerm(t, code, `${field}[${i}]`));
  const fieldIds: number[] = [];
  const constants: number[] = [];
  for (const t of terms) for (const f of t.factors) if (f.field !== undefined && !fieldIds.includes(f.field)) fieldIds.push(f.field);
  const nFields = fieldIds.length;
  // Program: per term [fn, nFactors, (slot, divide)…].
  const program: number[] = [];
  for (const t of terms) {
    program.push(t.fn, t.factors.length);
    for (const f of t.factors) {
      let slot: number;
      if (f.field !== undefined) slot = fieldIds.indexOf(f.field);
      else { slot = nFields + constants.length; constants.push(f.constant!); }
      program.push(slot, f.divide ? 1 : 0);
    }
  }
  const prog = Int32Array.from(program);
  const ids = Int32Array.from(fieldIds);
  const values = new Float64Array(nFields + constants.length);
  values.set(constants, nFields);
  const n = terms.length;
  // The program over `values` (its field slots filled by the caller), term t written to out[offset + t].
  const run = (out: Float64Array | number[], offset: number): void => {
    let pc = 0;
    for (let t = 0; t < n; t++) {
      const fn = prog[pc]!, nf = prog[pc + 1]!;
      pc += 2;
      let v = values[prog[pc]!]!;
      pc += 2;
      for (let i = 1; i < nf; i++, pc += 2) {
        const x = values[prog[pc]!]!;
        if (prog[pc + 1] === 1) v = x === 0 ? 0 : v / x;
        else v *= x;
      }
      out[offset + t] = fn === FN_NONE ? v : fn === FN_LOG ? Math.log1p(v > 0 ? v : 0) : fn === FN_SQRT ? Math.sqrt(v > 0 ? v : 0) : Math.ceil(v);
    }
  };
  const interpret = (f: KernelFeatures, out: Float64Array | number[], offset = 0): void => {
    for (let k = 0; k < nFields; k++) values[k] = readField(f, ids[k]!);
    run(out, offset);
  };
  // From a key: the same program over the key's slots (a derived field is the same sum of two key entries).
  const interpretKey = (key: ArrayLike<number>, ko: number, out: Float64Array): void => {
    for (let k = 0; k < nFields; k++) values[k] = fieldFromKey(key, ko, ids[k]!);
    run(out, 0);
  };
  return {
    spec: [...spec],
    length: n,
    write: (straightLine(terms, fieldIds, constants, objectSource, "f, out, offset = 0", "offset + ") as CompiledFeatures["write"] | undefined) ?? interpret,
    interpret,
    fromKey: (straightLine(terms, fieldIds, constants, keySource, "k, ko, out", "") as CompiledFeatures["fromKey"] | undefined) ?? interpretKey,
  };
}

/** The derived fields (`readField`'s sums of two fields): bytes = bytesRead + bytesWritten, hInPad, wInPad. */
const DERIVED: Readonly<Record<number, readonly [number, number]>> = { 4: [2, 3], 19: [8, 17], 20: [9, 18] };

/** Source of field `id` read from the kernel object named `v` (exactly `readField`'s expression for that id). */
function objectSource(id: number, v = "f"): string {
  const d = DERIVED[id];
  if (d !== undefined) return `(${objectSource(d[0], v)} + ${objectSource(d[1], v)})`;
  if (id === 21) return `prod(${v}.inputShape)`;
  if (id === 22) return `prod(${v}.outputShape)`;
  return `(${v}.${FEATURE_FIELD_NAMES[id]!} ?? 0)`;
}

/** Field `id` from a feature key at offset `ko`: a key entry, or the sum of two for a derived field. */
function fieldFromKey(k: ArrayLike<number>, ko: number, id: number): number {
  const d = DERIVED[id];
  return d === undefined ? k[ko + KEY_SLOT[id]!]! : k[ko + KEY_SLOT[d[0]]!]! + k[ko + KEY_SLOT[d[1]]!]!;
}

/** Source of field `id` read from a feature key `k` at offset `ko` (`fieldFromKey` as an expression). */
function keySource(id: number): string {
  const at = (field: number) => `k[ko + ${KEY_SLOT[field]!}]`;
  const d = DERIVED[id];
  return d === undefined ? at(id) : `(${at(d[0])} + ${at(d[1])})`;
}

/**
 * The spec as one straight-line function (no interpreter loop, no field switch at run time): each used field is read
 * once into a local by `source(id)` (`readField`'s expression for that id as a property read, or the key entry), then
 * each term is written with exactly the interpreter's operations in its order — same values bit for bit. The generated
 * source contains only field ids, slot numbers and constants that round-trip exactly (`String` of a double is its
 * shortest exact form). Returns undefined where code generation is not allowed (a Content-Security-Policy without
 * 'unsafe-eval'); the caller then uses the interpreter.
 */
function straightLine(
  terms: readonly ParsedTerm[],
  fieldIds: readonly number[],
  constants: readonly number[],
  source: (id: number) => string,
  params: string,
  at: string,
): ((...args: never[]) => void) | undefined {
  // `+` is ToNumber, as the interpreter's Float64Array store does (a malformed non-number field converts alike).
  const lines = fieldIds.map((id, k) => `const v${k} = +${source(id)};`);
  let c = 0;
  terms.forEach((t, i) => {
    const operand = (fa: ParsedTerm["factors"][number]): string => {
      if (fa.field !== undefined) return `v${fieldIds.indexOf(fa.field)}`;
      return `(${String(constants[c++]!)})`;
    };
    lines.push(`let t${i} = ${operand(t.factors[0]!)};`);
    for (let j = 1; j < t.factors.length; j++) {
      const fa = t.factors[j]!;
      lines.push(fa.divide ? `{ const d = ${operand(fa)}; t${i} = d === 0 ? 0 : t${i} / d; }` : `t${i} *= ${operand(fa)};`);
    }
    const v = `t${i}`;
    const value = t.fn === FN_NONE ? v : t.fn === FN_LOG ? `Math.log1p(${v} > 0 ? ${v} : 0)` : t.fn === FN_SQRT ? `Math.sqrt(${v} > 0 ? ${v} : 0)` : `Math.ceil(${v})`;
    lines.push(`out[${at}${i}] = ${value};`);
  });
  try {
    const make = new Function("prod", `"use strict"; return function write(${params}) {\n${lines.join("\n")}\n};`) as (p: typeof prod) => (...args: never[]) => void;
    return make(prod);
  } catch {
    return undefined;
  }
}

/** Field ids that determine every term (derived fields are functions of these); see `featureKey`. */
const KEY_FIELDS = Int32Array.from([0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 21, 22]);
/** Length of the vector `featureKey` writes. */
export const FEATURE_KEY_LENGTH = KEY_FIELDS.length;
/** Slot of each field in a feature key (-1 for the derived fields). */
const KEY_SLOT: readonly number[] = FEATURE_FIELD_NAMES.map((_, id) => KEY_FIELDS.indexOf(id));

/**
 * Writes every number a feature term can depend on (the scalar fields, and the element counts of inputShape /
 * outputShape) into `out`: two kernels with equal keys get equal feature vectors under every spec.
 */
export function featureKey(f: KernelFeatures, out: Float64Array | number[], offset = 0): void {
  (keyWriter ??= keyStraight() ?? keyLoop)(f, out, offset);
}

type KeyWriter = (f: KernelFeatures, out: Float64Array | number[], offset: number) => void;

function keyLoop(f: KernelFeatures, out: Float64Array | number[], offset: number): void {
  for (let k = 0; k < KEY_FIELDS.length; k++) out[offset + k] = readField(f, KEY_FIELDS[k]!);
}

/** `keyLoop` as straight-line property reads (`objectSource`); undefined where codegen is not allowed. */
function keyStraight(): KeyWriter | undefined {
  const lines = Array.from(KEY_FIELDS, (id, k) => `out[offset + ${k}] = ${objectSource(id)};`);
  try {
    return (new Function("prod", `"use strict"; return function key(f, out, offset) {\n${lines.join("\n")}\n};`) as (p: typeof prod) => KeyWriter)(prod);
  } catch {
    return undefined;
  }
}

let keyWriter: KeyWriter | undefined;

type SameKey = (a: KernelFeatures, b: KernelFeatures) => boolean;

function sameKeyLoop(a: KernelFeatures, b: KernelFeatures): boolean {
  for (let k = 0; k < KEY_FIELDS.length; k++) if (!Object.is(readField(a, KEY_FIELDS[k]!), readField(b, KEY_FIELDS[k]!))) return false;
  return true;
}

/** `sameKeyLoop` as straight-line code (each `readField` with a constant id); undefined where codegen is not allowed. */
function sameKeyStraight(): SameKey | undefined {
  const terms = Array.from(KEY_FIELDS, (id) => `Object.is(${objectSource(id, "a")}, ${objectSource(id, "b")})`);
  try {
    return (new Function("prod", `"use strict"; return function same(a, b) { return ${terms.join(" && ")}; };`) as (p: typeof prod) => SameKey)(prod);
  } catch {
    return undefined;
  }
}

let sameKey: SameKey | undefined;

/** Do two kernels have equal feature keys (Object.is on every entry of `featureKey`, without writing the keys)? */
export function sameFeatureKey(a: KernelFeatures, b: KernelFeatures): boolean {
  return (sameKey ??= sameKeyStraight() ?? sameKeyLoop)(a, b);
}

/** The feature vector of one kernel under `spec` (allocates; use `compileFeatureSpec` in hot loops). */
export function featureVector(f: KernelFeatures, spec: FeatureSpec): number[] {
  const c = compileFeatureSpec(spec);
  const out = new Array<number>(c.length);
  c.write(f, out);
  return out;
}

/** Features for tree models: monotone transforms do not matter to trees, so raw geometry plus log-scale sizes. */
export const DEFAULT_TREE_SPEC: FeatureSpec = [
  "log:flops", "log:bytes", "log:params", "cin", "cout", "hIn", "hOut", "kernelH", "strideH", "groups", "nodes",
  "log:flops/bytes",
];

/** Features for linear models fitted on raw latency: work terms plus an intercept (launch cost). */
export const DEFAULT_LINEAR_SPEC: FeatureSpec = ["flops", "bytes", "hOut*wOut*cout", "1"];

/** Features for linear models fitted in log space: latency ≈ e^b · flops^a · bytes^c · … */
export const DEFAULT_LOG_LINEAR_SPEC: FeatureSpec = ["log:flops", "log:bytes", "log:params", "log:hOut*wOut*cout", "1"];

/**
 * A linear stage for `gbt` on ln(latency) (option `linearSpec`): power-law scaling in work and data sizes and
 * geometry, leaving the trees to model the residual.
 */
export const DEFAULT_GBT_LINEAR_SPEC: FeatureSpec = [
  "log:flops", "log:hIn*wIn*cin", "log:hOut*wOut*cout", "log:params", "log:cin", "log:cout", "log:hOut", "kernelH", "strideH", "1",
];
