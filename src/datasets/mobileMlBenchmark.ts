/**
 * Reader for the mobile-ml-benchmark dataset (qed-usc, MIT): TFLite latency of 102 real CNNs on six phones.
 *
 * Upstream latencies are in microseconds; this module converts them to milliseconds at the boundary, so every
 * `…Ms` field below is in ms and nothing past this file ever sees µs.
 *
 * Geometry convention: the dataset's `Input_shape` is the spatial size H = W *including* explicit padding (TFLite
 * graphs carry a separate PAD op). Ops read from here get `hIn = wIn = Input_shape` and `padH = padW = 0`. Kernels from
 * `fuse` on a graph carry the unpadded `hIn` plus the op's `padH`; in both cases `hIn + padH` is the padded input size,
 * and that sum is what predictors should use (see `paddedH`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EdgelatError } from "../errors.js";
import type { KernelClass, KernelFeatures } from "../fusion/types.js";
import { csvRecords, parseCsv } from "./csv.js";

/** The six phones whose TFLite GPU delegate was profiled op by op. */
export const MLB_GPU_DEVICES = ["pixel4", "s10", "mi8se", "a03s", "iphone7", "iphonexs"] as const;
export type MlbGpuDevice = (typeof MLB_GPU_DEVICES)[number];

/** Bytes per activation / weight element assumed for byte counts (the models are stored as fp32). */
const BYTES_PER_ELEMENT = 4;

/** TFLite operation name → kernel class. */
export const MLB_OPERATION_CLASS: Readonly<Record<string, KernelClass>> = {
  CONV_2D: "conv",
  CONV_2D_GROUP: "gconv",
  DEPTHWISE_CONV_2D: "dwconv",
  FULLY_CONNECTED: "fc",
  MEAN: "global-pool",
  CONCATENATION: "concat",
  MAX_POOL_2D: "pool",
  AVERAGE_POOL_2D: "pool",
};

/** One profiled op on one device. */
export interface MlbOpMeasurement {
  latencyMs: number;
  /** GPU kernel name, e.g. `convolution_2d_19_linked_:_add_20`, `convolution_winograd_4x4_6x6_1`. */
  kernel: string;
  /** Element-wise ops fused into this kernel (from the kernel name), e.g. ["add", "relu"]. */
  linked: string[];
  /** The GPU chose a Winograd convolution for this op. */
  winograd: boolean;
}

/** One op (row group) of a model, in execution order. */
export interface MlbOp {
  /** 0-based position in the model's execution order. */
  seq: number;
  operation: string;
  class: KernelClass;
  features: KernelFeatures;
  /** Number of inputs for CONCATENATION (the dataset's `Kernel` field), else 1. */
  nInputs: number;
  /** Per GPU device; a device is absent when the op was not measured there. */
  gpu: Partial<Record<MlbGpuDevice, MlbOpMeasurement>>;
}

export interface MlbModel {
  name: string;
  family: string;
  /** FLOPs of the whole model as published (2 × MACs). */
  flops: number;
  ops: MlbOp[];
}

/** One end-to-end measurement: a model on a (device, hw_config, precision) configuration. */
export interface MlbE2e {
  model: string;
  device: string;
  /** "gpu" or a CPU core set such as "1large", "1large2med", "4small". */
  hwConfig: string;
  /** Threads = sum of the core counts; undefined for the GPU. */
  threads?: number;
  precision: "float" | "quant";
  latencyMs: number;
  stdMs: number;
}

/** One phone of devices.csv. */
export interface MlbDevice {
  key: string;
  name: string;
  soc: string;
  /** CPU clusters present on the phone (count > 0). */
  clusters: { kind: "large" | "med" | "small"; cores: number; ghz: number }[];
  gpu: string;
}

export interface MobileMlBenchmark {
  /** Real TFLite CNNs with per-op GPU rows, sorted by name. */
  models: MlbModel[];
  /** TFLite end-to-end rows of the real CNNs (all devices and configurations). */
  e2e: MlbE2e[];
  devices: MlbDevice[];
}

/** The padded input height a predictor should use: `hIn + padH` (see the module comment). */
export function paddedH(f: KernelFeatures): number {
  return (f.hIn ?? 0) + (f.padH ?? 0);
}

