// Trains the built-in phone device profiles from ../shared/data/mobile-ml-benchmark and writes
// src/devices/builtin/phones-gpu.json and phones-cpu.json (with provenance and leave-one-family-out validation).
// Usage: npm run train-devices [-- --only gpu|cpu]   (EDGELAT_DATA overrides the data folder; --only writes one file)
import { writeFileSync } from "node:fs";
import { dataRoot } from "../src/datasets/paths.js";
import { MLB_GPU_DEVICES, readMobileMlBenchmark } from "../src/datasets/mobileMlBenchmark.js";
import { cpuConfigs, evalCpu, evalGpu, type ConfigResult } from "../src/devices/train/evaluate.js";
import { trainCpuDevice } from "../src/devices/train/phones-cpu.js";
import { e2eIndex, GPU_GBT_OPTIONS, SPLIT, trainGpuDevice } from "../src/devices/train/phones.js";
import type { DeviceProfileJSON } from "../src/devices/types.js";

const SEED = 1;
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
if (only !== undefined && only !== "gpu" && only !== "cpu") {
  console.error("train-devices: --only takes gpu or cpu");
  process.exit(1);
}
const root = dataRoot();
if (root === undefined) {
  console.error("train-devices: ../shared/data not found (set EDGELAT_DATA)");
  process.exit(1);
}
const data = readMobileMlBenchmark(root);
const e2e = e2eIndex(data.e2e);

/** Relative error std of the held-out predictions: the honest spread behind the profile's interval. */
function heldOutRelStd(r: ConfigResult): number {
  const e = r.predicted.map((p, i) => p / r.measured[i]! - 1);
  return Math.sqrt(e.reduce((a, x) => a + x * x, 0) / e.length);
}

function validation(r: ConfigResult): NonNullable<DeviceProfileJSON["provenance"]["validation"]> {
  return {
    protocol: `${SPLIT}; every coefficient, tree and overhead term fitted without the held-out family`,
    within10: r.edgelat.within10, within5: r.edgelat.within5, mape: r.edgelat.mape, spearman: r.edgelat.spearman,
  };
}

const gpus: DeviceProfileJSON[] = [];
for (const device of only === "cpu" ? [] : MLB_GPU_DEVICES) {
  const t0 = Date.now();
  const map = e2e.get(`${device}/gpu/float`)!;
  const profile = trainGpuDevice(data, data.models, device, map, { seed: SEED });
  const r = evalGpu(data, device, { seed: SEED });
  profile.provenance.split = SPLIT;
  profile.provenance.validation = validation(r);
  profile.overhead.relStd = heldOutRelStd(r);
  profile.provenance.trainedBy = "scripts/train-phone-devices.ts (npm run train-devices)";
  profile.provenance.notes = [
    "overhead.relStd (the interval) is the relative error std of the leave-one-family-out predictions",
    `kernel predictors: gradient-boosted trees on ln(latency) per kernel class (${JSON.stringify(GPU_GBT_OPTIONS)}), optionally on a power-law stage; see provenance.method for the choice`,
    "latencies converted from the dataset's µs to ms",
    "PAD merged into a convolution / pool costs nothing of its own (absorbed); element-wise ops that ran alone (gaps in the kernel numbering of the traces) are priced by the elementwise predictor when the aggregation selected it, else absorbed by the overhead model",
    "class scales α of the aggregation are folded into the class predictors (overhead.coef.sumKernelMs = 1)",
  ];
  gpus.push(profile);
  console.log(`${profile.id}: within±10% ${(100 * r.edgelat.within10).toFixed(1)}%, MAPE ${(100 * r.edgelat.mape).toFixed(1)}% (${Date.now() - t0} ms)`);
}

const cpus: DeviceProfileJSON[] = [];
for (const cfg of only === "gpu" ? [] : cpuConfigs(data)) {
  const map = e2e.get(`${cfg.device}/${cfg.hwConfig}/${cfg.precision}`)!;
  const profile = trainCpuDevice(data, data.models, cfg, map);
  const r = evalCpu(data, cfg);
  profile.provenance.split = SPLIT;
  profile.provenance.validation = validation(r);
  profile.overhead.relStd = heldOutRelStd(r);
  profile.provenance.trainedBy = "scripts/train-phone-devices.ts (npm run train-devices)";
  profile.provenance.notes = [
    "overhead.relStd (the interval) is the relative error std of the leave-one-family-out predictions",
    "only end-to-end latency is published for CPUs: per-kernel costs are learnt from e2e totals of the real models",
    "each model's kernels come from its GPU op list (TFLite converter fusion of ReLU-family activations assumed; ADD, HARD_SWISH, LOGISTIC priced like linked ops, as element-wise kernels at run time)",
    "PAD absorbed: the explicit PAD ops of the converted TFLite graphs are priced inside the convolution coefficients",
  ];
  cpus.push(profile);
  console.log(`${profile.id}: within±10% ${(100 * r.edgelat.within10).toFixed(1)}%`);
}

const header = { generatedBy: "npm run train-devices", dataset: "mobile-ml-benchmark", seed: SEED };
if (only !== "cpu") writeFileSync(new URL("../src/devices/builtin/phones-gpu.json", import.meta.url), JSON.stringify({ ...header, devices: gpus }) + "\n");
if (only !== "gpu") writeFileSync(new URL("../src/devices/builtin/phones-cpu.json", import.meta.url), JSON.stringify({ ...header, devices: cpus }) + "\n");
console.log(`wrote ${gpus.length} GPU and ${cpus.length} CPU profiles`);
