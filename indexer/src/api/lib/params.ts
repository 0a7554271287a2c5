/**
 * Parsing and validation of the REST API's path and query parameters (zod). Each `parse*` function takes
 * the raw strings Hono hands over and returns typed values, or throws an {@link ApiError} 400
 * (`invalid_parameter`, with one `{ param, message }` issue per bad parameter).
 *
 * Rules (documented in the API's README section):
 * - ids (swarm, task, message) are unsigned decimal integers in canonical form (no sign, no leading zeros,
 *   no hex), at most 2^256 - 1;
 * - addresses are 0x + 40 hex digits, any case; the API answers lowercase;
 * - state keys are either 0x + 64 hex digits (a raw bytes32, any case), or a UTF-8 string of 1..32 bytes,
 *   right-padded with zero bytes to 32 (viem `stringToHex(key, { size: 32 })`, ethers
 *   `encodeBytes32String`). A string starting with 0x that is not a full bytes32 is rejected, as is a
 *   string containing a NUL character (its padding would be ambiguous);
 * - `limit` is a decimal integer between 1 and the route's maximum;
 * - unknown query parameters are ignored.
 *
 * Pure module (no Ponder virtual imports), unit-tested directly.
 */
import { z } from "zod";
import { type ParamIssue, invalidParameter } from "./errors.ts";

export type Hex = `0x${string}`;

export const UINT256_MAX = 2n ** 256n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

/** Canonical unsigned decimal (no sign, no leading zeros) not above `max`. */
const decimal = (max: bigint, what: string) =>
  z.string().transform((s, ctx): bigint => {
    if (!/^(0|[1-9][0-9]*)$/.test(s)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: "must be an unsigned decimal integer (no sign, no leading zeros, no hex)",
      });
      return z.NEVER;
    }
    const value = s.length <= 78 ? BigInt(s) : max + 1n;
    if (value > max) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be at most ${what}` });
      return z.NEVER;
    }
    return value;
  });

export const uint256Schema = decimal(UINT256_MAX, "2^256 - 1");
export const uint64Schema = decimal(UINT64_MAX, "2^64 - 1");

export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be an address: 0x followed by 40 hex digits")
  .transform((s) => s.toLowerCase() as Hex);

const BYTES32_HEX = /^0x[0-9a-fA-F]{64}$/;

/** Encodes a short UTF-8 string right-padded with zero bytes to 32 bytes. Undefined if it does not fit. */
export function stringToBytes32(value: string): Hex | undefined {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length === 0 || bytes.length > 32) return undefined;
  const padded = new Uint8Array(32);
  padded.set(bytes);
  return `0x${Buffer.from(padded).toString("hex")}` as Hex;
}

/** A bytes32 given as raw hex or as a short UTF-8 string (see the module comment). */
export const bytes32Schema = z.string().transform((raw, ctx): Hex => {
  if (BYTES32_HEX.test(raw)) return raw.toLowerCase() as Hex;
  if (/^0x/i.test(raw)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: "a hex key must be 0x followed by exactly 64 hex digits (a string key must not start with 0x)",
    });
    return z.NEVER;
  }
  if (raw.includes("\u0000")) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: "a string key must not contain NUL characters" });
    return z.NEVER;
  }
  const encoded = stringToBytes32(raw);
  if (encoded === undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: "a string key must be 1 to 32 bytes of UTF-8 (or give 0x followed by 64 hex digits)",
    });
    return z.NEVER;
  }
  return encoded;
});

/** `limit` between 1 and `max`, `fallback` when absent. */
export const limitSchema = (fallback: number, max: number) =>
  z
    .string()
    .transform((s, ctx): number => {
      const n = /^[0-9]{1,6}$/.test(s) ? Number.parseInt(s, 10) : Number.NaN;
      if (!(n >= 1 && n <= max)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a decimal integer between 1 and ${max}` });
        return z.NEVER;
      }
      return n;
    })
    .optional()
    .transform((n) => n ?? fallback);