/** Parses the fused element-wise op names out of a TFLite GPU kernel name. */
export function linkedOps(kernel: string): string[] {
  const parts = kernel.split("_linked_:_");
  return parts.slice(1).map((p) => p.replace(/_\d+$/, ""));
}

type Feature = Record<string, number | null>;

function num(f: Feature, key: string, ctx: string): number {
  const v = f[key];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new EdgelatError("invalid_json", `mobile-ml-benchmark: ${ctx}: feature '${key}' is missing or not a number`, { key, ctx });
  }
  return v;
}

/** KernelFeatures of one dataset op (see the module comment for the padding convention). */
export function opFeatures(operation: string, f: Feature, ctx = operation): { features: KernelFeatures; nInputs: number } {
  const cls = MLB_OPERATION_CLASS[operation];
  if (cls === undefined) throw new EdgelatError("unsupported_op", `mobile-ml-benchmark: unknown operation '${operation}' (${ctx})`);
  const B = BYTES_PER_ELEMENT;
  switch (cls) {
    case "conv":
    case "gconv":
    case "dwconv": {
      const h = num(f, "Input_shape", ctx), cin = num(f, "Input_channel", ctx), ho = num(f, "Output_shape", ctx);
      const k = num(f, "Kernel", ctx), s = num(f, "Stride", ctx), filter = num(f, "Filter", ctx);
      const groups = cls === "dwconv" ? cin : cls === "gconv" ? num(f, "Group", ctx) : 1;
      const cout = cls === "dwconv" ? cin * filter : filter;
      const params = k * k * (cin / groups) * cout + cout;
      const inEl = h * h * cin, outEl = ho * ho * cout;
      return {
        nInputs: 1,
        features: {
          flops: num(f, "FLOPS", ctx), params, bytesRead: (inEl + params) * B, bytesWritten: outEl * B,
          inputShape: [1, cin, h, h], outputShape: [1, cout, ho, ho],
          cin, cout, hIn: h, wIn: h, hOut: ho, wOut: ho, kernelH: k, kernelW: k, strideH: s, strideW: s, groups,
          padH: 0, padW: 0, nodes: 1,
        },
      };
    }
    case "fc": {
      const cin = num(f, "Input_channel", ctx), cout = num(f, "Filter", ctx);
      const params = cin * cout + cout;
      return {
        nInputs: 1,
        features: {
          flops: num(f, "FLOPS", ctx), params, bytesRead: (cin + params) * B, bytesWritten: cout * B,
          inputShape: [1, cin], outputShape: [1, cout], cin, cout, nodes: 1,
        },
      };
    }
    case "global-pool": {
      const h = num(f, "Input_shape", ctx), c = num(f, "Input_channel", ctx);
      return {
        nInputs: 1,
        features: {
          flops: num(f, "FLOPS", ctx), params: 0, bytesRead: h * h * c * B, bytesWritten: c * B,
          inputShape: [1, c, h, h], outputShape: [1, c, 1, 1],
          cin: c, cout: c, hIn: h, wIn: h, hOut: 1, wOut: 1, kernelH: h, kernelW: h, padH: 0, padW: 0, nodes: 1,
        },
      };
    }
    case "pool": {
      const h = num(f, "Input_shape", ctx), c = num(f, "Input_channel", ctx), ho = num(f, "Output_shape", ctx);
      const k = num(f, "Kernel", ctx), s = num(f, "Stride", ctx);
      return {
        nInputs: 1,
        features: {
          flops: num(f, "FLOPS", ctx), params: 0, bytesRead: h * h * c * B, bytesWritten: ho * ho * c * B,
          inputShape: [1, c, h, h], outputShape: [1, c, ho, ho],
          cin: c, cout: c, hIn: h, wIn: h, hOut: ho, wOut: ho, kernelH: k, kernelW: k, strideH: s, strideW: s,
          padH: 0, padW: 0, nodes: 1,
        },
      };
    }
    case "concat": {
      // Input_shape = H = W, Input_channel = channels of the first input, Kernel = number of inputs, Filter = output channels.
      const h = num(f, "Input_shape", ctx), cin = num(f, "Input_channel", ctx), n = num(f, "Kernel", ctx);
      const cout = num(f, "Filter", ctx);
      const el = h * h * cout;
      return {
        nInputs: n,
        features: {
          flops: 0, params: 0, bytesRead: el * B, bytesWritten: el * B,
          inputShape: [1, cin, h, h], outputShape: [1, cout, h, h],
          cin, cout, hIn: h, wIn: h, hOut: h, wOut: h, padH: 0, padW: 0, nodes: 1,
        },
      };
    }
    default:
      throw new EdgelatError("unsupported_op", `mobile-ml-benchmark: no feature mapping for class '${cls}'`);
  }
}

