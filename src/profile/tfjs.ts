/**
 * The TensorFlow.js runner (WebAssembly backend, Node): runs the simulator's IR graphs through the executor of
 * `tfjs-exec.ts` (per-node times when profiling) and converted TF.js graph models (`model.json` + weights, loaded from
 * memory with `tf.loadGraphModel` for end-to-end runs; profiled kernel by kernel, a graph model's IR — its TF ops — runs
 * through the executor, which lowers the common TF ops as they are). It implements the same `ModelRunner` / `FusionRunner`
 * contract as the onnxruntime-node runner: a profiling session returns its per-node times as trace events and the graph
 * it executed as the "optimized" graph, so `measureKernels` maps node times to the simulator's kernels unchanged.
 *
 * Threads: under Node, tfjs-backend-wasm 4.x always loads its non-threaded build (`WASM_HAS_MULTITHREAD_SUPPORT` is
 * false when `IS_NODE`), whatever `setThreadsCount` says — so the runner is single-threaded and times runs on the
 * process CPU clock as well as the wall clock (the CPU time is the latency without what other processes take).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { EdgelatError } from "../errors.js";
import { getRuleSet } from "../fusion/backends/index.js";
import type { Graph, Shape } from "../ir/types.js";
import { parseTfjs } from "../parsers/tfjs/index.js";
import { inferShapes } from "../shape/infer.js";
import type { InferredGraph } from "../shape/types.js";
import { createRng } from "../util/rng.js";
import type { LocalTarget } from "./device.js";
import type { OpenSession, RunnableModel, SessionResult } from "./ort.js";
import { loadTfjsWasm, type TfjsModule } from "./runtime.js";
import { checkGraph, compileGraph } from "./tfjs-exec.js";
import type { TraceNodeEvent } from "./trace.js";

/** A converted TF.js graph model held in memory. */
export interface TfjsGraphModelSource {
  /** `model.json` content. */
  modelJson: { modelTopology: unknown; format?: string; weightsManifest: { paths: string[]; weights: unknown[] }[] };
  /** The weight shards concatenated in manifest order. */
  weightData: Uint8Array;
  /** Fixed input shapes (NHWC as the model takes them), by input name. */
  inputShapes: Record<string, number[]>;
  /** Outputs to compute (`executeAsync(inputs, outputs)`), when not the model's own. */
  outputs?: string[];
}

/** A runnable model for the TF.js runner: an IR graph (executor), or a TF.js graph model (`tfjs` set). */
export interface TfjsRunnableModel extends RunnableModel {
  tfjs?: TfjsGraphModelSource;
}

let loading: Promise<{ tf: TfjsModule; wasmVersion: string }> | undefined;

