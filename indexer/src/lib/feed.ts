/**
 * `recordEvent`: writes one row of the unified feed (`concord_events`) for the log being handled. Every
 * handler calls it once per log, after its own writes:
 *
 *   await recordEvent(context, event, {
 *     type: "task.claimed", swarmId, members: [claimant, task.poster],
 *     fencingToken: { kind: "epoch", value: epoch }, data: { status: "claimed" },
 *   });
 *
 * - `data` defaults to the event's decoded arguments ({@link jsonArgs}); the handler's `data` entries are
 *   merged over them (enum names, derived values);
 * - `members` are lowercased, deduplicated, zero address dropped ({@link memberList});
 * - `contract` is the family's contract (`task.*` → TaskBoard, see EVENT_FAMILIES); `address` the log's.
 * Deterministic: reads only the event (no chain calls).
 *
 * Adding a contract to the index: add its types to EVENT_TYPES (and a family to EVENT_FAMILIES if new) in
 * ./eventBody.ts, call recordEvent from each of its handlers, and list the types in indexer/src/api/README.md
 * (test/indexer/events.unit.test.ts checks that every handler file calls recordEvent with known types).
 */
import type { Context } from "ponder:registry";
import { concordEvent } from "ponder:schema";
import type { Hex } from "viem";
import type { EventLike } from "./chain.ts";
import { type EventType, type FencingToken, contractOfType, jsonArgs, memberList } from "./eventBody.ts";

/** The parts of a Ponder log event the feed reads (a superset of {@link EventLike}). */
export type FeedEventLike = EventLike & {
  args: unknown;
  transaction: { transactionIndex: number };
  log: { address: Hex };
};

export type RecordEventInput = {
  type: EventType;
  /** null / undefined for events outside a swarm; 0 is stored as null (raw subscriptions). */
  swarmId: bigint | null | undefined;
  members: readonly (string | null | undefined)[];
  fencingToken?: { kind: FencingToken["kind"]; value: bigint | number } | null;
  data?: Record<string, unknown>;
};

export async function recordEvent(context: Context, event: FeedEventLike, input: RecordEventInput): Promise<void> {
  const args = (jsonArgs(event.args) ?? {}) as Record<string, unknown>;
  await context.db.insert(concordEvent).values({
    id: event.id,
    type: input.type,
    chainId: context.chain.id,
    blockNumber: event.block.number,
    blockHash: event.block.hash,
    blockTimestamp: event.block.timestamp,
    txHash: event.transaction.hash,
    txIndex: event.transaction.transactionIndex,
    logIndex: event.log.logIndex,
    contract: contractOfType(input.type),
    address: event.log.address.toLowerCase() as Hex,
    swarmId: input.swarmId == null || input.swarmId === 0n ? null : input.swarmId,
    members: memberList(input.members),
    fencingToken:
      input.fencingToken == null ? null : { kind: input.fencingToken.kind, value: input.fencingToken.value.toString() },
    data: { ...args, ...(input.data === undefined ? {} : (jsonArgs(input.data) as Record<string, unknown>)) },
  });
}
