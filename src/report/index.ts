// Report rendering: pure functions from data to SVG/HTML strings (no DOM, no files).
export { barChartSvg, shareBarSvg, scatterSvg, scatterSummary, escapeXml, colorFor, type Bar, type BarChartOptions, type Share, type ScatterPoint, type ScatterOptions, type ScatterSummary } from "./svg.js";
export {
  renderLatencyReport, renderScatterReport, htmlPage, htmlTable, kernelTypeShares, type LatencyReportInput, type ReportModelInfo, type ScatterPanel,
} from "./html.js";
