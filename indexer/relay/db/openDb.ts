/** Opens the relay's store from its config — Postgres when DATABASE_URL is set, else PGlite — and migrates it. */
import type { RelayConfig } from "../config.ts";
import type { Db, Queryable } from "./Db.ts";
import { migrate } from "./migrate.ts";
import { openPglite } from "./openPglite.ts";
import { openPostgres } from "./openPostgres.ts";

/** Wraps a Db so statements slower than `slowMs` are logged (RELAY_LOG_SLOW_MS; 0 = off). */
export function logSlowQueries(db: Db, slowMs: number, log: (message: string) => void): Db {
  if (slowMs <= 0) return db;
  const timed = (target: Queryable, label: string): Queryable => ({
    async query(sql, params) {
      const started = performance.now();
      try {
        return await target.query(sql, params);
      } finally {
        const ms = performance.now() - started;
        if (ms >= slowMs) log(`slow ${label} ${ms.toFixed(0)} ms: ${sql.replace(/\s+/g, " ").slice(0, 160)}`);
      }
    },
  });
  return {
    ...db,
    query: timed(db, "query").query,
    transaction: (fn) => db.transaction((tx) => fn(timed(tx, "tx query"))),
  } as Db;
}

export async function openDb(config: Pick<RelayConfig, "databaseUrl" | "dbSchema" | "dataDir" | "concurrency">): Promise<Db> {
  const db = config.databaseUrl
    ? await openPostgres({ connectionString: config.databaseUrl, schema: config.dbSchema, max: Math.min(20, 4 + Math.ceil(config.concurrency / 4)) })
    : await openPglite(config.dataDir);
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}
