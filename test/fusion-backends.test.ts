// Checks of the rule sets verified against published data rather than a local runtime.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { csvRecords } from "../src/datasets/csv.js";
import { fuse } from "../src/fusion/index.js";
import { buildMobileNetV3Small, buildResNet18 } from "../src/models/index.js";
import { inferShapes } from "../src/shape/infer.js";
import { DATA } from "./helpers/data.js";

/** Kernel → the PyTorch Mobile (Vulkan) op the published traces would list for it. */
function torchOp(k: { class: string; opTypes: string[] }): string {
  switch (k.class) {
    case "conv":
    case "dwconv":
    case "gconv":
      return "vulkan_prepack::run_conv2d_context";
    case "fc":
      return "vulkan_prepack::run_linear_context";
    case "pool":
      return k.opTypes[0] === "MaxPool" ? "aten::max_pool2d" : "aten::avg_pool2d";
    case "global-pool":
      return "aten::avg_pool2d";
    default:
      return `aten::${k.opTypes[0]!.toLowerCase()}`;
  }
}

describe.skipIf(!DATA)("pytorch-mobile@2.0 against the published Vulkan op rows (partial check)", () => {
  it("ResNet-18: 20 prepacked convs (BN and ReLU folded), 8 adds and 8 ReLUs on their own, 1 linear, 2 pools", () => {
    const rows = csvRecords(readFileSync(join(DATA!, "mobile-ml-benchmark", "cnn", "ops_gpu_long.csv"), "utf8")).filter(
      (r) => r.framework === "torch" && r.model === "resnet18" && r.device === "pixel4",
    );
    const published = new Map<string, number>();
    for (const r of rows) published.set(r.operation!, (published.get(r.operation!) ?? 0) + 1);
    const kg = fuse(inferShapes(buildResNet18()), "pytorch-mobile@2.0");
    const simulated = new Map<string, number>();
    for (const k of kg.kernels) simulated.set(torchOp(k), (simulated.get(torchOp(k)) ?? 0) + 1);
    expect(Object.fromEntries(simulated)).toEqual(Object.fromEntries(published));
    expect(published.get("vulkan_prepack::run_conv2d_context")).toBe(20);
  });
});

describe("openvino-vpu (nn-Meter's VPU kernel list)", () => {
  it("fuses MobileNetV3-Small into nn-Meter's kernel types: conv-bn-relu, se, hswish, …", () => {
    const kg = fuse(inferShapes(buildMobileNetV3Small()), "openvino-vpu");
    const types = new Set(kg.kernels.map((k) => k.type));
    expect(types.has("se")).toBe(true);
    expect(kg.kernels.filter((k) => k.type === "se").length).toBe(9); // 9 SE blocks in MobileNetV3-Small (incl. the stem block's)
    for (const k of kg.kernels.filter((k) => k.type === "se")) expect(k.nodes.length).toBe(6);
    expect([...types].filter((t) => t.startsWith("conv-bn") || t.startsWith("dwconv-bn")).length).toBeGreaterThan(0);
  });
});
