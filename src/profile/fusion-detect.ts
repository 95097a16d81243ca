/**
 * Fusion-rule detection, nn-Meter's test: for an op pair (or a block split in two parts) a, b measure the single
 * models a, b and the combined model a∘b, and decide "fused" when T(a) + T(b) − T(a∘b) > α·min(T(a), T(b)).
 * T is the sum of the runtime's own kernel times (the profiler trace), so per-run session overhead does not bias the
 * test. Each decision is checked against the runtime's optimized graph (ORT: fewer executed nodes for a∘b than for
 * a and b apart) and against the simulator (`fuse` forms fewer kernels for a∘b), and mapped to the base rule set's
 * rule that governs it, giving a rule selection for `fuse` (`disable` the rules the device does not apply).
 */
import { fuse } from "../fusion/fuse.js";
import { getRuleSet } from "../fusion/backends/index.js";
import type { FuseOptions } from "../fusion/types.js";
import { GraphBuilder } from "../ir/builder.js";
import type { Graph } from "../ir/types.js";
import { toOnnx } from "../parsers/onnx/index.js";
import { inferShapes } from "../shape/infer.js";
import { measureKernels, type MeasureOptions, type ModelRunner } from "./measure.js";
import type { RunnableModel } from "./ort.js";
import { median } from "./stats.js";

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
  /** Rule of the base rule set that performs this fusion, when one rule alone governs it. */
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

export interface FusionCaseResult {
  name: string;
  rule?: string;
  /** Median summed kernel time of a, b and a∘b, µs. */
  aUs: number;
  bUs: number;
  abUs: number;
  /** T(a) + T(b) − T(a∘b) and the threshold α·min(T(a), T(b)), µs. */
  savedUs: number;
  thresholdUs: number;
  detected: boolean;
  /** The runtime's optimized graph runs fewer nodes for a∘b than for a and b apart. */
  runtimeFused: boolean;
  /** The simulator forms fewer kernels for a∘b than for a and b apart. */
  simulatorFused: boolean;
}

export interface FusionDetection {
  backend: string;
  alpha: number;
  cases: FusionCaseResult[];
  /** Share of cases where the timing decision equals the runtime's optimized graph. */
  agreementRuntime: number;
  /** Share of cases where the simulator's fusion equals the runtime's optimized graph. */
  agreementSimulator: number;
  /** Rule selection for `fuse(graph, backend, selection)`: base rules the measurements say the device does not apply. */
  selection: FuseOptions;
}

/** What fusion detection needs from a runtime beyond measuring: the number of nodes it executes for a model. */
export interface FusionRunner extends ModelRunner {
  readonly backend: string;
  executedNodes(model: RunnableModel): Promise<number>;
}

/** Runs the fusion tests on a runtime. */
export async function detectFusion(runner: FusionRunner, cases: readonly FusionCase[] = defaultFusionCases(), options: MeasureOptions & { alpha?: number } = {}): Promise<FusionDetection> {
  const alpha = options.alpha ?? 0.5;
  const backend = runner.backend;
  const models: { c: FusionCase; which: "a" | "b" | "ab"; model: RunnableModel; kernels: number }[] = [];
  for (const c of cases) {
    for (const which of ["a", "b", "ab"] as const) {
      const g = caseGraph(c, which);
      const inferred = inferShapes(g);
      const kg = fuse(inferred, backend);
      models.push({
        c, which,
        model: { key: `fusion:${c.name}:${which}`, bytes: toOnnx(g, { weights: "random", seed: 3 }), graph: inferred.graph },
        kernels: kg.kernels.filter((k) => k.class !== "layout-reorder").length,
      });
    }
  }
  const measured = await measureKernels(
    runner,
    models.map((m) => ({ model: m.model, kernels: fuse(inferShapes(m.model.graph), backend) })),
    options,
  );
  const totalUs = (key: string): number => {
    const m = measured.get(key);
    if (m === undefined) return Number.NaN;
    const all = [...m.kernelsUs.values(), ...m.unmappedUs.values()];
    const runs = Math.max(0, ...all.map((v) => v.length));
    const per = Array.from({ length: runs }, (_, r) => all.reduce((s, v) => s + (v[r] ?? 0), 0));
    return median(per);
  };
  const nodes = new Map<string, number>();
  for (const m of models) nodes.set(m.model.key, await runner.executedNodes(m.model));
  const results: FusionCaseResult[] = [];
  for (const c of cases) {
    const key = (w: string): string => `fusion:${c.name}:${w}`;
    const [aUs, bUs, abUs] = [totalUs(key("a")), totalUs(key("b")), totalUs(key("ab"))];
    const savedUs = aUs + bUs - abUs;
    const thresholdUs = alpha * Math.min(aUs, bUs);
    const k = (w: string): number => models.find((m) => m.model.key === key(w))!.kernels;
    const r: FusionCaseResult = {
      name: c.name, aUs, bUs, abUs, savedUs, thresholdUs,
      detected: savedUs > thresholdUs,
      runtimeFused: nodes.get(key("ab"))! < nodes.get(key("a"))! + nodes.get(key("b"))!,
      simulatorFused: k("ab") < k("a") + k("b"),
    };
    if (c.rule !== undefined) r.rule = c.rule;
    results.push(r);
  }
  const ruleNames = new Set(getRuleSet(backend).rules.map((r) => r.name));
  const keep = new Set(results.filter((r) => r.rule !== undefined && r.detected).map((r) => r.rule!));
  const disable = [...new Set(results.filter((r) => r.rule !== undefined && !r.detected && !keep.has(r.rule!) && ruleNames.has(r.rule!)).map((r) => r.rule!))].sort();
  const share = (f: (r: FusionCaseResult) => boolean): number => (results.length === 0 ? 1 : results.filter(f).length / results.length);
  return {
    backend, alpha, cases: results,
    agreementRuntime: share((r) => r.detected === r.runtimeFused),
    agreementSimulator: share((r) => r.simulatorFused === r.runtimeFused),
    selection: disable.length > 0 ? { disable } : {},
  };
}
