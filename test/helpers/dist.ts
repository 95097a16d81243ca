import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Newest modification time (ms) of the library sources (tests excluded). */
function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestSource(p));
    else if (/\.(ts|json)$/.test(e.name) && !e.name.endsWith(".test.ts")) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Why tests of the built package must skip, or undefined when `files` (under dist/) exist and are newer than every
 * source: a dist/ older than src/ (someone else's build, mid-development) would test yesterday's package.
 */
export function staleDistReason(files: readonly string[]): string | undefined {
  if (!files.every((f) => existsSync(f))) return "dist/ not built (run `npm run build`)";
  if (Math.min(...files.map((f) => statSync(f).mtimeMs)) < newestSource("src")) return "dist/ is older than src/ (run `npm run build`)";
  return undefined;
}
