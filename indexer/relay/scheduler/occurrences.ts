/**
 * Which occurrences of a schedule fire now (pure: no clock, no store). A schedule's series is numbered from 0:
 *
 * - interval: occurrence k is due at `startTime + k·period` (IScheduleRegistry.sol);
 * - cron: occurrence 0 is the first fire time ≥ startTime, occurrence k + 1 the first fire time after occurrence k
 *   (the relay counts them: `runNumber` = k). After a cron update the series goes on from the update's block time
 *   (`afterTime`), numbering continued.
 *
 * Bounds (as on-chain): k < maxRuns (null = unlimited: k < 2^32 - 1) and, with an endTime, time(k) ≤ endTime.
 *
 * The scheduler's state per schedule is `{ nextRun, afterTime }`: every occurrence below `nextRun` is consumed
 * (fired, or dropped by the catch-up policy) and the next one is later than `afterTime`. `planFires` takes the
 * occurrences due at `now` (time ≤ now) and applies the catch-up policy to them (a downtime of the relay and a
 * pause of the schedule look the same: several occurrences are due at once):
 *
 * - fire_all:         every due occurrence fires, in order;
 * - fire_latest_once: only the latest due occurrence fires, the older ones are dropped;
 * - skip:             interval schedules as on-chain: the latest due occurrence fires only while
 *                     now < time(k) + period, older ones are dropped; cron schedules: an occurrence fires only when
 *                     reached within `skipGraceMs` of its time (on time), every missed one is dropped.
 */
import { nextFireTime, type CronSpec } from "./cron.ts";
import type { RelaySchedule } from "./schedule.ts";

/** Occurrence numbers are uint32 on-chain; 2^32 - 1 = unlimited. */
export const MAX_OCCURRENCE = 2 ** 32 - 1;

export type SeriesState = {
  /** The lowest unconsumed occurrence number. */
  nextRun: number;
  /** Cron: the next occurrence is after this time (unix s); null = from startTime. Unused for intervals. */
  afterTime: number | null;
};

export type Occurrence = { run: number; time: number };

export type Timing = Pick<RelaySchedule, "kind" | "period" | "startTime" | "endTime" | "maxRuns" | "catchUp">;

export type Plan = {
  /** Occurrences to fire now, in order. */
  fires: Occurrence[];
  /** Due occurrences dropped by the catch-up policy. */
  dropped: number;
  /** The state after consuming the fires and the dropped ones. */
  state: SeriesState;
  /** Time (unix s) of the next occurrence after `state`; null when the series has ended. */
  next: number | null;
  /** More due occurrences are left (the scan stopped at `maxScan`): plan again at once. */
  more: boolean;
};

export type PlanOptions = {
  /** Cron schedules with catchUp skip: how late (ms) an occurrence may still fire. */
  skipGraceMs: number;
  /** At most this many due occurrences are looked at per call (fire_all fires at most this many). */
  maxScan: number;
};

function inBounds(timing: Timing, run: number, time: number): boolean {
  if (run >= (timing.maxRuns ?? MAX_OCCURRENCE) || run >= MAX_OCCURRENCE) return false;
  return timing.endTime === null || time <= timing.endTime;
}

/** The first unconsumed occurrence of the series at `state`, or null when the series has ended. */
export function nextOccurrence(timing: Timing, spec: CronSpec | null, state: SeriesState): Occurrence | null {
  const run = state.nextRun;
  let time: number | null;
  if (timing.kind === "interval") {
    time = timing.startTime + run * timing.period!;
  } else {
    if (spec === null) throw new Error("a cron schedule needs its parsed expression");
    const after = Math.max(state.afterTime ?? timing.startTime - 1, timing.startTime - 1);
    time = nextFireTime(spec, after);
  }
  if (time === null || !inBounds(timing, run, time)) return null;
  return { run, time };
}

export function planFires(timing: Timing, spec: CronSpec | null, state: SeriesState, nowMs: number, options: PlanOptions): Plan {
  const nowSec = Math.floor(nowMs / 1000);
  const first = nextOccurrence(timing, spec, state);
  if (first === null) return { fires: [], dropped: 0, state, next: null, more: false };
  if (first.time > nowSec) return { fires: [], dropped: 0, state, next: first.time, more: false };

  // Interval schedules with latest-only policies: the latest due occurrence is computed, not scanned.
  if (timing.kind === "interval" && timing.catchUp !== "fire_all") {
    const period = timing.period!;
    let k = Math.floor((nowSec - timing.startTime) / period);
    k = Math.min(k, (timing.maxRuns ?? MAX_OCCURRENCE) - 1, MAX_OCCURRENCE - 1);
    if (timing.endTime !== null) k = Math.min(k, Math.floor((timing.endTime - timing.startTime) / period));
    const latest = { run: k, time: timing.startTime + k * period };
    const fire = timing.catchUp === "fire_latest_once" || nowSec < latest.time + period;
    const after: SeriesState = { nextRun: k + 1, afterTime: latest.time };
    return {
      fires: fire ? [latest] : [],
      dropped: k - first.run + (fire ? 0 : 1),
      state: after,
      next: nextOccurrence(timing, spec, after)?.time ?? null,
      more: false,
    };
  }

  const due: Occurrence[] = [first];
  let current: SeriesState = { nextRun: first.run + 1, afterTime: first.time };
  let upcoming: Occurrence | null = null;
  let ended = false;
  while (due.length < options.maxScan) {
    const occurrence = nextOccurrence(timing, spec, current);
    if (occurrence === null) {
      ended = true;
      break;
    }
    if (occurrence.time > nowSec) {
      upcoming = occurrence;
      break;
    }
    due.push(occurrence);
    current = { nextRun: occurrence.run + 1, afterTime: occurrence.time };
  }
  const more = !ended && upcoming === null;
  const next = more ? nowSec : (upcoming?.time ?? null);

  if (timing.catchUp === "fire_all") return { fires: due, dropped: 0, state: current, next, more };
  // Latest-only policies: while the scan is cut short the latest due occurrence is further on: drop this part.
  if (more) return { fires: [], dropped: due.length, state: current, next, more };
  const latest = due.at(-1)!;
  const fire = timing.catchUp === "fire_latest_once" || nowMs - latest.time * 1000 <= options.skipGraceMs;
  return { fires: fire ? [latest] : [], dropped: due.length - (fire ? 1 : 0), state: current, next, more };
}
