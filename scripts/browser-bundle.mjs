#!/usr/bin/env node
// Browser bundles of edgelat built with esbuild (one ESM file each, no Node built-ins) and their sizes (minified,
// minified + gzip), plus what a page fetches for one device.
//
//   node scripts/browser-bundle.mjs            → dist/browser/edgelat.{core,full}.js + one GPU and one CPU profile
//   node scripts/browser-bundle.mjs --json     → the sizes as JSON
//
// `core`: the browser API imported from `edgelat/core` (src/core.ts), which has no device catalog: nothing is stubbed,
// the entry simply never reaches src/devices/builtin. `coreAll`: every export of `edgelat/core` (what an app gets
// without tree shaking). `full`: the same browser API from the main entry `edgelat` (src/index.ts) with getDevice and
// listDevices, i.e. the whole built-in catalog. Device profiles are written apart exactly as the package publishes them
// (`edgelat/devices/<id>.json`, scripts/device-files.mjs).
import { build } from "esbuild";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { writeDeviceFiles } from "./device-files.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const OUT_DIR = join(root, "dist", "browser");

/** What a browser page uses (no file system, no profiling runtimes). */
const BROWSER_API = `parseModel, detectFormat, inferShapes, summarizeGraph, fuse, getRuleSet, predictLatency, predictKernels, aggregate,
  loadDevice, EdgelatError, isEdgelatError, renderLatencyReport, scatterSvg, barChartSvg, withinShare, mape, spearman`;

const ENTRIES = {
  core: `export { ${BROWSER_API} } from "./src/core.ts";`,
  coreAll: `export * from "./src/core.ts";`,
  full: `export { ${BROWSER_API}, getDevice, listDevices } from "./src/index.ts";`,
};

/** True when an esbuild input path is a built-in catalog file (what `edgelat/core` must never reach). */
export const isCatalogInput = (path) => /src[\\/]devices[\\/](builtin[\\/].*\.json|catalog\.ts)$/.test(path);

/** Bundles one entry; returns its file, sizes, external imports, largest inputs and catalog inputs reached. */
export async function bundle(name) {
  const outfile = join(OUT_DIR, `edgelat.${name}.js`);
  const r = await build({
    stdin: { contents: ENTRIES[name], resolveDir: root, loader: "ts", sourcefile: `browser-${name}.ts` },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    treeShaking: true,
    legalComments: "none",
    outfile,
    metafile: true,
    logLevel: "silent",
  });
  const nodeImports = Object.values(r.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.path.startsWith("node:") || i.external));
  const code = readFileSync(outfile);
  const inputs = Object.entries(r.metafile.outputs[Object.keys(r.metafile.outputs)[0]].inputs)
    .map(([path, v]) => ({ path, bytes: v.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  return {
    file: outfile, minBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length, externalImports: nodeImports.map((i) => i.path),
    largestInputs: inputs.slice(0, 8), catalogInputs: Object.keys(r.metafile.inputs).filter(isCatalogInput),
  };
}

/** Builds the bundles and writes the given devices' profiles apart (the first one is `device`). */
export async function buildBrowserBundles(devices = ["pixel4-gpu", "s10-cpu-1large-fp32"]) {
  mkdirSync(OUT_DIR, { recursive: true });
  const core = await bundle("core");
  const coreAll = await bundle("coreAll");
  const full = await bundle("full");
  const files = writeDeviceFiles(OUT_DIR, devices).map(({ id, file, text }) => ({
    id, file, minBytes: Buffer.byteLength(text), gzipBytes: gzipSync(text, { level: 9 }).length,
  }));
  return { core, coreAll, full, device: files[0], devices: files };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = await buildBrowserBundles();
  if (process.argv.includes("--json")) console.log(JSON.stringify(sizes, null, 2));
  else {
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    const rows = [["core (edgelat/core)", sizes.core], ["core, every export", sizes.coreAll], ["full (edgelat + catalog)", sizes.full]];
    for (const [name, s] of rows) {
      console.log(`${name.padEnd(26)} ${kb(s.minBytes).padStart(10)} min  ${kb(s.gzipBytes).padStart(10)} min+gz  ${s.file}`);
      if (s.externalImports.length > 0) console.log(`  external imports: ${s.externalImports.join(", ")}`);
    }
    for (const d of sizes.devices) console.log(`${`device ${d.id}`.padEnd(26)} ${kb(d.minBytes).padStart(10)} min  ${kb(d.gzipBytes).padStart(10)} min+gz  ${d.file}`);
    console.log(`largest inputs of the core bundle: ${sizes.core.largestInputs.map((i) => `${i.path.replace(/^.*node_modules\//, "")} ${kb(i.bytes)}`).join(", ")}`);
  }
}
