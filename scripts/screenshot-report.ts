/**
 * Headless Chromium without playwright: Debian's `chromium` is run with `--dump-dom` / `--screenshot` and
 * `--virtual-time-budget` (it waits for the page's scripts and fetches), pages are served from a throw-away
 * `node:http` server on 127.0.0.1, results come back through the DOM, and console messages through
 * `--enable-logging=stderr` (every `CONSOLE` line is reported; our pages log nothing on success).
 *
 *   npx tsx scripts/screenshot-report.ts [--out docs/report.png] [--model examples/models/mobilenetv2-1.0.onnx]
 *
 * renders `edgelat report` for three devices and writes the screenshot used in the docs.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { getDevice, inferShapes, parseModel, predictLatency, renderLatencyReport, summarizeGraph } from "../src/index.js";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** Why the browser checks cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (Debian: apt-get install -y chromium; or set CHROMIUM=/path/to/chrome)`;
}

export interface Route {
  type: string;
  body: string | Uint8Array;
}

/** Serves fixed routes on 127.0.0.1 (random port) until `close()`. */
export async function serve(routes: Readonly<Record<string, Route>>): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const r = routes[(req.url ?? "/").split("?")[0]!];
    if (r === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": r.type, "cache-control": "no-store" }).end(r.body);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(() => ok())) };
}

export interface ChromiumRun {
  /** The serialized DOM after the time budget (`--dump-dom`), or "" for screenshots. */
  dom: string;
  /** Console messages the page produced (errors, warnings, logs), from Chromium's own log. */
  console: string[];
}

/** Loads `url` in a fresh headless Chromium profile; dumps the DOM, or writes a PNG screenshot. */
export async function runChromium(
  url: string,
  opts: { screenshot?: string; width?: number; height?: number; budgetMs?: number; timeoutMs?: number } = {},
): Promise<ChromiumRun> {
  const missing = chromiumMissing();
  if (missing !== undefined) throw new Error(missing);
  const profile = await mkdtemp(join(tmpdir(), "edgelat-chromium-"));
  const args = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio", `--user-data-dir=${profile}`,
    "--enable-logging=stderr", "--v=0", `--virtual-time-budget=${opts.budgetMs ?? 10_000}`,
    `--window-size=${opts.width ?? 1000},${opts.height ?? 1400}`,
    opts.screenshot === undefined ? "--dump-dom" : `--screenshot=${opts.screenshot}`,
    url,
  ];
  try {
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((ok, fail) => {
      execFile(CHROMIUM, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 << 20 }, (e, stdout, stderr) => {
        if (e !== null && stdout === "") fail(new Error(`chromium failed: ${e.message}\n${stderr.slice(-2000)}`));
        else ok({ stdout, stderr });
      });
    });
    const consoleLines = stderr.split("\n").filter((l) => /:CONSOLE[:(]/.test(l)).map((l) => l.replace(/^\[[^\]]*\]\s*/, ""));
    return { dom: opts.screenshot === undefined ? stdout : "", console: consoleLines };
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** The report shown in the docs: one model on a GPU, a CPU configuration and another GPU. */
export async function renderDocsReport(model: string, devices: readonly string[]): Promise<string> {
  const inferred = inferShapes(parseModel(new Uint8Array(await readFile(model))));
  const s = summarizeGraph(inferred);
  const resolved = devices.map((d) => getDevice(d));
  return renderLatencyReport({
    model: { name: basename(model), nodes: s.nodes, flops: s.flops, params: s.params },
    estimates: resolved.map((d) => predictLatency(inferred, d)),
    deviceNames: Object.fromEntries(resolved.map((d) => [d.id, d.name])),
    generator: "edgelat report",
  });
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
  };
  const out = arg("--out", "docs/report.png");
  const model = arg("--model", "examples/models/mobilenetv2-1.0.onnx");
  const html = await renderDocsReport(model, ["pixel4-gpu", "s10-cpu-1large-fp32", "iphonexs-gpu"]);
  const dir = await mkdtemp(join(tmpdir(), "edgelat-shot-"));
  try {
    const page = join(dir, "report.html");
    await writeFile(page, html);
    const r = await runChromium(pathToFileURL(page).href, { screenshot: join(process.cwd(), out), width: 1000, height: 1300 });
    if (r.console.length > 0) throw new Error(`the report logged to the console:\n${r.console.join("\n")}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`wrote ${out}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
