/**
 * NAS-Bench-201 (Dong & Yang, ICLR 2020): the cell search space and its CIFAR network.
 *
 * A cell has 4 nodes and 6 edges, listed in arch-string order: (1←0), (2←0), (2←1), (3←0), (3←1), (3←2). Each edge
 * carries one of 5 ops. An architecture is written three ways:
 *   - the canonical string `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`;
 *   - the encoding: 6 op ids (0 none, 1 skip_connect, 2 nor_conv_1x1, 3 nor_conv_3x3, 4 avg_pool_3x3);
 *   - the official index 0–15,624, used by NAS-Bench-201, HW-NAS-Bench, HELP, OneProxy and Eagle. It is the
 *     enumeration order (edge 0 the slowest digit, ops in the order above) shuffled by Python's
 *     `random.seed(88); random.shuffle(archs)` (NAS-Bench-201 `generate_meta_info`), rebuilt here exactly.
 */
import { EdgelatError } from "../errors.js";
import { GraphBuilder } from "../ir/builder.js";
import type { Graph } from "../ir/types.js";
import { createRng } from "../util/rng.js";
import { pythonRandom } from "./python-random.js";

export const NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"] as const;
export type Nb201Op = (typeof NB201_OPS)[number];
/** Op ids (indices into NB201_OPS). */
export const NB201_OP_ID = { none: 0, skip_connect: 1, nor_conv_1x1: 2, nor_conv_3x3: 3, avg_pool_3x3: 4 } as const;
/** Edges as [to, from] node pairs, in arch-string order. */
export const NB201_EDGES: readonly (readonly [number, number])[] = [[1, 0], [2, 0], [2, 1], [3, 0], [3, 1], [3, 2]];
export const NB201_NUM_EDGES = 6;
export const NB201_NUM_OPS = 5;
export const NB201_SIZE = 15_625;

/** An architecture: one op id (0–4) per edge, in arch-string order. */
export type Nb201Arch = readonly number[];

function checkArch(arch: Nb201Arch): void {
  if (arch.length !== NB201_NUM_EDGES || arch.some((o) => !Number.isInteger(o) || o < 0 || o >= NB201_NUM_OPS)) {
    throw new EdgelatError("invalid_argument", `A NAS-Bench-201 encoding is 6 op ids in 0–4, got [${arch.join(", ")}]`);
  }
}

/** `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|` → encoding. */
export function parseNb201ArchStr(s: string): number[] {
  const nodes = s.split("+");
  const out: number[] = [];
  const bad = (why: string) => new EdgelatError("invalid_argument", `Not a NAS-Bench-201 arch string (${why}): '${s}'`);
  if (nodes.length !== 3) throw bad("needs 3 nodes");
  nodes.forEach((node, n) => {
    if (!node.startsWith("|") || !node.endsWith("|")) throw bad("node not enclosed in '|'");
    const edges = node.slice(1, -1).split("|");
    if (edges.length !== n + 1) throw bad(`node ${n + 1} needs ${n + 1} edges`);
    edges.forEach((e, from) => {
      const [op, src] = e.split("~");
      const id = NB201_OPS.indexOf(op as Nb201Op);
      if (id < 0) throw bad(`unknown op '${op}'`);
      if (src !== String(from)) throw bad(`edge '${e}' must come from node ${from}`);
      out.push(id);
    });
  });
  return out;
}

export function formatNb201ArchStr(arch: Nb201Arch): string {
  checkArch(arch);
  const o = arch.map((id) => NB201_OPS[id]!);
  return `|${o[0]}~0|+|${o[1]}~0|${o[2]}~1|+|${o[3]}~0|${o[4]}~1|${o[5]}~2|`;
}

/** Position in the un-shuffled enumeration: edge 0 is the most significant base-5 digit. */
export function nb201Code(arch: Nb201Arch): number {
  checkArch(arch);
  let c = 0;
  for (const o of arch) c = c * NB201_NUM_OPS + o;
  return c;
}

export function nb201FromCode(code: number): number[] {
  if (!Number.isInteger(code) || code < 0 || code >= NB201_SIZE) {
    throw new EdgelatError("invalid_argument", `NAS-Bench-201 code must be an integer in [0, ${NB201_SIZE}), got ${code}`);
  }
  const out = new Array<number>(NB201_NUM_EDGES);
  for (let e = NB201_NUM_EDGES - 1; e >= 0; e--) {
    out[e] = code % NB201_NUM_OPS;
    code = Math.floor(code / NB201_NUM_OPS);
  }
  return out;
}

interface IndexTables {
  codeOfIndex: Uint16Array;
  indexOfCode: Uint16Array;
}
let tables: IndexTables | undefined;

/** The official-index permutation, computed once on first use (a few ms), never at import. */
function indexTables(): IndexTables {
  if (tables === undefined) {
    const codes = Array.from({ length: NB201_SIZE }, (_, i) => i);
    pythonRandom(88).shuffle(codes);
    const codeOfIndex = Uint16Array.from(codes);
    const indexOfCode = new Uint16Array(NB201_SIZE);
    codeOfIndex.forEach((code, idx) => { indexOfCode[code] = idx; });
    tables = { codeOfIndex, indexOfCode };
  }
  return tables;
}

