import type { OpSpec } from "../types.js";

/** Specs of TF.js graph-model ops (domain "tf", NHWC), also used by the nn-Meter IR parser. */
export const tfOpSpecs: readonly OpSpec[] = [];
