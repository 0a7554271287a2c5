/** Runs one benchmark area (bench/<area>.bench.ts) and writes bench/results/<area>.json (or <resultName>.json). */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchResult } from "./result.ts";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const area = process.argv[2];
if (!area) throw new Error("usage: runArea.ts <area>");

const mod = (await import(pathToFileURL(join(benchDir, `${area}.bench.ts`)).href)) as {
  default: () => Promise<BenchResult>;
};
const result = await mod.default();
result.finishedAt = new Date().toISOString();
result.machine = { cpus: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` };

mkdirSync(join(benchDir, "results"), { recursive: true });
const out = join(benchDir, "results", `${result.resultName ?? area}.json`);
writeFileSync(out, JSON.stringify(result, null, 2) + "\n");

for (const m of result.metrics) {
  const verdict = m.pass === undefined ? "" : m.pass ? "  ok" : "  MISSED";
  console.log(`${m.name.padEnd(56)} ${String(m.value).padStart(12)} ${m.unit}${m.target ? `  (target ${m.target})` : ""}${verdict}`);
}
console.log(`wrote ${out}`);
process.exit(0);
