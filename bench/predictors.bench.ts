// Kernel predictors: fit time on 3,000 synthetic conv kernels, prediction cost per kernel (median of repetitions,
// through the public `predict`), and JSON size. Includes the forest of 100 trees of depth 8 the predictor API targets.
// Last: the built-in pixel4-gpu predictors on the real MobileNetV2 kernels (wall and process-CPU µs per kernel; the
// CPU figure is less disturbed by other processes on a shared machine).
import { fitPredictor } from "../src/predictors/fit.js";
import { predictorFromJSON } from "../src/predictors/json.js";
import { memoizePredictor } from "../src/predictors/memo.js";
import { syntheticSamples } from "../src/predictors/synthetic.js";
import type { KernelFeatures } from "../src/fusion/types.js";
import { getDevice } from "../src/devices/catalog.js";
import { predictorFeatures } from "../src/devices/estimate.js";
import { fuse } from "../src/fusion/fuse.js";
import { buildMobileNetV2 } from "../src/models/mobilenet.js";
import { inferShapes } from "../src/shape/infer.js";
import type { Predictor } from "../src/predictors/types.js";
import { median, timeMs } from "./util.js";

const truth = (f: KernelFeatures) => (f.kernelH === 1 ? 1e-9 : 2e-9) * f.flops + (f.hIn! > 50 ? 0.2 : 0.05);

const CASES: [string, Record<string, unknown>][] = [
  ["flops-linear", {}],
  ["roofline", {}],
  ["linear", {}],
  ["lookup", {}],
  ["gbt", { noiseFolds: 0 }],
  ["gbt", { nEstimators: 30, learningRate: 0.4, maxDepth: 8, noiseFolds: 0 }],
  ["forest", { nEstimators: 100, maxDepth: 8 }],
];

export function run(): void {
  const samples = syntheticSamples(3000, truth, 1, 0.03);
  const features = samples.map((s) => s.features);
  console.log("kind           options                                         fit ms   µs/predict   JSON KiB");
  for (const [kind, options] of CASES) {
    let model = fitPredictor(kind, samples, options);
    const fit = timeMs(() => { model = fitPredictor(kind, samples, options); });
    const loaded = predictorFromJSON(JSON.parse(JSON.stringify(model)));
    let sink = 0;
    const reps: number[] = [];
    for (let r = 0; r < 7; r++) {
      reps.push(timeMs(() => { for (let i = 0; i < 30000; i++) sink += loaded.predict(features[i % features.length]!).latencyMs; }) / 30000 * 1000);
    }
    if (!Number.isFinite(sink)) throw new Error("non-finite prediction");
    const kib = JSON.stringify(model).length / 1024;
    console.log(`${kind.padEnd(14)} ${JSON.stringify(options).padEnd(47)} ${fit.toFixed(0).padStart(6)} ${median(reps).toFixed(3).padStart(12)} ${kib.toFixed(1).padStart(10)}`);
  }
  // The memo cache on a NAS-like stream: 200 distinct kernels recurring (a search space has few distinct configs).
  const gbt = fitPredictor("gbt", samples, { noiseFolds: 0 });
  const memo = memoizePredictor(gbt, 4096);
  const stream = features.slice(0, 200);
  let sink = 0;
  const reps: number[] = [];
  for (let r = 0; r < 7; r++) reps.push(timeMs(() => { for (let i = 0; i < 30000; i++) sink += memo.predict(stream[i % 200]!).latencyMs; }) / 30000 * 1000);
  if (!Number.isFinite(sink)) throw new Error("non-finite prediction");
  console.log(`memoized gbt (200 distinct kernels, ${memo.hits} hits / ${memo.misses} misses): ${median(reps).toFixed(3)} µs/predict`);
  builtinKernels();
}

/** The pixel4-gpu kernel predictors on MobileNetV2's kernels, called the way predictKernels does (route 0 per class). */
function builtinKernels(): void {
  const dev = getDevice("pixel4-gpu");
  const calls: [Predictor, KernelFeatures][] = [];
  for (const k of fuse(inferShapes(buildMobileNetV2()), dev.backend).kernels) {
    const p = dev.typeOverrides.get(k.type) ?? dev.routes.get(k.class)?.[0]?.predictor;
    if (p !== undefined) calls.push([p, predictorFeatures(k)]);
  }
  const kinds = [...new Set(calls.map(([p]) => p.kind))].join(", ");
  let sink = 0;
  const wall: number[] = [], cpu: number[] = [];
  const loops = 300;
  for (let r = 0; r < 15; r++) {
    const c0 = process.cpuUsage().user;
    wall.push(timeMs(() => { for (let i = 0; i < loops; i++) for (const [p, f] of calls) sink += p.predict(f).latencyMs; }) * 1000 / (loops * calls.length));
    cpu.push((process.cpuUsage().user - c0) / (loops * calls.length));
  }
  if (!Number.isFinite(sink)) throw new Error("non-finite prediction");
  console.log(`built-in pixel4-gpu predictors (${kinds}) on ${calls.length} MobileNetV2 kernels: ${median(wall).toFixed(3)} µs/kernel wall, ${median(cpu).toFixed(3)} µs/kernel CPU`);
}
