/**
 * Feature engineering as data. A `FeatureSpec` is a list of named terms; a fitted model stores its spec, so its JSON
 * says exactly which number each coefficient or tree split refers to.
 *
 * Term grammar:
 *   term    := [fn ":"] product
 *   fn      := "log"  (ln(1 + max(x, 0)), finite for every non-negative count, ≈ ln x for large x)
 *            | "sqrt" (√max(x, 0))
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

type Getter = (f: KernelFeatures) => number;

const prod = (s: readonly number[] | undefined): number => {
  if (s === undefined) return 0;
  let p = 1;
  for (let i = 0; i < s.length; i++) p *= s[i]!;
  return p;
};

/** Field name → reader. Data, so the set of names is visible and testable. */
export const FEATURE_FIELDS: Readonly<Record<string, Getter>> = {
  flops: (f) => f.flops ?? 0,
  params: (f) => f.params ?? 0,
  bytesRead: (f) => f.bytesRead ?? 0,
  bytesWritten: (f) => f.bytesWritten ?? 0,
  bytes: (f) => (f.bytesRead ?? 0) + (f.bytesWritten ?? 0),
  nodes: (f) => f.nodes ?? 0,
  cin: (f) => f.cin ?? 0,
  cout: (f) => f.cout ?? 0,
  hIn: (f) => f.hIn ?? 0,
  wIn: (f) => f.wIn ?? 0,
  hOut: (f) => f.hOut ?? 0,
  wOut: (f) => f.wOut ?? 0,
  kernelH: (f) => f.kernelH ?? 0,
  kernelW: (f) => f.kernelW ?? 0,
  strideH: (f) => f.strideH ?? 0,
  strideW: (f) => f.strideW ?? 0,
  groups: (f) => f.groups ?? 0,
  padH: (f) => f.padH ?? 0,
  padW: (f) => f.padW ?? 0,
  hInPad: (f) => (f.hIn ?? 0) + (f.padH ?? 0),
  wInPad: (f) => (f.wIn ?? 0) + (f.padW ?? 0),
  inElems: (f) => prod(f.inputShape),
  outElems: (f) => prod(f.outputShape),
};

const NUMBER = /^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;

function compileTerm(term: string, code: EdgelatErrorCode, field: string): Getter {
  if (typeof term !== "string" || term.length === 0) {
    throw new EdgelatError(code, `${field}: a feature term must be a non-empty string`, { field, term });
  }
  let fn: "log" | "sqrt" | undefined;
  let body = term;
  const colon = term.indexOf(":");
  if (colon >= 0) {
    const name = term.slice(0, colon);
    if (name !== "log" && name !== "sqrt") {
      throw new EdgelatError(code, `${field}: unknown function '${name}' in feature term '${term}' (known: log, sqrt)`, { field, term });
    }
    fn = name;
    body = term.slice(colon + 1);
  }
  const parts = body.split(/([*/])/);
  const factors: Getter[] = [];
  const divide: boolean[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const name = parts[i]!.trim();
    const op = i === 0 ? "*" : parts[i - 1];
    let g: Getter | undefined;
    if (NUMBER.test(name)) {
      const c = Number(name);
      g = () => c;
    } else if (Object.prototype.hasOwnProperty.call(FEATURE_FIELDS, name)) {
      g = FEATURE_FIELDS[name];
    }
    if (g === undefined) {
      throw new EdgelatError(code, `${field}: unknown feature '${name}' in term '${term}'`, { field, term, known: Object.keys(FEATURE_FIELDS) });
    }
    factors.push(g);
    divide.push(op === "/");
  }
  const product: Getter =
    factors.length === 1
      ? factors[0]!
      : (f) => {
          let v = factors[0]!(f);
          for (let i = 1; i < factors.length; i++) {
            const x = factors[i]!(f);
            if (divide[i]) v = x === 0 ? 0 : v / x;
            else v *= x;
          }
          return v;
        };
  if (fn === "log") return (f) => Math.log1p(Math.max(product(f), 0));
  if (fn === "sqrt") return (f) => Math.sqrt(Math.max(product(f), 0));
  return product;
}

/** A compiled spec: writes the feature vector into a caller-owned buffer (no allocation per call). */
export interface CompiledFeatures {
  readonly spec: FeatureSpec;
  readonly length: number;
  /** Fills `out[offset .. offset + length)`. */
  write(f: KernelFeatures, out: Float64Array | number[], offset?: number): void;
}

/**
 * Parses and compiles a spec. Unknown names throw `EdgelatError(code)` naming `field` (loaders pass
 * "invalid_predictor"; fitting code the default "invalid_argument").
 */
export function compileFeatureSpec(spec: FeatureSpec, code: EdgelatErrorCode = "invalid_argument", field = "spec"): CompiledFeatures {
  if (!Array.isArray(spec)) throw new EdgelatError(code, `${field}: a feature spec must be an array of term strings`, { field });
  const getters = spec.map((t, i) => compileTerm(t, code, `${field}[${i}]`));
  const n = getters.length;
  return {
    spec: [...spec],
    length: n,
    write(f, out, offset = 0) {
      for (let i = 0; i < n; i++) out[offset + i] = getters[i]!(f);
    },
  };
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
