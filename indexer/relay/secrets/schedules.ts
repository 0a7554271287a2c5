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
import type { Hono, MiddlewareHandler } from "hono";
import type { Queryable } from "../db/Db.ts";
import { scheduleSubscriptionId } from "../scheduler/store.ts";
import { cachedOwnerLookup, ownedSecretRoutes, ownerOnly, type OwnerLookup, type SecretsDeps } from "./index.ts";

/** Owner of a schedule: relay cache, else GET <indexerUrl>/v1/schedules/:id; undefined when it does not exist. */
export function scheduleOwnerLookup(options: { db: Queryable; indexerUrl?: string; fetchImpl?: typeof fetch; timeoutMs?: number }): OwnerLookup {
  return cachedOwnerLookup("relay_schedules", "schedules", options);
}

/**
 * Middleware: the request's signer (set by walletAuth) must own schedule `:id`; answers 400/401/403/404/503
 * otherwise, and marks the answer no-store.
 */
export function scheduleOwnerOnly(ownerOf: OwnerLookup, what: string): MiddlewareHandler {
  return ownerOnly(ownerOf, "schedule", what);
}

export type ScheduleSecretsDeps = SecretsDeps;

/** The schedule secrets routes (absolute paths): mount with `app.route("/", scheduleSecretsRoutes(deps))`. */
export function scheduleSecretsRoutes(deps: ScheduleSecretsDeps): Hono {
  const ownerOf = deps.ownerOf ?? scheduleOwnerLookup({ db: deps.db, indexerUrl: deps.indexerUrl });
  return ownedSecretRoutes({ ...deps, ownerOf }, { kind: "schedule", base: "/v1/schedules", idField: "scheduleId", secretKey: scheduleSubscriptionId });
}
