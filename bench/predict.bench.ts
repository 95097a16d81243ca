// predictLatency throughput: MobileNetV2 with shapes inferred (fuse + predict + aggregate per call), per built-in
// device kind, and the cost per prediction as a synthetic graph grows from 10 to 1,000 nodes.
// Run: npx tsx bench/predict.bench.ts   (or npm run bench -- predict)
import { getDevice } from "../src/devices/catalog.js";
import { GraphBuilder } from "../src/ir/builder.js";
import { Layers } from "../src/models/layers.js";
import { buildMobileNetV2 } from "../src/models/mobilenet.js";
import { fuse } from "../src/fusion/fuse.js";
import { aggregate, predictKernels, predictLatency } from "../src/predict.js";
import { inferShapes } from "../src/shape/infer.js";
import type { InferredGraph } from "../src/shape/types.js";
import { median, timeMs } from "./util.js";

/** Predictions per second: repeated batches until ~`budgetMs`, median batch rate. */
function rate(fn: () => unknown, budgetMs = 1500): number {
  for (let i = 0; i < 50; i++) fn(); // warm-up (JIT, device load)
  const batch = 100;
  const rates: number[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < budgetMs || rates.length < 5) {
    const ms = timeMs(() => {
      for (let i = 0; i < batch; i++) fn();
    });
    rates.push((batch / ms) * 1000);
  }
  return median(rates);
}

/** A chain of conv-bn-relu blocks with a residual Add every 3 blocks: ≈ `nodes` graph nodes. */
function chain(nodes: number): InferredGraph {
  const b = new GraphBuilder(`chain-${nodes}`);
  const L = new Layers(b);
  let x = b.input("input", [1, 32, 56, 56]);
  let skip = x;
  let n = 0, i = 0;
  while (n < nodes) {
    x = L.convBn(x, 32, 32, { kernel: i % 2 ? 1 : 3, act: "relu" });
    n += 3;
    if (++i % 3 === 0 && n < nodes) {
      x = b.op("Add", [x, skip]);
      skip = x;
      n++;
    }
  }
  b.output(x);
  return inferShapes(b.build());
}

export function run(): void {
  const mv2 = inferShapes(buildMobileNetV2());
  console.log(`MobileNetV2: ${mv2.graph.nodes.length} nodes, shapes inferred once; each call = fuse + predictKernels + aggregate`);
  for (const id of ["pixel4-gpu", "iphonexs-gpu", "pixel4-cpu-1large-fp32"]) {
    const dev = getDevice(id);
    const r = rate(() => predictLatency(mv2, dev));
    console.log(`  ${id.padEnd(24)} ${Math.round(r).toLocaleString("en-US").padStart(8)} predictions/s  (${(1e6 / r).toFixed(1)} µs each)`);
  }
  const dev = getDevice("pixel4-gpu");
  const kg = fuse(mv2, dev.backend);
  console.log("\nWhere the time goes (MobileNetV2, pixel4-gpu):");
  console.log(`  fuse only             ${(1e6 / rate(() => fuse(mv2, dev.backend))).toFixed(1).padStart(7)} µs`);
  console.log(`  predictKernels only   ${(1e6 / rate(() => predictKernels(kg, dev))).toFixed(1).padStart(7)} µs  (${kg.kernels.length} kernels, gbt)`);
  console.log(`  aggregate only        ${(1e6 / rate(() => aggregate([], dev))).toFixed(2).padStart(7)} µs`);
  console.log("\nGraph size scaling on pixel4-gpu (µs per prediction, and per node):");
  for (const n of [10, 30, 100, 300, 1000]) {
    const g = chain(n);
    const r = rate(() => predictLatency(g, dev), 800);
    const us = 1e6 / r;
    console.log(`  ${String(g.graph.nodes.length).padStart(5)} nodes: ${us.toFixed(1).padStart(8)} µs  (${(us / g.graph.nodes.length).toFixed(2)} µs/node)`);
  }
}

if (process.argv[1]?.endsWith("predict.bench.ts")) run();
