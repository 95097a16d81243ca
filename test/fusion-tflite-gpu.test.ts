// tflite-gpu@2.10 against the published TFLite GPU traces (../shared/data/mobile-ml-benchmark, cnn/ops_gpu_long.csv):
// the GPU kernel names (`convolution_2d_19_linked_:_add_20`) record which element-wise ops the delegate linked into
// each kernel. We rebuild the same architectures and compare, in execution order, the convolution kernels' row type
// and linked ops. The classifier heads are left out: the published models (pytorchcv) end in a 1×1 conv where our
// builders (torchvision) have a Gemm.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseOpsGpu, type MlbModel } from "../src/datasets/mobileMlBenchmark.js";
import { fuse } from "../src/fusion/index.js";
import type { Kernel } from "../src/fusion/types.js";
import type { Graph } from "../src/ir/types.js";
import { buildMobileNetV2, buildMobileNetV3Large, buildMobileNetV3Small, buildResNet18 } from "../src/models/index.js";
import { inferShapes } from "../src/shape/infer.js";
import { DATA } from "./helpers/data.js";

/** Our member labels → the delegate's linked-op names (RELU6 runs as the RELU kernel with a clip; the converter turns
 * HardSigmoid into ADD(+3, folded into the bias) → RELU6 → MUL(1/6); BatchNorm after a conv is folded away). */
const LINKED: Record<string, string[]> = { relu: ["relu"], relu6: ["relu"], hswish: ["hard_swish"], hsigmoid: ["relu", "mul"], add: ["add"], mul: ["mul"], sigmoid: ["sigmoid"], bn: [] };
const ROW: Record<string, string> = { conv: "CONV_2D", dwconv: "DEPTHWISE_CONV_2D", gconv: "CONV_2D_GROUP" };

function simulated(graph: Graph): string[] {
  const kg = fuse(inferShapes(graph), "tflite-gpu@2.10");
  // the backbone: convolution kernels before the final global pooling (the head differs, see above)
  const lastPool = kg.kernels.map((k) => k.class === "global-pool").lastIndexOf(true);
  const convs: Kernel[] = kg.kernels.slice(0, lastPool).filter((k) => ROW[k.class] !== undefined);
  return convs.map((k) => {
    const labels = k.type.split("-").slice(1).filter((l) => l !== "pad");
    return `${ROW[k.class]}:${labels.flatMap((l) => LINKED[l] ?? [l]).join("+")}`;
  });
}

function published(m: MlbModel): string[] {
  const out: string[] = [];
  const lastPool = m.ops.map((o) => o.class === "global-pool" || o.operation === "AVERAGE_POOL_2D").lastIndexOf(true);
  for (const op of m.ops.slice(0, lastPool)) {
    if (!ROW[op.class]) continue;
    const linked = op.gpu.pixel4?.linked ?? [];
    out.push(`${op.operation}:${linked.join("+")}`);
  }
  return out;
}

describe.skipIf(!DATA)("tflite-gpu@2.10 reproduces the linked ops of the published TFLite GPU traces", () => {
  const models = new Map(parseOpsGpu(readFileSync(join(DATA ?? "", "mobile-ml-benchmark", "cnn", "ops_gpu_long.csv"), "utf8")).map((m) => [m.name, m]));
  // exact: same kernel sequence. multiset: same kernels, but our builder orders nodes differently (ResNet's
  // downsample conv runs before the main branch in our graph, after it in the published one, so the residual ADD links
  // into the other conv — both as "link into the producer computed last" predicts). pytorchcv's MobileNetV2 first block
  // has a 1×1 expansion conv (row 1) that torchvision's lacks.
  const cases: [string, () => Graph, "exact" | "multiset", number[]][] = [
    ["mobilenetv2_w1", () => buildMobileNetV2(), "exact", [1]],
    ["resnet18", () => buildResNet18(), "multiset", []],
    ["mobilenetv3_small_w1", () => buildMobileNetV3Small(), "exact", []],
    ["mobilenetv3_large_w1", () => buildMobileNetV3Large(), "exact", []],
  ];
  for (const [name, build, mode, dropRows] of cases) {
    it(`${name} (${mode})`, () => {
      const pub = published(models.get(name)!).filter((_, i) => !dropRows.includes(i));
      const sim = simulated(build());
      expect(pub.length).toBeGreaterThan(15);
      if (mode === "exact") expect(sim).toEqual(pub);
      else expect([...sim].sort()).toEqual([...pub].sort());
    });
  }
});
