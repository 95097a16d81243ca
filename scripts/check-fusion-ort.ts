/**
 * Checks the ort-cpu@1.30 fusion rule sets against onnxruntime-node itself.
 *
 * For every ONNX model of the corpus (.cache/models, `npm run gather-models`) and generated models (MobileNetV2/V3,
 * ResNet-18, a NAS-Bench-201 network, a ViT), at each optimization level (basic / extended / all, one intra-op
 * thread), ORT writes its optimized graph (`optimizedModelFilePath`); we parse it back and compare ORT's executed
 * nodes with `fuse(inferShapes(graph), "ort-cpu@1.30/<level>")`: the share of ORT's nodes whose member set the
 * simulator reproduces exactly. A fused ORT node keeps the output tensor name of the last node it absorbed; NCHWc
 * nodes are named `<original output>_nchwc`; inserted reorders are keyed by the tensor they convert.
 *
 * Usage: npm run check-fusion [-- --write] [-- --only NAME] [-- --verbose]
 *   --write   writes the comparisons as fixtures (test/fixtures/fusion/ort-*.json), replayed without ORT by
 *             test/fusion-ort-fixtures.test.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ORT_CHECK_LEVELS, generatedCases, ortSignatures, simulatedSignatures, type OrtFixture } from "../test/fusion-ort-cases.js";
import { compareSignatures } from "../src/fusion/compare.js";
import { inferShapes } from "../src/shape/infer.js";
import { parseOnnx, toOnnx } from "../src/parsers/onnx/index.js";
import type { Graph, Shape } from "../src/ir/types.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MODELS = resolve(process.env.EDGELAT_MODELS ?? join(ROOT, ".cache", "models"));
const FIXTURES = join(ROOT, "test", "fixtures", "fusion");

interface Case {
  name: string;
  graph: Graph;
  bytes: Uint8Array;
  inputShapes: Record<string, Shape>;
  fixture: Omit<OrtFixture, "level" | "expected" | "share">;
}

async function loadOrt(): Promise<typeof import("onnxruntime-node")> {
  try {
    return await import("onnxruntime-node");
  } catch {
    console.error("check-fusion: onnxruntime-node is not installed (it is an optional dev dependency)");
    process.exit(1);
  }
}

/** Fixes the declared input dims in the model bytes, so ORT folds shapes exactly as edgelat does with inputShapes. */
async function withInputShapes(bytes: Uint8Array, shapes: Record<string, Shape>): Promise<Uint8Array> {
  const onnxPkg = (await import("onnx-proto")).default as unknown as { onnx: { ModelProto: { decode(b: Uint8Array): any; encode(m: any): { finish(): Uint8Array } } } };
  const model = onnxPkg.onnx.ModelProto.decode(bytes);
  for (const vi of model.graph.input) {
    const s = shapes[vi.name];
    if (s === undefined) continue;
    vi.type.tensorType.shape.dim = s.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d }));
  }
  return onnxPkg.onnx.ModelProto.encode(model).finish();
}

async function cases(only: string | undefined): Promise<Case[]> {
  const out: Case[] = [];
  for (const g of generatedCases()) {
    if (only && g.name !== only) continue;
    out.push({ name: g.name, graph: g.graph, bytes: toOnnx(g.graph, { weights: "random", seed: 1 }), inputShapes: {}, fixture: { model: g.name, source: { kind: "generated", builder: g.builder, config: g.config } } });
  }
  const manifestPath = join(MODELS, "manifest.json");
  if (!existsSync(manifestPath)) {
    console.warn(`check-fusion: no corpus at ${MODELS} (run npm run gather-models): generated models only`);
    return out;
  }
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { models: { name: string; format: string; file: string; inputShapes: Record<string, Shape> }[] };
  for (const m of manifest.models) {
    if (m.format !== "onnx" || (only && m.name !== only)) continue;
    const raw = new Uint8Array(readFileSync(join(MODELS, m.file)));
    const graph = parseOnnx(raw);
    out.push({ name: m.name, graph, bytes: await withInputShapes(raw, m.inputShapes), inputShapes: m.inputShapes, fixture: { model: m.name, source: { kind: "corpus", file: m.file, inputShapes: m.inputShapes } } });
  }
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const write = args.includes("--write");
  const verbose = args.includes("--verbose");
  const onlyAt = args.indexOf("--only");
  const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
  const ort = await loadOrt();
  const tmp = join(ROOT, ".cache", "check-fusion");
  mkdirSync(tmp, { recursive: true });
  if (write) mkdirSync(FIXTURES, { recursive: true });
  const rows: string[][] = [["model", "nodes", ...ORT_CHECK_LEVELS.map((l) => `${l} (ORT nodes: matched)`)]];
  let worst = 1;
  for (const c of await cases(only)) {
    const inferred = inferShapes(c.graph, { inputShapes: c.inputShapes });
    const row = [c.name, String(c.graph.nodes.length)];
    for (const level of ORT_CHECK_LEVELS) {
      const file = join(tmp, `${c.name}.${level}.onnx`);
      const session = await ort.InferenceSession.create(c.bytes, {
        graphOptimizationLevel: level,
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        optimizedModelFilePath: file,
        logSeverityLevel: 3,
      });
      await session.release();
      const optimized = parseOnnx(new Uint8Array(readFileSync(file)));
      const sim = simulatedSignatures(inferred, level);
      const { signatures: expected, inserted } = ortSignatures(inferred, sim.kernelGraph, optimized);
      const cmp = compareSignatures(expected, sim.signatures);
      worst = Math.min(worst, cmp.share);
      row.push(`${(100 * cmp.share).toFixed(1)}% (${cmp.total}: ${cmp.matched}${inserted.length ? `, +${inserted.length} helpers` : ""})`);
      if (verbose && cmp.mismatches.length > 0) {
        console.log(`-- ${c.name} @ ${level}: ${cmp.mismatches.length} mismatches`);
        for (const m of cmp.mismatches.slice(0, 12)) console.log(`   ${m.key}\n     ORT: ${m.expected.join(", ")}\n     sim: ${m.actual?.join(", ") ?? "(no kernel)"}`);
      }
      if (write) {
        const fx: OrtFixture = { ...c.fixture, level, share: cmp.share, expected: Object.fromEntries([...expected].sort(([a], [b]) => (a < b ? -1 : 1))) };
        writeFileSync(join(FIXTURES, `ort-${c.name}.${level}.json`), JSON.stringify(fx) + "\n");
      }
    }
    rows.push(row);
    console.error(`check-fusion: ${c.name} done`);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((x, i) => x.padEnd(widths[i]!)).join("  "));
  console.log(`worst share: ${(100 * worst).toFixed(1)}%`);
}

await main();
