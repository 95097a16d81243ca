// `edgelat eval help|brp`: the published NAS-Bench-201 protocols on the shared data folder.
import { writeFileSync } from "node:fs";
import { EdgelatError } from "../errors.js";
import {
  brpMarkdown, endToEndMarkdown, evaluateBrp, evaluateEndToEnd, evaluateHelp, evaluateHelpFbnet, helpFbnetMarkdown, helpMarkdown,
} from "../transfer/evaluate.js";
import type { Command, CommandIO } from "./main.js";

interface EvalArgs { protocol: "help" | "help-fbnet" | "brp" | "e2e"; ks?: number[]; seeds?: number; seed?: number; json: boolean; out?: string; data?: string }

function parseArgs(args: string[]): EvalArgs {
  const [protocol, ...rest] = args;
  if (protocol !== "help" && protocol !== "help-fbnet" && protocol !== "brp" && protocol !== "e2e") {
    throw new EdgelatError("invalid_argument", `eval needs a protocol: 'help', 'help-fbnet', 'brp' or 'e2e' (got '${protocol ?? ""}')`);
  }
  const a: EvalArgs = { protocol, json: false };
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new EdgelatError("invalid_argument", `${flag} needs an integer ≥ ${min}, got '${v ?? ""}'`);
    return n;
  };
  for (let i = 0; i < rest.length; i++) {
    const f = rest[i]!;
    const v = rest[i + 1];
    switch (f) {
      case "--k": a.ks = (v ?? "").split(",").map((x) => int("--k", x, 1)); i++; break;
      case "--seeds": a.seeds = int("--seeds", v, 1); i++; break;
      case "--seed": a.seed = int("--seed", v, 0); i++; break;
      case "--json": a.json = true; break;
      case "--out": if (!v) throw new EdgelatError("invalid_argument", "--out needs a file"); a.out = v; i++; break;
      case "--data": if (!v) throw new EdgelatError("invalid_argument", "--data needs a folder"); a.data = v; i++; break;
      default: throw new EdgelatError("invalid_argument", `Unknown option '${f}'`);
    }
  }
  return a;
}

async function run(args: string[], io: CommandIO): Promise<number> {
  const a = parseArgs(args);
  const tty = !a.json && Boolean(process.stderr.isTTY);
  const t0 = Date.now();
  const progress = tty ? (m: string) => process.stderr.write(`\r\x1b[K[${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}`) : undefined;
  const report = a.protocol === "help"
    ? evaluateHelp({ root: a.data, ks: a.ks, seeds: a.seeds, progress })
    : a.protocol === "help-fbnet" ? evaluateHelpFbnet({ root: a.data, k: a.ks?.[0], seeds: a.seeds, progress })
    : a.protocol === "brp" ? evaluateBrp({ root: a.data, seed: a.seed, progress })
    : evaluateEndToEnd({ root: a.data, seed: a.seed, progress });
  if (tty) process.stderr.write("\r\x1b[K");
  const md = report.protocol === "help-nb201" ? helpMarkdown(report) : report.protocol === "help-fbnet" ? helpFbnetMarkdown(report)
    : report.protocol === "brp-nas-nb201" ? brpMarkdown(report) : endToEndMarkdown(report);
  if (a.out) {
    try { writeFileSync(a.out, a.json ? JSON.stringify(report, null, 1) : `${md}\n`); } catch (e) {
      throw new EdgelatError("io_error", `Cannot write ${a.out}: ${(e as Error).message}`);
    }
  }
  io.out(a.json ? JSON.stringify(report, null, 1) : md);
  return 0;
}

export const command: Command = {
  summary: "Reproduce the HELP (few-shot, unseen devices) or BRP-NAS (900 samples) protocol, or learn devices from end-to-end totals (e2e), on NAS-Bench-201 latency data",
  usage: "edgelat eval help|help-fbnet|brp|e2e [--k 5,10,20,50] [--seeds 10] [--seed 0] [--json] [--out file] [--data ../shared/data]",
  run,
};