/**
 * Model family for the leave-one-family-out split (docs/baselines.md): the name up to the first `_` or digit, keeping
 * a version digit after a trailing `v`; `mobilenetv2b` → `mobilenetv2`; then families whose op lists are identical
 * apart from padding are merged.
 */
export function familyOf(model: string): string {
  const m = /^([a-z]*)(\d?)/.exec(model)!;
  const base = m[1]!.endsWith("v") && m[2] !== "" ? `${m[1]}${m[2]}` : m[1]!;
  return FAMILY_MERGES[base] ?? base;
}

const FAMILY_MERGES: Readonly<Record<string, string>> = {
  mobilenetb: "mobilenet",
  preresnet: "resnet",
  preresnetbc: "resnetbc",
  sepreresnet: "seresnet",
  squeezeresnet: "squeezenet",
};

/** Leave-one-family-out folds: family → model names (sorted by family name, models sorted). */
export function familyFolds(models: readonly { name: string }[]): { family: string; models: string[] }[] {
  const by = new Map<string, string[]>();
  for (const m of models) {
    const f = familyOf(m.name);
    const list = by.get(f) ?? [];
    list.push(m.name);
    by.set(f, list);
  }
  return [...by.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([family, names]) => ({ family, models: names.sort() }));
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new EdgelatError("dataset_missing", `mobile-ml-benchmark: cannot read ${path}: ${(e as Error).message}`, { path });
  }
}

function column(header: string[], name: string, file: string): number {
  const i = header.indexOf(name);
  if (i < 0) throw new EdgelatError("invalid_json", `mobile-ml-benchmark: ${file} has no column '${name}'`, { file, column: name });
  return i;
}

const US_PER_MS = 1000;

/** Parses `cnn/ops_gpu_long.csv` text (TFLite rows only) into models with ordered op lists. */
export function parseOpsGpu(text: string, flopsByModel: ReadonlyMap<string, number> = new Map()): MlbModel[] {
  const { header, rows } = parseCsv(text);
  const file = "cnn/ops_gpu_long.csv";
  const iFw = column(header, "framework", file), iModel = column(header, "model", file), iSeq = column(header, "op_seq", file);
  const iOp = column(header, "operation", file), iDev = column(header, "device", file), iLat = column(header, "latency_us", file);
  const iKernel = column(header, "gpu_kernel", file), iFeat = column(header, "feature_json", file);
  const models = new Map<string, Map<number, MlbOp>>();
  for (const r of rows) {
    if (r[iFw] !== "tflite") continue;
    const model = r[iModel]!, seq = Number(r[iSeq]), operation = r[iOp]!, device = r[iDev]! as MlbGpuDevice;
    if (!(MLB_GPU_DEVICES as readonly string[]).includes(device)) continue;
    let ops = models.get(model);
    if (ops === undefined) models.set(model, (ops = new Map()));
    let op = ops.get(seq);
    if (op === undefined) {
      const ctx = `${model} op ${seq}`;
      let feature: Feature;
      try {
        feature = JSON.parse(r[iFeat]!) as Feature;
      } catch {
        throw new EdgelatError("invalid_json", `mobile-ml-benchmark: ${ctx}: feature_json does not parse`);
      }
      const { features, nInputs } = opFeatures(operation, feature, ctx);
      op = { seq, operation, class: MLB_OPERATION_CLASS[operation]!, features, nInputs, gpu: {} };
      ops.set(seq, op);
    }
    const latencyUs = Number(r[iLat]);
    if (!Number.isFinite(latencyUs) || latencyUs <= 0) continue;
    const kernel = r[iKernel]!;
    op.gpu[device] = { latencyMs: latencyUs / US_PER_MS, kernel, linked: linkedOps(kernel), winograd: kernel.startsWith("convolution_winograd") };
  }
  return [...models.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([name, ops]) => {
      const list = [...ops.values()].sort((a, b) => a.seq - b.seq);
      const flops = flopsByModel.get(name) ?? list.reduce((s, o) => s + o.features.flops, 0);
      return { name, family: familyOf(name), flops, ops: list };
    });
}

