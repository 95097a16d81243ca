/**
 * The models the profiler runs whole: prior models (kernel shapes to sample from), calibration models (the overhead
 * model) and validation models (predicted vs measured), all generated deterministically from the reference builders
 * and the NAS-Bench-201 space; plus the preparation of any graph or ONNX file into a runnable model.
 */
import type { Graph, Shape } from "../ir/types.js";
import { buildMobileNetV2, buildMobileNetV3Large, buildMobileNetV3Small } from "../models/mobilenet.js";
import { buildResNet18, buildResNet34 } from "../models/resnet.js";
import { parseOnnx, toOnnx } from "../parsers/onnx/index.js";
import { inferShapes } from "../shape/infer.js";
import type { InferredGraph } from "../shape/types.js";
import { buildNasBench201Graph, formatNb201ArchStr, sampleNb201Archs } from "../spaces/nasbench201.js";
import type { RunnableModel } from "./ort.js";

export interface NamedGraph {
  name: string;
  /** Model family, for reporting ("nb201", "mobilenetv2", "resnet", "corpus", …). */
  family: string;
  graph: Graph;
}

/** A graph with its input shapes fixed (symbolic or missing dims replaced). */
export function withInputShapes(graph: Graph, shapes: Record<string, Shape> = {}): Graph {
  if (Object.keys(shapes).length === 0) return graph;
  const tensors = new Map(graph.tensors);
  for (const [name, shape] of Object.entries(shapes)) {
    const t = tensors.get(name);
    if (t !== undefined) tensors.set(name, { ...t, shape: [...shape] });
  }
  return { ...graph, tensors };
}

const fixed = (g: Graph): boolean => g.inputs.every((i) => g.tensors.get(i)?.shape?.every((d) => typeof d === "number") === true);

/**
 * A runnable model from a graph: shapes inferred with `inputShapes`, ONNX bytes from `toOnnx` (random weights) unless
 * the original `bytes` are given and already declare fixed input shapes.
 */
export function prepareModel(key: string, graph: Graph, options: { inputShapes?: Record<string, Shape>; bytes?: Uint8Array } = {}): { model: RunnableModel; inferred: InferredGraph } {
  const g = withInputShapes(graph, options.inputShapes);
  const inferred = inferShapes(g);
  const keepBytes = options.bytes !== undefined && fixed(graph) && Object.keys(options.inputShapes ?? {}).every((n) => {
    const s = graph.tensors.get(n)?.shape;
    const want = options.inputShapes![n]!;
    return s !== undefined && s.length === want.length && s.every((d, i) => d === want[i]);
  });
  const bytes = keepBytes ? options.bytes! : toOnnx(g, { weights: "random", seed: 11 });
  return { model: { key, bytes, graph: inferred.graph }, inferred };
}

/** A runnable model from ONNX file bytes (kept as they are when the inputs are already fixed to `inputShapes`). */
export function prepareOnnx(key: string, bytes: Uint8Array, inputShapes: Record<string, Shape> = {}): { model: RunnableModel; inferred: InferredGraph } {
  return prepareModel(key, parseOnnx(bytes), { inputShapes, bytes });
}

const nb201 = (count: number, seed: number): NamedGraph[] =>
  sampleNb201Archs(count, seed).map((a) => ({ name: `nb201 ${formatNb201ArchStr(a)}`, family: "nb201", graph: buildNasBench201Graph(a) }));

/** Prior models: kernel shapes of the reference networks at their usual sizes and of NAS-Bench-201 cells. */
export function priorModels(): NamedGraph[] {
  return [
    ...[0.5, 1.0, 1.4].flatMap((w) => [128, 224].map((r) => ({ name: `mobilenetv2-${w}-${r}`, family: "mobilenetv2", graph: buildMobileNetV2({ widthMultiplier: w, resolution: r }) }))),
    { name: "mobilenetv3-large-224", family: "mobilenetv3", graph: buildMobileNetV3Large({ resolution: 224 }) },
    { name: "mobilenetv3-small-224", family: "mobilenetv3", graph: buildMobileNetV3Small({ resolution: 224 }) },
    { name: "resnet18-224", family: "resnet", graph: buildResNet18({ resolution: 224 }) },
    { name: "resnet18-112", family: "resnet", graph: buildResNet18({ resolution: 112 }) },
    ...nb201(8, 7),
  ];
}

/** Calibration models for the overhead model: different sizes from the validation set. */
export function calibrationModels(): NamedGraph[] {
  return [
    { name: "mobilenetv2-0.6-112", family: "mobilenetv2", graph: buildMobileNetV2({ widthMultiplier: 0.6, resolution: 112 }) },
    { name: "mobilenetv2-1.1-176", family: "mobilenetv2", graph: buildMobileNetV2({ widthMultiplier: 1.1, resolution: 176 }) },
    { name: "mobilenetv3-small-144", family: "mobilenetv3", graph: buildMobileNetV3Small({ resolution: 144 }) },
    { name: "mobilenetv3-large-144", family: "mobilenetv3", graph: buildMobileNetV3Large({ resolution: 144 }) },
    { name: "resnet18-80", family: "resnet", graph: buildResNet18({ resolution: 80 }) },
    { name: "resnet34-112-w0.5", family: "resnet", graph: buildResNet34({ resolution: 112, widthMultiplier: 0.5 }) },
    ...nb201(4, 101),
  ];
}

/** Validation models (56): NB201 cells, MobileNetV2 width × resolution, MobileNetV3, ResNet variants. */
export function validationModels(): NamedGraph[] {
  const out: NamedGraph[] = nb201(24, 2026);
  for (const w of [0.35, 0.5, 0.75, 1.0, 1.3]) for (const r of [96, 128, 160, 192]) {
    out.push({ name: `mobilenetv2-${w}-${r}`, family: "mobilenetv2", graph: buildMobileNetV2({ widthMultiplier: w, resolution: r }) });
  }
  for (const r of [160, 192]) {
    out.push({ name: `mobilenetv3-large-${r}`, family: "mobilenetv3", graph: buildMobileNetV3Large({ resolution: r }) });
    out.push({ name: `mobilenetv3-small-${r}`, family: "mobilenetv3", graph: buildMobileNetV3Small({ resolution: r }) });
  }
  for (const [w, r] of [[0.5, 64], [0.5, 128], [1, 64], [1, 96], [1, 160]] as const) {
    out.push({ name: `resnet18-${r}-w${w}`, family: "resnet", graph: buildResNet18({ resolution: r, widthMultiplier: w }) });
  }
  for (const r of [96, 128, 160]) out.push({ name: `resnet34-${r}`, family: "resnet", graph: buildResNet34({ resolution: r }) });
  return out;
}
