/**
 * The models and helpers shared by scripts/check-fusion-ort.ts (which runs onnxruntime-node) and the fixture replay
 * test (which does not).
 */
import { fuse } from "../src/fusion/fuse.js";
import { kernelSignatures, type KernelSignatures } from "../src/fusion/compare.js";
import type { KernelGraph } from "../src/fusion/types.js";
import type { Graph, Shape } from "../src/ir/types.js";
import { buildMobileNetV2, buildMobileNetV3Large, buildMobileNetV3Small, buildResNet18, buildViT } from "../src/models/index.js";
import { buildNasBench201Graph, parseNb201ArchStr } from "../src/spaces/nasbench201.js";
import type { InferredGraph } from "../src/shape/types.js";

export { ortSignatures } from "../src/fusion/ort-signatures.js";

export const ORT_CHECK_LEVELS = ["basic", "extended", "all"] as const;
export type OrtLevel = (typeof ORT_CHECK_LEVELS)[number];

export interface OrtFixture {
  model: string;
  source: { kind: "generated"; builder: string; config: Record<string, unknown> } | { kind: "corpus"; file: string; inputShapes: Record<string, Shape> };
  level: OrtLevel;
  /** Share of ORT's nodes the simulator reproduced when the fixture was written. */
  share: number;
  /** ORT's executed nodes: key (output tensor) → sorted member node names. */
  expected: Record<string, string[]>;
}

const NB201_ARCH = "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|";

/** Builders by name, so fixtures can store a builder name and its config. */
export const BUILDERS: Record<string, (config: Record<string, unknown>) => Graph> = {
  mobilenetv2: (c) => buildMobileNetV2(c),
  mobilenetv3small: (c) => buildMobileNetV3Small(c),
  mobilenetv3large: (c) => buildMobileNetV3Large(c),
  resnet18: (c) => buildResNet18(c),
  nasbench201: (c) => buildNasBench201Graph(parseNb201ArchStr(String(c.arch)), c),
  vit: (c) => buildViT(c as unknown as Parameters<typeof buildViT>[0]),
};

export function generatedCases(): { name: string; builder: string; config: Record<string, unknown>; graph: Graph }[] {
  const list: { name: string; builder: string; config: Record<string, unknown> }[] = [
    { name: "mobilenetv2", builder: "mobilenetv2", config: {} },
    { name: "mobilenetv3-small", builder: "mobilenetv3small", config: {} },
    { name: "mobilenetv3-large", builder: "mobilenetv3large", config: {} },
    { name: "resnet18", builder: "resnet18", config: {} },
    { name: "nasbench201", builder: "nasbench201", config: { arch: NB201_ARCH } },
    { name: "vit-block", builder: "vit", config: { dim: 192, heads: 3, depth: 1, patch: 16, resolution: 64, numClasses: 10 } },
    { name: "vit-block-decomposed", builder: "vit", config: { dim: 192, heads: 3, depth: 1, patch: 16, resolution: 64, numClasses: 10, layerNorm: "decomposed" } },
  ];
  return list.map((c) => ({ ...c, graph: BUILDERS[c.builder]!(c.config) }));
}

export function simulatedSignatures(inferred: InferredGraph, level: OrtLevel): { kernelGraph: KernelGraph; signatures: KernelSignatures } {
  const kernelGraph = fuse(inferred, `ort-cpu@1.30/${level}`);
  const nodes = inferred.graph.nodes;
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const signatures = kernelSignatures(
    kernelGraph,
    (name) => nodes[index.get(name)!]!.outputs[0],
    (name) => index.get(name) ?? -1,
  );
  return { kernelGraph, signatures };
}
