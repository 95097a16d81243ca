/**
 * The Once-for-All MobileNetV3 search space (OFA, Cai et al. 2020; width multiplier 1.0), as in HELP's OFA data.
 *
 * An architecture: input resolution, and for 5 stages × 4 block slots a kernel size (3, 5, 7) and an expand ratio
 * (3, 4, 6), plus a depth (2–4) per stage: only the first d slots of a stage are used. Network: Conv3×3/2 (3→16) + BN
 * + HardSwish; a fixed block (depthwise 3×3 + ReLU, pointwise 16→16, residual); stages of widths
 * [24, 40, 80, 112, 160], first-block strides [2, 2, 2, 1, 2], activations [ReLU, ReLU, HardSwish ×3],
 * squeeze-excitation in stages 2, 4, 5; each block: 1×1 expand (mid = make_divisible(in·e, 8)) + BN + act, depthwise
 * k×k + BN + act, [SE: pool, 1×1 → make_divisible(mid/4, 8), ReLU, 1×1 → mid, HardSigmoid, Mul], 1×1 project + BN,
 * residual when shapes match; then 1×1 160→960 + BN + HardSwish, global pool, 1×1 960→1280 + HardSwish
 * (OFA's feature-mix layer, written with a bias here), FC 1280→classes.
 */
import { EdgelatError } from "../errors.js";
import { GraphBuilder } from "../ir/builder.js";
import type { Graph } from "../ir/types.js";
import { Layers, makeDivisible, type Activation } from "../models/layers.js";
import { createRng } from "../util/rng.js";

export const OFA_KERNELS = [3, 5, 7] as const;
export const OFA_EXPANDS = [3, 4, 6] as const;
export const OFA_DEPTHS = [2, 3, 4] as const;
export const OFA_STAGES = 5;
export const OFA_SLOTS = 4;

const WIDTHS = [24, 40, 80, 112, 160];
const STRIDES = [2, 2, 2, 1, 2];
const ACTS: Activation[] = ["relu", "relu", "hardswish", "hardswish", "hardswish"];
const SE = [false, true, false, true, true];

export interface OfaArch {
  resolution: number;
  /** 20 kernel sizes (stage-major, 4 slots per stage); unused slots are ignored. */
  ks: number[];
  /** 20 expand ratios. */
  e: number[];
  /** 5 depths. */
  d: number[];
}

export function checkOfaArch(a: OfaArch): void {
  const bad = (why: string) => new EdgelatError("invalid_argument", `Invalid OFA architecture: ${why}`);
  if (!Number.isInteger(a.resolution) || a.resolution < 32 || a.resolution % 4 !== 0) throw bad(`resolution ${a.resolution} (a multiple of 4, ≥ 32)`);
  if (a.ks.length !== OFA_STAGES * OFA_SLOTS || a.ks.some((k) => !(OFA_KERNELS as readonly number[]).includes(k))) throw bad("ks needs 20 values in {3, 5, 7}");
  if (a.e.length !== OFA_STAGES * OFA_SLOTS || a.e.some((k) => !(OFA_EXPANDS as readonly number[]).includes(k))) throw bad("e needs 20 values in {3, 4, 6}");
  if (a.d.length !== OFA_STAGES || a.d.some((k) => !(OFA_DEPTHS as readonly number[]).includes(k))) throw bad("d needs 5 values in {2, 3, 4}");
}

/** From HELP's CSV columns: resolution, and `ks`, `e`, `d` joined with '-'. */
export function parseOfaArch(resolution: string | number, ks: string, e: string, d: string): OfaArch {
  const nums = (s: string) => s.split("-").map((x) => (/^[0-9]+$/.test(x) ? Number(x) : NaN));
  const a = { resolution: Number(resolution), ks: nums(ks), e: nums(e), d: nums(d) };
  checkOfaArch(a);
  return a;
}

