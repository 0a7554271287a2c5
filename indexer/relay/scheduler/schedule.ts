/**
 * A schedule as the scheduler uses it, parsed from the indexer's Schedule JSON (GET /v1/schedules, see
 * indexer/src/api/v1/schedules.ts): only what firing needs. Times are unix seconds (numbers).
 */
import { z } from "zod";

export type CatchUpPolicy = "fire_latest_once" | "fire_all" | "skip";
export type ScheduleStatus = "active" | "paused" | "cancelled";

export type RelaySchedule = {
  id: string;
  owner: string;
  swarmId: string | null;
  kind: "cron" | "interval";
  cron: string | null;
  period: number | null;
  startTime: number;
  endTime: number | null;
  /** Occurrences k < maxRuns exist; null = unlimited (below 2^32 - 1). */
  maxRuns: number | null;
  catchUp: CatchUpPolicy;
  payload: `0x${string}`;
  endpoint: string | null;
  status: ScheduleStatus;
  /** Block time (unix s) of the last registration/update event: a cron update restarts the series there. */
  updatedAt: number;
  updatedEventId: string;
};

const decimal = z.union([z.string().regex(/^\d{1,78}$/), z.number().int().nonnegative()]).transform((v) => String(v));
const seconds = z
  .union([z.string().regex(/^\d{1,15}$/), z.number().int().nonnegative()])
  .transform((v) => Number(v))
  .refine((v) => Number.isSafeInteger(v), "unix seconds");
const zeroAsNull = (v: number | null | undefined) => (v === undefined || v === null || v === 0 ? null : v);

const ScheduleJson = z.object({
  id: decimal,
  owner: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  swarmId: decimal.nullable().optional(),
  kind: z.enum(["cron", "interval"]),
  cron: z.string().nullable().optional(),
  period: z.union([z.number(), z.string()]).nullable().optional().transform((v) => (v === null || v === undefined ? null : Number(v))),
  startTime: seconds,
  endTime: seconds.nullable().optional(),
  maxRuns: z.union([z.number(), z.string()]).nullable().optional().transform((v) => (v === null || v === undefined ? null : Number(v))),
  catchUp: z.enum(["fire_latest_once", "fire_all", "skip"]),
  payload: z.string().regex(/^0x([0-9a-fA-F]{2})*$/),
  endpoint: z.string().nullable().optional(),
  status: z.enum(["active", "paused", "cancelled"]),
  updatedAt: seconds.nullable().optional(),
  createdAt: seconds.nullable().optional(),
  updatedEventId: z.string().nullable().optional(),
});

/** Parses one item of GET /v1/schedules; throws (ZodError) when the shape is not a schedule. */
export function parseSchedule(value: unknown): RelaySchedule {
  const s = ScheduleJson.parse(value);
  if (s.kind === "cron" && !s.cron) throw new Error(`schedule ${s.id}: kind cron without an expression`);
  if (s.kind === "interval" && !(s.period !== null && Number.isSafeInteger(s.period) && s.period > 0)) {
    throw new Error(`schedule ${s.id}: kind interval without a positive period`);
  }
  return {
    id: s.id,
    owner: s.owner.toLowerCase(),
    swarmId: s.swarmId === "0" ? null : (s.swarmId ?? null),
    kind: s.kind,
    cron: s.kind === "cron" ? s.cron! : null,
    period: s.kind === "interval" ? s.period : null,
    startTime: s.startTime,
    endTime: zeroAsNull(s.endTime),
    maxRuns: zeroAsNull(s.maxRuns),
    catchUp: s.catchUp,
    payload: s.payload.toLowerCase() as `0x${string}`,
    endpoint: s.endpoint ? s.endpoint : null,
    status: s.status,
    updatedAt: s.updatedAt ?? s.createdAt ?? s.startTime,
    updatedEventId: s.updatedEventId ?? "",
  };
}
