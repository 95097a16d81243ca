/**
 * Profiles this machine's onnxruntime-node CPU runtime within a budget and validates the profile end to end on every
 * real ONNX corpus model (.cache/models, `npm run gather-models`) and 56 generated models (NAS-Bench-201 cells,
 * MobileNetV2 width × resolution, MobileNetV3, ResNet variants); writes docs/local-devices.md. With `--runtime tfjs-wasm`
 * it profiles TF.js on its WebAssembly backend instead (src/profile/tfjs.ts) and validates on the generated models and the
 * corpus's TF.js graph models; each runtime gets its own section (state files are named by the profile id).
 *
 * Usage: npm run validate-local [-- --budget 10m] [-- --runtime ort-node|tfjs-wasm] [-- --threads 1,2] [-- --level all] [-- --rounds 15]
 *                               [-- --skip-profile] [-- --no-write] [-- --refit] [-- --diagnose DIR] [-- --state DIR]
 * State (resumable): .cache/local-devices/<id>.{jsonl,json,validation.jsonl,result.json}. An interrupted run rerun
 * with the same arguments reuses every logged measurement.
 *   --refit        measure nothing: refit the profile from every kernel / calibration measurement the state's log holds
 *                  and validate against the logged validation measurements (models the logs lack are left out).
 *   --diagnose DIR also profile every validation model kernel by kernel (log in DIR, kept apart from the state: these
 *                  are never training data; what DIR's log holds is reused, also with --refit) and print where the
 *                  error comes from (src/profile/diagnose.ts).
 *   --state DIR    state folder (default .cache/local-devices).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { dataRoot } from "../src/datasets/paths.js";
import { loadDevice } from "../src/devices/load.js";
import type { Device, DeviceProfileJSON } from "../src/devices/types.js";
import { parseDuration } from "../src/cli/profile.js";
import { corpusOnnxModels } from "../src/profile/corpus.js";
import { fitLocalOverhead, localDeviceId } from "../src/profile/device.js";
import { MeasurementLog, readLog } from "../src/profile/log.js";
import { calibrationModels, prepareModel, prepareOnnx, priorModels, validationModels } from "../src/profile/models.js";
import type { OrtLevel } from "../src/profile/ort.js";
import { createRunner, type ProfileRunner } from "../src/profile/runner.js";
import type { RuntimeId } from "../src/profile/runtime.js";
import { corpusTfjsModels, prepareTfjsModel } from "../src/profile/tfjs.js";
import { aggregationFloor, diagnoseClasses, diagnoseModel, weightMParamsOf, type AggregationRow, type ModelDiagnosis } from "../src/profile/diagnose.js";
import { measureKernels, pickKernelBatch, summarizeBatches } from "../src/profile/measure.js";
import { median } from "../src/profile/stats.js";
import { nodeOverheadUs, profiledSum, type NodeOverheadRow } from "../src/profile/trace.js";
import { loadavg } from "node:os";
import { fuse } from "../src/fusion/fuse.js";
import { profileDevice, type ProfileResult } from "../src/profile/profile.js";
import { nnMeterPriors } from "../src/profile/templates.js";
import { summarizeRows, validateDevice, type ValidationModel, type ValidationRow, type ValidationSummary } from "../src/profile/validate.js";
import { inferShapes } from "../src/shape/infer.js";

const ROOT = resolve(import.meta.dirname ?? ".", "..");
const DOC = join(ROOT, "docs", "local-devices.md");

interface Result {
  id: string;
  config: string;
  threads: number;
  level: string;
  /** Runtime profiled (absent in results written before TF.js support: onnxruntime-node). */
  runtime?: RuntimeId;
  budgetMs: number;
  profiledAt: string;
  profile: Pick<ProfileResult, "classes" | "calibration" | "kernelModels" | "samplingStoppedBy" | "elapsedMs" | "load" | "fusion" | "nodeOverheadUs"> & { overhead: DeviceProfileJSON["overhead"]; kernels: number; resumedRecords?: number };
  validatedAt: string;
  rows: ValidationRow[];
  summary: ValidationSummary;
  corpus: ValidationSummary | undefined;
  generated: ValidationSummary | undefined;
  /** Median ratio of the calibration models' latency at validation time to their latency at profiling time. */
  drift: number;
  driftRatios: number[];
  /** Measurement batches of the validation models reused from the validation log of an earlier (interrupted) run. */
  validationResumed?: number;
  /**
   * Aggregation floor: the whole models the profiling run measured both kernel by kernel and end to end, with an
   * overhead model fitted in-sample on their measured kernel sums (src/profile/diagnose.ts `aggregationFloor`).
   */
  aggregation?: { n: number; within10: number; mape: number; relStd: number; coef: Record<string, number>; worst: { name: string; relError: number }[]; nodeOverheadUs?: number };
  /** The profile was refitted from logged measurements only (`--refit`): first and last logged kernel measurement. */
  refit?: { first: string; last: string };
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    budget: { type: "string", default: "10m" },
    runtime: { type: "string", default: "ort-node" },
    threads: { type: "string", default: "1" },
    level: { type: "string", default: "all" },
    rounds: { type: "string", default: "15" },
    "skip-profile": { type: "boolean" },
    "no-write": { type: "boolean" },
    refit: { type: "boolean" },
    diagnose: { type: "string" },
    state: { type: "string" },
  },
});
const STATE = resolve(values.state ?? join(ROOT, ".cache", "local-devices"));
const offline = values.refit === true;
const budgetMs = parseDuration(values.budget!);
const level = values.level as OrtLevel;
const rounds = Number(values.rounds);
mkdirSync(STATE, { recursive: true });
const workDir = join(ROOT, ".cache", "profile-work");
const corpus = corpusOnnxModels(join(ROOT, ".cache", "models"));
if (corpus.length === 0) console.warn("validate-local: no ONNX corpus in .cache/models (npm run gather-models): generated models only");
const runtime = values.runtime as RuntimeId;
if (runtime !== "ort-node" && runtime !== "tfjs-wasm") throw new Error(`--runtime must be ort-node or tfjs-wasm, got '${values.runtime}'`);
// tfjs-wasm validates on the corpus's TF.js graph models (the ONNX corpus only seeds kernel sampling there)
const tfjsCorpus = runtime === "tfjs-wasm" ? corpusTfjsModels(join(ROOT, ".cache", "models")) : [];
const log = (s: string) => console.error(`[validate-local ${new Date().toISOString().slice(11, 19)}] ${s}`);

