/** The ingest cursor (relay_cursor 'events'): the id of the last feed event consumed, and the head block seen. */
import { IngestConflictError } from "./errors.ts";
import type { Queryable } from "./db/Db.ts";

export async function readCursor(db: Queryable): Promise<{ eventId: string; headBlock: number }> {
  const [row] = await db.query<{ event_id: string; head_block: string | number }>("SELECT event_id, head_block FROM relay_cursor WHERE name = 'events'");
  return { eventId: row?.event_id ?? "", headBlock: Number(row?.head_block ?? 0) };
}

/** Inside a transaction: locks the cursor row and checks nobody moved it since `expected` was read. */
export async function lockCursor(tx: Queryable, expected: string): Promise<void> {
  const [row] = await tx.query<{ event_id: string }>("SELECT event_id FROM relay_cursor WHERE name = 'events' FOR UPDATE");
  const found = row?.event_id ?? "";
  if (found !== expected) throw new IngestConflictError(expected, found);
}

export async function writeCursor(tx: Queryable, eventId: string, now = Date.now()): Promise<void> {
  await tx.query("UPDATE relay_cursor SET event_id = $1, updated_at = $2 WHERE name = 'events'", [eventId, now]);
}

export async function writeHeadBlock(db: Queryable, headBlock: number): Promise<void> {
  await db.query("UPDATE relay_cursor SET head_block = $1 WHERE name = 'events'", [headBlock]);
}
