/**
 * The published protocols run end to end on the shared data folder, as plain data (for `--json`) and as Markdown
 * (`docs/results.md`). Used by `edgelat eval` and `scripts/eval-transfer.ts`; no argv, no files written here.
 */
import { byArchIndex, loadEagleI7Nb201, loadHelpNb201, loadOneProxyNb201 } from "../datasets/nasbench201.js";
import { inferShapes, summarizeGraph } from "../shape/infer.js";
import { NB201_SIZE, buildNasBench201Graph, nb201ArchAt, nb201ConvFlops } from "../spaces/nasbench201.js";
import { loadDevice } from "../devices/load.js";
import { predictLatency } from "../predict.js";
import { accuracy, brpSplit, runBrp, type AccuracyReport, type BrpDeviceResult } from "./brp-protocol.js";
import { fitDeviceFromEndToEnd } from "./fit-device-e2e.js";
import { fitFromEndToEnd, predictNb201Latency } from "./fit-e2e.js";
import { hardwareSimilarityWeights, helpDeviceSpec } from "./device-specs.js";
import { nb201Features } from "./features.js";
import {
  bestProxy, featureRidge, flopsOnly, proxyAdaptation, sourcePrior, sourceRidge, type FewShotMethod, type SourcePriorOptions,
} from "./few-shot.js";
import {
  HELP_NB201_DEVICES, HELP_PUBLISHED, HELP_PUBLISHED_RHO_K10, helpCeiling, runHelp, type DeviceResult, type HelpEvalInput,
} from "./help-protocol.js";
import { chooseProxy, latencyMonotonicity } from "./monotonicity.js";

export type Progress = (message: string) => void;

/** Candidates for edgelat's combined method; the one with the best meta-valid mean ρ at k = 10 is scored on meta-test. */
export const COMBINED_CANDIDATES: Readonly<Record<string, SourcePriorOptions>> = {
  "prior": {},
  "prior+hw-similarity": { weighted: true },
  "prior+virtual": { virtualPerSample: 3 },
  "prior+hw-similarity+virtual": { weighted: true, virtualPerSample: 3 },
  "prior(inflation grid)": { inflationGrid: [1e-4, 1e-3, 1e-2] },
};

export interface HelpReport {
  protocol: "help-nb201";
  data: string;
  devices: typeof HELP_NB201_DEVICES;
  ks: number[];
  seeds: number;
  /** Meta-valid mean ρ (k = 10) of each combined-method candidate, and the one chosen. */
  selection: { candidates: Record<string, number>; chosen: string };
  /** results[method][k] = per meta-test device. */
  results: Record<string, Record<number, DeviceResult[]>>;
  ceiling: Record<string, number>;
  monotonicity: { target: string; proxy: string; rho: number; tau: number; action: "reuse" | "adapt" }[];
  published: { rhoK10: Readonly<Record<string, number>>; meanK10: number; flops: number };
}

function helpInput(root?: string): HelpEvalInput & { archsFeatures: { pairwise: Float64Array[] } } {
  const latencyMs = byArchIndex(loadHelpNb201(root));
  const archs = Array.from({ length: NB201_SIZE }, (_, i) => nb201ArchAt(i));
  return {
    latencyMs,
    features: archs.map((a) => nb201Features(a, "counts")),
    flops: Float64Array.from(archs, (a) => nb201ConvFlops(a)),
    archsFeatures: { pairwise: archs.map((a) => nb201Features(a, "pairwise")) },
  };
}

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

