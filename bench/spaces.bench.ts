// NAS-Bench-201 throughput: the compiled per-(edge, op) cost table (encoding → latency) vs building the graph,
// inferring shapes, and running the full predictLatency pipeline with a device learnt from the same data shape.
import { inferShapes } from "../src/shape/infer.js";
import { NB201_SIZE, buildNasBench201Graph, nb201ArchAt, nb201Code } from "../src/spaces/nasbench201.js";
import { compileNb201CostTable, fitFromEndToEnd, predictNb201Latency } from "../src/transfer/fit-e2e.js";
import { fitDeviceFromEndToEnd } from "../src/transfer/fit-device-e2e.js";
import { loadDevice } from "../src/devices/load.js";
import { predictLatency } from "../src/predict.js";
import { median, timeMs } from "./util.js";

export function run(): void {
  const archs = Array.from({ length: NB201_SIZE }, (_, i) => nb201ArchAt(i));
  const codes = Int32Array.from(archs, (a) => nb201Code(a));
  // A synthetic device: conv3x3 1.0, conv1x1 0.3, pool 0.2, skip 0.05 ms per edge, 1 ms overhead.
  const cost = [0, 0.05, 0.3, 1.0, 0.2];
  const table = fitFromEndToEnd(archs.slice(0, 900).map((a) => ({ arch: a, latencyMs: 1 + a.reduce((s, o) => s + cost[o]!, 0) })));
  const c = compileNb201CostTable(table);
  let sink = 0;
  const reps = 20;
  const tCode = median(Array.from({ length: 5 }, () => timeMs(() => { for (let r = 0; r < reps; r++) for (let i = 0; i < codes.length; i++) sink += c.byCode(codes[i]!); })));
  const tEnc = median(Array.from({ length: 5 }, () => timeMs(() => { for (let r = 0; r < reps; r++) for (let i = 0; i < archs.length; i++) sink += c.byEncoding(archs[i]!); })));
  const tRef = timeMs(() => { for (let i = 0; i < archs.length; i++) sink += predictNb201Latency(table, archs[i]!); });
  const n = reps * NB201_SIZE;
  console.log(`compiled table, by code:      ${(n / tCode * 1000 / 1e6).toFixed(1)} M archs/s`);
  console.log(`compiled table, by encoding:  ${(n / tEnc * 1000 / 1e6).toFixed(1)} M archs/s`);
  console.log(`predictNb201Latency (checked): ${(NB201_SIZE / tRef * 1000 / 1e3).toFixed(0)} k archs/s`);

  // Graph pipeline on fresh graphs (nothing cached across graph objects). Batch: 300 graphs per stage, as a stage-by-stage
  // timing needs (the graphs of a stage stay alive until the next stage: GC pays for them); after one warm-up pass,
  // medians of BATCH_REPS passes. Streaming: arch by arch (build → infer → predict, then dropped), as a NAS loop
  // runs, each stage timed per arch. Under load, compare runs made at the same time.
  const m = 300;
  const subset = archs.slice(0, m);
  const latency = (a: readonly number[]) => 1 + a.reduce((s, o) => s + cost[o]!, 0);
  const dev = loadDevice(
    fitDeviceFromEndToEnd(subset.slice(0, 100).map((a) => ({ graph: inferShapes(buildNasBench201Graph(a)), latencyMs: latency(a) })), {
      id: "bench",
      backend: "ort-cpu@1.30/basic",
    }),
  );
  const BATCH_REPS = 5;
  // Wall time, and the process's CPU time (all its threads, GC helpers included): on a shared machine the CPU time
  // is the steadier number.
  const cpuUs = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const stages = { build: [] as number[], infer: [] as number[], predict: [] as number[] };
  const cpu = { build: [] as number[], infer: [] as number[], predict: [] as number[] };
  for (let rep = 0; rep <= BATCH_REPS; rep++) {
    let graphs: ReturnType<typeof buildNasBench201Graph>[] = [];
    let inferred: ReturnType<typeof inferShapes>[] = [];
    const c0 = cpuUs();
    const tBuild = timeMs(() => { graphs = subset.map((a) => buildNasBench201Graph(a)); });
    const c1 = cpuUs();
    const tInfer = timeMs(() => { inferred = graphs.map((g) => inferShapes(g)); });
    const c2 = cpuUs();
    const tPredict = timeMs(() => { for (const g of inferred) sink += predictLatency(g, dev).latencyMs; });
    const c3 = cpuUs();
    if (rep === 0) continue; // warm-up
    stages.build.push((tBuild * 1000) / m);
    stages.infer.push((tInfer * 1000) / m);
    stages.predict.push((tPredict * 1000) / m);
    cpu.build.push((c1 - c0) / m);
    cpu.infer.push((c2 - c1) / m);
    cpu.predict.push((c3 - c2) / m);
  }
  const us = (xs: number[]) => median(xs);
  const line = (label: string, perGraphUs: number, cpuPerGraphUs?: number) =>
    console.log(
      `${label.padEnd(33)}${perGraphUs.toFixed(0).padStart(6)} µs/graph  (${(1e6 / perGraphUs).toFixed(0)} graphs/s)` +
        (cpuPerGraphUs === undefined ? "" : `, CPU ${cpuPerGraphUs.toFixed(0)} µs/graph`),
    );
  console.log(`batch of ${m} graphs per stage, median of ${BATCH_REPS}:`);
  line("  buildNasBench201Graph:", us(stages.build), us(cpu.build));
  line("  inferShapes (NB201 graph):", us(stages.infer), us(cpu.infer));
  line("  predictLatency (fuse+predict):", us(stages.predict), us(cpu.predict));
  line("  build + infer:", us(stages.build) + us(stages.infer), us(cpu.build) + us(cpu.infer));
  console.log(`  full pipeline per arch:       ${(1e6 / (us(stages.build) + us(stages.infer) + us(stages.predict))).toFixed(0)} archs/s`);
  const now = () => process.hrtime.bigint();
  const streamed = { build: 0n, infer: 0n, predict: 0n };
  const streamReps = 3;
  const cs0 = cpuUs();
  for (let rep = 0; rep < streamReps; rep++) {
    for (const a of subset) {
      const t0 = now();
      const g = buildNasBench201Graph(a);
      const t1 = now();
      const inf = inferShapes(g);
      const t2 = now();
      sink += predictLatency(inf, dev).latencyMs;
      const t3 = now();
      streamed.build += t1 - t0;
      streamed.infer += t2 - t1;
      streamed.predict += t3 - t2;
    }
  }
  const cpuPerArch = (cpuUs() - cs0) / (streamReps * m);
  const perArch = (t: bigint) => Number(t) / 1e3 / (streamReps * m);
  console.log(`streaming, arch by arch (${streamReps} × ${m}; CPU ${cpuPerArch.toFixed(0)} µs per arch, all stages):`);
  line("  buildNasBench201Graph:", perArch(streamed.build));
  line("  inferShapes (NB201 graph):", perArch(streamed.infer));
  line("  predictLatency (fuse+predict):", perArch(streamed.predict));
  line("  build + infer:", perArch(streamed.build) + perArch(streamed.infer));
  console.log(`  full pipeline per arch:       ${(1e6 / (perArch(streamed.build) + perArch(streamed.infer) + perArch(streamed.predict))).toFixed(0)} archs/s`);
  if (sink === 42) console.log("");
}
