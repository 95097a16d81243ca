// In a real browser (Debian's headless Chromium): the esbuild core bundle predicts a TF.js model.json's latency with
// one device profile fetched as JSON, and the HTML reports render without console messages with the expected marks.
// Skips (with the reason) when /usr/bin/chromium is absent; the Node-side structure is covered by report.test.ts.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  buildMobileNetV2,
  htmlPage,
  inferShapes,
  loadDevice,
  parseModel,
  predictLatency,
  renderLatencyReport,
  scatterSvg,
  type DeviceProfileJSON,
  type Shape,
} from "../src/index.js";
// @ts-expect-error — plain ESM script without type declarations
import { buildBrowserBundles } from "../scripts/browser-bundle.mjs";
import { chromiumMissing, runChromium, serve, type Route } from "../scripts/screenshot-report.js";
import { corpusModels, tfjsShards } from "./helpers/corpus.js";

const missing = chromiumMissing();
if (missing !== undefined) console.warn(`[browser.test] skipped: ${missing}`);

interface Sizes {
  core: { file: string; minBytes: number; gzipBytes: number; externalImports: string[]; catalogInputs: string[] };
  full: { gzipBytes: number; catalogInputs: string[] };
  device: { id: string; file: string; gzipBytes: number };
}

/** A small TF.js layers model (conv, depthwise conv, pointwise conv, pool, dense) saved by TF.js itself. */
async function tfjsModelJson(): Promise<string> {
  const tf = await import("@tensorflow/tfjs");
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ batchInputShape: [1, 96, 96, 3], filters: 16, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: "same", activation: "relu" }),
      tf.layers.conv2d({ filters: 32, kernelSize: 1, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  let art: { modelTopology?: unknown; weightSpecs?: unknown[] } = {};
  await m.save(tf.io.withSaveHandler(async (a) => {
    art = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }));
  return JSON.stringify({ format: "layers-model", generatedBy: "browser.test", convertedBy: null, modelTopology: art.modelTopology, weightsManifest: [{ paths: ["weights.bin"], weights: art.weightSpecs }] });
}

/** A model the page fetches: model.json, its weight shards (TF.js graph models fold shape constants from them). */
interface PageModel {
  name: string;
  url: string;
  shards: string[];
  inputShapes?: Record<string, Shape>;
  outputs?: string[];
}

const HARNESS = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>edgelat in the browser</title></head><body><pre id="out">pending</pre>
<script type="module">
const out = document.getElementById("out");
try {
  const lib = await import("/edgelat.core.js");
  const [models, deviceJson] = await Promise.all([fetch("/models.json").then((r) => r.json()), fetch("/device.json").then((r) => r.json())]);
  const device = lib.loadDevice(deviceJson);
  const results = [];
  for (const m of models) {
    const text = await fetch(m.url).then((r) => r.text());
    const weightData = await Promise.all(m.shards.map((u) => fetch(u).then((r) => r.arrayBuffer()).then((b) => new Uint8Array(b))));
    const opts = { weightData };
    if (m.inputShapes) opts.inputShapes = m.inputShapes;
    if (m.outputs) opts.outputs = m.outputs;
    const est = lib.predictLatency(lib.parseModel(text, opts), device);
    results.push({ name: m.name, latencyMs: est.latencyMs, kernels: est.kernels.map((k) => k.type) });
  }
  let unknown = "";
  try { lib.predictLatency(lib.parseModel(await fetch(models[0].url).then((r) => r.text())), "pixel4-gpu"); } catch (e) { unknown = e.code; }
  out.textContent = JSON.stringify({ ok: true, results, catalog: typeof lib.getDevice + "/" + typeof lib.listDevices, unknown, nodeGlobals: typeof process !== "undefined" || typeof Buffer !== "undefined" });
} catch (e) {
  out.textContent = JSON.stringify({ ok: false, error: String((e && e.stack) || e) });
}
</script></body></html>`;

/** Counts marks and checks that every chart has a laid-out size, inside an iframe holding the page under test. */
const CHECK = (page: string) => `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><pre id="out">pending</pre>
<iframe id="f" src="${page}" width="1000" height="800"></iframe>
<script>
document.getElementById("f").addEventListener("load", () => {
  const d = document.getElementById("f").contentDocument;
  const charts = [...d.querySelectorAll("svg.chart")].map((s) => {
    const box = s.getBoundingClientRect();
    return { chart: s.dataset.chart, device: s.dataset.device || null, rects: s.querySelectorAll("rect.mark").length,
      circles: s.querySelectorAll("circle.mark").length, width: box.width, height: box.height,
      markWidth: [...s.querySelectorAll(".mark")].reduce((w, m) => w + m.getBBox().width, 0) };
  });
  document.getElementById("out").textContent = JSON.stringify({ title: d.title, charts });
});
</script></body></html>`;

let built: Promise<Sizes> | undefined;
/** The bundles, built once per run. */
const bundles = (): Promise<Sizes> => (built ??= buildBrowserBundles(["pixel4-gpu"]) as Promise<Sizes>);

const result = (dom: string): unknown => {
  const m = dom.match(/<pre id="out">([\s\S]*?)<\/pre>/);
  if (m === null) throw new Error(`no result in the page: ${dom.slice(0, 500)}`);
  return JSON.parse(m[1]!.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"));
};

describe("browser bundle", () => {
  it("bundles the core into one ESM file without Node built-ins, under 150 KB min+gz without device profiles", async () => {
    const sizes = await bundles();
    expect(sizes.core.externalImports).toEqual([]);
    const code = await readFile(sizes.core.file, "utf8");
    expect(code).not.toMatch(/from\s*["']node:|require\(["'](fs|path|node:)/);
    expect(sizes.core.gzipBytes).toBeLessThan(150 * 1024);
    // edgelat/core never reaches the built-in catalog; the main entry (getDevice, string ids) bundles all of it.
    expect(sizes.core.catalogInputs).toEqual([]);
    expect(sizes.full.catalogInputs.length).toBeGreaterThan(0);
    expect(sizes.full.gzipBytes).toBeGreaterThan(sizes.core.gzipBytes);
  });

  it.skipIf(missing !== undefined)("predicts TF.js model.json latencies inside headless Chromium, equal to Node's", async () => {
    const sizes = await bundles();
    const deviceJson = await readFile(sizes.device.file, "utf8");
    const routes: Record<string, Route> = {
      "/": { type: "text/html", body: HARNESS },
      "/edgelat.core.js": { type: "text/javascript", body: await readFile(sizes.core.file) },
      "/device.json": { type: "application/json", body: deviceJson },
    };
    // Always: a layers model saved by TF.js itself. With the corpus (`npm run gather-models`): real graph models.
    const models: (PageModel & { text: string; shardBytes: Uint8Array[] })[] = [{ name: "tfjs-layers-cnn", url: "/m0/model.json", shards: [], text: await tfjsModelJson(), shardBytes: [] }];
    corpusModels("tfjs-graph").slice(0, 3).forEach((m, i) => {
      const text = readFileSync(m.path, "utf8");
      const paths = (JSON.parse(text) as { weightsManifest: { paths: string[] }[] }).weightsManifest.flatMap((g) => g.paths);
      models.push({
        name: m.name, url: `/m${i + 1}/model.json`, shards: paths.map((p) => `/m${i + 1}/${p}`), text, shardBytes: tfjsShards(m),
        inputShapes: m.inputShapes, ...(m.outputs === undefined ? {} : { outputs: m.outputs }),
      });
    });
    for (const m of models) {
      routes[m.url] = { type: "application/json", body: m.text };
      m.shards.forEach((u, j) => { routes[u] = { type: "application/octet-stream", body: m.shardBytes[j]! }; });
    }
    routes["/models.json"] = { type: "application/json", body: JSON.stringify(models.map(({ text: _t, shardBytes: _b, ...m }) => m)) };
    const server = await serve(routes);
    try {
      const run = await runChromium(`${server.url}/`, { budgetMs: 20_000 });
      expect(run.console).toEqual([]);
      const r = result(run.dom) as { ok: boolean; error?: string; results: { name: string; latencyMs: number; kernels: string[] }[]; catalog: string; unknown: string; nodeGlobals: boolean };
      expect(r.error).toBeUndefined();
      expect(r.ok).toBe(true);
      const device = loadDevice(JSON.parse(deviceJson) as DeviceProfileJSON);
      expect(r.results.map((x) => x.name)).toEqual(models.map((m) => m.name));
      models.forEach((m, i) => {
        const node = predictLatency(parseModel(m.text, { weightData: m.shardBytes, ...(m.inputShapes ? { inputShapes: m.inputShapes } : {}), ...(m.outputs ? { outputs: m.outputs } : {}) }), device);
        // The same pure code, but Math.log / Math.exp are only approximately specified by ECMAScript and Chromium's V8
        // is newer than Node's: bit-identical within one engine, equal to ~1e-15 relative across engines.
        expect(Math.abs(r.results[i]!.latencyMs - node.latencyMs)).toBeLessThanOrEqual(1e-12 * node.latencyMs);
        expect(r.results[i]!.kernels).toEqual(node.kernels.map((k) => k.type));
      });
      expect(r.results[0]!.kernels[0]).toMatch(/^conv/);
      if (models.length === 1) console.warn("[browser.test] corpus absent: only the generated TF.js layers model was checked in the browser");
      expect(r.catalog).toBe("undefined/undefined"); // edgelat/core has no device catalog
      expect(r.unknown).toBe("unknown_device");
      expect(r.nodeGlobals).toBe(false);
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(missing !== undefined)("reports in headless Chromium", () => {
  it("the latency report renders without console messages, with one mark per device, kernel type and kernel", async () => {
    const inferred = inferShapes(buildMobileNetV2());
    const estimates = ["pixel4-gpu", "s10-cpu-1large-fp32", "iphonexs-gpu"].map((d) => predictLatency(inferred, d));
    const points = Array.from({ length: 25 }, (_, i) => ({ measuredMs: 1 + i, predictedMs: (1 + i) * (i % 5 === 0 ? 1.3 : 1.02) }));
    const server = await serve({
      "/report.html": { type: "text/html", body: renderLatencyReport({ model: { name: "MobileNetV2" }, estimates }) },
      "/scatter.html": { type: "text/html", body: htmlPage("scatter", scatterSvg(points, { id: "scatter", title: "predicted vs measured" })) },
      "/check-report.html": { type: "text/html", body: CHECK("/report.html") },
      "/check-scatter.html": { type: "text/html", body: CHECK("/scatter.html") },
    });
    try {
      const rep = await runChromium(`${server.url}/check-report.html`);
      expect(rep.console).toEqual([]);
      const r = result(rep.dom) as { title: string; charts: { chart: string; device: string | null; rects: number; width: number; height: number; markWidth: number }[] };
      expect(r.title).toBe("Latency report: MobileNetV2");
      const of = (chart: string) => r.charts.filter((c) => c.chart === chart);
      expect(of("devices").map((c) => c.rects)).toEqual([3]);
      expect(of("breakdown").map((c) => c.rects)).toEqual(estimates.map((e) => e.kernels.length));
      expect(of("shares").map((c) => c.rects)).toEqual(estimates.map((e) => new Set(e.kernels.map((k) => k.type)).size));
      for (const c of r.charts) {
        expect(c.width).toBeGreaterThan(300);
        expect(c.height).toBeGreaterThan(20);
        expect(c.markWidth).toBeGreaterThan(0);
      }
      const sc = await runChromium(`${server.url}/check-scatter.html`);
      expect(sc.console).toEqual([]);
      const s = result(sc.dom) as { charts: { chart: string; circles: number }[] };
      expect(s.charts).toEqual([expect.objectContaining({ chart: "scatter", circles: 25 })]);
    } finally {
      await server.close();
    }
  });
});
