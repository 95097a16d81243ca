import { existsSync } from "node:fs";
import { resolve } from "node:path";

/**
 * Where the published latency datasets live: `$EDGELAT_DATA` if set, else `../shared/data` relative to the current
 * working directory (the project root in scripts and tests). Returns undefined when the folder is absent, so callers
 * can skip with a clear message instead of failing.
 */
export function dataRoot(env: Record<string, string | undefined> = process.env): string | undefined {
  const dir = resolve(env.EDGELAT_DATA ?? "../shared/data");
  return existsSync(dir) ? dir : undefined;
}