const sub = (rows: ValidationRow[], pick: (r: ValidationRow) => boolean, all: ValidationSummary): ValidationSummary | undefined => {
  const r = rows.filter(pick);
  return r.length === 0 ? undefined : { ...summarizeRows(r, all.clock, all.load.start), load: all.load };
};

/**
 * `--diagnose DIR`: every validation model profiled kernel by kernel (log DIR/<id>.diagnose.jsonl), then the split of
 * the e2e error into the aggregation ceiling and the kernel predictors' error per class (src/profile/diagnose.ts).
 */
async function runDiagnosis(dir: string, id: string, runner: ProfileRunner, device: Device, models: readonly ValidationModel[], rows: readonly ValidationRow[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const klog = new MeasurementLog(join(dir, `${id}.diagnose.jsonl`), runner.config);
  const measuredOf = new Map(rows.map((r) => [r.name, r.measuredMs]));
  // (a runtime that cannot run some models kernel by kernel — the TF.js executor on graph models with control flow — skips them)
  const items = models.filter((m) => measuredOf.has(m.name) && (runner.supports?.(m.model.graph) ?? true)).map((m) => ({ m, kernels: fuse(m.inferred, runner.backend) }));
  // the calibration models too: their kernels were profiled in context by the profiling run (state log), so the ratio of
  // their kernel sums now / then shows whether these kernel profiles are comparable (machine state, other load)
  const refs = models.filter((m) => m.family === "drift-reference").map((m) => ({ m, kernels: fuse(m.inferred, runner.backend) }));
  const km = await measureKernels(runner, [...items, ...refs].map((x) => ({ model: x.m.model, kernels: x.kernels })), { log: klog, onProgress: (d, t) => log(`kernel-profiled ${d}/${t}`) });
  const stateLog = new MeasurementLog(join(STATE, `${id}.jsonl`), runner.config);
  const sumOfMedians = (us: Map<string, number[]>) => [...us.values()].reduce((t, v) => t + (v.length ? median(v) : 0), 0);
  const refRatios = refs
    .map((x) => ({ name: x.m.name, now: km.get(x.m.model.key), then: stateLog.kernelsUs(x.m.model.key) }))
    .filter((x) => x.now !== undefined && x.then.size > 0)
    .map((x) => ({ name: x.name, ratio: sumOfMedians(x.now!.kernelsUs) / sumOfMedians(x.then) }));
  const diags: ModelDiagnosis[] = [];
  for (const x of items) {
    const p = km.get(x.m.model.key);
    if (p !== undefined) diags.push(diagnoseModel(device, { name: x.m.name, family: x.m.family, inferred: x.m.inferred, measuredMs: measuredOf.get(x.m.name)! }, p));
  }
  const classes = diagnoseClasses(diags);
  writeFileSync(join(dir, `${id}.diagnosis.json`), JSON.stringify({ models: diags, classes }, null, 1) + "\n");
  const rel = (a: number, b: number) => (a - b) / b;
  const within = (xs: number[]) => xs.filter((x) => Math.abs(x) <= 0.1).length / Math.max(1, xs.length);
  const mapeOf = (xs: number[]) => xs.reduce((s, x) => s + Math.abs(x), 0) / Math.max(1, xs.length);
  const sgn = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}%`;
  const D: string[] = [`## diagnosis ${id} (${diags.length} models)`, ""];
  const groups: [string, ModelDiagnosis[]][] = [["all", diags], ["corpus", diags.filter((d) => d.family === "corpus")], ["generated", diags.filter((d) => d.family !== "corpus")]];
  D.push("| models | n | predicted: within ±10% | MAPE | ceiling (profiled kernels → overhead model): within ±10% | MAPE | Σ predicted kernels vs Σ profiled: MAPE | measured / Σ profiled: median |", "|---|---|---|---|---|---|---|---|");
  for (const [name, ds] of groups) {
    if (ds.length === 0) continue;
    const pe = ds.map((d) => rel(d.predictedMs, d.measuredMs));
    const ce = ds.map((d) => rel(d.ceilingMs, d.measuredMs));
    const ke = ds.map((d) => rel(d.predictedKernelMs, d.profiledKernelMs + d.unmappedMs));
    const ratio = ds.map((d) => d.measuredMs / (d.profiledKernelMs + d.unmappedMs)).sort((a, b) => a - b);
    D.push(`| ${name} | ${ds.length} | ${(100 * within(pe)).toFixed(1)}% | ${(100 * mapeOf(pe)).toFixed(1)}% | ${(100 * within(ce)).toFixed(1)}% | ${(100 * mapeOf(ce)).toFixed(1)}% | ${(100 * mapeOf(ke)).toFixed(1)}% | ${ratio[Math.floor(ratio.length / 2)]!.toFixed(3)} |`);
  }
  // the aggregation noise floor: the overhead model fitted on the validation models' own profiled kernel sums (in-sample)
  const floor = fitLocalOverhead(diags.map((d) => ({ name: d.name, measuredMs: d.measuredMs, sumKernelMs: d.profiledKernelMs + d.unmappedMs, kernels: d.counted, fusedOps: 0 })));
  const fc = floor.coef;
  const fe = diags.map((d) => rel((fc.sumKernelMs ?? 1) * (d.profiledKernelMs + d.unmappedMs) + (fc.kernels ?? 0) * d.counted + (fc.constant ?? 0), d.measuredMs));
  D.push("", `Overhead model refitted on these models' own profiled kernel sums (in-sample floor): ${Object.entries(fc).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(", ")}; within ±10% ${(100 * within(fe)).toFixed(1)}%, MAPE ${(100 * mapeOf(fe)).toFixed(1)}%, relative std ${(100 * floor.relStd).toFixed(1)}%.`);
  if (refRatios.length > 0) {
    const rs = refRatios.map((r) => r.ratio).sort((x, y) => x - y);
    D.push("", `Kernel profiles now vs the profiling run's (Σ kernel medians of the ${rs.length} calibration models): median ratio ${rs[Math.floor(rs.length / 2)]!.toFixed(3)}, range ${rs[0]!.toFixed(3)}–${rs.at(-1)!.toFixed(3)} (load now ${loadavg().map((x) => x.toFixed(2)).join(" / ")}).`);
  }
  D.push("", "| class | kernels | Σ profiled ms | Σ predicted ms | kernel MAPE | share of total e2e error | mean abs share of a model's e2e |", "|---|---|---|---|---|---|---|");
  for (const c of classes) D.push(`| ${c.cls} | ${c.n} | ${c.profiledMs.toFixed(2)} | ${c.predictedMs.toFixed(2)} | ${(100 * c.mape).toFixed(1)}% | ${sgn(c.contribution)} | ${(100 * c.meanAbsModelShare).toFixed(1)}% |`);
  D.push("", "| model | measured ms | predicted | ceiling | Σ kernels pred vs prof | unmapped ms | missing kernels | top unmapped |", "|---|---|---|---|---|---|---|---|");
  for (const d of diags) {
    D.push(`| ${d.name.replaceAll("|", "\\|")} | ${d.measuredMs.toFixed(2)} | ${sgn(rel(d.predictedMs, d.measuredMs))} | ${sgn(rel(d.ceilingMs, d.measuredMs))} | ${sgn(rel(d.predictedKernelMs, d.profiledKernelMs + d.unmappedMs))} | ${d.unmappedMs.toFixed(3)} | ${d.missing.length} | ${d.extra.slice(0, 3).map((e) => `${e.node} ${e.us.toFixed(0)}µs`).join(", ")} |`);
  }
  console.log(D.join("\n"));
}

