/**
 * Leave-one-family-out evaluation of the phone profiles (shared by scripts/eval-phones.ts and the tests).
 * Every predictor coefficient, tree and overhead term is fitted without the held-out family.
 */
import {
  familyFolds,
  MLB_GPU_DEVICES,
  type MlbGpuDevice,
  type MlbModel,
  type MobileMlBenchmark,
} from "../../datasets/mobileMlBenchmark.js";
import { mape, spearman, withinShare } from "../../metrics/index.js";
import { weightedLeastSquares } from "../../predictors/lstsq.js";
import { loadDevice } from "../load.js";
import { applyAggregation, fitAggregation, GPU_AGGREGATIONS, measuredAggregateRow, selectGpuAggregation } from "./phones-gpu.js";
import { cpuConfigKey, cpuConfigs, cpuRuntimeGraph, trainCpuDevice, type CpuConfig } from "./phones-cpu.js";
import { e2eIndex, gpuKernelGraph, predictGraph, selectGpuFitter, trainGpuDevice, type GpuTrainOptions } from "./phones.js";

export interface Scores {
  n: number;
  within10: number;
  within5: number;
  mape: number;
  spearman: number;
}

export function scores(predicted: readonly number[], measured: readonly number[]): Scores {
  return {
    n: measured.length,
    within10: withinShare(predicted, measured, 0.1),
    within5: withinShare(predicted, measured, 0.05),
    mape: mape(predicted, measured),
    spearman: spearman(predicted, measured),
  };
}

/** FLOPs-only baseline: latency = a·FLOPs + b, fitted on relative error (a, b ≥ 0). */
export function fitFlopsBaseline(train: readonly { flops: number; y: number }[]): (flops: number) => number {
  const X = train.map((t) => [t.flops, 1]);
  const y = train.map((t) => t.y);
  const beta = weightedLeastSquares(X, y, y.map((v) => 1 / (v * v)), { nonNegative: true });
  return (flops) => beta[0]! * flops + beta[1]!;
}

export interface ConfigResult {
  config: string;
  models: string[];
  measured: number[];
  predicted: number[];
  flopsBaseline: number[];
  /** GPU only: measured op latencies through the fold's aggregation (the op-wise ceiling). */
  measuredOps?: number[];
  edgelat: Scores;
  flops: Scores;
  ceiling?: Scores;
  /** GPU only: measured op latencies through α·Σops + c·nOps + d (the aggregation before 2026-11). */
  ceilingSharedAlpha?: Scores;
  /** GPU only: the aggregation and kernel model each outer fold selected, with the number of folds. */
  aggregations?: string[];
}

function folds(models: readonly MlbModel[]): MlbModel[][] {
  const byName = new Map(models.map((m) => [m.name, m]));
  return familyFolds(models).map((f) => f.models.map((n) => byName.get(n)!));
}

/**
 * LOFO evaluation of one GPU device. Per outer fold the aggregation is selected and fitted on the training families
 * only (`trainGpuDevice`); the ceilings put the *measured* op latencies of the held-out models through the same
 * aggregation (`ceiling`) and through the plain α·Σops + c·nOps + d (`ceilingSharedAlpha`).
 */