/** Official NAS-Bench-201 index → encoding. */
export function nb201ArchAt(index: number): number[] {
  if (!Number.isInteger(index) || index < 0 || index >= NB201_SIZE) {
    throw new EdgelatError("invalid_argument", `NAS-Bench-201 index must be an integer in [0, ${NB201_SIZE}), got ${index}`);
  }
  return nb201FromCode(indexTables().codeOfIndex[index]!);
}

/** Encoding → official NAS-Bench-201 index. */
export function nb201IndexOf(arch: Nb201Arch): number {
  return indexTables().indexOfCode[nb201Code(arch)]!;
}

/** Official index → canonical arch string. */
export function nb201ArchStrAt(index: number): string {
  return formatNb201ArchStr(nb201ArchAt(index));
}

/** All 15,625 encodings in official-index order (exhaustive sampler). */
export function* allNb201Archs(): Generator<number[]> {
  for (let i = 0; i < NB201_SIZE; i++) yield nb201ArchAt(i);
}

/** `count` encodings drawn uniformly (with replacement) from the space, reproducible for a seed. */
export function sampleNb201Archs(count: number, seed: number): number[][] {
  if (!Number.isInteger(count) || count < 0) throw new EdgelatError("invalid_argument", `count must be a non-negative integer, got ${count}`);
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Array.from({ length: NB201_NUM_EDGES }, () => rng.int(0, NB201_NUM_OPS)));
}

/**
 * Edges that change the cell output: op ≠ none, the source node carries a non-zero value, and the target node reaches
 * the output through such edges. Runtimes that constant-fold `x·0` (TFLite conversion, simulators) execute only these.
 */
export function nb201LiveEdges(arch: Nb201Arch): boolean[] {
  checkArch(arch);
  const nonzero = [true, false, false, false];
  NB201_EDGES.forEach(([to, from], e) => {
    if (arch[e] !== 0 && nonzero[from]) nonzero[to] = true;
  });
  const reaches = [false, false, false, true];
  for (let e = NB201_NUM_EDGES - 1; e >= 0; e--) {
    const [to, from] = NB201_EDGES[e]!;
    if (arch[e] !== 0 && reaches[to] && nonzero[from]) reaches[from] = true;
  }
  return NB201_EDGES.map(([to, from], e) => arch[e] !== 0 && nonzero[from]! && reaches[to]!);
}

export interface Nb201NetworkOptions {
  /** Channels of the first stage (NB201: 16); stages use C, 2C, 4C. */
  channels?: number;
  /** Cells per stage (NB201: 5). */
  cellsPerStage?: number;
  /** CIFAR input size (32) and classes (10 for CIFAR-10, 100 for CIFAR-100). */
  inputSize?: number;
  numClasses?: number;
  batch?: number;
  /**
   * Build only live edges (`nb201LiveEdges`): what a runtime that constant-folds `x·0` and drops dead branches executes
   * (TFLite conversion; in the data, pixel3 / raspi4 record cells without an input–output path at ~0.003 ms). A cell
   * without any input–output path makes the whole network constant: that throws `invalid_argument`.
   */
  pruneDeadEdges?: boolean;
}

/** True when the cell has a path from input to output (at least one live edge into node 3). */
export function nb201HasPath(arch: Nb201Arch): boolean {
  const live = nb201LiveEdges(arch);
  return live[3]! || live[4]! || live[5]!;
}

/** The network's size options with NB201's defaults, each checked to be a positive integer. */
function networkSize(opts: Nb201NetworkOptions): { C: number; N: number; size: number; classes: number; batch: number } {
  const C = opts.channels ?? 16;
  const N = opts.cellsPerStage ?? 5;
  const size = opts.inputSize ?? 32;
  const classes = opts.numClasses ?? 10;
  const batch = opts.batch ?? 1;
  for (const [k, v] of Object.entries({ channels: C, cellsPerStage: N, inputSize: size, numClasses: classes, batch })) {
    if (!Number.isInteger(v) || v < 1) throw new EdgelatError("invalid_argument", `${k} must be a positive integer, got ${v}`);
  }
  return { C, N, size, classes, batch };
}

/**
 * The NAS-Bench-201 CIFAR network (`TinyNetwork` + `InferCell` in NB201's code) as ONNX ops:
 * stem Conv3×3(3→C)+BN; stage s ∈ {0,1,2} with 5 cells of C·2^s channels; between stages a residual reduction block
 * (ReLU-Conv3×3/2-BN, ReLU-Conv3×3-BN, shortcut AvgPool2×2/2 + Conv1×1, Add); then BN, ReLU, GlobalAveragePool, Flatten,
 * Gemm. Cell ops: none = Mul by 0 (what PyTorch executes), skip = the tensor itself, nor_conv_k×k = ReLU-Conv-BN,
 * avg_pool_3x3 = AveragePool 3×3/1 pad 1 with count_include_pad = 0. A node with several inputs sums them with Adds.
 */
