/** Every rule set edgelat ships, assembled in one place. Ids are `<runtime>@<version>[/<level>]`. */
import { EdgelatError } from "../../errors.js";
import type { RuleSet } from "../pattern.js";
import { openvinoVpu } from "./openvino.js";
import { ortCpuAll, ortCpuBasic, ortCpuExtended } from "./ort.js";
import { ortWebWasm130 } from "./ort-web.js";
import { pytorchMobile20 } from "./pytorch.js";
import { tfjsWasm422 } from "./tfjs.js";
import { tfliteCpu210, tfliteGpu210 } from "./tflite.js";

export const ruleSets: readonly RuleSet[] = [
  ortCpuBasic,
  ortCpuExtended,
  ortCpuAll,
  ortWebWasm130,
  tfjsWasm422,
  tfliteCpu210,
  tfliteGpu210,
  pytorchMobile20,
  openvinoVpu,
];

const byId: ReadonlyMap<string, RuleSet> = new Map(ruleSets.map((r) => [r.id, r]));

export const backendIds = (): string[] => ruleSets.map((r) => r.id);

/** The rule set with this id; unknown id → `EdgelatError("unknown_backend")` listing the valid ids. */
export function getRuleSet(id: string): RuleSet {
  const set = byId.get(id);
  if (set === undefined) {
    throw new EdgelatError("unknown_backend", `Unknown fusion backend '${id}' (valid: ${backendIds().join(", ")})`, {
      backend: id,
      valid: backendIds(),
    });
  }
  return set;
}