for (const threads of values.threads!.split(",").map(Number)) {
  const runner = await createRunner({ runtime, threads, level, workDir });
  const id = localDeviceId(runner.target);
  const profileFile = join(STATE, `${id}.json`);
  const resultFile = join(STATE, `${id}.result.json`);
  let profile: DeviceProfileJSON;
  const profiledAt = new Date().toISOString();
  let summaryOfProfile: Result["profile"];
  const previous = existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, "utf8")) as Result) : undefined;
  if (values["skip-profile"] && existsSync(profileFile) && previous !== undefined) {
    profile = JSON.parse(readFileSync(profileFile, "utf8")) as DeviceProfileJSON;
    summaryOfProfile = previous.profile;
    log(`reusing ${profileFile}`);
  } else {
    const prior = priorModels().map((m) => ({ name: m.name, inferred: inferShapes(m.graph) }));
    for (const c of corpus) prior.push({ name: c.name, inferred: prepareOnnx(`corpus:${c.name}`, new Uint8Array(readFileSync(c.path)), c.inputShapes).inferred });
    for (const c of tfjsCorpus) prior.push({ name: c.name, inferred: prepareTfjsModel(`corpus:${c.name}`, c.path, c.inputShapes, c.outputs).inferred });
    log(`profiling ${runner.config} for ${(budgetMs / 1000).toFixed(0)} s`);
    let lastPhase = "";
    const res = await profileDevice({
      runtime, threads, level, budgetMs, workDir, seed: 1,
      logFile: join(STATE, `${id}.jsonl`),
      priorModels: prior,
      templateConfigs: nnMeterPriors(dataRoot()),
      calibrationModels: calibrationModels(),
      contextModels: priorModels(),
      ...(offline ? { measure: { offline: true } } : {}),
      onProgress: (p) => {
        if (p.phase !== lastPhase || Math.random() < 0.05) log(`${(100 * p.fraction).toFixed(0)}% ${p.phase}: ${p.message}`);
        lastPhase = p.phase;
      },
    });
    profile = res.profile;
    writeFileSync(profileFile, JSON.stringify(profile, null, 1) + "\n");
    summaryOfProfile = {
      classes: res.classes, calibration: res.calibration, kernelModels: res.kernelModels, samplingStoppedBy: res.samplingStoppedBy,
      // a refit keeps the profiling run's time and load (it measured nothing itself)
      elapsedMs: offline && previous ? previous.profile.elapsedMs : res.elapsedMs, load: offline && previous ? previous.profile.load : res.load, ...(res.fusion ? { fusion: res.fusion } : {}), overhead: profile.overhead,
      kernels: profile.provenance.samples.kernels ?? 0, resumedRecords: res.resumedRecords, ...(res.nodeOverheadUs !== undefined ? { nodeOverheadUs: res.nodeOverheadUs } : {}),
    };
    log(`profile written: ${profileFile}`);
  }
  const device = loadDevice(profile);
  const models: ValidationModel[] = [];
  if (runtime === "ort-node") for (const c of corpus) models.push({ name: c.name, family: "corpus", ...prepareOnnx(`corpus:${c.name}`, new Uint8Array(readFileSync(c.path)), c.inputShapes) });
  for (const c of tfjsCorpus) models.push({ name: c.name, family: "corpus", ...prepareTfjsModel(`corpus:${c.name}`, c.path, c.inputShapes, c.outputs) });
  for (const m of validationModels()) models.push({ name: m.name, family: m.family, ...prepareModel(`val:${m.name}`, m.graph) });
  // The calibration models are measured again among the validation models (same batches, same load): the ratio of
  // their latency now to their latency when the overhead model was fitted shows how much the machine drifted.
  for (const m of calibrationModels()) models.push({ name: m.name, family: "drift-reference", ...prepareModel(`calib:${m.name}`, m.graph) });
  log(`validating on ${models.length} models`);
  const vlog = new MeasurementLog(join(STATE, `${id}.validation.jsonl`), runner.config);
  const clock = threads === 1 ? "cpu" : "wall";
  const measured = await validateDevice(runner, device, models, { rounds, clock, log: vlog, offline, onProgress: (d, t) => log(`measured ${d}/${t}`) });
  const rows = measured.rows.filter((r) => r.family !== "drift-reference");
  const summary = { ...summarizeRows(rows, clock, measured.summary.load.start), load: measured.summary.load };
  const then = new Map(summaryOfProfile.calibration.map((c) => [c.name, c.measuredMs]));
  const ratios = measured.rows.filter((r) => r.family === "drift-reference" && then.has(r.name)).map((r) => r.measuredMs / then.get(r.name)!).sort((a, b) => a - b);
  const drift = ratios.length ? ratios[Math.floor(ratios.length / 2)]! : Number.NaN;
  const result: Result = {
    id, config: runner.config, runtime, threads, level, budgetMs: previous && (values["skip-profile"] || offline) ? previous.budgetMs : budgetMs,
    profiledAt: previous && (values["skip-profile"] || offline) ? previous.profiledAt : profiledAt,
    profile: summaryOfProfile, validatedAt: new Date().toISOString(), rows, summary,
    corpus: sub(rows, (r) => r.family === "corpus", summary), generated: sub(rows, (r) => r.family !== "corpus", summary),
    drift, driftRatios: ratios, validationResumed: vlog.resumed,
  };
  {
    // aggregation floor from the profiling log: calibration and prior models profiled in context and measured e2e
    const plog = new MeasurementLog(join(STATE, `${id}.jsonl`), runner.config);
    const prows: (NodeOverheadRow & { name: string; kernels: number; weightMParams: number })[] = [];
    for (const [pre, list] of [["calib", calibrationModels()], ["context", priorModels()]] as const) {
      for (const m of list) {
        const key = `${pre}:${m.name}`;
        // the kernel profile the profiling run used (measureKernels' summary of the logged batches)
        const logged = plog.records("kernels", key).map((x) => ({ kernelsUs: new Map(Object.entries(x.kernelsUs ?? {})), unmappedUs: new Map(Object.entries(x.unmappedUs ?? {})) }));
        const kt = pickKernelBatch(logged, { kernelsUs: plog.kernelsUs(key), unmappedUs: plog.unmappedUs(key) }, runner.exclusiveSessions ? "fastest" : "pooled");
        const sum = profiledSum(kt.kernelsUs, kt.unmappedUs);
        const batches = plog.records("e2e", key).map((x) => ({ ms: x.ms ?? [], cpuMs: x.cpuMs ?? [] }));
        if (sum.nodes === 0 || batches.length === 0) continue;
        // the e2e latency the profiling run used (measureE2e's summary of the logged batches)
        const e2e = summarizeBatches(key, batches, clock, runner.exclusiveSessions ? "fastest" : "pooled");
        const kg = fuse(inferShapes(m.graph), runner.backend);
        prows.push({ name: m.name, ...sum, measuredUs: 1000 * e2e.summary.median, kernels: kg.kernels.length, weightMParams: weightMParamsOf(kg) });
      }
    }
    // the profiler's per-node cost, removed from the kernel samples by the profiling run, is removed here too
    const nodeCost = runner.traceNodeOverhead ? nodeOverheadUs(prows) : 0;
    const arows: AggregationRow[] = prows.map((x) => ({ name: x.name, measuredMs: x.measuredUs / 1000, profiledMs: (x.profiledUs - nodeCost * x.nodes) / 1000, kernels: x.kernels, weightMParams: x.weightMParams }));
    if (arows.length >= 6) {
      const f = aggregationFloor(arows);
      result.aggregation = {
        n: arows.length, within10: f.within10, mape: f.mape, relStd: f.overhead.relStd, coef: f.overhead.coef as Record<string, number>,
        worst: [...f.errors].sort((a, b) => Math.abs(b.relError) - Math.abs(a.relError)).slice(0, 3),
        ...(runner.traceNodeOverhead ? { nodeOverheadUs: nodeCost } : {}),
      };
    }
  }
  if (offline && !values["skip-profile"]) {
    const at = readLog(join(STATE, `${id}.jsonl`)).filter((x) => x.config === runner.config).map((x) => x.at).sort();
    if (at.length > 0) result.refit = { first: at[0]!, last: at.at(-1)! };
  } else if (values["skip-profile"] && previous?.refit) result.refit = previous.refit; // the reused profile is a refit
  writeFileSync(resultFile, JSON.stringify(result, null, 1) + "\n");
  if (values.diagnose !== undefined) await runDiagnosis(resolve(values.diagnose), id, runner, device, models, rows);
  log(`${id}: within ±10% ${(100 * summary.within10).toFixed(1)}% of ${summary.n}, MAPE ${(100 * summary.mape).toFixed(1)}%, ρ ${summary.spearman.toFixed(3)}`);
}

