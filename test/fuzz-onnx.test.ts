/**
 * Seeded fuzzing of parseOnnx: valid models are mutated (bit flips, byte insertions/deletions, truncation, varint
 * corruption, length-field inflation, wire-type changes, field duplication, splicing, new varint values, changed
 * names) and every parse must either
 * succeed or throw an EdgelatError with a code — never another exception, never a hang.
 * Seeds: models generated here, plus the real ONNX corpus (`.cache/models`, from `npm run gather-models`) when
 * present.
 */
import { readFileSync } from "node:fs";
import onnxPkg from "onnx-proto";
import { describe, expect, it } from "vitest";
import { EdgelatError } from "../src/errors.js";
import { toOnnx } from "../src/parsers/onnx/encode.js";
import { ifGraph, smallCnnGraph } from "../src/parsers/onnx/fixtures.js";
import { parseOnnx } from "../src/parsers/onnx/parse.js";
import { scanMessage } from "../src/parsers/onnx/wire.js";
import { createRng, type Rng } from "../src/util/rng.js";
import { corpusModels } from "./helpers/corpus.js";

const { onnx } = onnxPkg;
/** Mutations of the generated seeds (always run), and of each corpus model when the cache exists. */
const GENERATED_ITERATIONS = 2000;
const CORPUS_ITERATIONS_TOTAL = 2000;

/** A model with the parser's less common paths: Constant nodes of every kind, typed data fields, external data. */
function featureModel(): Uint8Array {
  const A = onnx.AttributeProto.AttributeType;
  const f32 = (v: number[]) => new Uint8Array(new Float32Array(v).buffer);
  return onnx.ModelProto.encode({
    irVersion: 7,
    producerName: "fuzz",
    opsetImport: [{ domain: "", version: 13 }, { domain: "com.microsoft", version: 1 }],
    metadataProps: [{ key: "k", value: "v" }],
    graph: {
      name: "features",
      input: [{ name: "x", type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: "N" }, { dimValue: 4 }, {}] } } } }],
      initializer: [
        { name: "w", dims: [4, 4], dataType: 1, rawData: f32(new Array(16).fill(0.5)) },
        { name: "shape", dims: [2], dataType: 7, int64Data: [-1, 16] },
        { name: "h", dims: [2], dataType: 10, int32Data: [0x3c00, 0x4000] },
        { name: "d", dims: [2], dataType: 11, doubleData: [1, 2] },
        { name: "ext", dims: [4], dataType: 1, dataLocation: 1, externalData: [{ key: "location", value: "w.bin" }, { key: "offset", value: "0" }] },
      ],
      node: [
        { opType: "Constant", output: ["c1"], attribute: [{ name: "value", type: A.TENSOR, t: { dims: [1], dataType: 1, floatData: [2] } }] },
        { opType: "Constant", output: ["c2"], attribute: [{ name: "value_ints", type: A.INTS, ints: [1, 2, 3] }] },
        { opType: "Constant", output: ["c3"], attribute: [{ name: "value_float", type: A.FLOAT, f: 1.5 }] },
        { opType: "MatMul", input: ["x", "w"], output: ["m"], name: "mm" },
        { opType: "Mul", input: ["m", "c1"], output: ["p"] },
        { opType: "Reshape", input: ["p", "shape"], output: ["r"], attribute: [{ name: "allowzero", type: A.INT, i: 0 }] },
        { opType: "FusedThing", domain: "com.microsoft", input: ["r", "c2", "c3"], output: ["y", ""], attribute: [
          { name: "mode", type: A.STRING, s: new TextEncoder().encode("fast") },
          { name: "scales", type: A.FLOATS, floats: [0.5, 2] },
          { name: "names", type: A.STRINGS, strings: [new TextEncoder().encode("a")] },
          { name: "t", type: A.TENSOR, t: { dims: [2], dataType: 6, int32Data: [1, 2] } },
        ] },
      ],
      valueInfo: [{ name: "m", type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: "N" }, { dimValue: 4 }] } } } }],
      output: [{ name: "y", type: { tensorType: { elemType: 1 } } }],
    },
  }).finish();
}