export function evaluateHelp(opts: { root?: string; ks?: number[]; seeds?: number; progress?: Progress } = {}): HelpReport {
  const ks = opts.ks ?? [5, 10, 20, 50];
  const seeds = opts.seeds ?? 10;
  const say = opts.progress ?? (() => {});
  const input = helpInput(opts.root);
  const D = HELP_NB201_DEVICES;
  const cache = new Map<string, number[][]>();
  const sourceWeights = (target: string) =>
    hardwareSimilarityWeights(helpDeviceSpec(target), D.metaTrain.filter((s) => s !== target).map(helpDeviceSpec));
  const base = { sources: D.metaTrain, seeds, sourceWeights };

  say("selecting the combined method on the meta-valid devices (k = 10)");
  const candidates: Record<string, number> = {};
  for (const [name, o] of Object.entries(COMBINED_CANDIDATES)) {
    candidates[name] = mean(runHelp(input, sourcePrior(o, cache), { ...base, targets: D.metaValid, k: 10 }).map((r) => r.meanRho));
  }
  const chosen = Object.entries(candidates).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];

  say("FLOPs of every architecture from its graph (inferShapes, all ops)");
  const flopsAll = Float64Array.from({ length: NB201_SIZE }, (_, i) => summarizeGraph(inferShapes(buildNasBench201Graph(nb201ArchAt(i)))).flops);
  const methods: Record<string, FewShotMethod> = {
    "FLOPs only (Conv + FC, NB201 convention)": flopsOnly,
    "FLOPs only (all ops, inferShapes)": (t) => flopsOnly({ ...t, flops: flopsAll }),
    "best proxy (rescaled)": bestProxy,
    "ridge over source devices": sourceRidge(1),
    "op-count ridge (target samples only)": featureRidge(1e-3),
    "proxy adaptation (OneProxy)": proxyAdaptation(0.1),
    "source prior + hw similarity (MAPLE-X)": sourcePrior({ weighted: true }, cache),
    "source prior + virtual examples (MAPLE-X)": sourcePrior({ virtualPerSample: 3 }, cache),
    [`edgelat combined: ${chosen}`]: sourcePrior(COMBINED_CANDIDATES[chosen], cache),
  };
  const results: HelpReport["results"] = {};
  for (const [name, m] of Object.entries(methods)) {
    results[name] = {};
    for (const k of ks) {
      say(`${name}, k = ${k}`);
      results[name]![k] = runHelp(input, m, { ...base, targets: D.metaTest, k });
    }
  }
  say("ceilings (pairwise ridge on all other architectures)");
  const ceiling: Record<string, number> = {};
  for (const d of D.metaTest) ceiling[d] = helpCeiling(input.latencyMs[d]!, input.archsFeatures.pairwise);

  say("latency monotonicity");
  const mono = latencyMonotonicity(input.latencyMs, { devices: [...D.metaTrain, ...D.metaTest], maxKendallRows: 2000 });
  const monotonicity = D.metaTest.map((target) => {
    const ti = mono.devices.indexOf(target);
    const rhos = Object.fromEntries(D.metaTrain.map((s) => [s, mono.rho[ti]![mono.devices.indexOf(s)]!]));
    const decision = chooseProxy(rhos);
    return { target, ...decision, tau: mono.tau[ti]![mono.devices.indexOf(decision.proxy)]! };
  });
  return {
    protocol: "help-nb201", data: "help/nasbench201_latency_ms.csv (HELP @45f70eb)", devices: D, ks, seeds,
    selection: { candidates, chosen }, results, ceiling, monotonicity,
    published: { rhoK10: HELP_PUBLISHED_RHO_K10, meanK10: HELP_PUBLISHED.meanRhoK10, flops: HELP_PUBLISHED.flopsRho },
  };
}

export interface BrpReport {
  protocol: "brp-nas-nb201";
  seed: number;
  devices: (BrpDeviceResult & { source: string })[];
}

