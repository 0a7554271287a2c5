/**
 * Named leases in relay_leader: one holder at a time per job among several relay processes (ingest, scheduler,
 * attestor). The holder renews its lease while it works; if it dies, another process takes over once
 * `lease_until` has passed. A lease only elects who does the work: each job also guards its own writes
 * (cursor compare-and-set, primary keys), so two processes that both believe they lead cannot corrupt anything.
 */
import type { Queryable } from "./db/Db.ts";

/** Takes or renews lease `name`; true when `holder` holds it until `now + leaseMs`. The row must exist (migrations). */
export async function acquireLease(db: Queryable, name: string, holder: string, leaseMs: number, now = Date.now()): Promise<boolean> {
  const rows = await db.query(
    `UPDATE relay_leader SET holder = $1, lease_until = $2
     WHERE name = $4 AND (holder = $1 OR holder IS NULL OR lease_until < $3) RETURNING holder`,
    [holder, now + leaseMs, now, name],
  );
  return rows.length > 0;
}

/** Gives lease `name` up if `holder` holds it (a clean stop: the next process need not wait for the expiry). */
export async function releaseLease(db: Queryable, name: string, holder: string): Promise<void> {
  await db.query("UPDATE relay_leader SET holder = NULL, lease_until = 0 WHERE name = $1 AND holder = $2", [name, holder]);
}

/** Who holds lease `name`, and until when (epoch ms; 0 = free). */
export async function leaseHolder(db: Queryable, name: string): Promise<{ holder: string | null; leaseUntil: number }> {
  const [row] = await db.query<{ holder: string | null; lease_until: string | number }>("SELECT holder, lease_until FROM relay_leader WHERE name = $1", [name]);
  return { holder: row?.holder ?? null, leaseUntil: Number(row?.lease_until ?? 0) };
}