interface Span {
  start: number;
  end: number;
}

/** A length-delimited field: its length varint at `pos`, its payload [start, end). */
interface LengthField extends Span {
  pos: number;
}

/** A varint value with the length fields of the messages enclosing it (outermost first). */
interface VarintField extends Span {
  enclosing: LengthField[];
}

/**
 * Byte offsets worth mutating, found by scanning every (nested) message: tags, length fields (with their payload),
 * and varint values (dims, data types, attribute types, ints) with their enclosing messages.
 */
function structuralOffsets(bytes: Uint8Array): { tags: number[]; lengths: LengthField[]; varints: VarintField[] } {
  const tags: number[] = [];
  const lengths: LengthField[] = [];
  const varints: VarintField[] = [];
  const visit = (start: number, end: number, depth: number, enclosing: LengthField[]): void => {
    const { fields, failure } = scanMessage(bytes, start, end);
    if (failure !== undefined || depth > 12) return;
    let tagPos = start;
    for (const f of fields) {
      tags.push(tagPos);
      if (f.wire === 0) varints.push({ start: f.start, end: f.end, enclosing });
      if (f.wire === 2) {
        const length = { pos: tagPos + varintSize(f.field * 8 + 2), start: f.start, end: f.end };
        lengths.push(length);
        // Nested messages are worth descending into; large payloads are weights (raw_data), not structure.
        if (f.end - f.start >= 2 && f.end - f.start < 1 << 20) visit(f.start, f.end, depth + 1, [...enclosing, length]);
      }
      tagPos = f.end;
    }
  };
  visit(0, bytes.length, 0, []);
  return { tags, lengths, varints };
}

