/**
 * Fusion-rule detection, nn-Meter's test: for an op pair (or a block split in two parts) a, b measure the single
 * models a, b and the combined model a∘b, and decide "fused" when T(a) + T(b) − T(a∘b) > α·min(T(a), T(b)).
 * T is the sum of the runtime's own kernel times (the profiler trace), so per-run session overhead does not bias the
 * test. A case's three models are measured in one interleaved group, so the repetitions give the spread of the saving
 * (paired per round); the timing test abstains ("inconclusive") when the margin to the threshold is within z standard
 * errors of it. Each case also records the runtime's own evidence (ORT: executed nodes of the optimized graph; TF.js:
 * kernels tf.profile counts) and the simulator's (`fuse` with the base rule set).
 *
 * Decision policy: the runtime's evidence, where the runtime exposes it, is authoritative; else the timing test when
 * conclusive; else the base rule set's behaviour. A base rule that fuses some case is disabled when every case it
 * fuses is finally "separate" — the `fusion` field of the device profile (`deviceFusion`), which `loadDevice` turns
 * into the rule set `fuse` uses for the device. Disagreements stay in the per-case evidence.
 */
import { fuse } from "../fusion/fuse.js";
import { getRuleSet } from "../fusion/backends/index.js";
import { selectableRuleNames } from "../fusion/backends/select.js";
import type { FuseOptions, KernelGraph } from "../fusion/types.js";
import type { DeviceFusionJSON, FusionCaseEvidenceJSON, FusionDecision, FusionRuntimeEvidenceJSON, FusionSource, FusionTimingJSON } from "../devices/types.js";
import { GraphBuilder } from "../ir/builder.js";
import type { Graph } from "../ir/types.js";
import { toOnnx } from "../parsers/onnx/index.js";
import { inferShapes } from "../shape/infer.js";
import { measureKernels, type MeasureOptions, type ModelRunner } from "./measure.js";
import type { RunnableModel } from "./ort.js";
import { mad, median, rejectOutliers } from "./stats.js";

type Part = (b: GraphBuilder, x: string) => string;

/** A fusion test: the first part a, the second part b (applied to a's output shape), and the rule they exercise. */
export interface FusionCase {
  name: string;
  /** Input shape of a. */
  input: number[];
  /** Output shape of a (= input of b). */
  mid: number[];
  a: Part;
  b: Part;
  /** Rule of the base rule set expected to perform this fusion (documentation; the selection reads the simulator's kernels). */
  rule?: string;
}

const w = (b: GraphBuilder, name: string, shape: number[]): string => b.constant(b.fresh(name), shape);
const conv = (cin: number, cout: number, k: number, groups = 1, bias = true): Part => (b, x) =>
  b.op("Conv", [x, w(b, "w", [cout, cin / groups, k, k]), ...(bias ? [w(b, "b", [cout])] : [])], {
    kernel_shape: [k, k], pads: Array(4).fill((k - 1) >> 1), strides: [1, 1], dilations: [1, 1], group: groups,
  });
const bn = (c: number): Part => (b, x) => b.op("BatchNormalization", [x, w(b, "s", [c]), w(b, "bb", [c]), w(b, "m", [c]), w(b, "v", [c])], { epsilon: 1e-5 });
const unary = (op: string): Part => (b, x) => b.op(op, [x]);
const then = (...parts: Part[]): Part => (b, x) => parts.reduce((y, p) => p(b, y), x);
const addInput = (shape: number[]): Part => (b, x) => b.op("Add", [x, b.input(b.fresh("other"), shape)]);
const addConst = (c: number): Part => (b, x) => b.op("Add", [x, w(b, "c", [c, 1, 1])]);
const mulConst = (c: number): Part => (b, x) => b.op("Mul", [x, w(b, "c", [c, 1, 1])]);

const C = 32, H = 56;
const T4 = [1, C, H, H];

