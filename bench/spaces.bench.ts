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

  const m = 300;
  let graphs: ReturnType<typeof buildNasBench201Graph>[] = [];
  const tBuild = timeMs(() => { graphs = archs.slice(0, m).map((a) => buildNasBench201Graph(a)); });
  let inferred: ReturnType<typeof inferShapes>[] = [];
  const tInfer = timeMs(() => { inferred = graphs.map((g) => inferShapes(g)); });
  const dev = loadDevice(fitDeviceFromEndToEnd(inferred.slice(0, 100).map((g, i) => ({ graph: g, latencyMs: 1 + archs[i]!.reduce((s, o) => s + cost[o]!, 0) })), { id: "bench", backend: "ort-cpu@1.30/basic" }));
  const tPredict = timeMs(() => { for (const g of inferred) sink += predictLatency(g, dev).latencyMs; });
  console.log(`buildNasBench201Graph:         ${(m / tBuild * 1000).toFixed(0)} graphs/s`);
  console.log(`inferShapes (NB201 graph):     ${(m / tInfer * 1000).toFixed(0)} graphs/s`);
  console.log(`predictLatency (fuse+predict): ${(m / tPredict * 1000).toFixed(0)} graphs/s (inferred graphs)`);
  console.log(`full pipeline per arch:        ${(m / (tBuild + tInfer + tPredict) * 1000).toFixed(0)} archs/s`);
  if (sink === 42) console.log("");
}