/** Replaces a varint value and rewrites the lengths of the messages enclosing it, so the file stays well-formed. */
function replaceVarint(bytes: Uint8Array, v: VarintField, replacement: number[]): Uint8Array {
  const edits: (Span & { bytes: number[] })[] = [{ start: v.start, end: v.end, bytes: replacement }];
  let delta = replacement.length - (v.end - v.start);
  for (let i = v.enclosing.length - 1; i >= 0; i--) {
    const l = v.enclosing[i]!;
    const encoded = encodeVarint(l.end - l.start + delta);
    edits.push({ start: l.pos, end: l.start, bytes: encoded });
    delta += encoded.length - (l.start - l.pos);
  }
  edits.reverse(); // outermost (smallest offset) first
  const parts: (Uint8Array | number[])[] = [];
  let at = 0;
  for (const e of edits) {
    parts.push(bytes.subarray(at, e.start), e.bytes);
    at = e.end;
  }
  parts.push(bytes.subarray(at));
  return concat(...parts);
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function encodeVarint(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

interface Seed {
  name: string;
  bytes: Uint8Array;
  offsets: ReturnType<typeof structuralOffsets>;
}

type Mutator = "bitflip" | "insert" | "delete" | "truncate" | "varint" | "inflate" | "wiretype" | "duplicate" | "splice" | "number" | "text";
/** Mutation kinds, drawn uniformly; those keeping the wire format valid appear more often, to reach the graph checks. */
const MUTATORS: readonly Mutator[] = [
  "bitflip", "insert", "delete", "truncate", "varint", "inflate", "wiretype", "duplicate", "splice",
  "number", "number", "number", "text", "text",
];

/** One mutation of `seed`; positions favour the structure (tags, lengths) over weight payloads. */
function mutate(kind: Mutator, seed: Seed, other: Seed, rng: Rng): Uint8Array {
  const { bytes, offsets } = seed;
  const n = bytes.length;
  const anyPos = (): number => rng.int(0, n);
  const tagPos = (): number => (offsets.tags.length && rng.next() < 0.8 ? offsets.tags[rng.int(0, offsets.tags.length)]! : anyPos());
  switch (kind) {
    case "bitflip": {
      const out = new Uint8Array(bytes);
      for (let k = rng.int(1, 9); k > 0; k--) {
        const p = rng.next() < 0.5 ? tagPos() : anyPos();
        out[p] = out[p]! ^ (1 << rng.int(0, 8));
      }
      return out;
    }
    case "insert": {
      const p = tagPos();
      return concat(bytes.subarray(0, p), Array.from({ length: rng.int(1, 17) }, () => rng.int(0, 256)), bytes.subarray(p));
    }
    case "delete": {
      const p = tagPos();
      return concat(bytes.subarray(0, p), bytes.subarray(Math.min(n, p + rng.int(1, 17))));
    }
    case "truncate":
      return bytes.subarray(0, rng.next() < 0.5 ? tagPos() : anyPos());
    case "varint": {
      const p = tagPos();
      const out = new Uint8Array(bytes);
      for (let k = 0, m = rng.int(1, 12); k < m && p + k < n; k++) out[p + k] = 0xff;
      return out;
    }
    case "inflate": {
      if (offsets.lengths.length === 0) return bytes.subarray(0, n - 1);
      const f = offsets.lengths[rng.int(0, offsets.lengths.length)]!;
      const len = f.end - f.start;
      const choices = [len + 1, len + rng.int(2, 1000), 2 ** 31 - 1, 2 ** 32 + 5, 2 ** 53 - 1, len * 2 + 10];
      const v = choices[rng.int(0, choices.length)]!;
      return concat(bytes.subarray(0, f.pos), encodeVarint(v), bytes.subarray(f.start));
    }
    case "wiretype": {
      const p = tagPos();
      const out = new Uint8Array(bytes);
      out[p] = (out[p]! & ~7) | rng.int(0, 8);
      return out;
    }
    case "duplicate": {
      if (offsets.lengths.length === 0) return bytes;
      // copy a whole length-delimited record (tag + length + payload) right after itself
      const f = offsets.lengths[rng.int(0, offsets.lengths.length)]!;
      const tagStart = offsets.tags.filter((t) => t < f.pos).pop() ?? 0;
      return concat(bytes.subarray(0, f.end), bytes.subarray(tagStart, f.end), bytes.subarray(f.end));
    }
    case "number": {
      // a new value for a varint field: dims, data types, attribute types and ints, opset versions
      if (offsets.varints.length === 0) return bytes;
      const f = offsets.varints[rng.int(0, offsets.varints.length)]!;
      const minusOne = [...new Array<number>(9).fill(0xff), 0x01]; // int64 −1
      const choices = [[0], [1], [2], [7], [17], [99], encodeVarint(2 ** 31), encodeVarint(2 ** 40), minusOne, encodeVarint(rng.int(0, 1000))];
      return replaceVarint(bytes, f, choices[rng.int(0, choices.length)]!);
    }
    case "text": {
      // flip bytes inside a short length-delimited payload (names, strings): the wire structure stays valid
      const short = offsets.lengths.filter((f) => f.end - f.start > 0 && f.end - f.start <= 64);
      if (short.length === 0) return bytes;
      const f = short[rng.int(0, short.length)]!;
      const out = new Uint8Array(bytes);
      const p = f.start + rng.int(0, f.end - f.start);
      out[p] = rng.next() < 0.5 ? out[p]! ^ 1 : rng.int(0, 256);
      return out;
    }
    case "splice": {
      const a = rng.next() < 0.5 ? tagPos() : anyPos();
      const b = other.offsets.tags.length ? other.offsets.tags[rng.int(0, other.offsets.tags.length)]! : rng.int(0, other.bytes.length);
      return concat(bytes.subarray(0, a), other.bytes.subarray(b));
    }
  }
}

interface Outcome {
  ok: number;
  codes: Map<string, number>;
  failures: string[];
  maxMs: number;
}

function fuzz(seeds: Seed[], iterations: number, rngSeed: number, outcome: Outcome): void {
  const rng = createRng(rngSeed);
  for (let i = 0; i < iterations; i++) {
    const seed = seeds[i % seeds.length]!;
    const other = seeds[rng.int(0, seeds.length)]!;
    const kind = MUTATORS[rng.int(0, MUTATORS.length)]!;
    const bytes = mutate(kind, seed, other, rng);
    const t0 = performance.now();
    try {
      const g = parseOnnx(bytes);
      if (!(g.tensors instanceof Map) || !Array.isArray(g.nodes)) throw new Error("parse returned a malformed graph");
      outcome.ok++;
    } catch (e) {
      if (e instanceof EdgelatError && typeof e.code === "string" && e.code.length > 0) {
        outcome.codes.set(e.code, (outcome.codes.get(e.code) ?? 0) + 1);
      } else if (outcome.failures.length < 10) {
        outcome.failures.push(`${seed.name} #${i} ${kind}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
    }
    outcome.maxMs = Math.max(outcome.maxMs, performance.now() - t0);
  }
}

const seedOf = (name: string, bytes: Uint8Array): Seed => ({ name, bytes, offsets: structuralOffsets(bytes) });

describe("fuzzing parseOnnx", () => {
  const generated = [
    seedOf("small-cnn", toOnnx(smallCnnGraph(), { seed: 1 })),
    seedOf("small-cnn-stripped", toOnnx(smallCnnGraph(1), { weights: "stripped" })),
    seedOf("if", toOnnx(ifGraph())),
    seedOf("features", featureModel()),
  ];
  const corpusFiles = corpusModels("onnx");

  it("every seed parses unmutated", () => {
    for (const s of generated) expect(parseOnnx(s.bytes).nodes.length).toBeGreaterThan(0);
  });

  it(`${GENERATED_ITERATIONS} mutations of generated models: a graph or an EdgelatError, nothing else`, () => {
    const outcome: Outcome = { ok: 0, codes: new Map(), failures: [], maxMs: 0 };
    fuzz(generated, GENERATED_ITERATIONS, 20240601, outcome);
    console.log(
      `fuzz-onnx (generated seeds: ${generated.map((s) => s.name).join(", ")}): ${outcome.ok} parsed, errors ${JSON.stringify(Object.fromEntries(outcome.codes))}, slowest parse ${outcome.maxMs.toFixed(1)} ms`,
    );
    expect(outcome.failures).toEqual([]);
    // the mutations reach every layer: wire format, model structure, graph validation
    for (const code of ["truncated", "invalid_protobuf", "invalid_model", "invalid_shape", "too_large", "dangling_tensor", "invalid_attribute"]) {
      expect(outcome.codes.get(code) ?? 0, code).toBeGreaterThan(0);
    }
    expect(outcome.ok).toBeGreaterThan(0);
    expect(outcome.ok + [...outcome.codes.values()].reduce((a, b) => a + b, 0)).toBe(GENERATED_ITERATIONS);
  });

  it.skipIf(corpusFiles.length === 0)(`${CORPUS_ITERATIONS_TOTAL} mutations of the real corpus models`, () => {
    const corpus = corpusFiles.map((m) => seedOf(m.name, new Uint8Array(readFileSync(m.path))));
    for (const s of corpus) expect(parseOnnx(s.bytes).nodes.length).toBeGreaterThan(0);
    const outcome: Outcome = { ok: 0, codes: new Map(), failures: [], maxMs: 0 };
    fuzz(corpus, CORPUS_ITERATIONS_TOTAL, 7, outcome);
    console.log(
      `fuzz-onnx (corpus seeds: ${corpus.map((s) => s.name).join(", ")}): ${outcome.ok} parsed, errors ${JSON.stringify(Object.fromEntries(outcome.codes))}, slowest parse ${outcome.maxMs.toFixed(1)} ms`,
    );
    expect(outcome.failures).toEqual([]);
    expect(outcome.ok + [...outcome.codes.values()].reduce((a, b) => a + b, 0)).toBe(CORPUS_ITERATIONS_TOTAL);
  });

  if (corpusFiles.length === 0) console.log("fuzz-onnx: no model corpus (run `npm run gather-models`): generated seeds only");
});