export function buildNasBench201Graph(arch: Nb201Arch, opts: Nb201NetworkOptions = {}): Graph {
  checkArch(arch);
  const { C, N, size, classes, batch } = networkSize(opts);
  if (size % 4 !== 0) throw new EdgelatError("invalid_argument", `inputSize must be a multiple of 4, got ${size}`);
  const b = new GraphBuilder(`nasbench201 ${formatNb201ArchStr(arch)}`);
  const weight = (shape: number[]) => b.constant(b.fresh("w"), shape);

  const conv = (x: string, cin: number, cout: number, k: number, stride: number, pad: number): string =>
    b.op("Conv", [x, weight([cout, cin, k, k])], {
      kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [1, 1], group: 1,
    });
  const bn = (x: string, c: number): string =>
    b.op("BatchNormalization", [x, weight([c]), weight([c]), weight([c]), weight([c])], { epsilon: 1e-5 });
  const reluConvBn = (x: string, cin: number, cout: number, k: number, stride: number, pad: number): string =>
    bn(conv(b.op("Relu", [x]), cin, cout, k, stride, pad), cout);

  const prune = opts.pruneDeadEdges ?? false;
  if (prune && !nb201HasPath(arch)) {
    throw new EdgelatError("invalid_argument", `Cell ${formatNb201ArchStr(arch)} has no input–output path: with pruneDeadEdges the network is constant`);
  }
  const live = nb201LiveEdges(arch);
  const cell = (x: string, c: number): string => {
    const nodes: string[] = [x];
    for (let to = 1; to <= 3; to++) {
      const terms: string[] = [];
      NB201_EDGES.forEach(([t, from], e) => {
        if (t !== to || (prune && !live[e])) return;
        const src = nodes[from]!;
        switch (NB201_OPS[arch[e]!]) {
          case "none": terms.push(b.op("Mul", [src, b.constant(b.fresh("zero"), [], "float32", [0])])); break;
          case "skip_connect": terms.push(src); break;
          case "nor_conv_1x1": terms.push(reluConvBn(src, c, c, 1, 1, 0)); break;
          case "nor_conv_3x3": terms.push(reluConvBn(src, c, c, 3, 1, 1)); break;
          case "avg_pool_3x3":
            terms.push(b.op("AveragePool", [src], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: 0 }));
            break;
        }
      });
      // With pruning, a node without live inputs is never read (its out-edges are dead too).
      nodes.push(terms.length === 0 ? "" : terms.reduce((acc, t) => b.op("Add", [acc, t])));
    }
    return nodes[3]!;
  };
  const reduction = (x: string, cin: number, cout: number): string => {
    const main = reluConvBn(reluConvBn(x, cin, cout, 3, 2, 1), cout, cout, 3, 1, 1);
    const pooled = b.op("AveragePool", [x], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] });
    const shortcut = conv(pooled, cin, cout, 1, 1, 0);
    return b.op("Add", [shortcut, main]);
  };

  let x = bn(conv(b.input("input", [batch, 3, size, size]), 3, C, 3, 1, 1), C);
  for (let s = 0; s < 3; s++) {
    const c = C * 2 ** s;
    if (s > 0) x = reduction(x, c / 2, c);
    for (let i = 0; i < N; i++) x = cell(x, c);
  }
  const C3 = C * 4;
  x = b.op("Relu", [bn(x, C3)]);
  x = b.op("Flatten", [b.op("GlobalAveragePool", [x])], { axis: 1 });
  const logits = b.op("Gemm", [x, weight([classes, C3]), weight([classes])], { transB: 1 });
  b.output(logits);
  return b.build();
}

/**
 * FLOPs (2 × MACs) of the convolutions and the classifier of the NB201 network, in closed form (the convention of
 * NB201's own FLOPs column: BN, ReLU, pools, adds and the classifier bias are not counted; NB201 reports MACs, 7.78M to
 * 220.11M on CIFAR-10). Per edge: conv3×3 2·9·C²·H², conv1×1 2·C²·H². `inferShapes` on `buildNasBench201Graph`
 * gives the same Conv + Gemm FLOPs plus the 10 bias additions (tested).
 */
export function nb201ConvFlops(arch: Nb201Arch, opts: Nb201NetworkOptions = {}): number {
  checkArch(arch);
  const { C, N, size, classes, batch } = networkSize(opts);
  let flops = 2 * 27 * C * size * size; // stem
  let perCell = 0;
  for (let s = 0; s < 3; s++) {
    const c = C * 2 ** s;
    const hw = (size / 2 ** s) ** 2;
    if (s > 0) {
      const cin = c / 2;
      flops += 2 * 9 * cin * c * hw + 2 * 9 * c * c * hw + 2 * cin * c * hw; // conv_a, conv_b, shortcut 1×1
    }
    let cell = 0;
    for (const op of arch) cell += op === 3 ? 2 * 9 * c * c * hw : op === 2 ? 2 * c * c * hw : 0;
    perCell += N * cell;
  }
  flops += perCell + 2 * 4 * C * classes;
  return batch * flops;
}
