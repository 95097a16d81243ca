// fuse() throughput on a MobileNetV2-sized graph (goal: ≥ 50,000 graphs/s on one core for the phone backends).
// Rates are medians over 5 rounds, by wall clock and by this process's CPU time (meaningful on a shared machine),
// next to a fixed integer loop measured in the same process, so runs under different load can be compared.
import { fuse } from "../src/fusion/index.js";
import { buildMobileNetV2, buildResNet18 } from "../src/models/index.js";
import { inferShapes } from "../src/shape/infer.js";
import type { InferredGraph } from "../src/shape/types.js";

/** Median graphs/s over 5 rounds, by wall clock and by this process's CPU time. */
function graphsPerSecond(fn: () => void, minMs = 400): { wall: number; cpu: number } {
  for (let i = 0; i < 1500; i++) fn(); // warm up (JIT)
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    while (performance.now() - t0 < minMs / 5) {
      for (let i = 0; i < 50; i++) fn();
      n += 50;
    }
    const c = process.cpuUsage(c0);
    wall.push((n * 1000) / (performance.now() - t0));
    cpu.push((n * 1e6) / Math.max(1, c.user + c.system));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[2]!;
  return { wall: median(wall), cpu: median(cpu) };
}

let sink = 0;
/** A fixed amount of integer work: its rate tracks how much CPU this process really gets. */
function baselineLoop(): void {
  let s = 0;
  for (let i = 0; i < 20_000; i++) s = (s * 31 + i) | 0;
  sink ^= s;
}

const f = (x: number) => Math.round(x).toLocaleString("en-US").padStart(7);

export function run(): void {
  const base = graphsPerSecond(baselineLoop);
  console.log(`baseline loop (20k integer steps)                     ${f(base.wall)} loops/s wall,  ${f(base.cpu)} loops/s of CPU time`);
  const cases = [
    ["MobileNetV2 (152 nodes)", inferShapes(buildMobileNetV2())],
    ["ResNet-18 (69 nodes)", inferShapes(buildResNet18())],
  ] as const;
  for (const [name, inferred] of cases) {
    for (const backend of ["tflite-gpu@2.10", "tflite-cpu@2.10", "ort-cpu@1.30/extended", "ort-cpu@1.30/all"]) {
      const gps = graphsPerSecond(() => fuse(inferred, backend));
      console.log(`fuse ${name.padEnd(24)} ${backend.padEnd(22)} ${f(gps.wall)} graphs/s wall, ${f(gps.cpu)} graphs/s of CPU time`);
    }
  }
  // A new InferredGraph object each call: the per-graph index (built once per graph and cached) is rebuilt every
  // time, as when every call sees a different candidate network.
  const [, mv2] = cases[0];
  for (const backend of ["tflite-gpu@2.10", "ort-cpu@1.30/all"]) {
    const gps = graphsPerSecond(() => fuse({ ...mv2 } as InferredGraph, backend));
    console.log(`fuse MobileNetV2, new graph object  ${backend.padEnd(22)} ${f(gps.wall)} graphs/s wall, ${f(gps.cpu)} graphs/s of CPU time`);
  }
  console.log(`baseline loop again                                   ${f(graphsPerSecond(baselineLoop).cpu)} loops/s of CPU time${sink === 0.5 ? "" : ""}`);
}

if (import.meta.url === `file://${process.argv[1]}`) run();
