/** Shared by scripts/check-fusion-tfjs.ts (runs TF.js) and the fixture replay test (does not). */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fuse } from "../src/fusion/fuse.js";
import { parseTfjs } from "../src/parsers/tfjs/index.js";
import { inferShapes } from "../src/shape/infer.js";

export interface TfjsFixture {
  model: string;
  file: string;
  inputShapes: Record<string, number[]>;
  /** Share of profiled kernels the simulation reproduced when the fixture was written. */
  share: number;
  /** Kernel names `tf.profile()` listed on the wasm backend (`*__op` entries dropped), in execution order. */
  profiled: string[];
}

/** Graph op type → the name the TF.js kernel registry (wasm backend) gives the kernel it runs. */
const KERNEL_NAME: Record<string, string> = {
  Mul: "Multiply",
  TopKV2: "TopK",
  FloorMod: "Mod",
  Split: "SplitV",
  Squeeze: "Reshape",
  Pack: "Pack",
  Unpack: "Unpack",
  _FusedConv2D: "FusedConv2D",
  FusedDepthwiseConv2dNative: "FusedDepthwiseConv2D",
  AddV2: "Add",
  BiasAdd: "Add",
  Pad: "PadV2",
  ConcatV2: "Concat",
  MatMul: "BatchMatMul",
  BatchMatMulV2: "BatchMatMul",
  Conv2DBackpropInput: "Conv2DBackpropInput",
};

export const tfjsKernelName = (opType: string): string => KERNEL_NAME[opType] ?? opType;

/**
 * The kernel names `fuse(…, "tfjs-wasm@4.22")` predicts for a TF.js model.json file, in execution order. The weight
 * shards next to it are passed to the parser so small shape constants fold (as they do at run time).
 */
export function simulatedTfjsKernels(modelFile: string, inputShapes: Record<string, number[]>): string[] {
  const text = readFileSync(modelFile, "utf8");
  const paths = (JSON.parse(text) as { weightsManifest: { paths: string[] }[] }).weightsManifest.flatMap((g) => g.paths);
  const weightData = paths.map((p) => new Uint8Array(readFileSync(join(dirname(modelFile), p))));
  const inferred = inferShapes(parseTfjs(text, { inputShapes, weightData }), { inputShapes });
  return fuse(inferred, "tfjs-wasm@4.22").kernels.flatMap((k) => {
    const name = tfjsKernelName(k.opTypes[0] ?? k.type);
    // the wasm BatchMatMul / _FusedMatMul kernel reshapes both rank-2 operands to rank 3 and its result back
    if ((name === "_FusedMatMul" || name === "BatchMatMul") && k.features.inputShape?.length === 2) return ["Reshape", "Reshape", name, "Reshape"];
    return [name];
  });
}

/** Multiset comparison: how many profiled kernels the simulation has (per name, the smaller count). */
export function compareKernelNames(profiled: readonly string[], simulated: readonly string[]): { matched: number; share: number; missing: Record<string, number>; extra: Record<string, number> } {
  const count = (xs: readonly string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const p = count(profiled);
  const s = count(simulated);
  let matched = 0;
  const missing: Record<string, number> = {};
  const extra: Record<string, number> = {};
  for (const [name, n] of p) {
    const k = s.get(name) ?? 0;
    matched += Math.min(n, k);
    if (n > k) missing[name] = n - k;
  }
  for (const [name, n] of s) if (n > (p.get(name) ?? 0)) extra[name] = n - (p.get(name) ?? 0);
  return { matched, share: profiled.length === 0 ? 1 : matched / profiled.length, missing, extra };
}
