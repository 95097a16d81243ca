/** Layer helpers shared by the reference model builders (ONNX ops, NCHW, generated constant weights). */
import type { GraphBuilder } from "../ir/builder.js";

export type Activation = "relu" | "relu6" | "hardswish" | "none";

/** Channels rounded to a multiple of `divisor`, never below 90% of `v` (the MobileNet `_make_divisible`). */
export function makeDivisible(v: number, divisor = 8, minValue = divisor): number {
  const n = Math.max(minValue, Math.floor(v + divisor / 2) - (Math.floor(v + divisor / 2) % divisor));
  return n < 0.9 * v ? n + divisor : n;
}

export interface ConvOptions {
  kernel?: number;
  stride?: number;
  groups?: number;
  act?: Activation;
  /** BatchNormalization after the conv (default); false gives the conv a bias instead (BN folded). */
  bn?: boolean;
}

/** Layer helpers over one GraphBuilder; keeps graph-wide shared scalars (Clip bounds) created once. */
export class Layers {
  private readonly scalars = new Map<string, string>();
  constructor(readonly b: GraphBuilder) {}

  scalar(name: string, value: number): string {
    let t = this.scalars.get(name);
    if (t === undefined) {
      t = this.b.constant(name, [], "float32", [value]);
      this.scalars.set(name, t);
    }
    return t;
  }

  activation(x: string, act: Activation): string {
    switch (act) {
      case "relu":
        return this.b.op("Relu", [x]);
      case "relu6":
        return this.b.op("Clip", [x, this.scalar("relu6_min", 0), this.scalar("relu6_max", 6)]);
      case "hardswish":
        return this.b.op("HardSwish", [x]);
      case "none":
        return x;
    }
  }

  /** Conv (k×k, symmetric padding (k−1)/2) → BatchNormalization → activation. */
  convBn(x: string, cin: number, cout: number, opts: ConvOptions = {}): string {
    const b = this.b;
    const k = opts.kernel ?? 1;
    const s = opts.stride ?? 1;
    const g = opts.groups ?? 1;
    const p = (k - 1) >> 1;
    const name = b.fresh("conv");
    const w = b.constant(`${name}.weight`, [cout, cin / g, k, k]);
    const bn = opts.bn ?? true;
    const inputs = bn ? [x, w] : [x, w, b.constant(`${name}.bias`, [cout])];
    let y = b.op("Conv", inputs, { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p], group: g, dilations: [1, 1] }, { name });
    if (bn) {
      const params = ["scale", "bias", "mean", "var"].map((q) => b.constant(`${name}.bn.${q}`, [cout]));
      y = b.op("BatchNormalization", [y, ...params], { epsilon: 1e-5 }, { name: `${name}_bn` });
    }
    return this.activation(y, opts.act ?? "none");
  }

  /** Gemm with a [out, in] weight (transB = 1) and a bias, as PyTorch exports nn.Linear on 2-D inputs. */
  linear(x: string, cin: number, cout: number): string {
    const b = this.b;
    const name = b.fresh("fc");
    const w = b.constant(`${name}.weight`, [cout, cin]);
    const bias = b.constant(`${name}.bias`, [cout]);
    return b.op("Gemm", [x, w, bias], { transB: 1, alpha: 1, beta: 1 }, { name });
  }

  /** GlobalAveragePool → Flatten. */
  pool(x: string): string {
    return this.b.op("Flatten", [this.b.op("GlobalAveragePool", [x])], { axis: 1 });
  }
}