export function evalGpu(data: MobileMlBenchmark, device: MlbGpuDevice, options: GpuTrainOptions = {}): ConfigResult {
  const e2e = e2eIndex(data.e2e).get(`${device}/gpu/float`) ?? new Map<string, number>();
  const models = data.models.filter((m) => e2e.has(m.name));
  const res = { models: [] as string[], measured: [] as number[], predicted: [] as number[], flopsBaseline: [] as number[], measuredOps: [] as number[] };
  const shared: number[] = [];
  const aggregations = new Map<string, number>();
  for (const held of folds(models)) {
    const heldNames = new Set(held.map((m) => m.name));
    const train = models.filter((m) => !heldNames.has(m.name));
    const y = train.map((m) => e2e.get(m.name)!);
    const rows = train.map((m) => measuredAggregateRow(m, device));
    const aggregation = options.aggregation ?? selectGpuAggregation(train, rows, y).best;
    const fitter = options.fitter !== undefined ? undefined : selectGpuFitter(train, device, e2e, aggregation, options.seed ?? 1);
    for (const label of [aggregation.label, fitter?.label ?? "given kernel model"]) aggregations.set(label, (aggregations.get(label) ?? 0) + 1);
    const dev = loadDevice(trainGpuDevice(data, train, device, e2e, { ...options, aggregation, ...(fitter !== undefined ? { fitterChoice: fitter } : {}) }));
    const flops = fitFlopsBaseline(train.map((m) => ({ flops: m.flops, y: e2e.get(m.name)! })));
    const ceil = fitAggregation(aggregation, rows, y);
    const ceilShared = fitAggregation(GPU_AGGREGATIONS[0]!, rows, y);
    for (const m of held) {
      const r = measuredAggregateRow(m, device);
      res.models.push(m.name);
      res.measured.push(e2e.get(m.name)!);
      res.predicted.push(predictGraph(dev, gpuKernelGraph(m, device)));
      res.flopsBaseline.push(flops(m.flops));
      res.measuredOps.push(applyAggregation(ceil, r));
      shared.push(applyAggregation(ceilShared, r));
    }
  }
  return {
    config: `${device}/gpu/fp16`, ...res,
    edgelat: scores(res.predicted, res.measured), flops: scores(res.flopsBaseline, res.measured), ceiling: scores(res.measuredOps, res.measured),
    ceilingSharedAlpha: scores(shared, res.measured),
    aggregations: [...aggregations.entries()].map(([label, n]) => `${label} (${n} folds)`),
  };
}

/**
 * LOFO evaluation of one CPU configuration, through the production path (profile JSON → loadDevice → predictKernels →
 * aggregate on the runtime kernel graph). `ceiling`: the in-sample share of the same training procedure fitted on
 * all models, held-out family included (what this model class can reach at best on the data).
 */
export function evalCpu(data: MobileMlBenchmark, cfg: CpuConfig, options: { ceiling?: boolean } = {}): ConfigResult {
  const e2e = e2eIndex(data.e2e).get(cpuConfigKey(cfg)) ?? new Map<string, number>();
  const models = data.models.filter((m) => e2e.has(m.name));
  const res = { models: [] as string[], measured: [] as number[], predicted: [] as number[], flopsBaseline: [] as number[] };
  for (const held of folds(models)) {
    const heldNames = new Set(held.map((m) => m.name));
    const train = models.filter((m) => !heldNames.has(m.name));
    const dev = loadDevice(trainCpuDevice(data, train, cfg, e2e));
    const flops = fitFlopsBaseline(train.map((m) => ({ flops: m.flops, y: e2e.get(m.name)! })));
    for (const m of held) {
      res.models.push(m.name);
      res.measured.push(e2e.get(m.name)!);
      res.predicted.push(predictGraph(dev, cpuRuntimeGraph(m)));
      res.flopsBaseline.push(flops(m.flops));
    }
  }
  const out: ConfigResult = {
    config: `${cfg.device}/${cfg.hwConfig}/${cfg.precision === "quant" ? "int8" : "fp32"}`, ...res,
    edgelat: scores(res.predicted, res.measured), flops: scores(res.flopsBaseline, res.measured),
  };
  if (options.ceiling === true) {
    const dev = loadDevice(trainCpuDevice(data, models, cfg, e2e));
    const byName = new Map(models.map((m) => [m.name, m]));
    out.ceiling = scores(res.models.map((n) => predictGraph(dev, cpuRuntimeGraph(byName.get(n)!))), res.measured);
  }
  return out;
}

export { cpuConfigs, MLB_GPU_DEVICES };
