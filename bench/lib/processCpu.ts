/**
 * CPU time (user + system, ms) from /proc (Linux): of one process (processCpuMs), or of a process and all its
 * descendants (processTreeCpuMs: the indexer is started through a launcher, so its CPU is the tree's; processes
 * that ended meanwhile are not counted).
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function stat(pid: number): { ppid: number; cpuMs: number } | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return { ppid: Number(fields[1]), cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** CPU time (ms) of one process and its threads; undefined when it is gone (or no pid). */
export function processCpuMs(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : stat(pid)?.cpuMs;
}

export function processTreeCpuMs(root: number): number {
  const all = new Map<number, { ppid: number; cpuMs: number }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) all.set(Number(name), s);
  }
  let total = 0;
  const queue = [root];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    total += all.get(pid)?.cpuMs ?? 0;
    for (const [child, s] of all) if (s.ppid === pid) queue.push(child);
  }
  return total;
}
