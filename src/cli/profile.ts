// `edgelat profile`: builds a device profile for a local runtime within a time budget (progress bar + ETA on a TTY).
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { dataRoot } from "../datasets/paths.js";
import { EdgelatError } from "../errors.js";
import { corpusOnnxModels } from "../profile/corpus.js";
import { calibrationModels, prepareOnnx, priorModels } from "../profile/models.js";
import { ORT_LEVELS, type OrtLevel } from "../profile/ort.js";
import { profileDevice, type ProfileProgress } from "../profile/profile.js";
import { RUNTIME_IDS, type RuntimeId } from "../profile/runtime.js";
import { nnMeterPriors } from "../profile/templates.js";
import { inferShapes } from "../shape/infer.js";
import { readFileSync } from "node:fs";
import type { Command, CommandIO } from "./main.js";

const USAGE =
  "edgelat profile --runtime ort-node|tfjs-wasm --threads N [--level basic|extended|all] --budget 10m --out FILE.json [--log FILE.jsonl] [--corpus DIR] [--seed N] [--no-fusion] [--json]";

/** "10m", "90s", "1h", "600" (seconds) → ms. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (m === null) throw new EdgelatError("invalid_argument", `--budget '${s}' is not a duration (e.g. 10m, 90s, 600)`);
  const v = Number(m[1]);
  const unit = m[2] ?? "s";
  const ms = unit === "ms" ? v : unit === "s" ? v * 1000 : unit === "m" ? v * 60_000 : v * 3_600_000;
  if (!(ms > 0)) throw new EdgelatError("invalid_argument", `--budget must be positive, got '${s}'`);
  return ms;
}

function progressBar(p: ProfileProgress, width = 30): string {
  const filled = Math.round(p.fraction * width);
  const eta = Math.ceil(p.etaMs / 1000);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(100 * p.fraction).toFixed(0).padStart(3)}% ETA ${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, "0")}s ${p.phase}: ${p.message}`;
}

function reporter(io: CommandIO, quiet: boolean, budgetMs: number): ((p: ProfileProgress) => void) | undefined {
  if (quiet) return undefined;
  if (process.stderr.isTTY !== true) return (p) => io.err(`[${(100 * p.fraction).toFixed(0)}%] ${p.phase}: ${p.message}`);
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let last: ProfileProgress | undefined;
  const draw = (): void => {
    if (last === undefined) return;
    const now = Date.now();
    const live = { ...last, fraction: last.phase === "done" ? 1 : Math.min(1, (now - start) / budgetMs), etaMs: last.phase === "done" ? 0 : Math.max(0, start + budgetMs - now) };
    const cols = (process.stderr.columns ?? 120) - 1;
    process.stderr.write(`\r${progressBar(live).slice(0, cols).padEnd(cols)}`);
  };
  return (p) => {
    last = p;
    draw();
    if (p.phase === "done") {
      if (timer) clearInterval(timer);
      process.stderr.write("\n");
    } else if (timer === undefined) {
      timer = setInterval(draw, 1000);
      timer.unref();
    }
  };
}

export const command: Command = {
  summary: "Profile a local runtime (onnxruntime-node, or TF.js on its wasm backend) and write a device profile JSON",
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        runtime: { type: "string", default: "ort-node" },
        threads: { type: "string", default: "1" },
        level: { type: "string", default: "all" },
        budget: { type: "string", default: "10m" },
        out: { type: "string" },
        log: { type: "string" },
        corpus: { type: "string" },
        seed: { type: "string", default: "1" },
        "no-fusion": { type: "boolean" },
        json: { type: "boolean" },
      },
    });
    if (values.out === undefined) throw new EdgelatError("invalid_argument", `--out is required; usage: ${USAGE}`);
    if (!(RUNTIME_IDS as readonly string[]).includes(values.runtime!)) {
      throw new EdgelatError("invalid_argument", `--runtime must be one of ${RUNTIME_IDS.join(", ")}, got '${values.runtime}'`);
    }
    const threads = Number(values.threads);
    if (!Number.isInteger(threads) || threads < 1) throw new EdgelatError("invalid_argument", `--threads must be a positive integer, got '${values.threads}'`);
    if (!(ORT_LEVELS as readonly string[]).includes(values.level!)) throw new EdgelatError("invalid_argument", `--level must be one of ${ORT_LEVELS.join(", ")}, got '${values.level}'`);
    const seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new EdgelatError("invalid_argument", `--seed must be an integer, got '${values.seed}'`);
    const budgetMs = parseDuration(values.budget!);
    const out = resolve(values.out);
    const corpusDir = values.corpus ?? ".cache/models";
    const prior = priorModels().map((m) => ({ name: m.name, inferred: inferShapes(m.graph) }));
    for (const c of corpusOnnxModels(corpusDir)) prior.push({ name: c.name, inferred: prepareOnnx(`corpus:${c.name}`, new Uint8Array(readFileSync(c.path)), c.inputShapes).inferred });
    const res = await profileDevice({
      runtime: values.runtime as RuntimeId,
      threads,
      level: values.level as OrtLevel,
      budgetMs,
      ...(values.log !== undefined ? { logFile: resolve(values.log) } : {}),
      workDir: join(resolve(".cache"), "profile-work"),
      seed,
      priorModels: prior,
      templateConfigs: nnMeterPriors(dataRoot()),
      calibrationModels: calibrationModels(),
      contextModels: priorModels(),
      ...(values["no-fusion"] ? { fusionCases: false as const } : {}),
      onProgress: reporter(io, values.json === true, budgetMs),
    });
    await writeFile(out, JSON.stringify(res.profile, null, 1) + "\n");
    if (values.json) {
      io.out(JSON.stringify({ out, profile: res.profile.id, classes: res.classes, fusion: res.fusion, calibration: res.calibration, elapsedMs: res.elapsedMs, load: res.load }, null, 2));
      return 0;
    }
    io.out(`wrote ${out} (${res.profile.id}, backend ${res.profile.backend}) in ${(res.elapsedMs / 1000).toFixed(0)} s`);
    io.out(`kernel models measured: ${res.kernelModels} (sampling stopped by ${res.samplingStoppedBy}; ${res.resumedRecords} log records reused)`);
    for (const c of res.classes) io.out(`  ${c.cls.padEnd(15)} ${String(c.samples).padStart(5)} samples  ${c.model.padEnd(12)} CV MAPE ${Number.isNaN(c.cvMape) ? "n/a" : (100 * c.cvMape).toFixed(1) + "%"}`);
    const o = res.profile.overhead;
    io.out(`overhead: ${Object.entries(o.coef).map(([k, v]) => `${k}=${v.toPrecision(4)}`).join(", ")}, relStd ${(100 * o.relStd).toFixed(1)}% (${res.calibration.length} models)`);
    if (res.fusion) {
      io.out(`fusion detection (α=${res.fusion.alpha}): timing agrees with the runtime's executed graph on ${(100 * res.fusion.agreementRuntime).toFixed(0)}% of ${res.fusion.cases.length} cases`);
      for (const c of res.fusion.cases) {
        io.out(`  ${c.name.padEnd(16)} T(a)=${c.aUs.toFixed(0)}µs T(b)=${c.bUs.toFixed(0)}µs T(ab)=${c.abUs.toFixed(0)}µs → ${c.detected ? "fused" : "separate"}; runtime ${c.runtimeFused ? "fused" : "separate"}${c.detected === c.runtimeFused ? "" : "  (disagree)"}`);
      }
    }
    return 0;
  },
};
