/** ResNet-18 / 34 / 50 (He et al. 2016, torchvision layout) as ONNX-op graphs (NCHW). */
import { GraphBuilder } from "../ir/builder.js";
import type { Graph } from "../ir/types.js";
import { Layers } from "./layers.js";
import type { ClassifierNetOptions } from "./mobilenet.js";

export type ResNetOptions = Omit<ClassifierNetOptions, "widthMultiplier"> & { widthMultiplier?: number };

/** A residual branch: from `x` (cin channels) at `stride`, with stage width `width`; returns [output, its channels]. */
type Branch = (L: Layers, x: string, cin: number, width: number, stride: number, bn: boolean) => [string, number];

/** Basic block: 3×3 → 3×3. */
const basic: Branch = (L, x, cin, width, stride, bn) => {
  const y = L.convBn(x, cin, width, { kernel: 3, stride, act: "relu", bn });
  return [L.convBn(y, width, width, { kernel: 3, bn }), width];
};

/** Bottleneck: 1×1 → 3×3 → 1×1 with expansion 4; stride on the 3×3 as in torchvision v1.5. */
const bottleneck: Branch = (L, x, cin, width, stride, bn) => {
  let y = L.convBn(x, cin, width, { act: "relu", bn });
  y = L.convBn(y, width, width, { kernel: 3, stride, act: "relu", bn });
  return [L.convBn(y, width, 4 * width, { bn }), 4 * width];
};

function buildResNet(name: string, blocks: readonly number[], branch: Branch, opts: ResNetOptions): Graph {
  const o = { widthMultiplier: 1, resolution: 224, numClasses: 1000, batch: 1, batchNorm: true, ...opts };
  const b = new GraphBuilder(`${name}-${o.resolution}`);
  const L = new Layers(b);
  const bn = o.batchNorm;
  const scaled = (c: number): number => Math.max(1, Math.round(c * o.widthMultiplier));
  let x = b.input("input", [o.batch, 3, o.resolution, o.resolution]);
  let cin = scaled(64);
  x = L.convBn(x, 3, cin, { kernel: 7, stride: 2, act: "relu", bn });
  x = b.op("MaxPool", [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  blocks.forEach((n, stage) => {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      const [y, cout] = branch(L, x, cin, scaled(64 << stage), stride, bn);
      const shortcut = stride !== 1 || cin !== cout ? L.convBn(x, cin, cout, { stride, bn }) : x;
      x = b.op("Relu", [b.op("Add", [y, shortcut])]);
      cin = cout;
    }
  });
  b.output(L.linear(L.pool(x), cin, o.numClasses));
  return b.build();
}

/** ResNet-18: 1.82G MACs, 11.7M parameters at 224×224. */
export function buildResNet18(opts: ResNetOptions = {}): Graph {
  return buildResNet("resnet18", [2, 2, 2, 2], basic, opts);
}

/** ResNet-34: 3.6G MACs, 21.8M parameters at 224×224. */
export function buildResNet34(opts: ResNetOptions = {}): Graph {
  return buildResNet("resnet34", [3, 4, 6, 3], basic, opts);
}

/** ResNet-50 (torchvision v1.5 layout): 4.09G MACs, 25.6M parameters at 224×224. */
export function buildResNet50(opts: ResNetOptions = {}): Graph {
  return buildResNet("resnet50", [3, 4, 6, 3], bottleneck, opts);
}