export function evaluateBrp(opts: { root?: string; seed?: number; progress?: Progress } = {}): BrpReport {
  const seed = opts.seed ?? 0;
  const say = opts.progress ?? (() => {});
  const archs = Array.from({ length: NB201_SIZE }, (_, i) => nb201ArchAt(i));
  const features = {
    onehot: archs.map((a) => nb201Features(a, "onehot")),
    "onehot-live": archs.map((a) => nb201Features(a, "onehot-live")),
    pairwise: archs.map((a) => nb201Features(a, "pairwise")),
  };
  const tables: [string, Record<string, Float64Array>][] = [
    ["help", byArchIndex(loadHelpNb201(opts.root))],
    ["eagle-latbench", byArchIndex(loadEagleI7Nb201(opts.root))],
    ["oneproxy (1,999 archs)", byArchIndex(loadOneProxyNb201(opts.root))],
  ];
  const devices: BrpReport["devices"] = [];
  for (const [source, cols] of tables) {
    for (const d of Object.keys(cols).sort()) {
      say(`BRP ${source} ${d}`);
      devices.push({ source, ...runBrp(d, cols[d]!, features, seed) });
    }
  }
  return { protocol: "brp-nas-nb201", seed, devices };
}

const f3 = (v: number) => v.toFixed(3);
const pct = (v: number) => (100 * v).toFixed(1);

export function helpMarkdown(r: HelpReport): string {
  const D = r.devices.metaTest;
  const out: string[] = [];
  const combined = Object.keys(r.results).find((m) => m.startsWith("edgelat combined"))!;
  out.push(`## HELP protocol, NAS-Bench-201 (few-shot transfer to unseen devices)`, "");
  out.push(`Data: \`${r.data}\`, all 15,625 architectures, joined on the official NB201 index. Split (HELP \`loader.py\`): adaptation`);
  out.push(`pool = arch_idx 0–899, query = 900–1899, each trimmed to its 10th–90th latency percentile on the target (720 / 800`);
  out.push(`architectures); k samples drawn from the trimmed pool with seeds 0–${r.seeds - 1} (edgelat \`createRng\`); Spearman ρ on`);
  out.push(`the trimmed query set, mean over seeds. Sources: the 9 meta-train devices only (${r.devices.metaTrain.join(", ")}). edgelat uses`);
  out.push(`only the k samples (HELP also measures 10 reference architectures for its hardware embedding).`, "");
  out.push(`The combined method was chosen on the meta-valid devices (${r.devices.metaValid.join(", ")}) at k = 10, then scored once on`);
  out.push(`meta-test. Meta-valid mean ρ of the candidates: ${Object.entries(r.selection.candidates).map(([n, v]) => `${n} ${f3(v)}`).join("; ")} → **${r.selection.chosen}**.`, "");
  out.push(`### k = 10, meta-test devices`, "");
  out.push(`| method | ${D.join(" | ")} | mean |`, `|---|${D.map(() => "---:").join("|")}|---:|`);
  out.push(`| HELP (published) | ${D.map((d) => f3(r.published.rhoK10[d]!)).join(" | ")} | ${f3(r.published.meanK10)} |`);
  for (const [m, byK] of Object.entries(r.results)) {
    const rows = byK[10];
    if (!rows) continue;
    const bold = m === combined ? "**" : "";
    out.push(`| ${bold}${m}${bold} | ${rows.map((x) => `${f3(x.meanRho)} ± ${x.stdRho.toFixed(3)}`).join(" | ")} | ${bold}${f3(mean(rows.map((x) => x.meanRho)))}${bold} |`);
  }
  out.push(`| ceiling: pairwise ridge on all ~14,800 other archs | ${D.map((d) => f3(r.ceiling[d]!)).join(" | ")} | ${f3(mean(D.map((d) => r.ceiling[d]!)))} |`);
  const comb = r.results[combined]![10];
  if (comb) out.push(`| edgelat combined / ceiling | ${comb.map((x) => `${pct(x.meanRho / r.ceiling[x.device]!)}%`).join(" | ")} | |`);
  out.push("", `Published FLOPs-only ρ: ${f3(r.published.flops)} (mean). edgelat's FLOPs rows: the closed-form Conv + FC FLOPs (NB201's convention, equal to \`inferShapes\` on the built graph for those ops), and the graph's total FLOPs (BN, ReLU, pools, adds included).`, "");
  out.push(`### Mean ρ over the 6 meta-test devices by k`, "");
  out.push(`| method | ${r.ks.map((k) => `k = ${k}`).join(" | ")} |`, `|---|${r.ks.map(() => "---:").join("|")}|`);
  for (const [m, byK] of Object.entries(r.results)) out.push(`| ${m} | ${r.ks.map((k) => f3(mean(byK[k]!.map((x) => x.meanRho)))).join(" | ")} |`);
  out.push("", `### Latency monotonicity (OneProxy rule: reuse the proxy when ρ ≥ 0.9, else adapt)`, "");
  out.push(`ρ over all 15,625 architectures (τ-b over the first 2,000) between each meta-test device and its best meta-train proxy:`, "");
  out.push(`| target | best proxy | Spearman ρ | Kendall τ | rule |`, `|---|---|---:|---:|---|`);
  for (const m of r.monotonicity) out.push(`| ${m.target} | ${m.proxy} | ${f3(m.rho)} | ${f3(m.tau)} | ${m.action} |`);
  return out.join("\n");
}

