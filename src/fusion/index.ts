// Public surface of the fusion stage.
export { fuse } from "./fuse.js";
export { ruleSets, getRuleSet, backendIds } from "./backends/index.js";
export { withRulesDisabled, selectableRuleNames } from "./backends/select.js";
export type { FuseEngineOptions } from "./engine.js";
export * from "./pattern.js";
export type * from "./types.js";
