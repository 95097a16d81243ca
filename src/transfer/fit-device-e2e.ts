/**
 * Learning a device profile from end-to-end measurements only (no per-kernel timings): each model is fused with the
 * chosen backend; for each kernel class, a linear per-kernel cost `coef · terms(kernel)` is fit so that the sum over
 * all kernels plus a constant overhead matches the measured totals (non-negative least squares on relative error,
 * weights capped for near-zero measurements).
 * 1×1 convolutions get their own predictor (a route on kernelH), as their time per FLOP differs most from larger
 * kernels. The result is a normal `edgelat-device@1` profile (linear predictors per class, overhead
 * `sumKernelMs + constant`), usable with `loadDevice` and `predictLatency`.
 */
import { EdgelatError } from "../errors.js";
import { fuse } from "../fusion/fuse.js";
import type { KernelClass } from "../fusion/types.js";
import type { PredictorJSON } from "../predictors/types.js";
import type { Graph } from "../ir/types.js";
import { compileFeatureSpec, type FeatureSpec } from "../predictors/features.js";
import { weightedLeastSquares } from "../predictors/lstsq.js";
import { PREDICTOR_FORMAT_VERSION } from "../predictors/validate.js";
import { inferShapes } from "../shape/infer.js";
import type { InferredGraph } from "../shape/types.js";
import { DEVICE_SCHEMA, type DeviceIdentity, type DeviceProfileJSON } from "../devices/types.js";

export interface EndToEndGraphSample {
  graph: Graph | InferredGraph;
  latencyMs: number;
}

export interface FitDeviceOptions {
  /** Catalog id of the new profile (lowercase, digits, dashes). */
  id: string;
  /** Fusion backend rule-set id (e.g. "ort-cpu@1.30/basic"). */
  backend: string;
  name?: string;
  identity?: Partial<DeviceIdentity>;
  /** Per-kernel terms of every class's linear predictor; default ["flops", "bytes", "1"]. */
  spec?: FeatureSpec;
  /** Ridge λ on unit-RMS-scaled columns (default 1e-6); the overhead constant is not penalized. */
  ridge?: number;
  dataset?: string;
}

const isInferred = (g: Graph | InferredGraph): g is InferredGraph => (g as InferredGraph).costs !== undefined;

export function fitDeviceFromEndToEnd(samples: readonly EndToEndGraphSample[], options: FitDeviceOptions): DeviceProfileJSON {
  if (samples.length === 0) throw new EdgelatError("invalid_argument", "fitDeviceFromEndToEnd needs at least one sample");
  const spec = options.spec ?? ["flops", "bytes", "1"];
  const terms = compileFeatureSpec(spec);
  const t = terms.length;
  // Per sample: class → Σ over its kernels of the term vector.
  type Group = KernelClass | "conv1x1";
  const sums: Map<Group, Float64Array>[] = [];
  const classes = new Set<Group>();
  const x = new Array<number>(t);
  samples.forEach((s, i) => {
    if (!(Number.isFinite(s.latencyMs) && s.latencyMs > 0)) {
      throw new EdgelatError("invalid_argument", `sample ${i}: latencyMs must be a finite number > 0, got ${s.latencyMs}`);
    }
    const inferred = isInferred(s.graph) ? s.graph : inferShapes(s.graph);
    const m = new Map<Group, Float64Array>();
    for (const k of fuse(inferred, options.backend).kernels) {
      terms.write(k.features, x);
      const g: Group = k.class === "conv" && k.features.kernelH === 1 ? "conv1x1" : k.class;
      let acc = m.get(g);
      if (acc === undefined) { acc = new Float64Array(t); m.set(g, acc); classes.add(g); }
      for (let j = 0; j < t; j++) acc[j] += x[j]!;
    }
    sums.push(m);
  });
  const order = [...classes].sort();
  const rows = sums.map((m) => {
    const r: number[] = [];
    for (const c of order) { const a = m.get(c); for (let j = 0; j < t; j++) r.push(a ? a[j]! : 0); }
    r.push(1);
    return r;
  });
  const y = samples.map((s) => s.latencyMs);
  const overheadCol = order.length * t;
  // Relative-error loss, with the weight capped at a tenth of the median latency so that a few near-zero
  // measurements (e.g. NB201 cells without an input–output path, recorded at ~0.003 ms) cannot dominate the fit.
  const floorMs = 0.1 * [...y].sort((a, b) => a - b)[Math.floor(y.length / 2)]!;
  const w = y.map((v) => 1 / Math.max(v, floorMs) ** 2);
  const beta = weightedLeastSquares(rows, y, w, {
    ridge: options.ridge ?? 1e-6, unpenalized: [overheadCol], nonNegative: true, free: [overheadCol],
  });
  let se = 0;
  rows.forEach((r, i) => { let p = 0; for (let j = 0; j < r.length; j++) p += beta[j]! * r[j]!; se += ((p - y[i]!) / Math.max(y[i]!, floorMs)) ** 2; });
  const relStd = Math.sqrt(se / rows.length);
  const linear = (ci: number): PredictorJSON => ({
    kind: "linear", version: PREDICTOR_FORMAT_VERSION, spec: [...spec], coef: beta.slice(ci * t, (ci + 1) * t), target: "linear",
    noise: { relStd, absStdMs: 0 }, samples: samples.length,
  });
  const predictors: DeviceProfileJSON["predictors"] = {};
  order.forEach((c, ci) => { if (c !== "conv1x1") predictors[c] = linear(ci); });
  const i1 = order.indexOf("conv1x1");
  if (i1 >= 0) {
    const general = order.indexOf("conv");
    predictors.conv = [
      { when: { field: "kernelH", max: 1 }, label: "conv 1x1", predictor: linear(i1) },
      { label: "conv", predictor: general >= 0 ? linear(general) : linear(i1) },
    ];
  }
  return {
    schema: DEVICE_SCHEMA,
    id: options.id,
    name: options.name ?? `${options.id} (fit from end-to-end measurements)`,
    identity: {
      device: options.id, soc: "unknown", processor: "cpu", processorName: "unknown", precision: "fp32", runtime: "unknown",
      runtimeVersion: "unknown", ...options.identity,
      ...((options.identity?.processor ?? "cpu") === "cpu" && options.identity?.threads === undefined ? { threads: 1 } : {}),
    },
    backend: options.backend,
    predictors,
    overhead: { coef: { sumKernelMs: 1, constant: beta[overheadCol]! }, relStd },
    provenance: {
      dataset: options.dataset ?? "end-to-end measurements",
      method: `fitDeviceFromEndToEnd: per-class linear kernel costs (${spec.join(", ")}) + constant overhead, NNLS on relative error`,
      samples: { models: samples.length },
    },
  };
}