export function brpMarkdown(r: BrpReport): string {
  const out: string[] = [];
  out.push(`## BRP-NAS protocol, NAS-Bench-201 (900 training architectures)`, "");
  out.push(`Split per device: the measured architectures shuffled with seed ${r.seed} (\`createRng\`): 900 train, 100 validation, rest test`);
  out.push(`(14,625 for HELP devices, 14,284 for Eagle i7, 999 for OneProxy's 1,999-arch subset). Baseline: linear additive model, one`);
  out.push(`coefficient per (edge, op) (least squares). edgelat: the best of additive / + live-edge indicators / + edge-pair`);
  out.push(`interactions × ridge λ on the 100 validation archs. Published BRP-NAS (GCN, 900 samples) on HELP's split: ρ 0.789 (mean of`);
  out.push(`HELP's meta-test devices, from HELP's paper). Noise evidence: whole-ms share, smallest step, median, and the chosen model's ±10%`);
  out.push(`accuracy on its own training data (no model of the architecture alone can beat that on the test set).`, "");
  out.push(`| source | device | test | additive ±10% | additive ρ | edgelat ±5% | edgelat ±10% | RMSE ms | MAPE | ρ | model | whole ms | step ms | median ms | train ±10% |`);
  out.push(`|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|`);
  for (const d of r.devices) {
    const e = d.edgelat;
    out.push(`| ${d.source} | ${d.device} | ${d.testSize} | ${pct(d.additive.within10)} | ${f3(d.additive.rho)} | ${pct(e.within5)} | ${pct(e.within10)} | ${e.rmseMs.toFixed(3)} | ${pct(e.mape)}% | ${f3(e.rho)} | ${e.features} λ=${e.ridge} | ${d.noise.integerShare === 1 ? "yes" : "no"} | ${d.noise.stepMs.toFixed(4)} | ${d.noise.medianMs.toFixed(2)} | ${pct(d.noise.trainWithin10)} |`);
  }
  const help = r.devices.filter((d) => d.source === "help");
  const test = help.filter((d) => (HELP_NB201_DEVICES.metaTest as readonly string[]).includes(d.device));
  out.push("", `Mean ρ over HELP's 6 meta-test devices: edgelat ${f3(mean(test.map((d) => d.edgelat.rho)))}, additive ${f3(mean(test.map((d) => d.additive.rho)))} (BRP-NAS published 0.789).`);
  out.push(`MAPE is inflated on pixel3 / raspi4 by the few cells with no input–output path, recorded at ≈0.003–0.01 ms.`);
  return out.join("\n");
}

export interface EndToEndReport {
  protocol: "fit-from-end-to-end-nb201";
  seed: number;
  trainSize: number;
  testSize: number;
  backend: string;
  devices: { device: string; table: AccuracyReport; profile: AccuracyReport; profileTrainRelStd: number }[];
}

