/**
 * Signing secrets of schedules' webhooks — wallet-signed, the schedule's owner only (as for subscriptions):
 *
 *   POST /v1/schedules/:id/secret          the current whsec_ secret of the schedule's webhooks (created on demand)
 *   POST /v1/schedules/:id/secret/rotate   a new secret; the previous one keeps signing for 24 h (body
 *                                          `{"graceSeconds": 0…86400}` to cut that short)
 *
 * Answers `{ scheduleId, secret, previousValidUntil }` with Cache-Control: no-store. The secret is stored in
 * relay_secrets under `schedule:<id>` (the key the scheduler's outbox rows use). The owner is the schedule's
 * `owner` in the relay's cache (relay_schedules) or, when the relay has not seen it yet, the indexer's
 * GET /v1/schedules/:id (schedules cannot change owner on chain).
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { Queryable } from "../db/Db.ts";
import { ensureSecret, readSecret, rotateSecret } from "../secrets.ts";
import { OwnerLookupError, SECRET_ROTATION_GRACE_MS, type OwnerLookup } from "./index.ts";

const errorBody = (code: string, message: string, details?: Record<string, unknown>) => ({ error: { code, message, ...(details ? { details } : {}) } });

const SCHEDULE_ID = /^\d{1,78}$/;

/** Owner of a schedule: relay cache, else GET <indexerUrl>/v1/schedules/:id; undefined when it does not exist. */
export function scheduleOwnerLookup({
  db,
  indexerUrl,
  fetchImpl = fetch,
  timeoutMs = 5_000,
}: {
  db: Queryable;
  indexerUrl?: string;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}): OwnerLookup {
  return async (scheduleId) => {
    const [cached] = await db.query<{ owner: string }>("SELECT owner FROM relay_schedules WHERE id = $1", [scheduleId]);
    if (cached?.owner) return cached.owner;
    if (!indexerUrl) return undefined;
    const url = `${indexerUrl.replace(/\/+$/, "")}/v1/schedules/${encodeURIComponent(scheduleId)}`;
    let response: Response;
    try {
      response = await fetchImpl(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new OwnerLookupError(`GET ${url} failed: ${(error as Error).message}`, { cause: error });
    }
    if (response.status === 404) return undefined;
    if (!response.ok) throw new OwnerLookupError(`GET ${url} -> HTTP ${response.status}`);
    const body = (await response.json().catch(() => undefined)) as { owner?: unknown } | undefined;
    if (typeof body?.owner !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(body.owner)) throw new OwnerLookupError(`GET ${url} answered no owner`);
    return body.owner;
  };
}

/**
 * Middleware: the request's signer (set by walletAuth) must own schedule `:id`; answers 400/401/403/404/503
 * otherwise, and marks the answer no-store.
 */
export function scheduleOwnerOnly(ownerOf: OwnerLookup, what: string): MiddlewareHandler {
  return async (c, next) => {
    const id = c.req.param("id") ?? "";
    if (!SCHEDULE_ID.test(id)) return c.json(errorBody("invalid_schedule_id", `Schedule id must be a decimal integer, got ${JSON.stringify(id)}`), 400);
    const signer = ((c.get as (key: string) => unknown)("signer") as string | undefined)?.toLowerCase();
    if (!signer) return c.json(errorBody("auth_missing", "This route needs a wallet-signed request"), 401);
    let owner: string | undefined;
    try {
      owner = await ownerOf(id);
    } catch (error) {
      return c.json(errorBody("owner_lookup_failed", `Cannot tell who owns schedule ${id} right now: ${(error as Error).message}`, { id }), 503);
    }
    if (owner === undefined) return c.json(errorBody("schedule_not_found", `Schedule ${id} does not exist (yet)`, { id }), 404);
    if (owner.toLowerCase() !== signer) {
      return c.json(errorBody("not_schedule_owner", `Only the owner of schedule ${id} may ${what}`, { id, signer }), 403);
    }
    c.header("cache-control", "no-store");
    await next();
  };
}

export type ScheduleSecretsDeps = {
  db: Queryable;
  /** walletAuth(...) from ../auth/: sets c.get("signer"). */
  auth: MiddlewareHandler;
  ownerOf?: OwnerLookup;
  indexerUrl?: string;
  graceMs?: number;
  now?: () => number;
};

/** The schedule secrets routes (absolute paths): mount with `app.route("/", scheduleSecretsRoutes(deps))`. */
export function scheduleSecretsRoutes(deps: ScheduleSecretsDeps): Hono {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  const graceMs = deps.graceMs ?? SECRET_ROTATION_GRACE_MS;
  const ownerOf = deps.ownerOf ?? scheduleOwnerLookup({ db, indexerUrl: deps.indexerUrl });
  const app = new Hono();

  const checkOwner = scheduleOwnerOnly(ownerOf, "read or rotate its secret");

  for (const path of ["/v1/schedules/:id/secret", "/v1/schedules/:id/secret/rotate"]) app.use(path, deps.auth, checkOwner);

  const answer = async (c: Context, id: string) => {
    const stored = await readSecret(db, `schedule:${id}`);
    if (!stored) throw new Error(`relay_secrets has no row for schedule:${id} after writing it`);
    const previousValid = stored.previousSecret !== null && stored.previousValidUntil !== null && stored.previousValidUntil > now();
    return c.json({ scheduleId: id, secret: stored.secret, previousValidUntil: previousValid ? stored.previousValidUntil : null });
  };

  app.post("/v1/schedules/:id/secret", async (c) => {
    const id = c.req.param("id");
    await ensureSecret(db, `schedule:${id}`, now());
    return answer(c, id);
  });

  app.post("/v1/schedules/:id/secret/rotate", async (c) => {
    const id = c.req.param("id");
    let grace = graceMs;
    const text = (await c.req.text()).trim();
    if (text !== "") {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return c.json(errorBody("invalid_body", "The body must be JSON: {} or {\"graceSeconds\": n}"), 400);
      }
      const value = (body as { graceSeconds?: unknown } | null)?.graceSeconds;
      if (value !== undefined) {
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value * 1000 > graceMs) {
          return c.json(errorBody("invalid_grace", `graceSeconds must be an integer in [0, ${graceMs / 1000}]`), 400);
        }
        grace = value * 1000;
      }
    }
    const key = `schedule:${id}`;
    const [existing] = await db.query("SELECT 1 FROM relay_secrets WHERE subscription_id = $1", [key]);
    if (existing) await rotateSecret(db, key, { graceMs: grace, now: now() });
    else await ensureSecret(db, key, now());
    return answer(c, id);
  });

  return app;
}