/** Runs `schema` on the raw parameters, turning every zod issue into a 400 `invalid_parameter`. */
export function parseParams<S extends z.ZodTypeAny>(schema: S, raw: Record<string, string | undefined>): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues: ParamIssue[] = result.error.issues.map((issue) => ({
    param: issue.path.length > 0 ? issue.path.join(".") : "(request)",
    message: issue.code === z.ZodIssueCode.invalid_type && issue.received === "undefined" ? "is required" : issue.message,
  }));
  throw invalidParameter(issues);
}

// -------------------------------------------------------------------------------------------------
// Per-route parameter sets
// -------------------------------------------------------------------------------------------------


/** `/v1/swarms/:id` and its sub-routes. */
export function parseSwarmId(raw: string | undefined): bigint {
  return parseParams(z.object({ id: uint256Schema }), { id: raw }).id;
}

/** `/v1/tasks/:id`. */
export function parseTaskId(raw: string | undefined): bigint {
  return parseParams(z.object({ id: uint256Schema }), { id: raw }).id;
}

export const MEMBER_STATUSES = ["active", "inactive", "all"] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
export const MEMBERS_DEFAULT_LIMIT = 100;
export const MEMBERS_MAX_LIMIT = 500;

/** `/v1/swarms/:id/members?status=active|inactive|all&limit=&cursor=<address>` (ordered by address). */
export function parseMembersQuery(raw: Record<string, string | undefined>): {
  status: MemberStatus;
  limit: number;
  cursor: Hex | undefined;
} {
  const parsed = parseParams(
    z.object({
      status: z.enum(MEMBER_STATUSES).optional().transform((s) => s ?? "active"),
      limit: limitSchema(MEMBERS_DEFAULT_LIMIT, MEMBERS_MAX_LIMIT),
      cursor: addressSchema.optional(),
    }),
    raw,
  );
  return { status: parsed.status, limit: parsed.limit, cursor: parsed.cursor };
}

export const TASK_STATUSES = ["open", "claimed", "completed", "cancelled", "expired"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TASKS_DEFAULT_LIMIT = 50;
export const TASKS_MAX_LIMIT = 100;

/**
 * `/v1/swarms/:id/tasks?status=&type=&claimant=&poster=&limit=&cursor=` (ordered by task id ascending).
 * `status` may list several statuses separated by commas; `type` is a bytes32 type tag given like a state
 * key (hex, or a short UTF-8 string); `cursor` is the `nextCursor` of the previous page (a task id; the page
 * starts after it).
 */
export function parseTasksQuery(raw: Record<string, string | undefined>): {
  statuses: TaskStatus[] | undefined;
  typeTag: Hex | undefined;
  claimant: Hex | undefined;
  poster: Hex | undefined;
  limit: number;
  cursor: bigint | undefined;
} {
  const parsed = parseParams(
    z.object({
      status: z
        .string()
        .transform((s) => s.split(","))
        .pipe(
          z
            .array(z.enum(TASK_STATUSES, { message: `each status must be one of ${TASK_STATUSES.join(", ")}` }))
            .min(1),
        )
        .optional(),
      type: bytes32Schema.optional(),
      claimant: addressSchema.optional(),
      poster: addressSchema.optional(),
      limit: limitSchema(TASKS_DEFAULT_LIMIT, TASKS_MAX_LIMIT),
      cursor: uint256Schema.optional(),
    }),
    raw,
  );
  return {
    statuses: parsed.status === undefined ? undefined : [...new Set(parsed.status)],
    typeTag: parsed.type,
    claimant: parsed.claimant,
    poster: parsed.poster,
    limit: parsed.limit,
    cursor: parsed.cursor,
  };
}

/** `/v1/swarms/:id/messages?after=<messageId>&limit=` (ordered by message id). */
export const MESSAGES_DEFAULT_LIMIT = 100;
export const MESSAGES_MAX_LIMIT = 500;

export function parseMessagesQuery(raw: Record<string, string | undefined>): {
  after: bigint;
  limit: number;
} {
  return parseParams(
    z.object({
      after: uint64Schema.optional().transform((v) => v ?? 0n),
      limit: limitSchema(MESSAGES_DEFAULT_LIMIT, MESSAGES_MAX_LIMIT),
    }),
    raw,
  );
}

/** `/v1/swarms/:id/state/:key`. */
export function parseStateKey(raw: string | undefined): Hex {
  return parseParams(z.object({ key: bytes32Schema }), { key: raw }).key;
}
