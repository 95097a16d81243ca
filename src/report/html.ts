/**
 * Self-contained HTML reports (inline CSS and SVG, no scripts, no external resources), as pure functions of data:
 * the same input gives the same bytes, so a report can be diffed and tested.
 */
import type { LatencyEstimate } from "../devices/estimate.js";
import { EdgelatError } from "../errors.js";
import { mape } from "../metrics/index.js";
import { barChartSvg, colorFor, escapeXml, fmt, scatterSummary, scatterSvg, shareBarSvg, type ScatterPoint, type Share } from "./svg.js";

/** Chart width in px (the page is 980 px wide with 16 px padding). */
const W = 940;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:24px auto;max-width:980px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.meta{color:#666;margin:0 0 12px}.note{color:#666;font-size:12px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
svg.chart{display:block;margin:6px 0 10px;font-size:11px;max-width:100%;height:auto}
svg .title{font-size:13px;font-weight:600}svg .grid{stroke:#e6e6e6}svg .tick,svg .unit,svg .caption{fill:#666}
svg .label{fill:#333}svg .value{fill:#444}svg .whisker{stroke:#222;stroke-width:1.2;fill:none}
svg .band{fill:#4e9a06;fill-opacity:.13;stroke:none}svg .identity{stroke:#4e9a06;stroke-width:1;fill:none}
svg .frame{fill:none;stroke:#999}svg circle.mark{fill:#3465a4;fill-opacity:.75}svg circle.mark.out{fill:#cc0000}
svg .legend{fill:#333}ul.warnings li{color:#8f5902}details{margin:6px 0}
`;

/** Wraps body HTML into a complete, self-contained page (for `eval`/`validate` reports too). */
export function htmlPage(title: string, bodyHtml: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeXml(title)}</title><style>${CSS.trim()}</style></head>\n<body>\n${bodyHtml}\n</body></html>\n`;
}

/** A table from rows of cells; numbers (and "–" for a missing number) are right-aligned, numbers formatted. */
export function htmlTable(header: readonly string[], rows: readonly (readonly (string | number)[])[], cls = ""): string {
  const th = header.map((h, i) => `<th${typeof rows[0]?.[i] === "number" ? ' class="num"' : ""}>${escapeXml(h)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${r.map((c) => (typeof c === "number" ? `<td class="num">${fmt(c)}</td>` : c === "–" ? `<td class="num">–</td>` : `<td>${escapeXml(c)}</td>`)).join("")}</tr>`)
    .join("\n");
  return `<table${cls === "" ? "" : ` class="${cls}"`}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export interface ReportModelInfo {
  name: string;
  nodes?: number;
  flops?: number;
  params?: number;
}

export interface LatencyReportInput {
  model: ReportModelInfo;
  /** One estimate per device, in display order (the first is the reference for ratios). */
  estimates: readonly LatencyEstimate[];
  /** Human names for device ids. */
  deviceNames?: Readonly<Record<string, string>>;
  title?: string;
  /** Footer text, e.g. "edgelat 0.1.0". No timestamp is added, so reports are reproducible. */
  generator?: string;
}

/** Latency per kernel type, in order of first appearance, with the class of its first kernel. */
export function kernelTypeShares(est: LatencyEstimate): { type: string; class: string; kernels: number; latencyMs: number }[] {
  const by = new Map<string, { type: string; class: string; kernels: number; latencyMs: number }>();
  for (const k of est.kernels) {
    const e = by.get(k.type) ?? { type: k.type, class: k.class, kernels: 0, latencyMs: 0 };
    e.kernels += 1;
    e.latencyMs += k.latencyMs;
    by.set(k.type, e);
  }
  return [...by.values()];
}

const anchorId = (device: string): string => `device-${device.replace(/[^A-Za-z0-9_-]/g, "_")}`;

function sci(x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  return String(x);
}

/**
 * The latency report of one model on one or more devices: a summary table and a device-vs-device chart (total latency
 * with its 90% interval; kernel-type latencies side by side when there are several devices), then per device the
 * kernel-type shares (stacked bar) and the per-kernel breakdown (one bar per kernel, in execution order).
 *
 * Chart marks (`.mark` elements): `devices` chart = one per device; per device, `shares` = one per kernel type,
 * `breakdown` = one per kernel.
 */
export function renderLatencyReport(input: LatencyReportInput): string {
  const { model, estimates } = input;
  if (estimates.length === 0) throw new EdgelatError("invalid_argument", "renderLatencyReport needs at least one estimate");
  const ids = estimates.map((e) => e.device);
  const dup = ids.find((d, i) => ids.indexOf(d) !== i);
  if (dup !== undefined) throw new EdgelatError("invalid_argument", `device '${dup}' appears twice in the report`);
  const name = (id: string) => input.deviceNames?.[id] ?? id;
  const title = input.title ?? `Latency report: ${model.name}`;
  const parts: string[] = [];
  parts.push(`<h1>${escapeXml(title)}</h1>`);
  const facts = [
    model.nodes === undefined ? undefined : `${model.nodes} nodes`,
    model.flops === undefined ? undefined : `${sci(model.flops)}FLOPs (2 × MACs)`,
    model.params === undefined ? undefined : `${sci(model.params)} parameters`,
  ].filter((x): x is string => x !== undefined);
  parts.push(`<p class="meta">${escapeXml(model.name)}${facts.length > 0 ? ` · ${escapeXml(facts.join(" · "))}` : ""} · ${estimates.length} device${estimates.length > 1 ? "s" : ""}</p>`);

  // Summary
  const ref = estimates[0]!;
  parts.push("<h2>Summary</h2>");
  const multi = estimates.length > 1;
  parts.push(
    htmlTable(
      ["device", "name", "backend", "latency (ms)", "90% low", "90% high", ...(multi ? [`× ${ref.device}`] : []), "kernels", "warnings"],
      estimates.map((e) => [
        e.device, name(e.device), e.backend, e.latencyMs, e.interval[0], e.interval[1], ...(multi ? [e.latencyMs / ref.latencyMs] : []), e.kernels.length, e.warnings.length,
      ]),
      "summary",
    ),
  );
  parts.push(
    barChartSvg(
      estimates.map((e, i) => ({ label: e.device, value: e.latencyMs, interval: e.interval, color: colorFor("", i), title: `${name(e.device)}: ${fmt(e.latencyMs)} ms (90% ${fmt(e.interval[0])}–${fmt(e.interval[1])} ms)` })),
      { id: "devices", title: "End-to-end latency by device (bars: prediction, whiskers: 90% interval)", unit: "ms", barHeight: 18, labelWidth: 200, width: W },
    ),
  );

  if (estimates.length > 1) {
    parts.push("<h2>Device vs device</h2>");
    const types = new Map<string, number[]>();
    estimates.forEach((e, d) => {
      for (const s of kernelTypeShares(e)) {
        const row = types.get(s.type) ?? new Array<number>(estimates.length).fill(Number.NaN);
        row[d] = s.latencyMs;
        types.set(s.type, row);
      }
    });
    const key = (v: number[]) => (Number.isNaN(v[0]!) ? -1 : v[0]!);
    const rows = [...types.entries()].sort((a, b) => key(b[1]) - key(a[1]) || (a[0] < b[0] ? -1 : 1));
    parts.push(`<p class="note">Sum of kernel predictions per kernel type, ms (before the device's per-inference overhead). “–”: the device's backend fuses differently and has no kernel of that type.</p>`);
    parts.push(htmlTable(["kernel type", ...estimates.map((e) => e.device)], rows.map(([t, v]) => [t, ...v.map((x) => (Number.isNaN(x) ? "–" : x))]), "compare"));
  }

  for (const e of estimates) {
    const shares = kernelTypeShares(e);
    const sumMs = e.kernels.reduce((s, k) => s + k.latencyMs, 0);
    parts.push(`<h2 id="${anchorId(e.device)}">${escapeXml(e.device)}</h2>`);
    parts.push(
      `<p class="meta">${escapeXml(name(e.device))} · ${escapeXml(e.backend)} · ${fmt(e.latencyMs)} ms end to end · Σ kernels ${fmt(sumMs)} ms · ${e.kernels.length} kernels</p>`,
    );
    // One colour per kernel type (shared by the shares bar and the per-kernel bars).
    const typeColor = new Map(shares.map((s, i) => [s.type, colorFor("", i)] as const));
    const shareItems: Share[] = shares.map((s) => ({ label: s.type, value: s.latencyMs, color: typeColor.get(s.type)! }));
    parts.push(shareBarSvg(shareItems, { id: "shares", title: "Share of kernel latency by kernel type", unit: "ms", width: W, data: { device: e.device } }));
    parts.push(
      htmlTable(
        ["kernel type", "class", "kernels", "latency (ms)", "share (%)"],
        [...shares].sort((a, b) => b.latencyMs - a.latencyMs).map((s) => [s.type, s.class, s.kernels, s.latencyMs, sumMs > 0 ? (100 * s.latencyMs) / sumMs : 0]),
        "shares",
      ),
    );
    parts.push(
      barChartSvg(
        e.kernels.map((k) => ({
          label: `${k.id} ${k.type}`,
          value: k.latencyMs,
          color: typeColor.get(k.type)!,
          title: `${k.id} ${k.type} [${k.nodes.join(", ")}]: ${fmt(k.latencyMs)} ± ${fmt(k.stdMs)} ms (${k.predictor})${k.warning === undefined ? "" : ` — ${k.warning}`}`,
        })),
        { id: "breakdown", title: "Per-kernel latency, in execution order", unit: "ms", barHeight: 10, labelWidth: 240, width: W, data: { device: e.device } },
      ),
    );
    if (e.warnings.length > 0) {
      parts.push(`<details><summary>${e.warnings.length} warning${e.warnings.length > 1 ? "s" : ""}</summary><ul class="warnings">${e.warnings.map((w) => `<li>${escapeXml(w)}</li>`).join("")}</ul></details>`);
    }
  }
  parts.push(`<p class="note">Predictions, not measurements: each device's 90% interval comes from its validated relative error.${input.generator === undefined ? "" : ` Generated by ${escapeXml(input.generator)}.`}</p>`);
  return htmlPage(title, parts.join("\n"));
}

export interface ScatterPanel {
  /** Panel heading, e.g. a device id. */
  title: string;
  points: readonly ScatterPoint[];
  /** A line of text under the heading (provenance, split, …). */
  note?: string;
}

/**
 * Predicted-vs-measured report (for `eval` / `validate` results): per panel a scatter plot with the ±band region and
 * a row in a summary table (points, share within the band, MAPE). Marks: one `<circle class="mark">` per drawn point,
 * in `<svg data-chart="scatter" data-panel="title">`.
 */
export function renderScatterReport(title: string, panels: readonly ScatterPanel[], opts: { band?: number; intro?: string } = {}): string {
  if (panels.length === 0) throw new EdgelatError("invalid_argument", "renderScatterReport needs at least one panel");
  const band = opts.band ?? 0.1;
  const pct = `±${Math.round(band * 100)}%`;
  const parts: string[] = [`<h1>${escapeXml(title)}</h1>`];
  if (opts.intro !== undefined) parts.push(`<p class="meta">${escapeXml(opts.intro)}</p>`);
  const rows = panels.map((p) => {
    const s = scatterSummary(p.points, { band });
    const ok = p.points.filter((q) => Number.isFinite(q.measuredMs) && Number.isFinite(q.predictedMs) && q.measuredMs > 0);
    return [p.title, s.shown, 100 * s.withinBand, ok.length === 0 ? Number.NaN : 100 * mape(ok.map((q) => q.predictedMs), ok.map((q) => q.measuredMs))];
  });
  parts.push(htmlTable(["panel", "points", `within ${pct} (%)`, "MAPE (%)"], rows.map((r) => r.map((c) => (typeof c === "number" && Number.isNaN(c) ? "–" : c))), "summary"));
  for (const p of panels) {
    parts.push(`<h2>${escapeXml(p.title)}</h2>`);
    if (p.note !== undefined) parts.push(`<p class="note">${escapeXml(p.note)}</p>`);
    parts.push(scatterSvg(p.points, { id: "scatter", band, title: `predicted vs measured (${pct} band)`, data: { panel: p.title } }));
  }
  return htmlPage(title, parts.join("\n"));
}
