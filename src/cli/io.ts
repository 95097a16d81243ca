// File and argument helpers shared by the CLI commands (the only place, with the commands, that touches files).
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { EdgelatError } from "../errors.js";
import type { Graph, Shape } from "../ir/types.js";
import { getDevice } from "../devices/catalog.js";
import { loadDevice } from "../devices/load.js";
import type { Device } from "../devices/types.js";
import { parseModel, type ParseModelOptions } from "../parsers/index.js";

/** `NAME=1x3x224x224` → [name, dims]. Dims are non-negative integers or symbols (e.g. `batch`). */
export function parseInputSpec(spec: string): [string, Shape] {
  const eq = spec.lastIndexOf("=");
  if (eq <= 0 || eq === spec.length - 1) {
    throw new EdgelatError("invalid_argument", `--input '${spec}' must look like NAME=1x3x224x224`);
  }
  const dims = spec
    .slice(eq + 1)
    .split(/[x,]/)
    .map((d) => {
      if (/^\d+$/.test(d)) return Number(d);
      if (/^[A-Za-z_][\w.]*$/.test(d)) return d;
      throw new EdgelatError("invalid_argument", `--input '${spec}': '${d}' is not a dimension`);
    });
  return [spec.slice(0, eq), dims];
}

/** Repeated `--input` options → `inputShapes`, or undefined when none were given. */
export function inputShapesOf(specs: readonly string[] | undefined): Record<string, Shape> | undefined {
  if (specs === undefined || specs.length === 0) return undefined;
  return Object.fromEntries(specs.map(parseInputSpec));
}

export async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new EdgelatError("io_error", `Cannot read '${file}': ${(e as Error).message}`, { file });
  }
}

/**
 * Reads and parses a model file (ONNX, TF.js model.json, nn-Meter IR JSON). For TF.js, the weight shards next to
 * model.json are passed along when present, so that small shape constants fold; weights themselves are never decoded.
 */
export async function loadModelFile(file: string, inputShapes?: Record<string, Shape>): Promise<Graph> {
  const bytes = await readBytes(file);
  const opts: ParseModelOptions = inputShapes === undefined ? {} : { inputShapes };
  if (!file.endsWith(".json")) return parseModel(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), opts);
  const text = bytes.toString("utf8");
  let paths: string[] = [];
  try {
    const json = JSON.parse(text) as { weightsManifest?: { paths?: string[] }[] };
    paths = Array.isArray(json.weightsManifest) ? json.weightsManifest.flatMap((g) => (Array.isArray(g?.paths) ? g.paths : [])) : [];
  } catch {
    return parseModel(text, opts); // parseModel reports the JSON error with its code
  }
  const shards: Uint8Array[] = [];
  for (const p of paths) {
    try {
      shards.push(new Uint8Array(await readFile(join(dirname(file), String(p)))));
    } catch {
      return parseModel(text, opts); // weights are optional: without them fewer shape constants fold
    }
  }
  return parseModel(text, shards.length > 0 ? { ...opts, weightData: shards } : opts);
}

/**
 * `--device` value → Device: a built-in id ("pixel4-gpu") or the path of a device-profile JSON file (e.g. one written
 * by `edgelat profile`), validated by `loadDevice`.
 */
export async function resolveDevice(idOrPath: string): Promise<Device> {
  if (!idOrPath.endsWith(".json")) return getDevice(idOrPath);
  const text = (await readBytes(idOrPath)).toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new EdgelatError("invalid_json", `Device file '${idOrPath}' is not JSON: ${(e as Error).message}`, { file: idOrPath });
  }
  return loadDevice(json);
}
