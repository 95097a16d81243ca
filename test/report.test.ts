// Report renderers (pure data → SVG/HTML) and `edgelat report`, checked in Node (structure, mark counts, numbers).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import {
  barChartSvg,
  buildMobileNetV2,
  inferShapes,
  isEdgelatError,
  predictLatency,
  renderLatencyReport,
  renderScatterReport,
  scatterSummary,
  scatterSvg,
  shareBarSvg,
} from "../src/index.js";

/** The inner markup of every `<svg … data-chart="name" …>` chart, in document order, with its attributes. */
export function charts(html: string, name: string): { attrs: string; body: string }[] {
  const re = /<svg([^>]*)>([\s\S]*?)<\/svg>/g;
  const out: { attrs: string; body: string }[] = [];
  for (const m of html.matchAll(re)) if (m[1]!.includes(`data-chart="${name}"`)) out.push({ attrs: m[1]!, body: m[2]! });
  return out;
}
const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
const rects = (s: string) => count(s, /<rect class="mark"/g);
const circles = (s: string) => count(s, /<circle class="mark/g);

function expectError(f: () => unknown, code: string): void {
  try {
    f();
  } catch (e) {
    expect(isEdgelatError(e) ? e.code : String(e)).toBe(code);
    return;
  }
  throw new Error(`expected an EdgelatError '${code}'`);
}

describe("SVG charts", () => {
  it("bar chart: one rect per bar, widths proportional to values, escaped labels", () => {
    const svg = barChartSvg(
      [
        { label: "a<b", value: 2 },
        { label: "c", value: 4, interval: [3, 5] },
        { label: "d", value: 0 },
      ],
      { id: "t", width: 400, labelWidth: 100, unit: "ms" },
    );
    expect(rects(svg)).toBe(3);
    expect(svg).toContain("a&lt;b");
    expect(svg).not.toContain("a<b");
    const widths = [...svg.matchAll(/<rect class="mark"[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths[1]! / widths[0]!).toBeCloseTo(2, 1);
    expect(count(svg, /class="whisker"/g)).toBe(1);
    expect(svg).toMatch(/^<svg [^>]*data-chart="t"/);
    expectError(() => barChartSvg([{ label: "x", value: -1 }]), "invalid_argument");
    expectError(() => barChartSvg([{ label: "x", value: Number.NaN }]), "invalid_argument");
  });

  it("share bar: one rect per share, widths add up to the chart width", () => {
    const svg = shareBarSvg([{ label: "conv", value: 3 }, { label: "dw", value: 1 }, { label: "none", value: 0 }], { width: 400 });
    expect(rects(svg)).toBe(3);
    const widths = [...svg.matchAll(/<rect class="mark"[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toEqual([300, 100, 0]);
    expect(svg).toContain("conv 75.0%");
  });

  it("scatter: one circle per point, band share, points outside the band flagged, log axes for wide ranges", () => {
    const pts = [
      { measuredMs: 1, predictedMs: 1.05 },
      { measuredMs: 10, predictedMs: 9.5 },
      { measuredMs: 100, predictedMs: 130, label: "big<1>" },
      { measuredMs: 50, predictedMs: 50 },
    ];
    const svg = scatterSvg(pts, { id: "scatter" });
    expect(circles(svg)).toBe(4);
    expect(count(svg, /<circle class="mark out"/g)).toBe(1);
    expect(svg).toContain("75.0% within ±10%");
    expect(svg).toContain("measured (ms, log)");
    expect(svg).toContain("big&lt;1&gt;");
    expect(count(svg, /<path class="band"/g)).toBe(1);
    // A non-positive value cannot sit on a log axis: it is left out and counted.
    const s2 = scatterSummary([...pts, { measuredMs: 0, predictedMs: 1 }, { measuredMs: Number.NaN, predictedMs: 1 }]);
    expect(s2).toMatchObject({ shown: 4, skipped: 2, withinBand: 0.75, log: true });
    // Narrow range → linear axes; with a ±20% band the 5%-off point is inside, the 30%-off one outside.
    const lin = scatterSvg([{ measuredMs: 2, predictedMs: 2.1 }, { measuredMs: 3, predictedMs: 3.9 }], { band: 0.2 });
    expect(lin).toContain("measured (ms)");
    expect(lin).toContain("50.0% within ±20%");
    expectError(() => scatterSvg(pts, { band: 1.5 }), "invalid_argument");
  });
});

describe("renderLatencyReport", () => {
  const inferred = inferShapes(buildMobileNetV2());
  const devices = ["pixel4-gpu", "s10-cpu-1large-fp32"];
  const estimates = devices.map((d) => predictLatency(inferred, d));

  it("has a devices chart, and per device a shares chart and a per-kernel chart with one mark per kernel", () => {
    const html = renderLatencyReport({ model: { name: "MobileNetV2 <built>", nodes: inferred.graph.nodes.length }, estimates, generator: "test" });
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain("MobileNetV2 &lt;built&gt;");
    // Self-contained: no scripts, no external resources.
    expect(html).not.toMatch(/<script|<link|src=|href="http/);
    const dev = charts(html, "devices");
    expect(dev).toHaveLength(1);
    expect(rects(dev[0]!.body)).toBe(2);
    const breakdown = charts(html, "breakdown");
    expect(breakdown.map((c) => c.attrs.match(/data-device="([^"]+)"/)![1])).toEqual(devices);
    breakdown.forEach((c, i) => expect(rects(c.body)).toBe(estimates[i]!.kernels.length));
    const shares = charts(html, "shares");
    shares.forEach((c, i) => expect(rects(c.body)).toBe(new Set(estimates[i]!.kernels.map((k) => k.type)).size));
    // The GPU and CPU backends fuse differently: the comparison table marks the missing kernel types.
    expect(html).toContain("Device vs device");
    expect(estimates[0]!.kernels.length).not.toBe(estimates[1]!.kernels.length);
    // The printed total matches the estimate.
    expect(html).toContain(`>${estimates[0]!.latencyMs.toFixed(2)}<`);
  });

  it("is deterministic and rejects empty or duplicate device lists", () => {
    const a = renderLatencyReport({ model: { name: "m" }, estimates: estimates.slice(0, 1) });
    expect(renderLatencyReport({ model: { name: "m" }, estimates: estimates.slice(0, 1) })).toBe(a);
    expect(a).not.toContain("Device vs device");
    expectError(() => renderLatencyReport({ model: { name: "m" }, estimates: [] }), "invalid_argument");
    expectError(() => renderLatencyReport({ model: { name: "m" }, estimates: [estimates[0]!, estimates[0]!] }), "invalid_argument");
  });
});

describe("renderScatterReport", () => {
  it("one scatter per panel, one circle per point, a summary row with the band share and MAPE", () => {
    const a = [{ measuredMs: 10, predictedMs: 10.5 }, { measuredMs: 20, predictedMs: 26 }];
    const b = [{ measuredMs: 1, predictedMs: 1 }, { measuredMs: 2, predictedMs: 2.1 }, { measuredMs: 3, predictedMs: 3 }];
    const html = renderScatterReport("Validation", [{ title: "pixel4-gpu", points: a, note: "LOFO" }, { title: "s10-gpu", points: b }]);
    const sc = charts(html, "scatter");
    expect(sc.map((c) => circles(c.body))).toEqual([2, 3]);
    expect(sc[0]!.attrs).toContain('data-panel="pixel4-gpu"');
    // Panel a: 1 of 2 within ±10%, MAPE (5% + 30%) / 2 = 17.5%.
    expect(html).toMatch(/<td>pixel4-gpu<\/td><td class="num">2<\/td><td class="num">50<\/td><td class="num">17.5<\/td>/);
    expect(html).toMatch(/<td>s10-gpu<\/td><td class="num">3<\/td><td class="num">100<\/td><td class="num">1.67<\/td>/);
    expectError(() => renderScatterReport("x", []), "invalid_argument");
  });
});

describe("edgelat report", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const run = async (args: string[]) => {
    const out: string[] = [], err: string[] = [];
    const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  it("writes a self-contained report for two devices; --json summarizes it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "edgelat-report-"));
    dirs.push(dir);
    const file = join(dir, "r.html");
    const r = await run(["report", "examples/models/mobilenetv2-1.0.onnx", "--device", "pixel4-gpu", "--device", "iphonexs-gpu", "--out", file, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { devices: { device: string; kernels: number; latencyMs: number }[]; bytes: number };
    expect(j.devices.map((d) => d.device)).toEqual(["pixel4-gpu", "iphonexs-gpu"]);
    const html = await readFile(file, "utf8");
    expect(Buffer.byteLength(html)).toBe(j.bytes);
    const breakdown = charts(html, "breakdown");
    expect(breakdown.map((c) => rects(c.body))).toEqual(j.devices.map((d) => d.kernels));
    expect(html).toContain("mobilenetv2-1.0.onnx");
  });

  it("fails with a code on bad input", async () => {
    const bad = await run(["report", "examples/models/mobilenetv2-1.0.onnx", "--device", "pixel9-gpu", "--out", "/tmp/x.html"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("[unknown_device]");
    const noDevice = await run(["report", "examples/models/mobilenetv2-1.0.onnx"]);
    expect(noDevice.err).toContain("[invalid_argument]");
    const notHtml = await run(["report", "examples/models/mobilenetv2-1.0.onnx", "--device", "pixel4-gpu", "--out", "r.txt"]);
    expect(notHtml.err).toContain("[invalid_argument]");
    const missing = await run(["report", "nope.onnx", "--device", "pixel4-gpu", "--out", "/tmp/x.html"]);
    expect(missing.err).toContain("[io_error]");
  });
});
