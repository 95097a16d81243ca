// predictLatency throughput: MobileNetV2 with shapes inferred (fuse + predict + aggregate per call), per built-in
// device kind, and the cost per prediction as a synthetic graph grows from 10 to 1,000 nodes.
//
// Two numbers per case:
// - warm: the same InferredGraph object every call. Each call still does the whole fuse + predict + aggregate work;
//   only the per-InferredGraph structural index (src/fusion/graph-index.ts, cached by object identity) is reused.
// - cold: a fresh InferredGraph object every call (a shallow copy made outside the timed region), so the structural
//   index is rebuilt inside the timed region, as when every call sees a new candidate network.
// A third case, closer to a NAS loop: a stream of distinct FBNet candidates (src/spaces), each predicted once per
// pass with a fresh InferredGraph object (cold), shapes inferred beforehand.
// Run: npx tsx bench/predict.bench.ts   (or npm run bench -- predict)
import { loadavg } from "node:os";
import { getDevice } from "../src/devices/catalog.js";
import { GraphBuilder } from "../src/ir/builder.js";
import { Layers } from "../src/models/layers.js";
import { buildMobileNetV2 } from "../src/models/mobilenet.js";
import { fuse } from "../src/fusion/fuse.js";
import { aggregate, predictKernels, predictLatency } from "../src/predict.js";
import { inferShapes } from "../src/shape/infer.js";
import { buildFbnetGraph, sampleFbnetArchs } from "../src/spaces/fbnet.js";
import type { Device } from "../src/devices/types.js";
import { memoizePredictor, type MemoPredictor } from "../src/predictors/memo.js";
import type { InferredGraph } from "../src/shape/types.js";
import { median } from "./util.js";

const BATCH = 100;

/** Median calls per second over batches, by wall clock and by this process's CPU time (less disturbed by load). */
interface Rate {
  wall: number;
  cpu: number;
}

/**
 * Calls per second: repeated batches of `BATCH` calls until ~`budgetMs`, median batch rate. `fresh` (cold) gives
 * each call its own shallow copy of the graph, made before the batch's clocks start.
 */
function rate(g: InferredGraph, fn: (g: InferredGraph) => unknown, fresh: boolean, budgetMs = 1500): Rate {
  for (let i = 0; i < 50; i++) fn(fresh ? { ...g } : g); // warm-up (JIT, device load)
  const args: InferredGraph[] = new Array(BATCH).fill(g);
  const wall: number[] = [];
  const cpu: number[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < budgetMs || wall.length < 5) {
    if (fresh) for (let i = 0; i < BATCH; i++) args[i] = { ...g };
    const c0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) fn(args[i]!);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const c = process.cpuUsage(c0);
    wall.push((BATCH / ms) * 1000);
    cpu.push((BATCH * 1e6) / Math.max(1, c.user + c.system));
  }
  return { wall: median(wall), cpu: median(cpu) };
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

/** A copy of `device` whose route predictors are each wrapped in a bounded memoizePredictor cache (the caller owns it). */
function memoized(device: Device, capacity: number): { device: Device; caches: MemoPredictor[] } {
  const caches: MemoPredictor[] = [];
  const routes = new Map([...device.routes].map(([c, rs]) => [c, rs.map((r) => {
    const m = memoizePredictor(r.predictor, capacity);
    caches.push(m);
    return { ...r, predictor: m };
  })] as const));
  return { device: { ...device, routes }, caches };
}

const perSec = (r: number) => Math.round(r).toLocaleString("en-US").padStart(7);
const us = (r: number, digits = 1) => (1e6 / r).toFixed(digits).padStart(6);
/** "N/s (µs) wall, N/s (µs) CPU" */
const both = (r: Rate) => `${perSec(r.wall)}/s (${us(r.wall)} µs) wall, ${perSec(r.cpu)}/s (${us(r.cpu)} µs) CPU`;
const usBoth = (r: Rate, digits = 1) => `${us(r.wall, digits)} wall ${us(r.cpu, digits)} CPU`;

