/**
 * Only one relay process ingests at a time (every process delivers): a lease row in relay_leader. The holder
 * renews it every cycle; if it dies, another process takes over once `lease_until` has passed. The ingest
 * transaction also compare-and-sets the cursor, so even two processes that both believe they lead (a long
 * pause) cannot skip or double-advance it.
 */
import type { Queryable } from "./db/Db.ts";
import { acquireLease, leaseHolder, releaseLease } from "./leases.ts";

/** Takes or renews the ingest lease; true when `holder` leads until `now + leaseMs`. */
export async function acquireIngestLease(db: Queryable, holder: string, leaseMs: number, now = Date.now()): Promise<boolean> {
  return acquireLease(db, "ingest", holder, leaseMs, now);
}

export async function releaseIngestLease(db: Queryable, holder: string): Promise<void> {
  await releaseLease(db, "ingest", holder);
}

export async function ingestLeader(db: Queryable): Promise<{ holder: string | null; leaseUntil: number }> {
  return leaseHolder(db, "ingest");
}
