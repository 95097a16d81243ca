/**
 * Checks the tfjs-wasm@4.22 rule set against TF.js itself: every TF.js graph model of the corpus runs once on the
 * WebAssembly backend under `tf.profile()`; its kernel list (the `*__op` wrapper entries dropped) is compared with the
 * kernels `fuse(inferShapes(parseTfjs(model)), "tfjs-wasm@4.22")` predicts, named as the wasm backend names its
 * kernels (`tfjsKernelName`). The profile carries no node names, so kernels are compared as a multiset of kernel
 * names: the share of profiled kernels the simulation has.
 *
 * Usage: tsx scripts/check-fusion-tfjs.ts [--write] [--only NAME] [--verbose]
 *   --write  writes test/fixtures/fusion/tfjs-<model>.json (the profiled kernel names), replayed without TF.js by
 *            test/fusion-tfjs-fixtures.test.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compareKernelNames, simulatedTfjsKernels, type TfjsFixture } from "../test/fusion-tfjs-cases.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MODELS = resolve(process.env.EDGELAT_MODELS ?? join(ROOT, ".cache", "models"));
const FIXTURES = join(ROOT, "test", "fixtures", "fusion");

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const write = args.includes("--write");
  const verbose = args.includes("--verbose");
  const onlyAt = args.indexOf("--only");
  const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
  const manifestPath = join(MODELS, "manifest.json");
  if (!existsSync(manifestPath)) {
    console.error(`check-fusion-tfjs: no corpus at ${MODELS} (run npm run gather-models)`);
    process.exit(1);
  }
  let tf: typeof import("@tensorflow/tfjs");
  try {
    tf = await import("@tensorflow/tfjs");
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    wasm.setWasmPaths(join(ROOT, "node_modules", "@tensorflow", "tfjs-backend-wasm", "dist") + "/");
    await tf.setBackend("wasm");
    await tf.ready();
  } catch (e) {
    console.error(`check-fusion-tfjs: @tensorflow/tfjs + @tensorflow/tfjs-backend-wasm are needed (${(e as Error).message})`);
    process.exit(1);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { models: { name: string; format: string; file: string; inputShapes: Record<string, number[]> }[] };
  const rows: string[][] = [["model", "profiled kernels", "simulated", "matched", "share"]];
  let worst = 1;
  for (const m of manifest.models) {
    if (m.format !== "tfjs-graph" || (only && m.name !== only)) continue;
    const file = join(MODELS, m.file);
    const text = readFileSync(file, "utf8");
    const json = JSON.parse(text) as { modelTopology: unknown; format?: string; weightsManifest: { paths: string[]; weights: unknown[] }[] };
    const shards = json.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(dirname(file), p)));
    const weightData = new Uint8Array(shards.reduce((s, b) => s + b.length, 0));
    let o = 0;
    for (const b of shards) {
      weightData.set(b, o);
      o += b.length;
    }
    const model = await tf.loadGraphModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology as object, weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as never, weightData: weightData.buffer, format: json.format ?? "graph-model" }),
    );
    const feeds: Record<string, import("@tensorflow/tfjs").Tensor> = {};
    for (const [name, shape] of Object.entries(m.inputShapes)) {
      const spec = model.inputs.find((i) => i.name === name || i.name === `${name}:0`);
      feeds[name] = tf.zeros(shape, (spec?.dtype ?? "float32") as "float32");
    }
    const prof = await tf.profile(async () => {
      const out = await model.executeAsync(feeds);
      tf.dispose(out);
    });
    const profiled = prof.kernels.map((k) => k.name).filter((n) => !n.endsWith("__op"));
    const simulated = simulatedTfjsKernels(file, m.inputShapes);
    const cmp = compareKernelNames(profiled, simulated);
    worst = Math.min(worst, cmp.share);
    rows.push([m.name, String(profiled.length), String(simulated.length), String(cmp.matched), `${(100 * cmp.share).toFixed(1)}%`]);
    if (verbose && Object.keys(cmp.missing).length + Object.keys(cmp.extra).length > 0) console.log(`-- ${m.name}: profiled but not simulated ${JSON.stringify(cmp.missing)}; simulated but not profiled ${JSON.stringify(cmp.extra)}`);
    if (write) {
      mkdirSync(FIXTURES, { recursive: true });
      const fx: TfjsFixture = { model: m.name, file: m.file, inputShapes: m.inputShapes, share: cmp.share, profiled };
      writeFileSync(join(FIXTURES, `tfjs-${m.name}.json`), JSON.stringify(fx) + "\n");
    }
    model.dispose();
    tf.dispose(Object.values(feeds));
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((x, i) => x.padEnd(widths[i]!)).join("  "));
  console.log(`worst share: ${(100 * worst).toFixed(1)}%`);
}

await main();
