/**
 * Schema-less protobuf wire scanning, used before the schema decode to tell apart, cheaply and precisely:
 * a truncated file, bytes that are not protobuf at all, and a valid protobuf of another message. Only the fields of
 * one message level are visited (nested messages are skipped by their length), so a scan costs O(fields).
 */
import { EdgelatError } from "../../errors.js";

/** Protobuf wire types. */
export const Wire = { Varint: 0, Fixed64: 1, Bytes: 2, StartGroup: 3, EndGroup: 4, Fixed32: 5 } as const;

export interface WireField {
  field: number;
  wire: number;
  /** Start of the payload (after tag and, for Bytes, the length). */
  start: number;
  /** End of the payload (exclusive). */
  end: number;
  /** Value of a varint field (exact up to 2^53, larger values saturate). */
  varint?: number;
}

/** Why a scan stopped early: the data ends inside a record, or the bytes are not protobuf wire data. */
export interface WireFailure {
  kind: "truncated" | "malformed";
  at: number;
  reason: string;
}

export interface ScanResult {
  fields: WireField[];
  failure?: WireFailure;
}

const MAX_GROUP_DEPTH = 64;

/**
 * Lists the top-level fields of the message in `buf[start, end)`. Never throws: a failure is returned with the fields
 * read before it (the last one being the field that failed).
 */
export function scanMessage(buf: Uint8Array, start = 0, end = buf.length): ScanResult {
  const fields: WireField[] = [];
  const failure = walkMessage(buf, start, end, (f) => {
    fields.push(f);
    return true;
  });
  return failure === undefined ? { fields } : { fields, failure };
}

/**
 * Calls `visit` for each top-level field of the message in `buf[start, end)` until it returns false. Returns why the
 * walk stopped early on bad data (after visiting the failing field with an empty payload), or undefined.
 */
export function walkMessage(buf: Uint8Array, start: number, end: number, visit: (f: WireField) => boolean): WireFailure | undefined {
  let pos = start;

  // Varint reader: returns [value, nextPos] or a failure.
  const varint = (p: number): [number, number] | WireFailure => {
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= end) return { kind: "truncated", at: p, reason: "data ends inside a varint" };
      const b = buf[p++]!;
      value += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return [value, p];
    }
    return { kind: "malformed", at: p, reason: "varint longer than 10 bytes" };
  };

  // Skips one value of the given wire type starting at p; returns the payload bounds or a failure.
  const skip = (wire: number, field: number, p: number, depth: number): WireField | WireFailure => {
    switch (wire) {
      case Wire.Varint: {
        const r = varint(p);
        if (!Array.isArray(r)) return r;
        return { field, wire, start: p, end: r[1], varint: r[0] };
      }
      case Wire.Fixed64:
        if (p + 8 > end) return { kind: "truncated", at: p, reason: "data ends inside a fixed64" };
        return { field, wire, start: p, end: p + 8 };
      case Wire.Fixed32:
        if (p + 4 > end) return { kind: "truncated", at: p, reason: "data ends inside a fixed32" };
        return { field, wire, start: p, end: p + 4 };
      case Wire.Bytes: {
        const r = varint(p);
        if (!Array.isArray(r)) return r;
        const [len, q] = r;
        if (len > end - q) {
          return { kind: "truncated", at: q, reason: `field ${field} claims ${len} bytes but ${end - q} remain` };
        }
        return { field, wire, start: q, end: q + len };
      }
      case Wire.StartGroup: {
        if (depth >= MAX_GROUP_DEPTH) return { kind: "malformed", at: p, reason: "groups nested too deeply" };
        let q = p;
        for (;;) {
          const t = varint(q);
          if (!Array.isArray(t)) return t;
          const [tag, afterTag] = t;
          const innerField = Math.floor(tag / 8);
          const innerWire = tag % 8;
          if (innerField === 0) return { kind: "malformed", at: q, reason: "field number 0" };
          if (innerWire === Wire.EndGroup) {
            if (innerField !== field) return { kind: "malformed", at: q, reason: "mismatched end-group tag" };
            return { field, wire, start: p, end: afterTag };
          }
          const inner = skip(innerWire, innerField, afterTag, depth + 1);
          if ("kind" in inner) return inner;
          q = inner.end;
        }
      }
      default:
        return { kind: "malformed", at: p, reason: `invalid wire type ${wire}` };
    }
  };

  while (pos < end) {
    const t = varint(pos);
    if (!Array.isArray(t)) return t;
    const [tag, afterTag] = t;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) return { kind: "malformed", at: pos, reason: "field number 0" };
    if (field > 536_870_911) return { kind: "malformed", at: pos, reason: "field number too large" };
    if (wire === Wire.EndGroup) return { kind: "malformed", at: pos, reason: "unexpected end-group tag" };
    const r = skip(wire, field, afterTag, 0);
    if ("kind" in r) {
      // Report the tag of the field that failed: callers use it to judge whether the bytes looked like their message.
      visit({ field, wire, start: afterTag, end: afterTag });
      return r;
    }
    if (!visit(r)) return undefined;
    pos = r.end;
  }
  return undefined;
}

/**
 * Maps an exception thrown by protobufjs while decoding into an EdgelatError. protobufjs reports running past the
 * end of a (sub)message as RangeError("index out of range …"), bad tags/wire types as Error("invalid wire type …",
 * "illegal tag …"), and nesting beyond its recursion limit (100) as Error("max depth exceeded") → `too_large`.
 */
export function wrapDecodeError(e: unknown, what: string): EdgelatError {
  if (e instanceof EdgelatError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (message.includes("max depth exceeded")) {
    return new EdgelatError("too_large", `${what}: messages nested deeper than the decoder's recursion limit`, { cause: message });
  }
  return new EdgelatError("invalid_protobuf", `${what}: malformed protobuf data (${message})`, { cause: message });
}
