/**
 * The event the indexer feed serves and the relay POSTs: exactly the body of PERCEPTION.md
 * (indexer/src/lib/eventBody.ts builds it). The relay reads a few fields (checked below) and forwards the rest
 * untouched, so the body a receiver gets is the feed's JSON (re-serialized once, field order kept).
 */
import type { EventBody } from "../src/lib/eventBody.ts";

export type FeedEvent = EventBody;

/** Checks the fields the relay relies on (throws a readable message for the FeedError). */
export function parseFeedEvent(value: unknown): FeedEvent {
  if (typeof value !== "object" || value === null) throw new Error("an event is not an object");
  const e = value as Record<string, unknown>;
  if (typeof e.id !== "string" || e.id === "") throw new Error("an event has no string id");
  if (typeof e.type !== "string") throw new Error(`event ${e.id} has no type`);
  if (typeof e.blockHash !== "string") throw new Error(`event ${e.id} has no blockHash`);
  const blockNumber = typeof e.blockNumber === "number" || typeof e.blockNumber === "bigint" ? String(e.blockNumber) : e.blockNumber;
  if (typeof blockNumber !== "string" || !/^\d+$/.test(blockNumber)) throw new Error(`event ${e.id} has no decimal blockNumber`);
  const swarmId = e.swarmId === null || e.swarmId === undefined ? null : String(e.swarmId);
  const members = Array.isArray(e.members) ? e.members.map((m) => String(m).toLowerCase()) : [];
  return { ...e, id: e.id, type: e.type, blockHash: e.blockHash, blockNumber, swarmId, members, chainId: Number(e.chainId) } as FeedEvent;
}
