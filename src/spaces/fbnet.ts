/**
 * The FBNet search space as used by HW-NAS-Bench (and HELP): 22 searchable layers, 9 choices each.
 *
 * Macro network (FBNet v1 setting; HW-NAS-Bench `FBNet_Infer`): stem Conv3×3(3→16)+BN+ReLU; 7 stages of
 * [1, 4, 4, 4, 4, 4, 1] layers with [16, 24, 32, 64, 112, 184, 352] output channels and strides [1, 1, 2, 2, 1, 2, 1]
 * on CIFAR ([1, 2, 2, 2, 1, 2, 1] and a stride-2 stem on ImageNet); only the first layer of a stage changes channels
 * or strides; header Conv1×1(352→1504 CIFAR / 1984 ImageNet)+BN+ReLU, global average pool, FC.
 * Choices `k{3,5}_e{1,3,6}[_g2]`: inverted residual block Conv1×1 (C→eC, groups g)+BN+ReLU, [channel shuffle when
 * g > 1], depthwise Conv k×k (stride)+BN+ReLU, Conv1×1 (eC→C', groups g)+BN, + input when C = C' and stride 1;
 * `skip`: identity, or Conv1×1 (stride)+BN+ReLU when the layer changes channels or stride.
 * Encoding: 22 op ids (FBNET_OPS order), written `op_idx_list` style as "7-8-1-…".
 */
import { EdgelatError } from "../errors.js";
import { GraphBuilder } from "../ir/builder.js";
import type { Graph } from "../ir/types.js";
import { createRng } from "../util/rng.js";

export const FBNET_OPS = ["k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip"] as const;
export type FbnetOp = (typeof FBNET_OPS)[number];
export const FBNET_NUM_LAYERS = 22;
export const FBNET_NUM_OPS = 9;

interface BlockSpec { kernel: number; expansion: number; groups: number }
const BLOCKS: Readonly<Record<FbnetOp, BlockSpec | undefined>> = {
  k3_e1: { kernel: 3, expansion: 1, groups: 1 }, k3_e1_g2: { kernel: 3, expansion: 1, groups: 2 },
  k3_e3: { kernel: 3, expansion: 3, groups: 1 }, k3_e6: { kernel: 3, expansion: 6, groups: 1 },
  k5_e1: { kernel: 5, expansion: 1, groups: 1 }, k5_e1_g2: { kernel: 5, expansion: 1, groups: 2 },
  k5_e3: { kernel: 5, expansion: 3, groups: 1 }, k5_e6: { kernel: 5, expansion: 6, groups: 1 },
  skip: undefined,
};

const STAGE_LAYERS = [1, 4, 4, 4, 4, 4, 1];
const STAGE_CHANNELS = [16, 24, 32, 64, 112, 184, 352];

export interface FbnetLayerGeometry { cin: number; cout: number; stride: number; hIn: number }

/** Input/output channels, stride and input size of each of the 22 searchable layers. */
export function fbnetLayers(dataset: "cifar" | "imagenet" = "cifar", inputSize = dataset === "cifar" ? 32 : 224): FbnetLayerGeometry[] {
  const strides = dataset === "cifar" ? [1, 1, 2, 2, 1, 2, 1] : [1, 2, 2, 2, 1, 2, 1];
  let h = dataset === "cifar" ? inputSize : Math.ceil(inputSize / 2);
  let cin = 16;
  const out: FbnetLayerGeometry[] = [];
  STAGE_LAYERS.forEach((n, s) => {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? strides[s]! : 1;
      const cout = STAGE_CHANNELS[s]!;
      out.push({ cin, cout, stride, hIn: h });
      h = Math.ceil(h / stride);
      cin = cout;
    }
  });
  return out;
}

function checkArch(arch: readonly number[]): void {
  if (arch.length !== FBNET_NUM_LAYERS || arch.some((o) => !Number.isInteger(o) || o < 0 || o >= FBNET_NUM_OPS)) {
    throw new EdgelatError("invalid_argument", `An FBNet encoding is 22 op ids in 0–8, got [${arch.join(", ")}]`);
  }
}

/** "7-8-1-…" (HW-NAS-Bench / HELP `op_idx_list`) → encoding. */
export function parseFbnetOpList(s: string): number[] {
  const arch = s.split("-").map((x) => (/^[0-9]$/.test(x) ? Number(x) : NaN));
  if (arch.length !== FBNET_NUM_LAYERS || arch.some((o) => !(o >= 0 && o < FBNET_NUM_OPS))) {
    throw new EdgelatError("invalid_argument", `Not an FBNet op_idx_list (22 digits 0–8 joined by '-'): '${s}'`);
  }
  return arch;
}

export function formatFbnetOpList(arch: readonly number[]): string {
  checkArch(arch);
  return arch.join("-");
}

/** `count` encodings drawn uniformly from the 9^22 space, reproducible for a seed. */
export function sampleFbnetArchs(count: number, seed: number): number[][] {
  if (!Number.isInteger(count) || count < 0) throw new EdgelatError("invalid_argument", `count must be a non-negative integer, got ${count}`);
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Array.from({ length: FBNET_NUM_LAYERS }, () => rng.int(0, FBNET_NUM_OPS)));
}

export interface FbnetNetworkOptions {
  dataset?: "cifar" | "imagenet";
  inputSize?: number;
  numClasses?: number;
  batch?: number;
}

