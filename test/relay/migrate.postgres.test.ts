/**
 * The relay's schema migration on Postgres (127.0.0.1:5432, database `test`, a fresh schema per run): a relay that
 * starts beside a busy one takes no table lock when the schema is current (before, its no-op
 * `CREATE INDEX IF NOT EXISTS` waited for the other process's open transaction and could deadlock with it), a
 * changed script runs once, concurrent first starts serialize, and an outbox of the previous version gets the
 * 'held' status in its check.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../indexer/relay/db/Db.ts";
import { migrate, runMigration } from "../../indexer/relay/db/migrate.ts";
import { openPostgres } from "../../indexer/relay/db/openPostgres.ts";
import { migrateAuth } from "../../indexer/relay/auth/index.ts";
import { migrateScheduler } from "../../indexer/relay/scheduler/store.ts";

const POSTGRES_URL = process.env.RELAY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SCHEMA = `relay_migrate_${process.pid}_${Date.now()}`;

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms))]);

describe("relay schema migration on Postgres", () => {
  const dbs: Db[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) dbs.push(await openPostgres({ connectionString: POSTGRES_URL, schema: SCHEMA, max: 3 }));
  });
  afterAll(async () => {
    if (dbs[0]) await dbs[0].query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    for (const db of dbs) await db.close();
  });

  it("concurrent first starts create the schema once; each script's version is recorded", async () => {
    await Promise.all(dbs.map(async (db) => {
      await migrate(db);
      await migrateScheduler(db);
      await migrateAuth(db);
    }));
    const versions = await dbs[0]!.query<{ name: string; digest: string }>("SELECT name, digest FROM relay_schema_versions ORDER BY name");
    expect(versions.map((v) => v.name)).toEqual(["auth", "core", "scheduler"]);
    expect(versions.every((v) => /^[0-9a-f]{64}$/.test(v.digest))).toBe(true);
  });

  it("a restart beside an open write transaction of another process takes no table lock and does not wait", async () => {
    const [busy, starting] = dbs as [Db, Db];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const hasLock = new Promise<void>((resolve) => (locked = resolve));
    // The "running relay": a transaction that wrote to relay_outbox and stays open.
    const running = busy.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO relay_outbox (id, subscription_id, event_id, kind, event_type, block_number, block_hash, body, next_attempt_at, created_at)
         VALUES ('msg_busy', 's', 'e', 'immediate', 'message.broadcast', 1, '0x', '{}', 0, 0)`,
      );
      locked();
      await held;
    });
    await hasLock;
    try {
      // Before: CREATE INDEX IF NOT EXISTS relay_outbox_… needed a SHARE lock on relay_outbox and waited here.
      await within(
        (async () => {
          await migrate(starting);
          await migrateScheduler(starting);
          await migrateAuth(starting);
        })(),
        5_000,
        "migrating beside an open transaction",
      );
    } finally {
      release();
      await running;
    }
  });

  it("a changed script runs once (the new version is recorded); a failing one leaves the old version", async () => {
    const [a, b] = dbs as [Db, Db];
    const v1 = "CREATE TABLE IF NOT EXISTS relay_migrate_probe (id INT PRIMARY KEY);\n";
    const v2 = `${v1}ALTER TABLE relay_migrate_probe ADD COLUMN IF NOT EXISTS note TEXT;\n`;
    await runMigration(a, "probe", v1);
    await Promise.all([runMigration(a, "probe", v2), runMigration(b, "probe", v2)]);
    const columns = await a.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'relay_migrate_probe' ORDER BY column_name",
      [SCHEMA],
    );
    expect(columns.map((c) => c.column_name)).toEqual(["id", "note"]);
    const [before] = await a.query<{ digest: string }>("SELECT digest FROM relay_schema_versions WHERE name = 'probe'");
    await expect(runMigration(a, "probe", `${v2}ALTER TABLE relay_missing ADD COLUMN x INT;\n`)).rejects.toThrow(/relay_missing/);
    const [after] = await a.query<{ digest: string }>("SELECT digest FROM relay_schema_versions WHERE name = 'probe'");
    expect(after!.digest).toBe(before!.digest);
  });

  it("an outbox of the previous version gets the 'held' status in its check when the new script runs", async () => {
    const [a] = dbs as [Db];
    await a.query(`ALTER TABLE relay_outbox DROP CONSTRAINT relay_outbox_status_check`);
    await a.query(`ALTER TABLE relay_outbox ADD CONSTRAINT relay_outbox_status_check CHECK (status IN ('pending', 'delivering', 'delivered', 'dead', 'cancelled'))`);
    await a.query("UPDATE relay_schema_versions SET digest = 'previous' WHERE name = 'core'");
    await a.query(
      `INSERT INTO relay_outbox (id, subscription_id, event_id, kind, event_type, block_number, block_hash, body, next_attempt_at, created_at)
       VALUES ('msg_held', 's', 'e', 'immediate', 'message.broadcast', 1, '0x', '{}', 0, 0)`,
    );
    await expect(a.query("UPDATE relay_outbox SET status = 'held' WHERE id = 'msg_held'")).rejects.toThrow(/relay_outbox_status_check/);
    await migrate(a);
    await a.query("UPDATE relay_outbox SET status = 'held' WHERE id = 'msg_held'");
    await expect(a.query("UPDATE relay_outbox SET status = 'lost' WHERE id = 'msg_held'")).rejects.toThrow(/relay_outbox_status_check/);
  });
});
