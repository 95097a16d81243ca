import type { Graph } from "../../ir/types.js";
import { invalid } from "./attrs.js";
import type { TfjsParseOptions } from "./graph-model.js";
export function parseTfjsLayersModel(_json: Record<string, unknown>, _opts: TfjsParseOptions = {}): Graph {
  return invalid("layers-model: not yet");
}
