/**
 * Shapes of every node of the real ONNX corpus (scripts/gather-models.mjs → .cache/models) against what
 * onnxruntime-node reports in its profile (`output_type_shape` of each `cat:"Node"` event). Graph optimizations are
 * disabled so ORT node names map 1:1 to the model's nodes. Skips cleanly without the cache or the runtime.
 * The reference builders (src/models) are checked the same way after `toOnnx`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { DType, Graph, Shape } from "../ir/types.js";
import { buildMobileNetV2, buildMobileNetV3Large, buildMobileNetV3Small, buildResNet18, buildViT } from "../models/index.js";
import { parseModel, toOnnx } from "../parsers/index.js";
import { inferShapes } from "./infer.js";
import type { InferredGraph } from "./types.js";

const CACHE = resolve(".cache/models");
const manifestPath = join(CACHE, "manifest.json");
interface Entry {
  name: string;
  format: string;
  file: string;
  inputShapes?: Record<string, number[]>;
}
const entries: Entry[] = existsSync(manifestPath)
  ? (JSON.parse(readFileSync(manifestPath, "utf8")).models as Entry[]).filter((e) => e.format === "onnx")
  : [];
if (entries.length === 0) console.warn("[edgelat tests] .cache/models absent (run `npm run gather-models`): ORT shape comparison skipped.");

let ort: typeof import("onnxruntime-node") | undefined;
try {
  ort = await import("onnxruntime-node");
} catch {
  console.warn("[edgelat tests] onnxruntime-node not installed: ORT shape comparison skipped.");
}

const ORT_DTYPES: Record<string, DType> = {
  float: "float32",
  double: "float64",
  float16: "float16",
  int64: "int64",
  int32: "int32",
  int8: "int8",
  uint8: "uint8",
  bool: "bool",
};

type OrtTensorType = "float32" | "int64" | "int32" | "uint8" | "bool";

function zeros(dtype: DType, shape: number[]): InstanceType<NonNullable<typeof ort>["Tensor"]> {
  const n = shape.reduce((a, b) => a * b, 1);
  const T = ort!.Tensor;
  switch (dtype) {
    case "int64":
      return new T("int64" as OrtTensorType, new BigInt64Array(n), shape);
    case "int32":
      return new T("int32" as OrtTensorType, new Int32Array(n), shape);
    case "uint8":
      return new T("uint8" as OrtTensorType, new Uint8Array(n), shape);
    case "bool":
      return new T("bool" as OrtTensorType, new Uint8Array(n), shape);
    default:
      return new T("float32" as OrtTensorType, new Float32Array(n), shape);
  }
}

/** Runs the model once in ORT with profiling and compares every profiled node's output types with ours. */
async function compareWithOrt(bytes: Uint8Array, inferred: InferredGraph): Promise<{ compared: number; mismatches: string[] }> {
  const nodes = new Map(inferred.graph.nodes.map((n) => [n.name, n]));
  const dir = mkdtempSync(join(tmpdir(), "edgelat-ort-"));
  try {
    const session = await ort!.InferenceSession.create(bytes, {
      enableProfiling: true,
      profileFilePrefix: join(dir, "profile"),
      graphOptimizationLevel: "disabled",
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      logSeverityLevel: 3,
    });
    const feeds: Record<string, ReturnType<typeof zeros>> = {};
    for (const name of session.inputNames) {
      const t = inferred.graph.tensors.get(name)!;
      feeds[name] = zeros(t.dtype, t.shape as number[]);
    }
    await session.run(feeds);
    session.endProfiling();
    await session.release();
    const file = readdirSync(dir).find((f) => f.endsWith(".json"))!;
    const events = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
      cat: string;
      name: string;
      args: { output_type_shape?: Record<string, number[]>[] };
    }[];
    let compared = 0;
    const mismatches: string[] = [];
    for (const ev of events) {
      if (ev.cat !== "Node" || !ev.name.endsWith("_kernel_time")) continue;
      const node = nodes.get(ev.name.slice(0, -"_kernel_time".length));
      if (node === undefined) continue; // subgraph nodes, unnamed nodes
      const outs = node.outputs.filter((o) => o !== "");
      (ev.args.output_type_shape ?? []).forEach((entryType, k) => {
        const [ortType, ortShape] = Object.entries(entryType)[0]!;
        const ours = inferred.graph.tensors.get(outs[k]!);
        const want: Shape = ortShape;
        if (JSON.stringify(ours?.shape) !== JSON.stringify(want) || (ORT_DTYPES[ortType] !== undefined && ORT_DTYPES[ortType] !== ours?.dtype)) {
          mismatches.push(`${node.name} (${node.opType}) output ${k}: ours ${ours?.dtype}[${ours?.shape}] vs ORT ${ortType}[${want}]`);
        }
        compared++;
      });
    }
    return { compared, mismatches };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(entries.length === 0 || ort === undefined)("shapes agree with onnxruntime-node's profile", () => {
  for (const entry of entries) {
    it(entry.name, async () => {
      const bytes = new Uint8Array(readFileSync(join(CACHE, entry.file)));
      const inferred = inferShapes(parseModel(bytes, entry.inputShapes ? { inputShapes: entry.inputShapes } : {}));
      expect(inferred.unknown).toEqual([]);
      const { compared, mismatches } = await compareWithOrt(bytes, inferred);
      if (process.env.EDGELAT_DEBUG) console.log(entry.name, compared, inferred.graph.nodes.length);
      expect(mismatches).toEqual([]);
      // Every node ORT executed was compared (ORT runs them all with optimizations disabled).
      expect(compared).toBeGreaterThanOrEqual(inferred.graph.nodes.length * 0.9);
    });
  }
});

describe.skipIf(ort === undefined)("reference builders run in onnxruntime-node with the shapes we infer", () => {
  const cases: [string, () => Graph][] = [
    ["MobileNetV2-0.5 @128", () => buildMobileNetV2({ widthMultiplier: 0.5, resolution: 128 })],
    ["MobileNetV3-Small @128", () => buildMobileNetV3Small({ resolution: 128 })],
    ["MobileNetV3-Large @96", () => buildMobileNetV3Large({ resolution: 96 })],
    ["ResNet-18 @64", () => buildResNet18({ resolution: 64 })],
    ["ViT d2 (LayerNormalization, Erf Gelu)", () => buildViT({ depth: 2, dim: 64, heads: 4, patch: 8, resolution: 32, numClasses: 10 })],
    ["ViT d2 (dynamic Shape→Gather→Concat reshape targets)", () => buildViT({ depth: 2, dim: 48, heads: 3, patch: 8, resolution: 32, numClasses: 10, reshape: "dynamic" })],
    ["ViT d1 (decomposed LN, Gelu op)", () => buildViT({ depth: 1, dim: 64, heads: 2, patch: 8, resolution: 32, numClasses: 10, layerNorm: "decomposed", gelu: "op" })],
  ];
  for (const [name, build] of cases) {
    it(name, async () => {
      const graph = build();
      const bytes = toOnnx(graph, { weights: "random", seed: 1 });
      const inferred = inferShapes(parseModel(bytes));
      expect(inferred.unknown).toEqual([]);
      const { compared, mismatches } = await compareWithOrt(bytes, inferred);
      expect(mismatches).toEqual([]);
      // ORT runs HardSwish as a function (HardSigmoid + Mul under generated names): those are not compared.
      expect(compared).toBeGreaterThanOrEqual(graph.nodes.filter((n) => n.opType !== "HardSwish").length);
    });
  }
});
