/**
 * Parameters and clock-derived views of the consensus routes (locks, leader, proposals). Pure module (no
 * Ponder virtual imports), unit-tested directly; the rules extend ./params.ts:
 *
 * - a lock id is `<swarmId>:<lockName>`: the swarm id in canonical decimal, a colon, then the lock name given
 *   like a state key (0x + 64 hex digits, or a UTF-8 string of 1..32 bytes right-padded with zero bytes).
 *   The split is at the first colon, so a string name may itself contain colons (`1:jobs:nightly`). The
 *   colon may be sent percent-encoded (`1%3A…`);
 * - proposal ids are canonical decimal uint256;
 * - `status` of the proposal list is one or more of PROPOSAL_STATES, comma-separated.
 *
 * "Now" for the clock-derived fields (lease live, lock expired, proposal active / ended) is the timestamp of
 * the latest block the indexer has indexed, the same clock the contracts read in that block.
 */
import { z } from "zod";
import { invalidParameter } from "./errors.ts";
import { type Hex, bytes32Schema, limitSchema, parseParams, uint256Schema } from "./params.ts";

/** `/v1/locks/:id` with id `<swarmId>:<lockName>`. */
export function parseLockId(raw: string | undefined): { swarmId: bigint; lockName: Hex } {
  const id = raw ?? "";
  const colon = id.indexOf(":");
  if (colon < 0) {
    throw invalidParameter([
      { param: "id", message: "a lock id is <swarmId>:<lockName>, e.g. 1:leader-lock or 1:0x…(64 hex digits)" },
    ]);
  }
  const parsed = parseParams(z.object({ swarmId: uint256Schema, lockName: bytes32Schema }), {
    swarmId: id.slice(0, colon),
    lockName: id.slice(colon + 1),
  });
  return { swarmId: parsed.swarmId, lockName: parsed.lockName };
}

/** `/v1/swarms/:id/locks/:name`. */
export function parseLockName(raw: string | undefined): Hex {
  return parseParams(z.object({ name: bytes32Schema }), { name: raw }).name;
}

/** The canonical lock id the API answers: `<swarmId>:<lockName as 0x + 64 hex digits>`. */
export function lockId(swarmId: bigint, lockName: Hex): string {
  return `${swarmId.toString()}:${lockName.toLowerCase()}`;
}

/** `/v1/proposals/:id`. */
export function parseProposalId(raw: string | undefined): bigint {
  return parseParams(z.object({ id: uint256Schema }), { id: raw }).id;
}

/**
 * A proposal's lifecycle state, as IProposals.state() names it (lowercase): the recorded status for
 * finished proposals, else from the clock. `open` is accepted as a filter meaning "not finished" (pending,
 * active, revealing or ended).
 */
export const PROPOSAL_STATES = [
  "pending",
  "active",
  "revealing",
  "ended",
  "cancelled",
  "passed",
  "rejected",
  "quorum_not_reached",
  "executed",
] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];
export const PROPOSAL_FILTERS = ["open", ...PROPOSAL_STATES] as const;
export type ProposalFilter = (typeof PROPOSAL_FILTERS)[number];
export const PROPOSALS_DEFAULT_LIMIT = 50;
export const PROPOSALS_MAX_LIMIT = 100;

/** `/v1/swarms/:id/proposals?status=&limit=&cursor=` (ordered by proposal id ascending). */
export function parseProposalsQuery(raw: Record<string, string | undefined>): {
  statuses: ProposalFilter[] | undefined;
  limit: number;
  cursor: bigint | undefined;
} {
  const parsed = parseParams(
    z.object({
      status: z
        .string()
        .transform((s) => s.split(","))
        .pipe(
          z
            .array(z.enum(PROPOSAL_FILTERS, { message: `each status must be one of ${PROPOSAL_FILTERS.join(", ")}` }))
            .min(1),
        )
        .optional(),
      limit: limitSchema(PROPOSALS_DEFAULT_LIMIT, PROPOSALS_MAX_LIMIT),
      cursor: uint256Schema.optional(),
    }),
    raw,
  );
  return {
    statuses: parsed.status === undefined ? undefined : [...new Set(parsed.status)],
    limit: parsed.limit,
    cursor: parsed.cursor,
  };
}

/** The stored fields proposalState reads. */
export type ProposalClock = {
  status: string;
  votingMode: string;
  voteStart: bigint;
  voteEnd: bigint;
  revealEnd: bigint;
};

/** IProposals.state() at block time `now` (voting windows are inclusive of their end). */
export function proposalState(p: ProposalClock, now: bigint): ProposalState {
  if (p.status !== "open") return p.status as ProposalState;
  if (now < p.voteStart) return "pending";
  if (now <= p.voteEnd) return "active";
  if (p.votingMode === "commit_reveal" && now <= p.revealEnd) return "revealing";
  return "ended";
}

/**
 * A lock's state at block time `now`: `held` (lease live), `expired` (lease over, never released: anyone may
 * acquire), `released`.
 */
export function lockState(l: { status: string; expiresAt: bigint | null }, now: bigint): "held" | "expired" | "released" {
  if (l.status === "released" || l.expiresAt === null) return "released";
  return now < l.expiresAt ? "held" : "expired";
}

/** Whether a leader's lease is live at block time `now` (ILeaderElection.isLeader's clock rule). */
export function leaseLive(leader: string | null, leaseExpiresAt: bigint | null, now: bigint): boolean {
  return leader !== null && leaseExpiresAt !== null && now < leaseExpiresAt;
}

/**
 * Block number and timestamp of a Ponder checkpoint string (`_ponder_checkpoint.latest_checkpoint`):
 * 10 digits of block timestamp, 16 of chain id, 16 of block number, then transaction / event positions.
 */
export function decodeCheckpoint(checkpoint: string): { blockTimestamp: bigint; chainId: bigint; blockNumber: bigint } {
  if (!/^[0-9]{42,}$/.test(checkpoint)) throw new Error(`not a Ponder checkpoint: ${checkpoint}`);
  return {
    blockTimestamp: BigInt(checkpoint.slice(0, 10)),
    chainId: BigInt(checkpoint.slice(10, 26)),
    blockNumber: BigInt(checkpoint.slice(26, 42)),
  };
}
