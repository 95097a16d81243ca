// Public API of edgelat: everything of `edgelat/core` (src/core.ts, where exports are listed), plus the built-in device
// catalog and a `predictLatency` that also accepts a built-in device id ("pixel4-gpu").
export * from "./core.js";
export { predictLatency } from "./predict.js";
export { getDevice, listDevices, suggestDevices, type DeviceSummary } from "./devices/catalog.js";
