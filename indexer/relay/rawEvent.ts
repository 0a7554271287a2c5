/**
 * Raw-log webhooks (KIND_RAW subscriptions: a contract address + up to 4 topics, the zero word = any).
 *
 * Body: the same envelope as the feed's events (indexer/src/lib/eventBody.ts) with `type` "log.raw",
 * `contract` null, `swarmId` null, `members` [], `fencingToken` null, and the undecoded log: `topics` (array of
 * 32-byte hex) and `data` (hex). `id` is the Ponder checkpoint of the log (the same encoding as the feed's ids,
 * so it sorts with them: block timestamp, chain id, block number, tx index, event type 5, log index) followed
 * by ":raw"; the webhook-id is derived from it like for any event (deliveryId.ts).
 */
import type { Hex } from "viem";
import type { RelaySubscription } from "./subscription.ts";

export const RAW_LOG_TYPE = "log.raw";
export const RAW_EVENT_ID_SUFFIX = ":raw";
const ZERO_TOPIC = /^0x0{64}$/i;

export type RawLog = {
  address: Hex;
  topics: readonly Hex[];
  data: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  blockTimestamp: bigint;
  transactionHash: Hex;
  transactionIndex: number;
  logIndex: number;
};

export type RawEventBody = {
  id: string;
  type: typeof RAW_LOG_TYPE;
  chainId: number;
  blockNumber: string;
  blockHash: Hex;
  blockTimestamp: string;
  txHash: Hex;
  txIndex: number;
  logIndex: number;
  contract: null;
  address: Hex;
  swarmId: null;
  members: [];
  fencingToken: null;
  topics: Hex[];
  data: Hex;
};

/** The feed-compatible position of a log (Ponder's checkpoint encoding, event type 5 = log). */
export function rawEventId(chainId: number, log: Pick<RawLog, "blockTimestamp" | "blockNumber" | "transactionIndex" | "logIndex">): string {
  return (
    log.blockTimestamp.toString().padStart(10, "0") +
    String(chainId).padStart(16, "0") +
    log.blockNumber.toString().padStart(16, "0") +
    String(log.transactionIndex).padStart(16, "0") +
    "5" +
    String(log.logIndex).padStart(16, "0") +
    RAW_EVENT_ID_SUFFIX
  );
}

export function rawEventBody(chainId: number, log: RawLog): RawEventBody {
  return {
    id: rawEventId(chainId, log),
    type: RAW_LOG_TYPE,
    chainId,
    blockNumber: log.blockNumber.toString(),
    blockHash: log.blockHash.toLowerCase() as Hex,
    blockTimestamp: log.blockTimestamp.toString(),
    txHash: log.transactionHash.toLowerCase() as Hex,
    txIndex: log.transactionIndex,
    logIndex: log.logIndex,
    contract: null,
    address: log.address.toLowerCase() as Hex,
    swarmId: null,
    members: [],
    fencingToken: null,
    topics: log.topics.map((t) => t.toLowerCase() as Hex),
    data: log.data.toLowerCase() as Hex,
  };
}

/** Does a raw log match a raw filter? Same address; each non-zero filter topic equal to the log's topic there. */
export function matchesRawFilter(subscription: Pick<RelaySubscription, "rawAddress" | "topics">, log: Pick<RawEventBody, "address" | "topics">): boolean {
  if (subscription.rawAddress === null || subscription.rawAddress !== log.address.toLowerCase()) return false;
  return subscription.topics.every((topic, i) => ZERO_TOPIC.test(topic) || log.topics[i]?.toLowerCase() === topic.toLowerCase());
}
