/**
 * The scheduler's HTTP routes on the relay API (no auth):
 *
 *   POST /v1/schedules/validate   body {"cron": "<expr>"} → 200 {valid: true, cron, next: [5 ISO times, UTC]}
 *                                 or 400 {error: {code: "invalid_cron", message, details: {expr, field, fieldName, reason}}}
 *
 * The contract checks only a cron expression's syntax; register through this check first (the scheduler never
 * fires an expression it refuses). The schedule secrets routes are in ../secrets/schedules.ts.
 */
import { Hono } from "hono";
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