/**
 * Learning a device from end-to-end totals only, on the BRP split (900 train, seed 0; the first `testSize` test archs):
 * the NB201 per-(edge, op) cost table (`fitFromEndToEnd`) and a generic device profile (`fitDeviceFromEndToEnd`, graphs
 * fused with `backend`, scored through `predictLatency`).
 */
export function evaluateEndToEnd(opts: { root?: string; devices?: string[]; seed?: number; testSize?: number; backend?: string; progress?: Progress } = {}): EndToEndReport {
  const seed = opts.seed ?? 0, testSize = opts.testSize ?? 1000, backend = opts.backend ?? "ort-cpu@1.30/basic";
  const say = opts.progress ?? (() => {});
  const lat = byArchIndex(loadHelpNb201(opts.root));
  const devices = opts.devices ?? [...HELP_NB201_DEVICES.metaTest];
  const graphCache = new Map<number, ReturnType<typeof inferShapes>>();
  const graph = (i: number) => {
    let g = graphCache.get(i);
    if (g === undefined) { g = inferShapes(buildNasBench201Graph(nb201ArchAt(i))); graphCache.set(i, g); }
    return g;
  };
  const out: EndToEndReport["devices"] = [];
  for (const d of devices) {
    say(`fit from end-to-end: ${d}`);
    const y = lat[d]!;
    const { train, test: allTest } = brpSplit(y, seed);
    const test = allTest.slice(0, testSize);
    const measured = test.map((r) => y[r]!);
    const table = fitFromEndToEnd(train.map((r) => ({ arch: nb201ArchAt(r), latencyMs: y[r]! })));
    const profJson = fitDeviceFromEndToEnd(train.map((r) => ({ graph: graph(r), latencyMs: y[r]! })), { id: `nb201-${d.replace(/_/g, "-")}`, backend });
    const dev = loadDevice(profJson);
    out.push({
      device: d,
      table: accuracy(test.map((r) => predictNb201Latency(table, nb201ArchAt(r))), measured),
      profile: accuracy(test.map((r) => predictLatency(graph(r), dev).latencyMs), measured),
      profileTrainRelStd: profJson.overhead.relStd,
    });
  }
  return { protocol: "fit-from-end-to-end-nb201", seed, trainSize: 900, testSize, backend, devices: out };
}

export function endToEndMarkdown(r: EndToEndReport): string {
  const out: string[] = [];
  out.push(`## Learning a device from end-to-end measurements only (NAS-Bench-201)`, "");
  out.push(`BRP split (seed ${r.seed}): ${r.trainSize} training architectures, the first ${r.testSize} test architectures. Two learners, both fit on`);
  out.push(`end-to-end totals only: the NB201 cost table (\`fitFromEndToEnd\`: one non-negative cost per (edge, op) + overhead, NNLS), and a`);
  out.push(`generic device profile (\`fitDeviceFromEndToEnd\`: graphs built by \`buildNasBench201Graph\`, fused with \`${r.backend}\`, one linear`);
  out.push(`predictor (flops, bytes, 1) per kernel class with a 1×1-conv route, + constant overhead; scored through \`predictLatency\`).`, "");
  out.push(`| device | table ±10% | table ρ | table MAPE | profile ±10% | profile ρ | profile MAPE | profile train rel. std |`);
  out.push(`|---|---:|---:|---:|---:|---:|---:|---:|`);
  for (const d of r.devices) {
    out.push(`| ${d.device} | ${pct(d.table.within10)} | ${f3(d.table.rho)} | ${pct(d.table.mape)}% | ${pct(d.profile.within10)} | ${f3(d.profile.rho)} | ${pct(d.profile.mape)}% | ${pct(d.profileTrainRelStd)}% |`);
  }
  out.push("", "The generic profile cannot give each conv geometry its own cost (only flops/bytes/count per class), which the simulated");
  out.push("eyeriss/fpga need; the search-space table can. The table's compiled path (`compileNb201CostTable`) gives its numbers at");
  out.push("tens of millions of architectures per second (`npm run bench -- spaces`).");
  return out.join("\n");
}
