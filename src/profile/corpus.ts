/**
 * Real ONNX models listed in a corpus manifest (`<dir>/manifest.json`, written by `npm run gather-models`): each
 * entry's file, format and the input shapes its users feed. Only ONNX entries are returned (the ORT runner's input).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EdgelatError } from "../errors.js";
import type { Shape } from "../ir/types.js";

export interface CorpusOnnxModel {
  name: string;
  path: string;
  inputShapes: Record<string, Shape>;
}

/** ONNX models of the manifest in `dir`; no manifest → []. */
export function corpusOnnxModels(dir: string): CorpusOnnxModel[] {
  const file = join(dir, "manifest.json");
  if (!existsSync(file)) return [];
  let raw: { models?: { name: string; format: string; file: string; inputShapes?: Record<string, Shape> }[] };
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new EdgelatError("invalid_json", `corpus manifest ${file}: ${(e as Error).message}`, { file });
  }
  return (raw.models ?? [])
    .filter((m) => m.format === "onnx" && existsSync(join(dir, m.file)))
    .map((m) => ({ name: m.name, path: join(dir, m.file), inputShapes: m.inputShapes ?? {} }));
}
