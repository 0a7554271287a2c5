/** Opens the relay's store from its config — Postgres when DATABASE_URL is set, else PGlite — and migrates it. */
import type { RelayConfig } from "../config.ts";
import type { Db } from "./Db.ts";
import { migrate } from "./migrate.ts";
import { openPglite } from "./openPglite.ts";
import { openPostgres } from "./openPostgres.ts";

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
