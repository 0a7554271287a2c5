/**
 * `npm run bench [area ...]`: runs each area's benchmark in its own process (so one area's chain, indexer and
 * memory do not disturb the next) and writes bench/results/<area>.json. Areas are the files bench/<area>.bench.ts;
 * each default-exports `run(): Promise<BenchResult>` (see bench/lib/result.ts).
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .sort();

const requested = process.argv.slice(2);
const unknown = requested.filter((a) => !available.includes(a));
if (unknown.length > 0) {
  console.error(`unknown benchmark area(s): ${unknown.join(", ")}; available: ${available.join(", ")}`);
  process.exit(2);
}

let failed = 0;
for (const area of requested.length > 0 ? requested : available) {
  console.log(`\n=== bench: ${area} ===`);
  const res = spawnSync(process.execPath, [join(here, "lib", "runArea.ts"), area], { stdio: "inherit" });
  if (res.status !== 0) {
    failed++;
    console.error(`bench ${area} failed (exit ${res.status ?? res.signal})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
