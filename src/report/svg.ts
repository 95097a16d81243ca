/**
 * SVG charts as pure functions (data → string), with no dependency on a DOM: they render the same in Node, in a
 * browser and in a static HTML file. Every data mark is one element with class `mark` (`<rect>` for bars, `<circle>`
 * for points), so a chart's mark count equals its number of data items; axes, grid and bands use `<line>`/`<path>`.
 */
import { EdgelatError } from "../errors.js";
import { withinShare } from "../metrics/index.js";

/** Escapes text for XML/HTML element content and double-quoted attributes. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;"));
}

/** A number in a short, human form (3 significant digits, no exponent for usual latencies). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a === 0) return "0";
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1).replace(/\.0$/, "");
  if (a >= 1) return x.toFixed(2).replace(/\.?0+$/, "");
  if (a >= 0.001) return x.toPrecision(3).replace(/\.?0+$/, "");
  return x.toExponential(2);
}

const r1 = (x: number): string => (Math.round(x * 10) / 10).toString();

/** Colours by kernel class (stable across charts), then a cycle for anything else. */
const CLASS_COLORS: Record<string, string> = {
  conv: "#3465a4", gconv: "#729fcf", dwconv: "#4e9a06", convtranspose: "#204a87", fc: "#c4a000", matmul: "#ce5c00",
  pool: "#75507b", "global-pool": "#ad7fa8", concat: "#8f5902", elementwise: "#cc0000", norm: "#ef2929",
  softmax: "#f57900", reduce: "#5c3566", resize: "#e9b96e", pad: "#888a85", "data-movement": "#555753",
  "layout-reorder": "#babdb6", other: "#2e3436",
};
const CYCLE = ["#3465a4", "#4e9a06", "#cc0000", "#c4a000", "#75507b", "#ce5c00", "#06989a", "#8f5902", "#5c3566", "#555753"];

/** A stable colour for a key: the kernel-class colour when the key is a class, else one from a cycle by index. */
export function colorFor(key: string, index: number): string {
  return CLASS_COLORS[key] ?? CYCLE[index % CYCLE.length]!;
}

export interface Bar {
  label: string;
  value: number;
  color?: string;
  /** Tooltip (an SVG `<title>`). */
  title?: string;
  /** An interval drawn as a whisker over the bar, same unit as `value`. */
  interval?: readonly [number, number];
}

export interface BarChartOptions {
  /** Machine-readable chart name, written as `data-chart`. */
  id?: string;
  title?: string;
  unit?: string;
  width?: number;
  barHeight?: number;
  labelWidth?: number;
  /** Extra `data-*` attributes on the `<svg>`. */
  data?: Record<string, string>;
}

function svgOpen(width: number, height: number, id: string | undefined, title: string | undefined, data: Record<string, string> = {}): string {
  const attrs = Object.entries({ ...(id === undefined ? {} : { chart: id }), ...data })
    .map(([k, v]) => ` data-${k}="${escapeXml(v)}"`)
    .join("");
  const label = title === undefined ? "" : ` role="img" aria-label="${escapeXml(title)}"`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"${attrs}${label}>`;
}

function checkValues(values: readonly number[], what: string): void {
  for (const v of values) {
    if (!Number.isFinite(v) || v < 0) throw new EdgelatError("invalid_argument", `${what}: values must be finite and non-negative, got ${v}`);
  }
}

