// %% [markdown]
// # edgelat walkthrough: parse → inspect → fuse → predict → compare devices → few-shot adapt
//
// A notebook as an ES module with top-level await, in "percent" cells (`// %%`): VS Code, PyCharm and Jupytext open
// it as a notebook (`jupytext --to ipynb examples/walkthrough.ts` makes an .ipynb for a TypeScript kernel), and
// `npx tsx examples/walkthrough.ts` runs every cell top to bottom. The test suite runs it too, so it cannot rot.
// In your own project import from "edgelat" instead of "../src/index.js".

// %%
import { readFile } from "node:fs/promises";
import {
  buildNasBench201Graph,
  fuse,
  getDevice,
  inferShapes,
  listDevices,
  nb201FeatureMatrix,
  nb201HasPath,
  parseModel,
  predictLatency,
  sampleNb201Archs,
  sourcePrior,
  spearman,
  summarizeGraph,
  toOnnx,
  flopsOnly,
  bestProxy,
  type FewShotTask,
  type Nb201Arch,
} from "../src/index.js";

// %% [markdown]
// ## 1. Parse
// `parseModel` recognises the format from the bytes (ONNX protobuf, TF.js `model.json`, nn-Meter IR). Weights are
// never needed: the bundled examples are weight-stripped.

// %%
const bytes = new Uint8Array(await readFile(new URL("./models/mobilenetv2-1.0.onnx", import.meta.url)));
const graph = parseModel(bytes);
console.log(`parsed ${graph.name || "model"}: ${graph.nodes.length} nodes, inputs ${graph.inputs.map((t) => `${t}`).join(", ")}`);

// %% [markdown]
// ## 2. Inspect
// Shape inference gives every tensor's shape and every node's cost (FLOPs = 2 × MACs, parameters, bytes moved).

// %%
const inferred = inferShapes(graph);
const summary = summarizeGraph(inferred);
const topOps = Object.entries(summary.opHistogram).sort((a, b) => b[1] - a[1]).slice(0, 5);
console.log(`FLOPs ${(summary.flops / 1e6).toFixed(1)} M, params ${(summary.params / 1e6).toFixed(2)} M, ops: ${topOps.map(([op, n]) => `${op}×${n}`).join(" ")}`);

// %% [markdown]
// ## 3. Fuse
// A device's runtime fuses operations into kernels (Conv+BN+ReLU6 runs as one kernel). Fusion rule sets are per
// backend; the same graph gives different kernels on the TFLite GPU delegate and on the TFLite CPU (XNNPACK).

// %%
const gpu = getDevice("pixel4-gpu");
const cpu = getDevice("s10-cpu-1large-fp32");
const gpuKernels = fuse(inferred, gpu.backend);
const cpuKernels = fuse(inferred, cpu.backend);
console.log(`${gpu.backend}: ${gpuKernels.kernels.length} kernels (${gpuKernels.kernels.slice(0, 3).map((k) => k.type).join(", ")}, …)`);
console.log(`${cpu.backend}: ${cpuKernels.kernels.length} kernels`);

// %% [markdown]
// ## 4. Predict
// `predictLatency` = fuse → per-kernel predictors → the device's overhead model. It returns the total with a 90%
// interval and one estimate per kernel (never silently dropping one).

// %%
const est = predictLatency(inferred, gpu);
const slowest = [...est.kernels].sort((a, b) => b.latencyMs - a.latencyMs).slice(0, 3);
console.log(`pixel4-gpu: ${est.latencyMs.toFixed(2)} ms (90% ${est.interval[0].toFixed(2)}–${est.interval[1].toFixed(2)} ms)`);
console.log(`slowest kernels: ${slowest.map((k) => `${k.id} ${k.type} ${k.latencyMs.toFixed(3)} ms`).join("; ")}`);

// %% [markdown]
// ## 5. Compare devices
// Every built-in device (6 phone GPUs, 84 phone CPU configurations) predicts from the same inferred graph.

// %%
const gpus = listDevices().filter((d) => d.processor === "gpu");
const perDevice = gpus.map((d) => ({ id: d.id, ms: predictLatency(inferred, d.id).latencyMs })).sort((a, b) => a.ms - b.ms);
for (const d of perDevice) console.log(`  ${d.id.padEnd(14)} ${d.ms.toFixed(2).padStart(7)} ms`);

