/** ResNet-18 / ResNet-34 (He et al. 2016, torchvision layout) as ONNX-op graphs (NCHW). */
import { GraphBuilder } from "../ir/builder.js";
import type { Graph } from "../ir/types.js";
import { Layers } from "./layers.js";
import type { ClassifierNetOptions } from "./mobilenet.js";

export type ResNetOptions = Omit<ClassifierNetOptions, "widthMultiplier"> & { widthMultiplier?: number };

function buildBasicResNet(name: string, blocks: readonly number[], opts: ResNetOptions): Graph {
  const o = { widthMultiplier: 1, resolution: 224, numClasses: 1000, batch: 1, batchNorm: true, ...opts };
  const b = new GraphBuilder(`${name}-${o.resolution}`);
  const L = new Layers(b);
  const bn = o.batchNorm;
  const width = (c: number): number => Math.max(1, Math.round(c * o.widthMultiplier));
  let x = b.input("input", [o.batch, 3, o.resolution, o.resolution]);
  let cin = width(64);
  x = L.convBn(x, 3, cin, { kernel: 7, stride: 2, act: "relu", bn });
  x = b.op("MaxPool", [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  blocks.forEach((n, stage) => {
    const cout = width(64 << stage);
    for (let i = 0; i < n; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      let y = L.convBn(x, cin, cout, { kernel: 3, stride, act: "relu", bn });
      y = L.convBn(y, cout, cout, { kernel: 3, bn });
      const shortcut = stride !== 1 || cin !== cout ? L.convBn(x, cin, cout, { stride, bn }) : x;
      x = b.op("Relu", [b.op("Add", [y, shortcut])]);
      cin = cout;
    }
  });
  b.output(L.linear(L.pool(x), cin, o.numClasses));
  return b.build();
}

/** Bottleneck ResNet (1×1 → 3×3 → 1×1 with expansion 4; stride on the 3×3 as in torchvision v1.5). */
function buildBottleneckResNet(name: string, blocks: readonly number[], opts: ResNetOptions): Graph {
  const o = { widthMultiplier: 1, resolution: 224, numClasses: 1000, batch: 1, batchNorm: true, ...opts };
  const b = new GraphBuilder(`${name}-${o.resolution}`);
  const L = new Layers(b);
  const bn = o.batchNorm;
  const width = (c: number): number => Math.max(1, Math.round(c * o.widthMultiplier));
  let x = b.input("input", [o.batch, 3, o.resolution, o.resolution]);
  let cin = width(64);
  x = L.convBn(x, 3, cin, { kernel: 7, stride: 2, act: "relu", bn });
  x = b.op("MaxPool", [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  blocks.forEach((n, stage) => {
    const mid = width(64 << stage);
    const cout = 4 * mid;
    for (let i = 0; i < n; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      let y = L.convBn(x, cin, mid, { act: "relu", bn });
      y = L.convBn(y, mid, mid, { kernel: 3, stride, act: "relu", bn });
      y = L.convBn(y, mid, cout, { bn });
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
  return buildBasicResNet("resnet18", [2, 2, 2, 2], opts);
}

/** ResNet-34: 3.6G MACs, 21.8M parameters at 224×224. */
export function buildResNet34(opts: ResNetOptions = {}): Graph {
  return buildBasicResNet("resnet34", [3, 4, 6, 3], opts);
}

/** ResNet-50 (torchvision v1.5 layout): 4.09G MACs, 25.6M parameters at 224×224. */
export function buildResNet50(opts: ResNetOptions = {}): Graph {
  return buildBottleneckResNet("resnet50", [3, 4, 6, 3], opts);
}