/** `@tensorflow/tfjs` on the wasm backend, the .wasm binaries located in the installed package (Node). */
export function loadTfjsWasmNode(): Promise<{ tf: TfjsModule; wasmVersion: string }> {
  loading ??= (async () => {
    let wasm: typeof import("@tensorflow/tfjs-backend-wasm");
    try {
      wasm = await import("@tensorflow/tfjs-backend-wasm");
    } catch {
      return { tf: await loadTfjsWasm(1), wasmVersion: "unknown" }; // reports missing_runtime
    }
    try {
      // the .wasm files sit next to the package's Node entry point (dist/)
      wasm.setWasmPaths(dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm")) + "/");
    } catch {
      // already initialized (paths set by whoever started it)
    }
    const tf = await loadTfjsWasm(1);
    if (tf.getBackend() !== "wasm") throw new EdgelatError("missing_runtime", `TF.js could not start its wasm backend (backend is '${tf.getBackend()}')`);
    return { tf, wasmVersion: wasm.version_wasm };
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

/** Deterministic random feed tensors for a graph model's inputs. */
function graphModelFeeds(tf: TfjsModule, src: TfjsGraphModelSource, specs: { name: string; dtype?: string }[]): Record<string, import("@tensorflow/tfjs").Tensor> {
  const feeds: Record<string, import("@tensorflow/tfjs").Tensor> = {};
  Object.entries(src.inputShapes).forEach(([name, shape], i) => {
    const spec = specs.find((s) => s.name === name || s.name === `${name}:0`);
    const dtype = spec?.dtype ?? "float32";
    const n = shape.reduce((a, b) => a * b, 1);
    if (dtype === "float32") {
      const rng = createRng(100 + i);
      const a = new Float32Array(n);
      for (let k = 0; k < n; k++) a[k] = rng.next();
      feeds[name] = tf.tensor(a, shape, "float32");
    } else feeds[name] = tf.zeros(shape, dtype as "int32");
  });
  return feeds;
}

export interface TfjsRunnerOptions {
  /** Must be 1: the wasm backend is single-threaded under Node. */
  threads?: number;
}

export class TfjsRunner {
  private readonly inferredCache = new Map<string, { source: Graph; inferred: InferredGraph }>();
  private constructor(
    readonly tf: TfjsModule,
    readonly version: string,
    readonly simd: boolean,
  ) {}

  static async create(options: TfjsRunnerOptions = {}): Promise<TfjsRunner> {
    const threads = options.threads ?? 1;
    if (threads !== 1) {
      throw new EdgelatError("invalid_argument", `tfjs-wasm runs single-threaded under Node (tfjs-backend-wasm loads its non-threaded build there); --threads must be 1, got ${threads}`, { threads });
    }
    const { tf, wasmVersion } = await loadTfjsWasmNode();
    const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
    return new TfjsRunner(tf, wasmVersion, simd);
  }

  readonly threads = 1;

  get settings(): string {
    return this.simd ? "simd" : "nosimd";
  }

  /** Configuration id recorded with every measurement, e.g. "tfjs-wasm@4.22.0/t1/simd". */
  get config(): string {
    return `tfjs-wasm@${this.version}/t1/${this.settings}`;
  }

  /** The fusion rule set simulating this runtime (the 4.22 set for other 4.x versions without a set of their own). */
  get backend(): string {
    const [maj, min] = this.version.split(".");
    const id = `tfjs-wasm@${maj}.${min}`;
    try {
      getRuleSet(id);
      return id;
    } catch {
      return "tfjs-wasm@4.22";
    }
  }

  get target(): LocalTarget {
    return { runtime: "tfjs-wasm", runtimeVersion: this.version, threads: 1, backend: this.backend, settings: this.settings };
  }

  private inferred(model: RunnableModel): InferredGraph {
    const hit = this.inferredCache.get(model.key);
    if (hit !== undefined && hit.source === model.graph) return hit.inferred;
    const inferred = inferShapes(model.graph);
    this.inferredCache.set(model.key, { source: model.graph, inferred });
    if (this.inferredCache.size > 256) this.inferredCache.delete(this.inferredCache.keys().next().value!);
    return inferred;
  }

  /** Whether the executor runs every node of this IR graph (ops, attributes, fixed shapes; checked without running). */
  supports(graph: Graph): boolean {
    try {
      checkGraph(inferShapes(graph));
      return true;
    } catch {
      return false;
    }
  }

  /** TF.js kernels one run launches (counted with `tf.profile`, layout conversions and helper kernels included). */
  async executedNodes(model: TfjsRunnableModel): Promise<number> {
    if (model.tfjs !== undefined) {
      const gm = await this.loadGraphModel(model);
      const feeds = graphModelFeeds(this.tf, model.tfjs, gm.inputs as { name: string; dtype?: string }[]);
      try {
        const outputs = model.tfjs.outputs;
        const info = await this.tf.profile(async () => {
          let out: import("@tensorflow/tfjs").Tensor | import("@tensorflow/tfjs").Tensor[];
          try {
            out = gm.execute(feeds, outputs);
          } catch {
            out = await gm.executeAsync(feeds, outputs); // control flow / dynamic shapes
          }
          this.tf.dispose(out);
        });
        return info.kernels.filter((k) => !k.name.endsWith("__op")).length;
      } finally {
        this.tf.dispose(Object.values(feeds));
        gm.dispose();
      }
    }
    const prog = compileGraph(this.tf, this.inferred(model));
    try {
      return await prog.kernelCount();
    } finally {
      prog.dispose();
    }
  }

  private async loadGraphModel(model: TfjsRunnableModel): Promise<import("@tensorflow/tfjs").GraphModel> {
    const src = model.tfjs!;
    const j = src.modelJson;
    try {
      const buf = src.weightData.buffer.slice(src.weightData.byteOffset, src.weightData.byteOffset + src.weightData.byteLength) as ArrayBuffer;
      return await this.tf.loadGraphModel(
        this.tf.io.fromMemory({ modelTopology: j.modelTopology as object, weightSpecs: j.weightsManifest.flatMap((g) => g.weights) as never, weightData: buf, format: j.format ?? "graph-model" }),
      );
    } catch (e) {
      throw new EdgelatError("invalid_model", `TF.js cannot load '${model.key}': ${e instanceof Error ? e.message : String(e)}`, { model: model.key });
    }
  }

  async open(model: TfjsRunnableModel, opts: { profile?: boolean; optimized?: boolean } = {}): Promise<OpenSession> {
    const timed = async (f: () => Promise<void> | void): Promise<{ wallMs: number; cpuMs: number }> => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await f();
      const wallMs = performance.now() - t0;
      const c = process.cpuUsage(c0);
      return { wallMs, cpuMs: (c.user + c.system) / 1000 };
    };
    // a graph model profiled kernel by kernel runs through the executor (its TF ops as they are, per-node times)
    if (model.tfjs !== undefined && !opts.profile) {
      const gm = await this.loadGraphModel(model);
      const feeds = graphModelFeeds(this.tf, model.tfjs, gm.inputs as { name: string; dtype?: string }[]);
      const outputs = model.tfjs.outputs;
      // `execute` (synchronous) unless the graph has control flow or dynamic shapes, which only `executeAsync` runs
      let sync = true;
      try {
        this.tf.dispose(gm.execute(feeds, outputs));
      } catch {
        sync = false;
      }
      return {
        run: () =>
          timed(async () => {
            const out = sync ? gm.execute(feeds, outputs) : await gm.executeAsync(feeds, outputs);
            const list = Array.isArray(out) ? out : [out];
            for (const t of list) t.dataSync();
            this.tf.dispose(list);
          }),
        close: async () => {
          this.tf.dispose(Object.values(feeds));
          gm.dispose();
          return opts.optimized ? { optimized: model.graph } : {};
        },
      };
    }
    const prog = compileGraph(this.tf, this.inferred(model)); // unsupported ops → unsupported_op
    const runs: TraceNodeEvent[][] = [];
    let closed = false;
    return {
      run: () =>
        timed(() => {
          const ev = prog.run(opts.profile === true);
          if (ev !== undefined) runs.push(ev);
        }),
      close: async () => {
        if (!closed) prog.dispose();
        closed = true;
        const out: SessionResult = {};
        if (opts.profile) out.trace = runs;
        // the executor runs the graph as it is: its executed graph is the source graph
        if (opts.optimized) out.optimized = model.graph;
        return out;
      },
    };
  }
}

/** A TF.js graph model file (`model.json` + its weight shards) as a runnable model, with its inferred IR graph. */
export function prepareTfjsModel(key: string, modelJsonPath: string, inputShapes: Record<string, Shape>, outputs?: string[]): { model: TfjsRunnableModel; inferred: InferredGraph } {
  let text: string;
  let json: TfjsGraphModelSource["modelJson"];
  try {
    text = readFileSync(modelJsonPath, "utf8");
    json = JSON.parse(text) as TfjsGraphModelSource["modelJson"];
  } catch (e) {
    throw new EdgelatError("io_error", `cannot read TF.js model ${modelJsonPath}: ${(e as Error).message}`, { file: modelJsonPath });
  }
  if (!Array.isArray(json.weightsManifest)) throw new EdgelatError("missing_weights_manifest", `${modelJsonPath} has no weightsManifest`, { file: modelJsonPath });
  const shards = json.weightsManifest.flatMap((g) => g.paths).map((p) => new Uint8Array(readFileSync(join(dirname(modelJsonPath), p))));
  const weightData = new Uint8Array(shards.reduce((s, b) => s + b.length, 0));
  let o = 0;
  for (const b of shards) {
    weightData.set(b, o);
    o += b.length;
  }
  const parse = (shapes: Record<string, Shape>): Graph => parseTfjs(text, { inputShapes: shapes, weightData: shards, ...(outputs ? { outputs } : {}) });
  // the given shapes of this model's inputs (others are ignored: one list serves several models); inputs without a
  // given shape keep the model's own, a symbolic batch dim taken as 1
  const first = parse({});
  const shapes: Record<string, Shape> = {};
  for (const input of first.inputs) {
    const s = inputShapes[input] ?? inputShapes[input.replace(/:0$/, "")];
    if (s !== undefined) shapes[input] = s;
  }
  for (const name of first.inputs) {
    if (shapes[name] !== undefined || shapes[name.replace(/:0$/, "")] !== undefined) continue;
    const s = first.tensors.get(name)?.shape;
    const rest = s?.slice(1) ?? [];
    if (s === undefined || s.length === 0 || rest.some((d) => typeof d !== "number" || d < 0)) {
      throw new EdgelatError("invalid_shape", `input '${name}' of ${modelJsonPath} has no fixed shape (${JSON.stringify(s)}); pass its dims (--input ${name}=1x224x224x3)`, { input: name });
    }
    shapes[name] = [typeof s[0] === "number" && s[0] >= 0 ? s[0] : 1, ...rest];
  }
  const fixed: Record<string, number[]> = {};
  for (const input of first.inputs) {
    const name = input.replace(/:0$/, "");
    const s = shapes[input] ?? shapes[name]!;
    if (s.some((d) => typeof d !== "number" || d < 0)) throw new EdgelatError("invalid_shape", `input '${name}' of ${modelJsonPath} needs a fixed shape, got ${JSON.stringify(s)}`, { input: name });
    fixed[name] = s as number[];
  }
  const graph = parse(shapes);
  const inferred = inferShapes(graph, { inputShapes: shapes });
  const src: TfjsGraphModelSource = { modelJson: json, weightData, inputShapes: fixed, ...(outputs ? { outputs } : {}) };
  return { model: { key, bytes: new Uint8Array(0), graph: inferred.graph, tfjs: src }, inferred };
}

/** One TF.js graph model of a corpus manifest (`npm run gather-models`). */
export interface CorpusTfjsModel {
  name: string;
  path: string;
  inputShapes: Record<string, Shape>;
  outputs?: string[];
}

/** TF.js graph models of the manifest in `dir` (`<dir>/manifest.json`); no manifest → []. */
export function corpusTfjsModels(dir: string): CorpusTfjsModel[] {
  let raw: { models?: { name: string; format: string; file: string; inputShapes?: Record<string, Shape>; outputs?: string[] }[] };
  try {
    raw = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new EdgelatError("invalid_json", `corpus manifest ${join(dir, "manifest.json")}: ${(e as Error).message}`, { dir });
  }
  return (raw.models ?? [])
    .filter((m) => m.format === "tfjs-graph")
    .map((m) => ({ name: m.name, path: join(dir, m.file), inputShapes: m.inputShapes ?? {}, ...(m.outputs ? { outputs: m.outputs } : {}) }));
}
