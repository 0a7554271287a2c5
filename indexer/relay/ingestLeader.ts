/**
 * Only one relay process ingests at a time (every process delivers): a lease row in relay_leader. The holder
 * renews it every cycle; if it dies, another process takes over once `lease_until` has passed. The ingest
 * transaction also compare-and-sets the cursor, so even two processes that both believe they lead (a long
 * pause) cannot skip or double-advance it.
 */
import type { Queryable } from "./db/Db.ts";

/** Takes or renews the ingest lease; true when `holder` leads until `now + leaseMs`. */
export async function acquireIngestLease(db: Queryable, holder: string, leaseMs: number, now = Date.now()): Promise<boolean> {
  const rows = await db.query(
    `UPDATE relay_leader SET holder = $1, lease_until = $2
     WHERE name = 'ingest' AND (holder = $1 OR holder IS NULL OR lease_until < $3) RETURNING holder`,
    [holder, now + leaseMs, now],
  );
  return rows.length > 0;
}

export async function releaseIngestLease(db: Queryable, holder: string): Promise<void> {
  await db.query("UPDATE relay_leader SET holder = NULL, lease_until = 0 WHERE name = 'ingest' AND holder = $1", [holder]);
}

export async function ingestLeader(db: Queryable): Promise<{ holder: string | null; leaseUntil: number }> {
  const [row] = await db.query<{ holder: string | null; lease_until: string | number }>("SELECT holder, lease_until FROM relay_leader WHERE name = 'ingest'");
  return { holder: row?.holder ?? null, leaseUntil: Number(row?.lease_until ?? 0) };
}
