// `edgelat validate --device FILE.json MODEL...`: measured vs predicted end-to-end latency on the local runtime.
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { EdgelatError } from "../errors.js";
import type { Shape } from "../ir/types.js";
import { prepareOnnx } from "../profile/models.js";
import { ORT_LEVELS, type OrtLevel } from "../profile/ort.js";
import { createRunner, runtimeOfDevice } from "../profile/runner.js";
import { prepareTfjsModel } from "../profile/tfjs.js";
import { validateDevice, type ValidationModel } from "../profile/validate.js";
import type { Command } from "./main.js";
import { parseInputSpec, readBytes, resolveDevice } from "./io.js";

const USAGE = "edgelat validate --device FILE.json MODEL.onnx|model.json... [--input NAME=1x3x224x224 ...] [--rounds N] [--clock cpu|wall] [--json]";

export const command: Command = {
  summary: "Measure models on the local runtime a device profile describes and compare with its predictions",
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { device: { type: "string" }, input: { type: "string", multiple: true }, rounds: { type: "string", default: "15" }, clock: { type: "string" }, json: { type: "boolean" } },
    });
    if (values.device === undefined || positionals.length === 0) throw new EdgelatError("invalid_argument", `usage: ${USAGE}`);
    const rounds = Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1) throw new EdgelatError("invalid_argument", `--rounds must be a positive integer, got '${values.rounds}'`);
    const device = await resolveDevice(values.device);
    const runtime = runtimeOfDevice(device);
    const level = (/^ort-cpu@[\d.]+\/(basic|extended|all)$/.exec(device.backend)?.[1] ?? "all") as OrtLevel;
    if (!ORT_LEVELS.includes(level)) throw new EdgelatError("invalid_argument", `unsupported level '${level}'`);
    const inputShapes: Record<string, Shape> = {};
    for (const spec of values.input ?? []) {
      const [name, dims] = parseInputSpec(spec);
      inputShapes[name] = dims;
    }
    const models: ValidationModel[] = [];
    for (const file of positionals) {
      // a TF.js model.json runs as the converted graph model it is (tfjs-wasm devices only)
      if (file.endsWith(".json") && runtime !== "tfjs-wasm") throw new EdgelatError("invalid_argument", `${file}: a TF.js model validates on a tfjs-wasm device only`);
      const prepared = file.endsWith(".json") ? prepareTfjsModel(`file:${resolve(file)}`, resolve(file), inputShapes) : prepareOnnx(`file:${resolve(file)}`, await readBytes(file), inputShapes);
      models.push({ name: basename(file), family: "file", ...prepared });
    }
    const runner = await createRunner({ runtime, threads: device.identity.threads ?? 1, level, workDir: join(resolve(".cache"), "profile-work") });
    // one thread: process CPU time is the run's latency without the time other processes take (wall-clock also shown)
    const clock = values.clock ?? (runner.threads === 1 ? "cpu" : "wall");
    if (clock !== "cpu" && clock !== "wall") throw new EdgelatError("invalid_argument", `--clock must be cpu or wall, got '${clock}'`);
    const { rows, summary } = await validateDevice(runner, device, models, { rounds, clock });
    if (values.json) {
      io.out(JSON.stringify({ device: device.id, config: runner.config, rows, summary }, null, 2));
      return 0;
    }
    const pct = (x: number): string => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}%`;
    const table = [
      ["model", `measured ms (${clock})`, "IQR", "wall ms", "wall IQR", "predicted ms", "error", "error vs wall"],
      ...rows.map((r) => [r.name, r.measuredMs.toFixed(2), `${(100 * r.relIqr).toFixed(1)}%`, r.wallMs.toFixed(2), `${(100 * r.wallRelIqr).toFixed(1)}%`, r.predictedMs.toFixed(2), pct(r.relError), pct(r.relErrorWall)]),
    ];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
    io.out(`${device.id} on ${runner.config}`);
    for (const r of table) io.out(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
    io.out(`within ±10% (${clock}): ${(100 * summary.within10).toFixed(0)}% of ${summary.n}, MAPE ${(100 * summary.mape).toFixed(1)}%${summary.n > 1 ? `, Spearman ρ ${summary.spearman.toFixed(3)}` : ""}; vs wall-clock: ${(100 * summary.wall.within10).toFixed(0)}%, MAPE ${(100 * summary.wall.mape).toFixed(1)}%; load ${summary.load.start.map((x) => x.toFixed(2)).join("/")}`);
    return 0;
  },
};
