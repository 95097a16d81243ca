/**
 * `parseModel`: recognises the format from cheap signatures (`detectFormat`) and dispatches to the format's parser.
 * Inputs: ONNX bytes, TF.js model.json (text, bytes or parsed object) or nn-Meter IR JSON. TF.js weights (.bin) are
 * never needed; pass `weightData` only to let small shape constants fold.
 */
import { EdgelatError } from "../errors.js";
import type { Graph, Shape } from "../ir/types.js";
import { sniff } from "./detect.js";
import { parseNnMeterIR } from "./nnmeter/index.js";
import { parseOnnx } from "./onnx/index.js";
import { parseTfjs, type TfjsParseOptions } from "./tfjs/index.js";

export { detectFormat, looksLikeOnnx, type DetectedFormat } from "./detect.js";
export { parseNnMeterIR } from "./nnmeter/index.js";
export { parseOnnx, toOnnx, type ParseOnnxOptions, type ToOnnxOptions } from "./onnx/index.js";
export { parseTfjs, type TfjsParseOptions } from "./tfjs/index.js";

export interface ParseModelOptions {
  /** Fix symbolic or missing input dims: `{ input: [1, 3, 224, 224] }`. */
  inputShapes?: Record<string, Shape>;
  /** TF.js only: the weight shards, to fold small shape constants (see `TfjsParseOptions.weightData`). */
  weightData?: TfjsParseOptions["weightData"];
  /** TF.js only: the tensors to compute; the graph keeps what they need. */
  outputs?: readonly string[];
}

export function parseModel(input: Uint8Array | string | object, opts: ParseModelOptions = {}): Graph {
  const { format, value } = sniff(input);
  switch (format) {
    case "onnx":
      return parseOnnx(value as Uint8Array, opts.inputShapes ? { inputShapes: opts.inputShapes } : {});
    case "tfjs-graph":
    case "tfjs-layers": {
      const o: TfjsParseOptions = {};
      if (opts.inputShapes) o.inputShapes = opts.inputShapes;
      if (opts.weightData) o.weightData = opts.weightData;
      if (opts.outputs) o.outputs = opts.outputs;
      return parseTfjs(value, o);
    }
    case "nnmeter-ir":
      return parseNnMeterIR(value, opts.inputShapes ? { inputShapes: opts.inputShapes } : {});
    default: {
      const what = input instanceof Uint8Array ? `${input.byteLength} bytes` : typeof input === "string" ? `text of ${input.length} characters` : "an object";
      throw new EdgelatError("unknown_format", `Unrecognised model format (${what}): expected ONNX protobuf, TF.js model.json or nn-Meter IR JSON`);
    }
  }
}
