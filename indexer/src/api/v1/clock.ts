/**
 * The indexer's clock: the latest block it has indexed (Ponder's `_ponder_checkpoint`), whose timestamp is
 * "now" for the clock-derived fields of the consensus routes (lease live, lock expired, proposal state).
 */
import { db } from "ponder:api";
import { sql } from "ponder";
import { decodeCheckpoint } from "../lib/consensusParams.ts";

export type IndexedHead = { blockNumber: bigint; timestamp: bigint };

/** The latest indexed block (the lowest over chains; Concord indexes one). Block 0 at time 0 before any. */
export async function indexedHead(): Promise<IndexedHead> {
  const result = (await db.execute(sql`SELECT latest_checkpoint FROM _ponder_checkpoint`)) as unknown as {
    rows: { latest_checkpoint: string }[];
  };
  let head: IndexedHead | undefined;
  for (const row of result.rows) {
    const { blockNumber, blockTimestamp } = decodeCheckpoint(row.latest_checkpoint);
    if (head === undefined || blockTimestamp < head.timestamp) head = { blockNumber, timestamp: blockTimestamp };
  }
  return head ?? { blockNumber: 0n, timestamp: 0n };
}
