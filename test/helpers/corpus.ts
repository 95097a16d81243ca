import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Shape } from "../../src/ir/types.js";

/** One real model of the corpus gathered by `npm run gather-models` (see scripts/gather-models.mjs). */
export interface CorpusModel {
  name: string;
  format: "onnx" | "tfjs-graph";
  /** Absolute path of the .onnx file or the TF.js model.json. */
  path: string;
  /** "package@version" it was taken from. */
  source: string;
  license: string;
  /** Shapes fixing the symbolic input dims, as the model's users feed it. */
  inputShapes: Record<string, Shape>;
  /** The outputs the model's users compute, when not the whole graph (TF.js `executeAsync(x, outputs)`). */
  outputs?: string[];
  note?: string;
}

export interface CorpusManifest {
  dir: string;
  models: CorpusModel[];
}

/** Reads `.cache/models/manifest.json` (or `$EDGELAT_MODELS/manifest.json`); undefined when the cache is absent. */
export function loadCorpus(env: Record<string, string | undefined> = process.env): CorpusManifest | undefined {
  const dir = resolve(env.EDGELAT_MODELS ?? ".cache/models");
  const file = join(dir, "manifest.json");
  if (!existsSync(file)) return undefined;
  const raw = JSON.parse(readFileSync(file, "utf8")) as { models: (Omit<CorpusModel, "path"> & { file: string })[] };
  const models = raw.models
    .map(({ file: rel, ...m }) => ({ ...m, path: join(dir, rel) }))
    .filter((m) => existsSync(m.path));
  return { dir, models };
}

/** The corpus, or undefined (with a message printed once) so tests can `describe.skipIf(!CORPUS)`. */
export const CORPUS = loadCorpus();
if (CORPUS === undefined) {
  console.warn("[edgelat tests] .cache/models/manifest.json not found (run `npm run gather-models`): real-model tests are skipped.");
}
export const corpusModels = (format?: CorpusModel["format"]): CorpusModel[] =>
  (CORPUS?.models ?? []).filter((m) => format === undefined || m.format === format);

/** The weight shards of a TF.js corpus model, in manifest order (parsers decode only small shape constants from them). */
export function tfjsShards(m: CorpusModel): Uint8Array[] {
  const json = JSON.parse(readFileSync(m.path, "utf8")) as { weightsManifest: { paths: string[] }[] };
  return json.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(dirname(m.path), p)));
}