export function run(): void {
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")} (2 shared cores: other processes slow the wall-clock numbers)`);
  const mv2 = inferShapes(buildMobileNetV2());
  console.log(`MobileNetV2: ${mv2.graph.nodes.length} nodes, shapes inferred once; each call = fuse + predictKernels + aggregate`);
  for (const id of ["pixel4-gpu", "iphonexs-gpu", "pixel4-cpu-1large-fp32"]) {
    const dev = getDevice(id);
    console.log(`  ${id.padEnd(24)} warm ${both(rate(mv2, (g) => predictLatency(g, dev), false))}`);
    console.log(`  ${"".padEnd(24)} cold ${both(rate(mv2, (g) => predictLatency(g, dev), true))}`);
  }
  const dev = getDevice("pixel4-gpu");
  const kg = fuse(mv2, dev.backend);
  const est = predictKernels(kg, dev);
  console.log("\nWhere the time goes (MobileNetV2, pixel4-gpu), µs per call:");
  console.log(`  fuse only, warm                  ${usBoth(rate(mv2, (g) => fuse(g, dev.backend), false))}`);
  console.log(`  fuse only, cold                  ${usBoth(rate(mv2, (g) => fuse(g, dev.backend), true))}`);
  console.log(`  predictKernels only (${kg.kernels.length} kernels) ${usBoth(rate(mv2, () => predictKernels(kg, dev), false))}`);
  console.log(`  aggregate only                   ${usBoth(rate(mv2, () => aggregate(est, dev), false), 2)}`);
  console.log("\nGraph size scaling on pixel4-gpu, µs per prediction by CPU time (and per node), warm | cold:");
  for (const n of [10, 30, 100, 300, 1000]) {
    const g = chain(n);
    const nodes = g.graph.nodes.length;
    const warm = 1e6 / rate(g, (x) => predictLatency(x, dev), false, 800).cpu;
    const cold = 1e6 / rate(g, (x) => predictLatency(x, dev), true, 800).cpu;
    console.log(`  ${String(nodes).padStart(5)} nodes: ${warm.toFixed(1).padStart(8)} µs (${(warm / nodes).toFixed(2)} µs/node) | ${cold.toFixed(1).padStart(8)} µs (${(cold / nodes).toFixed(2)} µs/node)`);
  }
  const stream = sampleFbnetArchs(200, 5).map((a) => inferShapes(buildFbnetGraph(a)));
  const mean = Math.round(stream.reduce((s, g) => s + g.graph.nodes.length, 0) / stream.length);
  console.log(`\nNAS stream (run last: its 1,200 graphs stay in memory): ${stream.length} distinct FBNet candidates (mean ${mean} nodes), a new InferredGraph object per call (cold):`);
  for (const id of ["pixel4-gpu", "pixel4-cpu-1large-fp32"]) {
    const d = getDevice(id);
    let next = 0;
    const r = rate(mv2, () => predictLatency({ ...stream[next++ % stream.length]! }, d), false);
    console.log(`  ${id.padEnd(24)} ${both(r)}`);
  }
  // Opt-in, not the default path: every route's predictor behind a user-owned memoizePredictor cache (cross-call,
  // bounded, bit-identical). 1,000 further distinct candidates, each predicted exactly once, without and with caches
  // that start empty: their kernels recur across the search space, their graphs never do.
  const nas = sampleFbnetArchs(1000, 11).map((a) => inferShapes(buildFbnetGraph(a)));
  const pass = (d: Device): number => {
    const c0 = process.cpuUsage();
    for (const g of nas) predictLatency({ ...g }, d);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / nas.length;
  };
  const memo = memoized(dev, 4096);
  const plain1 = pass(dev);
  const cached = pass(memo.device);
  const plain = (plain1 + pass(dev)) / 2; // before and after the cached pass (GC debt, load drift)
  const hits = memo.caches.reduce((s, c) => s + c.hits, 0), misses = memo.caches.reduce((s, c) => s + c.misses, 0);
  console.log(`  pixel4-gpu, ${nas.length} more candidates once each: ${plain.toFixed(1)} µs CPU per candidate; with memoizePredictor on every route (opt-in, ${(100 * hits / (hits + misses)).toFixed(1)}% kernel hits) ${cached.toFixed(1)} µs`);
}

if (process.argv[1]?.endsWith("predict.bench.ts")) run();