// ---- the document, from every result in the state folder ----
// NaN is written to the result JSON as null
const pct = (x: number | null | undefined, d = 1) => (x === undefined || x === null || Number.isNaN(x) ? "—" : `${(100 * x).toFixed(d)}%`);
const loadStr = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
const results = readdirSync(STATE).filter((f) => f.endsWith(".result.json")).sort().map((f) => JSON.parse(readFileSync(join(STATE, f), "utf8")) as Result);
const L: string[] = [];
const TFJS_METHOD = [
  "TF.js on its WebAssembly backend, driven from Node (`npm run validate-local -- --runtime tfjs-wasm --budget 10m`). The",
  "simulator's IR graphs (ONNX ops) run through edgelat's TF.js executor (src/profile/tfjs-exec.ts): each node becomes the",
  "TF.js ops a TF.js port of the layer calls — `Conv` → `tf.fused.conv2d` / `tf.fused.depthwiseConv2d` with its bias,",
  "`BatchNormalization` → `tf.batchNorm`, `Gemm` → `tf.fused.matMul`, pools, element-wise ops — on NHWC tensors with seeded",
  "random weights; nothing is fused across nodes, which is what the `tfjs-wasm@4.22` rule set simulates for ONNX-op graphs",
  "(fusion detection below checks it: the timing test against the kernel count `tf.profile()` reports). Per-kernel times are",
  "the process CPU time of each node's ops: the wasm backend runs every kernel synchronously on the calling thread, and under",
  "Node tfjs-backend-wasm always loads its single-threaded build (`setThreadsCount` has no effect there), so kernel times and",
  "end-to-end latencies are both read on the CPU clock. (`tf.profile()` on the wasm backend does report a `kernelTimeMs` per",
  "kernel — the wall-clock time around the synchronous kernel call, inflated by other processes' load — and no node names.)",
  "The real TF.js corpus models (converted graph models, already fused by the TF.js converter into `_FusedConv2D`, …) run",
  "through `tf.loadGraphModel` and are validated end to end; their kernel *configurations* are sampling priors (the",
  "converter-fused convolutions through the executor's equivalent ONNX kernels; the element-wise kernels the converter",
  "leaves unfused — Maximum / Minimum of `clip_by_value`, per-channel Mul / Add, residual AddV2 — as one-node TF graphs",
  "with the corpus kernel's shapes and kept constants), never their measured times. The overhead model is fitted on",
  "executor-run calibration models only, so the per-node cost of `tf.loadGraphModel`'s own graph execution is not in it.",
];
L.push(results.some((r) => r.runtime === "tfjs-wasm") ? "# Local devices: onnxruntime-node and TF.js (wasm) on this machine" : "# Local devices: onnxruntime-node on this machine", "");
L.push(
  "edgelat profiles the machine it runs on (`edgelat profile`) and validates the profile end to end (`edgelat validate`).",
  "This page is generated by `npm run validate-local` (scripts/validate-local.ts): it profiles onnxruntime-node's CPU",
  "execution provider within a time budget — fusion-rule detection, adaptive sampling of single-kernel models measured",
  "with ORT's own profiler, per-class predictors, an overhead model fitted on a few whole calibration models — and then",
  "measures every real ONNX corpus model and 56 generated models (none of them used for calibration) and compares.",
  "",
  "Measurement discipline: warm-up runs, runs interleaved round-robin across the models of a batch, median after Tukey",
  "outlier rejection, IQR / median as the spread, re-measurement of models whose spread exceeds 10%, every raw run",
  "appended to a JSONL log (`.cache/local-devices/`) so an interrupted run resumes. With more than one intra-op thread,",
  "ORT's idle sessions keep their pool threads spin-waiting, which slowed the measured session 5× (MobileNetV2 at 2",
  "threads: 3.1 ms alone, 17.9 ms among 5 other open sessions), so multi-threaded ORT batches are measured one session",
  "at a time instead of interleaved; and since a multi-threaded run on a shared 2-core machine is slowed down for whole",
  "stretches of seconds (the same MobileNetV2 at 2 threads: 1.40 ms in one batch, 2.29 ms — its single-thread speed —",
  "in a batch taken seconds later, both with spreads below 4%), each model is measured in at least two batches at",
  "different times and its latency is the median of its fastest batch (a kernel profile re-measured in several batches",
  "likewise keeps its fastest batch). Load is `os.loadavg()` (1/5/15 min)",
  "on a machine with 2 logical cores: above ~1 other processes competed for the CPU. Every run records two clocks:",
  "wall-clock and the process CPU time (user + system, all threads). With one intra-op thread the CPU time is the run's",
  "latency without the time other processes take from it — on this shared machine the wall-clock of a 20 ms model was",
  "2–3× its CPU time with spreads of 15–25%, while its CPU time varied by < 1% and equalled the sum of ORT's own",
  "per-kernel profiler times — so single-thread results are read on the CPU clock, and the wall-clock results are shown",
  "beside them. Per-kernel times come from ORT's profiler (they were not inflated by the load: see above).",
  "",
  "Protocol note (disclosure): the validation models are never used to fit anything, but the design was revised after",
  "looking at their results. Overhead forms (2026-11-25, session 3): the candidate forms are chosen per device by",
  "leave-one-out on the calibration models only; while developing the cold-weight term the ORT 1-thread validation was",
  "looked at twice on refits of the logged measurements, and after the first look per-class scale forms (one scale for",
  "compute kernels, one for the rest) were removed from the candidates, because the calibration models' non-compute",
  "kernels are all tiny (≤ 0.083 ms) while the corpus models' reach 3.9 ms, so that scale cannot extrapolate. ORT at 2",
  "threads: the profiler's per-node cost and the fastest-batch rule were developed on a 4-minute and a 3-minute quiet run",
  "whose validation was looked at; the run below is a fresh one.",
  "",
  "Regenerate: `npm run gather-models && npm run validate-local -- --budget 10m --threads 1` (add `--threads 1,2` for",
  "both; `--skip-profile` re-validates the saved profile; `--refit` refits the profile from the logged measurements",
  "without measuring anything and validates it against the logged validation runs; `--diagnose DIR` also profiles every",
  "validation model kernel by kernel and splits the error into the aggregation ceiling and each kernel class's share).",
  "Per-class predictors: the candidate with the lowest 5-fold CV MAPE of a non-negative linear cost model, a log-linear",
  "power law, gradient-boosted trees on ln(latency), and the same trees after a power law in FLOPs and bytes (`gbt-pl`),",
  "plus per-kernel-type overrides where a type's own predictor cross-validates better. Priors for kernel sampling: every kernel of the ONNX corpus",
  "models, of the reference builders at other sizes than validated and of 8 NB201 networks, plus nn-Meter's prior",
  "configuration library; so corpus kernel shapes are seen in profiling (the corpus *models* are never used to fit the",
  "overhead), generated validation models share layer shapes with the priors only where their family does.",
  "",
);
for (const r of results) {
  const s = r.summary;
  L.push(`## ${r.id} (${r.config})`, "");
  if (r.runtime === "tfjs-wasm") L.push(...TFJS_METHOD, "");
  L.push(`Profiled ${r.profiledAt} with a ${(r.budgetMs / 60000).toFixed(1)}-minute budget (${(r.profile.elapsedMs / 1000).toFixed(0)} s used; load ${loadStr(r.profile.load.start)} → ${loadStr(r.profile.load.end)}); validated ${r.validatedAt} (load ${loadStr(s.load.start)} → ${loadStr(s.load.end)}).`, "");
  if (r.refit) L.push(`This profile was refitted (\`--refit\`, no new measurement) from every measurement in the profiling log, taken ${r.refit.first} – ${r.refit.last} by the profiling run whose budget, time used and load are given above.`, "");
  if (r.validationResumed) L.push(`The validation measurements (${r.validationResumed} batches) were taken by an earlier run of this script and reused from its log (\`.cache/local-devices/${r.id}.validation.jsonl\`, each batch with its own load average); the validation load above is the load when this page was written.`, "");
  L.push(`Measured latency: ${s.clock === "cpu" ? "process CPU time of the single-threaded run (the latency without the time other processes take; wall-clock in the right-hand columns)" : "wall-clock"}.`, "");
  L.push(
    `| models | n | within ±10% | within ±5% | MAPE | Spearman ρ | median spread (IQR/median) | wall-clock: within ±10% | wall-clock MAPE | wall-clock spread |`,
    "|---|---|---|---|---|---|---|---|---|---|",
  );
  const line = (name: string, x: ValidationSummary | undefined) =>
    x && L.push(`| ${name} | ${x.n} | ${pct(x.within10)} | ${pct(x.within5)} | ${pct(x.mape)} | ${Number.isNaN(x.spearman) ? "—" : x.spearman.toFixed(3)} | ${pct(x.medianRelIqr)} | ${pct(x.wall.within10)} | ${pct(x.wall.mape)} | ${pct(x.wall.medianRelIqr)} |`);
  line("all", s);
  line(r.runtime === "tfjs-wasm" ? "real TF.js corpus (graph models)" : "real ONNX corpus", r.corpus);
  line("generated (NB201, MobileNetV2/V3, ResNet)", r.generated);
  L.push("", `Goal ≥ 95% within ±10% (nn-Meter: 99.0% on its CPU after far longer profiling).`, "");
  if (r.drift !== undefined && Number.isFinite(r.drift)) {
    L.push(`Machine drift: the ${r.driftRatios.length} calibration models, measured again among the validation models, ran ${r.drift >= 1 ? "+" : ""}${pct(r.drift - 1)} vs. when the overhead model was fitted (median ratio; range ${r.driftRatios[0]!.toFixed(2)}–${r.driftRatios.at(-1)!.toFixed(2)}). A systematic error of about this size is the machine's state changing between profiling and validation (other processes' load), not the predictor.`, "");
  }
  if (r.profile.nodeOverheadUs !== undefined) {
    L.push(`ORT's profiler at ${r.threads} threads: with an intra-op thread pool the profiler also records thread-pool statistics around every node (\`thread_scheduling_stats\` in each node event), inside the node's timed interval, so each node's profiled time carries a cost the unprofiled run does not pay — the kernel times do not undercount the end-to-end time, they overcount it: NAS-Bench-201 networks (150–250 nodes of a few µs) were profiled at 1.7–2.2× their end-to-end time, ResNet-18 (25 large nodes) at 1.0×. This run estimated that cost at ${r.profile.nodeOverheadUs.toFixed(2)} µs per node (median over the whole models profiled in context of (Σ profiled − e2e) / nodes) and removed it from every kernel sample before fitting the predictors; the aggregation floor below uses the same correction.`, "");
  }
  if (r.aggregation) {
    const a = r.aggregation;
    L.push(`Aggregation floor: the ${a.n} whole models the profiling run measured both kernel by kernel (${r.runtime === "tfjs-wasm" ? "TF.js executor, CPU time per node" : "ORT profiler"}) and end to end, with the overhead model refitted in-sample on their *measured* kernel sums (${Object.entries(a.coef).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(", ")}): ${pct(a.within10)} within ±10%, MAPE ${pct(a.mape)}, relative std ${pct(a.relStd)} (worst: ${a.worst.map((w) => `${w.name.replaceAll("|", "\\|")} ${w.relError >= 0 ? "+" : ""}${pct(w.relError)}`).join(", ")}). Perfect kernel predictors would still leave about this error: the end-to-end time of a model with many tiny kernels (NAS-Bench-201 networks: 150–250 kernels of a few µs) differs from the sum of its profiled kernel times by an amount that varies from model to model.`, "");
  }
  if (r.profile.resumedRecords && !r.refit) L.push(`This profiling run resumed from the measurement log of an earlier run: ${r.profile.resumedRecords} logged measurement batches were reused (the earlier run's profiling budget was 10 minutes), so the measuring time behind this profile exceeds this run's budget.`, "");
  L.push(`Kernel sampling: ${r.profile.kernelModels} single-kernel models, ${r.profile.kernels} kernel samples, ${r.profile.samplingStoppedBy === "logged" ? "every one the log holds (refit)" : `stopped by ${r.profile.samplingStoppedBy}`}. Overhead model: ${Object.entries(r.profile.overhead.coef).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(", ")} (relative std ${pct(r.profile.overhead.relStd)} on ${r.profile.calibration.length} calibration models).`, "");
  L.push("| kernel class | samples | predictor | CV MAPE |", "|---|---|---|---|");
  for (const c of r.profile.classes) L.push(`| ${c.cls} | ${c.samples} | ${c.model} | ${pct(c.cvMape)} |`);
  if (r.profile.fusion) {
    const f = r.profile.fusion;
    L.push("", `Fusion-rule detection (T(a)+T(b)−T(a∘b) > ${f.alpha}·min(T(a),T(b)), ${r.runtime === "tfjs-wasm" ? "kernel times from the TF.js executor): the timing decision agrees with the kernel count TF.js launches (tf.profile)" : "kernel times from ORT's profiler): the timing decision agrees with ORT's optimized graph"} on ${f.cases.filter((c) => c.detected === c.runtimeFused).length}/${f.cases.length} cases; the simulator (\`fuse\`, ${f.backend}) on ${f.cases.filter((c) => c.simulatorFused === c.runtimeFused).length}/${f.cases.length}.`, "");
    L.push(`| case | T(a) µs | T(b) µs | T(a∘b) µs | saved µs | threshold µs | timing | ${r.runtime === "tfjs-wasm" ? "TF.js kernels" : "ORT graph"} | simulator |`, "|---|---|---|---|---|---|---|---|---|");
    const fz = (b: boolean) => (b ? "fused" : "separate");
    // a case the fusion phase's deadline left unmeasured has NaN times (null in the result JSON)
    const us = (x: number | null) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(0) : "—");
    for (const c of f.cases) L.push(`| ${c.name} | ${us(c.aUs)} | ${us(c.bUs)} | ${us(c.abUs)} | ${us(c.savedUs)} | ${us(c.thresholdUs)} | ${fz(c.detected)}${c.detected === c.runtimeFused ? "" : " ✗"} | ${fz(c.runtimeFused)} | ${fz(c.simulatorFused)}${c.simulatorFused === c.runtimeFused ? "" : " ✗"} |`);
  }
  L.push("", "<details><summary>Every validation model</summary>", "", `| model | family | measured ms (${s.clock}) | spread | wall ms | wall spread | runs | predicted ms | error | error vs wall |`, "|---|---|---|---|---|---|---|---|---|---|");
  const sign = (x: number) => `${x >= 0 ? "+" : ""}${pct(x)}`;
  for (const x of r.rows) L.push(`| ${x.name.replaceAll("|", "\\|")} | ${x.family} | ${x.measuredMs.toFixed(2)} | ${pct(x.relIqr)} | ${x.wallMs.toFixed(2)} | ${pct(x.wallRelIqr)} | ${x.runs} | ${x.predictedMs.toFixed(2)} | ${sign(x.relError)} | ${sign(x.relErrorWall)} |`);
  L.push("", "</details>", "");
}
if (!values["no-write"]) {
  writeFileSync(DOC, L.join("\n"));
  log(`wrote ${DOC}`);
} else console.log(L.join("\n"));