/** The default test cases: the op pairs and blocks common in CNNs (conv-bn, conv-relu, conv-add, …). */
export function defaultFusionCases(): FusionCase[] {
  return [
    { name: "conv-bn", input: T4, mid: T4, a: conv(C, C, 1, 1, false), b: bn(C), rule: "conv-bn-add-mul" },
    { name: "conv-relu", input: T4, mid: T4, a: conv(C, C, 1), b: unary("Relu") },
    { name: "conv-add", input: T4, mid: T4, a: conv(C, C, 1), b: addInput(T4) },
    { name: "conv-add-relu", input: T4, mid: T4, a: conv(C, C, 1), b: then(addInput(T4), unary("Relu")) },
    { name: "conv-addconst", input: T4, mid: T4, a: conv(C, C, 1), b: addConst(C), rule: "conv-bn-add-mul" },
    { name: "conv-mulconst", input: T4, mid: T4, a: conv(C, C, 1), b: mulConst(C), rule: "conv-bn-add-mul" },
    { name: "conv-hardswish", input: T4, mid: T4, a: conv(C, C, 1), b: unary("HardSwish") },
    { name: "conv-sigmoid", input: T4, mid: T4, a: conv(C, C, 1), b: unary("Sigmoid") },
    { name: "dwconv-bn-relu", input: T4, mid: T4, a: conv(C, C, 3, C, false), b: then(bn(C), unary("Relu")), rule: "conv-bn-add-mul" },
    {
      name: "gemm-relu", input: [4096, 16], mid: [4096, 64],
      a: (b, x) => b.op("Gemm", [x, w(b, "w", [64, 16]), w(b, "b", [64])], { transB: 1 }), b: unary("Relu"), rule: "gemm-act",
    },
    {
      name: "matmul-add", input: [4096, 16], mid: [4096, 64],
      a: (b, x) => b.op("MatMul", [x, w(b, "w", [16, 64])]), b: (b, x) => b.op("Add", [x, w(b, "bias", [64])]), rule: "matmul-add",
    },
    { name: "add-relu", input: T4, mid: T4, a: addInput(T4), b: unary("Relu") },
    { name: "bn-relu", input: T4, mid: T4, a: bn(C), b: unary("Relu") },
    { name: "relu-maxpool", input: T4, mid: T4, a: unary("Relu"), b: (b, x) => b.op("MaxPool", [x], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] }) },
    {
      name: "se-gap-conv", input: T4, mid: [1, C, 1, 1],
      a: unary("GlobalAveragePool"), b: then(conv(C, C / 4, 1), unary("Relu"), conv(C / 4, C, 1), unary("HardSigmoid")),
    },
  ];
}

function caseGraph(c: FusionCase, which: "a" | "b" | "ab"): Graph {
  const b = new GraphBuilder(`fusion ${c.name} ${which}`);
  const x = b.input("x", which === "b" ? c.mid : c.input);
  const y = which === "a" ? c.a(b, x) : which === "b" ? c.b(b, x) : c.b(b, c.a(b, x));
  b.output(y);
  return b.build();
}

/**
 * One case's measurement: the timing fields of `FusionTimingJSON` (times NaN when the deadline left the case unmeasured;
 * `savedSeUs` paired per round when the three models ran in the same rounds) and the decisions.
 */
export interface FusionCaseResult extends Omit<FusionTimingJSON, "decision"> {
  name: string;
  /** nn-Meter's test as published: savedUs > thresholdUs. */
  detected: boolean;
  /** The noise-aware timing decision: "inconclusive" when |savedUs − thresholdUs| ≤ z·savedSeUs. */
  timing: FusionTimingJSON["decision"];
  /** The runtime's own evidence (absent when the runner exposes none). */
  runtime?: FusionRuntimeEvidenceJSON;
  /** The runtime executes fewer nodes / kernels for a∘b than for a and b apart (false without runtime evidence: see `runtime`). */
  runtimeFused: boolean;
  /** The simulator (base rule set) forms fewer kernels for a∘b than for a and b apart. */
  simulatorFused: boolean;
  /** Selectable base rules that formed a kernel spanning a and b in the simulator. */
  rules: string[];
  /** Final decision and where it comes from (runtime evidence > conclusive timing > base rule set). */
  decision: FusionDecision;
  source: FusionSource;
}

export interface FusionDetection {
  backend: string;
  alpha: number;
  z: number;
  cases: FusionCaseResult[];
  /** Share of cases with runtime evidence where nn-Meter's test (`detected`) equals it. */
  agreementRuntime: number;
  /** Share of cases with runtime evidence where the simulator equals it. */
  agreementSimulator: number;
  /** Rule selection for `fuse(graph, backend, selection)`: base rules the device does not apply. */
  selection: FuseOptions;
  /** The same as a device profile's `fusion` field. */
  fusion: DeviceFusionJSON;
}

/** What fusion detection needs from a runtime beyond measuring: the number of nodes it executes for a model. */
export interface FusionRunner extends ModelRunner {
  readonly backend: string;
  /** Nodes / kernels the runtime executes for a model (its own fused graph); undefined: the runtime exposes none. */
  executedNodes(model: RunnableModel): Promise<number | undefined>;
  /** What `executedNodes` counts, for the record (default from the backend: ORT's optimized graph, TF.js's tf.profile). */
  readonly evidenceKind?: string;
}

export interface FusionDetectOptions extends MeasureOptions {
  /** α of nn-Meter's test (default 0.5, as published). */
  alpha?: number;
  /** Width of the timing test's noise band in standard errors of the saving (default 1.96, two-sided 95%; 0 = none). */
  z?: number;
}