/** `count` architectures drawn uniformly (resolution from `resolutions`), reproducible for a seed. */
export function sampleOfaArchs(count: number, seed: number, resolutions: readonly number[] = [160, 176, 192, 208, 224]): OfaArch[] {
  if (!Number.isInteger(count) || count < 0) throw new EdgelatError("invalid_argument", `count must be a non-negative integer, got ${count}`);
  const rng = createRng(seed);
  const pick = <T>(v: readonly T[]): T => v[rng.int(0, v.length)]!;
  return Array.from({ length: count }, () => ({
    resolution: pick(resolutions),
    ks: Array.from({ length: 20 }, () => pick(OFA_KERNELS)),
    e: Array.from({ length: 20 }, () => pick(OFA_EXPANDS)),
    d: Array.from({ length: 5 }, () => pick(OFA_DEPTHS)),
  }));
}

/** Features: per slot, indicators of (active, k) and (active, e), plus resolution/224 and its square, + intercept. */
export function ofaFeatures(a: OfaArch): Float64Array {
  checkOfaArch(a);
  const x = new Float64Array(20 * 6 + 3);
  for (let s = 0; s < OFA_STAGES; s++) {
    for (let j = 0; j < a.d[s]!; j++) {
      const slot = s * OFA_SLOTS + j;
      x[slot * 6 + OFA_KERNELS.indexOf(a.ks[slot] as 3)] = 1;
      x[slot * 6 + 3 + OFA_EXPANDS.indexOf(a.e[slot] as 3)] = 1;
    }
  }
  const r = a.resolution / 224;
  x[120] = r;
  x[121] = r * r;
  x[122] = 1;
  return x;
}

export function buildOfaGraph(a: OfaArch, opts: { numClasses?: number; batch?: number } = {}): Graph {
  checkOfaArch(a);
  const classes = opts.numClasses ?? 1000;
  const batch = opts.batch ?? 1;
  const b = new GraphBuilder(`ofa-mbv3 r${a.resolution} ks${a.ks.join("")} e${a.e.join("")} d${a.d.join("")}`);
  const L = new Layers(b);
  const se = (x: string, c: number): string => {
    const mid = makeDivisible(c / 4);
    let s = b.op("GlobalAveragePool", [x]);
    s = L.convBn(s, c, mid, { act: "relu", bn: false });
    s = b.op("HardSigmoid", [L.convBn(s, mid, c, { bn: false })], { alpha: 1 / 6, beta: 0.5 });
    return b.op("Mul", [x, s]);
  };
  let x = L.convBn(b.input("input", [batch, 3, a.resolution, a.resolution]), 3, 16, { kernel: 3, stride: 2, act: "hardswish" });
  // Fixed first block: depthwise 3×3 + ReLU, pointwise 16→16, identity shortcut.
  x = b.op("Add", [L.convBn(L.convBn(x, 16, 16, { kernel: 3, groups: 16, act: "relu" }), 16, 16), x]);
  let cin = 16;
  for (let s = 0; s < OFA_STAGES; s++) {
    for (let j = 0; j < a.d[s]!; j++) {
      const slot = s * OFA_SLOTS + j;
      const stride = j === 0 ? STRIDES[s]! : 1;
      const cout = WIDTHS[s]!;
      const mid = makeDivisible(Math.round(cin * a.e[slot]!), 8);
      let y = L.convBn(x, cin, mid, { act: ACTS[s] });
      y = L.convBn(y, mid, mid, { kernel: a.ks[slot], stride, groups: mid, act: ACTS[s] });
      if (SE[s]) y = se(y, mid);
      y = L.convBn(y, mid, cout);
      x = stride === 1 && cin === cout ? b.op("Add", [y, x]) : y;
      cin = cout;
    }
  }
  x = L.convBn(x, 160, 960, { act: "hardswish" });
  x = L.convBn(b.op("GlobalAveragePool", [x]), 960, 1280, { act: "hardswish", bn: false });
  b.output(L.linear(b.op("Flatten", [x], { axis: 1 }), 1280, classes));
  return b.build();
}
