// fuse() throughput on a MobileNetV2-sized graph (goal: ≥ 50,000 graphs/s on one core for the phone backends).
import { fuse } from "../src/fusion/index.js";
import { buildMobileNetV2, buildResNet18 } from "../src/models/index.js";
import { inferShapes } from "../src/shape/infer.js";

function graphsPerSecond(fn: () => void, minMs = 400): number {
  for (let i = 0; i < 200; i++) fn(); // warm up
  const samples: number[] = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < minMs / 5) {
      for (let i = 0; i < 50; i++) fn();
      n += 50;
    }
    samples.push((n * 1000) / (performance.now() - t0));
  }
  samples.sort((a, b) => a - b);
  return samples[2]!; // median
}

export function run(): void {
  const cases = [
    ["MobileNetV2 (152 nodes)", inferShapes(buildMobileNetV2())],
    ["ResNet-18 (69 nodes)", inferShapes(buildResNet18())],
  ] as const;
  for (const [name, inferred] of cases) {
    for (const backend of ["tflite-gpu@2.10", "tflite-cpu@2.10", "ort-cpu@1.30/extended", "ort-cpu@1.30/all"]) {
      const gps = graphsPerSecond(() => fuse(inferred, backend));
      console.log(`fuse ${name.padEnd(24)} ${backend.padEnd(22)} ${Math.round(gps).toLocaleString("en-US").padStart(8)} graphs/s`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) run();
