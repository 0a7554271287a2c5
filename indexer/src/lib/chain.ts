/**
 * Helpers shared by the indexing functions: the chain cursor columns every row carries and the names of
 * the contracts' enums. Pure functions of the event (indexing stays deterministic, no outside calls).
 *
 * Ponder executes every file under src/ (except src/api/) as an indexing file; this one only exports helpers.
 */
import type { Hex } from "viem";

/** The parts of a Ponder log event the helpers read. */
export type EventLike = {
  id: string;
  block: { number: bigint; hash: Hex; timestamp: bigint };
  transaction: { hash: Hex; from: Hex };
  log: { logIndex: number };
};

/** Cursor columns of a history row (keyed by `event.id`). */
export function historyCursor(event: EventLike, chainId: number) {
  return {
    chainId,
    blockNumber: event.block.number,
    blockHash: event.block.hash,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
    logIndex: event.log.logIndex,
  };
}

/** `updated*` cursor columns of a current-state row (the log that last touched it). */
export function updatedCursor(event: EventLike) {
  return {
    updatedBlock: event.block.number,
    updatedAt: event.block.timestamp,
    updatedBlockHash: event.block.hash,
    updatedTxHash: event.transaction.hash,
    updatedLogIndex: event.log.logIndex,
  };
}

/** Same as {@link updatedCursor} without the block hash (for the smaller tables). */
export function updatedCursorShort(event: EventLike) {
  return {
    updatedBlock: event.block.number,
    updatedAt: event.block.timestamp,
    updatedTxHash: event.transaction.hash,
    updatedLogIndex: event.log.logIndex,
  };
}

/** ISwarmRegistry.MembershipPolicy, by ordinal. */
export const MEMBERSHIP_POLICIES = ["open", "allowlist", "invite", "token_gated"] as const;
/** ISwarmRegistry.GateKind, by ordinal. */
export const GATE_KINDS = ["none", "erc20", "erc721"] as const;

function enumName(names: readonly string[], value: number | bigint): string {
  return names[Number(value)] ?? `unknown_${value.toString()}`;
}

export const policyName = (value: number | bigint): string => enumName(MEMBERSHIP_POLICIES, value);
export const gateKindName = (value: number | bigint): string => enumName(GATE_KINDS, value);

/** Lowercases an address / hash (stored and returned lowercase everywhere). */
export const lower = <T extends string>(value: T): Hex => value.toLowerCase() as Hex;
