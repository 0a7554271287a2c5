/**
 * Cron computation cost for a population of schedules (indexer/relay/scheduler/cron.ts over croner): parse every
 * expression, compute each one's next fire time, then replay `simulatedSeconds` of schedule time through a
 * min-heap (pop the earliest fire, compute that schedule's next fire, push it back) — the cron work a scheduler
 * does per fire, without storage or delivery. CPU time from process.cpuUsage (user + system) of this process.
 */
import { nextFireTime, parseCron, type CronSpec } from "../../indexer/relay/scheduler/cron.ts";

/**
 * A deterministic mix of `n` expressions: per-second steps spread over offsets, one fire a minute at a spread
 * second, hourly, daily, weekday, and day-of-month-with-day-of-week schedules (5- and 6-field).
 */
export function scheduleMix(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const j = Math.floor(i / 10); // index within the class (i % 10 picks the class)
    const s = (j * 7 + (i % 10) * 13) % 60;
    const m = (j * 11 + 3) % 60;
    const h = (j * 5 + 1) % 24;
    switch (i % 10) {
      case 0:
      case 1:
        out.push(`${s % 30}-59/30 * * * * *`); // twice a minute
        break;
      case 2:
      case 3:
      case 4:
        out.push(`${s} * * * * *`); // once a minute at second s
        break;
      case 5:
        out.push(`${s} */2 * * * *`); // every 2 minutes
        break;
      case 6:
        out.push(`${s} ${m} * * * *`); // hourly
        break;
      case 7:
        out.push(`${m} ${h} * * *`); // daily (5 fields)
        break;
      case 8:
        out.push(`${s} ${m} 9-17 * * 1-5`); // office hours, weekdays
        break;
      default:
        out.push(`0 ${m} ${h} 1,15 * 1`); // 1st, 15th or a Monday
    }
  }
  return out;
}

export type CronLoadReport = {
  schedules: number;
  distinctExpressions: number;
  parseMs: number;
  firstNextMs: number;
  simulatedSeconds: number;
  fires: number;
  cpuMsPer1000Fires: number;
  wallMsPer1000Fires: number;
};

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export function measureCronLoad(expressions: string[], from: number, simulatedSeconds: number): CronLoadReport {
  let t0 = performance.now();
  const specs: CronSpec[] = expressions.map((e) => parseCron(e));
  const parseMs = performance.now() - t0;

  t0 = performance.now();
  const next = specs.map((s) => nextFireTime(s, from) ?? Number.POSITIVE_INFINITY);
  const firstNextMs = performance.now() - t0;

  // Binary min-heap of schedule indexes by next fire time.
  const heap: number[] = [];
  const less = (a: number, b: number) => next[a]! < next[b]!;
  const push = (i: number) => {
    heap.push(i);
    let c = heap.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!less(heap[c]!, heap[p]!)) break;
      [heap[c], heap[p]] = [heap[p]!, heap[c]!];
      c = p;
    }
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let p = 0;
      for (;;) {
        const l = 2 * p + 1;
        const r = l + 1;
        let m = p;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === p) break;
        [heap[m], heap[p]] = [heap[p]!, heap[m]!];
        p = m;
      }
    }
    return top;
  };
  specs.forEach((_, i) => push(i));

  const end = from + simulatedSeconds;
  let fires = 0;
  const cpu0 = cpuMs();
  t0 = performance.now();
  while (heap.length > 0 && next[heap[0]!]! <= end) {
    const i = pop();
    fires++;
    next[i] = nextFireTime(specs[i]!, next[i]!) ?? Number.POSITIVE_INFINITY;
    push(i);
  }
  const wall = performance.now() - t0;
  const cpu = cpuMs() - cpu0;
  return {
    schedules: expressions.length,
    distinctExpressions: new Set(expressions).size,
    parseMs,
    firstNextMs,
    simulatedSeconds,
    fires,
    cpuMsPer1000Fires: (cpu / fires) * 1000,
    wallMsPer1000Fires: (wall / fires) * 1000,
  };
}