function evidenceKind(runner: FusionRunner): string {
  if (runner.evidenceKind !== undefined) return runner.evidenceKind;
  if (runner.backend.startsWith("ort-")) return "ORT optimized graph nodes";
  if (runner.backend.startsWith("tfjs-")) return "TF.js kernels (tf.profile)";
  return "runtime executed nodes";
}

/** Standard error of a sample median: √(π/2)·σ/√n with σ = 1.4826·MAD (robust to the outliers Tukey's fences drop). */
function medianSe(values: readonly number[]): number {
  const kept = rejectOutliers(values);
  return kept.length < 2 ? Number.NaN : (Math.sqrt(Math.PI / 2) * 1.4826 * mad(kept)) / Math.sqrt(kept.length);
}

/**
 * Standard error of T(a) + T(b) − T(a∘b) from per-run totals. When the three series have the same length they were
 * measured in the same interleaved rounds: the per-round differences are used, so a slowdown the round's load puts on
 * all three (a stretch factor) cancels except on the saving itself. Otherwise the three medians' errors add in
 * quadrature. Undefined with fewer than 2 runs.
 */
export function savedStandardError(a: readonly number[], b: readonly number[], ab: readonly number[]): number | undefined {
  const se = a.length === b.length && b.length === ab.length ? medianSe(a.map((x, r) => x + b[r]! - ab[r]!)) : Math.hypot(medianSe(a), medianSe(b), medianSe(ab));
  return Number.isFinite(se) ? se : undefined;
}

/** The noise-aware timing decision: fused / separate when the margin to the threshold exceeds z standard errors. */
export function timingDecision(savedUs: number, thresholdUs: number, savedSeUs: number | undefined, z: number): FusionTimingJSON["decision"] {
  const band = z * (savedSeUs ?? 0);
  const margin = savedUs - thresholdUs;
  if (Number.isNaN(margin)) return "inconclusive"; // a model left unmeasured (budget)
  if (margin > band) return "fused";
  if (margin < -band || band === 0) return "separate";
  return "inconclusive";
}

/** Final decision of a case: the runtime's evidence, else a conclusive timing test, else the base rule set. */
export function decideCase(timing: FusionTimingJSON["decision"], runtime: FusionDecision | undefined, base: FusionDecision): { decision: FusionDecision; source: FusionSource } {
  if (runtime !== undefined) return { decision: runtime, source: "runtime" };
  if (timing !== "inconclusive") return { decision: timing, source: "timing" };
  return { decision: base, source: "base" };
}

/**
 * Rules to disable: a selectable base rule that fuses at least one case and whose every such case is finally
 * "separate". A case the device fuses but the base does not cannot be expressed by disabling (it stays recorded).
 */
export function rulesToDisable(cases: readonly Pick<FusionCaseEvidenceJSON, "rules" | "decision">[]): string[] {
  const keep = new Set(cases.filter((c) => c.decision === "fused").flatMap((c) => c.rules));
  return [...new Set(cases.filter((c) => c.decision === "separate").flatMap((c) => c.rules))].filter((r) => !keep.has(r)).sort();
}

/** Selectable rules of the kernels that hold nodes of both a (the first `aNodes` nodes) and b. */
function spanningRules(kg: KernelGraph, nodeNames: readonly string[], aNodes: number, selectable: ReadonlySet<string>): string[] {
  const aSet = new Set(nodeNames.slice(0, aNodes));
  const rules = kg.kernels.filter((k) => k.nodes.some((n) => aSet.has(n)) && k.nodes.some((n) => !aSet.has(n))).map((k) => k.rule);
  return [...new Set(rules)].filter((r) => selectable.has(r)).sort();
}

