// Dumps built / parsed graphs and their inferred forms (every node, tensor, shape, dtype, cost, unknown and folded
// entry, in order) as JSON lines, so that a speed change to graph building, validation, parsing or shape inference can
// be checked to be bit-identical: run it before and after, then `cmp` the two files.
//   npx tsx scripts/dump-inferred.ts > /tmp/before.jsonl
// Covers ~200 NAS-Bench-201 archs (and pruned variants), FBNet / OFA samples, every src/models builder, every corpus
// model in .cache/models (ONNX and TF.js) and examples/models/*.onnx. Bad inputs are dumped as their error code,
// message and details.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Graph } from "../src/ir/types.js";
import { buildMobileNetV2, buildMobileNetV3Large, buildMobileNetV3Small, buildResNet18, buildResNet34, buildResNet50, buildViT } from "../src/models/index.js";
import { parseOnnx } from "../src/parsers/onnx/index.js";
import { parseTfjs } from "../src/parsers/tfjs/index.js";
import { inferShapes } from "../src/shape/infer.js";
import { buildFbnetGraph, sampleFbnetArchs } from "../src/spaces/fbnet.js";
import { NB201_SIZE, buildNasBench201Graph, nb201ArchAt, nb201HasPath } from "../src/spaces/nasbench201.js";
import { buildOfaGraph, sampleOfaArchs } from "../src/spaces/ofa.js";
import { corpusModels, tfjsShards } from "../test/helpers/corpus.js";
import { EdgelatError } from "../src/errors.js";

/** JSON with Maps / Sets as ordered entry lists and -0, NaN, ±Infinity spelled out (JSON.stringify loses them). */
function stable(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (typeof v === "number") return Object.is(v, -0) ? "#-0" : Number.isFinite(v) ? v : `#${v}`;
    if (v instanceof Map) return { "#map": [...v.entries()] };
    if (v instanceof Set) return { "#set": [...v] };
    if (v instanceof Uint8Array) return { "#bytes": v.length };
    if (v === undefined) return "#undefined";
    return v;
  });
}

function emit(label: string, make: () => Graph, inferOpts: Parameters<typeof inferShapes>[1] = {}): void {
  let graph: Graph;
  try {
    graph = make();
  } catch (e) {
    emitError(label, "build", e);
    return;
  }
  console.log(stable({ label, stage: "graph", graph }));
  try {
    console.log(stable({ label, stage: "inferred", inferred: inferShapes(graph, inferOpts) }));
  } catch (e) {
    emitError(label, "infer", e);
  }
}

function emitError(label: string, stage: string, e: unknown): void {
  if (!(e instanceof EdgelatError)) throw e;
  console.log(stable({ label, stage: `${stage}-error`, code: e.code, message: e.message, details: e.details }));
}

// NAS-Bench-201: ~200 archs spread over the official index, and every 3rd of them with pruned dead edges.
for (let k = 0; k < 200; k++) {
  const i = Math.floor((k * NB201_SIZE) / 200) + (k % 7);
  const arch = nb201ArchAt(i);
  emit(`nb201/${i}`, () => buildNasBench201Graph(arch));
  if (k % 3 === 0 && nb201HasPath(arch)) emit(`nb201-pruned/${i}`, () => buildNasBench201Graph(arch, { pruneDeadEdges: true }));
}
emit("nb201/options", () => buildNasBench201Graph(nb201ArchAt(123), { channels: 8, cellsPerStage: 2, inputSize: 64, numClasses: 100, batch: 2 }));
sampleFbnetArchs(20, 7).forEach((a, i) => emit(`fbnet/${i}`, () => buildFbnetGraph(a)));
emit("fbnet/imagenet", () => buildFbnetGraph(sampleFbnetArchs(1, 3)[0]!, { dataset: "imagenet" }));
sampleOfaArchs(10, 11).forEach((a, i) => emit(`ofa/${i}`, () => buildOfaGraph(a)));

// Every reference model builder, with its option variants.
emit("mbv2", () => buildMobileNetV2());
emit("mbv2-0.5-160", () => buildMobileNetV2({ widthMultiplier: 0.5, resolution: 160 }));
emit("mbv2-nobn", () => buildMobileNetV2({ batchNorm: false }));
emit("mbv3l", () => buildMobileNetV3Large());
emit("mbv3s", () => buildMobileNetV3Small());
emit("resnet18", () => buildResNet18());
emit("resnet34", () => buildResNet34());
emit("resnet18-nobn-b2", () => buildResNet18({ batchNorm: false, batch: 2 }));
emit("resnet50", () => buildResNet50());
for (const layerNorm of ["op", "decomposed"] as const) {
  for (const gelu of ["erf", "op"] as const) {
    for (const reshape of ["constant", "dynamic"] as const) {
      emit(`vit/${layerNorm}/${gelu}/${reshape}`, () => buildViT({ depth: 2, patch: 16, dim: 192, heads: 3, layerNorm, gelu, reshape }));
    }
  }
}

// Real models: the corpus (ONNX and TF.js, with and without the users' input shapes) and the examples.
for (const m of corpusModels("onnx")) {
  const bytes = new Uint8Array(readFileSync(m.path));
  emit(`corpus/${m.name}`, () => parseOnnx(bytes, { inputShapes: m.inputShapes }));
  emit(`corpus/${m.name}/declared`, () => parseOnnx(bytes));
}
for (const m of corpusModels("tfjs-graph")) {
  const text = readFileSync(m.path, "utf8");
  const weightData = tfjsShards(m);
  emit(`corpus/${m.name}`, () => parseTfjs(text, { weightData, ...(m.outputs ? { outputs: m.outputs } : {}) }), { inputShapes: m.inputShapes });
  emit(`corpus/${m.name}/no-weights`, () => parseTfjs(text));
}
const examples = "examples/models";
for (const f of readdirSync(examples).filter((f) => f.endsWith(".onnx")).sort()) {
  const bytes = new Uint8Array(readFileSync(join(examples, f)));
  emit(`examples/${f}`, () => parseOnnx(bytes));
}