// %% [markdown]
// ## 6. Few-shot adaptation to a device edgelat has never seen: this machine
// The target is this computer's CPU running ONNX Runtime — real measurements, not a simulation. The built-in phones
// are the *source* devices: their predicted latencies over a universe of NAS-Bench-201 architectures form the prior,
// and only 10 architectures are measured here. We compare, on 20 other measured architectures, Spearman ρ of
// FLOPs alone, the best single proxy device (OneProxy) and edgelat's source-prior method (HELP/MAPLE-X style).
// Networks are built with dead edges pruned (what a deployed NB201 cell executes), for the sources and the measured
// target alike. On a single-threaded CPU, latency tracks FLOPs closely, so FLOPs alone is a strong baseline here; the
// ρ values move by a few hundredths from run to run with the machine's load (20 evaluation points).
// Without onnxruntime-node the cell falls back to a held-out built-in device as the target (and says so).

// %%
const universe: Nb201Arch[] = sampleNb201Archs(160, 11).filter(nb201HasPath).slice(0, 120);
const sourceIds = ["pixel4-gpu", "s10-gpu", "iphonexs-gpu", "s10-cpu-1large-fp32", "a03s-cpu-1large-fp32"];
const inferredArchs = universe.map((a) => inferShapes(buildNasBench201Graph(a, { pruneDeadEdges: true })));
const sources = sourceIds.map((id) => ({ device: id, latencyMs: Float64Array.from(inferredArchs, (g) => predictLatency(g, id).latencyMs) }));
const flops = Float64Array.from(inferredArchs, (g) => summarizeGraph(g).flops);

const sampleRows = [...Array(10).keys()].map((i) => i * 12); // 10 measured architectures
const heldOut = [...Array(20).keys()].map((i) => i * 6 + 3); // 20 others to evaluate on

/** Median latency (ms) of each model on this CPU: interleaved rounds after a warm-up, so load spikes hit all alike. */
async function measureHere(archs: readonly Nb201Arch[]): Promise<number[] | undefined> {
  let ort: typeof import("onnxruntime-node");
  try {
    ort = await import("onnxruntime-node");
  } catch {
    return undefined;
  }
  const sessions = await Promise.all(
    archs.map((a) => ort.InferenceSession.create(toOnnx(buildNasBench201Graph(a, { pruneDeadEdges: true })), { intraOpNumThreads: 1, interOpNumThreads: 1 })),
  );
  const x = new ort.Tensor("float32", new Float32Array(3 * 32 * 32).fill(0.5), [1, 3, 32, 32]);
  const times: number[][] = archs.map(() => []);
  for (let round = 0; round < 17; round++) {
    for (let i = 0; i < sessions.length; i++) {
      const s = sessions[i]!;
      const t0 = performance.now();
      await s.run({ [s.inputNames[0]!]: x });
      if (round >= 2) times[i]!.push(performance.now() - t0);
    }
  }
  await Promise.all(sessions.map((s) => s.release()));
  return times.map((t) => t.sort((a, b) => a - b)[t.length >> 1]!);
}

const measured = await measureHere([...sampleRows, ...heldOut].map((r) => universe[r]!));
let targetName: string;
let sampleMs: number[], heldOutMs: number[];
let taskSources = sources;
if (measured !== undefined) {
  targetName = "this machine (onnxruntime-node, 1 thread)";
  sampleMs = measured.slice(0, sampleRows.length);
  heldOutMs = measured.slice(sampleRows.length);
} else {
  targetName = "a03s-cpu-1large-fp32 held out (onnxruntime-node not installed: simulated target)";
  const t = sources.find((s) => s.device === "a03s-cpu-1large-fp32")!;
  taskSources = sources.filter((s) => s !== t);
  sampleMs = sampleRows.map((r) => t.latencyMs[r]!);
  heldOutMs = heldOut.map((r) => t.latencyMs[r]!);
}
const task: FewShotTask = { features: nb201FeatureMatrix(universe, "onehot-live"), flops, sources: taskSources, sampleRows, sampleLatencyMs: sampleMs };
const methods = { "FLOPs only": flopsOnly, "best proxy (OneProxy)": bestProxy, "source prior (edgelat)": sourcePrior() };
export const fewShot: Record<string, number> = {};
const range = (v: number[]) => `${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)} ms`;
console.log(`target: ${targetName}; 10 samples (${range(sampleMs)}), evaluated on ${heldOut.length} others (${range(heldOutMs)})`);
for (const [name, method] of Object.entries(methods)) {
  const scores = method(task);
  fewShot[name] = spearman(heldOut.map((r) => scores[r]!), heldOutMs);
  console.log(`  ${name.padEnd(24)} Spearman ρ ${fewShot[name]!.toFixed(3)}`);
}
