/**
 * The scheduler's HTTP routes on the relay API (no auth):
 *
 *   POST /v1/schedules/validate   body {"cron": "<expr>"} → 200 {valid: true, cron, next: [5 ISO times, UTC]}
 *                                 or 400 {error: {code: "invalid_cron", message, details: {expr, field, fieldName, reason}}}
 *
 * The contract checks only a cron expression's syntax; register through this check first (the scheduler never
 * fires an expression it refuses). The schedule secrets routes are in ../secrets/schedules.ts.
 *
 * Wallet-signed, the schedule's owner only (`scheduleDeliveryRoutes`), like the subscription routes of ../api.ts:
 *   GET  /v1/schedules/:id/deliveries    the schedule's fire webhooks (?status=&after=<sequence>&limit=1..1000)
 *   POST /v1/schedules/:id/redrive       dead fire webhooks → pending (body {} or {"deliveryId": "msg_…"}); also
 *                                        lifts a 410 disable
 */
import { Hono, type MiddlewareHandler } from "hono";
import { listDeliveries, OUTBOX_STATUSES as STATUSES, redrive, type OutboxStatus } from "../outbox.ts";
import type { OwnerLookup } from "../secrets/index.ts";
import { scheduleOwnerOnly } from "../secrets/schedules.ts";
import { CronError, nextFireTimes, parseCron } from "./cron.ts";

const errorBody = (code: string, message: string, details?: Record<string, unknown>) => ({ error: { code, message, ...(details ? { details } : {}) } });

export function schedulerRoutes({ now = Date.now }: { now?: () => number } = {}): Hono {
  const app = new Hono();
  app.post("/v1/schedules/validate", async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return c.json(errorBody("invalid_body", 'The body must be JSON: {"cron": "<expression>"}'), 400);
    }
    const cron = (body as { cron?: unknown } | null)?.cron;
    if (typeof cron !== "string") return c.json(errorBody("invalid_body", 'The body must be JSON: {"cron": "<expression>"}'), 400);
    try {
      const spec = parseCron(cron);
      const next = nextFireTimes(spec, Math.floor(now() / 1000), 5).map((t) => new Date(t * 1000).toISOString());
      return c.json({ valid: true, cron, next });
    } catch (error) {
      if (!(error instanceof CronError)) throw error;
      return c.json(errorBody("invalid_cron", error.message, { expr: error.expr, field: error.field, fieldName: error.fieldName, reason: error.reason }), 400);
    }
  });
  return app;
}


/** Deliveries and redrive of a schedule's fire webhooks (absolute paths; mount with app.route("/", …)). */
export function scheduleDeliveryRoutes({ db, auth, ownerOf, onRedrive }: { db: Parameters<typeof listDeliveries>[0]; auth: MiddlewareHandler; ownerOf: OwnerLookup; onRedrive?: () => void }): Hono {
  const app = new Hono();
  const owned = scheduleOwnerOnly(ownerOf, "do this");
  for (const path of ["/v1/schedules/:id/deliveries", "/v1/schedules/:id/redrive"]) app.use(path, auth, owned);

  app.get("/v1/schedules/:id/deliveries", async (c) => {
    const status = c.req.query("status");
    if (status !== undefined && !STATUSES.includes(status as OutboxStatus)) return c.json(errorBody("invalid_status", `status must be one of ${STATUSES.join(", ")}`), 400);
    const after = Number(c.req.query("after") ?? 0);
    const limit = Number(c.req.query("limit") ?? 100);
    if (!Number.isSafeInteger(after) || after < 0) return c.json(errorBody("invalid_cursor", "after must be a sequence number ≥ 0"), 400);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return c.json(errorBody("invalid_limit", "limit must be in [1, 1000]"), 400);
    const items = await listDeliveries(db, `schedule:${c.req.param("id")}`, { status: status as OutboxStatus | undefined, afterSequence: after, limit });
    return c.json({ items, nextCursor: items.length === limit ? String(items.at(-1)!.sequence) : null });
  });

  app.post("/v1/schedules/:id/redrive", async (c) => {
    const text = await c.req.text();
    let deliveryId: string | undefined;
    if (text.trim() !== "") {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return c.json(errorBody("invalid_body", "The body must be JSON"), 400);
      }
      const value = (body as { deliveryId?: unknown } | null)?.deliveryId;
      if (value !== undefined && (typeof value !== "string" || !/^msg_[0-9a-f]{32}$/.test(value))) {
        return c.json(errorBody("invalid_delivery_id", "deliveryId must be a webhook-id msg_<32 hex>"), 400);
      }
      deliveryId = value as string | undefined;
    }
    const ids = await redrive(db, `schedule:${c.req.param("id")}`, { deliveryId });
    if (deliveryId !== undefined && ids.length === 0) {
      return c.json(errorBody("delivery_not_found", `No dead delivery ${deliveryId} of schedule ${c.req.param("id")}`), 404);
    }
    onRedrive?.();
    return c.json({ redriven: ids.length, ids });
  });
  return app;
}
