/**
 * Parameters of the perception routes (`/v1/events`, `/v1/subscriptions`). Pure module (no Ponder virtual
 * imports), unit-tested in test/indexer/events.unit.test.ts; the rules extend ./params.ts:
 *
 * - `after` (events) is a feed cursor: an event `id` exactly as the feed answers it (75 decimal digits, Ponder's
 *   checkpoint); absent or empty = from the start of the feed;
 * - `types` is a comma-separated list of exact types (`task.claimed`) and family wildcards (`task.*`); unknown
 *   types or families are rejected (400) so that a typo does not silently match nothing;
 * - `swarm` a canonical decimal swarm id, `member` / `owner` an address (any case);
 * - `active` (subscriptions) is `true` or `false`; `after` (subscriptions) a subscription id.
 */
import { z } from "zod";
import { type EventType, parseTypesFilter } from "../../lib/eventBody.ts";
import { type Hex, addressSchema, limitSchema, parseParams, uint256Schema } from "./params.ts";

/** Length of a feed cursor (Ponder's event checkpoint: 10 + 16 + 16 + 16 + 1 + 16 digits). */
export const CURSOR_LENGTH = 75;

export const EVENTS_DEFAULT_LIMIT = 100;
export const EVENTS_MAX_LIMIT = 1000;
/** Longest long-poll (`wait`) of `/v1/events`, ms. */
export const EVENTS_MAX_WAIT_MS = 10_000;

export const cursorSchema = z
  .string()
  .regex(new RegExp(`^[0-9]{${CURSOR_LENGTH}}$`), `must be a feed cursor: an event id (${CURSOR_LENGTH} decimal digits)`);

const typesSchema = z.string().transform((raw, ctx): EventType[] => {
  const parsed = parseTypesFilter(raw);
  if ("error" in parsed) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.error });
    return z.NEVER;
  }
  return parsed.types;
});

export type EventsQuery = {
  after: string | undefined;
  limit: number;
  swarmId: bigint | undefined;
  member: Hex | undefined;
  /** The exact types selected by `types` (undefined = every type). */
  types: EventType[] | undefined;
  /** Long-poll: with no matching event yet, the route answers when one arrives or after this many ms (0 = at once). */
  waitMs: number;
};

const waitSchema = z
  .string()
  .transform((s, ctx): number => {
    const n = /^[0-9]{1,6}$/.test(s) ? Number.parseInt(s, 10) : Number.NaN;
    if (!(n >= 0 && n <= EVENTS_MAX_WAIT_MS)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a decimal integer of milliseconds between 0 and ${EVENTS_MAX_WAIT_MS}` });
      return z.NEVER;
    }
    return n;
  })
  .optional()
  .transform((n) => n ?? 0);

/** `/v1/events?after=&limit=&swarm=&member=&types=&wait=`. */
export function parseEventsQuery(raw: Record<string, string | undefined>): EventsQuery {
  const parsed = parseParams(
    z.object({
      after: cursorSchema.optional(),
      limit: limitSchema(EVENTS_DEFAULT_LIMIT, EVENTS_MAX_LIMIT),
      swarm: uint256Schema.optional(),
      member: addressSchema.optional(),
      types: typesSchema.optional(),
      wait: waitSchema,
    }),
    // An empty `after=` means "from the start" (a fresh poller sends its empty cursor as is).
    { ...raw, after: raw.after === "" ? undefined : raw.after },
  );
  return { after: parsed.after, limit: parsed.limit, swarmId: parsed.swarm, member: parsed.member, types: parsed.types, waitMs: parsed.wait };
}

export const SUBSCRIPTIONS_DEFAULT_LIMIT = 100;
export const SUBSCRIPTIONS_MAX_LIMIT = 500;

export type SubscriptionsQuery = {
  /** true: status active; false: paused or cancelled; undefined: all. */
  active: boolean | undefined;
  after: bigint | undefined;
  limit: number;
  owner: Hex | undefined;
  swarmId: bigint | undefined;
};

/** `/v1/subscriptions?active=true|false&after=<id>&limit=&owner=&swarm=` (ordered by id). */
export function parseSubscriptionsQuery(raw: Record<string, string | undefined>): SubscriptionsQuery {
  const parsed = parseParams(
    z.object({
      active: z.enum(["true", "false"], { message: "must be true or false" }).optional(),
      after: uint256Schema.optional(),
      limit: limitSchema(SUBSCRIPTIONS_DEFAULT_LIMIT, SUBSCRIPTIONS_MAX_LIMIT),
      owner: addressSchema.optional(),
      swarm: uint256Schema.optional(),
    }),
    { ...raw, after: raw.after === "" ? undefined : raw.after },
  );
  return {
    active: parsed.active === undefined ? undefined : parsed.active === "true",
    after: parsed.after,
    limit: parsed.limit,
    owner: parsed.owner,
    swarmId: parsed.swarm,
  };
}

/** `/v1/subscriptions/:id`. */
export function parseSubscriptionId(raw: string | undefined): bigint {
  return parseParams(z.object({ id: uint256Schema }), { id: raw }).id;
}
