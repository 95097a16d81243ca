/**
 * The onnxruntime-node runner: opens ONNX models as sessions with fixed settings (intra-op threads, one inter-op
 * thread, sequential execution, an optimization level), times runs end to end, and — when asked — collects ORT's
 * profiler trace and the optimized graph so kernel times can be mapped back to the simulator's kernels.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { EdgelatError } from "../errors.js";
import type { DType, Graph } from "../ir/types.js";
import { parseOnnx } from "../parsers/onnx/index.js";
import { createRng } from "../util/rng.js";
import { loadOrt, type OrtModule } from "./runtime.js";
import { parseOrtTrace, type TraceNodeEvent } from "./trace.js";

export type OrtLevel = "basic" | "extended" | "all";
export const ORT_LEVELS: readonly OrtLevel[] = ["basic", "extended", "all"];

/** A model ready to run: ONNX bytes and its source graph with every input shape fixed. */
export interface RunnableModel {
  /** Deterministic id (the same model always gets the same key). */
  key: string;
  bytes: Uint8Array;
  graph: Graph;
}

export interface OrtRunnerOptions {
  threads?: number;
  level?: OrtLevel;
  /** Folder for profiler traces and optimized models (temporary files, removed after reading). */
  workDir: string;
}

export interface SessionResult {
  /** Node events of every run (with `profile`), warm-up runs included. */
  trace?: TraceNodeEvent[][];
  /** ORT's optimized graph (with `optimized`). */
  optimized?: Graph;
}

/** One timed run: wall-clock ms and the process CPU time spent meanwhile (user + system, all threads). */
export interface RunTiming {
  wallMs: number;
  cpuMs: number;
}

export interface OpenSession {
  /**
   * Runs the model once. With one intra-op thread, `cpuMs` is the uncontended latency even on a loaded machine (time
   * other processes take from this one does not count); with more threads it sums them (and their spin-waiting).
   */
  run(): Promise<RunTiming>;
  close(): Promise<SessionResult>;
}

type OrtTensor = InstanceType<OrtModule["Tensor"]>;

function feedTensor(ort: OrtModule, name: string, dtype: DType, dims: number[], seed: number): OrtTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const rng = createRng(seed);
  switch (dtype) {
    case "float32": {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = rng.next() * 2 - 1;
      return new ort.Tensor("float32", a, dims);
    }
    case "int64":
      return new ort.Tensor("int64", new BigInt64Array(n), dims);
    case "int32":
      return new ort.Tensor("int32", new Int32Array(n), dims);
    case "uint8":
      return new ort.Tensor("uint8", new Uint8Array(n), dims);
    case "bool":
      return new ort.Tensor("bool", new Uint8Array(n), dims);
    default:
      throw new EdgelatError("invalid_argument", `input '${name}' has dtype ${dtype}, which the profiler cannot feed`, { input: name, dtype });
  }
}

/** Input tensors for a graph: every input needs a fully known shape (fix symbolic dims before). */
export function makeFeeds(ort: OrtModule, graph: Graph, seed = 1): Record<string, OrtTensor> {
  const feeds: Record<string, OrtTensor> = {};
  graph.inputs.forEach((name, i) => {
    const t = graph.tensors.get(name);
    const shape = t?.shape;
    if (t === undefined || shape === undefined || shape.some((d) => typeof d !== "number")) {
      throw new EdgelatError("invalid_shape", `input '${name}' of '${graph.name}' has no fixed shape (${JSON.stringify(shape)}); pass its dims`, { input: name });
    }
    feeds[name] = feedTensor(ort, name, t.dtype, shape as number[], seed + i);
  });
  return feeds;
}

export class OrtRunner {
  private counter = 0;
  private constructor(
    readonly ort: OrtModule,
    readonly threads: number,
    readonly level: OrtLevel,
    readonly workDir: string,
  ) {}

  static async create(options: OrtRunnerOptions, ort?: OrtModule): Promise<OrtRunner> {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new EdgelatError("invalid_argument", `threads must be a positive integer, got ${threads}`);
    const level = options.level ?? "all";
    if (!ORT_LEVELS.includes(level)) throw new EdgelatError("invalid_argument", `level must be one of ${ORT_LEVELS.join(", ")}, got '${level}'`);
    mkdirSync(options.workDir, { recursive: true });
    return new OrtRunner(ort ?? (await loadOrt()), threads, level, options.workDir);
  }

  get version(): string {
    return this.ort.env.versions.node ?? this.ort.env.versions.common ?? "unknown";
  }

  /** Configuration id recorded with every measurement, e.g. "ort-node@1.30.0/t1/all". */
  get config(): string {
    return `ort-node@${this.version}/t${this.threads}/${this.level}`;
  }

  /** More than one intra-op thread: idle sessions' pool threads spin and slow the measured one (see ModelRunner). */
  get exclusiveSessions(): boolean {
    return this.threads > 1;
  }

  /** The fusion rule set simulating this configuration. */
  get backend(): string {
    const [maj, min] = this.version.split(".");
    return `ort-cpu@${maj}.${min}/${this.level}`;
  }

  /** Nodes ORT executes for a model after optimization (its optimized graph), layout reorders excluded. */
  async executedNodes(model: RunnableModel): Promise<number> {
    const s = await this.open(model, { optimized: true });
    const { optimized } = await s.close();
    return optimized!.nodes.filter((n) => n.opType !== "ReorderInput" && n.opType !== "ReorderOutput").length;
  }

  async open(model: RunnableModel, opts: { profile?: boolean; optimized?: boolean } = {}): Promise<OpenSession> {
    const id = `${process.pid}-${this.counter++}`;
    const prefix = join(this.workDir, `trace-${id}`);
    const optimizedPath = join(this.workDir, `optimized-${id}.onnx`);
    let session: Awaited<ReturnType<OrtModule["InferenceSession"]["create"]>>;
    try {
      session = await this.ort.InferenceSession.create(model.bytes, {
        graphOptimizationLevel: this.level,
        intraOpNumThreads: this.threads,
        interOpNumThreads: 1,
        executionMode: "sequential",
        logSeverityLevel: 3,
        ...(opts.profile ? { enableProfiling: true, profileFilePrefix: prefix } : {}),
        ...(opts.optimized ? { optimizedModelFilePath: optimizedPath } : {}),
      });
    } catch (e) {
      throw new EdgelatError("invalid_model", `onnxruntime-node cannot load '${model.key}': ${e instanceof Error ? e.message : String(e)}`, { model: model.key });
    }
    const feeds = makeFeeds(this.ort, model.graph);
    return {
      run: async () => {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await session.run(feeds);
        const wallMs = performance.now() - t0;
        const c = process.cpuUsage(c0);
        return { wallMs, cpuMs: (c.user + c.system) / 1000 };
      },
      close: async () => {
        await session.release();
        const out: SessionResult = {};
        if (opts.profile) {
          const dir = dirname(prefix);
          const file = readdirSync(dir).find((f) => f.startsWith(`${basename(prefix)}_`) && f.endsWith(".json"));
          if (file === undefined) throw new EdgelatError("io_error", `onnxruntime-node wrote no profile for '${model.key}' in ${dir}`);
          const path = join(dir, file);
          out.trace = parseOrtTrace(JSON.parse(readFileSync(path, "utf8")));
          rmSync(path, { force: true });
        }
        if (opts.optimized) {
          out.optimized = parseOnnx(new Uint8Array(readFileSync(optimizedPath)));
          rmSync(optimizedPath, { force: true });
        }
        return out;
      },
    };
  }
}
