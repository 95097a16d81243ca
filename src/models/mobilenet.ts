/**
 * MobileNetV2 and MobileNetV3 (Small / Large) as ONNX-op graphs (NCHW), following torchvision's definitions:
 * Conv → BatchNormalization → activation, ReLU6 as Clip(0, 6), SE blocks as GlobalAveragePool → Conv → Relu → Conv →
 * HardSigmoid → Mul, classifier GlobalAveragePool → Flatten → Gemm.
 */
import { EdgelatError } from "../errors.js";
import { GraphBuilder } from "../ir/builder.js";
import type { Graph } from "../ir/types.js";
import { Layers, makeDivisible, type Activation } from "./layers.js";

export interface ClassifierNetOptions {
  /** Channel width multiplier (default 1). */
  widthMultiplier?: number;
  /** Input height = width (default 224). */
  resolution?: number;
  numClasses?: number;
  batch?: number;
  /** BatchNormalization nodes after convs (default true); false folds them into conv biases. */
  batchNorm?: boolean;
}

function check(opts: ClassifierNetOptions): Required<ClassifierNetOptions> {
  const o = { widthMultiplier: 1, resolution: 224, numClasses: 1000, batch: 1, batchNorm: true, ...opts };
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === "number" && !(v > 0 && Number.isFinite(v))) {
      throw new EdgelatError("invalid_argument", `${k} must be a positive number, got ${v}`);
    }
  }
  if (!Number.isInteger(o.resolution) || !Number.isInteger(o.numClasses) || !Number.isInteger(o.batch)) {
    throw new EdgelatError("invalid_argument", "resolution, numClasses and batch must be integers");
  }
  return o;
}

/** MobileNetV2 (Sandler et al. 2018): 300M MACs and 3.5M parameters at width 1.0, 224×224. */
export function buildMobileNetV2(opts: ClassifierNetOptions = {}): Graph {
  const o = check(opts);
  const b = new GraphBuilder(`mobilenetv2-${o.widthMultiplier}-${o.resolution}`);
  const L = new Layers(b);
  const bn = o.batchNorm;
  const settings: [number, number, number, number][] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  let cin = makeDivisible(32 * o.widthMultiplier);
  const lastChannels = makeDivisible(1280 * Math.max(1, o.widthMultiplier));
  let x = b.input("input", [o.batch, 3, o.resolution, o.resolution]);
  x = L.convBn(x, 3, cin, { kernel: 3, stride: 2, act: "relu6", bn });
  for (const [t, c, n, s] of settings) {
    const cout = makeDivisible(c * o.widthMultiplier);
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const hidden = Math.round(cin * t);
      let y = x;
      if (t !== 1) y = L.convBn(y, cin, hidden, { act: "relu6", bn });
      y = L.convBn(y, hidden, hidden, { kernel: 3, stride, groups: hidden, act: "relu6", bn });
      y = L.convBn(y, hidden, cout, { bn });
      x = stride === 1 && cin === cout ? b.op("Add", [x, y]) : y;
      cin = cout;
    }
  }
  x = L.convBn(x, cin, lastChannels, { act: "relu6", bn });
  b.output(L.linear(L.pool(x), lastChannels, o.numClasses));
  return b.build();
}

type Bneck = [cin: number, kernel: number, expanded: number, cout: number, se: boolean, act: "RE" | "HS", stride: number];

const V3_LARGE: Bneck[] = [
  [16, 3, 16, 16, false, "RE", 1],
  [16, 3, 64, 24, false, "RE", 2],
  [24, 3, 72, 24, false, "RE", 1],
  [24, 5, 72, 40, true, "RE", 2],
  [40, 5, 120, 40, true, "RE", 1],
  [40, 5, 120, 40, true, "RE", 1],
  [40, 3, 240, 80, false, "HS", 2],
  [80, 3, 200, 80, false, "HS", 1],
  [80, 3, 184, 80, false, "HS", 1],
  [80, 3, 184, 80, false, "HS", 1],
  [80, 3, 480, 112, true, "HS", 1],
  [112, 3, 672, 112, true, "HS", 1],
  [112, 5, 672, 160, true, "HS", 2],
  [160, 5, 960, 160, true, "HS", 1],
  [160, 5, 960, 160, true, "HS", 1],
];

