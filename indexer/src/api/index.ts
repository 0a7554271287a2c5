/**
 * Concord indexer HTTP API (Hono, served by Ponder next to its own /health, /ready, /status, /metrics):
 * - /graphql   Ponder's GraphQL API over every table of ponder.schema.ts
 * - /sql/*     SQL over HTTP (@ponder/client, live queries)
 * - /v1/...    small REST routes for agents (see ./v1/); errors are JSON `{ error: { code, message, details? } }`
 */
import { Hono } from "hono";
import { db } from "ponder:api";
import schema from "ponder:schema";
import { client, graphql } from "ponder";
import { ApiError, errorBody } from "./lib/errors.ts";
import { v1 } from "./v1/index.ts";

const app = new Hono();

app.use("/sql/*", client({ db, schema }));
app.use("/graphql", graphql({ db, schema }));
app.route("/v1", v1);

// Unknown routes (Ponder's own routes are registered before this app and answer first).
app.all("*", (c) =>
  c.json(errorBody("route_not_found", `No route ${c.req.method} ${c.req.path}`), 404),
);

app.onError((error, c) => {
  if (error instanceof ApiError) return c.json(error.toBody(), error.status);
  console.error(`[api] ${c.req.method} ${c.req.path}:`, error);
  return c.json(errorBody("internal_error", "Internal error"), 500);
});

export default app;
