/**
 * Parameters of the time routes (`/v1/schedules`, `/v1/attestations`, `/v1/attestors`). Pure module (no
 * Ponder virtual imports), unit-tested in test/indexer/time.params.test.ts; the rules extend ./params.ts:
 *
 * - `:id` / `after` (schedules) a canonical decimal schedule id; `:seq` / `after` (attestations) a canonical
 *   decimal batch seq (at most 2^64 - 1); an empty `after=` means from the start;
 * - `active` is `true` (status active) or `false` (paused or cancelled); `kind` is `cron` or `interval`;
 * - `owner` / `attestor` an address (any case), `swarm` a canonical decimal swarm id;
 * - `limit` 1..500 (default 100).
 */
import { z } from "zod";
import { type Hex, addressSchema, limitSchema, parseParams, uint256Schema, uint64Schema } from "./params.ts";

export const SCHEDULES_DEFAULT_LIMIT = 100;
export const SCHEDULES_MAX_LIMIT = 500;
export const SCHEDULE_KINDS = ["cron", "interval"] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

export type SchedulesQuery = {
  /** true: status active; false: paused or cancelled; undefined: all. */
  active: boolean | undefined;
  after: bigint | undefined;
  limit: number;
  owner: Hex | undefined;
  swarmId: bigint | undefined;
  kind: ScheduleKind | undefined;
};

const activeSchema = z.enum(["true", "false"], { message: "must be true or false" }).optional();

/** `/v1/schedules?active=true|false&after=<id>&limit=&owner=&swarm=&kind=cron|interval` (ordered by id). */
export function parseSchedulesQuery(raw: Record<string, string | undefined>): SchedulesQuery {
  const parsed = parseParams(
    z.object({
      active: activeSchema,
      after: uint256Schema.optional(),
      limit: limitSchema(SCHEDULES_DEFAULT_LIMIT, SCHEDULES_MAX_LIMIT),
      owner: addressSchema.optional(),
      swarm: uint256Schema.optional(),
      kind: z.enum(SCHEDULE_KINDS, { message: "must be cron or interval" }).optional(),
    }),
    { ...raw, after: raw.after === "" ? undefined : raw.after },
  );
  return {
    active: parsed.active === undefined ? undefined : parsed.active === "true",
    after: parsed.after,
    limit: parsed.limit,
    owner: parsed.owner,
    swarmId: parsed.swarm,
    kind: parsed.kind,
  };
}

/** `/v1/schedules/:id`. */
export function parseScheduleId(raw: string | undefined): bigint {
  return parseParams(z.object({ id: uint256Schema }), { id: raw }).id;
}

export const ATTESTATIONS_DEFAULT_LIMIT = 100;
export const ATTESTATIONS_MAX_LIMIT = 500;

export type AttestationsQuery = { after: bigint | undefined; limit: number; attestor: Hex | undefined };

/** `/v1/attestations?after=<seq>&limit=&attestor=` (ordered by seq). */
export function parseAttestationsQuery(raw: Record<string, string | undefined>): AttestationsQuery {
  const parsed = parseParams(
    z.object({
      after: uint64Schema.optional(),
      limit: limitSchema(ATTESTATIONS_DEFAULT_LIMIT, ATTESTATIONS_MAX_LIMIT),
      attestor: addressSchema.optional(),
    }),
    { ...raw, after: raw.after === "" ? undefined : raw.after },
  );
  return { after: parsed.after, limit: parsed.limit, attestor: parsed.attestor };
}

/** `/v1/attestations/:seq`. */
export function parseAttestationSeq(raw: string | undefined): bigint {
  return parseParams(z.object({ seq: uint64Schema }), { seq: raw }).seq;
}

/** `/v1/attestors?allowed=true|false`. */
export function parseAttestorsQuery(raw: Record<string, string | undefined>): { allowed: boolean | undefined } {
  const parsed = parseParams(z.object({ allowed: activeSchema }), raw);
  return { allowed: parsed.allowed === undefined ? undefined : parsed.allowed === "true" };
}
