/**
 * Claims beside a paused subscription's backlog: `held` queued rows of one paused subscription and a few due rows
 * of an active one, in the relay's own store (Postgres in a fresh schema, or PGlite in a temp directory). Times
 * claimDueDeliveries (outbox.ts) as the relay runs it, with the backlog held (status `held`, what the relay does
 * since session 4, syncHeldDeliveries) and with the same rows left `pending` (what it did before: every claim
 * walked past them and tested each one's subscription).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDb } from "../../indexer/relay/db/openDb.ts";
import { claimDueDeliveries, completeDeliveries, enqueueDeliveries, syncHeldDeliveries, type NewDelivery } from "../../indexer/relay/outbox.ts";
import { storeActiveSubscriptions } from "../../indexer/relay/subscriptionCache.ts";
import { parseSubscription } from "../../indexer/relay/subscription.ts";
import { percentile } from "./result.ts";

export type HeldClaimsReport = { store: "postgres" | "pglite"; held: number; claims: number; heldMs: { p50: number; max: number }; pendingMs: { p50: number; max: number } };

const subscription = (id: string, status: "active" | "paused") =>
  parseSubscription({ id, owner: `0x${"55".repeat(20)}`, swarmId: "1", kinds: 4, member: null, endpoint: `http://127.0.0.1:9/${id}`, status, mode: "immediate", confirmations: 0, ordered: false, createdBlock: "0", createdEventId: "" });

const rows = (subscriptionId: string, from: number, n: number): NewDelivery[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${subscriptionId}-${from + i}`, subscriptionId, eventId: `e${from + i}`, kind: "immediate", eventType: "message.broadcast", blockNumber: "5", blockHash: "0x05", refId: null, body: "{}" }));

export async function measureHeldClaims(options: { databaseUrl?: string; held: number; claims: number }): Promise<HeldClaimsReport> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "held-claims-"));
  const schema = `bench_held_${process.pid}_${Date.now()}`;
  const db = await openDb({ databaseUrl: options.databaseUrl, dbSchema: schema, dataDir: dir, concurrency: 32 });
  try {
    await storeActiveSubscriptions(db, [subscription("backlog", "active"), subscription("live", "active")]);
    for (let from = 0; from < options.held; from += 5_000) await enqueueDeliveries(db, rows("backlog", from, Math.min(5_000, options.held - from)), 1_000);
    await storeActiveSubscriptions(db, [subscription("backlog", "paused"), subscription("live", "active")]);
    await db.query("ANALYZE relay_outbox, relay_subscriptions");
    // Each claim takes the one due row of the live subscription, which is then completed and a new one queued.
    const time = async (label: string): Promise<number[]> => {
      const ms: number[] = [];
      for (let i = 0; i < options.claims; i++) {
        await enqueueDeliveries(db, rows("live", i, 1).map((d) => ({ ...d, id: `${d.id}-${label}` })), 2_000);
        const started = performance.now();
        const claimed = await claimDueDeliveries(db, "bench", 10, 60_000, 3_000);
        ms.push(performance.now() - started);
        if (claimed.length !== 1 || claimed[0]!.subscriptionId !== "live") throw new Error(`claim took ${claimed.length} row(s), expected the live one`);
        await completeDeliveries(db, "bench", claimed.map((c) => ({ id: c.id, status: "delivered", statusCode: 200, error: null, nextAttemptAt: null })));
      }
      return ms;
    };
    const heldMs = await time("held");
    await db.query("UPDATE relay_outbox SET status = 'pending' WHERE status = 'held'");
    const pendingMs = await time("pending");
    await syncHeldDeliveries(db);
    const s = (v: number[]) => ({ p50: Math.round(percentile(v, 50) * 10) / 10, max: Math.round(Math.max(...v) * 10) / 10 });
    return { store: options.databaseUrl ? "postgres" : "pglite", held: options.held, claims: options.claims, heldMs: s(heldMs), pendingMs: s(pendingMs) };
  } finally {
    if (options.databaseUrl) await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