/** The network of an encoding as ONNX ops (see the module comment). */
export function buildFbnetGraph(arch: readonly number[], opts: FbnetNetworkOptions = {}): Graph {
  checkArch(arch);
  const dataset = opts.dataset ?? "cifar";
  const size = opts.inputSize ?? (dataset === "cifar" ? 32 : 224);
  const classes = opts.numClasses ?? (dataset === "cifar" ? 100 : 1000);
  const batch = opts.batch ?? 1;
  for (const [k, v] of Object.entries({ inputSize: size, numClasses: classes, batch })) {
    if (!Number.isInteger(v) || v < 1) throw new EdgelatError("invalid_argument", `${k} must be a positive integer, got ${v}`);
  }
  const b = new GraphBuilder(`fbnet ${formatFbnetOpList(arch)}`);
  const weight = (shape: number[]) => b.constant(b.fresh("w"), shape);
  const conv = (x: string, cin: number, cout: number, k: number, stride: number, groups: number): string => {
    const pad = Math.ceil((k - stride) / 2);
    return b.op("Conv", [x, weight([cout, cin / groups, k, k])], {
      kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [1, 1], group: groups,
    });
  };
  const bn = (x: string, c: number) => b.op("BatchNormalization", [x, weight([c]), weight([c]), weight([c]), weight([c])], { epsilon: 1e-5 });
  const shape = (values: number[]) => b.constant(b.fresh("shape"), [values.length], "int64", values);
  const shuffle = (x: string, c: number, h: number, g: number): string => {
    const r = b.op("Reshape", [x, shape([batch, g, c / g, h, h])]);
    const t = b.op("Transpose", [r], { perm: [0, 2, 1, 3, 4] });
    return b.op("Reshape", [t, shape([batch, c, h, h])]);
  };

  let x = b.op("Relu", [bn(conv(b.input("input", [batch, 3, size, size]), 3, 16, 3, dataset === "cifar" ? 1 : 2, 1), 16)]);
  fbnetLayers(dataset, size).forEach((L, i) => {
    const spec = BLOCKS[FBNET_OPS[arch[i]!]!];
    if (spec === undefined) {
      if (L.stride !== 1 || L.cin !== L.cout) x = b.op("Relu", [bn(conv(x, L.cin, L.cout, 1, L.stride, 1), L.cout)]);
      return;
    }
    const mid = L.cin * spec.expansion;
    let y = b.op("Relu", [bn(conv(x, L.cin, mid, 1, 1, spec.groups), mid)]);
    if (spec.groups > 1) y = shuffle(y, mid, L.hIn, spec.groups);
    y = b.op("Relu", [bn(conv(y, mid, mid, spec.kernel, L.stride, mid), mid)]);
    y = bn(conv(y, mid, L.cout, 1, 1, spec.groups), L.cout);
    x = L.cin === L.cout && L.stride === 1 ? b.op("Add", [y, x]) : y;
  });
  const header = dataset === "cifar" ? 1504 : 1984;
  x = b.op("Relu", [bn(conv(x, 352, header, 1, 1, 1), header)]);
  x = b.op("Flatten", [b.op("GlobalAveragePool", [x])], { axis: 1 });
  b.output(b.op("Gemm", [x, weight([classes, header]), weight([classes])], { transB: 1 }));
  return b.build();
}

/** Per-architecture features: one indicator per (layer, op) (22 × 9) + intercept. */
export function fbnetFeatures(arch: readonly number[]): Float64Array {
  checkArch(arch);
  const x = new Float64Array(FBNET_NUM_LAYERS * FBNET_NUM_OPS + 1);
  arch.forEach((o, l) => { x[l * FBNET_NUM_OPS + o] = 1; });
  x[x.length - 1] = 1;
  return x;
}

/**
 * FLOPs (2 × MACs) of all convolutions and the classifier (no bias, BN, ReLU, adds, pooling), in closed form;
 * `inferShapes` on `buildFbnetGraph` gives the same Conv + Gemm FLOPs plus the classifier bias (tested).
 */
export function fbnetConvFlops(arch: readonly number[], opts: FbnetNetworkOptions = {}): number {
  checkArch(arch);
  const dataset = opts.dataset ?? "cifar";
  const size = opts.inputSize ?? (dataset === "cifar" ? 32 : 224);
  const classes = opts.numClasses ?? (dataset === "cifar" ? 100 : 1000);
  const stemOut = dataset === "cifar" ? size : Math.ceil(size / 2);
  let macs = stemOut * stemOut * 16 * 27;
  let h = stemOut;
  fbnetLayers(dataset, size).forEach((L, i) => {
    const spec = BLOCKS[FBNET_OPS[arch[i]!]!];
    const hOut = Math.ceil(L.hIn / L.stride);
    if (spec === undefined) {
      if (L.stride !== 1 || L.cin !== L.cout) macs += hOut * hOut * L.cout * L.cin;
    } else {
      const mid = L.cin * spec.expansion;
      macs += L.hIn * L.hIn * mid * (L.cin / spec.groups) + hOut * hOut * mid * spec.kernel ** 2 + hOut * hOut * L.cout * (mid / spec.groups);
    }
    h = hOut;
  });
  const header = dataset === "cifar" ? 1504 : 1984;
  macs += h * h * header * 352 + header * classes;
  return (opts.batch ?? 1) * 2 * macs;
}
