/**
 * Declarative fit options: each predictor kind publishes a schema (type, default, range, doc); `resolveOptions`
 * validates user options against it and fills defaults. The schemas are the single source of defaults.
 */
import { EdgelatError } from "../errors.js";
import { compileFeatureSpec } from "./features.js";

export type OptionSpec =
  | { type: "number"; default: number; min?: number; max?: number; doc: string }
  | { type: "int"; default: number; min?: number; max?: number; doc: string }
  | { type: "boolean"; default: boolean; doc: string }
  | { type: "enum"; values: readonly string[]; default: string; doc: string }
  /** A FeatureSpec (list of feature terms), checked by compiling it. */
  | { type: "spec"; default: readonly string[]; doc: string }
  /** A list of KernelFeatures field names. */
  | { type: "strings"; default: readonly string[]; doc: string };

export type OptionSchema = Record<string, OptionSpec>;

export type ResolvedOptions<S extends OptionSchema> = {
  -readonly [K in keyof S]: S[K] extends { type: "number" | "int" }
    ? number
    : S[K] extends { type: "boolean" }
      ? boolean
      : S[K] extends { type: "enum"; values: readonly (infer V)[] }
        ? V
        : readonly string[];
};

/** Validates `options` (undefined = all defaults) against `schema`; errors are `invalid_argument` naming the option. */
export function resolveOptions<S extends OptionSchema>(schema: S, options: unknown, who: string): ResolvedOptions<S> {
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
    throw new EdgelatError("invalid_argument", `${who}: options must be an object`);
  }
  const given = (options ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(schema, key)) {
      throw new EdgelatError("invalid_argument", `${who}: unknown option '${key}' (known: ${Object.keys(schema).join(", ")})`, { option: key });
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) {
    const v = given[key];
    if (v === undefined) {
      out[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
      continue;
    }
    const bad = (why: string): never => {
      throw new EdgelatError("invalid_argument", `${who}: option '${key}' ${why}`, { option: key, value: v });
    };
    switch (spec.type) {
      case "number":
      case "int":
        if (typeof v !== "number" || !Number.isFinite(v)) bad("must be a finite number");
        if (spec.type === "int" && !Number.isInteger(v)) bad("must be an integer");
        if (spec.min !== undefined && (v as number) < spec.min) bad(`must be ≥ ${spec.min}`);
        if (spec.max !== undefined && (v as number) > spec.max) bad(`must be ≤ ${spec.max}`);
        break;
      case "boolean":
        if (typeof v !== "boolean") bad("must be a boolean");
        break;
      case "enum":
        if (typeof v !== "string" || !spec.values.includes(v)) bad(`must be one of ${spec.values.join(", ")}`);
        break;
      case "spec":
        // An empty spec is allowed only where the default is empty (it means "none" / "automatic" there).
        if (!Array.isArray(v) || (v.length === 0 && spec.default.length > 0)) bad("must be a non-empty array of feature terms");
        compileFeatureSpec(v as string[], "invalid_argument", `${who}.${key}`);
        break;
      case "strings":
        if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== "string")) bad("must be a non-empty array of strings");
        break;
    }
    out[key] = Array.isArray(v) ? [...v] : v;
  }
  return out as ResolvedOptions<S>;
}
