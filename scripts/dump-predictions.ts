// Dumps `fuse` on every backend and `predictLatency` on every built-in device (total and every kernel's latencyMs, plus
// a hash of the whole estimate) over a fixed set of graphs, one line each, so that a speed change to fusion or
// prediction can be checked to be bit-identical: run it before and after, then `cmp` the two files.
//   npx tsx scripts/dump-predictions.ts > /tmp/before.txt
// Covers 40 NAS-Bench-201 archs, 18 FBNet and 10 OFA samples, the src/models builders and examples/models/*.onnx.
// (Graphs and shape inference alone: scripts/dump-inferred.ts.)
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { getDevice, listDevices } from "../src/devices/catalog.js";
import { backendIds } from "../src/fusion/backends/index.js";
import { fuse } from "../src/fusion/fuse.js";
import type { Graph } from "../src/ir/types.js";
import { buildMobileNetV2, buildMobileNetV3Large, buildMobileNetV3Small, buildResNet18, buildResNet50, buildViT } from "../src/models/index.js";
import { parseOnnx } from "../src/parsers/onnx/index.js";
import { predictLatency } from "../src/predict.js";
import { inferShapes } from "../src/shape/infer.js";
import { buildFbnetGraph, sampleFbnetArchs } from "../src/spaces/fbnet.js";
import { NB201_SIZE, buildNasBench201Graph, nb201ArchAt } from "../src/spaces/nasbench201.js";
import { buildOfaGraph, sampleOfaArchs } from "../src/spaces/ofa.js";

const EXAMPLES = resolve(import.meta.dirname ?? ".", "..", "examples", "models");

/** JSON with -0, NaN, ±Infinity and undefined spelled out (JSON.stringify loses them). */
const stable = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === "number") return Object.is(v, -0) ? "#-0" : Number.isFinite(v) ? v : `#${v}`;
    return v === undefined ? "#undefined" : v;
  });
const hash = (s: string): string => createHash("sha1").update(s).digest("hex").slice(0, 16);

const graphs: [string, () => Graph][] = [];
for (let k = 0; k < 40; k++) {
  const i = Math.floor((k * NB201_SIZE) / 40) + (k % 7);
  graphs.push([`nb201/${i}`, () => buildNasBench201Graph(nb201ArchAt(i))]);
}
sampleFbnetArchs(15, 7).forEach((a, i) => graphs.push([`fbnet/${i}`, () => buildFbnetGraph(a)]));
sampleFbnetArchs(3, 3).forEach((a, i) => graphs.push([`fbnet-imagenet/${i}`, () => buildFbnetGraph(a, { dataset: "imagenet" })]));
sampleOfaArchs(10, 11).forEach((a, i) => graphs.push([`ofa/${i}`, () => buildOfaGraph(a)]));
graphs.push(
  ["mobilenetv2", () => buildMobileNetV2()],
  ["mobilenetv2-0.5-160", () => buildMobileNetV2({ widthMultiplier: 0.5, resolution: 160 })],
  ["mobilenetv2-nobn", () => buildMobileNetV2({ batchNorm: false })],
  ["mobilenetv3-large", () => buildMobileNetV3Large()],
  ["mobilenetv3-small", () => buildMobileNetV3Small()],
  ["resnet18", () => buildResNet18()],
  ["resnet50", () => buildResNet50()],
  ["vit", () => buildViT({ depth: 2, patch: 16, dim: 192, heads: 3 })],
);
for (const f of readdirSync(EXAMPLES).filter((f) => f.endsWith(".onnx")).sort()) {
  const bytes = new Uint8Array(readFileSync(join(EXAMPLES, f)));
  graphs.push([`examples/${f}`, () => parseOnnx(bytes)]);
}

const devices = listDevices().map((d) => getDevice(d.id));
let comparisons = 0;
for (const [label, make] of graphs) {
  const g = inferShapes(make());
  for (const b of backendIds()) console.log(label, "fuse", b, hash(stable(fuse(g, b))));
  for (const d of devices) {
    const e = predictLatency(g, d);
    comparisons += 1 + e.kernels.length;
    console.log(label, d.id, String(e.latencyMs), hash(stable(e)), e.kernels.map((k) => String(k.latencyMs)).join(","));
  }
}
console.error(`graphs ${graphs.length}, devices ${devices.length}, latency comparisons ${comparisons}`);