/** "Nice" axis step (1, 2 or 5 × 10^k) giving about `target` ticks over [0, max]. */
function niceStep(max: number, target: number): number {
  const raw = max / Math.max(1, target);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** A horizontal bar chart: one `<rect class="mark">` per bar, in the given order, with a linear axis from 0. */
export function barChartSvg(bars: readonly Bar[], opts: BarChartOptions = {}): string {
  checkValues(bars.map((b) => b.value), "barChartSvg");
  const width = opts.width ?? 720;
  const barH = opts.barHeight ?? 14;
  const labelW = opts.labelWidth ?? 200;
  const valueW = 70;
  const top = opts.title === undefined ? 8 : 26;
  const axisH = 24;
  const gap = Math.max(2, Math.round(barH * 0.25));
  const height = top + bars.length * (barH + gap) + axisH;
  const plotW = width - labelW - valueW - 10;
  const maxV = Math.max(0, ...bars.map((b) => Math.max(b.value, b.interval?.[1] ?? 0)));
  const step = maxV > 0 ? niceStep(maxV, 5) : 1;
  const axisMax = maxV > 0 ? Math.ceil(maxV / step) * step : 1;
  const x = (v: number) => labelW + (plotW * v) / axisMax;
  const out: string[] = [svgOpen(width, height, opts.id, opts.title, opts.data)];
  if (opts.title !== undefined) out.push(`<text class="title" x="${labelW}" y="16">${escapeXml(opts.title)}</text>`);
  const plotBottom = top + bars.length * (barH + gap);
  for (let t = 0; t <= axisMax + step / 2; t += step) {
    const xt = r1(x(t));
    out.push(`<line class="grid" x1="${xt}" y1="${top - 2}" x2="${xt}" y2="${plotBottom}"/>`);
    out.push(`<text class="tick" x="${xt}" y="${plotBottom + 14}" text-anchor="middle">${fmt(t)}</text>`);
  }
  if (opts.unit !== undefined) out.push(`<text class="unit" x="${width - 4}" y="${plotBottom + 14}" text-anchor="end">${escapeXml(opts.unit)}</text>`);
  bars.forEach((b, i) => {
    const y = top + i * (barH + gap);
    const color = b.color ?? colorFor("", i);
    const tip = b.title ?? `${b.label}: ${fmt(b.value)}${opts.unit === undefined ? "" : ` ${opts.unit}`}`;
    out.push(`<text class="label" x="${labelW - 6}" y="${r1(y + barH * 0.78)}" text-anchor="end">${escapeXml(b.label)}</text>`);
    out.push(
      `<rect class="mark" x="${labelW}" y="${y}" width="${r1(Math.max(0.5, x(b.value) - labelW))}" height="${barH}" fill="${color}"><title>${escapeXml(tip)}</title></rect>`,
    );
    if (b.interval !== undefined) {
      const [lo, hi] = b.interval;
      const ym = r1(y + barH / 2);
      out.push(`<path class="whisker" d="M${r1(x(lo))} ${ym}H${r1(x(hi))}M${r1(x(lo))} ${y + 2}V${y + barH - 2}M${r1(x(hi))} ${y + 2}V${y + barH - 2}"/>`);
    }
    out.push(`<text class="value" x="${r1(Math.max(x(b.value), b.interval === undefined ? 0 : x(b.interval[1])) + 4)}" y="${r1(y + barH * 0.78)}">${fmt(b.value)}</text>`);
  });
  out.push("</svg>");
  return out.join("");
}

export interface Share {
  label: string;
  value: number;
  color?: string;
}

/**
 * A 100% stacked bar with a legend: one `<rect class="mark">` per share (shares with value 0 included, with zero
 * width), legend swatches are `<path>`s so they do not count as marks.
 */
export function shareBarSvg(shares: readonly Share[], opts: { id?: string; title?: string; width?: number; unit?: string; data?: Record<string, string> } = {}): string {
  checkValues(shares.map((s) => s.value), "shareBarSvg");
  const width = opts.width ?? 720;
  const top = opts.title === undefined ? 6 : 24;
  const barH = 26;
  const legendRow = 18;
  const cols = Math.max(1, Math.floor(width / 240));
  const legendRows = Math.ceil(shares.length / cols);
  const height = top + barH + 10 + legendRows * legendRow + 4;
  const total = shares.reduce((s, x) => s + x.value, 0);
  const out: string[] = [svgOpen(width, height, opts.id, opts.title, opts.data)];
  if (opts.title !== undefined) out.push(`<text class="title" x="0" y="15">${escapeXml(opts.title)}</text>`);
  let x = 0;
  shares.forEach((s, i) => {
    const w = total > 0 ? (width * s.value) / total : 0;
    const pct = total > 0 ? (100 * s.value) / total : 0;
    const color = s.color ?? colorFor(s.label, i);
    out.push(
      `<rect class="mark" x="${r1(x)}" y="${top}" width="${r1(w)}" height="${barH}" fill="${color}"><title>${escapeXml(`${s.label}: ${fmt(s.value)}${opts.unit === undefined ? "" : ` ${opts.unit}`} (${pct.toFixed(1)}%)`)}</title></rect>`,
    );
    x += w;
    const lx = (i % cols) * (width / cols);
    const ly = top + barH + 10 + Math.floor(i / cols) * legendRow;
    out.push(`<path class="swatch" d="M${r1(lx)} ${ly}h11v11h-11z" fill="${color}"/>`);
    out.push(`<text class="legend" x="${r1(lx + 16)}" y="${ly + 10}">${escapeXml(s.label)} ${pct.toFixed(1)}%</text>`);
  });
  out.push("</svg>");
  return out.join("");
}

export interface ScatterPoint {
  measuredMs: number;
  predictedMs: number;
  /** Tooltip label (model or architecture name). */
  label?: string;
}

export interface ScatterOptions {
  id?: string;
  title?: string;
  /** Relative band drawn around y = x (default 0.1 for ±10%). */
  band?: number;
  /** Side of the square plot in px (default 420). */
  size?: number;
  /** Log axes (default: when the values span more than a factor of 20). */
  log?: boolean;
  data?: Record<string, string>;
}

export interface ScatterSummary {
  /** Points drawn (one `<circle class="mark">` each). */
  shown: number;
  /** Points left out (non-finite, or non-positive on log axes). */
  skipped: number;
  /** Share of drawn points inside the band. */
  withinBand: number;
}

/** Summary numbers for `scatterSvg` (exported so callers can print the same figures the chart shows). */
export function scatterSummary(points: readonly ScatterPoint[], opts: ScatterOptions = {}): ScatterSummary & { log: boolean } {
  const band = opts.band ?? 0.1;
  const finite = points.filter((p) => Number.isFinite(p.measuredMs) && Number.isFinite(p.predictedMs));
  const positive = finite.filter((p) => p.measuredMs > 0 && p.predictedMs > 0);
  const vals = positive.flatMap((p) => [p.measuredMs, p.predictedMs]);
  const log = opts.log ?? (vals.length > 0 && Math.max(...vals) / Math.min(...vals) > 20);
  const shown = log ? positive : finite;
  const withinBand = shown.length === 0 ? 0 : withinShare(shown.map((p) => p.predictedMs), shown.map((p) => p.measuredMs), band);
  return { shown: shown.length, skipped: points.length - shown.length, withinBand, log };
}

/**
 * Predicted vs measured latency: one `<circle class="mark">` per point, the identity line and the ±band region
 * (`<path class="band">`), with a caption giving n and the share within the band. Linear or log axes.
 */
export function scatterSvg(points: readonly ScatterPoint[], opts: ScatterOptions = {}): string {
  const band = opts.band ?? 0.1;
  if (!(band >= 0 && band < 1)) throw new EdgelatError("invalid_argument", `scatterSvg: band must be in [0, 1), got ${band}`);
  const size = opts.size ?? 420;
  const sum = scatterSummary(points, opts);
  const shown = points.filter((p) => Number.isFinite(p.measuredMs) && Number.isFinite(p.predictedMs) && (!sum.log || (p.measuredMs > 0 && p.predictedMs > 0)));
  const margin = { left: 56, right: 12, top: opts.title === undefined ? 10 : 28, bottom: 62 };
  const width = margin.left + size + margin.right;
  const height = margin.top + size + margin.bottom;
  const vals = shown.flatMap((p) => [p.measuredMs, p.predictedMs]);
  let lo = vals.length > 0 ? Math.min(...vals) : 0;
  let hi = vals.length > 0 ? Math.max(...vals) : 1;
  const ticks: number[] = [];
  let tf: (v: number) => number;
  if (sum.log) {
    lo = 10 ** Math.floor(Math.log10(lo * (1 - band)));
    hi = 10 ** Math.ceil(Math.log10(hi * (1 + band)));
    if (hi <= lo) hi = lo * 10;
    tf = (v) => (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
    for (let d = lo; d <= hi * 1.0001; d *= 10) for (const m of [1, 2, 5]) if (d * m <= hi * 1.0001) ticks.push(d * m);
  } else {
    lo = Math.min(0, lo);
    hi = hi <= lo ? lo + 1 : hi * (1 + band);
    const step = niceStep(hi - lo, 5);
    hi = Math.ceil(hi / step) * step;
    tf = (v) => (v - lo) / (hi - lo);
    for (let t = lo; t <= hi + step / 2; t += step) ticks.push(t);
  }
  const X = (v: number) => margin.left + size * tf(v);
  const Y = (v: number) => margin.top + size * (1 - tf(v));
  const out: string[] = [svgOpen(width, height, opts.id, opts.title, opts.data)];
  if (opts.title !== undefined) out.push(`<text class="title" x="${margin.left}" y="18">${escapeXml(opts.title)}</text>`);
  for (const t of ticks) {
    out.push(`<line class="grid" x1="${r1(X(t))}" y1="${margin.top}" x2="${r1(X(t))}" y2="${margin.top + size}"/>`);
    out.push(`<line class="grid" x1="${margin.left}" y1="${r1(Y(t))}" x2="${margin.left + size}" y2="${r1(Y(t))}"/>`);
    out.push(`<text class="tick" x="${r1(X(t))}" y="${margin.top + size + 14}" text-anchor="middle">${fmt(t)}</text>`);
    out.push(`<text class="tick" x="${margin.left - 4}" y="${r1(Y(t) + 4)}" text-anchor="end">${fmt(t)}</text>`);
  }
  // The band between y = x(1−b) and y = x(1+b), sampled along x (straight on both linear and log axes).
  // Polygon: along the upper line from the bottom-left corner to the top edge, the top-right corner, back along the
  // lower line to the bottom edge, and the corner on the identity line.
  const lo2 = sum.log ? lo : Math.max(lo, 0);
  const pts: [number, number][] = [
    [lo2, lo2 * (1 + band)], [hi / (1 + band), hi], [hi, hi], [hi, hi * (1 - band)],
    [sum.log ? lo / (1 - band) : lo2, sum.log ? lo : lo2 * (1 - band)], [lo2, lo2],
  ];
  const bandPath = `${pts.map(([a, b], i) => `${i === 0 ? "M" : "L"}${r1(X(a))} ${r1(Y(b))}`).join("")}Z`;
  out.push(`<path class="band" d="${bandPath}"><title>±${Math.round(band * 100)}% band</title></path>`);
  out.push(`<path class="identity" d="M${r1(X(lo2))} ${r1(Y(lo2))}L${r1(X(hi))} ${r1(Y(hi))}"/>`);
  out.push(`<path class="frame" d="M${margin.left} ${margin.top}h${size}v${size}h-${size}z"/>`);
  for (const p of shown) {
    const inside = Math.abs(p.predictedMs - p.measuredMs) <= band * Math.abs(p.measuredMs);
    const tip = `${p.label === undefined ? "" : `${p.label}: `}measured ${fmt(p.measuredMs)} ms, predicted ${fmt(p.predictedMs)} ms`;
    out.push(`<circle class="mark ${inside ? "in" : "out"}" cx="${r1(X(p.measuredMs))}" cy="${r1(Y(p.predictedMs))}" r="3.5"><title>${escapeXml(tip)}</title></circle>`);
  }
  const axisY = margin.top + size + 32;
  out.push(`<text class="axis" x="${margin.left + size / 2}" y="${axisY}" text-anchor="middle">measured (ms${sum.log ? ", log" : ""})</text>`);
  out.push(`<text class="axis" x="14" y="${margin.top + size / 2}" text-anchor="middle" transform="rotate(-90 14 ${margin.top + size / 2})">predicted (ms)</text>`);
  const caption = `n = ${sum.shown}${sum.skipped > 0 ? ` (${sum.skipped} not drawn)` : ""}, ${(100 * sum.withinBand).toFixed(1)}% within ±${Math.round(band * 100)}%`;
  out.push(`<text class="caption" x="${margin.left}" y="${axisY + 20}">${escapeXml(caption)}</text>`);
  out.push("</svg>");
  return out.join("");
}
