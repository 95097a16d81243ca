// Regenerates the bundled example models in examples/models/ from edgelat's own builders.
// They are weight-stripped (shapes and dtypes only, no tensor data): small enough to commit, enough to predict
// latency, but no runtime can execute them. Usage: npx tsx scripts/make-examples.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { buildMobileNetV2, buildMobileNetV3Large, buildResNet18 } from "../src/models/index.js";
import { toOnnx } from "../src/parsers/onnx/index.js";

const out = "examples/models";
mkdirSync(out, { recursive: true });
const models = {
  "mobilenetv2-1.0.onnx": buildMobileNetV2({ widthMultiplier: 1, resolution: 224 }),
  "mobilenetv3-large.onnx": buildMobileNetV3Large({ resolution: 224 }),
  "resnet18.onnx": buildResNet18({ resolution: 224 }),
};
for (const [name, graph] of Object.entries(models)) {
  const bytes = toOnnx(graph, { weights: "stripped" });
  writeFileSync(`${out}/${name}`, bytes);
  console.log(`${out}/${name}: ${graph.nodes.length} nodes, ${(bytes.length / 1024).toFixed(1)} KiB`);
}
