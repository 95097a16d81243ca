#!/usr/bin/env node
// Browser bundle of the edgelat core (parsers, IR, shapes, fusion, predictors, predictLatency, reports) as one ESM
// file with no Node built-ins, built with esbuild, and its sizes (minified, minified + gzip).
//
//   node scripts/browser-bundle.mjs            → dist/browser/edgelat.core.js (+ .full.js, device JSON), sizes printed
//   node scripts/browser-bundle.mjs --json     → the sizes as JSON
//
// Two bundles: `core` replaces the built-in device catalog JSON with an empty catalog (devices are then loaded from
// their own JSON with `loadDevice`), `full` keeps the catalog as the package ships it. Device profiles are written
// apart (`pixel4-gpu.json`, `s10-cpu-1large-fp32.json`) to measure what a browser user fetches for one device.
import { build } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const OUT_DIR = join(root, "dist", "browser");

/** What the browser bundle exposes (a subset of src/index.ts: no file system, no profiling runtimes). */
const ENTRY = `export {
  parseModel, detectFormat, inferShapes, summarizeGraph, fuse, getRuleSet, predictLatency, predictKernels, aggregate,
  loadDevice, getDevice, listDevices, EdgelatError, isEdgelatError, renderLatencyReport, scatterSvg, barChartSvg,
  withinShare, mape, spearman,
} from "./src/index.ts";`;

/** Replaces the built-in catalog JSON files with an empty catalog. */
const emptyCatalog = {
  name: "empty-device-catalog",
  setup(b) {
    b.onLoad({ filter: /src[\\/]devices[\\/]builtin[\\/].*\.json$/ }, () => ({ contents: '{"devices":[]}', loader: "json" }));
  },
};

async function bundle(name, plugins) {
  const outfile = join(OUT_DIR, `edgelat.${name}.js`);
  const r = await build({
    stdin: { contents: ENTRY, resolveDir: root, loader: "ts", sourcefile: "browser-entry.ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    treeShaking: true,
    legalComments: "none",
    outfile,
    plugins,
    metafile: true,
    logLevel: "silent",
  });
  const nodeImports = Object.values(r.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.path.startsWith("node:") || i.external));
  const code = readFileSync(outfile);
  const inputs = Object.entries(r.metafile.outputs[Object.keys(r.metafile.outputs)[0]].inputs)
    .map(([path, v]) => ({ path, bytes: v.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  return { file: outfile, minBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length, externalImports: nodeImports.map((i) => i.path), largestInputs: inputs.slice(0, 8) };
}

/** One device profile as a browser user would fetch it: minified JSON, raw and gzipped. */
function deviceFile(id) {
  for (const f of ["phones-gpu.json", "phones-cpu.json"]) {
    const bundleJson = JSON.parse(readFileSync(join(root, "src", "devices", "builtin", f), "utf8"));
    const p = bundleJson.devices.find((d) => d.id === id);
    if (p !== undefined) {
      const text = JSON.stringify(p);
      const file = join(OUT_DIR, `${id}.json`);
      writeFileSync(file, text);
      return { id, file, minBytes: Buffer.byteLength(text), gzipBytes: gzipSync(text, { level: 9 }).length };
    }
  }
  throw new Error(`no built-in device '${id}'`);
}

/** Builds both bundles and writes the given devices' profiles apart (the first one is `device`). */
export async function buildBrowserBundles(devices = ["pixel4-gpu", "s10-cpu-1large-fp32"]) {
  mkdirSync(OUT_DIR, { recursive: true });
  const core = await bundle("core", [emptyCatalog]);
  const full = await bundle("full", []);
  const files = devices.map(deviceFile);
  return { core, full, device: files[0], devices: files };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = await buildBrowserBundles();
  if (process.argv.includes("--json")) console.log(JSON.stringify(sizes, null, 2));
  else {
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    for (const [name, s] of [["core (no device profiles)", sizes.core], ["full (built-in catalog)", sizes.full]]) {
      console.log(`${name.padEnd(26)} ${kb(s.minBytes).padStart(10)} min  ${kb(s.gzipBytes).padStart(10)} min+gz  ${s.file}`);
      if (s.externalImports.length > 0) console.log(`  external imports: ${s.externalImports.join(", ")}`);
    }
    for (const d of sizes.devices) console.log(`${`device ${d.id}`.padEnd(26)} ${kb(d.minBytes).padStart(10)} min  ${kb(d.gzipBytes).padStart(10)} min+gz  ${d.file}`);
    console.log(`largest inputs of the core bundle: ${sizes.core.largestInputs.map((i) => `${i.path.replace(/^.*node_modules\//, "")} ${kb(i.bytes)}`).join(", ")}`);
  }
}