/** Parses `e2e_long.csv` text: TFLite, real CNNs only (synthetic NAS rows carry no architecture). µs → ms. */
export function parseE2e(text: string): MlbE2e[] {
  const { header, rows } = parseCsv(text);
  const file = "e2e_long.csv";
  const iFw = column(header, "framework", file), iFam = column(header, "family", file), iSet = column(header, "arch_set", file);
  const iModel = column(header, "model", file), iDev = column(header, "device", file), iHw = column(header, "hw_config", file);
  const iThreads = column(header, "n_threads", file), iPrec = column(header, "precision", file);
  const iMean = column(header, "latency_mean_us", file), iStd = column(header, "latency_std_us", file);
  const out: MlbE2e[] = [];
  for (const r of rows) {
    if (r[iFw] !== "tflite" || r[iFam] !== "cnn" || r[iSet] !== "real") continue;
    const mean = Number(r[iMean]);
    if (r[iMean] === "" || !Number.isFinite(mean) || mean <= 0) continue;
    const prec = r[iPrec];
    if (prec !== "float" && prec !== "quant") continue;
    const e: MlbE2e = {
      model: r[iModel]!, device: r[iDev]!, hwConfig: r[iHw]!, precision: prec,
      latencyMs: mean / US_PER_MS, stdMs: (Number(r[iStd]) || 0) / US_PER_MS,
    };
    if (r[iThreads] !== "") e.threads = Number(r[iThreads]);
    out.push(e);
  }
  return out;
}

/** Reads models.csv FLOPs of TFLite real CNNs. */
function parseModelFlops(text: string): Map<string, number> {
  const { header, rows } = parseCsv(text);
  const iFw = column(header, "framework", "models.csv"), iSet = column(header, "arch_set", "models.csv");
  const iModel = column(header, "model", "models.csv"), iFlops = column(header, "flops", "models.csv");
  const out = new Map<string, number>();
  for (const r of rows) if (r[iFw] === "tflite" && r[iSet] === "real") out.set(r[iModel]!, Number(r[iFlops]));
  return out;
}

/** Parses devices.csv. */
export function parseDevices(text: string): MlbDevice[] {
  return csvRecords(text).map((r) => {
    const clusters: MlbDevice["clusters"] = [];
    for (const kind of ["large", "med", "small"] as const) {
      const cores = Number(r[`cpu_${kind}_cores`] || 0);
      if (cores > 0) clusters.push({ kind, cores, ghz: Number(r[`cpu_${kind}_ghz`]) });
    }
    return { key: r.device_key!, name: r.device_name!, soc: r.soc!, clusters, gpu: r.gpu! };
  });
}

/** Reads the dataset from `<root>/mobile-ml-benchmark` (root = `dataRoot()`). */
export function readMobileMlBenchmark(root: string): MobileMlBenchmark {
  const dir = join(root, "mobile-ml-benchmark");
  const flops = parseModelFlops(readText(join(dir, "models.csv")));
  const models = parseOpsGpu(readText(join(dir, "cnn", "ops_gpu_long.csv")), flops);
  const e2e = parseE2e(readText(join(dir, "e2e_long.csv")));
  const devices = parseDevices(readText(join(dir, "devices.csv")));
  return { models, e2e, devices };
}

/** A (device, hw_config, precision) configuration key: "pixel4/gpu/float", "s10/1large2med/quant". */
export function configKey(e: Pick<MlbE2e, "device" | "hwConfig" | "precision">): string {
  return `${e.device}/${e.hwConfig}/${e.precision}`;
}
