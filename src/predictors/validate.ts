/**
 * Readers for predictor JSON: each checks one field and throws `EdgelatError("invalid_predictor")` naming it
 * (`details.field` is a path such as "trees[3].left[17]").
 */
import { EdgelatError } from "../errors.js";

export type Json = Record<string, unknown>;

export function fail(field: string, message: string, extra: Record<string, unknown> = {}): never {
  throw new EdgelatError("invalid_predictor", `invalid predictor JSON at '${field}': ${message}`, { field, ...extra });
}

export function readObject(v: unknown, field: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(field, "expected an object");
  return v as Json;
}

export interface NumberRule {
  min?: number;
  max?: number;
  int?: boolean;
  /** Exclusive lower bound. */
  gt?: number;
}

function checkNumber(v: unknown, field: string, rule: NumberRule): number {
  if (typeof v !== "number" || !Number.isFinite(v)) fail(field, `expected a finite number, got ${JSON.stringify(v) ?? String(v)}`);
  if (rule.int && !Number.isInteger(v)) fail(field, `expected an integer, got ${v}`);
  if (rule.min !== undefined && v < rule.min) fail(field, `must be ≥ ${rule.min}, got ${v}`);
  if (rule.max !== undefined && v > rule.max) fail(field, `must be ≤ ${rule.max}, got ${v}`);
  if (rule.gt !== undefined && !(v > rule.gt)) fail(field, `must be > ${rule.gt}, got ${v}`);
  return v;
}

export function readNumber(o: Json, key: string, path: string, rule: NumberRule = {}): number {
  return checkNumber(o[key], path ? `${path}.${key}` : key, rule);
}

export function readNumberArray(o: Json, key: string, path: string, rule: NumberRule & { length?: number } = {}): number[] {
  return checkNumberArray(o[key], path ? `${path}.${key}` : key, rule);
}

/** Checks that `v` is an array of numbers obeying `rule`; `field` names it in errors. */
export function checkNumberArray(v: unknown, field: string, rule: NumberRule & { length?: number } = {}): number[] {
  if (!Array.isArray(v)) fail(field, "expected an array of numbers");
  if (rule.length !== undefined && v.length !== rule.length) fail(field, `expected ${rule.length} entries, got ${v.length}`);
  for (let i = 0; i < v.length; i++) checkNumber(v[i], `${field}[${i}]`, rule);
  return v as number[];
}

export function readString<T extends string>(o: Json, key: string, path: string, allowed?: readonly T[]): T {
  const field = path ? `${path}.${key}` : key;
  const v = o[key];
  if (typeof v !== "string") fail(field, "expected a string");
  if (allowed && !allowed.includes(v as T)) fail(field, `expected one of ${allowed.join(", ")}, got '${v}'`);
  return v as T;
}

export function readStringArray(o: Json, key: string, path: string): string[] {
  const field = path ? `${path}.${key}` : key;
  const v = o[key];
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) fail(field, "expected an array of strings");
  return v as string[];
}

export function readArray(o: Json, key: string, path: string): unknown[] {
  const field = path ? `${path}.${key}` : key;
  const v = o[key];
  if (!Array.isArray(v)) fail(field, "expected an array");
  return v;
}

/**
 * +0 for -0, else v. JSON.stringify writes -0 as "0", so fitted parameters are normalized with this before they are
 * stored: a model then predicts bit-identically before and after a JSON round trip.
 */
export const noNegZero = (v: number): number => (v === 0 ? 0 : v);

/** Every predictor JSON carries `version: 1`; a future format change bumps it and keeps a loader for the old one. */
export const PREDICTOR_FORMAT_VERSION = 1;

export function checkHeader(o: Json, kind: string): void {
  if (o.kind !== kind) fail("kind", `expected '${kind}'`);
  if (o.version !== PREDICTOR_FORMAT_VERSION) fail("version", `expected ${PREDICTOR_FORMAT_VERSION}, got ${JSON.stringify(o.version)}`);
}
