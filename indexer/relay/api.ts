/**
 * The relay's HTTP API (Hono), served on RELAY_HOST:RELAY_PORT (127.0.0.1:42070 by default):
 *
 *   GET  /health                                  liveness, from memory: cursor, head, leader, delivery stats (no auth)
 *   GET  /v1/status                               the same + outbox counts by status (reads the store)
 *   GET  /v1/subscriptions/:id/deliveries         the subscription's deliveries (?status=&after=<sequence>&limit=)
 *   POST /v1/subscriptions/:id/redrive            dead deliveries → pending (body {"deliveryId"?: "msg_…"})
 *
 * The /v1/subscriptions/:id/* routes need a wallet-signed request (indexer/relay/auth/, mounted by the
 * caller as `auth`) from the subscription's owner (from the relay's subscription cache).
 * Errors: JSON `{ error: { code, message, details? } }` like the indexer's.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { readCursor } from "./cursor.ts";
import type { Db } from "./db/Db.ts";
import { RelayError } from "./errors.ts";
import { ingestLeader } from "./ingestLeader.ts";
import { listDeliveries, OUTBOX_STATUSES as STATUSES, outboxCounts, redrive, type OutboxStatus } from "./outbox.ts";

export type RelayApiOptions = {
  db: Db;
  workerId: string;
  /** Verifies the wallet-signed request; must leave the signer's address where `signerOf` finds it. */
  auth: MiddlewareHandler | undefined;
  /** The authenticated address of a request that passed `auth` (lowercase or checksummed). */
  signerOf: (c: Context) => string | undefined;
  /** The owner of a subscription (relay cache, else the indexer), undefined when it does not exist. */
  ownerOf: (subscriptionId: string) => Promise<string | undefined>;
  /** More routes with absolute paths (the secrets API), mounted before ours. */
  extraRoutes?: Hono;
  /** Called after a redrive moved rows back to pending (wakes the delivery pool). */
  onRedrive?: () => void;
  stats?: () => Record<string, unknown>;
};


const errorBody = (code: string, message: string, details?: Record<string, unknown>) => ({ error: { code, message, ...(details ? { details } : {}) } });

export function createRelayApi(options: RelayApiOptions): Hono {
  const { db } = options;
  const app = new Hono();

  // In memory only: a busy store (PGlite serializes queries) must not make the process look dead.
  app.get("/health", (c) => c.json({ ok: true, workerId: options.workerId, db: db.kind, stats: options.stats?.() ?? {} }));

  app.get("/v1/status", async (c) => {
    const [cursor, counts, leader] = await Promise.all([readCursor(db), outboxCounts(db), ingestLeader(db)]);
    return c.json({
      workerId: options.workerId,
      db: db.kind,
      cursor: cursor.eventId,
      headBlock: cursor.headBlock,
      ingestLeader: leader.holder,
      outbox: counts,
      stats: options.stats?.() ?? {},
    });
  });

  if (options.extraRoutes) app.route("/", options.extraRoutes);

  const owned = new Hono();
  const authenticate: MiddlewareHandler = async (c, next) => {
    if (!options.auth) return c.json(errorBody("auth_unavailable", "Wallet-signed request verification is not configured on this relay"), 503);
    return options.auth(c, next);
  };
  const ownerOnly: MiddlewareHandler = async (c, next) => {
    const id = c.req.param("id") ?? "";
    if (!/^\d{1,78}$/.test(id)) return c.json(errorBody("invalid_subscription_id", `Subscription id must be a decimal integer, got ${JSON.stringify(id)}`), 400);
    let owner: string | undefined;
    try {
      owner = await options.ownerOf(id);
    } catch (error) {
      return c.json(errorBody("owner_lookup_failed", `Cannot tell who owns subscription ${id} right now: ${(error as Error).message}`, { id }), 503);
    }
    if (owner === undefined) return c.json(errorBody("subscription_not_found", `Subscription ${id} does not exist (yet)`, { id }), 404);
    const signer = options.signerOf(c)?.toLowerCase();
    if (!signer || signer !== owner.toLowerCase()) {
      return c.json(errorBody("not_subscription_owner", `Only the owner of subscription ${id} may do this`, { id, signer: signer ?? null }), 403);
    }
    await next();
  };

  owned.get("/:id/deliveries", authenticate, ownerOnly, async (c) => {
    const status = c.req.query("status");
    if (status !== undefined && !STATUSES.includes(status as OutboxStatus)) {
      return c.json(errorBody("invalid_status", `status must be one of ${STATUSES.join(", ")}`), 400);
    }
    const after = Number(c.req.query("after") ?? 0);
    const limit = Number(c.req.query("limit") ?? 100);
    if (!Number.isSafeInteger(after) || after < 0) return c.json(errorBody("invalid_cursor", "after must be a sequence number ≥ 0"), 400);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return c.json(errorBody("invalid_limit", "limit must be in [1, 1000]"), 400);
    const items = await listDeliveries(db, c.req.param("id")!, { status: status as OutboxStatus | undefined, afterSequence: after, limit });
    return c.json({ items, nextCursor: items.length === limit ? String(items.at(-1)!.sequence) : null });
  });

  owned.post("/:id/redrive", authenticate, ownerOnly, async (c) => {
    const text = await c.req.text();
    let deliveryId: string | undefined;
    if (text.trim() !== "") {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return c.json(errorBody("invalid_body", "The body must be JSON"), 400);
      }
      const value = (body as { deliveryId?: unknown })?.deliveryId;
      if (value !== undefined && (typeof value !== "string" || !/^msg_[0-9a-f]{32}$/.test(value))) {
        return c.json(errorBody("invalid_delivery_id", "deliveryId must be a webhook-id msg_<32 hex>"), 400);
      }
      deliveryId = value as string | undefined;
    }
    const ids = await redrive(db, c.req.param("id")!, { deliveryId });
    if (deliveryId !== undefined && ids.length === 0) {
      return c.json(errorBody("delivery_not_found", `No dead delivery ${deliveryId} in subscription ${c.req.param("id")}`), 404);
    }
    options.onRedrive?.();
    return c.json({ redriven: ids.length, ids });
  });

  app.route("/v1/subscriptions", owned);

  app.notFound((c) => c.json(errorBody("route_not_found", `No route ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    if (error instanceof RelayError) return c.json(errorBody(error.code, error.message, error.details), 400);
    console.error(`[relay] ${c.req.method} ${c.req.path}:`, error);
    return c.json(errorBody("internal_error", "Internal error"), 500);
  });
  return app;
}