/** Runs the fusion tests on a runtime. */
export async function detectFusion(runner: FusionRunner, cases: readonly FusionCase[] = defaultFusionCases(), options: FusionDetectOptions = {}): Promise<FusionDetection> {
  const alpha = options.alpha ?? 0.5;
  const z = options.z ?? 1.96;
  const backend = runner.backend;
  const selectable = new Set(selectableRuleNames(getRuleSet(backend)));
  const models: { c: FusionCase; which: "a" | "b" | "ab"; model: RunnableModel; kg: KernelGraph; aNodes: number }[] = [];
  for (const c of cases) {
    for (const which of ["a", "b", "ab"] as const) {
      const g = caseGraph(c, which);
      // a∘b is built a first: its first nodes are a's (as many as a alone has)
      const aNodes = which === "ab" ? models.find((m) => m.c === c && m.which === "a")!.model.graph.nodes.length : 0;
      const inferred = inferShapes(g);
      models.push({ c, which, model: { key: `fusion:${c.name}:${which}`, bytes: toOnnx(g, { weights: "random", seed: 3 }), graph: inferred.graph }, kg: fuse(inferred, backend), aNodes });
    }
  }
  // a case's three models in one interleaved group (a group size that is a multiple of 3): their runs pair up per round
  const groupSize = 3 * Math.max(1, Math.floor((options.groupSize ?? 8) / 3));
  const measured = await measureKernels(runner, models.map((m) => ({ model: m.model, kernels: m.kg })), { ...options, groupSize });
  const perRunUs = (key: string): number[] => {
    const m = measured.get(key);
    if (m === undefined) return [];
    const all = [...m.kernelsUs.values(), ...m.unmappedUs.values()];
    const runs = Math.max(0, ...all.map((v) => v.length));
    return Array.from({ length: runs }, (_, r) => all.reduce((s, v) => s + (v[r] ?? 0), 0));
  };
  const nodes = new Map<string, number>();
  for (const m of models) {
    const n = await runner.executedNodes(m.model);
    if (n !== undefined) nodes.set(m.model.key, n);
  }
  const kind = evidenceKind(runner);
  const results: FusionCaseResult[] = [];
  for (const c of cases) {
    const of = (w: string) => models.find((m) => m.model.key === `fusion:${c.name}:${w}`)!;
    const [ra, rb, rab] = [perRunUs(of("a").model.key), perRunUs(of("b").model.key), perRunUs(of("ab").model.key)];
    const [aUs, bUs, abUs] = [median(ra), median(rb), median(rab)];
    const savedUs = aUs + bUs - abUs;
    const thresholdUs = alpha * Math.min(aUs, bUs);
    const savedSeUs = savedStandardError(ra, rb, rab);
    const timing = timingDecision(savedUs, thresholdUs, savedSeUs, z);
    const kernels = (w: string): number => of(w).kg.kernels.filter((k) => k.class !== "layout-reorder").length;
    const simulatorFused = kernels("ab") < kernels("a") + kernels("b");
    const ab = of("ab");
    const rules = simulatorFused ? spanningRules(ab.kg, ab.model.graph.nodes.map((n) => n.name), ab.aNodes, selectable) : [];
    const na = nodes.get(of("a").model.key), nb = nodes.get(of("b").model.key), nab = nodes.get(ab.model.key);
    const runtime: FusionRuntimeEvidenceJSON | undefined =
      na === undefined || nb === undefined || nab === undefined ? undefined : { kind, apart: na + nb, combined: nab, decision: nab < na + nb ? "fused" : "separate" };
    const r: FusionCaseResult = {
      name: c.name, aUs, bUs, abUs, savedUs, thresholdUs,
      detected: savedUs > thresholdUs, timing, simulatorFused, rules, runtimeFused: runtime?.decision === "fused",
      ...decideCase(timing, runtime?.decision, simulatorFused ? "fused" : "separate"),
    };
    if (savedSeUs !== undefined) r.savedSeUs = savedSeUs;
    if (runtime !== undefined) r.runtime = runtime;
    results.push(r);
  }
  const withRuntime = results.filter((r) => r.runtime !== undefined);
  const share = (f: (r: FusionCaseResult) => boolean): number => (withRuntime.length === 0 ? Number.NaN : withRuntime.filter(f).length / withRuntime.length);
  const fusion = deviceFusion(backend, alpha, z, results, kind);
  return {
    backend, alpha, z, cases: results,
    agreementRuntime: share((r) => r.detected === r.runtimeFused),
    agreementSimulator: share((r) => r.simulatorFused === r.runtimeFused),
    selection: fusion.disable.length > 0 ? { disable: fusion.disable } : {},
    fusion,
  };
}

/** A detection's result as a device profile's `fusion` field. */
export function deviceFusion(base: string, alpha: number, z: number, cases: readonly FusionCaseResult[], evidence = "the runtime's executed graph"): DeviceFusionJSON {
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    base,
    disable: rulesToDisable(cases),
    alpha,
    z,
    method: `nn-Meter timing test T(a)+T(b)−T(a∘b) > ${alpha}·min(T(a),T(b)) with a ±${z}·SE noise band; final decision: runtime evidence (${evidence}) where present, else the conclusive timing test, else the base rule set`,
    cases: cases.map((c) => {
      const e: FusionCaseEvidenceJSON = { name: c.name, rules: c.rules, base: c.simulatorFused ? "fused" : "separate", decision: c.decision, source: c.source };
      if (Number.isFinite(c.savedUs)) {
        e.timing = { aUs: round(c.aUs), bUs: round(c.bUs), abUs: round(c.abUs), savedUs: round(c.savedUs), thresholdUs: round(c.thresholdUs), decision: c.timing };
        if (c.savedSeUs !== undefined) e.timing.savedSeUs = round(c.savedSeUs);
      }
      if (c.runtime !== undefined) e.runtime = c.runtime;
      return e;
    }),
  };
}
