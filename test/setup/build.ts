import { execFileSync } from "node:child_process";

/** Compiles the contracts once before any test file runs (tests deploy from artifacts). */
export default function setup(): void {
  execFileSync("npx", ["hardhat", "build", "--quiet"], { stdio: "inherit" });
}
