// The built-in device profiles one per file, as the package publishes them (`dist/devices/<id>.json`, importable as
// `edgelat/devices/<id>.json` and accepted by `loadDevice`). Source of truth: src/devices/builtin/phones-*.json
// (written by `npm run train-devices`); this only splits them, byte-for-byte the same values (JSON.stringify of the
// parsed profile, so numbers keep their shortest round-trip form and predictions are unchanged).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const BUILTIN_FILES = ["phones-gpu.json", "phones-cpu.json"];

/** Every built-in profile, in catalog order (GPUs first). */
export function builtinProfiles() {
  return BUILTIN_FILES.flatMap((f) => JSON.parse(readFileSync(join(root, "src", "devices", "builtin", f), "utf8")).devices);
}

/** Writes `<dir>/<id>.json` (minified) for every built-in profile, or only `ids`; returns what it wrote. */
export function writeDeviceFiles(dir, ids) {
  mkdirSync(dir, { recursive: true });
  const profiles = builtinProfiles();
  const wanted = ids ?? profiles.map((p) => p.id);
  return wanted.map((id) => {
    const p = profiles.find((d) => d.id === id);
    if (p === undefined) throw new Error(`no built-in device '${id}'`);
    const text = JSON.stringify(p);
    const file = join(dir, `${id}.json`);
    writeFileSync(file, text);
    return { id, file, text };
  });
}
