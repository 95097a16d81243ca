// Runs every benchmark in bench/ (files named *.bench.ts), one after another in this process.
// Usage: npm run bench [-- NAME_FILTER]
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts") && (filter === undefined || f.includes(filter)))
  .sort();
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { run?: () => Promise<void> | void };
  if (typeof mod.run === "function") await mod.run();
}