const V3_SMALL: Bneck[] = [
  [16, 3, 16, 16, true, "RE", 2],
  [16, 3, 72, 24, false, "RE", 2],
  [24, 3, 88, 24, false, "RE", 1],
  [24, 5, 96, 40, true, "HS", 2],
  [40, 5, 240, 40, true, "HS", 1],
  [40, 5, 240, 40, true, "HS", 1],
  [40, 5, 120, 48, true, "HS", 1],
  [48, 5, 144, 48, true, "HS", 1],
  [48, 5, 288, 96, true, "HS", 2],
  [96, 5, 576, 96, true, "HS", 1],
  [96, 5, 576, 96, true, "HS", 1],
];

/** Squeeze-and-excitation: GlobalAveragePool → Conv(+bias) → Relu → Conv(+bias) → HardSigmoid → Mul. */
function squeezeExcite(L: Layers, x: string, channels: number): string {
  const b = L.b;
  const squeeze = makeDivisible(channels / 4);
  let s = b.op("GlobalAveragePool", [x]);
  s = L.convBn(s, channels, squeeze, { act: "relu", bn: false });
  s = L.convBn(s, squeeze, channels, { bn: false });
  s = b.op("HardSigmoid", [s], { alpha: 1 / 6, beta: 0.5 });
  return b.op("Mul", [x, s]);
}

function buildMobileNetV3(variant: "small" | "large", opts: ClassifierNetOptions): Graph {
  const o = check(opts);
  const b = new GraphBuilder(`mobilenetv3-${variant}-${o.widthMultiplier}-${o.resolution}`);
  const L = new Layers(b);
  const bn = o.batchNorm;
  const ch = (c: number): number => makeDivisible(c * o.widthMultiplier);
  const config = variant === "large" ? V3_LARGE : V3_SMALL;
  let x = b.input("input", [o.batch, 3, o.resolution, o.resolution]);
  x = L.convBn(x, 3, ch(16), { kernel: 3, stride: 2, act: "hardswish", bn });
  for (const [cin0, k, exp0, cout0, se, a, stride] of config) {
    const [cin, exp, cout] = [ch(cin0), ch(exp0), ch(cout0)];
    const act: Activation = a === "RE" ? "relu" : "hardswish";
    let y = x;
    if (exp !== cin) y = L.convBn(y, cin, exp, { act, bn });
    y = L.convBn(y, exp, exp, { kernel: k, stride, groups: exp, act, bn });
    if (se) y = squeezeExcite(L, y, exp);
    y = L.convBn(y, exp, cout, { bn });
    x = stride === 1 && cin === cout ? b.op("Add", [x, y]) : y;
  }
  const lastConv = 6 * ch(config[config.length - 1]![3]);
  const lastChannel = makeDivisible((variant === "large" ? 1280 : 1024) * o.widthMultiplier);
  x = L.convBn(x, ch(config[config.length - 1]![3]), lastConv, { act: "hardswish", bn });
  x = L.pool(x);
  x = L.activation(L.linear(x, lastConv, lastChannel), "hardswish");
  b.output(L.linear(x, lastChannel, o.numClasses));
  return b.build();
}

/** MobileNetV3-Large (Howard et al. 2019): ≈ 219M MACs at width 1.0, 224×224. */
export function buildMobileNetV3Large(opts: ClassifierNetOptions = {}): Graph {
  return buildMobileNetV3("large", opts);
}

/** MobileNetV3-Small: ≈ 56M MACs at width 1.0, 224×224. */
export function buildMobileNetV3Small(opts: ClassifierNetOptions = {}): Graph {
  return buildMobileNetV3("small", opts);
}
